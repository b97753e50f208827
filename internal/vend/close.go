package vend

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Close closes the account (after the workflow unmanaged it).
// Organizations' limit of closures in progress (3 at once) is transient; its
// quota of closures in a rolling 30 days is not.
func (d *Deps) Close(ctx context.Context, doc *Doc) (*Doc, error) {
	if doc.Plan == nil || !doc.Plan.Close {
		return doc, nil
	}
	_, err := d.Org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(doc.AccountID)})
	var closed *orgtypes.AccountAlreadyClosedException
	var cv *orgtypes.ConstraintViolationException
	switch {
	case err == nil, errors.As(err, &closed):
		if err == nil {
			d.recordClosure(ctx, doc)
		}
		d.logger(doc, "close").Info("account closing", "accountId", doc.AccountID)
		doc.Notes = append(doc.Notes, "the account is closing: AWS suspends it now and closes it for good after 90 days")
		return doc, nil
	case errors.As(err, &cv) && cv.Reason == orgtypes.ConstraintViolationExceptionReasonCloseAccountRequestsLimitExceeded:
		return nil, &StepError{Name: ErrCloseLimited, Err: err, Reason: "organizations:CloseAccount: Organizations is already closing as many accounts as it closes at once (3)"}
	case errors.As(err, &cv) && cv.Reason == orgtypes.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded:
		done := "nothing was changed"
		if doc.Plan.Unmanage {
			done = "the account was unmanaged (its Account Factory product terminated: it is out of Control Tower, under the root) but not closed"
		}
		return nil, &StepError{Name: ErrFailed, Err: err, Reason: "organizations:CloseAccount: Organizations' close quota is used up: it closes at most 10% of " +
			"the organization's member accounts (at least 10, at most 1000) within a rolling 30 days; " + done + ". " +
			"Fix: wait until the earliest of those closures is 30 days old, then redrive to close it: towervend redrive " + doc.Request.RequestID}
	}
	return nil, awsErr("organizations:CloseAccount", err)
}

// The closure ledger: towervend notes each account it closes in the waits
// table (partition "closures", sort key time#account), kept for the 90 days
// Organizations shows a closed account as SUSPENDED, so a close request can be
// checked against Organizations' quota before anything changes (see
// validation.closeQuota). Organizations publishes no count of the closures
// in the last 30 days.
const (
	closurePartition = "closures"
	closureWindow    = 30 * 24 * time.Hour
	closureKept      = 91 * 24 * time.Hour
	closureQuotaMin  = 10
	closureQuotaMax  = 1000
)

// recordClosure notes a closure in the ledger; best effort (a missing note
// only makes the next pre-check more careful).
func (d *Deps) recordClosure(ctx context.Context, doc *Doc) {
	if d.waitsReady() != nil {
		return
	}
	now := d.Clock.Now()
	_, err := d.Waits.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.Config.WaitTable), Item: map[string]ddbtypes.AttributeValue{
		waitKey: str(closurePartition), waitSort: str(now.UTC().Format(time.RFC3339) + "#" + doc.AccountID),
		"accountId": str(doc.AccountID), "requestId": str(doc.Request.RequestID), waitExpires: num(now.Add(closureKept).Unix())}})
	if err != nil {
		d.logger(doc, "close").Warn("cannot note the closure in the ledger", "error", err.Error())
	}
}

// closedLongAgo returns the accounts the ledger saw closed more than 30 days ago.
func (d *Deps) closedLongAgo(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	if d.waitsReady() != nil {
		return out, nil
	}
	items, err := d.query(ctx, closurePartition, 0)
	if err != nil {
		return nil, err
	}
	cutoff := d.Clock.Now().Add(-closureWindow)
	for _, it := range items {
		at, _, _ := strings.Cut(attrString(it, waitSort), "#")
		if t, err := time.Parse(time.RFC3339, at); err == nil && t.Before(cutoff) {
			out[attrString(it, "accountId")] = true
		}
	}
	return out, nil
}
