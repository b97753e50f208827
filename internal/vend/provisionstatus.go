package vend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
)

// maxPollWait caps the growing wait between a termination's status checks.
const maxPollWait = 300

// ProvisionStatus checks the Account Factory operation (DescribeRecord) after
// a wait: Control Tower's event woke the execution, the wait's fallback
// timeout ran out, or (a termination) a poll's wait ended. Not done yet sets
// the next wait; SUCCEEDED records the account id; FAILED fails with Control
// Tower's reason (or, when Control Tower was busy, with
// TowerVend.ControlTowerBusy so the workflow starts the operation again);
// past the wait budget it fails with TowerVend.Timeout rather than wait
// forever. An operation that ended frees a Control Tower slot: unless Control
// Tower's event told the lifecycle function already (which then woke the line),
// it wakes the request waiting longest for one.
func (d *Deps) ProvisionStatus(ctx context.Context, doc *Doc) (*Doc, error) {
	log := d.logger(doc, "provisionstatus")
	wake := doc.Wake
	doc.Wake = nil
	op := doc.Operation
	if op == nil || op.Done {
		return doc, nil
	}
	if op.Kind == OpCreateAccount || op.Kind == OpMoveAccount {
		return d.moveStatus(ctx, doc)
	}
	op.Polls++
	if op.RecordID == "" { // a terminate that found the product already gone
		op.Done, op.Status, op.Poll = true, string(sctypes.RecordStatusSucceeded), false
		return doc, nil
	}
	out, err := d.Catalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(op.RecordID)})
	if err != nil {
		return nil, awsErr("servicecatalog:DescribeRecord", err)
	}
	rec := out.RecordDetail
	switch rec.Status {
	case sctypes.RecordStatusSucceeded:
		op.NoticedBy = noticedBy(wake, op)
		op.Done, op.Status, op.Poll = true, string(rec.Status), false
		for _, o := range out.RecordOutputs {
			if aws.ToString(o.OutputKey) == "AccountId" && doc.AccountID == "" {
				doc.AccountID = aws.ToString(o.OutputValue)
			}
		}
		log.Info("Account Factory operation succeeded", "recordId", op.RecordID, "accountId", doc.AccountID, "noticedBy", op.NoticedBy)
		if !wake.byEvent() {
			d.handOff(ctx, doc, "provisionstatus", 1)
		}
		return doc, nil
	case sctypes.RecordStatusFailed:
		op.Status = string(rec.Status)
		reason := recordErrors(rec)
		if isControlTowerBusy(fmt.Errorf("%s", reason)) || recordBusy(rec) {
			log.Info("Control Tower was busy; starting again", "recordId", op.RecordID)
			return nil, &StepError{Name: ErrControlTowerBusy, Reason: "Control Tower refused the operation because another Control Tower operation was in progress; towervend starts it again: " + reason}
		}
		log.Warn("Account Factory operation failed", "recordId", op.RecordID, "reason", reason)
		if !wake.byEvent() {
			d.handOff(ctx, doc, "provisionstatus", 1)
		}
		return nil, &StepError{Name: ErrProvisioningFailed, Reason: fmt.Sprintf("Account Factory %s failed (record %s): %s%s", op.Kind, op.RecordID, strings.TrimSuffix(reason, "."), remedy(reason))}
	}
	started, err := time.Parse(time.RFC3339, op.StartedAt)
	if err != nil {
		started = d.Clock.Now()
	}
	if waited := d.Clock.Now().Sub(started); waited > d.Config.WaitBudget {
		return nil, &StepError{Name: ErrTimeout, Reason: fmt.Sprintf(
			"Control Tower has not finished record %s after %s (status %s); towervend stopped waiting but the operation may still finish. "+
				"Check it in Service Catalog (provisioned product %s), then redrive this request: towervend picks up the result",
			op.RecordID, waited.Round(time.Minute), rec.Status, op.ProvisionedProductID)}
	}
	switch {
	case op.Kind == OpTerminate:
		// No event ends a termination: poll, waiting longer each time.
		op.Poll, op.WaitSeconds = true, min(60<<min(op.Polls, 5), maxPollWait)
	case wake.byEvent() || wake != nil && wake.Source == "await":
		// Control Tower said it ended; the record follows within moments.
		op.Poll, op.WaitSeconds = true, settlePoll
	default:
		op.Poll, op.WaitSeconds = false, nextFallback
	}
	return doc, nil
}

// noticedBy says how the end of an operation was seen.
func noticedBy(w *Wake, op *Operation) string {
	switch {
	case w == nil && op.Poll:
		return "poll"
	case w == nil:
		return "check"
	case w.Error != "":
		return "fallback"
	}
	return w.Source
}

func recordErrors(rec *sctypes.RecordDetail) string {
	var parts []string
	for _, e := range rec.RecordErrors {
		parts = append(parts, strings.TrimSpace(aws.ToString(e.Description)))
	}
	if len(parts) == 0 {
		return "Control Tower gave no reason"
	}
	return strings.Join(parts, "; ")
}

// remedy adds what to do for the failures people hit most.
func remedy(reason string) string {
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "awscontroltowerexecution"):
		return ". Fix: create the AWSControlTowerExecution role in the account, trusting the management account, then redrive"
	case strings.Contains(r, "suspended"):
		return ". Fix: a suspended account cannot be enrolled; reopen it or close the request"
	case strings.Contains(r, "config"):
		return ". Fix: delete the account's AWS Config recorder and delivery channel in every governed Region, then redrive"
	case strings.Contains(r, "already exists"):
		return ". Fix: terminate the leftover provisioned product or choose another account name, then redrive"
	}
	return ". Fix the cause in the account or landing zone, then redrive: towervend re-runs the operation without creating a second account"
}

// recordBusy reports a record Control Tower failed because it was busy with
// another operation (RecordErrors code ResourceInUseException): an Account
// Factory operation on an OU or account that a move-account operation
// (auto-enrollment) holds, say.
func recordBusy(rec *sctypes.RecordDetail) bool {
	for _, e := range rec.RecordErrors {
		if aws.ToString(e.Code) == "ResourceInUseException" {
			return true
		}
	}
	return false
}
