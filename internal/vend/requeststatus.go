package vend

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/towervend/towervend/statemachine"
)

// RequestStatus is what towervend knows of a request from its execution: the
// outcome, where it is or where it failed and why, and its history, step by step.
type RequestStatus struct {
	RequestID    string     `json:"requestId"`
	Status       string     `json:"status,omitempty"` // execution status; none when intake rejected every message
	Outcome      string     `json:"outcome"`          // succeeded, rejected, failed, running
	CurrentStep  string     `json:"currentStep,omitempty"`
	FailedStep   string     `json:"failedStep,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	Error        string     `json:"error,omitempty"` // what a failed request failed with (TowerVend.RoleMissing), not TowerVend.RequestFailed
	AccountID    string     `json:"accountId,omitempty"`
	Started      time.Time  `json:"started,omitzero"`
	Stopped      *time.Time `json:"stopped,omitempty"`
	RedriveCount int32      `json:"redriveCount"`
	Redrivable   bool       `json:"redrivable"`
	// Queue is the request's place in line while it waits for a Control Tower slot.
	Queue *QueueStatus `json:"queue,omitempty"`
	// Waiting says why Validate waits to look again (an earlier request on the
	// same account still runs, or Account Factory may be building a joined account).
	Waiting *Deferral    `json:"waiting,omitempty"`
	History []StepRecord `json:"history"`
	// Messages are the messages sent with the request's id and what became
	// of each, oldest first (ReadRequest; intake's records).
	Messages []MessageRecord `json:"messages"`
	// MessagesUnreadable says why the messages could not be read, when they could not.
	MessagesUnreadable string `json:"messagesUnreadable,omitempty"`
}

// StepRecord is one state of the workflow a request went through.
type StepRecord struct {
	Step    string    `json:"step"`
	Entered time.Time `json:"entered"`
	// Times counts the entries of a step of the wait-for-a-slot loop, which
	// are kept as one record (Entered is the first).
	Times  int    `json:"times"`
	Result string `json:"result,omitempty"` // ok, failed, retried
	Error  string `json:"error,omitempty"`
}

// ExecutionReader reads executions and their histories (states:DescribeExecution,
// states:GetExecutionHistory).
type ExecutionReader interface {
	DescribeExecution(context.Context, *sfn.DescribeExecutionInput, ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	GetExecutionHistory(context.Context, *sfn.GetExecutionHistoryInput, ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
}

// ErrNoExecution is returned by ReadRequestStatus for a request that has no execution.
var ErrNoExecution = errors.New("towervend has neither an execution nor a message with this requestId: no message sent with it " +
	"has reached intake (it may still wait on the request queue, or be in the dead-letter queue if intake could not take it; " +
	"a message without a usable requestId is in the towervend-rejected queue), or it was more than 90 days ago")

// MessagesReader reads intake's message records (dynamodb:Query on the waits table).
type MessagesReader interface {
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// ReadMessages reads the records intake kept of the messages sent with
// requestID ("" for those that had no usable requestId), oldest first.
func ReadMessages(ctx context.Context, db MessagesReader, table, requestID string) ([]MessageRecord, error) {
	p := dynamodb.NewQueryPaginator(db, &dynamodb.QueryInput{TableName: aws.String(table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": waitKey},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": str(MessagesKey(requestID))}})
	var out []MessageRecord
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read the messages of %q from table %s: dynamodb:Query: %w", requestID, table, err)
		}
		for _, item := range page.Items {
			if attrString(item, waitSort) == startClaim {
				continue
			}
			rec := MessageRecord{MessageID: attrString(item, "messageId"), RequestID: attrString(item, "requestId"),
				Fingerprint: attrString(item, "fingerprint"), Outcome: attrString(item, "outcome"),
				Reason: attrString(item, "reason"), Ticket: attrString(item, "ticket")}
			rec.Received, _ = time.Parse(time.RFC3339Nano, attrString(item, "received"))
			if sent, err := time.Parse(time.RFC3339Nano, attrString(item, "sent")); err == nil {
				rec.Sent = &sent
			}
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b MessageRecord) int {
		return cmp.Or(a.Received.Compare(b.Received), cmp.Compare(a.MessageID, b.MessageID))
	})
	return out, nil
}

// ReadRequest is what towervend knows of request id: its execution
// (ReadRequestStatus) and the messages sent with its id (ReadMessages from
// table). A request rejected at intake has no execution; its messages say why,
// and its outcome is "rejected". Only when there is neither does it return
// ErrNoExecution. Messages that cannot be read (the table is gone, the caller
// may not read it) leave MessagesUnreadable set rather than fail.
func ReadRequest(ctx context.Context, c ExecutionReader, db MessagesReader, smArn, table, id string) (*RequestStatus, error) {
	rep, err := ReadRequestStatus(ctx, c, smArn, id)
	if err != nil && !errors.Is(err, ErrNoExecution) {
		return nil, err
	}
	msgs, merr := ReadMessages(ctx, db, table, id)
	if rep == nil {
		if merr != nil {
			return nil, fmt.Errorf("%w (and intake's records of its messages cannot be read: %v)", err, merr)
		}
		if len(msgs) == 0 {
			return nil, err
		}
		rep = &RequestStatus{RequestID: id, Outcome: "rejected", History: []StepRecord{}}
		for _, m := range msgs {
			if m.Outcome == MessageRejected {
				rep.Reason = m.Reason
			}
		}
	}
	rep.Messages = msgs
	if rep.Messages == nil {
		rep.Messages = []MessageRecord{}
	}
	if merr != nil {
		rep.MessagesUnreadable = merr.Error()
	}
	return rep, nil
}

// ReadRequestStatus reads the execution of request id on the state machine
// smArn and its history into a RequestStatus.
func ReadRequestStatus(ctx context.Context, c ExecutionReader, smArn, id string) (*RequestStatus, error) {
	arn := statemachine.ExecutionArn(smArn, id)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var missing *types.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("no request %s: %w", id, ErrNoExecution)
	}
	if err != nil {
		return nil, err
	}
	rep := &RequestStatus{RequestID: id, Status: string(d.Status), Started: aws.ToTime(d.StartDate), Stopped: d.StopDate,
		RedriveCount: aws.ToInt32(d.RedriveCount), Redrivable: d.RedriveStatus == types.ExecutionRedriveStatusRedrivable}
	switch d.Status {
	case types.ExecutionStatusRunning:
		rep.Outcome = "running"
	case types.ExecutionStatusSucceeded:
		var doc Doc
		if json.Unmarshal([]byte(aws.ToString(d.Output)), &doc) == nil {
			rep.Outcome, rep.AccountID = doc.Outcome, doc.AccountID
			if doc.Plan != nil && doc.Plan.Rejected {
				rep.Reason = problemsText(doc)
			}
		}
		if rep.Outcome == "" {
			rep.Outcome = "succeeded"
		}
	default:
		rep.Outcome = "failed"
		rep.Error, rep.Reason = failedWith(aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	var open *StepRecord
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, ev := range page.Events {
			switch {
			case ev.StateEnteredEventDetails != nil:
				open = rep.enter(aws.ToString(ev.StateEnteredEventDetails.Name), aws.ToTime(ev.Timestamp))
				rep.CurrentStep = open.Step
				rep.readInput(open.Step, ev.Type, aws.ToString(ev.StateEnteredEventDetails.Input))
			case ev.StateExitedEventDetails != nil && open != nil:
				open.Result = "ok"
			case ev.TaskFailedEventDetails != nil && open != nil:
				open.Result, open.Error = "failed", aws.ToString(ev.TaskFailedEventDetails.Error)
			case ev.LambdaFunctionFailedEventDetails != nil && open != nil:
				open.Result, open.Error = "failed", aws.ToString(ev.LambdaFunctionFailedEventDetails.Error)
			}
		}
	}
	if d.Status != types.ExecutionStatusRunning {
		rep.CurrentStep = ""
	}
	if !statemachine.QueueLoop[rep.CurrentStep] {
		rep.Queue = nil
	}
	if rep.CurrentStep != statemachine.StateWaitForAccountFactory {
		rep.Waiting = nil
	}
	if d.Status == types.ExecutionStatusFailed {
		// The workflow records the step that failed before it reports the failure.
		for i := len(rep.History) - 1; i >= 0; i-- {
			if step, ok := statemachine.FailedStep(rep.History[i].Step); ok {
				rep.FailedStep = step
				break
			}
		}
	}
	return rep, nil
}

// readInput takes what a state's input says of the request: its place in line
// while it waits for a slot, why it waits to validate again, and the account
// once a task knows it.
func (r *RequestStatus) readInput(step string, typ types.HistoryEventType, input string) {
	if step != statemachine.StateWaitForSlot && step != statemachine.StateWaitForAccountFactory && typ != types.HistoryEventTypeTaskStateEntered {
		return
	}
	var doc Doc
	if json.Unmarshal([]byte(input), &doc) != nil {
		return
	}
	switch step {
	case statemachine.StateWaitForSlot:
		r.Queue = doc.Queue
	case statemachine.StateWaitForAccountFactory:
		r.Waiting = doc.Deferral
	}
	if typ == types.HistoryEventTypeTaskStateEntered && doc.AccountID != "" {
		r.AccountID = doc.AccountID
	}
}

// enter records a state entered. The wait-for-a-slot loop's states are counted
// on their first record instead of repeated.
func (r *RequestStatus) enter(step string, at time.Time) *StepRecord {
	if statemachine.QueueLoop[step] {
		for i := len(r.History) - 1; i >= 0 && statemachine.QueueLoop[r.History[i].Step]; i-- {
			if r.History[i].Step == step {
				r.History[i].Times++
				return &r.History[i]
			}
		}
	}
	r.History = append(r.History, StepRecord{Step: step, Entered: at, Times: 1})
	return &r.History[len(r.History)-1]
}

// CauseText is the reason a failed execution gives: a Lambda error's message,
// else the cause, else the error's name.
func CauseText(name, cause string) string {
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		return lambdaErr.ErrorMessage
	}
	if cause != "" {
		return cause
	}
	return name
}

func problemsText(doc Doc) string {
	var parts []string
	for _, p := range doc.Plan.Problems {
		parts = append(parts, p.String())
	}
	return "rejected: " + strings.Join(parts, " | ")
}
