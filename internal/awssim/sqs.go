package awssim

// Amazon SQS (awsJson 1.0, target prefix AmazonSQS, query compatible: every
// error carries its Query-era code in x-amzn-query-error as well).
//
// Where the simulator differs from AWS, on purpose:
//   - A long poll (WaitTimeSeconds, or the queue's ReceiveMessageWaitTimeSeconds)
//     cannot block: handlers run with the simulator's lock held. ReceiveMessage
//     answers at once with what is available, possibly nothing, so a poller must
//     wait on the clock between empty receives.
//   - Time-driven behaviour (delays, visibility timeouts, retention, the
//     deduplication window, message move tasks) is worked out lazily from the
//     simulated time of each call. Nothing runs between calls and no timers are
//     set, so a snapshot holds all of it and a restore needs no resuming.
//   - A message move task without MaxNumberOfMessagesPerSecond moves every
//     message at once, when it starts; with a rate it moves that many messages
//     per simulated second, as later calls observe.
//   - Delivery is deterministic: messages come out in send order (standard
//     queues too), ids come from the world's seeded rand.

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	sqsMaxBatch          = 10
	sqsMaxVisibility     = 43200
	sqsMaxDelay          = 900
	sqsMaxWait           = 20
	sqsDedupWindow       = 5 * time.Minute
	sqsRecreateWait      = 60 * time.Second
	sqsPurgeWait         = 60 * time.Second
	sqsMaxMessageAttrs   = 10
	sqsMaxMoveRate       = 500
	sqsMaxReceiveCountHi = 1000
	sqsMaxPayload        = 1 << 20 // a message, and a whole batch, since August 2025
)

// sqsStandardDefaults are the attributes a new standard queue has.
func sqsStandardDefaults() map[string]string {
	return map[string]string{
		"DelaySeconds":                  "0",
		"MaximumMessageSize":            "1048576",
		"MessageRetentionPeriod":        "345600",
		"ReceiveMessageWaitTimeSeconds": "0",
		"VisibilityTimeout":             "30",
		"SqsManagedSseEnabled":          "true",
	}
}

// sqsIntRange is the valid range of a numeric attribute; ok is false for the others.
func sqsIntRange(name string) (lo, hi int, ok bool) {
	switch name {
	case "DelaySeconds":
		return 0, sqsMaxDelay, true
	case "MaximumMessageSize":
		return 1024, sqsMaxPayload, true
	case "MessageRetentionPeriod":
		return 60, 1209600, true
	case "ReceiveMessageWaitTimeSeconds":
		return 0, sqsMaxWait, true
	case "VisibilityTimeout":
		return 0, sqsMaxVisibility, true
	case "KmsDataKeyReusePeriodSeconds":
		return 60, 86400, true
	}
	return 0, 0, false
}

// sqsComputedAttrs are the read-only attributes GetQueueAttributes works out.
func sqsComputedAttrs() []string {
	return []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible",
		"CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}
}

