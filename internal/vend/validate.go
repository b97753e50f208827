package vend

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
)

// Validate is the first step: it checks the request against the organization,
// IAM Identity Center and the policy, and plans the work. It changes nothing. A
// request that cannot be done comes back with a rejected plan listing every
// problem (field, value, fix); only AWS trouble is an error.
func (d *Deps) Validate(ctx context.Context, doc *Doc) (*Doc, error) {
	log := d.logger(doc, "validate")
	v := &validation{d: d, doc: doc, req: &doc.Request, plan: &Plan{Operation: OpNone}}
	if err := v.run(ctx); err != nil {
		return nil, err
	}
	switch {
	case v.plan.Skipped:
		doc.Outcome = "skipped"
		log.Info("nothing to do", "reason", v.plan.SkipReason, "accountId", doc.AccountID)
	case v.plan.Deferred:
		log.Info("waiting before validating again", "reason", doc.Deferral.Reason, "accountId", doc.AccountID)
	case len(v.problems) > 0:
		v.plan = &Plan{Rejected: true, Problems: v.problems, Operation: OpNone}
		doc.Outcome = "rejected"
		log.Info("request rejected", "problems", len(v.problems))
	default:
		log.Info("request planned", "operation", v.plan.Operation, "accountId", doc.AccountID)
	}
	doc.Plan = v.plan
	if v.plan.Skipped || v.plan.Rejected {
		d.endTurn(ctx, doc) // nothing more will change the account
	}
	if v.plan.Skipped || v.plan.Deferred {
		return doc, nil
	}
	// Validate announces its own verdict: a step (and a Lambda invocation)
	// less per request than a notify state after it. A repeat after a failed
	// publish announces again, as a notify state's retry would.
	state := StateAccepted
	if v.plan.Rejected {
		state = StateRejected
	}
	if err := d.publish(ctx, d.notification(doc, state)); err != nil {
		return nil, err
	}
	return doc, nil
}

type validation struct {
	d        *Deps
	doc      *Doc
	req      *request.Request
	plan     *Plan
	org      *orgView
	account  *orgtypes.Account
	problems []request.Problem
	// assigned caches accountAssignments.
	assigned map[string]Assignment
	// auto is set when accounts are vended with auto-enrollment (backend.go).
	auto bool
	// ownerGrant is the owner's administrator access where towervend, not
	// Account Factory, gives it (auto-enrollment).
	ownerGrant *request.Access
}

func (v *validation) problem(field, value, msg, fix string) {
	v.problems = append(v.problems, request.Problem{Field: field, Value: value, Message: msg, Fix: fix})
}

func (v *validation) run(ctx context.Context) error {
	d := v.d
	if v.doc.Origin == OriginLifecycle && v.req.Action == request.ActionEnroll {
		// First, and alone: while Account Factory may be building the account,
		// each look costs four calls, not a whole validation.
		if settled, err := v.joinSettled(ctx); !settled || err != nil {
			return err
		}
	}
	if err := v.requester(ctx); err != nil { // policy.requesters: who may ask
		return err
	}
	// Requests on one account take turns (turns.go): the plan is made once
	// the earlier ones are done with it.
	if waiting, err := d.awaitTurn(ctx, v.doc); waiting || err != nil {
		v.plan.Deferred = waiting
		return err
	}
	// Registered OUs are read from baselines, which older landing zones lack:
	// there every OU would read unregistered.
	if p, err := d.landingZoneProblem(ctx); p != nil || err != nil {
		if p != nil {
			v.problems = append(v.problems, *p)
		}
		return err
	}
	v.auto = d.backend() == ProvisioningAutoEnrollment
	org, err := d.loadOUs(ctx)
	if err != nil {
		return err
	}
	if err := d.loadRegistered(ctx, org); err != nil {
		return err
	}
	v.org = org
	switch v.req.Action {
	case request.ActionCreate:
		return v.create(ctx)
	case request.ActionEnroll:
		return v.enroll(ctx)
	case request.ActionUpdate:
		return v.update(ctx)
	case request.ActionUnmanage, request.ActionClose:
		return v.retire(ctx)
	}
	v.problem("action", string(v.req.Action), "unknown action", "use create, enroll, update, unmanage or close")
	return nil
}

// targetOU resolves the request's OU and checks Control Tower can target it.
func (v *validation) targetOU() *OURef {
	ou, p := v.org.resolveOU("account.organizationalUnit", v.req.Account.OrganizationalUnit)
	if p != nil {
		v.problems = append(v.problems, *p)
		return nil
	}
	if !v.org.registered[ou.ID] && v.auto {
		// Auto-enrollment: a move there would unenroll the account.
		v.problem("account.organizationalUnit", v.req.Account.OrganizationalUnit,
			fmt.Sprintf("OU %s is not registered with Control Tower: an account moved there is unenrolled, and towervend moves accounts only into registered OUs", ou.Path),
			"register it in the Control Tower console, or choose one of: "+v.allowedOUChoices()+
				"; to take an account out of Control Tower on purpose, send action unmanage (it moves the account to the root)")
		return nil
	}
	if !v.org.registered[ou.ID] {
		v.problem("account.organizationalUnit", v.req.Account.OrganizationalUnit,
			fmt.Sprintf("OU %s is not registered with Control Tower, so Account Factory cannot place accounts in it", ou.Path),
			"register it in the Control Tower console or choose one of: "+v.allowedOUChoices())
		return nil
	}
	return ou
}

