package vend

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Provision starts the plan's Account Factory operation (ProvisionProduct,
// UpdateProvisionedProduct or TerminateProvisionedProduct) — or adopts one
// already under way for this request — through towervend's concurrency gate.
//
// The gate: the provision function runs with a reserved concurrency of one, so
// "count Control Tower's operations in flight, then start one" is atomic among
// towervend's executions; the count comes from Control Tower's own provisioned
// products, so operations started by hand count too. A full gate returns the
// document with Queue set: the request's place in line and how long to wait
// before asking again (see queueWait); the workflow waits that long and asks again.
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
	if q, err := d.gate(ctx, doc, plan.Operation); err != nil || q != nil {
		return d.queued(doc, q, err)
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
	d.leaveQueue(doc)
	log.Info("Account Factory operation started", "operation", plan.Operation, "recordId", doc.Operation.RecordID,
		"queuedSeconds", doc.Operation.QueuedSeconds)
	return doc, nil
}

// queued returns the document of a request that must wait for a slot.
func (d *Deps) queued(doc *Doc, q *QueueStatus, err error) (*Doc, error) {
	if err != nil {
		return nil, err
	}
	doc.Queue = q
	d.logger(doc, "provision").Info("waiting for a Control Tower slot", "reason", q.Reason, "ahead", q.Ahead,
		"inFlight", q.InFlight, "checks", q.Checks, "waitSeconds", q.WaitSeconds)
	return doc, nil
}

// leaveQueue notes on the started operation how long the request waited for its slot.
func (d *Deps) leaveQueue(doc *Doc) {
	if doc.Queue == nil {
		return
	}
	if since, err := time.Parse(time.RFC3339, doc.Queue.Since); err == nil && doc.Operation != nil {
		doc.Operation.QueuedSeconds = int(d.Clock.Now().Sub(since).Seconds())
	}
	doc.Queue = nil
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

// gate answers nil when the operation may start now: fewer than the limit of
// Control Tower account operations are in flight (and, for a termination, no
// other termination: unmanaging is one at a time). Otherwise it answers the
// request's place in the queue and how long to wait before asking again.
func (d *Deps) gate(ctx context.Context, doc *Doc, op string) (*QueueStatus, error) {
	total, terminating, err := d.inFlight(ctx, op == OpTerminate)
	if err != nil {
		return nil, err
	}
	limit := d.Config.ConcurrencyLimit
	q := &QueueStatus{Since: d.Clock.Now().UTC().Format(time.RFC3339), InFlight: total}
	prev := doc.Queue
	if prev != nil {
		q.Since, q.Checks = prev.Since, prev.Checks
	}
	q.Checks++
	switch {
	case total >= limit:
		q.Reason = fmt.Sprintf("%d of %d Control Tower account operations are in flight; waiting for a slot", total, limit)
		// Once first in line, a request stays first: no request that started
		// earlier can appear, so it need not list the executions again.
		if prev == nil || prev.Ahead != 0 {
			q.Ahead = d.waitingAhead(ctx, doc, total)
		}
	case op == OpTerminate && terminating > 0:
		// Only terminations wait behind a termination, and the requests ahead
		// are mostly not terminations: unranked, a check about every minute
		// (unmanaging takes minutes).
		q.Reason = "another account is being unmanaged; Control Tower unmanages one account at a time"
		q.Ahead = -1
	default:
		return nil, nil
	}
	q.WaitSeconds = int(queueWait(q.Ahead, limit, doc.Request.RequestID, q.Checks).Seconds())
	return q, nil
}

// Pacing of the queue for Control Tower's slots. A waiting request asks again
// after about half the time its turn is expected to take: the requests ahead of
// it, divided by the slots, times a typical operation. So each waiting request
// asks a few times (logarithmic in its place), however long the queue, while
// the first in line asks often enough that a freed slot is taken within
// seconds. A slot goes to whoever asks first when it is free; the pacing only
// makes that, nearly always, the request that has waited longest.
const (
	firstInLineWait  = 20 * time.Second
	unrankedWait     = time.Minute
	longestQueueWait = 2 * time.Hour
	typicalOperation = 20 * time.Minute // Control Tower documents up to 30 minutes for a new account
)

// queueWait is how long a request with ahead requests before it (-1: unknown)
// waits before asking the gate again, for slots operations at a time. Up to a
// third more is added as jitter, derived from the request and the check so a
// run repeats exactly.
func queueWait(ahead, slots int, requestID string, check int) time.Duration {
	var w time.Duration
	switch {
	case ahead < 0:
		w = unrankedWait
	case ahead == 0:
		w = firstInLineWait
	default:
		w = time.Duration(ahead) * typicalOperation / time.Duration(2*max(slots, 1))
	}
	w = min(max(w, firstInLineWait), longestQueueWait)
	h := fnv.New32a()
	fmt.Fprintf(h, "%s|%d", requestID, check)
	return w + w*time.Duration(h.Sum32()%1000)/3000
}

// waitingAhead counts the requests that started before this one and still
// wait for a slot: the workflow's running executions that started earlier,
// less the operations in flight. It answers -1 when it cannot tell; the
// ranking only paces the waiting, so a failure to rank is logged, not fatal.
func (d *Deps) waitingAhead(ctx context.Context, doc *Doc, inFlight int) int {
	ex := doc.Execution
	if ex == nil || ex.StateMachineArn == "" || d.SFN == nil {
		return -1
	}
	mine, err := time.Parse(time.RFC3339Nano, ex.StartTime)
	if err != nil {
		return -1
	}
	mine = mine.Truncate(time.Millisecond)
	older := 0
	p := sfn.NewListExecutionsPaginator(d.SFN, &sfn.ListExecutionsInput{
		StateMachineArn: aws.String(ex.StateMachineArn), StatusFilter: sfntypes.ExecutionStatusRunning, MaxResults: 1000})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			d.logger(doc, "provision").Warn("cannot rank the request among those waiting", "error", awsErr("states:ListExecutions", err).Error())
			return -1
		}
		for _, e := range page.Executions {
			name := aws.ToString(e.Name)
			started := aws.ToTime(e.StartDate).Truncate(time.Millisecond)
			if name != ex.Name && (started.Before(mine) || started.Equal(mine) && name < ex.Name) {
				older++
			}
		}
	}
	return max(older-inFlight, 0)
}

