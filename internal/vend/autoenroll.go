package vend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Auto-enrollment (backend.go): an account is created with Organizations
// CreateAccount in the root and enrolled by moving it into a registered OU;
// Control Tower then applies its baseline to the account. The operation goes
// through the same gate as Account Factory's (one of Control Tower's account
// operations per enrollment: the move in takes the slot, not the
// CreateAccount before it, which Organizations limits to 5 at once), plus
// Control Tower's own rule of one move-account operation at a time per
// destination OU, and one account created ahead per OU (waitToCreate). A request
// whose OU is busy waits in that OU's own line (waitForOU), not in the line
// for a slot, where it would hold up requests for other OUs behind it; the
// request whose move ends wakes the OU's next waiter.

// executionRoleName is the role CreateAccount makes in the new account: the
// one Control Tower enrolls through.
const executionRoleName = "AWSControlTowerExecution"

// How often an auto-enrollment operation is checked: Organizations creates an
// account in a few minutes, Control Tower enrolls one in about half an hour.
const (
	createPoll = 60
	enrollPoll = 300
)

// provisionByMove is Provision for the auto-enrollment operations.
func (d *Deps) provisionByMove(ctx context.Context, doc *Doc) (*Doc, error) {
	log := d.logger(doc, "provision")
	plan, op := doc.Plan, doc.Operation
	if op != nil && op.Kind == plan.Operation && !op.Done {
		switch {
		case op.Phase == PhaseEnroll:
			// Asked again while the account's enrollment runs or after it
			// failed (ProvisionStatus' retry of a refusal, a redrive).
			failed, err := d.enrollmentFailed(ctx, doc.AccountID)
			if err != nil || !failed {
				op.Restart = false
				return doc, err
			}
			if plan.ByReset {
				return d.provisionByReset(ctx, doc) // its OU's baseline is reset again
			}
			return d.moveOut(ctx, doc)
		case op.Phase == PhaseOut || !op.Restart:
			op.Restart = false
			return doc, nil // started: ProvisionStatus follows it
		}
	}
	moving := movePhase(doc)
	spare := 0
	if moving && plan.ByReset && !plan.Unmanage {
		return d.provisionByReset(ctx, doc)
	}
	if moving {
		if q, err := d.waitForOU(ctx, doc, plan.MoveTo); err != nil || q != nil {
			return d.queued(doc, q, err)
		}
		if q, err := d.behindOthers(ctx, doc); err != nil || q != nil {
			return d.queued(doc, q, err)
		}
		q, free, err := d.admit(ctx, doc, OpMoveAccount)
		if err != nil || q != nil {
			return d.queued(doc, q, err)
		}
		spare = free
		if op, err = d.startMove(ctx, doc, op); err != nil {
			return nil, err
		}
	} else {
		// A create takes no Control Tower slot (CreateAccount is
		// Organizations' work): its move in will. It waits only for its
		// OU's line and Organizations' own limit.
		if q, err := d.waitToCreate(ctx, doc); err != nil || q != nil {
			return d.queued(doc, q, err)
		}
		if err := d.createsFree(ctx); err != nil {
			return nil, err
		}
		var err error
		if op, err = d.startCreate(ctx, doc); err != nil {
			return nil, err
		}
	}
	doc.Operation = op
	if err := d.leaveQueue(ctx, doc); err != nil {
		return nil, err
	}
	d.handOff(ctx, doc, "provision", spare)
	if moving {
		// The OU's next account may be created now, to move in after this one.
		if _, err := d.wakeOU(ctx, plan.MoveTo, "", wantsCreate); err != nil {
			log.Warn("cannot wake the next request for the OU", "ou", plan.MoveTo, "error", err.Error())
		}
	}
	log.Info("auto-enrollment operation started", "operation", op.Kind, "phase", op.Phase, "accountId", doc.AccountID, "queuedSeconds", op.QueuedSeconds)
	return doc, nil
}

