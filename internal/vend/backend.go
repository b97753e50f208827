package vend

import (
	"slices"
)

// Two ways to vend and enroll accounts (Config.Provisioning):
//
//   - accountFactory: Control Tower's Account Factory product in Service
//     Catalog (ProvisionProduct, UpdateProvisionedProduct,
//     TerminateProvisionedProduct), any landing zone from 3.0;
//   - autoEnrollment: Organizations CreateAccount, then MoveAccount into a
//     registered OU. On a landing zone that auto-enrolls (3.1 or later with
//     remediation type INHERITANCE_DRIFT) the move enrolls the account; an
//     enrollment is a move into a registered OU, an OU change a move between
//     them, and unmanaging a move to the root. Where the landing zone does
//     not auto-enroll, Control Tower enrolls the accounts moved into an OU
//     when that OU's baseline is reset (ResetEnabledBaseline, as AWS's
//     Landing Zone Accelerator does there): one OU operation at a time in the
//     whole landing zone (reset.go). Control Tower emits no lifecycle event
//     for either: the account's enabled baseline is polled
//     (ListEnabledBaselines, GetBaselineOperation).
//
// auto picks autoEnrollment where the landing zone auto-enrolls, else
// accountFactory (the reset path is chosen only explicitly: its one OU
// operation at a time enrolls fewer accounts an hour than Account Factory).
const (
	autoEnrollmentSince = "3.1"
	inheritanceDrift    = "INHERITANCE_DRIFT"
)

// backend is the provisioning backend this deployment uses. The landing zone
// was read (landingZoneProblem) before.
func (d *Deps) backend() string {
	if d.Config.Provisioning != ProvisioningAuto {
		return d.Config.Provisioning
	}
	if d.autoEnrollmentOn() {
		return ProvisioningAutoEnrollment
	}
	return ProvisioningAccountFactory
}

// autoEnrollmentOn reports whether the landing zone enrolls accounts moved
// into its registered OUs.
func (d *Deps) autoEnrollmentOn() bool {
	d.mu.Lock()
	lz := d.landingZone
	d.mu.Unlock()
	return lz != nil && !versionBefore(lz.version, autoEnrollmentSince) && slices.Contains(lz.remediation, inheritanceDrift)
}

// byReset reports whether accounts are enrolled by resetting their OU's
// baseline: the autoEnrollment backend on a landing zone that does not
// auto-enroll.
func (d *Deps) byReset() bool {
	return d.backend() == ProvisioningAutoEnrollment && !d.autoEnrollmentOn()
}
