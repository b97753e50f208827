package awssim

import (
	"github.com/towervend/towervend/internal/awssim/identitycenter"
	"github.com/towervend/towervend/internal/awssim/protocol"
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
	afMsgCreated   = "AWS Control Tower successfully created a managed account."
	afMsgUpdated   = "AWS Control Tower successfully updated a managed account."

	afEventCreate = "CreateManagedAccount"
	afEventUpdate = "UpdateManagedAccount"
)

// AccountOperation is Control Tower's work on one record.
type AccountOperation struct {
	// Kind is the Service Catalog request: provision, update or terminate.
	Kind string `json:"kind"`
	// Action is what Control Tower does, decided when it takes the request:
	// create, enroll, update or terminate.
	Action string `json:"action,omitempty"`
	Phase  string `json:"phase"`
	// Params are the requested parameters.
	Params     map[string]string `json:"params"`
	ArtifactID string            `json:"artifactId"`
	AccountID  string            `json:"accountId,omitempty"`
	OUID       string            `json:"ouId,omitempty"`
	// Event is the lifecycle event the operation ends with, if any.
	Event     string    `json:"event,omitempty"`
	Requested time.Time `json:"requested"`
	// Next is when the operation takes its next step.
	Next time.Time `json:"next"`
	// Seq tells the current timer from stale ones.
	Seq         int    `json:"seq"`
	FailCode    string `json:"failCode,omitempty"`
	FailMessage string `json:"failMessage,omitempty"`
}

// afSubmit attaches Control Tower's work to a new record. s.mu is held.
func (s *Sim) afSubmit(rec *CatalogRecord, kind string, params map[string]string, artifactID string, now time.Time) {
	rec.Operation = &AccountOperation{Kind: kind, Phase: afPending, Params: params, ArtifactID: artifactID, Requested: now}
	s.afSchedule(rec, now.Add(afStartDelay))
}

// afSchedule sets the operation's next step. s.mu is held.
func (s *Sim) afSchedule(rec *CatalogRecord, at time.Time) {
	rec.Operation.Next = at
	rec.Operation.Seq++
	s.afArm(rec.ID)
}

// afArm starts the timer for the record's next step. s.mu is held.
func (s *Sim) afArm(recID string) {
	op := s.catalog.Records[recID].Operation
	seq := op.Seq
	d := op.Next.Sub(s.env.Clock.Now())
	if d < 0 {
		d = 0
	}
	s.env.Clock.AfterFunc(d, func() { s.afFire(recID, seq) })
}

func (s *Sim) afFire(recID string, seq int) {
	s.env.Lock()
	defer s.env.Unlock()
	rec := s.catalog.Records[recID]
	if rec == nil || rec.Operation == nil || rec.Operation.Seq != seq {
		return
	}
	s.afStep(rec, s.env.Clock.Now())
}