// startCreate calls CreateAccount, or finds the CreateAccount this request
// made before (a repeat after a crash, a redrive): the request id is kept in
// the document, and a request that crashed before keeping it is found by
// ListCreateAccountStatus (same account name, asked for since the execution
// started). Organizations takes no idempotency token, so this is what keeps a
// repeat from making a second account.
func (d *Deps) startCreate(ctx context.Context, doc *Doc) (*Operation, error) {
	plan := doc.Plan
	now := d.Clock.Now().UTC().Format(time.RFC3339)
	op := &Operation{Kind: OpCreateAccount, Phase: PhaseCreate, StartedAt: now, Poll: true, WaitSeconds: createPoll}
	if prev := doc.Operation; prev != nil && prev.CreateRequestID != "" {
		op.CreateRequestID = prev.CreateRequestID
		op.Adopted = true
		return op, nil
	}
	// The create holds its OU's line (waitToCreate) until its account moves in.
	if err := d.putWaiter(ctx, ouPartition(plan.MoveTo), lineKey(doc), "", map[string]ddbtypes.AttributeValue{
		ouHoldUntil: num(d.Clock.Now().Add(createHold).Unix()), "requestId": str(doc.Request.RequestID)}); err != nil {
		return nil, err
	}
	if id, err := d.earlierCreate(ctx, doc); err != nil || id != "" {
		op.CreateRequestID, op.Adopted = id, true
		return op, err
	}
	// No Tags here: tagging at create needs organizations:TagResource on
	// any resource (the account does not exist yet); the Tag step tags the
	// account once it is in its OU, as for Account Factory's accounts.
	in := &organizations.CreateAccountInput{AccountName: aws.String(plan.AccountName), Email: aws.String(plan.AccountEmail),
		RoleName: aws.String(executionRoleName), IamUserAccessToBilling: orgtypes.IAMUserAccessToBillingAllow}
	// Organizations announces the new account (CreateAccountResult) while it
	// is still this request's: the lifecycle function finds this entry
	// (awaitedCreate) and starts no enrollment of its own.
	if err := d.putWaiter(ctx, createKey(plan), doc.Request.RequestID, "", nil); err != nil {
		return nil, err
	}
	out, err := d.Org.CreateAccount(ctx, in)
	var cv *orgtypes.ConstraintViolationException
	if errors.As(err, &cv) && cv.Reason == orgtypes.ConstraintViolationExceptionReasonAccountCreationRateLimitExceeded {
		// Someone else's creates filled Organizations' share meanwhile, or
		// the day's: tried again shortly (the Provision state's Retry).
		return nil, &StepError{Name: ErrControlTowerBusy, Err: err,
			Reason: "organizations:CreateAccount: Organizations refused to create another account now (" + aws.ToString(cv.Message) + "); towervend tries again"}
	}
	if err != nil {
		return nil, awsErr("organizations:CreateAccount", err)
	}
	op.CreateRequestID = aws.ToString(out.CreateAccountStatus.Id)
	return op, nil
}

// createKey is where a create's entry for the lifecycle function is kept
// (the partition operationKeys names for a create).
func createKey(plan *Plan) string { return "op#name#" + plan.AccountName }

// createEnded drops a create's entry (or a retried enrollment's: moveOut)
// once the account is enrolled or the create failed.
func (d *Deps) createEnded(ctx context.Context, doc *Doc) {
	if doc.Plan.Operation != OpCreateAccount && (doc.Operation == nil || doc.Operation.Retries == 0) {
		return
	}
	if err := d.dropWaiter(ctx, createKey(doc.Plan), doc.Request.RequestID, ""); err != nil {
		d.logger(doc, "provisionstatus").Warn("cannot drop the create's entry; it expires", "error", err.Error())
	}
	if err := d.dropWaiter(ctx, ouPartition(doc.Plan.MoveTo), lineKey(doc), ""); err != nil {
		d.logger(doc, "provisionstatus").Warn("cannot drop the create's place in its OU's line; it expires", "error", err.Error())
	}
}

// earlierCreate finds the CreateAccount request an earlier try of this
// request made, or "". Every try keeps the create's entry (createKey) before
// it calls CreateAccount: without this request's entry no try has called it,
// and Organizations' list of requests need not be read.
func (d *Deps) earlierCreate(ctx context.Context, doc *Doc) (string, error) {
	items, err := d.query(ctx, createKey(doc.Plan), 0)
	if err != nil {
		return "", err
	}
	for _, it := range items {
		if attrString(it, waitSort) == doc.Request.RequestID {
			return d.ownCreate(ctx, doc)
		}
	}
	return "", nil
}

