package bench

import (
	"fmt"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/vend"
)

// inheritanceDrift is the landing zone remediation type that turns Control
// Tower's auto-enrollment on (aws-facts §11).
const inheritanceDrift = "INHERITANCE_DRIFT"

// backendOf checks a Provisioning option ("" is accountFactory) and names the
// backend it runs on the bench's world: useBackend turns auto-enrollment on
// there for auto as for autoEnrollment, so auto runs autoEnrollment.
func backendOf(option string) (string, error) {
	switch option {
	case "", vend.ProvisioningAccountFactory:
		return vend.ProvisioningAccountFactory, nil
	case vend.ProvisioningAutoEnrollment, vend.ProvisioningAuto:
		return vend.ProvisioningAutoEnrollment, nil
	}
	return "", fmt.Errorf("provisioning %q: write %s, %s or %s", option,
		vend.ProvisioningAccountFactory, vend.ProvisioningAutoEnrollment, vend.ProvisioningAuto)
}

// useBackend readies a bench world for the backend. For autoEnrollment the
// landing zone (3.3 in the demo world) gets remediation type
// INHERITANCE_DRIFT, as an administrator turns it on before choosing that
// backend, and Control Tower's enrollment of a moved account takes the
// world's ProvisioningTime (and Spread), what Account Factory's create takes:
// both backends then give Control Tower the same work per account, so they
// face the same bound, and what differs is what each backend costs around
// it (the CreateAccount before the move, the polls, one move per OU).
// accountFactory leaves the world as it is.
// With byReset the landing zone does not auto-enroll: autoEnrollment then
// enrolls by resetting each OU's baseline (one at a time), which takes the
// same EnrollmentTime.
func useBackend(w *awssim.World, backend string, byReset bool) {
	if backend != vend.ProvisioningAutoEnrollment {
		return
	}
	if !byReset {
		w.ControlTower.RemediationTypes = []string{inheritanceDrift}
	}
	w.ControlTower.EnrollmentTime = w.ControlTower.ProvisioningTime
}

// checkReset checks a ByReset option: it shapes the autoEnrollment backend only.
func checkReset(byReset bool, backend string) error {
	if byReset && backend != vend.ProvisioningAutoEnrollment {
		return fmt.Errorf("reset: enrolling by baseline reset is the autoEnrollment backend's way where the landing zone does not auto-enroll; set provisioning autoEnrollment")
	}
	return nil
}
