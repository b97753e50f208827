package sqs

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// standardDefaults are the attributes a new standard queue has.
func standardDefaults() map[string]string {
	return map[string]string{
		"DelaySeconds":                  "0",
		"MaximumMessageSize":            "1048576",
		"MessageRetentionPeriod":        "345600",
		"ReceiveMessageWaitTimeSeconds": "0",
		"VisibilityTimeout":             "30",
		"SqsManagedSseEnabled":          "true",
	}
}

// intRange is the valid range of a numeric attribute; ok is false for the others.
func intRange(name string) (lo, hi int, ok bool) {
	switch name {
	case "DelaySeconds":
		return 0, maxDelay, true
	case "MaximumMessageSize":
		return 1024, maxPayload, true
	case "MessageRetentionPeriod":
		return 60, 1209600, true
	case "ReceiveMessageWaitTimeSeconds":
		return 0, maxWait, true
	case "VisibilityTimeout":
		return 0, maxVisibility, true
	case "KmsDataKeyReusePeriodSeconds":
		return 60, 86400, true
	}
	return 0, 0, false
}

// computedAttrs are the read-only attributes GetQueueAttributes works out.
func computedAttrs() []string {
	return []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed", "ApproximateNumberOfMessagesNotVisible",
		"CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}
}

var (
	queueNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	fifoNameRe  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,75}\.fifo$`)
	batchIDRe   = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)
	attrNameRe  = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)
	dedupIDRe   = regexp.MustCompile(`^[!-~]{1,128}$`)
)

// --- queue attributes ---

// normalizeAttrs checks attributes given to CreateQueue or
// SetQueueAttributes and returns them in stored form ("" removes an optional one).
func (s *Service) normalizeAttrs(attrs map[string]string, fifo, creating bool, self string) (map[string]string, *protocol.APIError) {
	out := map[string]string{}
	for _, name := range sortedKeys(attrs) {
		v := attrs[name]
		invalid := func(reason string) *protocol.APIError {
			if reason != "" {
				return apiError("InvalidAttributeValue", "Invalid value for the parameter %s. Reason: %s", name, reason)
			}
			return apiError("InvalidAttributeValue", "Invalid value for the parameter %s.", name)
		}
		if lo, hi, ok := intRange(name); ok {
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
				return nil, apiError("InvalidAttributeName", "Unknown Attribute %s.", name)
			}
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, invalid("")
			}
			out[name] = strconv.FormatBool(b)
		case "DeduplicationScope", "FifoThroughputLimit":
			if !fifo {
				return nil, apiError("InvalidAttributeName", "Unknown Attribute %s.", name)
			}
			allowed := map[string][]string{"DeduplicationScope": {"messageGroup", "queue"}, "FifoThroughputLimit": {"perQueue", "perMessageGroupId"}}[name]
			if !slices.Contains(allowed, v) {
				return nil, invalid("")
			}
			out[name] = v
		case "RedrivePolicy":
			norm, aerr := s.normalizeRedrive(v, fifo, self)
			if aerr != nil {
				return nil, aerr
			}
			out[name] = norm
		case "RedriveAllowPolicy":
			norm, aerr := normalizeRedriveAllow(v)
			if aerr != nil {
				return nil, aerr
			}
			out[name] = norm
		default:
			return nil, apiError("InvalidAttributeName", "Unknown Attribute %s.", name)
		}
	}
	if fifo && out["DeduplicationScope"] == "messageGroup" && out["FifoThroughputLimit"] == "perQueue" {
		return nil, apiError("InvalidAttributeValue", "Invalid value for the parameter FifoThroughputLimit. Reason: perQueue is not valid with DeduplicationScope messageGroup.")
	}
	return out, nil
}

// normalizeRedrive checks a RedrivePolicy and writes it the way
// GetQueueAttributes returns it (maxReceiveCount as a number).
func (s *Service) normalizeRedrive(v string, fifo bool, self string) (string, *protocol.APIError) {
	if v == "" {
		return "", nil
	}
	invalid := func(reason string) *protocol.APIError {
		return apiError("InvalidParameterValue", "Value %s for parameter RedrivePolicy is invalid. Reason: %s", v, reason)
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
	if n < 1 || n > maxReceiveCountHi {
		return "", invalid("Invalid value for maxReceiveCount: " + strconv.Itoa(n) + ", valid values are from 1 to 1000 both inclusive.")
	}
	for k := range p {
		if k != "deadLetterTargetArn" && k != "maxReceiveCount" {
			return "", invalid("Only following attributes are supported: [deadLetterTargetArn, maxReceiveCount].")
		}
	}
	dlq := s.queueByArn(target)
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

type redriveAllow struct {
	RedrivePermission string   `json:"redrivePermission"`
	SourceQueueArns   []string `json:"sourceQueueArns,omitempty"`
}

func normalizeRedriveAllow(v string) (string, *protocol.APIError) {
	if v == "" {
		return "", nil
	}
	invalid := func(reason string) *protocol.APIError {
		return apiError("InvalidParameterValue", "Value %s for parameter RedriveAllowPolicy is invalid. Reason: %s", v, reason)
	}
	var p redriveAllow
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
	var p redriveAllow
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
