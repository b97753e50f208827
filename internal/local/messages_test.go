package local

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/vend"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(events.FS, "requests/"+name)
	require.NoError(t, err)
	return b
}

func statuses(results []Result) map[string]string {
	out := map[string]string{}
	for _, r := range results {
		out[r.RequestID] = r.Status
	}
	return out
}

// Messages intake rejects without a usable requestId each get a final row,
// numbered, with intake's reason, and the run ends as soon as the rest is
// done, not at its 14-day limit.
func TestMessagesWithoutAUsableRequestIDGetFinalRows(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	require.NoError(t, rt.Submit(ctx,
		sample(t, "03-enroll.json"),
		[]byte("not json"),
		[]byte(`[{"requestId": "CHG2001", "action": "close", "account": {"id": "941506978324"}}]`),
		[]byte(`{"requestId": 2002, "action": "close", "account": {"id": "941506978324"}}`),
		[]byte(`{"requestId": "", "action": "close", "account": {"id": "941506978324"}}`),
		[]byte(`{"requestId": "`+strings.Repeat("C", 65)+`", "action": "close", "account": {"id": "941506978324"}}`),
	))
	require.NoError(t, rt.Run(ctx))
	assert.Less(t, rt.Elapsed(), 2*time.Hour, "the run ends with its work, not at MaxSimulatedTime")

	res := rt.Results()
	require.Len(t, res, 6, "one row per message")
	assert.Equal(t, "CHG1003", res[0].RequestID)
	assert.Equal(t, "SUCCEEDED", res[0].Status, res[0].Reason)
	want := map[string]string{
		"(message 2)": "unexpected 'o' at byte 2",
		"(message 3)": "is an array, but must be an object",
		"(message 4)": "requestId",
		"(message 5)": "requestId",
		"(message 6)": "requestId",
	}
	for _, r := range res[1:] {
		require.Contains(t, want, r.RequestID)
		assert.Equal(t, "REJECTED", r.Status, r.RequestID)
		assert.Contains(t, r.Reason, want[r.RequestID], r.RequestID)
	}
	assert.Contains(t, res[1].Reason, "request: is not valid JSON", "says plainly that the message is not JSON")
	assert.Contains(t, res[1].Reason, "send a single JSON object", "and what to send")
}

// An input that cannot be a message (an empty, blank or unreadable file) is
// rejected by name without being sent (SQS refuses an empty body), and the
// requests beside it run.
func TestUnsendableInputsAreRejectedByName(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	require.NoError(t, rt.SubmitInputs(ctx,
		Input{Name: "requests/empty.json", Body: []byte{}},
		Input{Name: "requests/blank.json", Body: []byte(" \n\t\n")},
		Input{Name: "requests/locked.json", Err: errors.New("permission denied")},
		Input{Name: "requests/03-enroll.json", Body: sample(t, "03-enroll.json")},
	))
	require.NoError(t, rt.Run(ctx))

	res := rt.Results()
	require.Len(t, res, 4)
	for i, want := range []struct{ id, reason string }{
		{"(message 1: empty.json)", "requests/empty.json: empty file; a request is a JSON object with at least requestId and action"},
		{"(message 2: blank.json)", "requests/blank.json: holds only whitespace"},
		{"(message 3: locked.json)", "requests/locked.json: cannot be read (permission denied)"},
	} {
		assert.Equal(t, want.id, res[i].RequestID)
		assert.Equal(t, "REJECTED", res[i].Status)
		assert.Contains(t, res[i].Reason, want.reason)
	}
	assert.Equal(t, "CHG1003", res[3].RequestID)
	assert.Equal(t, "SUCCEEDED", res[3].Status, res[3].Reason)
	visible, inFlight := rt.Sim.QueueDepth(rt.RejectedURL)
	assert.Zero(t, visible+inFlight, "nothing was sent, so intake rejected nothing")
}