// allowedOUChoices lists the OUs a request may name instead: registered with
// Control Tower and open to accounts under the policy.
func (v *validation) allowedOUChoices() string {
	var names []string
	for _, n := range v.org.sortedOUs() {
		if v.org.registered[n.id] && v.d.Policy.OUAllowed(n.path) {
			names = append(names, n.path)
		}
	}
	if len(names) == 0 {
		return "(none: no registered OU is open to accounts under policy.organizationalUnits)"
	}
	return strings.Join(names, ", ")
}

// refuseShared refuses to close, unmanage or move the landing zone's own
// accounts (log archive, audit; the management account is refused earlier):
// Control Tower's guidance is never to, and no policy setting allows it.
func (v *validation) refuseShared(ctx context.Context, doing string) error {
	id := v.req.Account.ID
	parent := ""
	if v.d.needsParentForShared() {
		var err error
		if parent, err = v.d.accountParent(ctx, id); err != nil {
			return err
		}
	}
	what := v.d.sharedAccount(v.org, id, parent)
	if what == "" {
		return nil
	}
	v.problem("account.id", id,
		fmt.Sprintf("account %s (%s) is %s: Control Tower's guidance is never to move it out of its OU, close it or unmanage it, so towervend will not %s it",
			id, aws.ToString(v.account.Name), what, doing),
		"leave this account where it is; no policy setting allows this. Changes to the landing zone's shared accounts belong in the Control Tower console (Landing zone settings)")
	return nil
}

func (v *validation) create(ctx context.Context) error {
	req, plan := v.req, v.plan
	ou := v.targetOU()
	if err := v.d.loadAccounts(ctx, v.org); err != nil {
		return err
	}
	nameTaken := false
	for _, a := range v.org.accounts {
		if strings.EqualFold(aws.ToString(a.Email), req.Account.Email) {
			v.emailTaken(a)
		}
		if aws.ToString(a.Name) == req.Account.Name {
			nameTaken = true
			v.problem("account.name", req.Account.Name, fmt.Sprintf("account %s already has this name", aws.ToString(a.Id)),
				"choose a name no other account in the organization has")
		}
	}
	plan.ProductName = productName(req.Account.Name)
	// A product named after an existing account is that account's: the name
	// problem above says all, and terminating it is not the fix.
	if !nameTaken && !v.auto {
		taken, err := v.productTaken(ctx, plan.ProductName)
		if err != nil {
			return err
		}
		if taken != "" {
			v.problem("account.name", req.Account.Name, taken,
				"choose another account name, or terminate that provisioned product if it is a failed leftover")
		}
	}
	plan.Operation = OpProvision
	plan.AccountName, plan.AccountEmail = req.Account.Name, req.Account.Email
	plan.Owner = req.Owner
	plan.OU, plan.Place = ou, ou != nil
	if v.auto {
		v.autoPlan(OpCreateAccount, ou)
	}
	v.tags(nil)
	if err := v.ownerAccess(ctx); err != nil {
		return err
	}
	return v.access(ctx, ou, true)
}

// autoPlan makes the plan an auto-enrollment operation into ou (nil: the
// root, to unmanage): there is no provisioned product.
func (v *validation) autoPlan(op string, ou *OURef) {
	plan := v.plan
	plan.Operation, plan.ProductName, plan.ByReset = op, "", v.d.byReset()
	if ou != nil {
		plan.MoveTo = ou.ID
	} else {
		plan.MoveTo = v.org.rootID
	}
}

// ownerAccess gives the owner of a new or newly enrolled account
// AWSAdministratorAccess, as Account Factory does for its SSO user: with
// auto-enrollment Account Factory is not there to do it (nor to create the
// user, which must exist in IAM Identity Center).
func (v *validation) ownerAccess(ctx context.Context) error {
	if !v.auto || v.req.Owner == nil {
		return nil
	}
	_, found, err := v.d.userID(ctx, v.req.Owner.Email)
	if err != nil {
		return err
	}
	if !found {
		v.problem("owner.email", v.req.Owner.Email,
			"no IAM Identity Center user has this email, and with auto-enrollment (provisioning: autoEnrollment) no Account Factory creates one",
			"create the user in IAM Identity Center first, or name an existing user as owner")
		return nil
	}
	v.ownerGrant = &request.Access{User: v.req.Owner.Email, PermissionSet: ownerPermissionSet}
	return nil
}

// emailTaken says that account a already uses the new account's email, and
// what to do: enroll is the fix only for an active member account.
func (v *validation) emailTaken(a orgtypes.Account) {
	id, name := aws.ToString(a.Id), aws.ToString(a.Name)
	fix := "every AWS account needs its own email: choose another one, or use action enroll for the existing account"
	switch {
	case id == v.d.Config.ManagementAccountID:
		fix = "every AWS account needs its own email, and this one is the management account's (which towervend never enrolls or changes): choose another one"
	case a.Status != "" && a.Status != orgtypes.AccountStatusActive:
		fix = fmt.Sprintf("every AWS account needs its own email, and a %s account keeps its email until AWS closes it for good (90 days after closing): choose another one", a.Status)
	}
	v.problem("account.email", v.req.Account.Email, fmt.Sprintf("account %s (%s) already uses this email", id, name), fix)
}

