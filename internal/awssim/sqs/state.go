package sqs

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
	"github.com/towervend/towervend/internal/clock"
)

// QueueState is Amazon SQS: the queues of every account with their messages,
// and the message move tasks.
type QueueState struct {
	// Queues are keyed by "<account id>/<queue name>", the path of the queue URL.
	Queues map[string]*Queue `json:"queues"`
	// Deleted records when queues were deleted, by key: AWS refuses to create a
	// queue of the same name for 60 seconds.
	Deleted map[string]time.Time `json:"deleted,omitempty"`
	// MoveTasks are the message move tasks, oldest first.
	MoveTasks []*QueueMoveTask `json:"moveTasks,omitempty"`
	// Serial numbers receives (in receipt handles) and FIFO sequence numbers.
	Serial int64 `json:"serial"`
}

// Queue is an SQS queue.
type Queue struct {
	Name      string    `json:"name"`
	AccountID string    `json:"accountId"`
	Arn       string    `json:"arn"`
	Created   time.Time `json:"created"`
	Modified  time.Time `json:"modified"`
	// Attributes are the settable attributes in force, defaults included, in
	// the form GetQueueAttributes returns them.
	Attributes map[string]string `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	// Messages are in send order, which is the order they are delivered in.
	Messages []*QueueMessage `json:"messages"`
	// PurgedAt is the last PurgeQueue: AWS allows one a minute.
	PurgedAt time.Time `json:"purgedAt,omitzero"`
	// Dedup holds a FIFO queue's deduplication ids for AWS's five-minute window.
	Dedup map[string]QueueDedup `json:"dedup,omitempty"`
}

// QueueDedup is a deduplication id seen by a FIFO queue.
type QueueDedup struct {
	MessageID      string    `json:"messageId"`
	SequenceNumber string    `json:"sequenceNumber"`
	At             time.Time `json:"at"`
}

// QueueMessage is a message in a queue.
type QueueMessage struct {
	ID          string                           `json:"id"`
	Body        string                           `json:"body"`
	Attributes  map[string]QueueMessageAttribute `json:"attributes,omitempty"`
	TraceHeader string                           `json:"traceHeader,omitempty"`
	SenderID    string                           `json:"senderId"`
	// Sent is the SentTimestamp; RetainFrom starts the retention period (the
	// original send, except in a FIFO dead-letter queue, where it restarts).
	Sent       time.Time `json:"sent"`
	RetainFrom time.Time `json:"retainFrom"`
	// Enqueued is when the message entered this queue (differs from Sent after a move).
	Enqueued time.Time `json:"enqueued"`
	// VisibleAt ends a delay (no ReceiptHandle yet) or a visibility timeout.
	VisibleAt     time.Time `json:"visibleAt"`
	ReceiveCount  int       `json:"receiveCount"`
	FirstReceived time.Time `json:"firstReceived,omitzero"`
	LastReceived  time.Time `json:"lastReceived,omitzero"`
	// ReceiptHandle is the handle of the latest receive in this queue: the only
	// one that deletes the message or changes its visibility.
	ReceiptHandle  string `json:"receiptHandle,omitempty"`
	GroupID        string `json:"groupId,omitempty"`
	DedupID        string `json:"dedupId,omitempty"`
	SequenceNumber string `json:"sequenceNumber,omitempty"`
	// DeadLetterSourceArn is the queue a dead-lettered message came from.
	DeadLetterSourceArn string `json:"deadLetterSourceArn,omitempty"`
}

// QueueMessageAttribute is a message attribute, with AWS's member names (it is
// also the wire form).
type QueueMessageAttribute struct {
	DataType         string   `json:"DataType"`
	StringValue      *string  `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
}

// QueueMoveTask is a message move task (dead-letter queue redrive).
type QueueMoveTask struct {
	Handle         string `json:"handle"`
	SourceArn      string `json:"sourceArn"`
	DestinationArn string `json:"destinationArn,omitempty"`
	// Rate is MaxNumberOfMessagesPerSecond; 0 moves everything at once.
	Rate          int       `json:"rate,omitempty"`
	Status        string    `json:"status"`
	Started       time.Time `json:"started"`
	ToMove        int64     `json:"toMove"`
	Moved         int64     `json:"moved"`
	FailureReason string    `json:"failureReason,omitempty"`
}

