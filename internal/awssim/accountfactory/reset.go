package accountfactory

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// ResetEnabledBaseline re-enables an enabled baseline; AWS gives as its use
// applying an OU's baseline again once an account has been moved into the
// OU. That is how accounts are enrolled where auto-enrollment is off: MoveAccount into a registered OU (Control
// Tower does nothing then), ResetEnabledBaseline on the OU's enabled
// baseline, then GetBaselineOperation until it has ended. The limits page:
// one concurrent OU operation (not adjustable); with a move account
// operation in progress on an OU, other operations on that OU conflict.
//
// How the simulator answers what AWS leaves open (world/README.md lists the
// same):
//   - Only a registered OU's enabled baseline (the ARN ListEnabledBaselines
//     gives the OU) is reset; an account's child baseline is refused with a
//     ValidationException naming its parent's, an unknown ARN answers 404 as
//     GetEnabledBaseline does.
//   - ConflictException (409) while another reset runs on any OU, while a
//     move account operation holds the OU, or while Control Tower is busy
//     (faults.controlTowerBusy). Nothing is queued and nothing counts in
//     AccountOperations' refused: the caller has the error.
//   - A reset is one baseline operation (RESET_ENABLED_BASELINE) on the OU,
//     taking no concurrent account operation, for the world's
//     enrollmentTime (give or take its spread) for every
//     concurrentAccountOperations accounts it covers. Every account directly in
//     the OU when it starts (not the management account, nor one Account
//     Factory or auto-enrollment is working on) has its child baseline
//     UNDER_CHANGE under the OU's with the reset as its last operation, and
//     the OU's own enabled baseline is UNDER_CHANGE; the reset holds the OU
//     as a move does (a move into it is refused, Account Factory's
//     operations on it conflict).
//   - At its end, each account still in the OU is enrolled, with a trusted
//     AWSControlTowerExecution role (a missing one is deployed), unless it
//     is suspended, its role exists but does not trust the management
//     account, or faults.failProvisioning (or failProvisioningRate) fails
//     it: then its child baseline is FAILED and its enrollment unchanged.
//     The operation is SUCCEEDED when every account succeeded, else FAILED
//     naming each failed account and why; the OU's enabled baseline is
//     SUCCEEDED again either way. An account moved out meanwhile is left
//     as it is: the reset's child baseline on it is dropped.
//   - No provisioned product, Identity Center user or lifecycle event, as
//     for auto-enrollment; no OperationTimings entry (those are the slot
//     holders).

// Control Tower's answers to ResetEnabledBaseline and its operation's
// statusMessage; not quoted from AWS, which documents none.
const (
	rsMsgChild = "Enabled baseline %s is the AWSControlTowerBaseline account %s inherits from its organizational unit, and ResetEnabledBaseline re-enables " +
		"an organizational unit's enabled baseline. Reset %s, the enabled baseline of organizational unit %s, instead."
	rsMsgOrphan = "Enabled baseline %s is the AWSControlTowerBaseline account %s inherits, and ResetEnabledBaseline re-enables an organizational unit's " +
		"enabled baseline; the account's organizational unit is not registered."
	rsMsgOUOperation = "AWS Control Tower cannot reset enabled baseline %s now: a ResetEnabledBaseline operation (%s) is in progress on organizational unit %s, " +
		"and AWS Control Tower runs one OU operation at a time. Try again once it has finished."
	rsMsgMove = "AWS Control Tower cannot reset enabled baseline %s now: a move account operation (%s, account %s) is in progress on organizational unit %s. " +
		"Try again once it has finished."
	rsMsgBusy   = "AWS Control Tower cannot reset enabled baseline %s now: another AWS Control Tower operation is in progress. Try again later."
	rsMsgFailed = "AWS Control Tower could not apply the AWSControlTowerBaseline to %d of the %d accounts in organizational unit %s. %s"
	// rsMsgAccount is one failed account in rsMsgFailed.
	rsMsgAccount = "Account %s (%s): %s"
)

type resetEnabledBaselineInput struct {
	EnabledBaselineIdentifier string `json:"enabledBaselineIdentifier"`
}

// resetEnabledBaseline starts the reset of a registered OU's enabled
// baseline and answers its operation's identifier, which
// GetBaselineOperation describes.
func (s *Service) resetEnabledBaseline(_ *protocol.Call, in resetEnabledBaselineInput) (any, *protocol.APIError) {
	arn := in.EnabledBaselineIdentifier
	if !identifierRe.MatchString(arn) {
		return nil, invalidIdentifier("enabledBaselineIdentifier", arn)
	}
	if !s.hasBaselines() {
		return nil, s.noBaselines()
	}
	ou, err := s.rsTarget(arn)
	if err != nil {
		return nil, err
	}
	now := s.env.Clock.Now()
	if err := s.rsConflict(arn, ou, now); err != nil {
		return nil, err
	}
	op := s.rsStart(ou, now)
	return map[string]string{"operationIdentifier": op.ID}, nil
}

// registeredOUOf returns the registered OU whose enabled baseline has the ARN.
func (s *Service) registeredOUOf(arn string) (OU, bool) {
	for _, ou := range s.org.OUs() {
		if ou.Registered && s.enabledBaselineArn(ou.ID) == arn {
			return ou, true
		}
	}
	return OU{}, false
}