var (
	sqsQueueNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	sqsFifoNameRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,75}\.fifo$`)
	sqsBatchIDRe   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	sqsAttrNameRe  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	sqsDedupIDRe   = regexp.MustCompile(`^[!-~]{1,128}$`)
)

// sqsOps serves Amazon SQS (JSON protocol).
func (s *Sim) sqsOps() map[string]protocol.Handler {
	ops := map[string]protocol.Handler{
		"CreateQueue":                  s.sqsCreateQueue,
		"GetQueueUrl":                  s.sqsGetQueueURL,
		"GetQueueAttributes":           s.sqsGetQueueAttributes,
		"SetQueueAttributes":           s.sqsSetQueueAttributes,
		"ListQueues":                   s.sqsListQueues,
		"ListDeadLetterSourceQueues":   s.sqsListDeadLetterSourceQueues,
		"DeleteQueue":                  s.sqsDeleteQueue,
		"PurgeQueue":                   s.sqsPurgeQueue,
		"TagQueue":                     s.sqsTagQueue,
		"UntagQueue":                   s.sqsUntagQueue,
		"ListQueueTags":                s.sqsListQueueTags,
		"SendMessage":                  s.sqsSendMessage,
		"SendMessageBatch":             s.sqsSendMessageBatch,
		"ReceiveMessage":               s.sqsReceiveMessage,
		"DeleteMessage":                s.sqsDeleteMessage,
		"DeleteMessageBatch":           s.sqsDeleteMessageBatch,
		"ChangeMessageVisibility":      s.sqsChangeMessageVisibility,
		"ChangeMessageVisibilityBatch": s.sqsChangeMessageVisibilityBatch,
		"StartMessageMoveTask":         s.sqsStartMessageMoveTask,
		"ListMessageMoveTasks":         s.sqsListMessageMoveTasks,
		"CancelMessageMoveTask":        s.sqsCancelMessageMoveTask,
	}
	for name, h := range ops {
		ops[name] = s.sqsAdvancing(h)
	}
	return ops
}

func (s *Sim) initQueues(w *World) error {
	s.queues = QueueState{}
	s.resumeQueues()
	return nil
}

// resumeQueues restarts queue housekeeping after a snapshot is restored. All of
// SQS's timing is computed lazily from the clock, so there are no timers to set
// again; it only makes sure the maps exist.
func (s *Sim) resumeQueues() {
	if s.queues.Queues == nil {
		s.queues.Queues = map[string]*Queue{}
	}
	if s.queues.Deleted == nil {
		s.queues.Deleted = map[string]time.Time{}
	}
	for _, q := range s.queues.Queues {
		if q.Attributes == nil {
			q.Attributes = sqsStandardDefaults()
		}
	}
}

// QueueDepth reports how many messages a queue holds that a receive could get
// now (visible) and how many are received but neither deleted nor back
// (inFlight). Delayed messages count in neither. An unknown queue has none.
func (s *Sim) QueueDepth(queueURL string) (visible, inFlight int) {
	s.env.Lock()
	defer s.env.Unlock()
	now := s.env.Clock.Now()
	s.sqsAdvance(now)
	q, aerr := s.sqsQueueByURL(queueURL)
	if aerr != nil {
		return 0, 0
	}
	v, f, _ := q.counts(now)
	return v, f
}

// --- errors ---

// sqsError builds an SQS error: Code is the shape name the SDK maps to a typed
// error, the query code and status are those of the service model's
// awsQueryError trait.
func sqsError(code, format string, args ...any) *APIError {
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
		return &APIError{Code: "InvalidParameterValueException", QueryCode: "InvalidParameterValue", Message: fmt.Sprintf(format, args...), Status: status}
	case "MissingParameter":
		return &APIError{Code: "MissingRequiredParameterException", QueryCode: "MissingParameter", Message: fmt.Sprintf(format, args...), Status: status}
	}
	return &APIError{Code: code, QueryCode: query, Message: fmt.Sprintf(format, args...), Status: status}
}

func sqsNoQueue() *APIError {
	return sqsError("QueueDoesNotExist", "The specified queue does not exist.")
}

func sqsDecode(body []byte, v any) *APIError {
	if err := json.Unmarshal(body, v); err != nil {
		return &APIError{Code: "SerializationException", Message: "Could not parse the request: " + err.Error(), Status: http.StatusBadRequest}
	}
	return nil
}

// --- queue lookup and bookkeeping (s.mu is held) ---

func sqsQueueURL(q *Queue) string { return Endpoint + "/" + q.AccountID + "/" + q.Name }

// sqsQueueByURL finds a queue by URL. Only the path (/<account>/<name>) counts,
// so the URL works whatever host the caller reached the simulator on.
func (s *Sim) sqsQueueByURL(raw string) (*Queue, *APIError) {
	if raw == "" {
		return nil, sqsError("MissingParameter", "The request must contain the parameter QueueUrl.")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, sqsError("InvalidAddress", "The address %s is not valid for this endpoint.", raw)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil, sqsError("InvalidAddress", "The address %s is not valid for this endpoint.", raw)
	}
	q := s.queues.Queues[parts[0]+"/"+parts[1]]
	if q == nil {
		return nil, sqsNoQueue()
	}
	return q, nil
}

func (s *Sim) sqsQueueByArn(arn string) *Queue {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" {
		return nil
	}
	q := s.queues.Queues[parts[4]+"/"+parts[5]]
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
		if !d.At.Add(sqsDedupWindow).After(now) {
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

// sqsAdvance brings every queue up to now: retention and running move tasks.
// Every SQS call starts with it, so lazily computed time looks continuous.
func (s *Sim) sqsAdvance(now time.Time) {
	for key, at := range s.queues.Deleted {
		if !at.Add(sqsRecreateWait).After(now) {
			delete(s.queues.Deleted, key)
		}
	}
	for _, key := range sortedKeys(s.queues.Queues) {
		s.queues.Queues[key].expire(now)
	}
	for _, t := range s.queues.MoveTasks {
		if t.Status == "RUNNING" {
			s.sqsRunMoveTask(t, now)
		}
	}
}

// sqsAdvancing wraps a handler so that it sees the queues as they are at the
// call's simulated time.
func (s *Sim) sqsAdvancing(h protocol.Handler) protocol.Handler {
	return func(c *protocol.Call, body []byte) (any, *APIError) {
		s.sqsAdvance(c.Now)
		return h(c, body)
	}
}

// --- queue attributes ---

// sqsNormalizeAttrs checks attributes given to CreateQueue or
// SetQueueAttributes and returns them in stored form ("" removes an optional one).
func (s *Sim) sqsNormalizeAttrs(attrs map[string]string, fifo, creating bool, self string) (map[string]string, *APIError) {
	out := map[string]string{}
	for _, name := range sortedKeys(attrs) {
		v := attrs[name]
		invalid := func(reason string) *APIError {
			if reason != "" {
				return sqsError("InvalidAttributeValue", "Invalid value for the parameter %s. Reason: %s", name, reason)
			}
			return sqsError("InvalidAttributeValue", "Invalid value for the parameter %s.", name)
		}
		if lo, hi, ok := sqsIntRange(name); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return nil, invalid("")
			}
			out[name] = strconv.Itoa(n)
			continue
		}
		switch name {
		case "Policy":
			if v != "" && !json.Valid([]byte(v)) {
				return nil, invalid("Policy is not valid JSON.")
			}
			out[name] = v
		case "KmsMasterKeyId":
			out[name] = v
		case "SqsManagedSseEnabled":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, invalid("")
			}
			out[name] = strconv.FormatBool(b)
		case "FifoQueue":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, invalid("")
			}
			if !creating {
				return nil, invalid("You can't change the queue type of an existing queue.")
			}
			if b != fifo {
				return nil, invalid("A FIFO queue's name must end with the .fifo suffix, and only a FIFO queue's may.")
			}
			if b {
				out[name] = "true"
			}
		case "ContentBasedDeduplication":
			if !fifo {
				return nil, sqsError("InvalidAttributeName", "Unknown Attribute %s.", name)
			}
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, invalid("")
			}
			out[name] = strconv.FormatBool(b)
		case "DeduplicationScope", "FifoThroughputLimit":
			if !fifo {
				return nil, sqsError("InvalidAttributeName", "Unknown Attribute %s.", name)
			}
			allowed := map[string][]string{"DeduplicationScope": {"messageGroup", "queue"}, "FifoThroughputLimit": {"perQueue", "perMessageGroupId"}}[name]
			if !slices.Contains(allowed, v) {
				return nil, invalid("")
			}
			out[name] = v
		case "RedrivePolicy":
			norm, aerr := s.sqsNormalizeRedrive(v, fifo, self)
			if aerr != nil {
				return nil, aerr
			}
			out[name] = norm
		case "RedriveAllowPolicy":
			norm, aerr := sqsNormalizeRedriveAllow(v)
			if aerr != nil {
				return nil, aerr
			}
			out[name] = norm
		default:
			return nil, sqsError("InvalidAttributeName", "Unknown Attribute %s.", name)
		}
	}
	if fifo && out["DeduplicationScope"] == "messageGroup" && out["FifoThroughputLimit"] == "perQueue" {
		return nil, sqsError("InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit. Reason: perQueue is not valid with DeduplicationScope messageGroup.")
	}
	return out, nil
}

// sqsNormalizeRedrive checks a RedrivePolicy and writes it the way
// GetQueueAttributes returns it (maxReceiveCount as a number).
func (s *Sim) sqsNormalizeRedrive(v string, fifo bool, self string) (string, *APIError) {
	if v == "" {
		return "", nil
	}
	invalid := func(reason string) *APIError {
		return sqsError("InvalidParameterValue", "Value %s for parameter RedrivePolicy is invalid. Reason: %s", v, reason)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return "", invalid("Redrive policy is not a valid JSON map.")
	}
	var target string
	if err := json.Unmarshal(p["deadLetterTargetArn"], &target); err != nil || target == "" {
		return "", invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	raw, ok := p["maxReceiveCount"]
	if !ok {
		return "", invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	var n int
	var str string
	if json.Unmarshal(raw, &n) != nil {
		if json.Unmarshal(raw, &str) != nil {
			return "", invalid("Invalid value for maxReceiveCount: must be an integer from 1 to 1000.")
		}
		var err error
		if n, err = strconv.Atoi(str); err != nil {
			return "", invalid("Invalid value for maxReceiveCount: must be an integer from 1 to 1000.")
		}
	}
	if n < 1 || n > sqsMaxReceiveCountHi {
		return "", invalid("Invalid value for maxReceiveCount: " + strconv.Itoa(n) + ", valid values are from 1 to 1000 both inclusive.")
	}
	for k := range p {
		if k != "deadLetterTargetArn" && k != "maxReceiveCount" {
			return "", invalid("Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
		}
	}
	dlq := s.sqsQueueByArn(target)
	if dlq == nil {
		return "", invalid("Dead letter target does not exist.")
	}
	if dlq.fifo() != fifo {
		return "", invalid("Dead-letter queue must be same type of queue as the source.")
	}
	if !dlq.allowsRedriveFrom(self) {
		return "", invalid("Queue " + self + " is not allowed to use " + target + " as its dead-letter queue (RedriveAllowPolicy).")
	}
	b, _ := json.Marshal(struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}{target, n})
	return string(b), nil
}

type sqsRedriveAllow struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns,omitempty"`
}

