package accountfactory

import (
	"fmt"
	"slices"
	"time"
)

// Auto-enrollment: with the landing zone's RemediationTypes including
// INHERITANCE_DRIFT (landing zone 3.1 and later), Control Tower reacts to
// Organizations MoveAccount. What the Control Tower guide documents ("Move
// and enroll accounts with auto-enrollment", "Prerequisites for
// enrollment", the limits page):
//   - an account moved into a registered OU is enrolled, an existing account
//     as much as a new one (CreateAccount puts those in Root);
//   - an account moved to Root or to an unregistered OU is unenrolled, its
//     baseline resources removed;
//   - with auto-enroll the AWSControlTowerExecution role is not a
//     prerequisite: Control Tower deploys it;
//   - only one move account operation at a time runs on a destination OU;
//     other account operations on that OU conflict until it has finished.
//
// How the simulator answers what AWS leaves open (world/README.md lists the
// same):
//   - Control Tower reacts at once, in the MoveAccount call: the account's
//     child enabled baseline is UNDER_CHANGE, with its baseline operation
//     (ENABLE_BASELINE into an OU, UPDATE_ENABLED_BASELINE between registered
//     OUs, DISABLE_BASELINE out) IN_PROGRESS, before MoveAccount returns.
//     MoveAccount itself never fails because of Control Tower: Organizations
//     does not know it.
//   - An enrollment or update takes one of the concurrent account operations
//     Account Factory's requests take (the world's concurrentAccountOperations
//     counts both) for the world's enrollmentTime or updateTime, give or take
//     its spread; then SUCCEEDED, the account enrolled (Account Factory's
//     "enrolled" flag) with a trusted AWSControlTowerExecution role.
//   - Refused at once, the operation FAILED with a statusMessage saying why
//     (the account stays in the OU, not enrolled; Control Tower does not
//     queue the move): Control Tower at its quota or busy (faults.
//     controlTowerBusy), another move account operation in progress on the
//     destination OU, the management account.
//   - Failing after afPrecheckTime: a suspended account, and an
//     AWSControlTowerExecution role that exists but does not trust the
//     management account (Control Tower can neither use it nor deploy its
//     own by that name). A missing role is no failure.
//   - faults.failProvisioning (name or email) and failProvisioningRate fail
//     an enrollment half-way, as they fail Account Factory's.
//   - A second move of an account whose baseline operation is in progress
//     stops that operation (FAILED, "moved … before …") and is handled as a
//     move of an account not enrolled yet (an update's account stays enrolled).
//   - Unenrollment takes no slot, is never refused and holds no OU; it
//     takes the world's terminateTime, during which the child baseline is
//     UNDER_CHANGE under the OU the account left; the account is no longer
//     enrolled once it has SUCCEEDED. The role stays.
//   - An account with an Account Factory operation in flight is left to that
//     operation: Control Tower's own workflow decides where it ends up.
//   - No Service Catalog provisioned product, no Identity Center user, no
//     lifecycle event: AWS documents none for auto-enrollment.
//   - A ResetEnabledBaseline in progress on the destination OU (reset.go)
//     holds it as a move does: the move is refused at once. A move out of
//     an OU being reset is auto-enrollment's, the reset leaves the account.

// remediationInheritanceDrift is the remediation type that turns auto-enrollment on.
const remediationInheritanceDrift = "INHERITANCE_DRIFT"

// Baseline operation types and statuses, and enabled-baseline statuses, as
// the Control Tower API spells them.
const (
	blEnable  = "ENABLE_BASELINE"
	blUpdate  = "UPDATE_ENABLED_BASELINE"
	blDisable = "DISABLE_BASELINE"
	blReset   = "RESET_ENABLED_BASELINE"

	blInProgress = "IN_PROGRESS"
	blSucceeded  = "SUCCEEDED"
	blFailed     = "FAILED"

	ebSucceeded   = "SUCCEEDED"
	ebUnderChange = "UNDER_CHANGE"
	ebFailed      = "FAILED"
)

