package accountfactory

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Control Tower behind the Account Factory product: Service Catalog hands each
// provision, update and terminate request to Control Tower, which creates or
// enrolls the account, moves it, sets up its Identity Center user, and reports
// completion as a lifecycle event.
//
// How the simulator answers what AWS does not pin down in its documentation:
//   - Quota, one-unmanage-at-a-time and "Control Tower busy" refusals happen
//     when Service Catalog hands the request to Control Tower (afStartDelay after
//     the call), not in the API call: the call returns a CREATED record, which
//     then FAILS with RecordErrors[0].Code "ResourceInUseException" and AWS's
//     observed message afMsgBusy. No lifecycle event, no account; the product
//     is ERROR (TAINTED if it had succeeded before). That is how the error shows
//     up through Terraform's waiter on AWS. The code tells a caller it is transient.
//   - An unknown, ambiguous or unregistered ManagedOrganizationalUnit is
//     refused the same way (Code "ValidationException", no lifecycle event), as
//     AFT users report: ProvisionProduct succeeds, Control Tower's
//     CreateManagedAccount call fails.
//   - Enrollment prechecks (AWSControlTowerExecution role, suspended account)
//     fail in Control Tower's workflow: the record goes IN_PROGRESS, then FAILED
//     afPrecheckTime later, with a FAILED lifecycle event.
//   - Injected faults fail part-way: IN_PROGRESS_IN_ERROR for afRollbackTime,
//     then FAILED with a FAILED lifecycle event; a created account stays, as
//     the product's physical id, so a retry finds it.
//   - An email of an existing account means enrollment (a new email means a
//     new account); a different AccountName, an enrolled account, or an account
//     another product holds is refused like an unregistered OU.
//   - A create starts with Organizations CreateAccount (RoleName
//     AWSControlTowerExecution), which Control Tower polls: the account appears
//     in Root a few minutes into the operation, with Organizations'
//     CreateAccountResult and AccountJoinedOrganization events, and is moved to
//     the OU. The provisioned product's PhysicalId stays empty until Control
//     Tower finishes (or fails after the account exists, so a retry finds it);
//     the record's outputs appear only at the end.
//   - The lifecycle event is CreateManagedAccount unless Control Tower has
//     worked on the account before (an update, or a retry after a failure that
//     got past the prechecks): then UpdateManagedAccount, as the docs warn.
//   - A product that failed can be retried with UpdateProvisionedProduct (all
//     parameters, UsePreviousValue allowed) or terminated and provisioned again.

// Operation kinds (the Service Catalog request) and actions (what Control Tower does).
const (
	afProvision = "provision"
	afUpdate    = "update"
	afTerminate = "terminate"

	afCreate = "create"
	afEnroll = "enroll"
)

// Phases of an account operation.
const (
	afPending  = "pending"  // record CREATED: Service Catalog has not handed it to Control Tower yet
	afCreating = "creating" // record IN_PROGRESS, Organizations CreateAccount in flight: polled at Next
	afRunning  = "running"  // record IN_PROGRESS
	afFailing  = "failing"  // record IN_PROGRESS, a precheck failed: FAILED at Next
	afRollback = "rollback" // record IN_PROGRESS_IN_ERROR: FAILED at Next
)

const (
	// afStartDelay is how long a record stays CREATED before Control Tower takes it.
	afStartDelay = 15 * time.Second
	// afPrecheckTime is how long Control Tower runs before a precheck fails.
	afPrecheckTime = 2 * time.Minute
	// afRollbackTime is how long a failing record stays IN_PROGRESS_IN_ERROR.
	afRollbackTime = 3 * time.Minute
	// afCreatePoll is how often Control Tower asks Organizations whether the
	// account it requested exists yet (DescribeCreateAccountStatus), and waits
	// out Organizations' limit of concurrent account creations.
	afCreatePoll = 30 * time.Second
)

