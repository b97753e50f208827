package vend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
)

// Enrolling by baseline reset (backend.go: the autoEnrollment backend on a
// landing zone that does not auto-enroll). A move into a registered OU
// enrolls nothing there; Control Tower enrolls the accounts in an OU when
// that OU's enabled baseline is reset (ResetEnabledBaseline: "re-apply the
// existing Baseline after a new member account is moved to the target OU").
// A reset is an OU operation, and Control Tower runs one at a time in the
// whole landing zone, so:
//
//   - the account is moved into its OU first, outside any line (the move
//     alone changes nothing Control Tower counts);
//   - then the request waits in the landing zone's one reset line (resetLine,
//     an OU line of its own: waitForOU) while any account's baseline is
//     under change;
//   - a reset enrolls every account moved into the OU before it began: a
//     request whose account an earlier reset enrolled is done without one of
//     its own, so requests for one OU share resets.
//
// A reset takes none of Control Tower's account-operation slots.

// resetLine is the OU line every reset waits in.
const resetLine = "reset"

// resetBudget is how long towervend waits for a reset to enroll an account:
// Control Tower applies the baseline to every account in the OU, a few at a
// time, so a large OU's reset takes hours.
const resetBudget = 24 * time.Hour

// resetPollMax is the longest wait between two looks at a reset's progress.
const resetPollMax = 20 * 60

// provisionByReset is Provision's move for the reset path.
func (d *Deps) provisionByReset(ctx context.Context, doc *Doc) (*Doc, error) {
	plan, log := doc.Plan, d.logger(doc, "provision")
	_, moved, err := d.moveAccount(ctx, doc.AccountID, plan.MoveTo)
	if err != nil {
		return nil, err
	}
	if moved {
		// Moved in: the OU's next account may be created (waitToCreate).
		if err := d.dropWaiter(ctx, ouPartition(plan.MoveTo), lineKey(doc), ""); err != nil {
			return nil, err
		}
		if _, err := d.wakeOU(ctx, plan.MoveTo, "", wantsCreate); err != nil {
			log.Warn("cannot wake the next request for the OU", "ou", plan.MoveTo, "error", err.Error())
		}
	}
	prev := doc.Operation
	b, err := d.accountBaseline(ctx, doc.AccountID)
	if err != nil {
		return nil, err
	}
	ouBaseline, err := d.ouBaselineArn(ctx, plan.MoveTo)
	if err != nil {
		return nil, err
	}
	retry := b != nil && b.StatusSummary != nil && b.StatusSummary.Status == cttypes.EnablementStatusFailed
	if b != nil && !retry && aws.ToString(b.ParentIdentifier) == ouBaseline {
		// Enrolled, or being enrolled, by a reset another request started.
		doc.Operation = d.resetOperation(prev, "")
		log.Info("account enrolled by its OU's reset", "accountId", doc.AccountID)
		return doc, d.leaveQueue(ctx, doc)
	}
	if q, err := d.waitForOU(ctx, doc, resetLine); err != nil || q != nil {
		return d.queued(doc, q, err)
	}
	out, err := d.ControlTower.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: aws.String(ouBaseline)})
	var conflict *cttypes.ConflictException
	if errors.As(err, &conflict) {
		// Started outside towervend (the console, another tool): tried again shortly.
		if err := d.leaveQueue(ctx, doc); err != nil {
			return nil, err
		}
		return nil, &StepError{Name: ErrControlTowerBusy, Err: err,
			Reason: "controltower:ResetEnabledBaseline: Control Tower runs one OU operation at a time and another is running (" + aws.ToString(conflict.Message) + "); towervend tries again"}
	}
	if err != nil {
		return nil, awsErr("controltower:ResetEnabledBaseline", err)
	}
	doc.Operation = d.resetOperation(prev, aws.ToString(out.OperationIdentifier))
	if retry {
		doc.Operation.Retries++
	}
	if err := d.leaveQueue(ctx, doc); err != nil {
		return nil, err
	}
	log.Info("OU baseline reset started", "ou", plan.MoveTo, "operation", doc.Operation.BaselineOperationID, "accountId", doc.AccountID)
	return doc, nil
}

// resetOperation is the enrollment's operation, followed like
// auto-enrollment's (moveStatus), keeping what the create before it noted.
func (d *Deps) resetOperation(prev *Operation, baselineOp string) *Operation {
	op := &Operation{Kind: OpMoveAccount, Phase: PhaseEnroll, StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), Poll: true,
		WaitSeconds: enrollPoll, BaselineOperationID: baselineOp}
	if prev != nil {
		op.Kind, op.CreateRequestID, op.QueuedSeconds, op.Retries = prev.Kind, prev.CreateRequestID, prev.QueuedSeconds, prev.Retries
	}
	return op
}

// ouBaselineArn is the OU's enabled AWSControlTowerBaseline (what
// ResetEnabledBaseline takes), from ListEnabledBaselines.
func (d *Deps) ouBaselineArn(ctx context.Context, ouID string) (string, error) {
	p := controltower.NewListEnabledBaselinesPaginator(d.ControlTower, &controltower.ListEnabledBaselinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", awsErr("controltower:ListEnabledBaselines", err)
		}
		for _, b := range page.EnabledBaselines {
			if t := aws.ToString(b.TargetIdentifier); strings.HasSuffix(t, "/"+ouID) {
				return aws.ToString(b.Arn), nil
			}
		}
	}
	return "", stepErr(ErrFailed, "OU %s has no enabled AWSControlTowerBaseline: it is not registered with Control Tower (any more); register it, then redrive", ouID)
}

// anyEnrolling says what Control Tower is applying a baseline to now, as the
// reason a reset waits ("" when nothing): one OU operation at a time.
func (d *Deps) anyEnrolling(ctx context.Context, accountID string) (string, error) {
	changing, err := d.baselinesUnderChange(ctx)
	if err != nil {
		return "", err
	}
	for _, b := range changing {
		if other := aws.ToString(b.TargetIdentifier); accountOfArn(other) != accountID {
			return fmt.Sprintf("Control Tower is applying its baseline to %s and runs one OU operation at a time in the landing zone; "+
				"towervend resets the OU's baseline for account %s when it is done", other, accountID), nil
		}
	}
	return "", nil
}