// afStep moves an operation on from its current phase. s.mu is held.
func (s *Sim) afStep(rec *CatalogRecord, now time.Time) {
	op := rec.Operation
	pp := s.catalog.Provisioned[rec.ProvisionedProductID]
	if pp == nil { // cannot happen: a product under change cannot be terminated
		rec.Operation = nil
		return
	}
	switch op.Phase {
	case afPending:
		s.afStart(rec, pp, now)
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

// afInFlight counts the account operations Control Tower is working on.
// s.mu is held.
func (s *Sim) afInFlight() (ops, terminations int) {
	for _, r := range s.catalog.Records {
		if op := r.Operation; op != nil && op.Phase != afPending {
			ops++
			if op.Kind == afTerminate {
				terminations++
			}
		}
	}
	return ops, terminations
}

// afStart is Control Tower taking the request from Service Catalog. s.mu is held.
func (s *Sim) afStart(rec *CatalogRecord, pp *ProvisionedProduct, now time.Time) {
	op := rec.Operation
	ct := s.world.ControlTower
	running, terminating := s.afInFlight()
	if s.ctBusy(now) || running >= ct.ConcurrentAccountOperations || (op.Kind == afTerminate && terminating > 0) {
		s.catalog.Refused++
		s.afFail(rec, pp, now, "ResourceInUseException", afMsgBusy, false)
		return
	}
	s.catalog.PeakInFlight = max(s.catalog.PeakInFlight, running+1)
	if op.Kind == afTerminate {
		op.Action, op.AccountID = afTerminate, pp.PhysicalID
		s.afRun(rec, now, s.afJitter(ct.TerminateTime.D()))
		return
	}
	ou, msg := s.afResolveOU(op.Params[afManagedOU])
	if msg != "" {
		s.afFail(rec, pp, now, "ValidationException", msg, false)
		return
	}
	op.OUID = ou.ID

	var acct *Account
	if pp.PhysicalID != "" {
		if acct = s.org.Account(pp.PhysicalID); acct == nil {
			s.afFail(rec, pp, now, "ValidationException", "The account "+pp.PhysicalID+" of this provisioned product is no longer in the organization.", false)
			return
		}
	} else if a := s.org.AccountByEmail(op.Params[afAccountEmail]); a != nil {
		// An existing account's email means enrollment; Control Tower checks it
		// is the account the caller means.
		var refusal string
		switch owner := s.catalog.productOwning(a.ID); {
		case a.ID == s.org.ManagementAccountID():
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
		acct = a
	}
	op.Event = afEventCreate
	if acct != nil && s.catalog.KnownAccounts[acct.ID] {
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
		case acct.ExecutionRole != RoleTrusted:
			precheck = afMsgRole
		}
		if precheck != "" {
			op.Phase, op.FailCode, op.FailMessage = afFailing, "ValidationException", precheck
			rec.Status, rec.Updated = recInProgress, now
			s.afSchedule(rec, now.Add(afPrecheckTime))
			return
		}
	}

	var base time.Duration
	switch {
	case acct == nil:
		// Control Tower's workflow starts with Organizations CreateAccount.
		id := s.org.NewAccountID()
		acct = &Account{ID: id, Name: op.Params[afAccountName], Email: op.Params[afAccountEmail], ParentID: ou.ID,
			Status: "ACTIVE", JoinedMethod: "CREATED", JoinedTimestamp: now, ExecutionRole: RoleTrusted}
		s.org.AddAccount(acct)
		op.Action, op.AccountID, base = afCreate, id, ct.ProvisioningTime.D()
	case pp.PhysicalID == "":
		acct.ParentID = ou.ID // enrollment moves the account into the OU first
		op.Action, base = afEnroll, ct.EnrollmentTime.D()
	default:
		op.Action, base = afUpdate, ct.UpdateTime.D()
	}
	pp.PhysicalID = acct.ID
	s.catalog.KnownAccounts[acct.ID] = true

	d := s.afJitter(base)
	if s.afInjectFailure(op) {
		op.FailCode = "InternalFailure"
		op.FailMessage = "AWS Control Tower could not apply the AWSControlTowerBaseline to account " + acct.ID +
			": a stack set instance operation failed. Update the provisioned product to try again."
		d /= 2 // it fails part-way
	}
	s.afRun(rec, now, d)
}

// afRun marks the record IN_PROGRESS and schedules the end. s.mu is held.
func (s *Sim) afRun(rec *CatalogRecord, now time.Time, d time.Duration) {
	rec.Operation.Phase = afRunning
	rec.Status, rec.Updated = recInProgress, now
	s.afSchedule(rec, now.Add(d))
}

// afJitter spreads a duration by up to the world's Spread either way, from the seeded rand.
func (s *Sim) afJitter(base time.Duration) time.Duration {
	d := base
	if spread := s.world.ControlTower.Spread.D(); spread > 0 {
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
func (s *Sim) afInjectFailure(op *AccountOperation) bool {
	if op.Action == afCreate || op.Action == afEnroll {
		for _, f := range (*s.env.Faults()).FailProvisioning {
			if !strings.EqualFold(f, op.Params[afAccountName]) && !strings.EqualFold(f, op.Params[afAccountEmail]) {
				continue
			}
			if !afContainsFold(s.catalog.SpentFaults, f) {
				s.catalog.SpentFaults = append(s.catalog.SpentFaults, f)
				return true
			}
		}
	}
	if rate := (*s.env.Faults()).FailProvisioningRate; rate > 0 {
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
func (s *Sim) afResolveOU(v string) (ou *OU, msg string) {
	if m := afOURe.FindStringSubmatch(v); m != nil {
		ou = s.org.OU(m[2])
		if ou == nil || ou.Name != m[1] {
			return nil, "AWS Control Tower cannot find the organizational unit " + v + " in your organization. Specify a registered OU as \"Name (ou-id)\"."
		}
	} else {
		var named []*OU
		for _, u := range s.org.ChildOUs(s.org.RootID()) {
			if u.Name == v {
				named = append(named, u)
			}
		}
		switch len(named) {
		case 0:
			return nil, "AWS Control Tower cannot find the organizational unit " + v + " in your organization. Specify a registered OU as \"Name (ou-id)\"."
		case 1:
			ou = named[0]
		default:
			return nil, "More than one top-level organizational unit is named " + v + ". Specify the OU as \"Name (ou-id)\"."
		}
	}
	if !ou.Registered {
		return nil, "The organizational unit " + ou.Name + " (" + ou.ID + ") is not registered with AWS Control Tower. Register the OU, or choose a registered OU."
	}
	return ou, ""
}

// afSucceed completes an operation. s.mu is held.
func (s *Sim) afSucceed(rec *CatalogRecord, pp *ProvisionedProduct, now time.Time) {
	op := rec.Operation
	if op.Action == afTerminate {
		// Unmanaging leaves the account open: it goes back to Root, not enrolled.
		if acct := s.org.Account(op.AccountID); acct != nil {
			acct.ParentID = s.org.RootID()
			acct.Enrolled = false
		}
		delete(s.catalog.Provisioned, pp.ID)
		rec.Status, rec.Updated, rec.Operation = recSucceeded, now, nil
		return
	}
	acct := s.org.Account(op.AccountID)
	if acct == nil {
		s.afFail(rec, pp, now, "InternalFailure", "The account "+op.AccountID+" left the organization while AWS Control Tower was working on it.", true)
		return
	}
	acct.ParentID = op.OUID // an update's OU change lands at the end (MoveAccount)
	acct.Name = op.Params[afAccountName]
	acct.Enrolled = true
	acct.ExecutionRole = RoleTrusted
	s.afGrantAdmin(acct.ID, op.Params)

	pp.Parameters = op.Params
	pp.ArtifactID = op.ArtifactID
	pp.Status, pp.StatusMessage = ppAvailable, ""
	pp.LastSuccessfulRecordID = rec.ID
	rec.Outputs = afOutputs(acct.ID, op.Params)
	rec.Status, rec.Updated, rec.Operation = recSucceeded, now, nil
	msg := afMsgCreated
	if op.Event == afEventUpdate {
		msg = afMsgUpdated
	}
	s.afEmit(op, acct.ID, "SUCCEEDED", msg, now)
}

// afFail ends an operation in failure; emit sends the FAILED lifecycle event
// when Control Tower's workflow had started. s.mu is held.
func (s *Sim) afFail(rec *CatalogRecord, pp *ProvisionedProduct, now time.Time, code, msg string, emit bool) {
	op := rec.Operation
	rec.Status, rec.Updated, rec.Operation = recFailed, now, nil
	rec.Errors = []CatalogRecordError{{Code: code, Description: msg}}
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
func afOutputs(accountID string, params map[string]string) []CatalogOutput {
	return []CatalogOutput{
		{Key: "AccountEmail", Value: params[afAccountEmail]},
		{Key: "AccountId", Value: accountID},
		{Key: "SSOUserEmail", Value: params[afSSOEmail]},
	}
}

// afGrantAdmin is Control Tower setting up the account's Identity Center user:
// it creates the user for SSOUserEmail if there is none and gives it
// AWSAdministratorAccess on the account. Earlier users keep their access.
// s.mu is held.
func (s *Sim) afGrantAdmin(accountID string, params map[string]string) {
	id := s.identity.State()
	if id.Users == nil || id.PermissionSets == nil {
		return // no Identity Center instance in this world
	}
	u := id.UserByEmail(params[afSSOEmail])
	if u == nil {
		u = s.identity.AddUser(params[afSSOEmail], params[afSSOEmail], params[afSSOFirstName], params[afSSOLastName])
	}
	ps := id.PermissionSetByName("AWSAdministratorAccess")
	if ps == nil {
		ps = s.identity.AddPermissionSet("AWSAdministratorAccess", "Provides full access to AWS services and resources", "PT1H", s.env.Clock.Now())
	}
	id.Assign(identitycenter.Assignment{AccountID: accountID, PermissionSetArn: ps.Arn, PrincipalType: "USER", PrincipalID: u.ID})
}

// --- lifecycle events ---

// afTimestamp is the lifecycle events' requested/completed timestamp format.
const afTimestamp = "2006-01-02T15:04:05-0700"

type afUserIdentity struct {
	AccountID string `json:"accountId"`
	InvokedBy string `json:"invokedBy"`
}

type afOrganizationalUnit struct {
	Name string `json:"organizationalUnitName"`
	ID   string `json:"organizationalUnitId"`
}

type afAccountRef struct {
	Name string `json:"accountName"`
	ID   string `json:"accountId"`
}

type afManagedAccountStatus struct {
	OrganizationalUnit afOrganizationalUnit `json:"organizationalUnit"`
	Account            afAccountRef         `json:"account"`
	State              string               `json:"state"`
	Message            string               `json:"message"`
	RequestedTimestamp string               `json:"requestedTimestamp"`
	CompletedTimestamp string               `json:"completedTimestamp"`
}

// afEventDetail is the CloudTrail record of a Control Tower lifecycle event.
type afEventDetail struct {
	EventVersion        string                            `json:"eventVersion"`
	UserIdentity        afUserIdentity                    `json:"userIdentity"`
	EventTime           string                            `json:"eventTime"`
	EventSource         string                            `json:"eventSource"`
	EventName           string                            `json:"eventName"`
	AWSRegion           string                            `json:"awsRegion"`
	SourceIPAddress     string                            `json:"sourceIPAddress"`
	UserAgent           string                            `json:"userAgent"`
	EventID             string                            `json:"eventID"`
	ReadOnly            bool                              `json:"readOnly"`
	EventType           string                            `json:"eventType"`
	ServiceEventDetails map[string]afManagedAccountStatus `json:"serviceEventDetails"`
}

// afEmit publishes the operation's lifecycle event on the default bus. s.mu is held.
func (s *Sim) afEmit(op *AccountOperation, accountID, state, message string, now time.Time) {
	if op.Event == "" {
		return
	}
	ouName := ""
	if ou := s.org.OU(op.OUID); ou != nil {
		ouName = ou.Name
	}
	if accountID == "" {
		accountID = "Not Available"
	}
	key := "createManagedAccountStatus"
	if op.Event == afEventUpdate {
		key = "updateManagedAccountStatus"
	}
	detail := afEventDetail{
		EventVersion:    "1.05",
		UserIdentity:    afUserIdentity{AccountID: s.org.ManagementAccountID(), InvokedBy: "AWS Internal"},
		EventTime:       now.UTC().Format(time.RFC3339),
		EventSource:     "controltower.amazonaws.com",
		EventName:       op.Event,
		AWSRegion:       s.world.Region,
		SourceIPAddress: "AWS Internal",
		UserAgent:       "AWS Internal",
		EventID:         s.env.UUID(),
		ReadOnly:        false,
		EventType:       "AwsServiceEvent",
		ServiceEventDetails: map[string]afManagedAccountStatus{key: {
			OrganizationalUnit: afOrganizationalUnit{Name: ouName, ID: op.OUID},
			Account:            afAccountRef{Name: op.Params[afAccountName], ID: accountID},
			State:              state,
			Message:            message,
			RequestedTimestamp: op.Requested.UTC().Format(afTimestamp),
			CompletedTimestamp: now.UTC().Format(afTimestamp),
		}},
	}
	s.env.Publish(protocol.Event{Source: "aws.controltower", DetailType: "AWS Service Event via CloudTrail", Detail: detail})
}