// Control Tower's messages.
const (
	// afMsgBusy is AWS's message when the account-operation quota is used up or
	// another Control Tower operation runs (observed, AFT issue #363).
	afMsgBusy = "Account Factory cannot complete an operation on this account, because another AWS Control Tower operation is in progress. Try again later."
	// afMsgRole is the enrollment failure for a missing or untrusted AWSControlTowerExecution role.
	afMsgRole = "AWS Control Tower is unable to assume the AWSControlTowerExecution role in the account. Add the role to your account if it's not present, and try again"
	// afMsgSuspended is the enrollment failure for a suspended account.
	afMsgSuspended = "This account has been suspended. It cannot be enrolled in AWS Control Tower."
	// afMsgAutoEnrolling, afMsgOUMove and afMsgOUReset refuse an operation
	// that conflicts with auto-enrollment or a reset (not quoted from AWS).
	afMsgAutoEnrolling = "Account Factory cannot complete an operation on account %s, because AWS Control Tower is working on its baseline after a move (baseline operation %s). Try again later."
	afMsgOUMove        = "Account Factory cannot complete an operation on organizational unit %s, because a move account operation (%s, account %s) is in progress on it. Try again later."
	afMsgOUReset       = "Account Factory cannot complete an operation on organizational unit %s, because a ResetEnabledBaseline operation (%s) is in progress on it. Try again later."
	afMsgCreated       = "AWS Control Tower successfully created a managed account."
	afMsgUpdated       = "AWS Control Tower successfully updated a managed account."

	afEventCreate = "CreateManagedAccount"
	afEventUpdate = "UpdateManagedAccount"
)

// afSubmit attaches Control Tower's work to a new record. The lock is held.
func (s *Service) afSubmit(rec *Record, kind string, params map[string]string, artifactID string, now time.Time) {
	rec.Operation = &AccountOperation{Kind: kind, Phase: afPending, Params: params, ArtifactID: artifactID, Requested: now}
	if s.active == nil {
		s.rebuildActive()
	}
	s.active[rec.ID] = struct{}{}
	s.afSchedule(rec, now.Add(afStartDelay))
}

// afSchedule sets the operation's next step. The lock is held.
func (s *Service) afSchedule(rec *Record, at time.Time) {
	rec.Operation.Next = at
	rec.Operation.Seq++
	s.afArm(rec.ID)
}

// afArm starts the timer for the record's next step. The lock is held.
func (s *Service) afArm(recID string) {
	op := s.state.Records[recID].Operation
	seq := op.Seq
	d := op.Next.Sub(s.env.Clock.Now())
	if d < 0 {
		d = 0
	}
	s.env.AfterLocked(d, func() { s.afFire(recID, seq) })
}

// afFire runs a timer's step unless a later schedule replaced it. The lock is held.
func (s *Service) afFire(recID string, seq int) {
	rec := s.state.Records[recID]
	if rec == nil || rec.Operation == nil || rec.Operation.Seq != seq {
		return
	}
	s.afStep(rec, s.env.Clock.Now())
}

// afStep moves an operation on from its current phase. The lock is held.
func (s *Service) afStep(rec *Record, now time.Time) {
	op := rec.Operation
	pp := s.state.Provisioned[rec.ProvisionedProductID]
	if pp == nil { // cannot happen: a product under change cannot be terminated
		rec.Operation = nil
		return
	}
	switch op.Phase {
	case afPending:
		s.afStart(rec, pp, now)
	case afCreating:
		s.afPollAccount(rec, pp, now)
	case afFailing:
		s.afFail(rec, pp, now, op.FailCode, op.FailMessage, true)
	case afRunning:
		if op.FailMessage != "" {
			op.Phase = afRollback
			rec.Status = recInProgressInError
			rec.Updated = now
			s.afSchedule(rec, now.Add(afRollbackTime))
			return
		}
		s.afSucceed(rec, pp, now)
	case afRollback:
		s.afFail(rec, pp, now, op.FailCode, op.FailMessage, true)
	}
}

// afInFlight counts the account operations Control Tower is working on:
// Account Factory's and auto-enrollment's, which share the quota. The lock
// is held.
func (s *Service) afInFlight() (ops, terminations int) {
	ops = s.blSlots()
	for _, r := range s.activeRecords() {
		if op := r.Operation; op != nil && op.Phase != afPending {
			ops++
			if op.Kind == afTerminate {
				terminations++
			}
		}
	}
	return ops, terminations
}