func (v *validation) enroll(ctx context.Context) error {
	req, plan := v.req, v.plan
	if ok, err := v.existingAccount(ctx); !ok {
		return err
	}
	a := v.account
	if req.Account.Name != "" && req.Account.Name != aws.ToString(a.Name) {
		v.problem("account.name", req.Account.Name, fmt.Sprintf("account %s is named %q", req.Account.ID, aws.ToString(a.Name)),
			fmt.Sprintf("write %q or leave account.name out: Account Factory enrolls an account only under its existing name", aws.ToString(a.Name)))
	}
	managed, err := v.d.productFor(ctx, req.Account.ID)
	if err != nil {
		return err
	}
	if managed != nil {
		v.problem("account.id", req.Account.ID, fmt.Sprintf("account %s is already enrolled (provisioned product %s)", req.Account.ID, aws.ToString(managed.Name)),
			"use action update to move it or change its access")
	}
	if enrolled, err := v.baselineEnrolled(ctx, managed); err != nil || enrolled {
		if enrolled {
			v.problem("account.id", req.Account.ID, fmt.Sprintf("account %s is already enrolled (Control Tower's baseline is enabled on it)", req.Account.ID),
				"use action update to move it or change its access")
		}
		if err != nil {
			return err
		}
	}
	plan.ProductName = productName(aws.ToString(a.Name))
	if managed == nil && !v.auto {
		// Organizations lets two accounts share a name; Service Catalog does
		// not let their products.
		taken, err := v.productTaken(ctx, plan.ProductName)
		if err != nil {
			return err
		}
		if taken != "" {
			v.problem("account.id", req.Account.ID, taken,
				"terminate that provisioned product if it is a failed leftover, or rename one of the accounts so their names differ")
		}
	}
	ou := v.targetOU()
	plan.Operation = OpProvision
	plan.CheckRole = true
	plan.AccountName, plan.AccountEmail = aws.ToString(a.Name), aws.ToString(a.Email)
	plan.Owner = req.Owner
	if plan.Owner == nil {
		// Account Factory needs an SSO user; like AWS's enrollment sample, use the account's own email.
		plan.Owner = &request.Owner{Email: aws.ToString(a.Email), FirstName: "Account", LastName: "Owner"}
	}
	plan.OU, plan.Place = ou, ou != nil
	if v.auto {
		// With auto-enrollment Control Tower deploys AWSControlTowerExecution
		// itself (Control Tower guide, enrollment prerequisites); a role that
		// exists but does not trust the management account fails the
		// enrollment, with Control Tower's reason.
		plan.CheckRole = false
		v.autoPlan(OpMoveAccount, ou)
		plan.Owner = req.Owner
		if err := v.ownerAccess(ctx); err != nil {
			return err
		}
	}
	tags, err := v.d.accountTags(ctx, req.Account.ID)
	if err != nil {
		return err
	}
	v.tags(tags)
	return v.access(ctx, ou, true)
}

// baselineEnrolled reports, with auto-enrollment, whether Control Tower
// manages an account that has no provisioned product (product nil): its
// enabled baseline succeeded or is being applied.
func (v *validation) baselineEnrolled(ctx context.Context, managed *sctypes.ProvisionedProductAttribute) (bool, error) {
	if !v.auto || managed != nil {
		return false, nil
	}
	b, err := v.d.accountBaseline(ctx, v.req.Account.ID)
	return b != nil, err
}

// Waiting for Account Factory before enrolling an account that joined: look
// again every joinCheckEvery, for at most joinWaitBudget (Control Tower takes
// about half an hour per account; towervend's own wait budget is two hours).
const (
	joinCheckEvery = 5 * time.Minute
	joinWaitBudget = 2 * time.Hour
)

// joinSettled decides whether the enrollment of an account that joined the
// organization (a lifecycle request) goes ahead. Control Tower creates accounts
// through Organizations CreateAccount, so the join event of an account Account
// Factory is still building arrives minutes before Control Tower finishes, and
// nothing in it says so; its provisioned product gets the account's id only at
// the end. So:
//   - a product names the account: Control Tower manages it, the request is
//     skipped (not rejected: nothing is wrong);
//   - an Account Factory create that may be building it is in flight: the plan
//     is deferred, and the workflow waits and validates again;
//   - neither, or still undecided after joinWaitBudget: enroll it (were it
//     Account Factory's after all, Account Factory refuses the enrollment, and
//     the request fails saying why).
func (v *validation) joinSettled(ctx context.Context) (bool, error) {
	d, id := v.d, v.req.Account.ID
	a, err := d.describeAccount(ctx, id)
	if err != nil || a == nil {
		return err == nil, err // an account that is gone: validation says so
	}
	v.doc.AccountID = id
	managed, err := d.productFor(ctx, id)
	if err != nil {
		return false, err
	}
	if managed != nil {
		v.plan.Skipped = true
		v.plan.SkipReason = fmt.Sprintf("Control Tower already manages account %s (provisioned product %s); nothing to enroll", id, aws.ToString(managed.Name))
		return false, nil
	}
	builders, err := d.building(ctx, aws.ToTime(a.JoinedTimestamp))
	if err != nil || len(builders) == 0 {
		return err == nil, err
	}
	now := d.Clock.Now()
	def := v.doc.Deferral
	if def == nil {
		def = &Deferral{Since: now.UTC().Format(time.RFC3339)}
		v.doc.Deferral = def
	}
	since, err := time.Parse(time.RFC3339, def.Since)
	if err != nil {
		since, def.Since = now, now.UTC().Format(time.RFC3339)
	}
	var names []string
	for _, pp := range builders {
		names = append(names, aws.ToString(pp.Name))
	}
	if waited := now.Sub(since); waited >= joinWaitBudget {
		v.doc.Notes = append(v.doc.Notes, fmt.Sprintf("waited %s for Account Factory (%s) in case it was building account %s; none of its products names the account, so it is enrolled",
			waited.Round(time.Minute), strings.Join(names, ", "), id))
		return true, nil
	}
	def.Checks++
	def.WaitSeconds = int(joinCheckEvery / time.Second)
	def.Products = names
	def.Reason = fmt.Sprintf("account %s joined the organization while Account Factory was creating %d account(s) (%s), which get their account id only when Control Tower finishes; "+
		"towervend checks again in %s rather than enroll an account Control Tower is building", id, len(names), strings.Join(names, ", "), joinCheckEvery)
	v.plan.Deferred = true
	return false, nil
}