// ownCreate finds a CreateAccount request this request made: in progress or
// succeeded, for the plan's account name, asked for since the execution began.
func (d *Deps) ownCreate(ctx context.Context, doc *Doc) (string, error) {
	var since time.Time
	if doc.Execution != nil {
		since, _ = time.Parse(time.RFC3339Nano, doc.Execution.StartTime)
	}
	p := organizations.NewListCreateAccountStatusPaginator(d.Org, &organizations.ListCreateAccountStatusInput{
		States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateInProgress, orgtypes.CreateAccountStateSucceeded}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", awsErr("organizations:ListCreateAccountStatus", err)
		}
		for _, st := range page.CreateAccountStatuses {
			if aws.ToString(st.AccountName) == doc.Plan.AccountName && !aws.ToTime(st.RequestedTimestamp).Before(since) {
				return aws.ToString(st.Id), nil
			}
		}
	}
	return "", nil
}

// startMove moves the account: out of the root into its OU after a create,
// into the OU to enroll it, between OUs, or to the root to unmanage it.
// MoveAccount needs the source parent, read afresh (a repeat finds the
// account moved already and goes on).
func (d *Deps) startMove(ctx context.Context, doc *Doc, prev *Operation) (*Operation, error) {
	plan := doc.Plan
	op := &Operation{Kind: plan.Operation, Phase: PhaseEnroll, StartedAt: d.Clock.Now().UTC().Format(time.RFC3339), Poll: true, WaitSeconds: enrollPoll}
	if prev != nil {
		op.CreateRequestID, op.QueuedSeconds, op.Retries = prev.CreateRequestID, prev.QueuedSeconds, prev.Retries
	}
	if _, _, err := d.moveAccount(ctx, doc.AccountID, plan.MoveTo); err != nil {
		return nil, err
	}
	if plan.Unmanage {
		op.WaitSeconds = settlePoll * 4
	}
	return op, nil
}

// moveStatus is ProvisionStatus for the auto-enrollment operations.
func (d *Deps) moveStatus(ctx context.Context, doc *Doc) (*Doc, error) {
	op := doc.Operation
	op.Polls++
	op.Restart = false
	if op.Phase == PhaseCreate {
		return d.createStatus(ctx, doc)
	}
	if doc.Plan.Unmanage || op.Phase == PhaseOut {
		return d.unenrollStatus(ctx, doc)
	}
	b, err := d.accountBaseline(ctx, doc.AccountID)
	if err != nil {
		return nil, err
	}
	status := ""
	if b != nil && b.StatusSummary != nil {
		status = string(b.StatusSummary.Status)
	}
	switch status {
	case string(cttypes.EnablementStatusSucceeded):
		op.Done, op.Status, op.Poll, op.NoticedBy = true, "SUCCEEDED", false, "poll"
		d.createEnded(ctx, doc)
		d.moveEnded(ctx, doc)
		d.handOff(ctx, doc, "provisionstatus", 1)
		return doc, nil
	case string(cttypes.EnablementStatusFailed):
		d.moveEnded(ctx, doc)
		d.handOff(ctx, doc, "provisionstatus", 1)
		reason, refused := d.baselineFailure(ctx, b)
		if refused && op.Retries < enrollRetries {
			// Refused before any work (at its quota, busy, the OU busy):
			// moved out and back in through the gate.
			op.Restart = true
			doc.Notes = append(doc.Notes, fmt.Sprintf("Control Tower refused to enroll account %s (%s); towervend moves it out of the OU and back in",
				doc.AccountID, strings.TrimSuffix(reason, ".")))
			return doc, nil
		}
		op.Status = "FAILED"
		d.createEnded(ctx, doc)
		return nil, &StepError{Name: ErrProvisioningFailed, Reason: fmt.Sprintf("Control Tower could not enroll account %s in %s: %s%s. "+
			"A redrive moves the account out of the OU and back in, which enrolls it again",
			doc.AccountID, ouName(doc.Plan), strings.TrimSuffix(reason, "."), remedy(reason))}
	}
	what, budget := "the enrollment of account "+doc.AccountID, d.Config.WaitBudget
	if doc.Plan.ByReset {
		what, budget = "the reset of OU "+ouName(doc.Plan)+"'s baseline, enrolling account "+doc.AccountID, resetBudget
	}
	if err := d.pastBudget(op, what, budget); err != nil {
		return nil, err
	}
	op.WaitSeconds = enrollPoll
	if doc.Plan.ByReset {
		// A large OU's reset takes hours: look less often as it goes on.
		op.WaitSeconds = min(enrollPoll<<min(op.Polls/3, 2), resetPollMax)
	}
	return doc, nil
}