// afStart is Control Tower taking the request from Service Catalog. The lock is held.
func (s *Service) afStart(rec *Record, pp *ProvisionedProduct, now time.Time) {
	op := rec.Operation
	ct := s.set
	running, terminating := s.afInFlight()
	if s.busy(now) || running >= ct.ConcurrentAccountOperations || (op.Kind == afTerminate && terminating > 0) {
		s.state.Refused++
		s.afFail(rec, pp, now, "ResourceInUseException", afMsgBusy, false)
		return
	}
	s.state.PeakInFlight = max(s.state.PeakInFlight, running+1)
	if op.Kind == afTerminate {
		if msg := s.afConflict(pp.PhysicalID, ""); msg != "" {
			s.state.Refused++
			s.afFail(rec, pp, now, "ResourceInUseException", msg, false)
			return
		}
		op.Action, op.AccountID = afTerminate, pp.PhysicalID
		s.afRun(rec, now, s.afJitter(ct.TerminateTime))
		return
	}
	ou, msg := s.afResolveOU(op.Params[afManagedOU])
	if msg != "" {
		s.afFail(rec, pp, now, "ValidationException", msg, false)
		return
	}
	op.OUID = ou.ID
	accountID := pp.PhysicalID
	if accountID == "" {
		if a, ok := s.org.AccountByEmail(op.Params[afAccountEmail]); ok {
			accountID = a.ID
		}
	}
	if msg := s.afConflict(accountID, ou.ID); msg != "" {
		s.state.Refused++
		s.afFail(rec, pp, now, "ResourceInUseException", msg, false)
		return
	}

	var acct *Account
	if pp.PhysicalID != "" {
		a, ok := s.org.Account(pp.PhysicalID)
		if !ok {
			s.afFail(rec, pp, now, "ValidationException", "The account "+pp.PhysicalID+" of this provisioned product is no longer in the organization.", false)
			return
		}
		acct = &a
	} else if a, ok := s.org.AccountByEmail(op.Params[afAccountEmail]); ok {
		// An existing account's email means enrollment; Control Tower checks it
		// is the account the caller means.
		var refusal string
		switch owner := s.state.productOwning(a.ID); {
		case a.ID == s.env.ManagementAccountID:
			refusal = "AWS Control Tower cannot enroll the management account."
		case a.Enrolled:
			refusal = "The account " + a.Name + " (" + a.ID + ") is already enrolled in AWS Control Tower."
		case owner != nil && owner != pp:
			refusal = "The account " + a.Name + " (" + a.ID + ") is already associated with provisioned product " + owner.Name + " (" + owner.ID + "). Update or terminate that provisioned product."
		case a.Name != op.Params[afAccountName]:
			refusal = "The AccountName " + op.Params[afAccountName] + " does not match the name " + a.Name + " of the existing account with email " + a.Email + ". To enroll an existing account, give its current name and email."
		}
		if refusal != "" {
			s.afFail(rec, pp, now, "ValidationException", refusal, false)
			return
		}
		acct = &a
	}
	op.Event = afEventCreate
	if acct != nil && s.state.KnownAccounts[acct.ID] {
		// Control Tower has worked on this account before (a retry after a
		// failure, or an update): it reports an update.
		op.Event = afEventUpdate
	}

	if acct != nil {
		op.AccountID = acct.ID
		var precheck string
		switch {
		case acct.Status != "ACTIVE":
			precheck = afMsgSuspended
		case !acct.ExecutionRoleTrusted:
			precheck = afMsgRole
		}
		if precheck != "" {
			op.Phase, op.FailCode, op.FailMessage = afFailing, "ValidationException", precheck
			rec.Status, rec.Updated = recInProgress, now
			s.afBegan(rec, now, afPrecheckTime)
			s.afSchedule(rec, now.Add(afPrecheckTime))
			return
		}
	}

	var base time.Duration
	switch {
	case acct == nil:
		op.Action, base = afCreate, ct.ProvisioningTime
	case pp.PhysicalID == "":
		s.org.MoveAccount(acct.ID, ou.ID) // enrollment moves the account into the OU first
		op.Action, base = afEnroll, ct.EnrollmentTime
	default:
		op.Action, base = afUpdate, ct.UpdateTime
	}
	if acct != nil {
		op.AccountID = acct.ID
		pp.PhysicalID = acct.ID
		s.state.KnownAccounts[acct.ID] = true
	}

	d := s.afJitter(base)
	if s.afInjectFailure(op) {
		op.FailCode, op.FailMessage = "InternalFailure", afMsgBaseline(op.AccountID)
		d /= 2 // it fails part-way
	}
	if op.Action == afCreate {
		// Control Tower's workflow starts with Organizations CreateAccount;
		// the rest of its work is done once the account exists.
		op.Phase, op.Started, op.Duration = afCreating, now, d
		rec.Status, rec.Updated = recInProgress, now
		s.afBegan(rec, now, d)
		s.afRequestAccount(rec, pp, now)
		return
	}
	s.afRun(rec, now, d)
}