func (v *validation) update(ctx context.Context) error {
	req, plan := v.req, v.plan
	if ok, err := v.existingAccount(ctx); !ok {
		return err
	}
	managed, err := v.d.productFor(ctx, req.Account.ID)
	if err != nil {
		return err
	}
	parent, err := v.d.accountParent(ctx, req.Account.ID)
	if err != nil {
		return err
	}
	current := v.org.ouOfParent(parent)
	ou := current
	enrolled, err := v.baselineEnrolled(ctx, managed)
	if err != nil {
		return err
	}
	if req.Account.OrganizationalUnit != "" {
		ou = v.targetOU()
		switch {
		case ou == nil:
		case managed == nil && !enrolled:
			v.problem("account.organizationalUnit", req.Account.OrganizationalUnit, fmt.Sprintf("account %s is not enrolled in Control Tower, so towervend will not move it", req.Account.ID),
				"enroll it first with action enroll, which places it in the OU you name")
		case current == nil || current.ID != ou.ID:
			plan.Operation = OpUpdate
			if v.auto {
				v.autoPlan(OpMoveAccount, ou)
			}
			if err := v.refuseShared(ctx, "move"); err != nil {
				return err
			}
		}
	}
	if req.Owner != nil {
		switch {
		case v.auto:
			v.problem("owner", req.Owner.Email, "with auto-enrollment (provisioning: autoEnrollment) an account has no Account Factory owner to change",
				`grant the new owner access with an access item ({"user": ..., "permissionSet": "AWSAdministratorAccess"}) and revoke the previous owner's with "revoke": true`)
		case managed == nil:
			v.problem("owner", req.Owner.Email, fmt.Sprintf("account %s is not enrolled in Control Tower, so it has no Account Factory owner to change", req.Account.ID),
				"enroll it first with action enroll and name the owner there")
		default:
			prev, err := v.previousOwner(ctx, aws.ToString(managed.LastSuccessfulProvisioningRecordId))
			if err != nil {
				return err
			}
			if !strings.EqualFold(prev, req.Owner.Email) {
				plan.Operation = OpUpdate
				plan.Owner, plan.PreviousOwnerEmail = req.Owner, prev
			}
		}
	} else if req.RevokePreviousOwner {
		v.problem("revokePreviousOwner", "true", "there is no new owner, so there is no previous owner to revoke", "name the new owner in owner, or drop revokePreviousOwner")
	}
	if managed != nil && plan.Operation != OpMoveAccount {
		plan.ProvisionedProductID = aws.ToString(managed.Id)
		plan.ProductName = aws.ToString(managed.Name)
	}
	plan.AccountName, plan.AccountEmail = aws.ToString(v.account.Name), aws.ToString(v.account.Email)
	plan.OU, plan.Place = ou, ou != nil && req.Account.OrganizationalUnit != ""
	tags, err := v.d.accountTags(ctx, req.Account.ID)
	if err != nil {
		return err
	}
	v.tags(tags)
	// A move into another OU brings that OU's default access with it.
	moving := (plan.Operation == OpUpdate || plan.Operation == OpMoveAccount) && req.Account.OrganizationalUnit != "" && ou != nil && (current == nil || current.ID != ou.ID)
	if err := v.access(ctx, ou, moving); err != nil {
		return err
	}
	if plan.PreviousOwnerEmail != "" && req.RevokePreviousOwner && len(v.problems) == 0 {
		if err := v.revokeOwner(ctx, plan.PreviousOwnerEmail); err != nil {
			return err
		}
	}
	if moving && managed != nil {
		owner, err := v.previousOwner(ctx, aws.ToString(managed.LastSuccessfulProvisioningRecordId))
		if err != nil {
			return err
		}
		return v.judgeExistingAccess(ctx, ou, owner)
	}
	if req.RevokeDisallowedAccess && !moving && len(v.problems) == 0 {
		v.doc.Notes = append(v.doc.Notes, "revokeDisallowedAccess: the account stays in its OU, so there is no access to judge against another OU's policy")
	}
	return nil
}