// SQS limits and defaults (SQS developer guide, quotas and CreateQueue).
const (
	maxBatch          = 10
	maxVisibility     = 43200
	maxDelay          = 900
	maxWait           = 20
	dedupWindow       = 5 * time.Minute
	recreateWait      = 60 * time.Second
	purgeWait         = 60 * time.Second
	maxMessageAttrs   = 10
	maxMoveRate       = 500
	maxReceiveCountHi = 1000
	maxPayload        = 1 << 20 // a message, and a whole batch, since August 2025
)

// Service is Amazon SQS. Its handlers run with the Env's lock held.
type Service struct {
	env *protocol.Env
	// endpoint is the base of queue URLs asked for from no host ("http://awssim.local").
	endpoint string
	state    QueueState
	// clock is the time SQS's timers run on (see UseClock); nil is the Env's.
	clock clock.Clock
	// arrived is closed, and forgotten, when a message may have become
	// receivable: what a blocked long poll waits on.
	arrived chan struct{}
}

// New returns SQS with no queues. endpoint is the base URL queue URLs are
// built on; only their path (/<account>/<name>) is read back, so a queue URL
// works whatever host the caller reached the simulator on.
func New(env *protocol.Env, endpoint string) *Service {
	s := &Service{env: env, endpoint: endpoint}
	s.resume()
	return s
}

// UseClock makes SQS keep its own time: its timers (delays, visibility
// timeouts, retention, the deduplication window) and the timestamps it
// reports run on clk rather than on the world's clock. The standalone
// simulator gives it the wall clock, because the consumers it serves are
// real programs: a 30-second visibility timeout must last 30 seconds for them,
// whatever speed Control Tower's simulated work runs at. On a wall clock a
// long poll blocks, as on AWS.
func (s *Service) UseClock(clk clock.Clock) { s.clock = clk }

// now is SQS's time.
func (s *Service) now() time.Time {
	if s.clock != nil {
		return s.clock.Now()
	}
	return s.env.Clock.Now()
}

// Ops serves Amazon SQS (JSON protocol). Every operation sees the queues as
// they are at the call's time on SQS's clock.
func (s *Service) Ops() map[string]protocol.Handler {
	return protocol.Before(map[string]protocol.Handler{
		"CreateQueue":                  protocol.OpOn(s.createQueue, s.onCreateQueue),
		"GetQueueUrl":                  protocol.OpOn(s.getQueueURL, s.onGetQueueURL),
		"GetQueueAttributes":           protocol.OpOn(s.getQueueAttributes, s.onGetQueueAttributes),
		"SetQueueAttributes":           protocol.OpOn(s.setQueueAttributes, s.onSetQueueAttributes),
		"ListQueues":                   protocol.Op(s.listQueues),
		"ListDeadLetterSourceQueues":   protocol.OpOn(s.listDeadLetterSourceQueues, s.onDeadLetterSources),
		"DeleteQueue":                  protocol.OpOn(s.deleteQueue, s.onDeleteQueue),
		"PurgeQueue":                   protocol.OpOn(s.purgeQueue, s.onPurgeQueue),
		"TagQueue":                     protocol.OpOn(s.tagQueue, s.onTagQueue),
		"UntagQueue":                   protocol.OpOn(s.untagQueue, s.onUntagQueue),
		"ListQueueTags":                protocol.OpOn(s.listQueueTags, s.onListQueueTags),
		"SendMessage":                  protocol.OpOn(s.sendMessage, s.onSend),
		"SendMessageBatch":             protocol.OpOn(s.sendMessageBatch, s.onSendBatch),
		"ReceiveMessage":               protocol.OpOn(s.receiveMessage, s.onReceive),
		"DeleteMessage":                protocol.OpOn(s.deleteMessage, s.onDelete),
		"DeleteMessageBatch":           protocol.OpOn(s.deleteMessageBatch, s.onDeleteBatch),
		"ChangeMessageVisibility":      protocol.OpOn(s.changeMessageVisibility, s.onChangeVisibility),
		"ChangeMessageVisibilityBatch": protocol.OpOn(s.changeMessageVisibilityBatch, s.onChangeVisibilityBatch),
		"StartMessageMoveTask":         protocol.OpOn(s.startMessageMoveTask, s.onStartMove),
		"ListMessageMoveTasks":         protocol.OpOn(s.listMessageMoveTasks, s.onListMoves),
		"CancelMessageMoveTask":        protocol.OpOn(s.cancelMessageMoveTask, s.onCancelMove),
	}, func(c *protocol.Call) *protocol.APIError {
		if s.clock != nil {
			c.Now = s.clock.Now()
		}
		s.advance(c.Now)
		return nil
	})
}