// Control Tower's statusMessages for auto-enrollment; not quoted from AWS,
// which documents none.
const (
	blMsgQuota = "AWS Control Tower cannot enroll account %s now: %d account operations, the limit of concurrent account operations, are in progress. " +
		"Move the account out of the OU and back in once one has finished."
	blMsgBusy = "AWS Control Tower cannot enroll account %s now: another AWS Control Tower operation is in progress. " +
		"Move the account out of the OU and back in once it has finished."
	blMsgOUBusy = "AWS Control Tower cannot enroll account %s in organizational unit %s: a move account operation (%s, account %s) is in progress on that OU, " +
		"and only one move account operation at a time can run on a destination OU. Move the account out of the OU and back in once that operation has finished."
	blMsgOUReset = "AWS Control Tower cannot enroll account %s in organizational unit %s: a ResetEnabledBaseline operation (%s) is in progress on that OU, " +
		"and other account operations on an OU conflict until it has finished. Move the account out of the OU and back in once that operation has finished."
	blMsgManagement = "AWS Control Tower cannot enroll the management account."
	blMsgRole       = "AWS Control Tower cannot enroll account %s: its AWSControlTowerExecution role does not trust the management account %s, and AWS Control Tower " +
		"cannot deploy its own role by that name. Let the role trust arn:aws:iam::%s:root, or delete it, then move the account out of the OU and back in."
	blMsgFault = "AWS Control Tower could not apply the AWSControlTowerBaseline to account %s: a stack set instance operation failed. " +
		"Move the account out of the OU and back in to try again."
	blMsgMoved = "The account %s was moved to %s before AWS Control Tower finished; this operation stopped."
	blMsgGone  = "The account %s left the organization while AWS Control Tower was working on it."
)

// autoEnrolls reports whether the landing zone enrolls the accounts
// MoveAccount puts into registered OUs.
func (s *Service) autoEnrolls() bool {
	return slices.Contains(s.set.RemediationTypes, remediationInheritanceDrift)
}

// AccountMoved is Control Tower hearing of an Organizations MoveAccount call
// that moved an account from one parent (the root or an OU) to another:
// with auto-enrollment it enrolls, updates or unenrolls the account. The
// lock is held.
func (s *Service) AccountMoved(accountID, from, to string) {
	if !s.autoEnrolls() || s.afOperationOn(accountID) {
		return
	}
	acct, ok := s.org.Account(accountID)
	if !ok {
		return
	}
	// The management account counts as enrolled, but Control Tower neither
	// enrolls nor unenrolls it: a move into a registered OU is refused.
	enrolled := acct.Enrolled && acct.ID != s.env.ManagementAccountID
	now := s.env.Clock.Now()
	prev := s.state.AccountBaselines[accountID]
	if prev != nil {
		// An OU's reset goes on for its other accounts; the account's
		// own operation stops.
		if op := s.state.BaselineOperations[prev.LastOperationID]; op != nil && op.Status == blInProgress && op.AccountID == accountID {
			s.blEnd(op, blFailed, fmt.Sprintf(blMsgMoved, accountID, s.parentName(to)), now)
		}
	}
	dest, ok := s.org.OU(to)
	switch {
	case ok && dest.Registered && enrolled:
		s.blStart(acct, dest, blUpdate, now)
	case ok && dest.Registered:
		s.blStart(acct, dest, blEnable, now)
	case enrolled || prev != nil:
		left := from
		if prev != nil {
			left = prev.OUID
		}
		op := s.blNew(acct.ID, left, blDisable, now)
		op.Due = now.Add(s.afJitter(s.set.TerminateTime))
		s.blArm(op)
	}
}

// parentName names the root or an OU in a message.
func (s *Service) parentName(id string) string {
	if ou, ok := s.org.OU(id); ok {
		return ou.Name + " (" + ou.ID + ")"
	}
	return "the root (" + id + ")"
}