// adopt finds an operation a previous try started (same request: a Lambda
// retry after a crash, or a redrive) and continues with it instead of starting
// a second one. It reports whether it adopted one. A product under the plan's
// name that is not provably this request's is a failure, never adopted (see
// ownProduct).
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
	ours := aws.ToString(pp.IdempotencyToken) == token(doc.Request.RequestID, plan.Operation, attemptKey)
	following := func(recordID string, wait int) (bool, error) {
		doc.Operation = &Operation{Kind: plan.Operation, RecordID: recordID, ProvisionedProductID: aws.ToString(pp.Id),
			StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), WaitSeconds: wait, Adopted: true, Attempt: attemptKey % 1000}
		return true, nil
	}
	if plan.Operation != OpProvision {
		// An update or termination of the account's product, which validate
		// found by the account's id: only this very call is followed.
		if ours && aws.ToString(pp.Id) == plan.ProvisionedProductID && pp.Status == sctypes.ProvisionedProductStatusUnderChange {
			return following(aws.ToString(pp.LastRecordId), 60)
		}
		return false, nil
	}
	if err := d.ownProduct(ctx, doc, pp, attemptKey); err != nil {
		return false, err
	}
	switch pp.Status {
	case sctypes.ProvisionedProductStatusError, sctypes.ProvisionedProductStatusTainted:
		if ours {
			break // this very call failed: follow its record, whose failure ProvisionStatus reports
		}
		// An earlier attempt of this request failed and left the product behind
		// (AFT needs a person to delete it): re-run it as an update, as Control
		// Tower documents for retrying a failed creation.
		if q, err := d.gate(ctx, doc, OpUpdate); err != nil || q != nil {
			_, err = d.queued(doc, q, err)
			return err == nil, err
		}
		rec, err := d.updateProduct(ctx, doc, aws.ToString(pp.Id), attemptKey, true)
		if err != nil {
			return false, err
		}
		doc.Operation = d.started(OpProvision, rec, attemptKey%1000, true)
		d.leaveQueue(doc)
		return true, nil
	case sctypes.ProvisionedProductStatusAvailable:
		if !ours {
			// A previous attempt finished: nothing to start, check its record.
			return following(aws.ToString(pp.LastSuccessfulProvisioningRecordId), 1)
		}
	}
	// This request's operation is under way (or this very call went through
	// before a crash): follow its record.
	return following(aws.ToString(pp.LastRecordId), 60)
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
