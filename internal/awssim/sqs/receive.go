package sqs

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
	"github.com/towervend/towervend/internal/clock"
)

// --- receiving ---

// wireMessage is a message as ReceiveMessage returns it.
type wireMessage struct {
	MessageId              string
	ReceiptHandle          string
	MD5OfBody              string
	Body                   string
	Attributes             map[string]string                `json:",omitempty"`
	MD5OfMessageAttributes string                           `json:",omitempty"`
	MessageAttributes      map[string]QueueMessageAttribute `json:",omitempty"`
}

type receiveMessageInput struct {
	QueueUrl                    string
	AttributeNames              []string
	MessageSystemAttributeNames []string
	MessageAttributeNames       []string
	MaxNumberOfMessages         *int
	VisibilityTimeout           *int
	WaitTimeSeconds             *int
	ReceiveRequestAttemptId     string
}

// receiveOutput is ReceiveMessage's answer.
type receiveOutput struct {
	Messages []wireMessage `json:",omitempty"`
}

// receiveMessage answers with the messages receivable now. A long poll
// (WaitTimeSeconds, or the queue's ReceiveMessageWaitTimeSeconds) that finds
// none waits, on a wall clock, until a message can be received or the wait
// is over, as on AWS; on a simulated clock it answers at once, since nothing
// can arrive while the run's time stands still for the call.
func (s *Service) receiveMessage(c *protocol.Call, in receiveMessageInput) (any, *protocol.APIError) {
	out, aerr := s.receiveOnce(c, in)
	if aerr != nil || len(out.Messages) > 0 || !s.blocks() {
		return out, aerr
	}
	q, _ := s.queueByURL(in.QueueUrl)
	wait := time.Duration(q.intAttr("ReceiveMessageWaitTimeSeconds")) * time.Second
	if in.WaitTimeSeconds != nil {
		wait = time.Duration(*in.WaitTimeSeconds) * time.Second
	}
	deadline := c.Now.Add(wait)
	for c.Now.Before(deadline) {
		until := deadline
		if next := q.nextVisible(c.Now); !next.IsZero() && next.Before(until) {
			until = next
		}
		if !s.park(c.Ctx, until.Sub(c.Now)) {
			return out, nil // the caller went away
		}
		c.Now = s.now()
		s.advance(c.Now)
		if out, aerr = s.receiveOnce(c, in); aerr != nil || len(out.Messages) > 0 {
			return out, aerr
		}
		if q, aerr = s.queueByURL(in.QueueUrl); aerr != nil {
			return nil, aerr
		}
	}
	return out, nil
}

// blocks tells whether a long poll waits: only on a wall clock.
func (s *Service) blocks() bool {
	_, wall := s.clock.(*clock.Real)
	return wall
}

// longPollRecheck bounds one wait of a long poll: what time alone changes and
// no send announces (a move task's progress, a retention expiry) is looked at
// again this often.
const longPollRecheck = time.Second

// park gives up the Env's lock for d of SQS's time at most (and
// longPollRecheck), or until a message may have become receivable, then takes
// it back. It reports false when ctx ended the wait. Only a long poll parks:
// it is the one handler that waits for other calls.
func (s *Service) park(ctx context.Context, d time.Duration) bool {
	if r, ok := s.clock.(*clock.Real); ok && r.Speed > 0 {
		d = time.Duration(float64(d) / r.Speed)
	}
	d = min(max(d, time.Millisecond), longPollRecheck)
	if s.arrived == nil {
		s.arrived = make(chan struct{})
	}
	arrived := s.arrived
	s.env.Unlock()
	defer s.env.Lock()
	t := time.NewTimer(d)
	defer t.Stop()
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	select {
	case <-arrived:
	case <-t.C:
	case <-done:
		return false
	}
	return true
}

// announce wakes the long polls waiting: a message may have become
// receivable. The lock is held.
func (s *Service) announce() {
	if s.arrived != nil {
		close(s.arrived)
		s.arrived = nil
	}
}