// blStart starts an enrollment (ENABLE_BASELINE) or update
// (UPDATE_ENABLED_BASELINE) of an account moved into a registered OU, or
// refuses it at once. The lock is held.
func (s *Service) blStart(acct Account, ou OU, typ string, now time.Time) {
	op := s.blNew(acct.ID, ou.ID, typ, now)
	quota := s.set.ConcurrentAccountOperations
	running, _ := s.afInFlight()
	var refusal string
	switch {
	case acct.ID == s.env.ManagementAccountID:
		refusal = blMsgManagement
	case s.busy(now):
		s.state.Refused++
		refusal = fmt.Sprintf(blMsgBusy, acct.ID)
	case running >= quota:
		s.state.Refused++
		refusal = fmt.Sprintf(blMsgQuota, acct.ID, quota)
	default:
		if other := s.moveInFlight(ou.ID); other != nil {
			s.state.Refused++
			refusal = fmt.Sprintf(blMsgOUBusy, acct.ID, s.parentName(ou.ID), other.ID, other.AccountID)
			if other.AccountID == "" {
				refusal = fmt.Sprintf(blMsgOUReset, acct.ID, s.parentName(ou.ID), other.ID)
			}
		}
	}
	if refusal != "" {
		s.blEnd(op, blFailed, refusal, now)
		return
	}
	op.Slot = true
	s.state.PeakInFlight = max(s.state.PeakInFlight, running+1)
	s.state.KnownAccounts[acct.ID] = true
	base := s.set.EnrollmentTime
	if typ == blUpdate {
		base = s.set.UpdateTime
	}
	d := s.afJitter(base)
	switch {
	case acct.Status != "ACTIVE":
		op.FailMessage, d = afMsgSuspended, afPrecheckTime
	case acct.ExecutionRoleExists && !acct.ExecutionRoleTrusted:
		mgmt := s.env.ManagementAccountID
		op.FailMessage, d = fmt.Sprintf(blMsgRole, acct.ID, mgmt, mgmt), afPrecheckTime
	case s.injectFailure(acct.Name, acct.Email, typ == blEnable):
		op.FailMessage = fmt.Sprintf(blMsgFault, acct.ID)
		d /= 2 // it fails part-way
	}
	op.Due = now.Add(d)
	s.blBegan(op, acct.Name, d, now)
	s.blArm(op)
}

// blNew records a baseline operation in progress on an account and makes
// the account's child baseline UNDER_CHANGE under ouID. The lock is held.
func (s *Service) blNew(accountID, ouID, typ string, now time.Time) *BaselineOperation {
	op := s.blRecord(accountID, ouID, typ, now)
	s.state.AccountBaselines[accountID] = &AccountBaseline{AccountID: accountID, OUID: ouID, Status: ebUnderChange, LastOperationID: op.ID}
	return op
}

// blRecord records a baseline operation in progress (on an account, or on
// an OU when accountID is ""), making the state's maps if the state has
// none yet. The lock is held.
func (s *Service) blRecord(accountID, ouID, typ string, now time.Time) *BaselineOperation {
	if s.state.BaselineOperations == nil {
		s.state.BaselineOperations = map[string]*BaselineOperation{}
	}
	if s.state.AccountBaselines == nil {
		s.state.AccountBaselines = map[string]*AccountBaseline{}
	}
	op := &BaselineOperation{ID: s.env.UUID(), Type: typ, Status: blInProgress, Started: now, AccountID: accountID, OUID: ouID}
	s.state.BaselineOperations[op.ID] = op
	return op
}

// blArm starts the timer that ends an operation at its Due time. The lock is held.
func (s *Service) blArm(op *BaselineOperation) {
	id := op.ID
	s.env.AfterLocked(max(op.Due.Sub(s.env.Clock.Now()), 0), func() { s.blFinish(id) })
}

