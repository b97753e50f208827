package vend

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
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
		d.logger(doc, "close").Info("account closing", "accountId", doc.AccountID)
		doc.Notes = append(doc.Notes, "the account is closing: AWS suspends it now and closes it for good after 90 days")
		return doc, nil
	case errors.As(err, &cv) && cv.Reason == orgtypes.ConstraintViolationExceptionReasonCloseAccountRequestsLimitExceeded:
		return nil, &StepError{Name: ErrCloseLimited, Err: err, Reason: "organizations:CloseAccount: Organizations is already closing as many accounts as it closes at once (3)"}
	case errors.As(err, &cv) && cv.Reason == orgtypes.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded:
		return nil, &StepError{Name: ErrFailed, Err: err, Reason: "organizations:CloseAccount: Organizations' close quota is used up: it closes at most 10% of " +
			"the organization's member accounts (at least 10, at most 1000) within a rolling 30 days. " +
			"Fix: wait until the earliest of those closures is 30 days old, then redrive: towervend redrive " + doc.Request.RequestID}
	}
	return nil, awsErr("organizations:CloseAccount", err)
}
