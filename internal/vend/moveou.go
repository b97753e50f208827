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
	parent, moved, err := d.moveAccount(ctx, doc.AccountID, plan.OU.ID)
	if err != nil || !moved {
		return doc, err
	}
	d.logger(doc, "moveou").Info("account moved", "accountId", doc.AccountID, "from", parent, "to", plan.OU.ID)
	doc.Notes = append(doc.Notes, fmt.Sprintf("moved the account from %s to %s", parent, plan.OU.Path))
	return doc, nil
}

// moveAccount moves an account to dest (an OU or the root) unless it is there
// already, reading its parent afresh (MoveAccount needs the source); a move
// Organizations finds done already (a repeat) counts as done. It returns the
// parent the account was in and whether it moved it.
func (d *Deps) moveAccount(ctx context.Context, accountID, dest string) (string, bool, error) {
	parent, err := d.accountParent(ctx, accountID)
	if err != nil || parent == dest {
		return parent, false, err
	}
	_, err = d.Org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(accountID),
		SourceParentId: aws.String(parent), DestinationParentId: aws.String(dest)})
	var dup *orgtypes.DuplicateAccountException
	if err != nil && !errors.As(err, &dup) {
		return parent, false, awsErr("organizations:MoveAccount", err)
	}
	return parent, true, nil
}
