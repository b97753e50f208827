package vend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
)

// Provision starts the plan's Account Factory operation (ProvisionProduct,
// UpdateProvisionedProduct or TerminateProvisionedProduct) — or adopts one
// already under way for this request — through towervend's concurrency gate.
//
// The gate: the provision function runs with a reserved concurrency of one, so
// "count Control Tower's operations in flight, then start one" is atomic among
// towervend's executions; the count comes from Control Tower's own provisioned
// products, so operations started by hand count too. A full gate answers
// TowerVend.SlotBusy, which the workflow retries with short jittered waits.
func (d *Deps) Provision(ctx context.Context, doc *Doc) (*Doc, error) {
	log := d.logger(doc, "provision")
	plan := doc.Plan
	if plan == nil || plan.Operation == OpNone {
		return doc, nil
	}
	attempt := 0
	if op := doc.Operation; op != nil && op.Kind == plan.Operation {
		if !op.Done && op.Status == "" {
			// A failure ProvisionStatus saw is not in the document: the workflow's
			// Catch keeps the failed step's input. Control Tower knows.
			failed, err := d.recordFailed(ctx, op.RecordID)
			if err != nil {
				return nil, err
			}
			if !failed {
				return doc, nil // started and not yet failed: nothing to do again
			}
		}
		attempt = op.Attempt + 1
	}
	attemptKey := doc.RedriveCount*1000 + attempt

	// Adopt what a previous try of this request left behind.
	if adopted, err := d.adopt(ctx, doc, attemptKey); err != nil || adopted {
		return doc, err
	}
	if err := d.gate(ctx, plan.Operation); err != nil {
		log.Info("waiting for a Control Tower slot", "reason", err.Error())
		return nil, err
	}
	var rec *sctypes.RecordDetail
	var err error
	switch plan.Operation {
	case OpProvision:
		rec, err = d.provisionProduct(ctx, doc, attemptKey)
	case OpUpdate:
		rec, err = d.updateProduct(ctx, doc, plan.ProvisionedProductID, attemptKey, false)
	case OpTerminate:
		rec, err = d.terminateProduct(ctx, doc, attemptKey)
	default:
		return nil, stepErr(ErrFailed, "plan has unknown operation %q", plan.Operation)
	}
	if err != nil {
		return nil, err
	}
	doc.Operation = d.started(plan.Operation, rec, attempt, false)
	log.Info("Account Factory operation started", "operation", plan.Operation, "recordId", doc.Operation.RecordID)
	return doc, nil
}

// recordFailed reports whether an Account Factory record ended FAILED.
func (d *Deps) recordFailed(ctx context.Context, recordID string) (bool, error) {
	if recordID == "" {
		return false, nil
	}
	out, err := d.Catalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(recordID)})
	if err != nil {
		return false, awsErr("servicecatalog:DescribeRecord", err)
	}
	return out.RecordDetail != nil && out.RecordDetail.Status == sctypes.RecordStatusFailed, nil
}

// started records a started (or adopted) operation.
func (d *Deps) started(kind string, rec *sctypes.RecordDetail, attempt int, adopted bool) *Operation {
	return &Operation{Kind: kind, RecordID: aws.ToString(rec.RecordId), ProvisionedProductID: aws.ToString(rec.ProvisionedProductId),
		StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), WaitSeconds: firstWait(kind), Attempt: attempt, Adopted: adopted}
}

// firstWait is how long Control Tower usually needs before it is worth asking.
func firstWait(kind string) int {
	switch kind {
	case OpTerminate:
		return 120
	default:
		return 300
	}
}

// gate refuses to start an operation when Control Tower has the limit in flight
// (or, for a termination, any termination in flight: unmanaging is one at a time).
func (d *Deps) gate(ctx context.Context, op string) error {
	total, terminating, err := d.inFlight(ctx, op == OpTerminate)
	if err != nil {
		return err
	}
	if total >= d.Config.ConcurrencyLimit {
		return stepErr(ErrSlotBusy, "%d of %d Control Tower account operations are in flight; waiting for a slot", total, d.Config.ConcurrencyLimit)
	}
	if op == OpTerminate && terminating > 0 {
		return stepErr(ErrSlotBusy, "another account is being unmanaged; Control Tower unmanages one account at a time")
	}
	return nil
}

