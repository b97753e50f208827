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
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Auto-enrollment (backend.go): an account is created with Organizations
// CreateAccount in the root and enrolled by moving it into a registered OU;
// Control Tower then applies its baseline to the account. The operation goes
// through the same gate as Account Factory's (one of Control Tower's account
// operations per enrollment; CreateAccount calls in flight count too, as
// Organizations creates at most 5 accounts at once), plus Control Tower's own
// rule of one move-account operation at a time per destination OU. A request
// whose OU is busy does not wait in the slot line (it would hold up requests
// for other OUs behind it): it is refused as busy and tried again
// (TowerVend.ControlTowerBusy, the Provision state's Retry).

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
	if op != nil && op.Kind == plan.Operation && !op.Restart && !op.Done {
		return doc, nil // started: ProvisionStatus follows it
	}
	moving := plan.Operation == OpMoveAccount || op != nil && op.Phase == PhaseMove
	if moving {
		if busy, err := d.ouEnrolling(ctx, plan.MoveTo, doc.AccountID); err != nil || busy != "" {
			if err != nil {
				return nil, err
			}
			if err := d.leaveQueue(ctx, doc); err != nil {
				return nil, err
			}
			return nil, &StepError{Name: ErrControlTowerBusy, Reason: busy}
		}
	}
	if q, err := d.behindOthers(ctx, doc); err != nil || q != nil {
		return d.queued(doc, q, err)
	}
	q, spare, err := d.admit(ctx, doc, plan.Operation)
	if err != nil || q != nil {
		return d.queued(doc, q, err)
	}
	if moving {
		op, err = d.startMove(ctx, doc, op)
	} else {
		op, err = d.startCreate(ctx, doc)
	}
	if err != nil {
		return nil, err
	}
	doc.Operation = op
	if err := d.leaveQueue(ctx, doc); err != nil {
		return nil, err
	}
	d.handOff(ctx, doc, "provision", spare)
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
	if id, err := d.ownCreate(ctx, doc); err != nil || id != "" {
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
	if err != nil {
		return nil, awsErr("organizations:CreateAccount", err)
	}
	op.CreateRequestID = aws.ToString(out.CreateAccountStatus.Id)
	return op, nil
}

// createKey is where a create's entry for the lifecycle function is kept
// (the partition operationKeys names for a create).
func createKey(plan *Plan) string { return "op#name#" + plan.AccountName }

// createEnded drops a create's entry once the account is enrolled or the
// create failed.
func (d *Deps) createEnded(ctx context.Context, doc *Doc) {
	if doc.Plan.Operation != OpCreateAccount {
		return
	}
	if err := d.dropWaiter(ctx, createKey(doc.Plan), doc.Request.RequestID, ""); err != nil {
		d.logger(doc, "provisionstatus").Warn("cannot drop the create's entry; it expires", "error", err.Error())
	}
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
		op.CreateRequestID, op.QueuedSeconds = prev.CreateRequestID, prev.QueuedSeconds
	}
	parent, err := d.accountParent(ctx, doc.AccountID)
	if err != nil {
		return nil, err
	}
	if parent != plan.MoveTo {
		_, err := d.Org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(doc.AccountID),
			SourceParentId: aws.String(parent), DestinationParentId: aws.String(plan.MoveTo)})
		var already *orgtypes.DuplicateAccountException
		if err != nil && !errors.As(err, &already) {
			return nil, awsErr("organizations:MoveAccount", err)
		}
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
	if doc.Plan.Unmanage {
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
		d.handOff(ctx, doc, "provisionstatus", 1)
		return doc, nil
	case string(cttypes.EnablementStatusFailed):
		op.Status = "FAILED"
		d.createEnded(ctx, doc)
		reason := d.baselineFailure(ctx, b)
		d.handOff(ctx, doc, "provisionstatus", 1)
		return nil, &StepError{Name: ErrProvisioningFailed, Reason: fmt.Sprintf("Control Tower could not enroll account %s in %s: %s%s",
			doc.AccountID, ouName(doc.Plan), strings.TrimSuffix(reason, "."), remedy(reason))}
	}
	if err := d.pastBudget(op, "the enrollment of account "+doc.AccountID); err != nil {
		return nil, err
	}
	op.WaitSeconds = enrollPoll
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
		d.handOff(ctx, doc, "provisionstatus", 1)
		return doc, nil
	case orgtypes.CreateAccountStateFailed:
		d.createEnded(ctx, doc)
		d.handOff(ctx, doc, "provisionstatus", 1)
		return nil, &StepError{Name: ErrProvisioningFailed, Reason: createFailure(st.FailureReason, doc.Plan)}
	}
	if err := d.pastBudget(op, "Organizations' CreateAccount request "+op.CreateRequestID); err != nil {
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
	if b == nil {
		op.Done, op.Status, op.Poll, op.NoticedBy = true, "SUCCEEDED", false, "poll"
		d.handOff(ctx, doc, "provisionstatus", 1)
		return doc, nil
	}
	if err := d.pastBudget(op, "the unenrollment of account "+doc.AccountID); err != nil {
		return nil, err
	}
	op.WaitSeconds = min(60<<min(op.Polls, 5), maxPollWait)
	return doc, nil
}