// State is the state a snapshot holds. The lock is held.
func (s *Service) State() QueueState { return s.state }

// Restore replaces the state with one a snapshot held. The lock is held.
func (s *Service) Restore(st QueueState) {
	s.state = st
	s.resume()
}

// resume restarts queue housekeeping after a snapshot is restored. All of
// SQS's timing is computed lazily from the clock, so there are no timers to set
// again; it only makes sure the maps exist.
func (s *Service) resume() {
	if s.state.Queues == nil {
		s.state.Queues = map[string]*Queue{}
	}
	if s.state.Deleted == nil {
		s.state.Deleted = map[string]time.Time{}
	}
	for _, q := range s.state.Queues {
		if q.Attributes == nil {
			q.Attributes = standardDefaults()
		}
	}
}

// Depth reports how many messages a queue holds that a receive could get
// now (visible) and how many are received but neither deleted nor back
// (inFlight). Delayed messages count in neither. An unknown queue has none.
// The lock is held.
func (s *Service) Depth(queueURL string) (visible, inFlight int) {
	now := s.now()
	s.advance(now)
	q, aerr := s.queueByURL(queueURL)
	if aerr != nil {
		return 0, 0
	}
	v, f, _ := q.counts(now)
	return v, f
}

// --- errors ---

// apiError builds an SQS error: Code is the shape name the SDK maps to a typed
// error, the query code and status are those of the service model's
// awsQueryError trait.
func apiError(code, format string, args ...any) *protocol.APIError {
	query, status := code, http.StatusBadRequest
	switch code {
	case "QueueDoesNotExist":
		query = "AWS.SimpleQueueService.NonExistentQueue"
	case "QueueNameExists":
		query = "QueueAlreadyExists"
	case "QueueDeletedRecently", "BatchEntryIdsNotDistinct", "BatchRequestTooLong", "EmptyBatchRequest",
		"InvalidBatchEntryId", "TooManyEntriesInBatchRequest", "MessageNotInflight", "UnsupportedOperation":
		query = "AWS.SimpleQueueService." + code
	case "PurgeQueueInProgress":
		query, status = "AWS.SimpleQueueService.PurgeQueueInProgress", http.StatusForbidden
	case "ReceiptHandleIsInvalid", "ResourceNotFoundException", "InvalidAddress":
		status = http.StatusNotFound
	case "OverLimit":
		status = http.StatusForbidden
	case "InvalidParameterValue":
		// Not a modelled shape: the SDK surfaces it as a generic API error
		// whose code is the query code, as with real SQS.
		return &protocol.APIError{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue", Message: fmt.Sprintf(format, args...), Status: status}
	case "MissingParameter":
		return &protocol.APIError{Code: "MissingRequiredParameterException", QueryCode: "MissingParameter", Message: fmt.Sprintf(format, args...), Status: status}
	}
	return &protocol.APIError{Code: code, QueryCode: query, Message: fmt.Sprintf(format, args...), Status: status}
}

func noQueue() *protocol.APIError {
	return apiError("QueueDoesNotExist", "The specified queue does not exist.")
}

// --- queue lookup and bookkeeping (the lock is held) ---

// queueURL is a queue's URL as the caller reached SQS: on the host it asked
// (as moto and LocalStack build it, so a client that sends to the URL reaches
// the simulator again), in https when it asked as AWS
// (sqs.<region>.amazonaws.com), on the endpoint the service was built with
// when the call came from no host.
func (s *Service) queueURL(c *protocol.Call, q *Queue) string {
	base := s.endpoint
	if c != nil && c.Endpoint != "" && !strings.HasSuffix(c.Endpoint, "://") {
		base = c.Endpoint
		if scheme, host, ok := strings.Cut(base, "://"); ok && scheme == "http" && strings.HasSuffix(host, ".amazonaws.com") {
			base = "https://" + host
		}
	}
	return base + "/" + q.AccountID + "/" + q.Name
}

// queueByURL finds a queue by URL. Only the path (/<account>/<name>) counts,
// so the URL works whatever host the caller reached the simulator on.
func (s *Service) queueByURL(raw string) (*Queue, *protocol.APIError) {
	if raw == "" {
		return nil, apiError("MissingParameter", "The request must contain the parameter QueueUrl.")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, apiError("InvalidAddress", "The address %s is not valid for this endpoint.", raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil, apiError("InvalidAddress", "The address %s is not valid for this endpoint.", raw)
	}
	q := s.state.Queues[parts[0]+"/"+parts[1]]
	if q == nil {
		return nil, noQueue()
	}
	return q, nil
}

func (s *Service) queueByArn(arn string) *Queue {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" {
		return nil
	}
	q := s.state.Queues[parts[4]+"/"+parts[5]]
	if q == nil || q.Arn != arn {
		return nil
	}
	return q
}

func (q *Queue) key() string { return q.AccountID + "/" + q.Name }
func (q *Queue) fifo() bool  { return q.Attributes["FifoQueue"] == "true" }
func (q *Queue) intAttr(name string) int {
	n, _ := strconv.Atoi(q.Attributes[name])
	return n
}

func (q *Queue) visibilityTimeout() time.Duration {
	return time.Duration(q.intAttr("VisibilityTimeout")) * time.Second
}

// redrive returns the queue's redrive policy, if it has one.
func (q *Queue) redrive() (dlqArn string, maxReceives int, ok bool) {
	raw := q.Attributes["RedrivePolicy"]
	if raw == "" {
		return "", 0, false
	}
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}
	if json.Unmarshal([]byte(raw), &p) != nil {
		return "", 0, false
	}
	return p.DeadLetterTargetArn, p.MaxReceiveCount, true
}