// A second request reusing a requestId is a row of its own, numbered; the
// same request sent twice is one request; and intake's records, which status
// reads, tell every message sent with the id and what became of it.
func TestEveryMessageWithARequestIDIsAccountedFor(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	update := sample(t, "05-update.json")
	require.NoError(t, rt.Submit(ctx, update, sample(t, "11-reused-id.json"), update))
	require.NoError(t, rt.Run(ctx))

	res := rt.Results()
	require.Len(t, res, 2, "the duplicate is part of its request's row")
	assert.Equal(t, "CHG1005", res[0].RequestID)
	assert.Equal(t, "SUCCEEDED", res[0].Status, "the intake rejection of the other message is not the request's: %s", res[0].Reason)
	assert.Equal(t, "CHG1005 (message 2)", res[1].RequestID)
	assert.Equal(t, "REJECTED", res[1].Status)
	assert.Contains(t, res[1].Reason, "requestId CHG1005 was already used by a different request")

	rep, err := vend.ReadRequest(ctx, sfn.NewFromConfig(rt.Sim.Config()), dynamodb.NewFromConfig(rt.Sim.Config()), rt.StateMachineArn, rt.Deps.Config.WaitTable, "CHG1005")
	require.NoError(t, err)
	assert.Equal(t, "succeeded", rep.Outcome)
	var got []string
	for _, m := range rep.Messages {
		got = append(got, m.Outcome+" "+m.Ticket)
	}
	// One batch, taken at one simulated instant: Step Functions answers the
	// third message's StartExecution (same name, same input, still running)
	// as if it started it; it is still the duplicate.
	assert.ElementsMatch(t, []string{"started RITM0012360", "rejected RITM0012366", "duplicate RITM0012360"}, got)
}

// The local runtime sets itself up through throttling as a CloudFormation
// deployment would, and the run still ends with every request final; a
// service that throttles every call makes setup fail naming the setting.
func TestSetupRetriesThrottling(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, func(w *awssim.World) {
		w.Faults.Throttle = map[string]float64{"sqs": 0.3, "states": 0.3, "events": 0.3}
	})
	require.NoError(t, rt.Submit(ctx, sampleRequests(t)...))
	require.NoError(t, rt.Run(ctx))
	for _, r := range rt.Results() {
		assert.Contains(t, []string{"SUCCEEDED", "FAILED", "REJECTED", "SKIPPED"}, r.Status, "%s: %s", r.RequestID, r.Reason)
	}
	assert.Equal(t, "SUCCEEDED", resultsByID(rt)["CHG1001"].Status)

	for _, svc := range []string{"sqs", "events", "states"} {
		t.Run(svc+" at 100%", func(t *testing.T) {
			w := awssim.DefaultWorld()
			w.Faults.Throttle = map[string]float64{svc: 1}
			_, err := New(ctx, Options{World: w})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "faults.throttle."+svc+" is 1: every call fails, so no deployment can succeed")
			assert.Contains(t, err.Error(), "failed 10 times")
		})
	}
	t.Run("server errors", func(t *testing.T) {
		w := awssim.DefaultWorld()
		w.Faults.ServerErrors = map[string]float64{"dynamodb": 1}
		_, err := New(ctx, Options{World: w})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "faults.serverErrors.dynamodb is 1")
	})
}

// towervend's own limit defaults to Control Tower's quota in the world, may be
// set lower, and is refused above it.
func TestConcurrencyFollowsTheWorld(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name         string
		quota, asked int
		want         int
	}{
		{"the world's quota", 3, 0, 3},
		{"lower than the quota", 3, 2, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := awssim.DefaultWorld()
			w.Happenings = nil
			w.ControlTower.ConcurrentAccountOperations = tt.quota
			rt, err := New(ctx, Options{World: w, ConcurrencyLimit: tt.asked})
			require.NoError(t, err)
			var bodies [][]byte
			for i := range 6 {
				bodies = append(bodies, createRequest(i))
			}
			require.NoError(t, rt.Submit(ctx, bodies...))
			require.NoError(t, rt.Run(ctx))
			for _, r := range rt.Results() {
				assert.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
			}
			_, peak, refused := rt.Sim.AccountOperations()
			assert.Equal(t, tt.want, peak, "the slots towervend may use, all used")
			assert.Zero(t, refused, "Control Tower never refused an operation past its quota")
		})
	}
	w := awssim.DefaultWorld()
	w.ControlTower.ConcurrentAccountOperations = 3
	_, err := New(ctx, Options{World: w, ConcurrencyLimit: 4})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "concurrency 4: Control Tower runs at most 3 account operations at once in this world (controlTower.concurrentAccountOperations)")
}