func (v *validation) retire(ctx context.Context) error {
	req, plan := v.req, v.plan
	// First, so a refused close says so even when the account is wrong too;
	// policy.allowClose is the policy's rule, checked there only.
	v.policy(policy.Facts{})
	if ok, err := v.existingAccount(ctx); !ok {
		return err
	}
	if err := v.refuseShared(ctx, string(req.Action)); err != nil {
		return err
	}
	managed, err := v.d.productFor(ctx, req.Account.ID)
	if err != nil {
		return err
	}
	enrolled, err := v.baselineEnrolled(ctx, managed)
	if err != nil {
		return err
	}
	switch {
	case managed != nil:
		plan.Operation, plan.Unmanage = OpTerminate, true
		plan.ProvisionedProductID, plan.ProductName = aws.ToString(managed.Id), aws.ToString(managed.Name)
	case enrolled && v.d.byReset() && req.Action == request.ActionUnmanage:
		// Without auto-enrollment a move out of the OU unenrolls nothing:
		// Control Tower reports the account as drifted.
		v.problem("action", string(req.Action), fmt.Sprintf("account %s was enrolled through its OU's baseline, and this landing zone does not auto-enroll: "+
			"moving it out of its OU would leave it drifted, not unmanaged", req.Account.ID),
			"turn on auto-enrollment in the landing zone (UpdateLandingZone with remediationTypes [\"INHERITANCE_DRIFT\"]), then send the request again; or close the account")
	case enrolled && v.d.byReset():
		v.doc.Notes = append(v.doc.Notes, "closed where it is: without auto-enrollment a move out of its OU would not unenroll it")
	case enrolled:
		// Auto-enrollment: moving the account to the root unenrolls it, and
		// Control Tower removes its baseline resources.
		v.autoPlan(OpMoveAccount, nil)
		plan.Unmanage = true
		v.doc.Notes = append(v.doc.Notes, "unmanaged by moving the account to the root: Control Tower unenrolls it and removes its baseline resources")
	case req.Action == request.ActionUnmanage:
		v.problem("account.id", req.Account.ID, fmt.Sprintf("account %s is not managed by Control Tower; there is nothing to unmanage", req.Account.ID), "nothing to do; use action close to close it")
	}
	plan.AccountName, plan.AccountEmail = aws.ToString(v.account.Name), aws.ToString(v.account.Email)
	plan.Close = req.Action == request.ActionClose
	if plan.Close {
		return v.closeQuota(ctx)
	}
	return nil
}

// closeQuota checks, before anything changes, that Organizations can close
// one more account: it closes at most 10% of the member accounts (at least 10,
// at most 1000) in a rolling 30 days and says so only when the close is
// asked for, which would be after the account was unmanaged. Organizations
// does not tell when an account closed, so every account it shows closed or
// closing (SUSPENDED, PENDING_CLOSURE: it shows them for 90 days) counts as
// closed in the last 30 days, unless towervend's own closure ledger saw it
// close earlier than that.
func (v *validation) closeQuota(ctx context.Context) error {
	if err := v.d.loadAccounts(ctx, v.org); err != nil {
		return err
	}
	old, err := v.d.closedLongAgo(ctx)
	if err != nil {
		return err
	}
	members, closed := 0, 0
	for _, a := range v.org.accounts {
		id := aws.ToString(a.Id)
		if id == v.d.Config.ManagementAccountID {
			continue
		}
		members++
		if (a.Status == orgtypes.AccountStatusSuspended || a.Status == orgtypes.AccountStatusPendingClosure) && !old[id] {
			closed++
		}
	}
	quota := min(max(members/10, closureQuotaMin), closureQuotaMax)
	if closed < quota {
		return nil
	}
	v.problem("action", "close",
		fmt.Sprintf("Organizations closes at most %d accounts of this organization in a rolling 30 days (10%% of its %d member accounts, at least 10), and %d accounts are closed or closing and may have closed within them; "+
			"the close would be refused (CLOSE_ACCOUNT_QUOTA_EXCEEDED) after the account was unmanaged, so towervend changes nothing", quota, members, closed),
		"send the close again once an earlier closure is 30 days old (CloudTrail's CloseAccount events say when each was closed), or use action unmanage now and close the account later")
	return nil
}

// existingAccount checks that the request's account is an active member
// account; ok is false when it is not (a problem says why) or AWS failed (err).
func (v *validation) existingAccount(ctx context.Context) (ok bool, err error) {
	id := v.req.Account.ID
	a, err := v.d.describeAccount(ctx, id)
	if err != nil {
		return false, err
	}
	if a == nil {
		v.problem("account.id", id, "no account with this id in the organization", "check the id; towervend manages accounts of this organization only")
		return false, nil
	}
	if status := string(a.Status); status != "" && status != "ACTIVE" {
		v.problem("account.id", id, fmt.Sprintf("account %s is %s", id, status), "only active accounts can be enrolled, updated or closed")
		return false, nil
	}
	if id == v.d.Config.ManagementAccountID {
		v.problem("account.id", id, "this is the management account", "towervend does not change the management account")
		return false, nil
	}
	v.account = a
	v.doc.AccountID = id
	return true, nil
}