// adopt finds an operation a previous try started (same request: a Lambda
// retry after a crash, or a redrive) and continues with it instead of starting
// a second one. It reports whether it adopted one.
func (d *Deps) adopt(ctx context.Context, doc *Doc, attemptKey int) (bool, error) {
	plan := doc.Plan
	name := plan.ProductName
	if name == "" {
		return false, nil
	}
	pp, err := d.productNamed(ctx, name)
	if err != nil || pp == nil {
		return false, err
	}
	tok := aws.ToString(pp.IdempotencyToken)
	ours := tok == token(doc.Request.RequestID, plan.Operation, attemptKey)
	switch {
	case plan.Operation == OpProvision && ours:
		// Our own call went through before a crash: follow its record.
		doc.Operation = &Operation{Kind: OpProvision, RecordID: aws.ToString(pp.LastRecordId), ProvisionedProductID: aws.ToString(pp.Id),
			StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), WaitSeconds: 60, Adopted: true, Attempt: attemptKey % 1000}
		return true, nil
	case plan.Operation == OpProvision && strings.HasPrefix(tok, "tv-") && (pp.Status == sctypes.ProvisionedProductStatusError || pp.Status == sctypes.ProvisionedProductStatusTainted):
		// An earlier attempt of this request failed and left the product behind
		// (AFT needs a person to delete it): re-run it as an update, as Control
		// Tower documents for retrying a failed creation.
		if err := d.gate(ctx, OpUpdate); err != nil {
			return false, err
		}
		rec, err := d.updateProduct(ctx, doc, aws.ToString(pp.Id), attemptKey, true)
		if err != nil {
			return false, err
		}
		doc.Operation = d.started(OpProvision, rec, attemptKey%1000, true)
		return true, nil
	case plan.Operation == OpProvision && strings.HasPrefix(tok, "tv-") && pp.Status == sctypes.ProvisionedProductStatusAvailable:
		// A previous attempt finished: nothing to start, check its record.
		doc.Operation = &Operation{Kind: OpProvision, RecordID: aws.ToString(pp.LastSuccessfulProvisioningRecordId), ProvisionedProductID: aws.ToString(pp.Id),
			StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), WaitSeconds: 1, Adopted: true, Attempt: attemptKey % 1000}
		return true, nil
	case ours && pp.Status == sctypes.ProvisionedProductStatusUnderChange:
		doc.Operation = &Operation{Kind: plan.Operation, RecordID: aws.ToString(pp.LastRecordId), ProvisionedProductID: aws.ToString(pp.Id),
			StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), WaitSeconds: 60, Adopted: true, Attempt: attemptKey % 1000}
		return true, nil
	}
	return false, nil
}

func (d *Deps) owner(plan *Plan) ownerParams {
	if plan.Owner == nil {
		return ownerParams{}
	}
	return ownerParams{email: plan.Owner.Email, first: plan.Owner.FirstName, last: plan.Owner.LastName}
}

func (d *Deps) provisionProduct(ctx context.Context, doc *Doc, attemptKey int) (*sctypes.RecordDetail, error) {
	plan := doc.Plan
	af, err := d.accountFactory(ctx)
	if err != nil {
		return nil, err
	}
	in := &servicecatalog.ProvisionProductInput{
		ProductId:              aws.String(af.id),
		ProvisioningArtifactId: aws.String(af.artifactID),
		ProvisionedProductName: aws.String(plan.ProductName),
		ProvisioningParameters: parameters(plan.AccountName, plan.AccountEmail, *plan.OU, d.owner(plan)),
		ProvisionToken:         aws.String(token(doc.Request.RequestID, OpProvision, attemptKey)),
	}
	if af.pathID != "" {
		in.PathId = aws.String(af.pathID)
	}
	out, err := d.Catalog.ProvisionProduct(ctx, in)
	if err != nil {
		return nil, d.catalogErr("servicecatalog:ProvisionProduct", err)
	}
	return out.RecordDetail, nil
}

