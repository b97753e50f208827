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
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/towervend/towervend/internal/vend"
)

// statusReport is what 'towervend status' tells about a request.
type statusReport struct {
	RequestID    string     `json:"requestId"`
	Status       string     `json:"status"`  // execution status
	Outcome      string     `json:"outcome"` // succeeded, rejected, failed, running
	CurrentStep  string     `json:"currentStep,omitempty"`
	FailedStep   string     `json:"failedStep,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	AccountID    string     `json:"accountId,omitempty"`
	Started      time.Time  `json:"started"`
	Stopped      *time.Time `json:"stopped,omitempty"`
	RedriveCount int32      `json:"redriveCount"`
	Redrivable   bool       `json:"redrivable"`
	// Queue is the request's place in line while it waits for a Control Tower slot.
	Queue   *vend.QueueStatus `json:"queue,omitempty"`
	History []stepRecord      `json:"history"`
}

type stepRecord struct {
	Step    string    `json:"step"`
	Entered time.Time `json:"entered"`
	// Times counts the entries of a step of the wait-for-a-slot loop, which
	// are kept as one record (Entered is the first).
	Times  int    `json:"times"`
	Result string `json:"result,omitempty"` // ok, failed, retried
	Error  string `json:"error,omitempty"`
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("status", "status [--endpoint URL] [--state-machine NAME|ARN] [--json] REQUEST_ID", stderr)
	var t target
	t.register(fs, false, true)
	asJSON := fs.Bool("json", false, "print the status as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("name one request id")}
	}
	cfg, err := t.config(ctx)
	if err != nil {
		return err
	}
	c := sfn.NewFromConfig(cfg)
	smArn, err := t.stateMachineArn(ctx, c)
	if err != nil {
		return err
	}
	rep, err := requestStatus(ctx, c, smArn, fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(stdout, "request %s: %s (execution %s, started %s", rep.RequestID, strings.ToUpper(rep.Outcome), rep.Status, rep.Started.Format(time.RFC3339))
	if rep.RedriveCount > 0 {
		fmt.Fprintf(stdout, ", redriven %d time(s)", rep.RedriveCount)
	}
	fmt.Fprintln(stdout, ")")
	if rep.AccountID != "" {
		fmt.Fprintf(stdout, "account:      %s\n", rep.AccountID)
	}
	if rep.CurrentStep != "" {
		fmt.Fprintf(stdout, "current step: %s\n", rep.CurrentStep)
	}
	if rep.FailedStep != "" {
		fmt.Fprintf(stdout, "failed step:  %s\n", rep.FailedStep)
	}
	if rep.Reason != "" {
		fmt.Fprintf(stdout, "reason:       %s\n", rep.Reason)
	}
	if q := rep.Queue; q != nil {
		ahead := fmt.Sprintf("%d requests ahead", q.Ahead)
		if q.Ahead < 0 {
			ahead = "place in line unknown"
		}
		fmt.Fprintf(stdout, "queued:       since %s, %s; %s; next check after %ds\n", q.Since, ahead, q.Reason, q.WaitSeconds)
	}
	if rep.Redrivable {
		fmt.Fprintf(stdout, "fix the cause, then: towervend redrive %s\n", rep.RequestID)
	}
	fmt.Fprintln(stdout, "history:")
	for _, h := range rep.History {
		extra := ""
		if h.Error != "" {
			extra = "  " + h.Error
		}
		if h.Times > 1 {
			extra += fmt.Sprintf("  (%d times)", h.Times)
		}
		fmt.Fprintf(stdout, "  %s  %-20s %s%s\n", h.Entered.Format("2006-01-02 15:04:05"), h.Step, h.Result, extra)
	}
	return nil
}

// requestStatus reads an execution and its history into a report.
func requestStatus(ctx context.Context, c *sfn.Client, smArn, id string) (*statusReport, error) {
	arn := strings.Replace(smArn, ":stateMachine:", ":execution:", 1) + ":" + id
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var missing *types.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return nil, &exitError{code: 1, err: fmt.Errorf("no request %s: towervend has not started it (was it rejected at intake? check the notifications and the towervend-rejected queue; if intake could not take it, it is in the dead-letter queue)", id)}
	}
	if err != nil {
		return nil, err
	}
	rep := &statusReport{RequestID: id, Status: string(d.Status), Started: aws.ToTime(d.StartDate), Stopped: d.StopDate,
		RedriveCount: aws.ToInt32(d.RedriveCount), Redrivable: d.RedriveStatus == types.ExecutionRedriveStatusRedrivable}
	switch d.Status {
	case types.ExecutionStatusRunning:
		rep.Outcome = "running"
	case types.ExecutionStatusSucceeded:
		var doc vend.Doc
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
		rep.Reason = causeText(aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	var open *stepRecord
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
				if open.Step == "WaitForSlot" {
					var doc vend.Doc
					if json.Unmarshal([]byte(aws.ToString(ev.StateEnteredEventDetails.Input)), &doc) == nil {
						rep.Queue = doc.Queue
					}
				}
				if ev.Type == types.HistoryEventTypeTaskStateEntered {
					var doc vend.Doc
					if json.Unmarshal([]byte(aws.ToString(ev.StateEnteredEventDetails.Input)), &doc) == nil && doc.AccountID != "" {
						rep.AccountID = doc.AccountID
					}
				}
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
	if !queueLoop[rep.CurrentStep] {
		rep.Queue = nil
	}
	if d.Status == types.ExecutionStatusFailed {
		// The workflow records the step that failed before it reports the failure.
		for i := len(rep.History) - 1; i >= 0; i-- {
			if strings.HasSuffix(rep.History[i].Step, "Failed") {
				rep.FailedStep = strings.TrimSuffix(rep.History[i].Step, "Failed")
				break
			}
		}
	}
	return rep, nil
}

// queueLoop are the states a request cycles through while it waits for a slot.
var queueLoop = map[string]bool{"Provision": true, "IsQueued": true, "WaitForSlot": true}

// enter records a state entered. The wait-for-a-slot loop's states are counted
// on their first record instead of repeated.
func (r *statusReport) enter(step string, at time.Time) *stepRecord {
	if queueLoop[step] {
		for i := len(r.History) - 1; i >= 0 && queueLoop[r.History[i].Step]; i-- {
			if r.History[i].Step == step {
				r.History[i].Times++
				return &r.History[i]
			}
		}
	}
	r.History = append(r.History, stepRecord{Step: step, Entered: at, Times: 1})
	return &r.History[len(r.History)-1]
}

func causeText(name, cause string) string {
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

func problemsText(doc vend.Doc) string {
	var parts []string
	for _, p := range doc.Plan.Problems {
		parts = append(parts, p.String())
	}
	return "rejected: " + strings.Join(parts, " | ")
}
