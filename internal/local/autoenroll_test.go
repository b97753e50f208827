package local

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/vend"
)

func autoEnrollmentRuntime(t *testing.T, pol *policy.Policy) *Runtime {
	return autoEnrollmentWith(t, Options{Policy: pol})
}

// autoEnrollmentWith is a runtime on the default world with auto-enrollment
// on and no happenings, with the options given.
func autoEnrollmentWith(t *testing.T, opts Options) *Runtime {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	w.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"}
	if opts.ConcurrencyLimit > 0 {
		w.ControlTower.ConcurrentAccountOperations = opts.ConcurrencyLimit
	}
	opts.World, opts.Provisioning = w, vend.ProvisioningAutoEnrollment
	rt, err := New(context.Background(), opts)
	require.NoError(t, err)
	return rt
}

// openPolicy lets the default requester vend into every OU.
func openPolicy(t *testing.T) *policy.Policy {
	pol, err := policy.Parse([]byte(`{"requesters": {"default": ["AWSAccountFactory"]}}`))
	require.NoError(t, err)
	return pol
}

// Requests waiting for a busy OU wait in that OU's line: each is woken when
// the move before it ends (a handful of Provision calls, not a retry every
// few minutes), a later request for another OU is not held up behind them,
// and the next account for the OU is created while the one before it
// enrolls, not the whole burst at once.
func TestRequestsForABusyOUWaitInItsOwnLine(t *testing.T) {
	ctx := context.Background()
	rt := autoEnrollmentWith(t, Options{Policy: openPolicy(t)})
	var mu sync.Mutex
	provisions := map[string]int{} // invocations of the provision function, by request
	arn := rt.FunctionARNs["provision"]
	fn := rt.Sim.Function(arn)
	rt.Sim.RegisterFunction(arn, func(ctx context.Context, payload []byte) ([]byte, error) {
		var doc vend.Doc
		_ = json.Unmarshal(payload, &doc)
		mu.Lock()
		provisions[doc.Request.RequestID]++
		mu.Unlock()
		return fn(ctx, payload)
	})
	var bodies [][]byte
	for i := 1; i <= 4; i++ {
		bodies = append(bodies, createIn(fmt.Sprintf("SB%02d", i), fmt.Sprintf("sandbox-%d", i), "Sandbox"))
	}
	require.NoError(t, rt.Submit(ctx, bodies...))
	require.NoError(t, rt.Submit(ctx, createIn("PR01", "prod-late", "Workloads/Prod")))
	require.NoError(t, rt.Run(ctx))
	for _, r := range rt.Results() {
		require.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
	}
	spans := enrollSpans(rt)
	require.Len(t, spans, 5, "%v", spans)
	for i := 1; i <= 4; i++ {
		for j := i + 1; j <= 4; j++ {
			a, b := spans[fmt.Sprintf("sandbox-%d", i)], spans[fmt.Sprintf("sandbox-%d", j)]
			assert.True(t, !a[0].Before(b[1]) || !b[0].Before(a[1]), "Sandbox moves %d and %d never overlap: %v %v", i, j, a, b)
		}
	}
	var secondSandbox time.Time
	for n, s := range spans {
		if n != "prod-late" && s[0].After(spans["sandbox-1"][0]) && (secondSandbox.IsZero() || s[0].Before(secondSandbox)) {
			secondSandbox = s[0]
		}
	}
	assert.True(t, spans["prod-late"][0].Before(secondSandbox), "the Prod request did not wait behind the Sandbox line: %v, second Sandbox move %v",
		spans["prod-late"], secondSandbox)
	// At most one Sandbox account waits in the root for its move at any time:
	// the next is created while the one before it enrolls, not the whole burst at once.
	for i := 1; i <= 4; i++ {
		a := rt.Sim.AccountsNamed(fmt.Sprintf("sandbox-%d", i))[0]
		joined, moved := a.JoinedTimestamp, spans[a.Name][0]
		waiting := 0
		for j := 1; j <= 4; j++ {
			b := rt.Sim.AccountsNamed(fmt.Sprintf("sandbox-%d", j))[0]
			if !b.JoinedTimestamp.After(joined) && spans[b.Name][0].After(joined) {
				waiting++ // b was created and not yet moved in when a was created
			}
		}
		assert.LessOrEqual(t, waiting, 2, "sandbox-%d, created %s, moved in %s: %d Sandbox accounts in the root then", i, joined, moved, waiting)
	}
	mu.Lock()
	defer mu.Unlock()
	for id, n := range provisions {
		// create, move (the OU busy), woken: its turn
		assert.LessOrEqual(t, n, 4, "%s: the provision function called %d times (%v)", id, n, provisions)
	}
	_, _, refused := rt.Sim.AccountOperations()
	assert.Zero(t, refused, "Control Tower never refused a move")
}

