package vend

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
)

// Whether a provisioned product is this request's. A repeated or redriven
// create finds the product an earlier try made under the plan's product name
// and continues with it; adopting a product that is not this request's would
// hand the requester another account (its access granted there, the account
// moved to this request's OU). So a product is adopted only on proof: the
// exact name (productNamed), an idempotency token that only this request's
// own calls use, and, once the product has made an account, outputs that name
// the account this request asks for.

// madeByRequest reports whether tok is the idempotency token of one of this
// request's calls of kind op: any attempt, at any redrive up to redrives.
// Tokens are one-way (see token), so the candidates are enumerated; current
// is the attempt key in use, also tried should it lie beyond the range.
func madeByRequest(tok, requestID, op string, redrives, current int) bool {
	if !strings.HasPrefix(tok, "tv-") {
		return false
	}
	if tok == token(requestID, op, current) {
		return true
	}
	for key := range (redrives + 1) * 1000 {
		if tok == token(requestID, op, key) {
			return true
		}
	}
	return false
}

// ownProduct returns nil when pp, found under the plan's product name, is
// this request's product to adopt, and otherwise a permanent failure that
// names the conflict.
func (d *Deps) ownProduct(ctx context.Context, doc *Doc, pp *sctypes.ProvisionedProductAttribute, attemptKey int) error {
	plan, req := doc.Plan, doc.Request
	name, id := aws.ToString(pp.Name), aws.ToString(pp.Id)
	if name != plan.ProductName || !madeByRequest(aws.ToString(pp.IdempotencyToken), req.RequestID, OpProvision, doc.RedriveCount, attemptKey) {
		return stepErr(ErrFailed, "Service Catalog already has a provisioned product named %q (%s, status %s%s) and it is not request %s's: "+
			"none of this request's calls made it, so it belongs to another request or was made by hand. towervend does not adopt it, "+
			"which would give this request another account. Fix: if another request is creating the same account, let that one finish "+
			"and drop this one; if the product is a failed leftover nobody needs, terminate it in Service Catalog and redrive; "+
			"otherwise submit a new request with another account name",
			name, id, pp.Status, physicalNote(pp), req.RequestID)
	}
	recID := aws.ToString(pp.LastSuccessfulProvisioningRecordId)
	if recID == "" {
		return nil // no account made yet: the token is the proof
	}
	out, err := d.Catalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(recID)})
	if err != nil {
		return awsErr("servicecatalog:DescribeRecord", err)
	}
	for _, o := range out.RecordOutputs {
		key, value := aws.ToString(o.OutputKey), aws.ToString(o.OutputValue)
		var want string
		switch {
		case key == "AccountEmail" && !strings.EqualFold(value, plan.AccountEmail):
			want = plan.AccountEmail
		case key == "AccountId" && req.Account.ID != "" && value != req.Account.ID:
			want = req.Account.ID
		default:
			continue
		}
		return stepErr(ErrFailed, "the provisioned product named %q (%s%s) carries request %s's idempotency token, but its record %s "+
			"has %s %s where this request asks for %s; towervend does not adopt it, which would give this request another account. "+
			"Fix: check who made that product in Service Catalog; submit this request again under a new requestId",
			name, id, physicalNote(pp), req.RequestID, recID, key, value, want)
	}
	return nil
}

// physicalNote names the product's account, when it has one.
func physicalNote(pp *sctypes.ProvisionedProductAttribute) string {
	if acct := aws.ToString(pp.PhysicalId); acct != "" {
		return ", account " + acct
	}
	return ""
}

// productTaken is validate's check that no other request or person holds the
// product name the plan will provision under; it returns the problem, or "".
func (v *validation) productTaken(ctx context.Context, name string) (string, error) {
	pp, err := v.d.productNamed(ctx, name)
	if err != nil || pp == nil {
		return "", err
	}
	if madeByRequest(aws.ToString(pp.IdempotencyToken), v.req.RequestID, OpProvision, v.doc.RedriveCount, 0) {
		return "", nil // this request's own product, from an earlier try: provision adopts it
	}
	return fmt.Sprintf("Service Catalog already has a provisioned product named %q (%s, status %s%s) that this request did not make",
		name, aws.ToString(pp.Id), pp.Status, physicalNote(pp)), nil
}