// createStatus follows CreateAccount; once it succeeded the workflow goes
// back to Provision to move the account into its OU.
func (d *Deps) createStatus(ctx context.Context, doc *Doc) (*Doc, error) {
	op := doc.Operation
	out, err := d.Org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(op.CreateRequestID)})
	if err != nil {
		return nil, awsErr("organizations:DescribeCreateAccountStatus", err)
	}
	st := out.CreateAccountStatus
	switch st.State {
	case orgtypes.CreateAccountStateSucceeded:
		doc.AccountID = aws.ToString(st.AccountId)
		op.Phase, op.Restart = PhaseMove, true
		return doc, nil
	case orgtypes.CreateAccountStateFailed:
		d.createEnded(ctx, doc)
		// Its place in the OU's line is free: the OU's next create may go.
		if _, err := d.wakeOU(ctx, doc.Plan.MoveTo, "", wantsCreate); err != nil {
			d.logger(doc, "provisionstatus").Warn("cannot wake the next request for the OU", "error", err.Error())
		}
		return nil, &StepError{Name: ErrProvisioningFailed, Reason: createFailure(st.FailureReason, doc.Plan)}
	}
	if err := d.pastBudget(op, "Organizations' CreateAccount request "+op.CreateRequestID, d.Config.WaitBudget); err != nil {
		return nil, err
	}
	op.WaitSeconds = createPoll
	return doc, nil
}

// unenrollStatus follows a move to the root: done once the account has no
// enabled baseline left.
func (d *Deps) unenrollStatus(ctx context.Context, doc *Doc) (*Doc, error) {
	op := doc.Operation
	b, err := d.accountBaseline(ctx, doc.AccountID)
	if err != nil {
		return nil, err
	}
	if b == nil && op.Phase == PhaseOut {
		if at, err := time.Parse(time.RFC3339, op.RetryAt); err == nil && d.Clock.Now().Before(at) {
			op.WaitSeconds = max(int(at.Sub(d.Clock.Now()).Seconds()), 1)
			return doc, nil
		}
		op.Phase, op.Restart = PhaseMove, true // out: back in, through the gate
		return doc, nil
	}
	if b == nil {
		op.Done, op.Status, op.Poll, op.NoticedBy = true, "SUCCEEDED", false, "poll"
		d.handOff(ctx, doc, "provisionstatus", 1)
		return doc, nil
	}
	if err := d.pastBudget(op, "the unenrollment of account "+doc.AccountID, d.Config.WaitBudget); err != nil {
		return nil, err
	}
	op.WaitSeconds = min(60<<min(op.Polls, 5), maxPollWait)
	return doc, nil
}

// pastBudget fails an operation towervend has waited for longer than budget.
func (d *Deps) pastBudget(op *Operation, what string, budget time.Duration) error {
	started, err := time.Parse(time.RFC3339, op.StartedAt)
	if err != nil {
		return nil
	}
	if waited := d.Clock.Now().Sub(started); waited > budget {
		return &StepError{Name: ErrTimeout, Reason: fmt.Sprintf("%s has not finished after %s; towervend stopped waiting but it may still finish. "+
			"Check it in the Control Tower console (Organization), then redrive this request: towervend picks up the result", what, waited.Round(time.Minute))}
	}
	return nil
}

// accountBaseline is the account's enabled baseline (Control Tower's record
// of enrolling it), or nil when it has none. The filter takes the account's ARN.
func (d *Deps) accountBaseline(ctx context.Context, accountID string) (*cttypes.EnabledBaselineSummary, error) {
	a, err := d.describeAccount(ctx, accountID)
	if err != nil || a == nil {
		return nil, err
	}
	out, err := d.ControlTower.ListEnabledBaselines(ctx, &controltower.ListEnabledBaselinesInput{IncludeChildren: true,
		Filter: &cttypes.EnabledBaselineFilter{TargetIdentifiers: []string{aws.ToString(a.Arn)}}})
	if err != nil {
		return nil, awsErr("controltower:ListEnabledBaselines", err)
	}
	for i := range out.EnabledBaselines {
		if aws.ToString(out.EnabledBaselines[i].TargetIdentifier) == aws.ToString(a.Arn) {
			return &out.EnabledBaselines[i], nil
		}
	}
	return nil, nil
}