// Organizations creates at most five accounts at once: seven creates for
// seven OUs, with Control Tower's quota raised to ten, and the sixth and
// seventh wait instead of being refused.
func TestAtMostFiveCreatesAtOnce(t *testing.T) {
	ctx := context.Background()
	rt := autoEnrollmentWith(t, Options{Policy: openPolicy(t), ConcurrencyLimit: 10})
	ous := []string{"Sandbox", "Workloads/Prod", "Workloads/NonProd", "Enrollment", "Infrastructure/Prod", "Infrastructure", "Workloads"}
	for i, ou := range ous {
		require.NoError(t, rt.Submit(ctx, createIn(fmt.Sprintf("CR%02d", i), fmt.Sprintf("many-%d", i), ou)))
	}
	require.NoError(t, rt.Run(ctx))
	for _, r := range rt.Results() {
		require.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
	}
	assert.Equal(t, len(ous), rt.Sim.Calls()["organizations"]["CreateAccount"], "no CreateAccount was refused")
}

// enrollSpans is when each account's enrollment by a move ran, by account name.
func enrollSpans(rt *Runtime) map[string][2]time.Time {
	spans := map[string][2]time.Time{}
	for _, op := range rt.Sim.OperationTimings() {
		if op.BaselineOperationID != "" && op.Status == "SUCCEEDED" {
			spans[op.AccountName] = [2]time.Time{op.Started, op.Ended}
		}
	}
	return spans
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

// Every sample request under both backends (and auto-enrollment's reset
// path): the same outcomes where the backends agree; where they do not, the
// difference the README documents.
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
	// On a landing zone that does not auto-enroll, the OU's reset enrolls
	// the moved accounts: the same outcomes as auto-enrollment's.
	w := awssim.DefaultWorld()
	w.Happenings = nil
	byReset, err := New(ctx, Options{World: w, Provisioning: vend.ProvisioningAutoEnrollment})
	require.NoError(t, err)
	assert.Equal(t, auto, outcomes(byReset), "enrolled by baseline reset")
	assert.Positive(t, byReset.Sim.Calls()["controltower"]["/reset-enabled-baseline"])
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

// Where the landing zone does not auto-enroll, Control Tower enrolls the
// accounts moved into an OU when its baseline is reset: one reset at a time in
// the landing zone, and accounts waiting in the same OU share a reset.
func TestBaselineResetsRunOneAtATimeAndAreShared(t *testing.T) {
	ctx := context.Background()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	rt, err := New(ctx, Options{World: w, Policy: openPolicy(t), Provisioning: vend.ProvisioningAutoEnrollment})
	require.NoError(t, err)
	var bodies [][]byte
	for i, ou := range []string{"Sandbox", "Workloads/Prod", "Sandbox", "Workloads/Prod", "Sandbox", "Workloads/Prod"} {
		bodies = append(bodies, createIn(fmt.Sprintf("RS%02d", i), fmt.Sprintf("reset-%d", i), ou))
	}
	require.NoError(t, rt.Submit(ctx, bodies...))
	require.NoError(t, rt.Run(ctx))
	for _, r := range rt.Results() {
		require.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
		a, _ := rt.Sim.Account(r.AccountID)
		assert.True(t, a.Enrolled, r.RequestID)
	}
	var resets [][2]time.Time
	for _, op := range rt.Sim.AccountFactory().BaselineOperations {
		if op.Type == "RESET_ENABLED_BASELINE" {
			resets = append(resets, [2]time.Time{op.Started, op.Ended})
		}
	}
	require.NotEmpty(t, resets)
	assert.Less(t, len(resets), 6, "accounts waiting in one OU share its reset")
	for i := range resets {
		for j := i + 1; j < len(resets); j++ {
			a, b := resets[i], resets[j]
			assert.True(t, !a[0].Before(b[1]) || !b[0].Before(a[1]), "resets never overlap: %v %v", a, b)
		}
	}
	assert.Equal(t, 6, rt.Sim.Calls()["organizations"]["CreateAccount"])
}

// provisioning auto, on a landing zone that auto-enrolls: every function
// follows the plan Validate made from the landing zone, so the gate counts the
// enrollments it started (the provision function never reads the landing
// zone) and Control Tower refuses none of seven moves into seven OUs.
func TestAutoProvisioningGatesTheMoves(t *testing.T) {
	ctx := context.Background()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	w.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"}
	rt, err := New(ctx, Options{World: w, Policy: openPolicy(t), Provisioning: vend.ProvisioningAuto})
	require.NoError(t, err)
	for i, ou := range []string{"Sandbox", "Workloads/Prod", "Workloads/NonProd", "Enrollment", "Infrastructure/Prod", "Infrastructure", "Workloads"} {
		require.NoError(t, rt.Submit(ctx, createIn(fmt.Sprintf("AU%02d", i), fmt.Sprintf("auto-%d", i), ou)))
	}
	require.NoError(t, rt.Run(ctx))
	for _, r := range rt.Results() {
		require.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
	}
	assert.Equal(t, 7, rt.Sim.Calls()["organizations"]["CreateAccount"], "auto chose Organizations")
	assert.Len(t, enrollSpans(rt), 7, "every account enrolled by its move")
	_, peak, refused := rt.Sim.AccountOperations()
	assert.LessOrEqual(t, peak, 5)
	assert.Zero(t, refused, "the gate counted the enrollments in flight")
}
