package vend

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// PlaceAccount (the moveou step) makes sure the account ends in the planned OU:
// Account Factory normally put it there, but an account moved by hand or an
// update Control Tower applied partially is corrected with MoveAccount.
func (d *Deps) PlaceAccount(ctx context.Context, doc *Doc) (*Doc, error) {
	plan := doc.Plan
	if plan == nil || !plan.Place || plan.OU == nil || doc.AccountID == "" {
		return doc, nil
	}
	parent, err := d.accountParent(ctx, doc.AccountID)
	if err != nil {
		return nil, err
	}
	if parent == plan.OU.ID {
		return doc, nil
	}
	_, err = d.Org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(doc.AccountID),
		SourceParentId: aws.String(parent), DestinationParentId: aws.String(plan.OU.ID)})
	var dup *orgtypes.DuplicateAccountException
	if err != nil && !errors.As(err, &dup) {
		return nil, awsErr("organizations:MoveAccount", err)
	}
	d.logger(doc, "moveou").Info("account moved", "accountId", doc.AccountID, "from", parent, "to", plan.OU.ID)
	doc.Notes = append(doc.Notes, fmt.Sprintf("moved the account from %s to %s", parent, plan.OU.Path))
	return doc, nil
}

// TagAccount sets and removes the account's tags. Setting a tag to the value it
// has and removing one that is gone are both success.
func (d *Deps) TagAccount(ctx context.Context, doc *Doc) (*Doc, error) {
	plan := doc.Plan
	if plan == nil || doc.AccountID == "" || (len(plan.SetTags) == 0 && len(plan.RemoveTags) == 0) {
		return doc, nil
	}
	if len(plan.SetTags) > 0 {
		var tags []orgtypes.Tag
		for _, k := range sortedKeys(plan.SetTags) {
			tags = append(tags, orgtypes.Tag{Key: aws.String(k), Value: aws.String(plan.SetTags[k])})
		}
		if _, err := d.Org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(doc.AccountID), Tags: tags}); err != nil {
			return nil, awsErr("organizations:TagResource", err)
		}
	}
	if len(plan.RemoveTags) > 0 {
		if _, err := d.Org.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(doc.AccountID), TagKeys: plan.RemoveTags}); err != nil {
			return nil, awsErr("organizations:UntagResource", err)
		}
	}
	d.logger(doc, "tag").Info("account tagged", "accountId", doc.AccountID, "set", len(plan.SetTags), "removed", len(plan.RemoveTags))
	return doc, nil
}

// CloseAccount closes the account (after the workflow unmanaged it).
// Organizations' limit of closures in progress is transient; its 30-day quota is not.
func (d *Deps) CloseAccount(ctx context.Context, doc *Doc) (*Doc, error) {
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