// enrollRetries is how many enrollments Control Tower refused are tried
// again before the request fails (a redrive tries again): the waits before
// the moves back in (retryDelay) add up to about five hours, what the
// Provision state's retries give Account Factory's busy refusals.
const enrollRetries = 8

// retryDelay is how long an account moved out after its n-th refused
// enrollment stays out before it is moved back in: 2, 4, 8 … minutes, at
// most an hour.
func retryDelay(n int) time.Duration { return min(time.Minute<<min(n, 6), time.Hour) }

// refusedWithin is how soon after it started a failed baseline operation
// counts as refused (no work done: Control Tower at its quota or busy)
// rather than failed part-way.
const refusedWithin = 2 * time.Minute

// baselineFailure is Control Tower's reason for a failed baseline (its last
// operation's status message), and whether the operation was refused rather
// than failed part-way.
func (d *Deps) baselineFailure(ctx context.Context, b *cttypes.EnabledBaselineSummary) (string, bool) {
	id := ""
	if b.StatusSummary != nil {
		id = aws.ToString(b.StatusSummary.LastOperationIdentifier)
	}
	if id == "" {
		return "Control Tower gave no reason", false
	}
	out, err := d.ControlTower.GetBaselineOperation(ctx, &controltower.GetBaselineOperationInput{OperationIdentifier: aws.String(id)})
	if err != nil || out.BaselineOperation == nil || aws.ToString(out.BaselineOperation.StatusMessage) == "" {
		return "Control Tower gave no reason (baseline operation " + id + ")", false
	}
	bo := out.BaselineOperation
	refused := bo.StartTime != nil && bo.EndTime != nil && bo.EndTime.Sub(*bo.StartTime) < refusedWithin
	return aws.ToString(bo.StatusMessage), refused
}

// enrollmentFailed reports whether the account's enrolment ended FAILED.
func (d *Deps) enrollmentFailed(ctx context.Context, accountID string) (bool, error) {
	b, err := d.accountBaseline(ctx, accountID)
	if err != nil || b == nil || b.StatusSummary == nil {
		return false, err
	}
	return b.StatusSummary.Status == cttypes.EnablementStatusFailed, nil
}