func sqsNormalizeRedriveAllow(v string) (string, *APIError) {
	if v == "" {
		return "", nil
	}
	invalid := func(reason string) *APIError {
		return sqsError("InvalidParameterValue", "Value %s for parameter RedriveAllowPolicy is invalid. Reason: %s", v, reason)
	}
	var p sqsRedriveAllow
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return "", invalid("Amazon SQS can't process the RedriveAllowPolicy JSON.")
	}
	switch p.RedrivePermission {
	case "allowAll", "denyAll":
		if len(p.SourceQueueArns) > 0 {
			return "", invalid("Only specify sourceQueueArns when redrivePermission is byQueue.")
		}
	case "byQueue":
		if len(p.SourceQueueArns) == 0 || len(p.SourceQueueArns) > 10 {
			return "", invalid("byQueue needs between 1 and 10 sourceQueueArns.")
		}
	default:
		return "", invalid("redrivePermission must be allowAll, denyAll or byQueue.")
	}
	b, _ := json.Marshal(p)
	return string(b), nil
}

// allowsRedriveFrom applies the queue's RedriveAllowPolicy to a would-be source.
func (q *Queue) allowsRedriveFrom(sourceArn string) bool {
	raw := q.Attributes["RedriveAllowPolicy"]
	if raw == "" {
		return true
	}
	var p sqsRedriveAllow
	if json.Unmarshal([]byte(raw), &p) != nil {
		return true
	}
	switch p.RedrivePermission {
	case "denyAll":
		return false
	case "byQueue":
		return slices.Contains(p.SourceQueueArns, sourceArn)
	}
	return true
}

// setAttrs applies normalised attributes: an empty value removes an optional one.
func (q *Queue) setAttrs(attrs map[string]string) {
	for name, v := range attrs {
		switch {
		case v == "" && (name == "Policy" || name == "RedrivePolicy" || name == "RedriveAllowPolicy" || name == "KmsMasterKeyId"):
			delete(q.Attributes, name)
		default:
			q.Attributes[name] = v
		}
	}
	// SSE-KMS and SSE-SQS exclude each other.
	if attrs["KmsMasterKeyId"] != "" {
		q.Attributes["SqsManagedSseEnabled"] = "false"
		if q.Attributes["KmsDataKeyReusePeriodSeconds"] == "" {
			q.Attributes["KmsDataKeyReusePeriodSeconds"] = "300"
		}
	}
	if attrs["SqsManagedSseEnabled"] == "true" {
		delete(q.Attributes, "KmsMasterKeyId")
		delete(q.Attributes, "KmsDataKeyReusePeriodSeconds")
	}
}

// attribute returns one attribute as GetQueueAttributes shows it.
func (q *Queue) attribute(name string, now time.Time) (string, bool) {
	switch name {
	case "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed":
		v, f, d := q.counts(now)
		n := map[string]int{"ApproximateNumberOfMessages": v, "ApproximateNumberOfMessagesNotVisible": f, "ApproximateNumberOfMessagesDelayed": d}[name]
		return strconv.Itoa(n), true
	case "CreatedTimestamp":
		return strconv.FormatInt(q.Created.Unix(), 10), true
	case "LastModifiedTimestamp":
		return strconv.FormatInt(q.Modified.Unix(), 10), true
	case "QueueArn":
		return q.Arn, true
	}
	v, ok := q.Attributes[name]
	return v, ok
}

// --- queue operations ---

