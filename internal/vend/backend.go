package vend

import (
	"fmt"
	"slices"
)

// Two ways to vend and enroll accounts (Config.Provisioning):
//
//   - accountFactory: Control Tower's Account Factory product in Service
//     Catalog (ProvisionProduct, UpdateProvisionedProduct,
//     TerminateProvisionedProduct), any landing zone from 3.0;
//   - autoEnrollment: Organizations CreateAccount, then MoveAccount into a
//     registered OU, which Control Tower answers by enrolling the account
//     (landing zone 3.1 or later with remediation type INHERITANCE_DRIFT); an
//     enrollment is a move into a registered OU, an OU change a move between
//     them, and unmanaging a move to the root. Control Tower emits no
//     lifecycle event for it: the account's enabled baseline is polled
//     (ListEnabledBaselines, GetBaselineOperation).
//
// auto picks autoEnrollment where the landing zone has it on, else accountFactory.
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

// autoEnrollmentProblem says why a deployment set to autoEnrollment cannot
// use the landing zone, or "" when it can.
func (d *Deps) autoEnrollmentProblem() string {
	if d.Config.Provisioning != ProvisioningAutoEnrollment || d.autoEnrollmentOn() {
		return ""
	}
	d.mu.Lock()
	lz := d.landingZone
	d.mu.Unlock()
	version := ""
	if lz != nil {
		version = lz.version
	}
	return fmt.Sprintf("this deployment vends with auto-enrollment (provisioning: autoEnrollment), but the landing zone (version %s) does not enroll accounts "+
		"moved into its OUs: that needs landing zone %s or later with remediation type %s", version, autoEnrollmentSince, inheritanceDrift)
}
