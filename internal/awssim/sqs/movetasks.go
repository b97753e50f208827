package sqs

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- message move tasks ---

// deadLetterSources are the queues whose redrive policy names dlq as their
// dead-letter queue, in key order.
func (s *Service) deadLetterSources(dlq *Queue) []*Queue {
	var out []*Queue
	for _, key := range sortedKeys(s.state.Queues) {
		if target, _, ok := s.state.Queues[key].redrive(); ok && target == dlq.Arn {
			out = append(out, s.state.Queues[key])
		}
	}
	return out
}

type startMessageMoveTaskInput struct {
	SourceArn                    string
	DestinationArn               string
	MaxNumberOfMessagesPerSecond *int
}

func (s *Service) startMessageMoveTask(c *protocol.Call, in startMessageMoveTaskInput) (any, *protocol.APIError) {
	src := s.queueByArn(in.SourceArn)
	if src == nil {
		return nil, apiError("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if len(s.deadLetterSources(src)) == 0 {
		return nil, apiError("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
	}
	if in.DestinationArn != "" && s.queueByArn(in.DestinationArn) == nil {
		return nil, apiError("ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist.")
	}
	rate := 0
	if r := in.MaxNumberOfMessagesPerSecond; r != nil {
		if *r < 1 || *r > maxMoveRate {
			return nil, apiError("InvalidParameterValue", "Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500, if provided.", *r)
		}
		rate = *r
	}
	for _, t := range s.state.MoveTasks {
		if t.SourceArn == src.Arn && t.Status == "RUNNING" {
			return nil, apiError("InvalidParameterValue", "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	visible, _, _ := src.counts(c.Now)
	handle, _ := json.Marshal(map[string]string{"taskId": s.env.UUID(), "sourceArn": src.Arn})
	t := &QueueMoveTask{Handle: base64.StdEncoding.EncodeToString(handle), SourceArn: src.Arn, DestinationArn: in.DestinationArn,
		Rate: rate, Status: "RUNNING", Started: c.Now, ToMove: int64(visible)}
	s.state.MoveTasks = append(s.state.MoveTasks, t)
	s.runMoveTask(t, c.Now)
	return map[string]string{"TaskHandle": t.Handle}, nil
}

// runMoveTask moves the messages a task should have moved by now: at its
// rate since it started, or all of them when it has none. It moves visible
// messages that were in the dead-letter queue when the task started, oldest first.
func (s *Service) runMoveTask(t *QueueMoveTask, now time.Time) {
	src := s.queueByArn(t.SourceArn)
	if src == nil {
		t.Status, t.FailureReason = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
		return
	}
	due := t.ToMove
	if t.Rate > 0 {
		due = min(t.ToMove, now.Sub(t.Started).Milliseconds()*int64(t.Rate)/1000)
	}
	for t.Moved < due {
		var next *QueueMessage
		for _, m := range src.Messages {
			if !m.Enqueued.After(t.Started) && m.visible(now) {
				next = m
				break
			}
		}
		if next == nil {
			break
		}
		destArn := t.DestinationArn
		if destArn == "" {
			destArn = next.DeadLetterSourceArn
		}
		dest := s.queueByArn(destArn)
		if dest == nil {
			t.Status, t.FailureReason = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
			return
		}
		src.remove(next)
		next.ReceiveCount, next.FirstReceived, next.LastReceived = 0, time.Time{}, time.Time{}
		next.ReceiptHandle, next.DeadLetterSourceArn = "", ""
		next.VisibleAt, next.Enqueued = now, now
		dest.Messages = append(dest.Messages, next)
		t.Moved++
	}
	if t.Moved >= t.ToMove || !s.hasMovable(src, t, now) {
		t.Status = "COMPLETED"
	}
}

func (s *Service) hasMovable(src *Queue, t *QueueMoveTask, now time.Time) bool {
	for _, m := range src.Messages {
		if !m.Enqueued.After(t.Started) && m.visible(now) {
			return true
		}
	}
	return false
}

type listMessageMoveTasksInput struct {
	SourceArn  string
	MaxResults *int
}

func (s *Service) listMessageMoveTasks(c *protocol.Call, in listMessageMoveTasksInput) (any, *protocol.APIError) {
	if s.queueByArn(in.SourceArn) == nil {
		return nil, apiError("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	limit := 1
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10 {
			return nil, apiError("InvalidParameterValue", "Value %d for parameter MaxResults is invalid. Reason: Must be between 1 and 10, if provided.", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	type entry struct {
		TaskHandle                        string `json:",omitempty"`
		Status                            string
		SourceArn                         string
		DestinationArn                    string `json:",omitempty"`
		MaxNumberOfMessagesPerSecond      *int   `json:",omitempty"`
		ApproximateNumberOfMessagesMoved  int64
		ApproximateNumberOfMessagesToMove int64
		FailureReason                     string `json:",omitempty"`
		StartedTimestamp                  int64
	}
	results := []entry{}
	for i := len(s.state.MoveTasks) - 1; i >= 0 && len(results) < limit; i-- {
		t := s.state.MoveTasks[i]
		if t.SourceArn != in.SourceArn {
			continue
		}
		e := entry{Status: t.Status, SourceArn: t.SourceArn, DestinationArn: t.DestinationArn,
			ApproximateNumberOfMessagesMoved: t.Moved, ApproximateNumberOfMessagesToMove: t.ToMove,
			FailureReason: t.FailureReason, StartedTimestamp: t.Started.UnixMilli()}
		if t.Status == "RUNNING" {
			e.TaskHandle = t.Handle
		}
		if t.Rate > 0 {
			e.MaxNumberOfMessagesPerSecond = &t.Rate
		}
		results = append(results, e)
	}
	return map[string]any{"Results": results}, nil
}

type cancelMessageMoveTaskInput struct{ TaskHandle string }

func (s *Service) cancelMessageMoveTask(c *protocol.Call, in cancelMessageMoveTaskInput) (any, *protocol.APIError) {
	for _, t := range s.state.MoveTasks {
		if t.Handle != in.TaskHandle {
			continue
		}
		if t.Status != "RUNNING" {
			return nil, apiError("ResourceNotFoundException", "Task does not exist or is not running: it is %s.", t.Status)
		}
		t.Status = "CANCELLED"
		return map[string]int64{"ApproximateNumberOfMessagesMoved": t.Moved}, nil
	}
	return nil, apiError("ResourceNotFoundException", "The resource that you specified for the TaskHandle parameter doesn't exist.")
}