// afConflict is Control Tower's refusal of an Account Factory operation on
// an account (if known) into an OU (if any) while auto-enrollment or a
// reset works on them: the account's own baseline operation, or a move
// account operation or reset on the OU, the account's OU for a terminate
// (the limits page: other account operations on the destination OU
// conflict until the move has finished). "" when there is none. The lock
// is held.
func (s *Service) afConflict(accountID, ouID string) string {
	if accountID != "" {
		if op := s.blInFlightOn(accountID); op != nil {
			if op.AccountID == "" {
				return fmt.Sprintf(afMsgOUReset, s.parentName(op.OUID), op.ID)
			}
			return fmt.Sprintf(afMsgAutoEnrolling, accountID, op.ID)
		}
		if ouID == "" {
			if a, ok := s.org.Account(accountID); ok {
				ouID = a.ParentID
			}
		}
	}
	if op := s.moveInFlight(ouID); op != nil {
		if op.AccountID == "" {
			return fmt.Sprintf(afMsgOUReset, s.parentName(ouID), op.ID)
		}
		return fmt.Sprintf(afMsgOUMove, s.parentName(ouID), op.ID, op.AccountID)
	}
	return ""
}

// afRequestAccount calls Organizations CreateAccount for a create, or waits
// out Organizations' limit of concurrent creations. The lock is held.
func (s *Service) afRequestAccount(rec *Record, pp *ProvisionedProduct, now time.Time) {
	op := rec.Operation
	id, busy, err := s.org.StartCreateAccount(op.Params[afAccountName], op.Params[afAccountEmail])
	switch {
	case busy:
	case err != nil:
		s.afFail(rec, pp, now, "ValidationException", "AWS Control Tower could not create the account: AWS Organizations refused CreateAccount: "+err.Error(), true)
		return
	default:
		op.CreateRequestID = id
	}
	s.afSchedule(rec, now.Add(afCreatePoll))
}

// afPollAccount checks Organizations' CreateAccount request; once the account
// exists Control Tower moves it into the OU and goes on for the rest of the
// operation's time. The lock is held.
func (s *Service) afPollAccount(rec *Record, pp *ProvisionedProduct, now time.Time) {
	op := rec.Operation
	if op.CreateRequestID == "" {
		s.afRequestAccount(rec, pp, now)
		return
	}
	state, id, reason := s.org.CreateAccountStatus(op.CreateRequestID)
	switch state {
	case "SUCCEEDED":
	case "FAILED":
		s.afFail(rec, pp, now, "ValidationException", "AWS Control Tower could not create the account: AWS Organizations CreateAccount failed with "+reason+".", true)
		return
	default:
		s.afSchedule(rec, now.Add(afCreatePoll))
		return
	}
	op.AccountID = id
	s.state.KnownAccounts[id] = true
	s.org.MoveAccount(id, op.OUID)
	if op.FailCode == "InternalFailure" {
		op.FailMessage = afMsgBaseline(id)
	}
	op.Phase = afRunning
	rec.Updated = now
	// The rest of the planned time, and at least a minute.
	end := op.Started.Add(op.Duration)
	if end.Before(now.Add(time.Minute)) {
		end = now.Add(time.Minute)
	}
	s.afSchedule(rec, end)
}

// afMsgBaseline is the failure an injected fault ends an operation with.
func afMsgBaseline(accountID string) string {
	return "AWS Control Tower could not apply the AWSControlTowerBaseline to account " + accountID +
		": a stack set instance operation failed. Update the provisioned product to try again."
}

