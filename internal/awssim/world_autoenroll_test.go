package awssim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWorldRemediationTypes(t *testing.T) {
	const org = `"organization": {"managementAccount": {"name": "m", "email": "m@example.com"}}`
	w, err := ParseWorld([]byte(`{` + org + `}`))
	require.NoError(t, err)
	assert.Empty(t, w.ControlTower.RemediationTypes, "none by default: moves enroll nothing")
	w, err = ParseWorld([]byte(`{` + org + `, "controlTower": {"landingZoneVersion": "3.1", "remediationTypes": ["INHERITANCE_DRIFT"]}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"INHERITANCE_DRIFT"}, w.ControlTower.RemediationTypes)

	for _, tc := range []struct{ controlTower, want string }{
		{`{"remediationTypes": ["DRIFT"]}`, `controlTower.remediationTypes[0]: "DRIFT" is not a remediation type; the only one is INHERITANCE_DRIFT`},
		{`{"remediationTypes": ["INHERITANCE_DRIFT", "INHERITANCE_DRIFT"]}`, "INHERITANCE_DRIFT is given twice"},
		{`{"landingZoneVersion": "3.0", "remediationTypes": ["INHERITANCE_DRIFT"]}`, "needs landing zone 3.1 or later, and landingZoneVersion is 3.0"},
	} {
		t.Run(tc.controlTower, func(t *testing.T) {
			_, err := ParseWorld([]byte(`{` + org + `, "controlTower": ` + tc.controlTower + `}`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestWorldFailCreateAccountIsChecked(t *testing.T) {
	const org = `"organization": {"managementAccount": {"name": "m", "email": "m@example.com"}}`
	w, err := ParseWorld([]byte(`{` + org + `, "faults": {"failCreateAccount": [{"email": "a@example.com", "reason": "ACCOUNT_LIMIT_EXCEEDED"}]}}`))
	require.NoError(t, err)
	assert.Equal(t, []CreateAccountFailure{{Email: "a@example.com", Reason: "ACCOUNT_LIMIT_EXCEEDED"}}, w.Faults.FailCreateAccount)
	_, err = ParseWorld([]byte(`{` + org + `, "faults": {"failCreateAccount": [{"name": "a", "reason": "LIMIT"}]}}`))
	assert.ErrorContains(t, err, `faults.failCreateAccount[0].reason: "LIMIT" is not a CreateAccount FailureReason`)
}

// A snapshot keeps the landing zone's remediation types: the next run
// auto-enrolls too.
func TestWorldSnapshotKeepsRemediationTypes(t *testing.T) {
	s, _ := newTestSim(t, func(w *World) { w.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"} })
	assert.Equal(t, []string{"INHERITANCE_DRIFT"}, s.WorldNow().ControlTower.RemediationTypes)
}
