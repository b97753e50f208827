package local

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/vend"
)

func autoEnrollmentRuntime(t *testing.T, pol *policy.Policy) *Runtime {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	w.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"}
	rt, err := New(context.Background(), Options{World: w, Policy: pol, Provisioning: vend.ProvisioningAutoEnrollment})
	require.NoError(t, err)
	return rt
}

func createIn(id, name, ou string) []byte {
	return []byte(fmt.Sprintf(`{"requestId": %q, "action": "create",
		"account": {"name": %q, "email": "aws+%s@northwind.example", "organizationalUnit": %q},
		"owner": {"email": "raj.patel@northwind.example", "firstName": "Raj", "lastName": "Patel"}, "tags": {"CostCenter": "2100"},
		"requester": {"system": "servicenow", "ticket": "RITM1", "by": "jane.doe"}}`, id, name, name, ou))
}

// With auto-enrollment Control Tower moves one account at a time into an OU:
// two creates for one OU never move at once, while five creates for five OUs
// enroll together, within the five slots.
func TestAutoEnrollmentMovesOneAccountAtATimePerOU(t *testing.T) {
	ctx := context.Background()
	pol, err := policy.Parse([]byte(`{"requesters": {"default": ["AWSAccountFactory"]}}`)) // every OU open
	require.NoError(t, err)
	rt := autoEnrollmentRuntime(t, pol)
	ous := map[string]string{"ae-sandbox-1": "Sandbox", "ae-sandbox-2": "Sandbox", "ae-prod": "Workloads/Prod",
		"ae-nonprod": "Workloads/NonProd", "ae-enrollment": "Enrollment", "ae-infra": "Infrastructure/Prod"}
	var bodies [][]byte
	i := 0
	for _, name := range []string{"ae-sandbox-1", "ae-sandbox-2", "ae-prod", "ae-nonprod", "ae-enrollment", "ae-infra"} {
		i++
		bodies = append(bodies, createIn(fmt.Sprintf("AE%02d", i), name, ous[name]))
	}
	require.NoError(t, rt.Submit(ctx, bodies...))
	require.NoError(t, rt.Run(ctx))
	for _, r := range rt.Results() {
		require.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
		assert.Equal(t, ous[accountName(rt, r.AccountID)], r.OrganizationalUnit)
	}
	spans := map[string][2]time.Time{}
	for _, op := range rt.Sim.OperationTimings() {
		if op.BaselineOperationID != "" && op.Status == "SUCCEEDED" {
			spans[op.AccountName] = [2]time.Time{op.Started, op.Ended}
		}
	}
	require.Len(t, spans, 6, "every account enrolled by a move: %v", spans)
	a, b := spans["ae-sandbox-1"], spans["ae-sandbox-2"]
	assert.True(t, !a[0].Before(b[1]) || !b[0].Before(a[1]), "the two Sandbox moves never overlap: %v %v", a, b)
	// At the moment the last of the five distinct OUs' enrollments starts, all five run.
	var latest time.Time
	for _, n := range []string{"ae-sandbox-1", "ae-prod", "ae-nonprod", "ae-enrollment", "ae-infra"} {
		latest = maxTime(latest, spans[n][0])
	}
	for _, n := range []string{"ae-prod", "ae-nonprod", "ae-enrollment", "ae-infra"} {
		assert.True(t, spans[n][1].After(latest), "%s still enrolling when the last started: the five run together", n)
	}
	_, peak, refused := rt.Sim.AccountOperations()
	assert.LessOrEqual(t, peak, 5)
	assert.Zero(t, refused, "Control Tower never refused a move")
}

func accountName(rt *Runtime, id string) string {
	a, _ := rt.Sim.Account(id)
	return a.Name
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Every sample request under both backends: the same outcomes where the
// backends agree; where they do not, the difference the README documents.
func TestSamplesUnderBothBackends(t *testing.T) {
	ctx := context.Background()
	outcomes := func(rt *Runtime) map[string]string {
		require.NoError(t, rt.Submit(ctx, sampleRequests(t)...))
		require.NoError(t, rt.Run(ctx))
		out := map[string]string{}
		for _, r := range rt.Results() {
			out[r.RequestID] = r.Status
		}
		return out
	}
	factory := outcomes(newRuntime(t, nil))
	auto := outcomes(autoEnrollmentRuntime(t, nil))
	differ := map[string][2]string{
		// Control Tower deploys AWSControlTowerExecution itself when it auto-enrolls.
		"CHG1004": {"FAILED", "SUCCEEDED"},
		// An owner is Account Factory's SSO user: with auto-enrollment there is none to change.
		"CHG1010": {"SUCCEEDED", "REJECTED"},
	}
	for id, f := range factory {
		if d, ok := differ[id]; ok {
			assert.Equal(t, d, [2]string{f, auto[id]}, id)
			continue
		}
		assert.Equal(t, f, auto[id], "%s: the same outcome under both backends", id)
	}
	assert.Len(t, auto, len(factory))
}