func (s *Sim) sqsCreateQueue(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueName  string
		Attributes map[string]string
		Tags       map[string]string `json:"tags"`
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	fifo := strings.HasSuffix(in.QueueName, ".fifo")
	if in.Attributes["FifoQueue"] == "true" && !fifo || fifo && in.Attributes["FifoQueue"] != "true" || fifo && !sqsFifoNameRe.MatchString(in.QueueName) {
		return nil, sqsError("InvalidParameterValue", "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
	}
	if !fifo && !sqsQueueNameRe.MatchString(in.QueueName) {
		return nil, sqsError("InvalidParameterValue", "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	account := c.Caller.AccountID
	key := account + "/" + in.QueueName
	arn := fmt.Sprintf("arn:aws:sqs:%s:%s:%s", s.world.Region, account, in.QueueName)
	attrs, aerr := s.sqsNormalizeAttrs(in.Attributes, fifo, true, arn)
	if aerr != nil {
		return nil, aerr
	}
	if q := s.queues.Queues[key]; q != nil {
		// Idempotent when every attribute given has the value in force.
		for _, name := range sortedKeys(attrs) {
			if cur, _ := q.attribute(name, c.Now); cur != attrs[name] {
				return nil, sqsError("QueueNameExists", "A queue already exists with the same name and a different value for attribute %s", name)
			}
		}
		return map[string]string{"QueueUrl": sqsQueueURL(q)}, nil
	}
	if _, ok := s.queues.Deleted[key]; ok {
		return nil, sqsError("QueueDeletedRecently", "You must wait 60 seconds after deleting a queue before you can create another with the same name.")
	}
	q := &Queue{Name: in.QueueName, AccountID: account, Arn: arn, Created: c.Now, Modified: c.Now,
		Attributes: sqsStandardDefaults(), Tags: map[string]string{}, Messages: []*QueueMessage{}}
	if fifo {
		q.Attributes["FifoQueue"] = "true"
		q.Attributes["ContentBasedDeduplication"] = "false"
		q.Attributes["DeduplicationScope"] = "queue"
		q.Attributes["FifoThroughputLimit"] = "perQueue"
		q.Dedup = map[string]QueueDedup{}
	}
	q.setAttrs(attrs)
	for k, v := range in.Tags {
		q.Tags[k] = v
	}
	s.queues.Queues[key] = q
	return map[string]string{"QueueUrl": sqsQueueURL(q)}, nil
}

func (s *Sim) sqsGetQueueURL(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueName              string
		QueueOwnerAWSAccountId string
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	account := in.QueueOwnerAWSAccountId
	if account == "" {
		account = c.Caller.AccountID
	}
	q := s.queues.Queues[account+"/"+in.QueueName]
	if q == nil {
		return nil, sqsNoQueue()
	}
	return map[string]string{"QueueUrl": sqsQueueURL(q)}, nil
}

func (s *Sim) sqsGetQueueAttributes(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl       string
		AttributeNames []string
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	names := in.AttributeNames
	if slices.Contains(names, "All") {
		names = append(sortedKeys(q.Attributes), sqsComputedAttrs()...)
	}
	out := map[string]string{}
	for _, name := range names {
		v, ok := q.attribute(name, c.Now)
		if !ok {
			if _, _, numeric := sqsIntRange(name); !numeric && !sqsKnownQueueAttr(name) {
				return nil, sqsError("InvalidAttributeName", "Unknown Attribute %s.", name)
			}
			continue // a known attribute this queue does not have, e.g. RedrivePolicy
		}
		out[name] = v
	}
	if len(out) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Attributes": out}, nil
}

func sqsKnownQueueAttr(name string) bool {
	switch name {
	case "Policy", "RedrivePolicy", "RedriveAllowPolicy", "FifoQueue", "ContentBasedDeduplication",
		"KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "DeduplicationScope", "FifoThroughputLimit", "SqsManagedSseEnabled":
		return true
	}
	return slices.Contains(sqsComputedAttrs(), name)
}

func (s *Sim) sqsSetQueueAttributes(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl   string
		Attributes map[string]string
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	attrs, aerr := s.sqsNormalizeAttrs(in.Attributes, q.fifo(), false, q.Arn)
	if aerr != nil {
		return nil, aerr
	}
	q.setAttrs(attrs)
	q.Modified = c.Now
	return struct{}{}, nil
}

func (s *Sim) sqsListQueues(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueNamePrefix string
		NextToken       string
		MaxResults      *int
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	var urls []string
	for _, key := range sortedKeys(s.queues.Queues) {
		q := s.queues.Queues[key]
		if q.AccountID == c.Caller.AccountID && strings.HasPrefix(q.Name, in.QueueNamePrefix) {
			urls = append(urls, sqsQueueURL(q))
		}
	}
	return sqsPage(urls, "QueueUrls", in.NextToken, in.MaxResults)
}

// sqsPage pages a list of URLs the SQS way: without MaxResults the answer holds
// up to 1,000 and no NextToken.
func sqsPage(urls []string, member, token string, maxResults *int) (any, *APIError) {
	out := map[string]any{}
	if maxResults == nil {
		if len(urls) > 1000 {
			urls = urls[:1000]
		}
		if len(urls) > 0 || member == "queueUrls" {
			out[member] = sqsNonNil(urls)
		}
		return out, nil
	}
	if *maxResults < 1 || *maxResults > 1000 {
		return nil, sqsError("InvalidParameterValue", "Value %d for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.", *maxResults)
	}
	page, next, ok := protocol.PageOf(urls, token, *maxResults, 1000)
	if !ok {
		return nil, sqsError("InvalidParameterValue", "Invalid NextToken value.")
	}
	if len(page) > 0 || member == "queueUrls" {
		out[member] = sqsNonNil(page)
	}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func sqsNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Sim) sqsListDeadLetterSourceQueues(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl   string
		NextToken  string
		MaxResults *int
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	dlq, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	var urls []string
	for _, key := range sortedKeys(s.queues.Queues) {
		if target, _, ok := s.queues.Queues[key].redrive(); ok && target == dlq.Arn {
			urls = append(urls, sqsQueueURL(s.queues.Queues[key]))
		}
	}
	return sqsPage(urls, "queueUrls", in.NextToken, in.MaxResults)
}

func (s *Sim) sqsDeleteQueue(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ QueueUrl string }
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	delete(s.queues.Queues, q.key())
	s.queues.Deleted[q.key()] = c.Now
	return struct{}{}, nil
}

func (s *Sim) sqsPurgeQueue(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ QueueUrl string }
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if !q.PurgedAt.IsZero() && q.PurgedAt.Add(sqsPurgeWait).After(c.Now) {
		return nil, sqsError("PurgeQueueInProgress", "Only one PurgeQueue operation on %s is allowed every 60 seconds.", q.Name)
	}
	q.PurgedAt = c.Now
	q.Messages = []*QueueMessage{}
	return struct{}{}, nil
}

func (s *Sim) sqsTagQueue(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl string
		Tags     map[string]string
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if q.Tags == nil {
		q.Tags = map[string]string{}
	}
	if len(q.Tags)+len(in.Tags) > 50 {
		return nil, sqsError("InvalidParameterValue", "Too many tags added for queue %s.", q.Name)
	}
	for k, v := range in.Tags {
		q.Tags[k] = v
	}
	return struct{}{}, nil
}

func (s *Sim) sqsUntagQueue(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl string
		TagKeys  []string
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	for _, k := range in.TagKeys {
		delete(q.Tags, k)
	}
	return struct{}{}, nil
}

func (s *Sim) sqsListQueueTags(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ QueueUrl string }
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if len(q.Tags) == 0 {
		return struct{}{}, nil
	}
	return map[string]any{"Tags": q.Tags}, nil
}

