package awssim

// QueueState is Amazon SQS.
type QueueState struct{}

// sqsOps serves Amazon SQS (JSON protocol).
func (s *Sim) sqsOps() map[string]jsonOp {
	return map[string]jsonOp{}
}

func (s *Sim) initQueues(w *World) error { return nil }

// resumeQueues restarts queue housekeeping after a snapshot is restored.
func (s *Sim) resumeQueues() {}
