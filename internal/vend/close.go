package vend

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Close closes the account (after the workflow unmanaged it).
// Organizations' limit of closures in progress is transient; its 30-day quota is not.
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
		return nil, &StepError{Name: ErrCloseLimited, Err: err, Reason: "Organizations is already closing the most accounts it closes at once; towervend retries"}
	case errors.As(err, &cv) && cv.Reason == orgtypes.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded:
		return nil, &StepError{Name: ErrFailed, Err: err, Reason: "Organizations' quota of accounts closed in 30 days (10% of active accounts) is used up. " +
			"Fix: wait until older closures leave the 30-day window or ask AWS Support for a higher quota, then redrive"}
	}
	return nil, awsErr("organizations:CloseAccount", err)
}