// rsTarget finds the OU whose enabled baseline a reset names, or the
// refusal: an account's child baseline, or an ARN nothing has.
func (s *Service) rsTarget(arn string) (OU, *protocol.APIError) {
	if ou, ok := s.registeredOUOf(arn); ok {
		return ou, nil
	}
	for _, b := range s.enabledBaselines(true) {
		if b.Arn != arn {
			continue
		}
		account := b.TargetIdentifier[strings.LastIndex(b.TargetIdentifier, "/")+1:]
		if parent, ok := s.registeredOUOf(b.ParentIdentifier); ok {
			return OU{}, protocol.Err("ValidationException", rsMsgChild, arn, account, b.ParentIdentifier, s.parentName(parent.ID))
		}
		return OU{}, protocol.Err("ValidationException", rsMsgOrphan, arn, account)
	}
	// Not quoted from AWS: GetEnabledBaseline's answer.
	return OU{}, &protocol.APIError{Code: "ResourceNotFoundException", Message: "Enabled baseline " + arn + " does not exist.", Status: http.StatusNotFound}
}

// rsConflict is the ConflictException for a reset Control Tower cannot
// start now, or nil: another OU operation anywhere, a move account
// operation on the OU, or Control Tower busy. The lock is held.
func (s *Service) rsConflict(arn string, ou OU, now time.Time) *protocol.APIError {
	var msg string
	switch other, move := s.ouOperation(), s.moveInFlight(ou.ID); {
	case other != nil:
		msg = fmt.Sprintf(rsMsgOUOperation, arn, other.ID, s.parentName(other.OUID))
	case move != nil:
		msg = fmt.Sprintf(rsMsgMove, arn, move.ID, move.AccountID, s.parentName(ou.ID))
	case s.busy(now):
		msg = fmt.Sprintf(rsMsgBusy, arn)
	default:
		return nil
	}
	return &protocol.APIError{Code: "ConflictException", Message: msg, Status: http.StatusConflict}
}

// ouOperation returns the OU operation (a reset) in progress on any OU, or
// nil. The lock is held.
func (s *Service) ouOperation() *BaselineOperation {
	if op := s.state.BaselineOperations[s.state.OUOperation]; op != nil && op.Status == blInProgress {
		return op
	}
	return nil
}

// rsStart starts the reset of the OU's enabled baseline: its accounts'
// child baselines go UNDER_CHANGE with the reset as their last operation,
// and it ends after the world's enrollmentTime. The lock is held.
func (s *Service) rsStart(ou OU, now time.Time) *BaselineOperation {
	op := s.blRecord("", ou.ID, blReset, now)
	s.state.OUOperation = op.ID
	covered := 0
	for _, a := range s.org.AccountsIn(ou.ID) {
		// Account Factory's and auto-enrollment's own work is left to them.
		if a.ID == s.env.ManagementAccountID || s.afOperationOn(a.ID) || s.blInFlightOn(a.ID) != nil {
			continue
		}
		s.state.AccountBaselines[a.ID] = &AccountBaseline{AccountID: a.ID, OUID: ou.ID, Status: ebUnderChange, LastOperationID: op.ID}
		s.state.KnownAccounts[a.ID] = true
		covered++
	}
	op.Due = now.Add(s.rsDuration(covered))
	s.blArm(op)
	return op
}

// rsDuration is how long a reset of an OU with n accounts takes: Control
// Tower applies the baseline to the OU's accounts a few at a time, so a reset
// takes an enrollment's time for every concurrentAccountOperations accounts
// it covers (the simulator's model; AWS documents that re-applying an OU's
// baseline updates every account in it, not how fast).
func (s *Service) rsDuration(n int) time.Duration {
	quota := max(s.set.ConcurrentAccountOperations, 1)
	waves := max((n+quota-1)/quota, 1)
	return time.Duration(waves) * s.afJitter(s.set.EnrollmentTime)
}

// rsFinish ends a reset: it enrolls each of its accounts still in the OU
// or fails it, and ends the operation FAILED if any failed. The lock is held.
func (s *Service) rsFinish(op *BaselineOperation, now time.Time) {
	if s.state.OUOperation == op.ID {
		s.state.OUOperation = ""
	}
	var failed []string
	covered := 0
	for _, id := range sortedKeys(s.state.AccountBaselines) {
		b := s.state.AccountBaselines[id]
		if b.LastOperationID != op.ID {
			continue
		}
		acct, ok := s.org.Account(id)
		if !ok || acct.ParentID != op.OUID {
			delete(s.state.AccountBaselines, id) // moved out meanwhile: left as it is
			continue
		}
		covered++
		if msg := s.rsEnroll(acct); msg != "" {
			b.Status = ebFailed
			failed = append(failed, fmt.Sprintf(rsMsgAccount, acct.ID, acct.Name, msg))
			continue
		}
		b.Status = ebSucceeded
	}
	if len(failed) == 0 {
		s.blEnd(op, blSucceeded, "", now)
		return
	}
	s.blEnd(op, blFailed, fmt.Sprintf(rsMsgFailed, len(failed), covered, s.parentName(op.OUID), strings.Join(failed, " ")), now)
}

// rsEnroll enrolls an account at the end of its OU's reset, deploying a
// trusted AWSControlTowerExecution role, or returns why it cannot, with
// the enrollment's message for that cause. The lock is held.
func (s *Service) rsEnroll(acct Account) string {
	mgmt := s.env.ManagementAccountID
	switch {
	case acct.Status != "ACTIVE":
		return afMsgSuspended
	case acct.ExecutionRoleExists && !acct.ExecutionRoleTrusted:
		return fmt.Sprintf(blMsgRole, acct.ID, mgmt, mgmt)
	case s.injectFailure(acct.Name, acct.Email, !acct.Enrolled):
		return fmt.Sprintf(blMsgFault, acct.ID)
	}
	s.org.SetEnrolled(acct.ID, true)
	s.org.TrustExecutionRole(acct.ID)
	return ""
}