// afRun marks the record IN_PROGRESS and schedules the end. The lock is held.
func (s *Service) afRun(rec *Record, now time.Time, d time.Duration) {
	rec.Operation.Phase = afRunning
	rec.Status, rec.Updated = recInProgress, now
	s.afBegan(rec, now, d)
	s.afSchedule(rec, now.Add(d))
}

// afJitter spreads a duration by up to the world's Spread either way, from the seeded rand.
func (s *Service) afJitter(base time.Duration) time.Duration {
	d := base
	if spread := s.set.Spread; spread > 0 {
		d += time.Duration((s.env.Rand().Float64()*2 - 1) * float64(spread))
	}
	if d < time.Minute {
		d = time.Minute
	}
	return d.Truncate(time.Second)
}

// afInjectFailure decides from the world's faults whether the operation fails:
// FailProvisioning names fail their first provisioning (create or enroll);
// FailProvisioningRate fails that share of creates, enrollments and updates.
func (s *Service) afInjectFailure(op *AccountOperation) bool {
	return s.injectFailure(op.Params[afAccountName], op.Params[afAccountEmail], op.Action == afCreate || op.Action == afEnroll)
}

// injectFailure decides whether an operation on an account (by name and
// email) fails: a FailProvisioning entry not yet spent when it provisions
// (creates or enrolls), or FailProvisioningRate, drawn from the seeded rand.
func (s *Service) injectFailure(name, email string, provisioning bool) bool {
	if provisioning {
		for _, f := range s.env.Faults().FailProvisioning {
			if !strings.EqualFold(f, name) && !strings.EqualFold(f, email) {
				continue
			}
			if !afContainsFold(s.state.SpentFaults, f) {
				s.state.SpentFaults = append(s.state.SpentFaults, f)
				return true
			}
		}
	}
	if rate := s.env.Faults().FailProvisioningRate; rate > 0 {
		return s.env.Rand().Float64() < rate
	}
	return false
}

func afContainsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

var afOURe = regexp.MustCompile(`^(.*) \((ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})\)$`)

// afResolveOU finds the OU a ManagedOrganizationalUnit value names: "Name
// (ou-id)", or a bare name of a top-level OU when only one has it. msg is
// Control Tower's refusal when there is no such registered OU.
func (s *Service) afResolveOU(v string) (ou OU, msg string) {
	if m := afOURe.FindStringSubmatch(v); m != nil {
		var ok bool
		ou, ok = s.org.OU(m[2])
		if !ok || ou.Name != m[1] {
			return OU{}, "AWS Control Tower cannot find the organizational unit " + v + " in your organization. Specify a registered OU as \"Name (ou-id)\"."
		}
	} else {
		var named []OU
		for _, u := range s.org.ChildOUs(s.org.RootID()) {
			if u.Name == v {
				named = append(named, u)
			}
		}
		switch len(named) {
		case 0:
			return OU{}, "AWS Control Tower cannot find the organizational unit " + v + " in your organization. Specify a registered OU as \"Name (ou-id)\"."
		case 1:
			ou = named[0]
		default:
			return OU{}, "More than one top-level organizational unit is named " + v + ". Specify the OU as \"Name (ou-id)\"."
		}
	}
	if !ou.Registered {
		return OU{}, "The organizational unit " + ou.Name + " (" + ou.ID + ") is not registered with AWS Control Tower. Register the OU, or choose a registered OU."
	}
	return ou, ""
}