// --- sending ---

// sqsSendInput is one message to send, from SendMessage or a batch entry.
type sqsSendInput struct {
	Id                      string
	MessageBody             *string
	DelaySeconds            *int
	MessageAttributes       map[string]QueueMessageAttribute
	MessageSystemAttributes map[string]QueueMessageAttribute
	MessageDeduplicationId  string
	MessageGroupId          string
}

// sqsSent is what SendMessage answers for one message.
type sqsSent struct {
	Id                           string `json:"Id,omitempty"`
	MessageId                    string `json:"MessageId"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	SequenceNumber               string `json:"SequenceNumber,omitempty"`
}

func (s *Sim) sqsSendMessage(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl string
		sqsSendInput
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	out, aerr := s.sqsSend(c, q, in.sqsSendInput)
	if aerr != nil {
		return nil, aerr
	}
	return out, nil
}

func (s *Sim) sqsSendMessageBatch(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl string
		Entries  []sqsSendInput
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	ids := make([]string, len(in.Entries))
	total := 0
	for i, e := range in.Entries {
		ids[i] = e.Id
		if e.MessageBody != nil {
			total += len(*e.MessageBody) + sqsAttrsSize(e.MessageAttributes)
		}
	}
	if aerr := sqsCheckBatch(ids, "SendMessageBatchRequestEntry"); aerr != nil {
		return nil, aerr
	}
	if total > sqsMaxPayload {
		return nil, sqsError("BatchRequestTooLong", "Batch requested message too long.")
	}
	out := struct {
		Successful []sqsSent
		Failed     []sqsBatchError
	}{Successful: []sqsSent{}, Failed: []sqsBatchError{}}
	for _, e := range in.Entries {
		sent, aerr := s.sqsSend(c, q, e)
		if aerr != nil {
			out.Failed = append(out.Failed, sqsBatchFailure(e.Id, aerr))
			continue
		}
		sent.Id = e.Id
		out.Successful = append(out.Successful, *sent)
	}
	return out, nil
}

// sqsBatchError is a failed entry of a batch request.
type sqsBatchError struct {
	Id          string
	Code        string
	Message     string
	SenderFault bool
}

func sqsBatchFailure(id string, e *APIError) sqsBatchError {
	code := e.QueryCode
	if code == "" {
		code = e.Code
	}
	return sqsBatchError{Id: id, Code: code, Message: e.Message, SenderFault: e.Status < 500}
}

// sqsCheckBatch applies the rules every batch request shares.
func sqsCheckBatch(ids []string, entryShape string) *APIError {
	if len(ids) == 0 {
		return sqsError("EmptyBatchRequest", "There should be at least one %s in the request.", entryShape)
	}
	if len(ids) > sqsMaxBatch {
		return sqsError("TooManyEntriesInBatchRequest", "Maximum number of entries per request are %d. You have sent %d.", sqsMaxBatch, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !sqsBatchIDRe.MatchString(id) {
			return sqsError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return sqsError("BatchEntryIdsNotDistinct", "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

// sqsSend validates one message and enqueues it.
func (s *Sim) sqsSend(c *protocol.Call, q *Queue, in sqsSendInput) (*sqsSent, *APIError) {
	if in.MessageBody == nil || *in.MessageBody == "" {
		return nil, sqsError("MissingParameter", "The request must contain the parameter MessageBody.")
	}
	msgBody := *in.MessageBody
	if aerr := sqsCheckBody(msgBody); aerr != nil {
		return nil, aerr
	}
	if aerr := sqsCheckAttrs(in.MessageAttributes); aerr != nil {
		return nil, aerr
	}
	if size := len(msgBody) + sqsAttrsSize(in.MessageAttributes); size > q.intAttr("MaximumMessageSize") {
		return nil, sqsError("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.intAttr("MaximumMessageSize"))
	}
	trace := ""
	for name, v := range in.MessageSystemAttributes {
		if name != "AWSTraceHeader" || !strings.HasPrefix(v.DataType, "String") || v.StringValue == nil {
			return nil, sqsError("InvalidParameterValue", "Message system attribute name '%s' is invalid.", name)
		}
		trace = *v.StringValue
	}
	delay := time.Duration(q.intAttr("DelaySeconds")) * time.Second
	if in.DelaySeconds != nil {
		if q.fifo() {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *in.DelaySeconds)
		}
		if *in.DelaySeconds < 0 || *in.DelaySeconds > sqsMaxDelay {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *in.DelaySeconds)
		}
		delay = time.Duration(*in.DelaySeconds) * time.Second
	}
	sent := &sqsSent{MD5OfMessageBody: sqsMD5(msgBody), MD5OfMessageAttributes: sqsAttrsMD5(in.MessageAttributes)}
	if in.MessageSystemAttributes != nil {
		sent.MD5OfMessageSystemAttributes = sqsAttrsMD5(in.MessageSystemAttributes)
	}
	m := &QueueMessage{Body: msgBody, Attributes: in.MessageAttributes, TraceHeader: trace, SenderID: c.Caller.UserID,
		Sent: c.Now, RetainFrom: c.Now, Enqueued: c.Now, VisibleAt: c.Now.Add(delay), GroupID: in.MessageGroupId}
	if q.fifo() {
		if in.MessageGroupId == "" {
			return nil, sqsError("MissingParameter", "The request must contain the parameter MessageGroupId.")
		}
		dedup := in.MessageDeduplicationId
		if dedup == "" {
			if q.Attributes["ContentBasedDeduplication"] != "true" {
				return nil, sqsError("InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(msgBody))
			dedup = hex.EncodeToString(sum[:])
		} else if !sqsDedupIDRe.MatchString(dedup) {
			return nil, sqsError("InvalidParameterValue", "Value %s for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.", dedup)
		}
		dedupKey := dedup
		if q.Attributes["DeduplicationScope"] == "messageGroup" {
			dedupKey = in.MessageGroupId + "\x00" + dedup
		}
		if seen, ok := q.Dedup[dedupKey]; ok {
			// A duplicate is accepted and answered like the original, but not enqueued.
			sent.MessageId, sent.SequenceNumber = seen.MessageID, seen.SequenceNumber
			return sent, nil
		}
		s.queues.Serial++
		m.DedupID, m.SequenceNumber = dedup, fmt.Sprintf("%020d", s.queues.Serial)
		m.ID = s.env.UUID()
		if q.Dedup == nil {
			q.Dedup = map[string]QueueDedup{}
		}
		q.Dedup[dedupKey] = QueueDedup{MessageID: m.ID, SequenceNumber: m.SequenceNumber, At: c.Now}
		sent.SequenceNumber = m.SequenceNumber
	} else {
		if in.MessageDeduplicationId != "" {
			return nil, sqsError("InvalidParameterValue", "Value %s for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.", in.MessageDeduplicationId)
		}
		m.ID = s.env.UUID()
	}
	q.Messages = append(q.Messages, m)
	sent.MessageId = m.ID
	return sent, nil
}

// sqsCheckBody rejects characters SQS does not accept in a message.
func sqsCheckBody(body string) *APIError {
	for _, r := range body {
		ok := r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= utf8.MaxRune)
		if !ok {
			return sqsError("InvalidMessageContents", "Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", r)
		}
	}
	return nil
}

func sqsCheckAttrs(attrs map[string]QueueMessageAttribute) *APIError {
	if len(attrs) > sqsMaxMessageAttrs {
		return sqsError("InvalidParameterValue", "Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), sqsMaxMessageAttrs)
	}
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		lower := strings.ToLower(name)
		if !sqsAttrNameRe.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return sqsError("InvalidParameterValue", "Message (user) attribute name '%s' is invalid.", name)
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case len(a.StringListValues) > 0 || len(a.BinaryListValues) > 0:
			return sqsError("InvalidParameterValue", "Message (user) attribute '%s': list values are reserved for future use.", name)
		case base == "String" || base == "Number":
			if a.StringValue == nil || *a.StringValue == "" || a.BinaryValue != nil {
				return sqsError("InvalidParameterValue", "Message (user) attribute '%s' must contain a non-empty value of message attribute type '%s'.", name, a.DataType)
			}
			if base == "Number" {
				if _, err := strconv.ParseFloat(*a.StringValue, 64); err != nil {
					return sqsError("InvalidParameterValue", "Could not cast message attribute '%s' value to number.", name)
				}
			}
			if aerr := sqsCheckBody(*a.StringValue); aerr != nil {
				return aerr
			}
		case base == "Binary":
			if len(a.BinaryValue) == 0 || a.StringValue != nil {
				return sqsError("InvalidParameterValue", "Message (user) attribute '%s' must contain a non-empty value of message attribute type '%s'.", name, a.DataType)
			}
		default:
			return sqsError("InvalidParameterValue", "The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
	}
	return nil
}

func sqsAttrsSize(attrs map[string]QueueMessageAttribute) int {
	n := 0
	for name, a := range attrs {
		n += len(name) + len(a.DataType) + len(a.BinaryValue)
		if a.StringValue != nil {
			n += len(*a.StringValue)
		}
	}
	return n
}

func sqsMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sqsAttrsMD5 is SQS's digest of message attributes: for each attribute in
// order of name, the name, the data type (both length-prefixed, big-endian
// 32-bit), a transport byte (1 string, 2 binary) and the length-prefixed
// value. An empty set has no digest.
func sqsAttrsMD5(attrs map[string]QueueMessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	var buf bytes.Buffer
	field := func(b []byte) {
		_ = binary.Write(&buf, binary.BigEndian, uint32(len(b)))
		buf.Write(b)
	}
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		field([]byte(name))
		field([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			buf.WriteByte(2)
			field(a.BinaryValue)
		} else {
			buf.WriteByte(1)
			field([]byte(*a.StringValue))
		}
	}
	sum := md5.Sum(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// --- receiving ---

// sqsWireMessage is a message as ReceiveMessage returns it.
type sqsWireMessage struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string                `json:",omitempty"`
	MD5OfMessageAttributes string                           `json:",omitempty"`
	MessageAttributes      map[string]QueueMessageAttribute `json:",omitempty"`
}

func (s *Sim) sqsReceiveMessage(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl                    string
		AttributeNames              []string
		MessageSystemAttributeNames []string
		MessageAttributeNames       []string
		MaxNumberOfMessages         *int
		VisibilityTimeout           *int
		WaitTimeSeconds             *int
		ReceiveRequestAttemptId     string
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	limit := 1
	if in.MaxNumberOfMessages != nil {
		limit = *in.MaxNumberOfMessages
		if limit < 1 || limit > sqsMaxBatch {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", limit)
		}
	}
	if w := in.WaitTimeSeconds; w != nil && (*w < 0 || *w > sqsMaxWait) {
		return nil, sqsError("InvalidParameterValue", "Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *w)
	}
	vt := q.visibilityTimeout()
	if in.VisibilityTimeout != nil {
		if *in.VisibilityTimeout < 0 || *in.VisibilityTimeout > sqsMaxVisibility {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", *in.VisibilityTimeout)
		}
		vt = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	if in.ReceiveRequestAttemptId != "" && !q.fifo() {
		return nil, sqsError("InvalidParameterValue", "Value %s for parameter ReceiveRequestAttemptId is invalid. Reason: The request include parameter that is not valid for this queue type.", in.ReceiveRequestAttemptId)
	}
	sysNames := append(append([]string{}, in.AttributeNames...), in.MessageSystemAttributeNames...)

	// A FIFO message group is held while one of its messages is in flight,
	// so the group's order survives.
	blocked := map[string]bool{}
	if q.fifo() {
		for _, m := range q.Messages {
			if m.inFlight(c.Now) {
				blocked[m.GroupID] = true
			}
		}
	}
	dlqArn, maxReceives, hasRedrive := q.redrive()
	var dlq *Queue
	if hasRedrive {
		dlq = s.sqsQueueByArn(dlqArn)
	}
	var picked []*QueueMessage
	var deadLettered []*QueueMessage
	for _, m := range q.Messages {
		if len(picked) == limit {
			break
		}
		if q.fifo() && blocked[m.GroupID] {
			continue
		}
		if !m.visible(c.Now) {
			if q.fifo() {
				blocked[m.GroupID] = true
			}
			continue
		}
		if dlq != nil && m.ReceiveCount >= maxReceives {
			// This receive would exceed maxReceiveCount: SQS moves the message
			// to the dead-letter queue instead of delivering it.
			deadLettered = append(deadLettered, m)
			continue
		}
		picked = append(picked, m)
	}
	for _, m := range deadLettered {
		q.remove(m)
		s.sqsDeadLetter(m, q, dlq, c.Now)
	}
	out := struct {
		Messages []sqsWireMessage `json:",omitempty"`
	}{}
	for _, m := range picked {
		s.queues.Serial++
		m.ReceiveCount++
		if m.FirstReceived.IsZero() {
			m.FirstReceived = c.Now
		}
		m.LastReceived = c.Now
		m.VisibleAt = c.Now.Add(vt)
		m.ReceiptHandle = base64.StdEncoding.EncodeToString([]byte(strings.Join([]string{
			q.key(), m.ID, strconv.FormatInt(s.queues.Serial, 10), s.env.RandString(24, protocol.LowerAlnum)}, "\x00")))
		w := sqsWireMessage{MessageId: m.ID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: sqsMD5(m.Body), Body: m.Body,
			Attributes: m.systemAttributes(sysNames), MessageAttributes: m.selectAttributes(in.MessageAttributeNames)}
		w.MD5OfMessageAttributes = sqsAttrsMD5(w.MessageAttributes)
		out.Messages = append(out.Messages, w)
	}
	return out, nil
}

// sqsDeadLetter moves a message from its source queue into the dead-letter queue.
func (s *Sim) sqsDeadLetter(m *QueueMessage, src, dlq *Queue, now time.Time) {
	m.DeadLetterSourceArn = src.Arn
	m.ReceiptHandle = ""
	m.VisibleAt = now
	m.Enqueued = now
	if dlq.fifo() {
		// A FIFO dead-letter queue restarts retention and takes the message
		// id as the deduplication id.
		m.RetainFrom = now
		m.DedupID = m.ID
	}
	dlq.Messages = append(dlq.Messages, m)
}

// systemAttributes returns the message system attributes asked for.
func (m *QueueMessage) systemAttributes(names []string) map[string]string {
	all := slices.Contains(names, "All")
	want := func(n string) bool { return all || slices.Contains(names, n) }
	out := map[string]string{}
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	if want("SenderId") {
		out["SenderId"] = m.SenderID
	}
	if want("SentTimestamp") {
		out["SentTimestamp"] = ms(m.Sent)
	}
	if want("ApproximateReceiveCount") {
		out["ApproximateReceiveCount"] = strconv.Itoa(m.ReceiveCount)
	}
	if want("ApproximateFirstReceiveTimestamp") {
		out["ApproximateFirstReceiveTimestamp"] = ms(m.FirstReceived)
	}
	if want("AWSTraceHeader") && m.TraceHeader != "" {
		out["AWSTraceHeader"] = m.TraceHeader
	}
	if want("DeadLetterQueueSourceArn") && m.DeadLetterSourceArn != "" {
		out["DeadLetterQueueSourceArn"] = m.DeadLetterSourceArn
	}
	if m.SequenceNumber != "" {
		if want("SequenceNumber") {
			out["SequenceNumber"] = m.SequenceNumber
		}
		if want("MessageDeduplicationId") {
			out["MessageDeduplicationId"] = m.DedupID
		}
	}
	if want("MessageGroupId") && m.GroupID != "" {
		out["MessageGroupId"] = m.GroupID
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// selectAttributes returns the message attributes asked for: "All", ".*",
// exact names, or prefixes written "prefix.*".
func (m *QueueMessage) selectAttributes(names []string) map[string]QueueMessageAttribute {
	out := map[string]QueueMessageAttribute{}
	for name, a := range m.Attributes {
		for _, want := range names {
			prefix, isPrefix := strings.CutSuffix(want, ".*")
			if want == "All" || want == ".*" || want == name || isPrefix && strings.HasPrefix(name, prefix+".") {
				out[name] = a
				break
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// --- receipt handles ---

// sqsHandle resolves a receipt handle. It fails with ReceiptHandleIsInvalid
// when the handle is not one this queue issued; m is nil when the message is
// gone (deleted, expired, moved); current says the handle is the latest one.
func sqsHandle(q *Queue, handle string) (m *QueueMessage, current bool, aerr *APIError) {
	invalid := sqsError("ReceiptHandleIsInvalid", "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
	raw, err := base64.StdEncoding.DecodeString(handle)
	if err != nil {
		return nil, false, invalid
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 4 || parts[0] != q.key() {
		return nil, false, invalid
	}
	m = q.message(parts[1])
	if m == nil {
		return nil, false, nil
	}
	return m, m.ReceiptHandle == handle, nil
}

func (s *Sim) sqsDeleteOne(c *protocol.Call, q *Queue, handle string) *APIError {
	if handle == "" {
		return sqsError("MissingParameter", "The request must contain the parameter ReceiptHandle.")
	}
	m, current, aerr := sqsHandle(q, handle)
	if aerr != nil {
		return aerr
	}
	if q.fifo() && m != nil && (!current || !m.inFlight(c.Now)) {
		// FIFO queues refuse a handle whose visibility timeout has run out.
		return sqsError("InvalidParameterValue", "Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", handle)
	}
	if m != nil && current {
		q.remove(m)
	}
	// A stale handle of a message someone received since succeeds without
	// deleting it, as the DeleteMessage reference says.
	return nil
}

func (s *Sim) sqsDeleteMessage(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ QueueUrl, ReceiptHandle string }
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.sqsDeleteOne(c, q, in.ReceiptHandle); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

// sqsIDResult is a successful entry of DeleteMessageBatch or ChangeMessageVisibilityBatch.
type sqsIDResult struct{ Id string }

func (s *Sim) sqsDeleteMessageBatch(c *protocol.Call, body []byte) (any, *APIError) {
	type entry struct{ Id, ReceiptHandle string }
	var in struct {
		QueueUrl string
		Entries  []entry
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	return sqsEachEntry(in.Entries, "DeleteMessageBatchRequestEntry", func(e entry) string { return e.Id },
		func(e entry) *APIError { return s.sqsDeleteOne(c, q, e.ReceiptHandle) })
}

// sqsEachEntry answers a DeleteMessageBatch or ChangeMessageVisibilityBatch
// call: it checks the entries' ids as every batch request does, then applies
// each entry on its own, reporting it as successful or failed.
func sqsEachEntry[E any](entries []E, entryShape string, id func(E) string, apply func(E) *APIError) (any, *APIError) {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = id(e)
	}
	if aerr := sqsCheckBatch(ids, entryShape); aerr != nil {
		return nil, aerr
	}
	out := struct {
		Successful []sqsIDResult
		Failed     []sqsBatchError
	}{Successful: []sqsIDResult{}, Failed: []sqsBatchError{}}
	for i, e := range entries {
		if aerr := apply(e); aerr != nil {
			out.Failed = append(out.Failed, sqsBatchFailure(ids[i], aerr))
			continue
		}
		out.Successful = append(out.Successful, sqsIDResult{Id: ids[i]})
	}
	return out, nil
}

func (s *Sim) sqsChangeVisibilityOne(c *protocol.Call, q *Queue, handle string, timeout int) *APIError {
	if handle == "" {
		return sqsError("MissingParameter", "The request must contain the parameter ReceiptHandle.")
	}
	if timeout < 0 || timeout > sqsMaxVisibility {
		return sqsError("InvalidParameterValue", "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", timeout)
	}
	m, current, aerr := sqsHandle(q, handle)
	if aerr != nil {
		return aerr
	}
	if m == nil || !current {
		return sqsError("InvalidParameterValue", "Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", handle)
	}
	if !m.inFlight(c.Now) {
		return sqsError("MessageNotInflight", "The message referred to isn't in flight.")
	}
	if c.Now.Sub(m.LastReceived)+time.Duration(timeout)*time.Second > sqsMaxVisibility*time.Second {
		return sqsError("InvalidParameterValue", "Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", timeout)
	}
	m.VisibleAt = c.Now.Add(time.Duration(timeout) * time.Second)
	return nil
}

func (s *Sim) sqsChangeMessageVisibility(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		QueueUrl, ReceiptHandle string
		VisibilityTimeout       int
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.sqsChangeVisibilityOne(c, q, in.ReceiptHandle, in.VisibilityTimeout); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

func (s *Sim) sqsChangeMessageVisibilityBatch(c *protocol.Call, body []byte) (any, *APIError) {
	type entry struct {
		Id, ReceiptHandle string
		VisibilityTimeout int
	}
	var in struct {
		QueueUrl string
		Entries  []entry
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	q, aerr := s.sqsQueueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	return sqsEachEntry(in.Entries, "ChangeMessageVisibilityBatchRequestEntry", func(e entry) string { return e.Id },
		func(e entry) *APIError { return s.sqsChangeVisibilityOne(c, q, e.ReceiptHandle, e.VisibilityTimeout) })
}

// --- message move tasks ---

func (s *Sim) sqsIsDeadLetterQueue(q *Queue) bool {
	for _, key := range sortedKeys(s.queues.Queues) {
		if target, _, ok := s.queues.Queues[key].redrive(); ok && target == q.Arn {
			return true
		}
	}
	return false
}

func (s *Sim) sqsStartMessageMoveTask(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		SourceArn                    string
		DestinationArn               string
		MaxNumberOfMessagesPerSecond *int
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	src := s.sqsQueueByArn(in.SourceArn)
	if src == nil {
		return nil, sqsError("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if !s.sqsIsDeadLetterQueue(src) {
		return nil, sqsError("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.")
	}
	if in.DestinationArn != "" && s.sqsQueueByArn(in.DestinationArn) == nil {
		return nil, sqsError("ResourceNotFoundException", "The resource that you specified for the DestinationArn parameter doesn't exist.")
	}
	rate := 0
	if r := in.MaxNumberOfMessagesPerSecond; r != nil {
		if *r < 1 || *r > sqsMaxMoveRate {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and 500, if provided.", *r)
		}
		rate = *r
	}
	for _, t := range s.queues.MoveTasks {
		if t.SourceArn == src.Arn && t.Status == "RUNNING" {
			return nil, sqsError("InvalidParameterValue", "There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	visible, _, _ := src.counts(c.Now)
	handle, _ := json.Marshal(map[string]string{"taskId": s.env.UUID(), "sourceArn": src.Arn})
	t := &QueueMoveTask{Handle: base64.StdEncoding.EncodeToString(handle), SourceArn: src.Arn, DestinationArn: in.DestinationArn,
		Rate: rate, Status: "RUNNING", Started: c.Now, ToMove: int64(visible)}
	s.queues.MoveTasks = append(s.queues.MoveTasks, t)
	s.sqsRunMoveTask(t, c.Now)
	return map[string]string{"TaskHandle": t.Handle}, nil
}

// sqsRunMoveTask moves the messages a task should have moved by now: at its
// rate since it started, or all of them when it has none. It moves visible
// messages that were in the dead-letter queue when the task started, oldest first.
func (s *Sim) sqsRunMoveTask(t *QueueMoveTask, now time.Time) {
	src := s.sqsQueueByArn(t.SourceArn)
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
		dest := s.sqsQueueByArn(destArn)
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
	if t.Moved >= t.ToMove || !s.sqsHasMovable(src, t, now) {
		t.Status = "COMPLETED"
	}
}

func (s *Sim) sqsHasMovable(src *Queue, t *QueueMoveTask, now time.Time) bool {
	for _, m := range src.Messages {
		if !m.Enqueued.After(t.Started) && m.visible(now) {
			return true
		}
	}
	return false
}

func (s *Sim) sqsListMessageMoveTasks(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		SourceArn  string
		MaxResults *int
	}
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	if s.sqsQueueByArn(in.SourceArn) == nil {
		return nil, sqsError("ResourceNotFoundException", "The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	limit := 1
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10 {
			return nil, sqsError("InvalidParameterValue", "Value %d for parameter MaxResults is invalid. Reason: Must be between 1 and 10, if provided.", *in.MaxResults)
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
	for i := len(s.queues.MoveTasks) - 1; i >= 0 && len(results) < limit; i-- {
		t := s.queues.MoveTasks[i]
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

func (s *Sim) sqsCancelMessageMoveTask(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ TaskHandle string }
	if aerr := sqsDecode(body, &in); aerr != nil {
		return nil, aerr
	}
	for _, t := range s.queues.MoveTasks {
		if t.Handle != in.TaskHandle {
			continue
		}
		if t.Status != "RUNNING" {
			return nil, sqsError("ResourceNotFoundException", "Task does not exist or is not running: it is %s.", t.Status)
		}
		t.Status = "CANCELLED"
		return map[string]int64{"ApproximateNumberOfMessagesMoved": t.Moved}, nil
	}
	return nil, sqsError("ResourceNotFoundException", "The resource that you specified for the TaskHandle parameter doesn't exist.")
}