func (m *QueueMessage) inFlight(now time.Time) bool {
	return m.ReceiptHandle != "" && m.VisibleAt.After(now)
}

func (m *QueueMessage) delayed(now time.Time) bool {
	return m.ReceiptHandle == "" && m.VisibleAt.After(now)
}

func (m *QueueMessage) visible(now time.Time) bool { return !m.VisibleAt.After(now) }

// counts returns the visible, in-flight and delayed messages.
func (q *Queue) counts(now time.Time) (visible, inFlight, delayed int) {
	for _, m := range q.Messages {
		switch {
		case m.inFlight(now):
			inFlight++
		case m.delayed(now):
			delayed++
		default:
			visible++
		}
	}
	return visible, inFlight, delayed
}

// expire drops messages past the queue's retention period and deduplication
// ids past their window.
func (q *Queue) expire(now time.Time) {
	retention := time.Duration(q.intAttr("MessageRetentionPeriod")) * time.Second
	q.Messages = slices.DeleteFunc(q.Messages, func(m *QueueMessage) bool {
		return !m.RetainFrom.Add(retention).After(now)
	})
	for id, d := range q.Dedup {
		if !d.At.Add(dedupWindow).After(now) {
			delete(q.Dedup, id)
		}
	}
}

func (q *Queue) remove(m *QueueMessage) {
	q.Messages = slices.DeleteFunc(q.Messages, func(x *QueueMessage) bool { return x == m })
}

func (q *Queue) message(id string) *QueueMessage {
	for _, m := range q.Messages {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// advance brings every queue up to now: retention and running move tasks.
// Every SQS call starts with it, so lazily computed time looks continuous.
func (s *Service) advance(now time.Time) {
	for key, at := range s.state.Deleted {
		if !at.Add(recreateWait).After(now) {
			delete(s.state.Deleted, key)
		}
	}
	for _, key := range sortedKeys(s.state.Queues) {
		s.state.Queues[key].expire(now)
	}
	for _, t := range s.state.MoveTasks {
		if t.Status == "RUNNING" {
			s.runMoveTask(t, now)
		}
	}
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
