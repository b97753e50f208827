package vend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
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
	req, err := request.Decode([]byte(msg.Body))
	var probs *request.Problems
	if errors.As(err, &probs) {
		return d.reject(ctx, msg, requestIDOf(msg.Body), probs.List)
	}
	if err != nil {
		return d.reject(ctx, msg, requestIDOf(msg.Body), []request.Problem{{Field: "request", Message: err.Error(), Fix: "send a JSON request as schema/request.schema.json describes"}})
	}
	log := d.Log.With("requestId", req.RequestID, "step", "intake")
	return d.start(ctx, log.Info, msg, req, "queue")
}

// start starts the execution for a request, treating an identical earlier start as done.
func (d *Deps) start(ctx context.Context, logf func(string, ...any), msg events.SQSMessage, req *request.Request, origin string) error {
	input, err := json.Marshal(ExecutionInput{Request: *req, Origin: origin})
	if err != nil {
		return fmt.Errorf("encode execution input: %w", err)
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
			return derr
		}
		if same {
			logf("duplicate delivery; the execution already exists", "started", started)
			return nil
		}
		return d.reject(ctx, msg, req.RequestID, []request.Problem{{Field: "requestId", Value: req.RequestID,
			Message: fmt.Sprintf("requestId %s was already used by a different request (started %s)", req.RequestID, started),
			Fix:     "give every new request its own requestId; to change a request, send an update with a new requestId"}})
	}
	if err != nil {
		return fmt.Errorf("sfn:StartExecution: %w", err)
	}
	logf("execution started", "origin", origin)
	return nil
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

// reject tells the requester and keeps the message.
func (d *Deps) reject(ctx context.Context, msg events.SQSMessage, requestID string, problems []request.Problem) error {
	n := Notification{RequestID: requestID, State: StateRejected, Problems: problems, Reason: rejectionReason(problems),
		Time: d.Clock.Now().UTC().Format("2006-01-02T15:04:05Z")}
	if r := requesterOf(msg.Body); r != nil {
		n.Requester, n.Ticket = r, r.Ticket
	}
	if err := d.publish(ctx, n); err != nil {
		return err
	}
	if d.Config.RejectedQueueURL != "" {
		_, err := d.SQS.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(d.Config.RejectedQueueURL), MessageBody: aws.String(msg.Body),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{
				"towervend-rejection":  {DataType: aws.String("String"), StringValue: aws.String(truncate(n.Reason, 1000))},
				"towervend-message-id": {DataType: aws.String("String"), StringValue: aws.String(msg.MessageId)},
			}})
		if err != nil {
			return fmt.Errorf("keep rejected message: sqs:SendMessage: %w", err)
		}
	}
	d.Log.Info("request rejected", "requestId", requestID, "step", "intake", "problems", len(problems))
	return nil
}

// requestIDOf digs the requestId out of a body that failed validation, so the
// rejection can still be matched to the ticket.
func requestIDOf(body string) string {
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
