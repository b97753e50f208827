package sqs

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of the SQS operations, as "Actions, resources, and
// condition keys for Amazon SQS" lists it: every call but ListQueues is on
// the queue (arn:aws:sqs:<region>:<account>:<name>), with the queue's tags as
// aws:ResourceTag/…. The batch calls are authorized as their single actions
// (SendMessageBatch is sqs:SendMessage), and StartMessageMoveTask needs
// sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on the
// source and sqs:SendMessage on the destination besides its own action.

// AccessDenied is SQS's answer to a call IAM denied: AccessDenied in the
// x-amzn-query-error header (no shape is modelled, so the SDK surfaces the
// generic code), status 403, and the action in lower case, as SQS writes it
// ("… not authorized to perform: sqs:sendmessage on resource: …").
func AccessDenied(action, message string) *protocol.APIError {
	if action != "" {
		message = strings.ReplaceAll(message, action, strings.ToLower(action))
	}
	return &protocol.APIError{Code: "AccessDeniedException", QueryCode: "AccessDenied", Message: message, Status: http.StatusForbidden}
}

// queueAt is the access to the queue a URL names (only its /<account>/<name>
// path counts, as for queueByURL). A URL that names no queue is the call's
// own error, authorized on "*".
func (s *Service) queueAt(raw string, action string) []protocol.Access {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil
	}
	return []protocol.Access{s.queueAccess(parts[0], parts[1], action)}
}

// queueAccess is the access to a queue by account and name, with its tags when
// it exists.
func (s *Service) queueAccess(account, name, action string) protocol.Access {
	a := protocol.Access{Action: action, Resource: fmt.Sprintf("arn:aws:sqs:%s:%s:%s", s.env.Region, account, name)}
	if q := s.state.Queues[account+"/"+name]; q != nil {
		for k, v := range q.Tags {
			setContext(&a, "aws:ResourceTag/"+k, v)
		}
	}
	return a
}

// queueArn is the access to a queue by ARN, for the move-task calls.
func (s *Service) queueArn(arn, action string) protocol.Access {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" {
		return protocol.Access{Action: action, Resource: protocol.AnyResource}
	}
	return s.queueAccess(parts[4], parts[5], action)
}

// setContext sets a condition key of a, making its Context if need be.
func setContext(a *protocol.Access, key string, values ...string) {
	if a.Context == nil {
		a.Context = map[string][]string{}
	}
	a.Context[key] = values
}

// requestTags sets the aws:RequestTag/… and aws:TagKeys keys of tags a call sets.
func requestTags(a *protocol.Access, tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for k, v := range tags {
		setContext(a, "aws:RequestTag/"+k, v)
		keys = append(keys, k)
	}
	sort.Strings(keys)
	setContext(a, "aws:TagKeys", keys...)
}

func (s *Service) onCreateQueue(c *protocol.Call, in createQueueInput) []protocol.Access {
	a := s.queueAccess(c.Caller.AccountID, in.QueueName, "")
	requestTags(&a, in.Tags)
	return []protocol.Access{a}
}

func (s *Service) onGetQueueURL(c *protocol.Call, in getQueueURLInput) []protocol.Access {
	account := in.QueueOwnerAWSAccountId
	if account == "" {
		account = c.Caller.AccountID
	}
	return []protocol.Access{s.queueAccess(account, in.QueueName, "")}
}

func (s *Service) onGetQueueAttributes(_ *protocol.Call, in getQueueAttributesInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onSetQueueAttributes(_ *protocol.Call, in setQueueAttributesInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onDeadLetterSources(_ *protocol.Call, in listDeadLetterSourceQueuesInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onDeleteQueue(_ *protocol.Call, in deleteQueueInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onPurgeQueue(_ *protocol.Call, in purgeQueueInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onTagQueue(_ *protocol.Call, in tagQueueInput) []protocol.Access {
	access := s.queueAt(in.QueueUrl, "")
	if len(access) == 1 {
		requestTags(&access[0], in.Tags)
	}
	return access
}

func (s *Service) onUntagQueue(_ *protocol.Call, in untagQueueInput) []protocol.Access {
	access := s.queueAt(in.QueueUrl, "")
	if len(access) == 1 && len(in.TagKeys) > 0 {
		keys := append([]string(nil), in.TagKeys...)
		sort.Strings(keys)
		setContext(&access[0], "aws:TagKeys", keys...)
	}
	return access
}

func (s *Service) onListQueueTags(_ *protocol.Call, in listQueueTagsInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onSend(_ *protocol.Call, in sendMessageInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onSendBatch(_ *protocol.Call, in sendMessageBatchInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "sqs:SendMessage")
}

func (s *Service) onReceive(_ *protocol.Call, in receiveMessageInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onDelete(_ *protocol.Call, in deleteMessageInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onDeleteBatch(_ *protocol.Call, in deleteMessageBatchInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "sqs:DeleteMessage")
}

func (s *Service) onChangeVisibility(_ *protocol.Call, in changeMessageVisibilityInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "")
}

func (s *Service) onChangeVisibilityBatch(_ *protocol.Call, in changeMessageVisibilityBatchInput) []protocol.Access {
	return s.queueAt(in.QueueUrl, "sqs:ChangeMessageVisibility")
}

// onStartMove needs the move itself and reading, deleting and inspecting
// messages of the source, and sending to the destination when one is given
// (without one, messages go back to the queues they were dead-lettered from).
func (s *Service) onStartMove(_ *protocol.Call, in startMessageMoveTaskInput) []protocol.Access {
	access := []protocol.Access{
		s.queueArn(in.SourceArn, ""),
		s.queueArn(in.SourceArn, "sqs:ReceiveMessage"),
		s.queueArn(in.SourceArn, "sqs:DeleteMessage"),
		s.queueArn(in.SourceArn, "sqs:GetQueueAttributes"),
	}
	if in.DestinationArn != "" {
		access = append(access, s.queueArn(in.DestinationArn, "sqs:SendMessage"))
	}
	return access
}

func (s *Service) onListMoves(_ *protocol.Call, in listMessageMoveTasksInput) []protocol.Access {
	return []protocol.Access{s.queueArn(in.SourceArn, "")}
}

// onCancelMove is on the task's source queue; a handle of no task is the
// call's own error, authorized on "*".
func (s *Service) onCancelMove(_ *protocol.Call, in cancelMessageMoveTaskInput) []protocol.Access {
	for _, t := range s.state.MoveTasks {
		if t.Handle == in.TaskHandle {
			return []protocol.Access{s.queueArn(t.SourceArn, "")}
		}
	}
	return nil
}