// blFinish ends an operation when it is due, unless a move stopped it
// before. The lock is held.
func (s *Service) blFinish(id string) {
	op := s.state.BaselineOperations[id]
	if op == nil || op.Status != blInProgress {
		return
	}
	now := s.env.Clock.Now()
	if op.Type == blReset {
		s.rsFinish(op, now)
		return
	}
	acct, ok := s.org.Account(op.AccountID)
	switch {
	case !ok:
		s.blEnd(op, blFailed, fmt.Sprintf(blMsgGone, op.AccountID), now)
	case op.Type == blDisable:
		if acct.ID != s.env.ManagementAccountID {
			s.org.SetEnrolled(acct.ID, false)
		}
		s.blEnd(op, blSucceeded, "", now)
	case op.FailMessage != "":
		s.blEnd(op, blFailed, op.FailMessage, now)
	case acct.Status != "ACTIVE": // suspended or closing meanwhile
		s.blEnd(op, blFailed, afMsgSuspended, now)
	default:
		s.org.SetEnrolled(acct.ID, true)
		s.org.TrustExecutionRole(acct.ID) // Control Tower's stack set deploys the role
		s.blEnd(op, blSucceeded, "", now)
	}
}

// blEnd ends an operation and gives the account's child baseline its
// outcome (an unenrollment removes it). The lock is held.
func (s *Service) blEnd(op *BaselineOperation, status, msg string, now time.Time) {
	op.Status, op.StatusMessage, op.Ended, op.Due, op.FailMessage = status, msg, now, time.Time{}, ""
	s.tmEnded(op.ID, status, now)
	b := s.state.AccountBaselines[op.AccountID]
	if b == nil || b.LastOperationID != op.ID {
		return
	}
	switch {
	case op.Type == blDisable && status == blSucceeded:
		delete(s.state.AccountBaselines, op.AccountID)
	case status == blSucceeded:
		b.Status = ebSucceeded
	default:
		b.Status = ebFailed
	}
}

// blInFlightOn returns the baseline operation in progress on an account, or nil.
func (s *Service) blInFlightOn(accountID string) *BaselineOperation {
	b := s.state.AccountBaselines[accountID]
	if b == nil {
		return nil
	}
	if op := s.state.BaselineOperations[b.LastOperationID]; op != nil && op.Status == blInProgress {
		return op
	}
	return nil
}

// blSlots counts the baseline operations holding a concurrent account
// operation. The lock is held.
func (s *Service) blSlots() int {
	n := 0
	for id := range s.state.AccountBaselines {
		if op := s.blInFlightOn(id); op != nil && op.Slot {
			n++
		}
	}
	return n
}

// moveInFlight returns the operation holding a destination OU: the move
// account operation in progress on it, or a reset of its enabled baseline
// (AccountID ""), or nil. The lock is held.
func (s *Service) moveInFlight(ouID string) *BaselineOperation {
	if op := s.ouOperation(); op != nil && op.OUID == ouID {
		return op
	}
	for _, id := range sortedKeys(s.state.AccountBaselines) {
		if op := s.blInFlightOn(id); op != nil && op.Slot && op.OUID == ouID {
			return op
		}
	}
	return nil
}

// afOperationOn reports whether an Account Factory operation (accepted or
// running) is on the account. The lock is held.
func (s *Service) afOperationOn(accountID string) bool {
	for _, rec := range s.activeRecords() {
		if rec.Operation.AccountID == accountID {
			return true
		}
		if pp := s.state.Provisioned[rec.ProvisionedProductID]; pp != nil && pp.PhysicalID == accountID {
			return true
		}
	}
	return false
}

// blResume rearms the baseline operations in progress when a snapshot was
// taken, an OU's reset as an account's.
func (s *Service) blResume() {
	for _, id := range sortedKeys(s.state.BaselineOperations) {
		if op := s.state.BaselineOperations[id]; op.Status == blInProgress {
			s.blArm(op)
		}
	}
}
