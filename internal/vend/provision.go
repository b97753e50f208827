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
	"github.com/aws/smithy-go"
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
	doc.Wake = nil
	plan := doc.Plan
	if plan == nil || plan.Operation == OpNone {
		return doc, nil
	}
	if plan.Operation == OpCreateAccount || plan.Operation == OpMoveAccount {
		return d.provisionByMove(ctx, doc)
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

	// A request arriving behind others waits its turn before anything else:
	// whatever a crashed try of this very call may have started is found
	// (adopted) when its turn comes.
	if d.Config.Provisioning != ProvisioningAccountFactory && doc.AccountID != "" {
		// Control Tower refuses Account Factory work on an OU while it moves
		// an account into it.
		if q, err := d.ouFree(ctx, doc); err != nil || q != nil {
			return d.queued(doc, q, err)
		}
	}
	if q, err := d.behindOthers(ctx, doc); err != nil || q != nil {
		return d.queued(doc, q, err)
	}
	// Adopt what a previous try of this request left behind. A request woken
	// from the waiting line that never started an operation has nothing to
	// adopt but what a crashed call of its own may have started, which
	// Service Catalog's idempotency token answers with the same record; a
	// product of its name made meanwhile by someone else is refused by
	// Service Catalog and then looked at (below).
	fromLine := doc.Queue != nil && doc.Operation == nil && doc.RedriveCount == 0
	if !fromLine {
		if adopted, err := d.adopt(ctx, doc, attemptKey); err != nil || adopted {
			return doc, err
		}
	}
	q, spare, err := d.admit(ctx, doc, plan.Operation)
	if err != nil || q != nil {
		return d.queued(doc, q, err)
	}
	var rec *sctypes.RecordDetail
	switch plan.Operation {
	case OpProvision:
		rec, err = d.provisionProduct(ctx, doc, attemptKey)
		if err != nil && fromLine && strings.Contains(err.Error(), "already exists") {
			if adopted, aerr := d.adopt(ctx, doc, attemptKey); aerr != nil || adopted {
				return doc, aerr
			}
		}
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
	if err := d.leaveQueue(ctx, doc); err != nil {
		return nil, err
	}
	d.handOff(ctx, doc, "provision", spare)
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

// leaveQueue takes the request out of the waiting line once its operation
// started, noting how long it waited for its slot.
func (d *Deps) leaveQueue(ctx context.Context, doc *Doc) error {
	if doc.Queue == nil {
		return nil
	}
	if err := d.leaveLine(ctx, doc); err != nil {
		return err
	}
	if since, err := time.Parse(time.RFC3339, doc.Queue.Since); err == nil && doc.Operation != nil {
		doc.Operation.QueuedSeconds = int(d.Clock.Now().Sub(since).Seconds())
	}
	doc.Queue = nil
	return nil
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
		StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), WaitSeconds: firstWait(kind), Poll: kind == OpTerminate,
		Attempt: attempt, Adopted: adopted}
}

// How the workflow waits for an operation. Control Tower's lifecycle event
// ends a create's, enrollment's or update's wait (WaitForControlTower, a
// callback); the wait's timeout is only the fallback for an event that never
// came: the first after about as long as the operation can take (a create or
// an enrollment up to 40 minutes, an update 20), then every 10 minutes.
// Control Tower emits no event for a termination, so an unmanage is polled
// (PollControlTower), first after two minutes.
const (
	firstFallback       = 40 * 60
	firstUpdateFallback = 20 * 60
	nextFallback        = 10 * 60
	firstPoll           = 120
	settlePoll          = 15
)

// firstWait is the first wait's length for an operation of that kind.
func firstWait(kind string) int {
	switch kind {
	case OpTerminate:
		return firstPoll
	case OpUpdate:
		return firstUpdateFallback
	}
	return firstFallback
}

// admit answers nil when the operation may start now, with how many more
// slots are free after it; otherwise the request's place in the waiting line
// and how long it waits for a wake before asking again by itself.
//
// First come, first served: a request with anyone before it in the line (see
// waits.go) waits behind them, and a free slot it sees goes to them (it wakes
// them); only the head of the line, or a request arriving to an empty line,
// asks Control Tower's count. A slot is free when fewer than the limit of
// account operations are in flight (and, for a termination, no other
// termination: unmanaging is one at a time).
func (d *Deps) admit(ctx context.Context, doc *Doc, op string) (*QueueStatus, int, error) {
	key := lineKey(doc)
	ahead, err := d.lineAhead(ctx, key)
	if err != nil {
		return nil, 0, err
	}
	limit := d.Config.ConcurrencyLimit
	q := d.queueStatus(doc, ahead)
	total, terminating, err := d.inFlight(ctx, op == OpTerminate, limit)
	if err != nil {
		return nil, 0, err
	}
	if d.Config.Provisioning != ProvisioningAccountFactory {
		// Accounts Control Tower enrolls after a move take their share of the
		// slots too. (This function has not read the landing zone: with auto
		// it counts them whatever the landing zone does.)
		enrolling, err := d.accountsEnrolling(ctx)
		if err != nil {
			return nil, 0, err
		}
		total += enrolling
	}
	q.InFlight = total
	free := limit - total
	switch {
	case free <= 0:
		q.Reason = fmt.Sprintf("%d of %d Control Tower account operations are in flight; waiting for a slot", total, limit)
	case op == OpTerminate && terminating > 0:
		q.Reason = "another account is being unmanaged; Control Tower unmanages one account at a time"
	case ahead > 0:
		// Slots are free but earlier requests wait: they were not woken (a
		// lost event, a crashed waker), or were just now and are on their way
		// (wakeLine counts those as having their slot). Hand them the slots
		// and keep the place.
		if _, err := d.wakeLine(ctx, free, key, true); err != nil {
			d.logger(doc, "provision").Warn("cannot wake the requests ahead", "error", err.Error())
		}
		q.Reason = fmt.Sprintf("%d earlier requests wait for a Control Tower slot; the free slots go to them first", ahead)
	default:
		return nil, free - 1, nil
	}
	q.WaitSeconds = slotFallback(ahead, limit, doc.Request.RequestID, q.Checks)
	return q, 0, nil
}