// afSucceed completes an operation. The lock is held.
func (s *Service) afSucceed(rec *Record, pp *ProvisionedProduct, now time.Time) {
	op := rec.Operation
	if op.Action == afTerminate {
		// Unmanaging leaves the account open: it goes back to Root, not enrolled.
		if _, ok := s.org.Account(op.AccountID); ok {
			s.org.MoveAccount(op.AccountID, s.org.RootID())
			s.org.SetEnrolled(op.AccountID, false)
		}
		delete(s.state.Provisioned, pp.ID)
		delete(s.state.AccountBaselines, op.AccountID) // the account's baseline goes with its product
		s.productsGen++
		rec.Status, rec.Updated, rec.Operation = recSucceeded, now, nil
		s.afEnded(rec, now)
		return
	}
	acct, ok := s.org.Account(op.AccountID)
	if !ok {
		s.afFail(rec, pp, now, "InternalFailure", "The account "+op.AccountID+" left the organization while AWS Control Tower was working on it.", true)
		return
	}
	s.org.MoveAccount(acct.ID, op.OUID) // an update's OU change lands at the end (MoveAccount)
	s.org.RenameAccount(acct.ID, op.Params[afAccountName])
	s.org.SetEnrolled(acct.ID, true)
	s.org.TrustExecutionRole(acct.ID)
	// Account Factory's own baseline on the account replaces what an
	// earlier auto-enrollment left (a failed one, say).
	delete(s.state.AccountBaselines, acct.ID)
	s.afGrantAdmin(acct.ID, op.Params)

	pp.PhysicalID = acct.ID // a new account's product gets it only now
	pp.Parameters = op.Params
	pp.ArtifactID = op.ArtifactID
	pp.Status, pp.StatusMessage = ppAvailable, ""
	pp.LastSuccessfulRecordID = rec.ID
	rec.Outputs = afOutputs(acct.ID, op.Params)
	rec.Status, rec.Updated, rec.Operation = recSucceeded, now, nil
	s.afEnded(rec, now)
	msg := afMsgCreated
	if op.Event == afEventUpdate {
		msg = afMsgUpdated
	}
	s.afEmit(op, acct.ID, "SUCCEEDED", msg, now)
}

// afFail ends an operation in failure; emit sends the FAILED lifecycle event
// when Control Tower's workflow had started. The lock is held.
func (s *Service) afFail(rec *Record, pp *ProvisionedProduct, now time.Time, code, msg string, emit bool) {
	op := rec.Operation
	rec.Status, rec.Updated, rec.Operation = recFailed, now, nil
	rec.Errors = []RecordError{{Code: code, Description: msg}}
	s.afEnded(rec, now)
	if op.Action == afCreate && op.AccountID != "" && pp.PhysicalID == "" {
		pp.PhysicalID = op.AccountID // the account exists: a retry finds it
	}
	// A product that never succeeded is ERROR; one that did keeps working and is TAINTED.
	pp.Status = ppTainted
	if pp.LastSuccessfulRecordID == "" {
		pp.Status = ppError
	}
	pp.StatusMessage = code + "  " + msg
	if emit && op.Event != "" {
		s.afEmit(op, op.AccountID, "FAILED", msg, now)
	}
}

// afOutputs are the Account Factory record's outputs.
func afOutputs(accountID string, params map[string]string) []Output {
	return []Output{
		{Key: "AccountEmail", Value: params[afAccountEmail]},
		{Key: "AccountId", Value: accountID},
		{Key: "SSOUserEmail", Value: params[afSSOEmail]},
	}
}

// afGrantAdmin is Control Tower setting up the account's Identity Center user:
// it creates the user for SSOUserEmail if there is none and gives it
// AWSAdministratorAccess on the account. Earlier users keep their access.
// The lock is held.
func (s *Service) afGrantAdmin(accountID string, params map[string]string) {
	if !s.idc.Enabled() {
		return // no Identity Center instance in this world
	}
	userID, ok := s.idc.UserByEmail(params[afSSOEmail])
	if !ok {
		userID = s.idc.AddUser(params[afSSOEmail], params[afSSOEmail], params[afSSOFirstName], params[afSSOLastName])
	}
	ps, ok := s.idc.PermissionSetByName("AWSAdministratorAccess")
	if !ok {
		ps = s.idc.AddPermissionSet("AWSAdministratorAccess", "Provides full access to AWS services and resources", "PT1H", s.env.Clock.Now())
	}
	s.idc.Assign(accountID, ps, "USER", userID)
}

// busy reports whether another Control Tower operation is running now (the
// world's Faults.ControlTowerBusy windows). The lock is held.
func (s *Service) busy(now time.Time) bool {
	for _, win := range s.env.Faults().ControlTowerBusy {
		if !now.Before(s.env.Start.Add(win.From.D())) && now.Before(s.env.Start.Add(win.Until.D())) {
			return true
		}
	}
	return false
}
