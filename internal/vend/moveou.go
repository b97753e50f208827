package vend

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// MoveOU (the moveou step) makes sure the account ends in the planned OU:
// Account Factory normally put it there, but an account moved by hand or an
// update Control Tower applied partially is corrected with MoveAccount.
func (d *Deps) MoveOU(ctx context.Context, doc *Doc) (*Doc, error) {
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
