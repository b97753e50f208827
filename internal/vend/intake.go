package vend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/statemachine"
)

// ExecutionInput is the workflow's input: the state document at the start.
type ExecutionInput struct {
	Request request.Request `json:"request"`
	Origin  string          `json:"origin"`
}

// Intake takes a batch from the request queue. Each valid request starts one
// execution named after its requestId (a second delivery of the same request is
// a no-op; a different request reusing a requestId is rejected). An invalid
// message is rejected: the requester gets a rejected notification naming every
// problem and the message is kept in the rejected-messages queue; it is never
// retried. Only transient AWS trouble reports the message as failed, so SQS
// delivers it again (and, after maxReceiveCount, keeps it in the dead-letter queue).
//
// Every message taken is recorded in the waits table (see recordMessage), so
// `towervend status` can tell what became of each message sent with a
// requestId: started the execution, a duplicate delivery, or rejected and why.
func (d *Deps) Intake(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, msg := range ev.Records {
		if err := d.intakeOne(ctx, msg); err != nil {
			d.Log.Warn("request not taken; SQS will deliver it again", "messageId", msg.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

func (d *Deps) intakeOne(ctx context.Context, msg events.SQSMessage) error {
	received := d.Clock.Now()
	rec := MessageRecord{MessageID: msg.MessageId, RequestID: MessageRequestID(msg.Body), Received: received.UTC(),
		Sent: sentTime(msg), Fingerprint: bodyFingerprint(msg.Body)}
	if r := requesterOf(msg.Body); r != nil {
		rec.Ticket = r.Ticket
	}
	req, err := request.Decode([]byte(msg.Body))
	var probs *request.Problems
	switch {
	case errors.As(err, &probs):
		rec.Outcome = MessageRejected
		rec.Reason, err = d.reject(ctx, msg, rec.RequestID, probs.List)
	case err != nil:
		rec.Outcome = MessageRejected
		rec.Reason, err = d.reject(ctx, msg, rec.RequestID, []request.Problem{{Field: "request", Message: err.Error(), Fix: "send a JSON request as schema/request.schema.json describes"}})
	default:
		rec.Fingerprint = req.Fingerprint()
		log := d.Log.With("requestId", req.RequestID, "step", "intake")
		rec.Outcome, rec.Reason, err = d.start(ctx, log.Info, msg, req, "queue")
	}
	if err != nil {
		return err
	}
	return d.recordMessage(ctx, rec)
}

// start starts the execution for a request, treating an identical earlier
// start as done. It returns what became of the message: MessageStarted,
// MessageDuplicate, or MessageRejected with the reason.
func (d *Deps) start(ctx context.Context, logf func(string, ...any), msg events.SQSMessage, req *request.Request, origin string) (outcome, reason string, err error) {
	input, err := json.Marshal(ExecutionInput{Request: *req, Origin: origin})
	if err != nil {
		return "", "", fmt.Errorf("encode execution input: %w", err)
	}
	_, err = d.SFN.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(d.Config.StateMachineArn),
		Name:            aws.String(statemachine.ExecutionName(req.RequestID)),
		Input:           aws.String(string(input)),
	})
	var exists *sfntypes.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		same, started, derr := d.sameRequest(ctx, req)
		if derr != nil {
			return "", "", derr
		}
		if same {
			logf("duplicate delivery; the execution already exists", "started", started)
			return MessageDuplicate, "", nil
		}
		reason, err := d.reject(ctx, msg, req.RequestID, []request.Problem{{Field: "requestId", Value: req.RequestID,
			Message: fmt.Sprintf("requestId %s was already used by a different request (started %s)", req.RequestID, started),
			Fix:     "give every new request its own requestId; to change a request, send an update with a new requestId"}})
		return MessageRejected, reason, err
	}
	if err != nil {
		return "", "", fmt.Errorf("sfn:StartExecution: %w", err)
	}
	logf("execution started", "origin", origin)
	return MessageStarted, "", nil
}

// sameRequest compares a request with the one the existing execution of its
// requestId was started with.
func (d *Deps) sameRequest(ctx context.Context, req *request.Request) (bool, string, error) {
	arn := statemachine.ExecutionArn(d.Config.StateMachineArn, req.RequestID)
	out, err := d.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		return false, "", fmt.Errorf("sfn:DescribeExecution: %w", err)
	}
	var in ExecutionInput
	if err := json.Unmarshal([]byte(aws.ToString(out.Input)), &in); err != nil {
		return false, "", nil
	}
	started := ""
	if out.StartDate != nil {
		started = out.StartDate.UTC().Format("2006-01-02T15:04:05Z")
	}
	return in.Request.Fingerprint() == req.Fingerprint(), started, nil
}