// nextVisible is the earliest time after now a message of q becomes
// receivable by the clock alone (its delay or visibility timeout ends); zero
// if none will.
func (q *Queue) nextVisible(now time.Time) time.Time {
	var next time.Time
	for _, m := range q.Messages {
		if m.VisibleAt.After(now) && (next.IsZero() || m.VisibleAt.Before(next)) {
			next = m.VisibleAt
		}
	}
	return next
}

// receiveOnce takes the messages receivable at c.Now.
func (s *Service) receiveOnce(c *protocol.Call, in receiveMessageInput) (receiveOutput, *protocol.APIError) {
	var out receiveOutput
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return out, aerr
	}
	limit := 1
	if in.MaxNumberOfMessages != nil {
		limit = *in.MaxNumberOfMessages
		if limit < 1 || limit > maxBatch {
			return out, apiError("InvalidParameterValue", "Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", limit)
		}
	}
	if w := in.WaitTimeSeconds; w != nil && (*w < 0 || *w > maxWait) {
		return out, apiError("InvalidParameterValue", "Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *w)
	}
	vt := q.visibilityTimeout()
	if in.VisibilityTimeout != nil {
		if *in.VisibilityTimeout < 0 || *in.VisibilityTimeout > maxVisibility {
			return out, apiError("InvalidParameterValue", "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", *in.VisibilityTimeout)
		}
		vt = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	if in.ReceiveRequestAttemptId != "" && !q.fifo() {
		return out, apiError("InvalidParameterValue", "Value %s for parameter ReceiveRequestAttemptId is invalid. Reason: The request include parameter that is not valid for this queue type.", in.ReceiveRequestAttemptId)
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
		dlq = s.queueByArn(dlqArn)
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
		s.deadLetter(m, q, dlq, c.Now)
	}
	for _, m := range picked {
		s.state.Serial++
		m.ReceiveCount++
		if m.FirstReceived.IsZero() {
			m.FirstReceived = c.Now
		}
		m.LastReceived = c.Now
		m.VisibleAt = c.Now.Add(vt)
		m.ReceiptHandle = base64.StdEncoding.EncodeToString([]byte(strings.Join([]string{
			q.key(), m.ID, strconv.FormatInt(s.state.Serial, 10), s.env.RandString(24, protocol.LowerAlnum)}, "\x00")))
		w := wireMessage{MessageId: m.ID, ReceiptHandle: m.ReceiptHandle, MD5OfBody: md5Hex(m.Body), Body: m.Body,
			Attributes: m.systemAttributes(sysNames), MessageAttributes: m.selectAttributes(in.MessageAttributeNames)}
		w.MD5OfMessageAttributes = attrsMD5(w.MessageAttributes)
		out.Messages = append(out.Messages, w)
	}
	return out, nil
}

// deadLetter moves a message from its source queue into the dead-letter queue.
func (s *Service) deadLetter(m *QueueMessage, src, dlq *Queue, now time.Time) {
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
	s.announce()
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

// resolveHandle resolves a receipt handle. It fails with ReceiptHandleIsInvalid
// when the handle is not one this queue issued; m is nil when the message is
// gone (deleted, expired, moved); current says the handle is the latest one.
func resolveHandle(q *Queue, handle string) (m *QueueMessage, current bool, aerr *protocol.APIError) {
	invalid := apiError("ReceiptHandleIsInvalid", "The input receipt handle \"%s\" is not a valid receipt handle.", handle)
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

func (s *Service) deleteOne(c *protocol.Call, q *Queue, handle string) *protocol.APIError {
	if handle == "" {
		return apiError("MissingParameter", "The request must contain the parameter ReceiptHandle.")
	}
	m, current, aerr := resolveHandle(q, handle)
	if aerr != nil {
		return aerr
	}
	if q.fifo() && m != nil && (!current || !m.inFlight(c.Now)) {
		// FIFO queues refuse a handle whose visibility timeout has run out.
		return apiError("InvalidParameterValue", "Value %s for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.", handle)
	}
	if m != nil && current {
		q.remove(m)
	}
	// A stale handle of a message someone received since succeeds without
	// deleting it, as the DeleteMessage reference says.
	return nil
}

type deleteMessageInput struct{ QueueUrl, ReceiptHandle string }

func (s *Service) deleteMessage(c *protocol.Call, in deleteMessageInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.deleteOne(c, q, in.ReceiptHandle); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

// idResult is a successful entry of DeleteMessageBatch or ChangeMessageVisibilityBatch.
type idResult struct{ Id string }

// deleteEntry is an entry of DeleteMessageBatch.
type deleteEntry struct{ Id, ReceiptHandle string }

type deleteMessageBatchInput struct {
	QueueUrl string
	Entries  []deleteEntry
}

func (s *Service) deleteMessageBatch(c *protocol.Call, in deleteMessageBatchInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	return eachEntry(in.Entries, "DeleteMessageBatchRequestEntry", func(e deleteEntry) string { return e.Id },
		func(e deleteEntry) *protocol.APIError { return s.deleteOne(c, q, e.ReceiptHandle) })
}

// eachEntry answers a DeleteMessageBatch or ChangeMessageVisibilityBatch
// call: it checks the entries' ids as every batch request does, then applies
// each entry on its own, reporting it as successful or failed.
func eachEntry[E any](entries []E, entryShape string, id func(E) string, apply func(E) *protocol.APIError) (any, *protocol.APIError) {
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = id(e)
	}
	if aerr := checkBatch(ids, entryShape); aerr != nil {
		return nil, aerr
	}
	out := struct {
		Successful []idResult
		Failed     []batchError
	}{Successful: []idResult{}, Failed: []batchError{}}
	for i, e := range entries {
		if aerr := apply(e); aerr != nil {
			out.Failed = append(out.Failed, batchFailure(ids[i], aerr))
			continue
		}
		out.Successful = append(out.Successful, idResult{Id: ids[i]})
	}
	return out, nil
}

func (s *Service) changeVisibilityOne(c *protocol.Call, q *Queue, handle string, timeout int) *protocol.APIError {
	if handle == "" {
		return apiError("MissingParameter", "The request must contain the parameter ReceiptHandle.")
	}
	if timeout < 0 || timeout > maxVisibility {
		return apiError("InvalidParameterValue", "Value %d for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200, if provided.", timeout)
	}
	m, current, aerr := resolveHandle(q, handle)
	if aerr != nil {
		return aerr
	}
	if m == nil || !current {
		return apiError("InvalidParameterValue", "Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", handle)
	}
	if !m.inFlight(c.Now) {
		return apiError("MessageNotInflight", "The message referred to isn't in flight.")
	}
	if c.Now.Sub(m.LastReceived)+time.Duration(timeout)*time.Second > maxVisibility*time.Second {
		return apiError("InvalidParameterValue", "Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", timeout)
	}
	m.VisibleAt = c.Now.Add(time.Duration(timeout) * time.Second)
	s.announce()
	return nil
}

type changeMessageVisibilityInput struct {
	QueueUrl, ReceiptHandle string
	VisibilityTimeout       int
}

func (s *Service) changeMessageVisibility(c *protocol.Call, in changeMessageVisibilityInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.changeVisibilityOne(c, q, in.ReceiptHandle, in.VisibilityTimeout); aerr != nil {
		return nil, aerr
	}
	return struct{}{}, nil
}

// visibilityEntry is an entry of ChangeMessageVisibilityBatch.
type visibilityEntry struct {
	Id, ReceiptHandle string
	VisibilityTimeout int
}

type changeMessageVisibilityBatchInput struct {
	QueueUrl string
	Entries  []visibilityEntry
}

func (s *Service) changeMessageVisibilityBatch(c *protocol.Call, in changeMessageVisibilityBatchInput) (any, *protocol.APIError) {
	q, aerr := s.queueByURL(in.QueueUrl)
	if aerr != nil {
		return nil, aerr
	}
	return eachEntry(in.Entries, "ChangeMessageVisibilityBatchRequestEntry", func(e visibilityEntry) string { return e.Id },
		func(e visibilityEntry) *protocol.APIError {
			return s.changeVisibilityOne(c, q, e.ReceiptHandle, e.VisibilityTimeout)
		})
}