// pastBudget fails an operation towervend has waited for longer than its budget.
func (d *Deps) pastBudget(op *Operation, what string) error {
	started, err := time.Parse(time.RFC3339, op.StartedAt)
	if err != nil {
		return nil
	}
	if waited := d.Clock.Now().Sub(started); waited > d.Config.WaitBudget {
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

// baselineFailure is Control Tower's reason for a failed baseline (its last
// operation's status message).
func (d *Deps) baselineFailure(ctx context.Context, b *cttypes.EnabledBaselineSummary) string {
	id := ""
	if b.StatusSummary != nil {
		id = aws.ToString(b.StatusSummary.LastOperationIdentifier)
	}
	if id == "" {
		return "Control Tower gave no reason"
	}
	out, err := d.ControlTower.GetBaselineOperation(ctx, &controltower.GetBaselineOperationInput{OperationIdentifier: aws.String(id)})
	if err != nil || out.BaselineOperation == nil || aws.ToString(out.BaselineOperation.StatusMessage) == "" {
		return "Control Tower gave no reason (baseline operation " + id + ")"
	}
	return aws.ToString(out.BaselineOperation.StatusMessage)
}

// ouEnrolling says which account Control Tower is moving into the OU now, as
// the reason to wait ("" when none): one move-account operation at a time per
// destination OU. Moves to the root are not limited.
func (d *Deps) ouEnrolling(ctx context.Context, ouID, accountID string) (string, error) {
	if ouID == "" || strings.HasPrefix(ouID, "r-") {
		return "", nil
	}
	p := controltower.NewListEnabledBaselinesPaginator(d.ControlTower, &controltower.ListEnabledBaselinesInput{IncludeChildren: true,
		Filter: &cttypes.EnabledBaselineFilter{Statuses: []cttypes.EnablementStatus{cttypes.EnablementStatusUnderChange}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", awsErr("controltower:ListEnabledBaselines", err)
		}
		for _, b := range page.EnabledBaselines {
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
	}
	return "", nil
}

// ouFree refuses as busy (retried) an Account Factory operation on an
// account whose OU, or target OU, Control Tower is moving another account into.
func (d *Deps) ouFree(ctx context.Context, doc *Doc) error {
	parent, err := d.accountParent(ctx, doc.AccountID)
	if err != nil {
		return err
	}
	ous := []string{parent}
	if doc.Plan.OU != nil && doc.Plan.OU.ID != parent {
		ous = append(ous, doc.Plan.OU.ID)
	}
	for _, ou := range ous {
		busy, err := d.ouEnrolling(ctx, ou, doc.AccountID)
		if err != nil {
			return err
		}
		if busy != "" {
			if err := d.leaveQueue(ctx, doc); err != nil {
				return err
			}
			return &StepError{Name: ErrControlTowerBusy, Reason: busy}
		}
	}
	return nil
}

// accountsEnrolling counts the accounts Control Tower is enrolling (their
// baseline under change), for the gate.
func (d *Deps) accountsEnrolling(ctx context.Context) (int, error) {
	n := 0
	p := controltower.NewListEnabledBaselinesPaginator(d.ControlTower, &controltower.ListEnabledBaselinesInput{IncludeChildren: true,
		Filter: &cttypes.EnabledBaselineFilter{Statuses: []cttypes.EnablementStatus{cttypes.EnablementStatusUnderChange}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, awsErr("controltower:ListEnabledBaselines", err)
		}
		for _, b := range page.EnabledBaselines {
			if accountOfArn(aws.ToString(b.TargetIdentifier)) != "" {
				n++
			}
		}
	}
	out, err := d.Org.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{
		States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateInProgress}})
	if err != nil {
		return 0, awsErr("organizations:ListCreateAccountStatus", err)
	}
	return n + len(out.CreateAccountStatuses), nil
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