// updateProduct runs UpdateProvisionedProduct keeping every parameter but the
// ones the plan changes (OU, owner); retry re-runs a failed creation with all
// of the plan's parameters.
func (d *Deps) updateProduct(ctx context.Context, doc *Doc, ppID string, attemptKey int, retry bool) (*sctypes.RecordDetail, error) {
	plan := doc.Plan
	af, err := d.accountFactory(ctx)
	if err != nil {
		return nil, err
	}
	keep := func(key string) sctypes.UpdateProvisioningParameter {
		return sctypes.UpdateProvisioningParameter{Key: aws.String(key), UsePreviousValue: true}
	}
	set := func(key, value string) sctypes.UpdateProvisioningParameter {
		return sctypes.UpdateProvisioningParameter{Key: aws.String(key), Value: aws.String(value)}
	}
	var params []sctypes.UpdateProvisioningParameter
	if retry {
		for _, p := range parameters(plan.AccountName, plan.AccountEmail, *plan.OU, d.owner(plan)) {
			params = append(params, set(aws.ToString(p.Key), aws.ToString(p.Value)))
		}
	} else {
		params = append(params, keep("AccountName"), keep("AccountEmail"))
		if plan.OU != nil {
			params = append(params, set("ManagedOrganizationalUnit", plan.OU.AccountFactoryValue()))
		} else {
			params = append(params, keep("ManagedOrganizationalUnit"))
		}
		if plan.PreviousOwnerEmail != "" && plan.Owner != nil {
			params = append(params, set("SSOUserEmail", plan.Owner.Email), set("SSOUserFirstName", plan.Owner.FirstName), set("SSOUserLastName", plan.Owner.LastName))
		} else {
			params = append(params, keep("SSOUserEmail"), keep("SSOUserFirstName"), keep("SSOUserLastName"))
		}
	}
	in := &servicecatalog.UpdateProvisionedProductInput{
		ProvisionedProductId:   aws.String(ppID),
		ProductId:              aws.String(af.id),
		ProvisioningArtifactId: aws.String(af.artifactID),
		ProvisioningParameters: params,
		UpdateToken:            aws.String(token(doc.Request.RequestID, plan.Operation, attemptKey)),
	}
	if af.pathID != "" {
		in.PathId = aws.String(af.pathID)
	}
	out, err := d.Catalog.UpdateProvisionedProduct(ctx, in)
	if err != nil {
		return nil, d.catalogErr("servicecatalog:UpdateProvisionedProduct", err)
	}
	return out.RecordDetail, nil
}

func (d *Deps) terminateProduct(ctx context.Context, doc *Doc, attemptKey int) (*sctypes.RecordDetail, error) {
	out, err := d.Catalog.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
		ProvisionedProductId: aws.String(doc.Plan.ProvisionedProductID),
		TerminateToken:       aws.String(token(doc.Request.RequestID, OpTerminate, attemptKey)),
	})
	var nf *sctypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		// Already terminated (by an earlier try or by hand): the goal is reached.
		return &sctypes.RecordDetail{RecordId: aws.String(""), ProvisionedProductId: aws.String(doc.Plan.ProvisionedProductID), Status: sctypes.RecordStatusSucceeded}, nil
	}
	if err != nil {
		return nil, d.catalogErr("servicecatalog:TerminateProvisionedProduct", err)
	}
	return out.RecordDetail, nil
}

// catalogErr explains Service Catalog errors the requester can act on.
func (d *Deps) catalogErr(op string, err error) error {
	var nf *sctypes.ResourceNotFoundException
	if errors.As(err, &nf) && strings.Contains(err.Error(), "No launch paths") {
		return &StepError{Name: ErrFailed, Err: err, Reason: fmt.Sprintf("%s: %s. Fix: associate towervend's provisioning role with the Account Factory portfolio (stack setting portfolioId), then redrive", op, nf.ErrorMessage())}
	}
	return awsErr(op, err)
}