// tags plans the tag changes and checks the required tags against the account's
// current tags (nil for a new account).
func (v *validation) tags(current map[string]string) {
	plan := v.plan
	for _, k := range sortedKeys(v.req.Tags) {
		val := v.req.Tags[k]
		switch {
		case val == nil:
			if _, ok := current[k]; ok {
				plan.RemoveTags = append(plan.RemoveTags, k)
			}
		case current[k] != *val:
			if plan.SetTags == nil {
				plan.SetTags = map[string]string{}
			}
			plan.SetTags[k] = *val
		}
	}
	ouPath := ""
	switch {
	case plan.OU != nil:
		ouPath = plan.OU.Path
	case v.req.Account.OrganizationalUnit == "":
		ouPath = "Root" // an update that names no OU, of an account directly under Root
	}
	probs := v.d.Policy.Check(v.req, policy.Facts{OUPath: ouPath, Tags: current})
	if ouPath == "" {
		// The OU the request names did not resolve and a problem already says
		// why: the rules that depend on the OU cannot be judged, and saying so
		// would only repeat that problem with a wrong fix.
		probs = slices.DeleteFunc(probs, func(p request.Problem) bool { return p.Field == "account.organizationalUnit" })
	}
	v.problems = append(v.problems, probs...)
}

func (v *validation) policy(facts policy.Facts) {
	v.problems = append(v.problems, v.d.Policy.Check(v.req, facts)...)
}

// access resolves the requested access (plus the OU's default access for new
// and newly enrolled accounts) to Identity Center ids.
func (v *validation) access(ctx context.Context, ou *OURef, withDefaults bool) error {
	items := append([]request.Access(nil), v.req.Access...)
	fields := make([]string, len(items))
	for i := range items {
		fields[i] = fmt.Sprintf("access[%d]", i)
	}
	if v.ownerGrant != nil {
		items, fields = append(items, *v.ownerGrant), append(fields, "owner")
	}
	if withDefaults && ou != nil {
		for _, a := range v.d.Policy.DefaultAccess(ou.Path) {
			items = append(items, a)
			fields = append(fields, "policy.defaultAccess["+ou.Path+"]")
		}
	}
	if len(items) == 0 {
		return nil
	}
	sets, err := v.d.permissionSets(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var revokes []revoke
	for i, a := range items {
		arn, ok := sets[a.PermissionSet]
		if !ok {
			v.problem(fields[i]+".permissionSet", a.PermissionSet, "no permission set with this name in IAM Identity Center",
				"use one of: "+strings.Join(sortedKeys(sets), ", "))
			continue
		}
		as := Assignment{PermissionSet: a.PermissionSet, PermissionSetArn: arn}
		var found bool
		if a.Group != "" {
			as.PrincipalType, as.PrincipalName = "GROUP", a.Group
			as.PrincipalID, found, err = v.d.groupID(ctx, a.Group)
			if err == nil && !found {
				v.problem(fields[i]+".group", a.Group, "no group with this display name in IAM Identity Center", "check the group's display name, or create the group first")
			}
		} else {
			as.PrincipalType, as.PrincipalName = "USER", a.User
			as.PrincipalID, found, err = v.d.userID(ctx, a.User)
			if err == nil && !found {
				v.problem(fields[i]+".user", a.User, "no user with this user name or email in IAM Identity Center", "check the user name or email, or create the user first")
			}
		}
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		key := as.PrincipalID + as.PermissionSetArn
		if items[i].Revoke {
			revokes = append(revokes, revoke{field: fields[i], as: as})
			continue
		}
		if !seen[key] {
			seen[key] = true
			v.plan.Grant = append(v.plan.Grant, as)
		}
	}
	for _, r := range revokes {
		if seen[r.as.PrincipalID+r.as.PermissionSetArn] {
			v.problem(r.field+".revoke", "true", fmt.Sprintf("%s is both granted and revoked by this request", r.as),
				"keep one of the two: remove the access item that grants it, or the one that revokes it (a move brings the target OU's default access, policy.defaultAccess)")
			continue
		}
		if err := v.revokeAccess(ctx, r.field, r.as); err != nil {
			return err
		}
	}
	return nil
}

// revoke is an access item with revoke: true, resolved.
type revoke struct {
	field string
	as    Assignment
}

// revokeAccess plans removing an assignment a request revokes, or notes that
// the account does not have it (nothing to do).
func (v *validation) revokeAccess(ctx context.Context, field string, as Assignment) error {
	have, err := v.accountAssignments(ctx)
	if err != nil {
		return err
	}
	if _, ok := have[as.PrincipalID+as.PermissionSetArn]; !ok {
		v.doc.Notes = append(v.doc.Notes, fmt.Sprintf("%s: account %s has no assignment %s, so there is nothing to revoke", field, v.req.Account.ID, as))
		return nil
	}
	v.planRevoke(as)
	return nil
}

// planRevoke adds an assignment to remove, once.
func (v *validation) planRevoke(as Assignment) {
	for _, r := range v.plan.Revoke {
		if r.PrincipalID == as.PrincipalID && r.PermissionSetArn == as.PermissionSetArn {
			return
		}
	}
	v.plan.Revoke = append(v.plan.Revoke, as)
}

// accountAssignments reads the account's Identity Center assignments (every
// permission set's), keyed by principal id and permission set ARN; names are
// not filled in. It is read once per validation.
func (v *validation) accountAssignments(ctx context.Context) (map[string]Assignment, error) {
	if v.assigned != nil {
		return v.assigned, nil
	}
	sets, err := v.d.permissionSets(ctx)
	if err != nil {
		return nil, err
	}
	inst, err := v.d.identityCenter(ctx)
	if err != nil {
		return nil, err
	}
	have := map[string]Assignment{}
	for _, name := range sortedKeys(sets) {
		p := ssoadmin.NewListAccountAssignmentsPaginator(v.d.SSO, &ssoadmin.ListAccountAssignmentsInput{
			InstanceArn: aws.String(inst.arn), AccountId: aws.String(v.req.Account.ID), PermissionSetArn: aws.String(sets[name])})
		for p.HasMorePages() {
			if err := v.d.idcPacer().wait(ctx); err != nil {
				return nil, err
			}
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, awsErr("sso:ListAccountAssignments", err)
			}
			for _, a := range page.AccountAssignments {
				id := aws.ToString(a.PrincipalId)
				have[id+sets[name]] = Assignment{PrincipalType: string(a.PrincipalType), PrincipalID: id, PermissionSet: name, PermissionSetArn: sets[name]}
			}
		}
	}
	v.assigned = have
	return have, nil
}