// reject tells the requester and keeps the message; it returns the reason given.
func (d *Deps) reject(ctx context.Context, msg events.SQSMessage, requestID string, problems []request.Problem) (string, error) {
	n := Notification{RequestID: requestID, State: StateRejected, Problems: problems, Reason: rejectionReason(problems),
		Time: d.Clock.Now().UTC().Format("2006-01-02T15:04:05Z")}
	if r := requesterOf(msg.Body); r != nil {
		n.Requester, n.Ticket = r, r.Ticket
	}
	if err := d.publish(ctx, n); err != nil {
		return "", err
	}
	if d.Config.RejectedQueueURL != "" {
		_, err := d.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(d.Config.RejectedQueueURL), MessageBody: aws.String(msg.Body),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{
				"towervend-rejection":  {DataType: aws.String("String"), StringValue: aws.String(truncate(n.Reason, 1000))},
				"towervend-message-id": {DataType: aws.String("String"), StringValue: aws.String(msg.MessageId)},
			}})
		if err != nil {
			return "", fmt.Errorf("keep rejected message: sqs:SendMessage: %w", err)
		}
	}
	d.Log.Info("request rejected", "requestId", requestID, "step", "intake", "problems", len(problems))
	return n.Reason, nil
}

// MessageRequestID is the requestId intake files a message under: the body's
// requestId when it is a string of 1-64 characters (so a rejection can still
// be matched to its ticket, and the message record's key stays short), else
// "" (not JSON, not an object, a number, an empty or overlong id).
func MessageRequestID(body string) string {
	var v struct {
		RequestID any `json:"requestId"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	if s, ok := v.RequestID.(string); ok && len(s) <= 64 {
		return s
	}
	return ""
}

// What became of a message intake took (MessageRecord.Outcome).
const (
	// MessageStarted: the message started its request's execution.
	MessageStarted = "started"
	// MessageDuplicate: the same request again (SQS delivers at least once, or
	// it was sent twice); the execution already existed, nothing new started.
	MessageDuplicate = "duplicate"
	// MessageRejected: rejected at intake (the reason says why); nothing started.
	MessageRejected = "rejected"
)

// MessageRecord is what intake keeps of one message it took, in the waits
// table under "messages#<requestId>" (the messages with no usable requestId
// under "messages#"), one item per SQS message id.
type MessageRecord struct {
	MessageID string `json:"messageId"`
	RequestID string `json:"requestId,omitempty"`
	// Received is when intake took it, Sent when SQS got it (SentTimestamp).
	Received time.Time  `json:"received"`
	Sent     *time.Time `json:"sent,omitempty"`
	// Fingerprint is the request's (request.Fingerprint) or, for a body that
	// is not a valid request, "body:" and the SHA-256 of the body.
	Fingerprint string `json:"fingerprint"`
	Outcome     string `json:"outcome"`
	Reason      string `json:"reason,omitempty"`
	Ticket      string `json:"ticket,omitempty"`
}

const (
	messagesPartition = "messages#"
	// messageTTL keeps a record as long as Step Functions lists a closed
	// execution (90 days), so status shows the messages beside the execution.
	messageTTL = 90 * 24 * time.Hour
)

// MessagesKey is the waits table's partition of the messages sent with requestID.
func MessagesKey(requestID string) string { return messagesPartition + requestID }

// startClaim is the sort key of the item naming the message that started a
// request's execution (SQS message ids never start with "#").
const startClaim = "#started"

// recordMessage keeps rec in the waits table. A message SQS delivers again
// after it started its execution (intake failed after the start) is a
// duplicate the second time: the record keeps "started" (the condition), so
// it tells what the message did. Step Functions answers a StartExecution with
// the same name and input as a running execution as if it started it, so a
// "started" message first claims the start: only the first message to claim
// it started the execution, any other is a duplicate.
func (d *Deps) recordMessage(ctx context.Context, rec MessageRecord) error {
	if d.Waits == nil || d.Config.WaitTable == "" {
		return nil // a deployment without the table (intake on its own in tests) keeps no records
	}
	if rec.Outcome == MessageStarted {
		first, err := d.claimStart(ctx, rec)
		if err != nil {
			return err
		}
		if !first {
			rec.Outcome = MessageDuplicate
		}
	}
	item := map[string]ddbtypes.AttributeValue{
		waitKey: str(MessagesKey(rec.RequestID)), waitSort: str(rec.MessageID),
		"messageId": str(rec.MessageID), "received": str(rec.Received.Format(time.RFC3339Nano)),
		"fingerprint": str(rec.Fingerprint), "outcome": str(rec.Outcome),
		waitExpires: num(rec.Received.Add(messageTTL).Unix()),
	}
	if rec.RequestID != "" {
		item["requestId"] = str(rec.RequestID)
	}
	if rec.Sent != nil {
		item["sent"] = str(rec.Sent.UTC().Format(time.RFC3339Nano))
	}
	if rec.Reason != "" {
		item["reason"] = str(truncate(rec.Reason, 4000))
	}
	if rec.Ticket != "" {
		item["ticket"] = str(truncate(rec.Ticket, 256))
	}
	_, err := d.Waits.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.Config.WaitTable), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(#outcome) OR #outcome <> :started"),
		ExpressionAttributeNames:  map[string]string{"#outcome": "outcome"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":started": str(MessageStarted)}})
	var kept *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &kept) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record message %s: dynamodb:PutItem: %w", rec.MessageID, err)
	}
	return nil
}

// claimStart records that rec's message started its request's execution,
// unless another message did: it reports whether rec's message is the first.
func (d *Deps) claimStart(ctx context.Context, rec MessageRecord) (bool, error) {
	_, err := d.Waits.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.Config.WaitTable),
		Item: map[string]ddbtypes.AttributeValue{waitKey: str(MessagesKey(rec.RequestID)), waitSort: str(startClaim),
			"messageId": str(rec.MessageID), waitExpires: num(rec.Received.Add(messageTTL).Unix())},
		ConditionExpression:       aws.String("attribute_not_exists(messageId) OR messageId = :me"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":me": str(rec.MessageID)}})
	var taken *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &taken) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record message %s: dynamodb:PutItem: %w", rec.MessageID, err)
	}
	return true, nil
}

// sentTime is SQS's SentTimestamp (epoch milliseconds) of a message, if given.
func sentTime(msg events.SQSMessage) *time.Time {
	ms, err := strconv.ParseInt(msg.Attributes["SentTimestamp"], 10, 64)
	if err != nil {
		return nil
	}
	t := time.UnixMilli(ms).UTC()
	return &t
}

// bodyFingerprint identifies a body that is not a valid request.
func bodyFingerprint(body string) string {
	sum := sha256.Sum256([]byte(body))
	return "body:" + hex.EncodeToString(sum[:])
}

func requesterOf(body string) *request.Requester {
	var v struct {
		Requester *request.Requester `json:"requester"`
	}
	if json.Unmarshal([]byte(body), &v) != nil {
		return nil
	}
	return v.Requester
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