// behindOthers queues a request that arrives (it has not waited yet) while
// others wait in line: its turn comes after theirs, and whoever frees a slot
// wakes them first, so it need not count Control Tower's operations.
func (d *Deps) behindOthers(ctx context.Context, doc *Doc) (*QueueStatus, error) {
	if err := d.waitsReady(); err != nil {
		return nil, err
	}
	if doc.Queue != nil {
		return nil, nil
	}
	ahead, err := d.lineAhead(ctx, lineKey(doc))
	if err != nil || ahead == 0 {
		return nil, err
	}
	q := d.queueStatus(doc, ahead)
	q.Reason = fmt.Sprintf("%d earlier requests wait for a Control Tower slot", ahead)
	q.WaitSeconds = slotFallback(ahead, d.Config.ConcurrencyLimit, doc.Request.RequestID, q.Checks)
	return q, nil
}

// queueStatus is the request's place in line, keeping when it first waited.
func (d *Deps) queueStatus(doc *Doc, ahead int) *QueueStatus {
	q := &QueueStatus{Since: d.Clock.Now().UTC().Format(time.RFC3339), InFlight: -1, Ahead: ahead}
	if prev := doc.Queue; prev != nil {
		q.Since, q.Checks = prev.Since, prev.Checks
	}
	q.Checks++
	return q
}

// Pacing of the fallback of a request waiting for a slot. It is woken when a
// slot frees; should that wake be lost, it asks again by itself after about
// twice the time its turn is expected to take (the requests ahead of it,
// divided by the slots, times a typical operation), at least headOfLineWait
// and at most a week: so a waiting request that is woken in time never asks
// by itself, and one whose wake was lost asks a few times
// (logarithmic in its place) however long the line. Every start also counts
// Control Tower's slots afresh and hands on the free ones (handOff), so a lost
// wake delays the line only until the next operation starts or ends.
const (
	headOfLineWait   = 5 * time.Minute
	longestQueueWait = 7 * 24 * time.Hour
	typicalOperation = 20 * time.Minute // Control Tower documents up to 30 minutes for a new account
)

// slotFallback is how long a request with ahead requests before it waits for
// a wake before asking the gate again, for slots operations at a time. Up to
// a third more is added as jitter, derived from the request and the check so
// a run repeats exactly.
func slotFallback(ahead, slots int, requestID string, check int) int {
	w := time.Duration(ahead) * 2 * typicalOperation / time.Duration(max(slots, 1))
	w = min(max(w, headOfLineWait), longestQueueWait)
	h := fnv.New32a()
	fmt.Fprintf(h, "%s|%d", requestID, check)
	return int((w + w*time.Duration(h.Sum32()%1000)/3000) / time.Second)
}

// handOff wakes up to n requests waiting in line for the slots this step saw
// free. It is best effort: a wake that fails is made up by the waiter's own
// fallback.
func (d *Deps) handOff(ctx context.Context, doc *Doc, step string, n int) {
	if n <= 0 || d.waitsReady() != nil {
		return
	}
	woken, err := d.wakeLine(ctx, n, lineKey(doc), false)
	if err != nil {
		d.logger(doc, step).Warn("cannot wake the requests waiting for a slot", "error", err.Error())
		return
	}
	if woken > 0 {
		d.logger(doc, step).Info("woke requests waiting for a slot", "woken", woken)
	}
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
		q, spare, err := d.admit(ctx, doc, OpUpdate)
		if err != nil || q != nil {
			_, err = d.queued(doc, q, err)
			return err == nil, err
		}
		rec, err := d.updateProduct(ctx, doc, aws.ToString(pp.Id), attemptKey, true)
		if err != nil {
			return false, err
		}
		doc.Operation = d.started(OpProvision, rec, attemptKey%1000, true)
		if err := d.leaveQueue(ctx, doc); err != nil {
			return false, err
		}
		d.handOff(ctx, doc, "provision", spare)
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

// catalogErr explains Service Catalog errors the requester can act on. A
// product still changing (an operation started by hand, or by a request that
// took no turn) is waited for like a busy Control Tower: the Provision state
// retries ErrControlTowerBusy, so the request never fails for it.
func (d *Deps) catalogErr(op string, err error) error {
	if productChanging(err) {
		return &StepError{Name: ErrControlTowerBusy, Err: err,
			Reason: op + ": the account's provisioned product is still changing under another operation; towervend starts this one when that one ends"}
	}
	var nf *sctypes.ResourceNotFoundException
	if errors.As(err, &nf) && strings.Contains(err.Error(), "No launch paths") {
		return &StepError{Name: ErrFailed, Err: err, Reason: fmt.Sprintf("%s: %s. Fix: associate towervend's provisioning role with the Account Factory portfolio (stack setting portfolioId), then redrive", op, nf.ErrorMessage())}
	}
	return awsErr(op, err)
}

// productChanging reports Service Catalog refusing an operation on a
// provisioned product whose current operation has not finished (status
// UNDER_CHANGE or PLAN_IN_PROGRESS, an InvalidParametersException).
func productChanging(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidParametersException" {
		return false
	}
	msg := api.ErrorMessage()
	return strings.Contains(msg, "UNDER_CHANGE") || strings.Contains(msg, "PLAN_IN_PROGRESS")
}
