package sqs

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- sending ---

// sendInput is one message to send, from SendMessage or a batch entry.
type sendInput struct {
	Id                      string
	MessageBody             *string
	DelaySeconds            *int
	MessageAttributes       map[string]QueueMessageAttribute
	MessageSystemAttributes map[string]QueueMessageAttribute
	MessageDeduplicationId  string
	MessageGroupId          string
}

// sentMessage is what SendMessage answers for one message.
type sentMessage struct {
	Id                           string `json:"Id,omitempty"`
	MessageId                    string `json:"MessageId"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	SequenceNumber               string `json:"SequenceNumber,omitempty"`
}

type sendMessageInput struct {
	QueueUrl string
	sendInput
}

func (s *Service) sendMessage(c *protocol.Call, in sendMessageInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	out, aerr := s.send(c, q, in.sendInput)
	if aerr != nil {
		return nil, aerr
	}
	return out, nil
}

type sendMessageBatchInput struct {
	QueueUrl string
	Entries  []sendInput
}

func (s *Service) sendMessageBatch(c *protocol.Call, in sendMessageBatchInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	ids := make([]string, len(in.Entries))
	total := 0
	for i, e := range in.Entries {
		ids[i] = e.Id
		if e.MessageBody != nil {
			total += len(*e.MessageBody) + attrsSize(e.MessageAttributes)
		}
	}
	if aerr := checkBatch(ids, "SendMessageBatchRequestEntry"); aerr != nil {
		return nil, aerr
	}
	if total > maxPayload {
		return nil, apiError("BatchRequestTooLong", "Batch requested message too long.")
	}
	out := struct {
		Successful []sentMessage
		Failed     []batchError
	}{Successful: []sentMessage{}, Failed: []batchError{}}
	for _, e := range in.Entries {
		sent, aerr := s.send(c, q, e)
		if aerr != nil {
			out.Failed = append(out.Failed, batchFailure(e.Id, aerr))
			continue
		}
		sent.Id = e.Id
		out.Successful = append(out.Successful, *sent)
	}
	return out, nil
}

// batchError is a failed entry of a batch request.
type batchError struct {
	Id          string
	Code        string
	Message     string
	SenderFault bool
}

func batchFailure(id string, e *protocol.APIError) batchError {
	code := e.QueryCode
	if code == "" {
		code = e.Code
	}
	return batchError{Id: id, Code: code, Message: e.Message, SenderFault: e.Status < 500}
}

// checkBatch applies the rules every batch request shares.
func checkBatch(ids []string, entryShape string) *protocol.APIError {
	if len(ids) == 0 {
		return apiError("EmptyBatchRequest", "There should be at least one %s in the request.", entryShape)
	}
	if len(ids) > maxBatch {
		return apiError("TooManyEntriesInBatchRequest", "Maximum number of entries per request are %d. You have sent %d.", maxBatch, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !batchIDRe.MatchString(id) {
			return apiError("InvalidBatchEntryId", "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[id] {
			return apiError("BatchEntryIdsNotDistinct", "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

// send validates one message and enqueues it.
func (s *Service) send(c *protocol.Call, q *Queue, in sendInput) (*sentMessage, *protocol.APIError) {
	if in.MessageBody == nil || *in.MessageBody == "" {
		return nil, apiError("MissingParameter", "The request must contain the parameter MessageBody.")
	}
	msgBody := *in.MessageBody
	if aerr := checkBody(msgBody); aerr != nil {
		return nil, aerr
	}
	if aerr := checkAttrs(in.MessageAttributes); aerr != nil {
		return nil, aerr
	}
	if size := len(msgBody) + attrsSize(in.MessageAttributes); size > q.intAttr("MaximumMessageSize") {
		return nil, apiError("InvalidParameterValue", "One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.intAttr("MaximumMessageSize"))
	}
	trace := ""
	for name, v := range in.MessageSystemAttributes {
		if name != "AWSTraceHeader" || !strings.HasPrefix(v.DataType, "String") || v.StringValue == nil {
			return nil, apiError("InvalidParameterValue", "Message system attribute name '%s' is invalid.", name)
		}
		trace = *v.StringValue
	}
	delay := time.Duration(q.intAttr("DelaySeconds")) * time.Second
	if in.DelaySeconds != nil {
		if q.fifo() {
			return nil, apiError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *in.DelaySeconds)
		}
		if *in.DelaySeconds < 0 || *in.DelaySeconds > maxDelay {
			return nil, apiError("InvalidParameterValue", "Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *in.DelaySeconds)
		}
		delay = time.Duration(*in.DelaySeconds) * time.Second
	}
	sent := &sentMessage{MD5OfMessageBody: md5Hex(msgBody), MD5OfMessageAttributes: attrsMD5(in.MessageAttributes)}
	if in.MessageSystemAttributes != nil {
		sent.MD5OfMessageSystemAttributes = attrsMD5(in.MessageSystemAttributes)
	}
	m := &QueueMessage{Body: msgBody, Attributes: in.MessageAttributes, TraceHeader: trace, SenderID: c.Caller.UserID,
		Sent: c.Now, RetainFrom: c.Now, Enqueued: c.Now, VisibleAt: c.Now.Add(delay), GroupID: in.MessageGroupId}
	if q.fifo() {
		if in.MessageGroupId == "" {
			return nil, apiError("MissingParameter", "The request must contain the parameter MessageGroupId.")
		}
		dedup := in.MessageDeduplicationId
		if dedup == "" {
			if q.Attributes["ContentBasedDeduplication"] != "true" {
				return nil, apiError("InvalidParameterValue", "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(msgBody))
			dedup = hex.EncodeToString(sum[:])
		} else if !dedupIDRe.MatchString(dedup) {
			return nil, apiError("InvalidParameterValue", "Value %s for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.", dedup)
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
		s.state.Serial++
		m.DedupID, m.SequenceNumber = dedup, fmt.Sprintf("%020d", s.state.Serial)
		m.ID = s.env.UUID()
		if q.Dedup == nil {
			q.Dedup = map[string]QueueDedup{}
		}
		q.Dedup[dedupKey] = QueueDedup{MessageID: m.ID, SequenceNumber: m.SequenceNumber, At: c.Now}
		sent.SequenceNumber = m.SequenceNumber
	} else {
		if in.MessageDeduplicationId != "" {
			return nil, apiError("InvalidParameterValue", "Value %s for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.", in.MessageDeduplicationId)
		}
		m.ID = s.env.UUID()
	}
	q.Messages = append(q.Messages, m)
	s.announce()
	sent.MessageId = m.ID
	return sent, nil
}

// checkBody rejects characters SQS does not accept in a message.
func checkBody(body string) *protocol.APIError {
	for _, r := range body {
		ok := r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= utf8.MaxRune)
		if !ok {
			return apiError("InvalidMessageContents", "Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", r)
		}
	}
	return nil
}

func checkAttrs(attrs map[string]QueueMessageAttribute) *protocol.APIError {
	if len(attrs) > maxMessageAttrs {
		return apiError("InvalidParameterValue", "Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxMessageAttrs)
	}
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		lower := strings.ToLower(name)
		if !attrNameRe.MatchString(name) || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") ||
			strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
			return apiError("InvalidParameterValue", "Message (user) attribute name '%s' is invalid.", name)
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch {
		case len(a.StringListValues) > 0 || len(a.BinaryListValues) > 0:
			return apiError("InvalidParameterValue", "Message (user) attribute '%s': list values are reserved for future use.", name)
		case base == "String" || base == "Number":
			if a.StringValue == nil || *a.StringValue == "" || a.BinaryValue != nil {
				return apiError("InvalidParameterValue", "Message (user) attribute '%s' must contain a non-empty value of message attribute type '%s'.", name, a.DataType)
			}
			if base == "Number" {
				if _, err := strconv.ParseFloat(*a.StringValue, 64); err != nil {
					return apiError("InvalidParameterValue", "Could not cast message attribute '%s' value to number.", name)
				}
			}
			if aerr := checkBody(*a.StringValue); aerr != nil {
				return aerr
			}
		case base == "Binary":
			if len(a.BinaryValue) == 0 || a.StringValue != nil {
				return apiError("InvalidParameterValue", "Message (user) attribute '%s' must contain a non-empty value of message attribute type '%s'.", name, a.DataType)
			}
		default:
			return apiError("InvalidParameterValue", "The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
	}
	return nil
}

func attrsSize(attrs map[string]QueueMessageAttribute) int {
	n := 0
	for name, a := range attrs {
		n += len(name) + len(a.DataType) + len(a.BinaryValue)
		if a.StringValue != nil {
			n += len(*a.StringValue)
		}
	}
	return n
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// attrsMD5 is SQS's digest of message attributes: for each attribute in
// order of name, the name, the data type (both length-prefixed, big-endian
// 32-bit), a transport byte (1 string, 2 binary) and the length-prefixed
// value. An empty set has no digest.
func attrsMD5(attrs map[string]QueueMessageAttribute) string {
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

// Deliver puts a message on the queue with ARN queueArn on behalf of an AWS
// service (a Lambda on-failure destination, an EventBridge dead-letter queue),
// as that service's SendMessage would. The lock is held.
func (s *Service) Deliver(queueArn, body string, now time.Time) error {
	q := s.queueByArn(queueArn)
	if q == nil {
		return fmt.Errorf("queue %s does not exist", queueArn)
	}
	if s.clock != nil {
		now = s.clock.Now()
	}
	if _, aerr := s.send(&protocol.Call{Now: now}, q, sendInput{MessageBody: &body}); aerr != nil {
		return aerr
	}
	return nil
}