// judgeExistingAccess checks the account's assignments against the policy of
// the OU a move takes it to (policy.permissionSets): a move must not carry in
// access the OU forbids, which a direct grant there would be refused. With
// revokeDisallowedAccess the move removes them; without it the request is
// rejected, naming each. The Account Factory owner's AWSAdministratorAccess
// is Control Tower's own grant to the account's SSO user and is not judged.
func (v *validation) judgeExistingAccess(ctx context.Context, ou *OURef, ownerEmail string) error {
	if v.d.Policy == nil || len(v.d.Policy.PermissionSets) == 0 {
		return nil
	}
	have, err := v.accountAssignments(ctx)
	if err != nil {
		return err
	}
	ownerID := ""
	if ownerEmail != "" {
		if ownerID, _, err = v.d.userID(ctx, ownerEmail); err != nil {
			return err
		}
	}
	var bad []Assignment
	for _, key := range sortedKeys(have) {
		as := have[key]
		if v.d.Policy.PermissionSetAllowed(as.PermissionSet, ou.Path) || as.PrincipalID == ownerID && as.PermissionSet == ownerPermissionSet {
			continue
		}
		if slices.ContainsFunc(v.plan.Revoke, func(r Assignment) bool {
			return r.PrincipalID == as.PrincipalID && r.PermissionSetArn == as.PermissionSetArn
		}) {
			continue // revoked anyway
		}
		if as.PrincipalName, err = v.d.principalName(ctx, as.PrincipalType, as.PrincipalID); err != nil {
			return err
		}
		bad = append(bad, as)
	}
	if len(bad) == 0 {
		return nil
	}
	names := make([]string, len(bad))
	for i, as := range bad {
		names[i] = as.String()
	}
	if v.req.RevokeDisallowedAccess {
		for _, as := range bad {
			v.planRevoke(as)
		}
		v.doc.Notes = append(v.doc.Notes, fmt.Sprintf("the move to %s revokes access the policy does not allow there (policy.permissionSets, revokeDisallowedAccess): %s",
			ou.Path, strings.Join(names, ", ")))
		return nil
	}
	v.problem("account.organizationalUnit", v.req.Account.OrganizationalUnit,
		fmt.Sprintf("account %s has access the policy does not allow in %s (policy.permissionSets), and a move must not bring it there: %s",
			v.req.Account.ID, ou.Path, strings.Join(names, ", ")),
		`send the move with "revokeDisallowedAccess": true to revoke them as part of it, revoke them first (access items with "revoke": true), or choose an OU where they are allowed`)
	return nil
}

// ownerPermissionSet is the permission set Account Factory gives the
// account's SSO user (the owner) in every account it creates or enrolls.
const ownerPermissionSet = "AWSAdministratorAccess"

// principalName reads a user's user name or a group's display name.
func (d *Deps) principalName(ctx context.Context, kind, id string) (string, error) {
	inst, err := d.identityCenter(ctx)
	if err != nil {
		return "", err
	}
	if err := d.idcPacer().wait(ctx); err != nil {
		return "", err
	}
	if kind == "GROUP" {
		out, err := d.Identity.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(inst.storeID), GroupId: aws.String(id)})
		if err != nil {
			return "", awsErr("identitystore:DescribeGroup", err)
		}
		return aws.ToString(out.DisplayName), nil
	}
	out, err := d.Identity.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(inst.storeID), UserId: aws.String(id)})
	if err != nil {
		return "", awsErr("identitystore:DescribeUser", err)
	}
	return aws.ToString(out.UserName), nil
}

// revokeOwner plans removing every assignment the previous owner has on the account.
func (v *validation) revokeOwner(ctx context.Context, email string) error {
	id, found, err := v.d.userID(ctx, email)
	if err != nil || !found {
		return err
	}
	have, err := v.accountAssignments(ctx)
	if err != nil {
		return err
	}
	for _, key := range sortedKeys(have) {
		if as := have[key]; as.PrincipalType == string(ssotypes.PrincipalTypeUser) && as.PrincipalID == id {
			as.PrincipalName = email
			v.planRevoke(as)
		}
	}
	return nil
}

