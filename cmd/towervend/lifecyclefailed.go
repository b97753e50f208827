package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/towervend/towervend/internal/deploy"
)

// lostEvent is one message of the lifecycle-failed queue: a Control Tower or
// Organizations event the lifecycle function failed on (Lambda's on-failure
// record) or EventBridge could not deliver (the event itself).
type lostEvent struct {
	MessageID string `json:"messageId"`
	// Sent is when the message reached the queue.
	Sent time.Time `json:"sent"`
	// Source, DetailType and EventName say what the event was; Account the
	// account it was about, where it names one.
	Source     string `json:"source"`
	DetailType string `json:"detailType"`
	EventName  string `json:"eventName,omitempty"`
	Account    string `json:"account,omitempty"`
	// Why is the function's error after its retries, or why EventBridge could not deliver it.
	Why string `json:"why"`
	// Attempts is how often the function ran (0: never delivered).
	Attempts int `json:"attempts"`
	// Event is the EventBridge event, as the lifecycle function receives it.
	Event json.RawMessage `json:"event"`
	// Replay is what --replay did: replayed, failed (Error says why), would-replay.
	Replay string `json:"replay,omitempty"`
	Error  string `json:"error,omitempty"`

	receipt string
}

func cmdLifecycleFailed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lifecycle-failed", "lifecycle-failed [--endpoint URL] [--json] [--replay [--dry-run]] [--queue NAME|URL] [--function NAME]", stderr)
	var t target
	t.register(fs, false, false)
	fs.StringVar(&t.queue, "queue", deploy.LifecycleFailedQueue.Name, "the queue of lost lifecycle events (name or URL)")
	function := fs.String("function", deploy.Prefix+"-lifecycle", "the lifecycle function --replay invokes (the stack's LifecycleFunctionName output)")
	replay := fs.Bool("replay", false, "invoke the lifecycle function with each event again; delete each one that succeeds")
	dryRun := fs.Bool("dry-run", false, "with --replay: show what would be replayed, change nothing")
	asJSON := fs.Bool("json", false, "print the events as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("takes no arguments")}
	}
	q, url, err := t.queueClient(ctx)
	if err != nil {
		return err
	}
	events, err := readLost(ctx, q, url)
	if err != nil {
		return err
	}
	failed := 0
	if *replay {
		cfg, err := t.config(ctx)
		if err != nil {
			return err
		}
		fn := lambda.NewFromConfig(cfg)
		for i := range events {
			ev := &events[i]
			if *dryRun {
				ev.Replay = "would-replay"
				continue
			}
			if err := replayLost(ctx, fn, *function, ev.Event); err != nil {
				ev.Replay, ev.Error = "failed", err.Error()
				failed++
				continue
			}
			ev.Replay = "replayed"
			if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(ev.receipt)}); err != nil {
				ev.Error = "replayed, but not deleted from the queue (it will show again): " + err.Error()
			}
		}
	}
	// What was not deleted becomes visible again at once, for the next look.
	for _, ev := range events {
		if ev.Replay != "replayed" {
			_, _ = q.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(ev.receipt), VisibilityTimeout: 0})
		}
	}
	if *asJSON {
		if err := printJSON(stdout, events); err != nil {
			return err
		}
	} else {
		printLost(stdout, events)
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d events failed again; they stay in the queue", failed, len(events))}
	}
	return nil
}

// readLost receives every message of the queue (hidden for a minute while
// this command looks at them).
func readLost(ctx context.Context, q *sqs.Client, url string) ([]lostEvent, error) {
	var out []lostEvent
	for {
		page, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 60,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameSentTimestamp}})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", url, err)
		}
		if len(page.Messages) == 0 {
			return out, nil
		}
		for _, m := range page.Messages {
			ev := parseLost(aws.ToString(m.Body))
			ev.MessageID, ev.receipt = aws.ToString(m.MessageId), aws.ToString(m.ReceiptHandle)
			var ms int64
			if _, err := fmt.Sscan(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], &ms); err == nil {
				ev.Sent = time.UnixMilli(ms).UTC()
			}
			out = append(out, ev)
		}
	}
}

// parseLost reads a message: Lambda's invocation record (requestPayload is the
// event, responsePayload the error) or a bare event EventBridge dead-lettered.
func parseLost(body string) lostEvent {
	var rec struct {
		RequestContext *struct {
			ApproximateInvokeCount int `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		RequestPayload  json.RawMessage `json:"requestPayload"`
		ResponsePayload struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		} `json:"responsePayload"`
	}
	ev := lostEvent{Event: json.RawMessage(body), Why: "EventBridge could not deliver it to the lifecycle function"}
	if json.Unmarshal([]byte(body), &rec) == nil && rec.RequestContext != nil && len(rec.RequestPayload) > 0 {
		ev.Event, ev.Attempts = rec.RequestPayload, rec.RequestContext.ApproximateInvokeCount
		ev.Why = strings.TrimSpace(rec.ResponsePayload.ErrorType + ": " + rec.ResponsePayload.ErrorMessage)
	}
	if !json.Valid(ev.Event) {
		ev.Event, _ = json.Marshal(string(ev.Event))
		ev.Why = "not an EventBridge event: " + ev.Why
		return ev
	}
	var e struct {
		Source     string `json:"source"`
		DetailType string `json:"detail-type"`
		Account    string `json:"account"`
		Detail     struct {
			EventName           string `json:"eventName"`
			ServiceEventDetails map[string]struct {
				Account struct {
					AccountID string `json:"accountId"`
				} `json:"account"`
			} `json:"serviceEventDetails"`
			RequestParameters struct {
				AccountID string `json:"accountId"`
			} `json:"requestParameters"`
		} `json:"detail"`
	}
	_ = json.Unmarshal(ev.Event, &e)
	ev.Source, ev.DetailType, ev.EventName = e.Source, e.DetailType, e.Detail.EventName
	for _, d := range e.Detail.ServiceEventDetails {
		if d.Account.AccountID != "" {
			ev.Account = d.Account.AccountID
		}
	}
	if ev.Account == "" {
		ev.Account = e.Detail.RequestParameters.AccountID
	}
	return ev
}

// replayLost invokes the lifecycle function with the event, synchronously, as
// EventBridge would have: the function starts the work the event asks for.
func replayLost(ctx context.Context, fn *lambda.Client, function string, event json.RawMessage) error {
	out, err := fn.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(function), InvocationType: lambdatypes.InvocationTypeRequestResponse, Payload: event})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	if out.FunctionError != nil {
		var e struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(out.Payload, &e)
		return fmt.Errorf("%s: %s", e.ErrorType, e.ErrorMessage)
	}
	return nil
}

func printLost(w io.Writer, events []lostEvent) {
	if len(events) == 0 {
		fmt.Fprintln(w, "no lost lifecycle events")
		return
	}
	for _, ev := range events {
		what := strings.TrimSpace(ev.Source + " " + ev.EventName)
		if ev.Account != "" {
			what += " (account " + ev.Account + ")"
		}
		line := fmt.Sprintf("%s  %s: %s", ev.Sent.Format(time.RFC3339), what, ev.Why)
		if ev.Attempts > 0 {
			line += fmt.Sprintf(" [%d attempts]", ev.Attempts)
		}
		if ev.Replay != "" {
			line += "  -> " + ev.Replay
			if ev.Error != "" {
				line += ": " + ev.Error
			}
		}
		fmt.Fprintln(w, line)
	}
	if events[0].Replay == "" {
		fmt.Fprintln(w, "fix the cause (e.g. the function's permissions), then: towervend lifecycle-failed --replay")
	}
}
