package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

type redriveResult struct {
	RequestID string `json:"requestId"`
	Action    string `json:"action"` // redriven, would-redrive, skipped, unknown, error
	Reason    string `json:"reason,omitempty"`
}

func cmdRedrive(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("redrive", "redrive [--endpoint URL] [--state-machine NAME|ARN] [--table NAME] [--json] REQUEST_ID... | --failed-since 24h [--dry-run]", stderr)
	var t target
	t.register(fs, false, true)
	table := fs.String("table", deploy.WaitsTable.Name, "the table where intake records the messages it takes, read to explain a request with no execution")
	since := fs.Duration("failed-since", 0, "redrive every execution that failed, timed out or was aborted within this long (e.g. 24h; Step Functions allows 14 days)")
	dry := fs.Bool("dry-run", false, "list what would be redriven without redriving")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (fs.NArg() == 0) == (*since == 0) {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("name request ids or give --failed-since, not both")}
	}
	c, smArn, err := t.workflow(ctx)
	if err != nil {
		return err
	}
	ids := fs.Args()
	if *since > 0 {
		ids, err = failedSince(ctx, c, smArn, *since)
		if err != nil {
			return err
		}
	}
	var results []redriveResult
	failures := 0
	for _, id := range ids {
		arn := statemachine.ExecutionArn(smArn, id)
		if *dry {
			results = append(results, redriveResult{RequestID: id, Action: "would-redrive"})
			continue
		}
		_, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
		var notRedrivable *types.ExecutionNotRedrivable
		var missing *types.ExecutionDoesNotExist
		switch {
		case err == nil:
			results = append(results, redriveResult{RequestID: id, Action: "redriven"})
		case errors.As(err, &notRedrivable):
			results = append(results, redriveResult{RequestID: id, Action: "skipped", Reason: notRedrivable.ErrorMessage()})
		case errors.As(err, &missing):
			failures++
			results = append(results, redriveResult{RequestID: id, Action: "unknown", Reason: noExecution(ctx, &t, *table, id)})
		default:
			failures++
			results = append(results, redriveResult{RequestID: id, Action: "error", Reason: err.Error()})
		}
	}
	err = printResult(stdout, *asJSON, results, func() error {
		if len(results) == 0 {
			fmt.Fprintln(stdout, "nothing to redrive")
		}
		for _, r := range results {
			line := r.RequestID + ": " + r.Action
			if r.Reason != "" {
				line += " (" + r.Reason + ")"
			}
			fmt.Fprintln(stdout, line)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failures > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d redrives failed", failures)}
	}
	return nil
}

// noExecution explains a request id that has no execution, as status does:
// what intake did with the messages sent with it, or that none reached it.
func noExecution(ctx context.Context, t *target, table, id string) string {
	cfg, err := t.config(ctx)
	if err != nil {
		return vend.ErrNoExecution.Error()
	}
	msgs, err := vend.ReadMessages(ctx, dynamodb.NewFromConfig(cfg), table, id)
	if err != nil {
		return fmt.Sprintf("%s (and intake's records of its messages cannot be read: %v)", vend.ErrNoExecution, err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Outcome == vend.MessageRejected {
			return "towervend rejected it at intake, so nothing ran and there is nothing to redrive: " + msgs[i].Reason +
				"; fix the request and send it again ('towervend status " + id + "' lists its messages)"
		}
	}
	return vend.ErrNoExecution.Error()
}

// failedSince lists executions that failed, timed out or were aborted recently.
func failedSince(ctx context.Context, c *sfn.Client, smArn string, since time.Duration) ([]string, error) {
	var ids []string
	cutoff := time.Now().Add(-since)
	for _, st := range []types.ExecutionStatus{types.ExecutionStatusFailed, types.ExecutionStatusTimedOut, types.ExecutionStatusAborted} {
		p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smArn), StatusFilter: st})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list executions: %w", err)
			}
			for _, x := range page.Executions {
				if x.StopDate != nil && x.StopDate.Before(cutoff) {
					continue
				}
				ids = append(ids, aws.ToString(x.Name))
			}
		}
	}
	return ids, nil
}