// previousOwner reads the SSO user email of the product's last successful operation.
func (v *validation) previousOwner(ctx context.Context, recordID string) (string, error) {
	if recordID == "" {
		return "", nil
	}
	out, err := v.d.Catalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(recordID)})
	if err != nil {
		return "", awsErr("servicecatalog:DescribeRecord", err)
	}
	for _, o := range out.RecordOutputs {
		if aws.ToString(o.OutputKey) == "SSOUserEmail" {
			return aws.ToString(o.OutputValue), nil
		}
	}
	return "", nil
}

// identityCenter returns the Identity Center instance, from configuration or ListInstances.
func (d *Deps) identityCenter(ctx context.Context) (*instance, error) {
	d.mu.Lock()
	if d.instance != nil {
		defer d.mu.Unlock()
		return d.instance, nil
	}
	d.mu.Unlock()
	inst := &instance{arn: d.Config.InstanceArn, storeID: d.Config.IdentityStoreID}
	if inst.arn == "" || inst.storeID == "" {
		if err := d.idcPacer().wait(ctx); err != nil {
			return nil, err
		}
		out, err := d.SSO.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
		if err != nil {
			return nil, awsErr("sso:ListInstances", err)
		}
		if len(out.Instances) == 0 {
			return nil, stepErr(ErrFailed, "IAM Identity Center has no instance in this Region; enable it or set the instance in the stack configuration")
		}
		inst.arn, inst.storeID = aws.ToString(out.Instances[0].InstanceArn), aws.ToString(out.Instances[0].IdentityStoreId)
	}
	d.mu.Lock()
	d.instance = inst
	d.mu.Unlock()
	return inst, nil
}

// permissionSets maps permission set names to ARNs.
func (d *Deps) permissionSets(ctx context.Context) (map[string]string, error) {
	return cached(d, "permissionSets", func() (map[string]string, error) { return d.readPermissionSets(ctx) })
}

// readPermissionSets reads the instance's permission sets, by name.
func (d *Deps) readPermissionSets(ctx context.Context) (map[string]string, error) {
	inst, err := d.identityCenter(ctx)
	if err != nil {
		return nil, err
	}
	sets := map[string]string{}
	p := ssoadmin.NewListPermissionSetsPaginator(d.SSO, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(inst.arn)})
	for p.HasMorePages() {
		if err := d.idcPacer().wait(ctx); err != nil {
			return nil, err
		}
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsErr("sso:ListPermissionSets", err)
		}
		for _, arn := range page.PermissionSets {
			if err := d.idcPacer().wait(ctx); err != nil {
				return nil, err
			}
			ps, err := d.SSO.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(inst.arn), PermissionSetArn: aws.String(arn)})
			if err != nil {
				return nil, awsErr("sso:DescribePermissionSet", err)
			}
			sets[aws.ToString(ps.PermissionSet.Name)] = arn
		}
	}
	return sets, nil
}

// userID finds a user by user name, or by email when the name has an @.
func (d *Deps) userID(ctx context.Context, nameOrEmail string) (string, bool, error) {
	path := "userName"
	if strings.Contains(nameOrEmail, "@") {
		path = "emails.value"
	}
	inst, err := d.identityCenter(ctx)
	if err != nil {
		return "", false, err
	}
	if err := d.idcPacer().wait(ctx); err != nil {
		return "", false, err
	}
	out, err := d.Identity.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(inst.storeID),
		AlternateIdentifier: &idtypes.AlternateIdentifierMemberUniqueAttribute{Value: idtypes.UniqueAttribute{
			AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(nameOrEmail)}}})
	var nf *idtypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return "", false, nil
	}
	if err != nil {
		return "", false, awsErr("identitystore:GetUserId", err)
	}
	return aws.ToString(out.UserId), true, nil
}

// groupID finds a group by display name.
// A group found is kept for lookupTTL like the other lookups (a burst of
// requests naming the same groups asks once); a missing one is asked again
// each time, so a group made after a rejection is found at once.
func (d *Deps) groupID(ctx context.Context, name string) (string, bool, error) {
	id, err := cached(d, "group#"+name, func() (string, error) {
		inst, err := d.identityCenter(ctx)
		if err != nil {
			return "", err
		}
		if err := d.idcPacer().wait(ctx); err != nil {
			return "", err
		}
		out, err := d.Identity.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(inst.storeID),
			AlternateIdentifier: &idtypes.AlternateIdentifierMemberUniqueAttribute{Value: idtypes.UniqueAttribute{
				AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument(name)}}})
		var nf *idtypes.ResourceNotFoundException
		if errors.As(err, &nf) {
			return "", errNoGroup
		}
		if err != nil {
			return "", awsErr("identitystore:GetGroupId", err)
		}
		return aws.ToString(out.GroupId), nil
	})
	if errors.Is(err, errNoGroup) {
		return "", false, nil
	}
	return id, err == nil, err
}

// errNoGroup is a group lookup that found none (not kept by cached).
var errNoGroup = errors.New("no such group")

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
