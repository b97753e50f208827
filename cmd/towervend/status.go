package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/vend"
)

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("status", "status [--endpoint URL] [--state-machine NAME|ARN] [--table NAME] [--json] REQUEST_ID", stderr)
	var t target
	t.register(fs, false, true)
	table := fs.String("table", deploy.WaitsTable.Name, "the table where intake records the messages it takes (the stack's waits table)")
	asJSON := fs.Bool("json", false, "print the status as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("name one request id")}
	}
	c, smArn, err := t.workflow(ctx)
	if err != nil {
		return err
	}
	cfg, err := t.config(ctx)
	if err != nil {
		return err
	}
	rep, err := requestStatus(ctx, c, dynamodb.NewFromConfig(cfg), smArn, *table, fs.Arg(0))
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, rep)
	}
	printStatus(stdout, rep)
	return nil
}

// printStatus writes a request's status for people: the outcome, where it
// is or failed, every message sent with its id, and the steps it went through.
func printStatus(stdout io.Writer, rep *vend.RequestStatus) {
	if rep.Status == "" {
		fmt.Fprintf(stdout, "request %s: %s at intake (no execution: towervend started nothing)\n", rep.RequestID, strings.ToUpper(rep.Outcome))
	} else {
		fmt.Fprintf(stdout, "request %s: %s (execution %s, started %s", rep.RequestID, strings.ToUpper(rep.Outcome), rep.Status, rep.Started.Format(time.RFC3339))
		if rep.RedriveCount > 0 {
			fmt.Fprintf(stdout, ", redriven %d time(s)", rep.RedriveCount)
		}
		fmt.Fprintln(stdout, ")")
	}
	if rep.AccountID != "" {
		fmt.Fprintf(stdout, "account:      %s\n", rep.AccountID)
	}
	if rep.CurrentStep != "" {
		fmt.Fprintf(stdout, "current step: %s\n", rep.CurrentStep)
	}
	if rep.FailedStep != "" {
		fmt.Fprintf(stdout, "failed step:  %s\n", rep.FailedStep)
	}
	if rep.Error != "" {
		fmt.Fprintf(stdout, "error:        %s\n", rep.Error)
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
	if w := rep.Waiting; w != nil {
		fmt.Fprintf(stdout, "waiting:      since %s: %s\n", w.Since, w.Reason)
	}
	if rep.Redrivable {
		fmt.Fprintf(stdout, "fix the cause, then: towervend redrive %s\n", rep.RequestID)
	}
	printMessages(stdout, rep)
	if rep.Status == "" {
		return
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
}

// printMessages lists the messages sent with the request's id and what
// intake did with each.
func printMessages(stdout io.Writer, rep *vend.RequestStatus) {
	if rep.MessagesUnreadable != "" {
		fmt.Fprintf(stdout, "messages:     cannot be read (%s)\n", rep.MessagesUnreadable)
		return
	}
	if len(rep.Messages) == 0 {
		return
	}
	fmt.Fprintf(stdout, "messages:     %d sent with this requestId\n", len(rep.Messages))
	for _, m := range rep.Messages {
		what := m.Outcome
		switch m.Outcome {
		case vend.MessageStarted:
			what = "started the execution"
		case vend.MessageDuplicate:
			what = "duplicate delivery of the same request: nothing new started"
		case vend.MessageRejected:
			what = "rejected: " + m.Reason
		}
		ticket := ""
		if m.Ticket != "" {
			ticket = " (ticket " + m.Ticket + ")"
		}
		fmt.Fprintf(stdout, "  %s  message %s%s  %s\n", m.Received.Format("2006-01-02 15:04:05"), m.MessageID, ticket, what)
	}
}

// requestStatus reads what towervend knows of a request: its execution and
// the messages sent with its id. A request with neither is the CLI's exit
// status 1, with what to check.
func requestStatus(ctx context.Context, c *sfn.Client, db vend.MessagesReader, smArn, table, id string) (*vend.RequestStatus, error) {
	rep, err := vend.ReadRequest(ctx, c, db, smArn, table, id)
	if errors.Is(err, vend.ErrNoExecution) {
		return nil, &exitError{code: 1, err: err}
	}
	return rep, err
}