// moveOut starts the retry of a failed enrollment: Control Tower enrolls an
// account again when it is moved out of the OU (which unenrolls it) and back
// in (Control Tower guide: failed enrollments are retried from the root).
// The move out takes no slot; the move back in goes through the gate.
func (d *Deps) moveOut(ctx context.Context, doc *Doc) (*Doc, error) {
	op := doc.Operation
	root, err := d.rootID(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := d.moveAccount(ctx, doc.AccountID, root); err != nil {
		return nil, err
	}
	// While it is out, the account is still this request's: the hourly
	// sweep and the lifecycle function leave it alone (awaitedCreate).
	if err := d.putWaiter(ctx, createKey(doc.Plan), doc.Request.RequestID, "", nil); err != nil {
		return nil, err
	}
	now := d.Clock.Now().UTC()
	op.Phase, op.Restart, op.Poll, op.Status, op.Polls = PhaseOut, false, true, "", 0
	op.Retries++
	op.StartedAt, op.RetryAt = now.Format(time.RFC3339), now.Add(retryDelay(op.Retries)).Format(time.RFC3339)
	op.WaitSeconds = settlePoll * 4
	d.logger(doc, "provision").Info("enrollment failed: account moved out of the OU, to be moved back in", "accountId", doc.AccountID, "retries", op.Retries)
	return doc, nil
}

// ouEnrolling says which account Control Tower is moving into the OU now, as
// the reason to wait ("" when none): one move-account operation at a time per
// destination OU. Moves to the root are not limited.
func (d *Deps) ouEnrolling(ctx context.Context, ouID, accountID string) (string, error) {
	if ouID == "" || strings.HasPrefix(ouID, "r-") {
		return "", nil
	}
	if ouID == resetLine {
		return d.anyEnrolling(ctx, accountID)
	}
	changing, err := d.baselinesUnderChange(ctx)
	if err != nil {
		return "", err
	}
	for _, b := range changing {
		other := accountOfArn(aws.ToString(b.TargetIdentifier))
		if other == "" || other == accountID {
			continue
		}
		parent, err := d.accountParent(ctx, other)
		if err != nil {
			return "", err
		}
		if parent == ouID {
			return fmt.Sprintf("Control Tower is enrolling account %s in OU %s and moves one account at a time per OU; towervend moves account %s when it is done",
				other, ouID, accountID), nil
		}
	}
	return "", nil
}

// baselinesUnderChange are the enabled baselines, OUs' and accounts', that
// Control Tower is applying now.
func (d *Deps) baselinesUnderChange(ctx context.Context) ([]cttypes.EnabledBaselineSummary, error) {
	var out []cttypes.EnabledBaselineSummary
	p := controltower.NewListEnabledBaselinesPaginator(d.ControlTower, &controltower.ListEnabledBaselinesInput{IncludeChildren: true,
		Filter: &cttypes.EnabledBaselineFilter{Statuses: []cttypes.EnablementStatus{cttypes.EnablementStatusUnderChange}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsErr("controltower:ListEnabledBaselines", err)
		}
		out = append(out, page.EnabledBaselines...)
	}
	return out, nil
}

// ouFree makes an Account Factory operation on an account wait while Control
// Tower moves another account into its OU or its target OU: Control Tower
// refuses Account Factory work there meanwhile.
func (d *Deps) ouFree(ctx context.Context, doc *Doc) (*QueueStatus, error) {
	parent, err := d.accountParent(ctx, doc.AccountID)
	if err != nil {
		return nil, err
	}
	ous := []string{parent}
	if doc.Plan.OU != nil && doc.Plan.OU.ID != parent {
		ous = append(ous, doc.Plan.OU.ID)
	}
	return d.waitForOU(ctx, doc, ous...)
}

// Pacing of a request waiting for an OU: it is woken when the move before it
// ends; should that wake never come (the move was made outside towervend, a
// waker crashed) it looks again by itself after about the time the moves
// ahead of it take (ouWaitPerMove each, more than a typical enrollment), at
// most ouWaitMax.
const (
	ouWaitPerMove = 40 * 60
	ouWaitMax     = 6 * 60 * 60
)

func ouWaitFallback(ahead int) int { return min((ahead+1)*ouWaitPerMove, ouWaitMax) }

func ouPartition(ou string) string { return "ou#" + ou }

// waitForOU returns the request's place in the line of the first of the OUs
// Control Tower is moving another account into, or where earlier requests
// wait to move theirs; nil when the request may go on (it leaves the OU line
// it waited in). Moves to the root are not limited.
func (d *Deps) waitForOU(ctx context.Context, doc *Doc, ous ...string) (*QueueStatus, error) {
	key := lineKey(doc)
	for _, ou := range ous {
		if ou == "" || strings.HasPrefix(ou, "r-") {
			continue
		}
		busy, err := d.ouEnrolling(ctx, ou, doc.AccountID)
		if err != nil {
			return nil, err
		}
		ahead, err := d.aheadIn(ctx, ouPartition(ou), key)
		if err != nil {
			return nil, err
		}
		if busy == "" && ahead > 0 {
			// Free: earlier waiters go first. One is woken (dead entries are
			// dropped); with none left the way is this request's.
			woken, err := d.wakeOU(ctx, ou, key, "")
			if err != nil {
				return nil, err
			}
			if woken {
				busy = fmt.Sprintf("OU %s is free and an earlier request moves its account into it first; towervend moves account %s after it", ou, doc.AccountID)
			}
		}
		if busy == "" {
			continue
		}
		if doc.Queue != nil && doc.Queue.OU == "" {
			if err := d.leaveLine(ctx, doc); err != nil { // it waited for a slot before
				return nil, err
			}
		}
		q := d.queueStatus(doc, ahead)
		q.OU, q.Reason, q.WaitSeconds = ou, busy, ouWaitFallback(ahead)
		return q, nil
	}
	for _, ou := range ous {
		// Its place in the line (a wait, or its create's hold) is spent.
		if ou != "" && !strings.HasPrefix(ou, "r-") {
			if err := d.dropWaiter(ctx, ouPartition(ou), key, ""); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

// Creates ahead of the moves. A create holds a place in its OU's line from
// CreateAccount until its account moves in (or the create fails); a create
// starts only when no earlier request holds or waits in that line. So an OU
// has at most one account created ahead while Control Tower enrolls another,
// instead of a burst for one OU creating all its accounts at once and
// leaving them in the root for hours.
const (
	// createHold is how long a create's place counts: longer than any
	// CreateAccount, short enough that a crashed execution's place lapses.
	createHold  = time.Hour
	ouHoldUntil = "holdUntil"
	// ouWants is what a waiter in an OU's line waits to do: wantsCreate or
	// wantsMove.
	ouWants     = "wants"
	wantsCreate = "create"
	wantsMove   = "move"
)

// movePhase reports whether the request's next auto-enrollment step is a
// move (an enrollment, an OU change, or a created account's move in).
func movePhase(doc *Doc) bool {
	return doc.Plan.Operation == OpMoveAccount || doc.Operation != nil && doc.Operation.Phase == PhaseMove
}

// waitToCreate returns the create's place in its OU's line while earlier
// requests hold or wait in it, or nil when it may create.
func (d *Deps) waitToCreate(ctx context.Context, doc *Doc) (*QueueStatus, error) {
	ou, key := doc.Plan.MoveTo, lineKey(doc)
	if ou == "" || strings.HasPrefix(ou, "r-") {
		return nil, nil
	}
	ahead, err := d.aheadIn(ctx, ouPartition(ou), key)
	if err != nil || ahead == 0 {
		return nil, err
	}
	if w := doc.Wake; w != nil && w.Error != "" {
		// Its wait ran out without a wake: those ahead may be gone. The
		// longest waiter ahead is woken, dropping any that cannot be.
		if _, err := d.wakeOU(ctx, ou, key, ""); err != nil {
			return nil, err
		}
		if ahead, err = d.aheadIn(ctx, ouPartition(ou), key); err != nil || ahead == 0 {
			return nil, err
		}
	}
	if doc.Queue != nil && doc.Queue.OU == "" {
		if err := d.leaveLine(ctx, doc); err != nil {
			return nil, err
		}
	}
	q := d.queueStatus(doc, ahead)
	q.OU, q.WaitSeconds = ou, ouWaitFallback(ahead)
	q.Reason = fmt.Sprintf("%d earlier requests are creating accounts for OU %s or waiting to move them in (Control Tower enrolls one account "+
		"at a time per OU); towervend creates this account when the one before it moves in", ahead, ou)
	return q, nil
}

// wakeOU wakes the longest waiter of the OU's line (before key, when key is
// set) and takes it out of the line: it asks again on its way, and waits
// again should the OU be busy by then. With want set, it wakes the longest
// waiter only if that one waits to do want. Creates' places are passed over
// (dropped once lapsed); entries that cannot be woken are dropped. It
// reports whether it woke one.
func (d *Deps) wakeOU(ctx context.Context, ou, key, want string) (bool, error) {
	if d.waitsReady() != nil || ou == "" || strings.HasPrefix(ou, "r-") {
		return false, nil
	}
	pk := ouPartition(ou)
	items, err := d.query(ctx, pk, 0)
	if err != nil {
		return false, err
	}
	now := d.Clock.Now().Unix()
	for _, it := range items {
		sk, tok := attrString(it, waitSort), attrString(it, waitToken)
		if key != "" && sk >= key {
			return false, nil
		}
		if tok == "" { // a create's place
			if attrInt(it, ouHoldUntil) < now {
				if err := d.dropWaiter(ctx, pk, sk, ""); err != nil {
					return false, err
				}
			}
			continue
		}
		if want != "" && attrString(it, ouWants) != want {
			return false, nil
		}
		ok, err := d.wakeTask(ctx, tok, Wake{Source: "ou"})
		if err != nil {
			return false, err
		}
		if err := d.dropWaiter(ctx, pk, sk, tok); err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// moveEnded wakes the next request waiting to move an account into the OU
// this request's move went to.
func (d *Deps) moveEnded(ctx context.Context, doc *Doc) {
	ou := doc.Plan.MoveTo
	if doc.Plan.ByReset {
		ou = resetLine // the next reset may start
	}
	if _, err := d.wakeOU(ctx, ou, "", ""); err != nil {
		d.logger(doc, "provisionstatus").Warn("cannot wake the requests waiting for the OU", "ou", ou, "error", err.Error())
	}
}

// concurrentCreates is how many accounts Organizations creates at once
// (Organizations quotas: member accounts you can create concurrently).
const concurrentCreates = 5

// createsFree refuses as busy (the Provision state retries it within
// minutes) a create while Organizations creates as many accounts as it
// does at once. With one create at a time per OU (waitToCreate) that takes
// creates for more than five OUs at the same moment.
func (d *Deps) createsFree(ctx context.Context) error {
	out, err := d.Org.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{
		States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateInProgress}})
	if err != nil {
		return awsErr("organizations:ListCreateAccountStatus", err)
	}
	if n := len(out.CreateAccountStatuses); n >= concurrentCreates {
		return &StepError{Name: ErrControlTowerBusy, Reason: fmt.Sprintf("Organizations is creating %d accounts, as many as it creates at once; towervend creates this one when one has finished", n)}
	}
	return nil
}

// accountsEnrolling counts, for the gate, the accounts Control Tower is
// enrolling: their baseline under change.
func (d *Deps) accountsEnrolling(ctx context.Context) (int, error) {
	changing, err := d.baselinesUnderChange(ctx)
	n := 0
	for _, b := range changing {
		if accountOfArn(aws.ToString(b.TargetIdentifier)) != "" {
			n++
		}
	}
	return n, err
}

// accountOfArn is the account id of an Organizations account ARN
// (arn:aws:organizations::MGMT:account/o-xxx/ACCOUNT), "" for another target.
func accountOfArn(arn string) string {
	i := strings.Index(arn, ":account/")
	if i < 0 {
		return ""
	}
	rest := arn[i+len(":account/"):]
	if j := strings.LastIndexByte(rest, '/'); j >= 0 {
		return rest[j+1:]
	}
	return ""
}

func ouName(p *Plan) string {
	if p.OU != nil {
		return p.OU.Path
	}
	return p.MoveTo
}

// createFailure explains CreateAccount's failure reasons (the Organizations
// API reference's CreateAccountStatus.FailureReason).
func createFailure(reason orgtypes.CreateAccountFailureReason, plan *Plan) string {
	why, fix := string(reason), "fix the cause, then redrive: towervend creates the account again"
	switch reason {
	case orgtypes.CreateAccountFailureReasonEmailAlreadyExists:
		why = fmt.Sprintf("another AWS account already uses the email %s", plan.AccountEmail)
		fix = "send a new request with another email (this one cannot be redriven with it)"
	case orgtypes.CreateAccountFailureReasonAccountLimitExceeded:
		why = "the organization has as many accounts as its quota allows"
		fix = "ask AWS Support to raise the organization's account quota (Service Quotas, AWS Organizations), then redrive"
	case orgtypes.CreateAccountFailureReasonConcurrentAccountModification:
		why = "Organizations was changing accounts concurrently"
		fix = "redrive: the next try usually succeeds"
	case orgtypes.CreateAccountFailureReasonInvalidEmail:
		why = fmt.Sprintf("Organizations refused the email %s as invalid", plan.AccountEmail)
		fix = "send a new request with a valid email"
	case orgtypes.CreateAccountFailureReasonInvalidAddress, orgtypes.CreateAccountFailureReasonInvalidIdentityForBusinessValidation,
		orgtypes.CreateAccountFailureReasonMissingBusinessValidation, orgtypes.CreateAccountFailureReasonMissingPaymentInstrument:
		why = "the management account's billing details are incomplete (" + string(reason) + ")"
		fix = "complete the management account's contact, tax and payment details in the Billing console, then redrive"
	}
	return fmt.Sprintf("Organizations could not create account %s: %s. Fix: %s", plan.AccountName, why, fix)
}

// rootID is the organization's root.
func (d *Deps) rootID(ctx context.Context) (string, error) {
	out, err := d.Org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return "", awsErr("organizations:ListRoots", err)
	}
	if len(out.Roots) == 0 {
		return "", stepErr(ErrFailed, "organizations:ListRoots returned no root; is this the management account?")
	}
	return aws.ToString(out.Roots[0].Id), nil
}