// What a run made survives a snapshot: the snapshot is a world file, and a
// run on it starts with the accounts, OUs, tags, owners and assignments the
// first run left, and can go on changing them.
func TestSnapshotLoadsAsTheWorldTheRunMade(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	require.NoError(t, rt.Submit(ctx, sample(t, "01-create.json"), sample(t, "06-unmanage.json")))
	require.NoError(t, rt.Run(ctx))
	created := resultsByID(rt)["CHG1001"]
	require.Equal(t, "SUCCEEDED", created.Status, created.Reason)

	var snap bytes.Buffer
	require.NoError(t, rt.Sim.SnapshotWorld(&snap))
	w, err := awssim.ParseWorld(snap.Bytes())
	require.NoError(t, err, "what --world loads")
	assert.Equal(t, rt.Clock.Now().UTC(), w.Start, "the world starts where the run ended")

	next, err := New(ctx, Options{World: w})
	require.NoError(t, err)
	acct, ok := next.Sim.Account(created.AccountID)
	require.True(t, ok, "the account the run created, by its id")
	assert.Equal(t, "payments-dev", acct.Name)
	assert.Equal(t, "Workloads/NonProd", next.Sim.OUPath(acct.ParentID))
	assert.Equal(t, map[string]string{"CostCenter": "2100", "DataClassification": "internal"}, acct.Tags)
	assert.True(t, acct.Enrolled, "managed by Control Tower: it has its provisioned product")
	assert.Equal(t, []string{"AWSAdministratorAccess"}, userAccess(next, created.AccountID, "raj.patel"), "its owner, as Account Factory made it")
	assert.ElementsMatch(t, groupsOn(rt, created.AccountID), groupsOn(next, created.AccountID), "the groups' access, by name")
	assert.NotEmpty(t, groupsOn(next, created.AccountID))
	unmanaged, _ := next.Sim.Account("952617089435")
	assert.False(t, unmanaged.Enrolled, "the account the run unmanaged stays unmanaged")
	assert.Equal(t, "", next.Sim.OUPath(unmanaged.ParentID), "in Root")

	// The loaded world is one to work in: the new account takes an update.
	update := []byte(`{"requestId": "CHG2001", "action": "update", "account": {"id": "` + created.AccountID + `"}, "tags": {"Team": "payments"},
		"requester": {"system": "servicenow", "ticket": "RITM0019999", "by": "raj.patel@northwind.example"}}`)
	require.NoError(t, next.Submit(ctx, update))
	require.NoError(t, next.Run(ctx))
	res := resultsByID(next)["CHG2001"]
	require.Equal(t, "SUCCEEDED", res.Status, res.Reason)
	acct, _ = next.Sim.Account(created.AccountID)
	assert.Equal(t, "payments", acct.Tags["Team"])
}

// groupAccess lists the groups' permission sets on an account.
func groupsOn(rt *Runtime, accountID string) []string {
	idc := rt.Sim.IdentityCenter()
	var out []string
	for _, a := range idc.Assignments {
		if g := idc.Groups[a.PrincipalID]; a.AccountID == accountID && g != nil {
			out = append(out, g.DisplayName+": "+idc.PermissionSets[a.PermissionSetArn].Name)
		}
	}
	return out
}
