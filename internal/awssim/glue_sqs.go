package awssim

// The root's side of Amazon SQS (package sqs): the read views callers of the
// simulator use. SQS needs no other service's state, so there is no glue the
// other way.

// QueueDepth reports how many messages a queue holds that a receive could get
// now (visible) and how many are received but neither deleted nor back
// (inFlight). Delayed messages count in neither. An unknown queue has none.
func (s *Sim) QueueDepth(queueURL string) (visible, inFlight int) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.queues.Depth(queueURL)
}

// PrincipalOf returns the principal an access key signs as: one of the
// world's principals or a role session AssumeRole issued.
func (s *Sim) PrincipalOf(accessKeyID string) (Principal, bool) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.sts.Principal(accessKeyID)
}
