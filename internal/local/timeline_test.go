package local

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/timeline"
	"github.com/towervend/towervend/statemachine"
)

// opsOf lists the timeline's operations of a request.
func opsOf(run timeline.Run, id string) []timeline.Operation {
	var out []timeline.Operation
	for _, o := range run.Operations {
		if o.RequestID == id {
			out = append(out, o)
		}
	}
	return out
}

func marksOf(run timeline.Run, kind, id string) []timeline.Mark {
	var out []timeline.Mark
	for _, m := range run.Marks {
		if m.Kind == kind && (id == "" || m.RequestID == id) {
			out = append(out, m)
		}
	}
	return out
}

// The demo's timeline: every operation Control Tower took, at the times the
// simulator logged, with the request that started it; the requests that
// found the five slots taken waited, and the failed request is marked.
func TestTimelineOfTheDemoRun(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{}) // the demo world, its console provisioning included
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, sampleRequests(t)...))
	require.NoError(t, rt.Run(ctx))
	run := rt.Timeline()
	res := resultsByID(rt)

	assert.Equal(t, 5, run.Slots)
	timings := rt.Sim.OperationTimings()
	require.Len(t, run.Operations, len(timings))
	byRecord := map[string]timeline.Operation{}
	for _, o := range run.Operations {
		byRecord[o.Record] = o
	}
	for _, tm := range timings {
		o, ok := byRecord[tm.RecordID]
		require.True(t, ok, tm.RecordID)
		assert.Equal(t, tm.Started, o.Start, tm.RecordID)
		assert.Equal(t, tm.Ended, o.End, tm.RecordID)
	}
	_, lanes := timeline.Lanes(run.Operations)
	assert.LessOrEqual(t, lanes, run.Slots, "no more operations at once than Control Tower's quota")

	for id, kind := range map[string]string{"CHG1001": timeline.KindCreate, "CHG1003": timeline.KindEnroll, "CHG1005": timeline.KindUpdate, "CHG1006": timeline.KindUnmanage} {
		ops := opsOf(run, id)
		require.Len(t, ops, 1, id)
		assert.Equal(t, kind, ops[0].Kind, id)
		assert.Equal(t, timeline.OutcomeSucceeded, ops[0].Outcome, id)
		assert.True(t, strings.HasPrefix(ops[0].Account, res[id].AccountID+" ("), "%s: %q names account %s", id, ops[0].Account, res[id].AccountID)
	}
	assert.Empty(t, opsOf(run, "CHG1008"), "a rejected request never reaches Control Tower")
	foreign := opsOf(run, "")
	require.NotEmpty(t, foreign, "the demo world provisions an account in the console")
	for _, o := range foreign {
		assert.NotEmpty(t, o.Label, "an operation no request started is named by its product")
	}

	waits := marksOf(run, timeline.MarkWait, "")
	require.NotEmpty(t, waits, "more requests than slots: some waited")
	for _, w := range waits {
		ops := opsOf(run, w.RequestID)
		require.NotEmpty(t, ops, "%s waited for a slot and then got one", w.RequestID)
		assert.False(t, ops[0].Start.Before(w.Until), "%s: its operation starts after its wait", w.RequestID)
		assert.Less(t, ops[0].Start.Sub(w.Until), time.Minute, "%s: the slot went to it as the wait ended", w.RequestID)
	}
	peak := 0
	for _, s := range run.Queue {
		peak = max(peak, s.Waiting)
	}
	assert.Positive(t, peak)
	assert.LessOrEqual(t, peak, len(waits))
	require.NotEmpty(t, run.Queue)
	assert.Zero(t, run.Queue[len(run.Queue)-1].Waiting, "in the end every waiter got a slot")

	failures := marksOf(run, timeline.MarkFailure, "")
	failed := 0
	for _, r := range res {
		if r.Status == "FAILED" {
			failed++
		}
	}
	assert.Len(t, failures, failed, "one mark per failed request")
	for _, f := range failures {
		assert.Equal(t, res[f.RequestID].Reason, f.Detail, f.RequestID)
	}
	assert.NotEmpty(t, marksOf(run, timeline.MarkFailure, "CHG1004"), "the enrollment without its role failed")
	var last time.Time
	for _, n := range rt.Notifications() {
		at, err := time.Parse(time.RFC3339, n.Time)
		require.NoError(t, err)
		if at.After(last) {
			last = at
		}
	}
	assert.Equal(t, last, run.End, "nothing runs at the end: the picture ends at the last notification")
}

// Faults show: Control Tower refusing as busy is a restart, a Lambda service
// error a retry, an operation that failed is a failed bar with Control
// Tower's reason, and its request a failure.
func TestTimelineMarksRestartsRetriesAndFailures(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, func(w *awssim.World) {
		w.Faults.ControlTowerBusy = []awssim.Window{{From: 0, Until: awssim.Duration(5 * time.Minute)}}
		w.Faults.FailProvisioning = []string{"payments-dev"} // CHG1001's account
	})
	restore := failFunction(t, rt, "validate", "Lambda.ServiceException", 1)
	defer restore()
	require.NoError(t, rt.Submit(ctx, sampleRequest(t, "01-create")))
	require.NoError(t, rt.Run(ctx))
	run := rt.Timeline()

	retries := marksOf(run, timeline.MarkRetry, "CHG1001")
	require.Len(t, retries, 1)
	assert.Contains(t, retries[0].Detail, statemachine.StateValidate+": Lambda.ServiceException: Lambda.ServiceException: injected by the test")

	restarts := marksOf(run, timeline.MarkRestart, "CHG1001")
	require.NotEmpty(t, restarts)
	assert.Contains(t, restarts[0].Detail, "Control Tower refused the operation (TowerVend.ControlTowerBusy)")

	ops := opsOf(run, "CHG1001")
	require.Len(t, ops, 1, "a refused operation never took a slot")
	assert.Equal(t, timeline.OutcomeFailed, ops[0].Outcome)
	assert.Contains(t, ops[0].Reason, "InternalFailure: AWS Control Tower could not apply the AWSControlTowerBaseline")
	assert.False(t, ops[0].Start.Before(restarts[len(restarts)-1].At), "it started after the last refusal")

	failures := marksOf(run, timeline.MarkFailure, "CHG1001")
	require.Len(t, failures, 1)
	assert.Equal(t, resultsByID(rt)["CHG1001"].Reason, failures[0].Detail)
}

// The state the timeline reads restarts from is in the state machine, as a Wait.
func TestTimelineStateNames(t *testing.T) {
	var def struct {
		States map[string]struct {
			Type string `json:"Type"`
		} `json:"States"`
	}
	require.NoError(t, json.Unmarshal(statemachine.Definition(), &def))
	assert.Equal(t, "Wait", def.States[stateWaitToRestart].Type)
}

// historyMarks on a history written out by hand: a wait lasts while the
// request cycles through the gate's states, a failure scheduled again in its
// state is a retry and one caught is not, a wait still open is drawn to now,
// and the first execution to follow a record owns it.
func TestHistoryMarks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	entered := func(m int, typ asl.EventType, state string) asl.HistoryEvent {
		return asl.HistoryEvent{Timestamp: at(m), Type: typ, StateName: state}
	}
	hist := []asl.HistoryEvent{
		entered(0, asl.TaskStateEntered, statemachine.StateProvision),
		{Timestamp: at(0), Type: asl.TaskScheduled},
		{Timestamp: at(0), Type: asl.TaskFailed, Error: "Lambda.TooManyRequestsException", Cause: `{"errorType":"Lambda.TooManyRequestsException","errorMessage":"Rate Exceeded."}`},
		{Timestamp: at(1), Type: asl.TaskScheduled},
		{Timestamp: at(1), Type: asl.TaskStateExited, StateName: statemachine.StateProvision, Output: json.RawMessage(`{"queue":{}}`)},
		entered(1, asl.ChoiceStateEntered, statemachine.StateIsQueued),
		entered(1, asl.TaskStateEntered, statemachine.StateWaitForSlot),
		entered(10, asl.TaskStateEntered, statemachine.StateProvision),
		entered(10, asl.TaskStateEntered, statemachine.StateWaitForSlot),
		entered(20, asl.TaskStateEntered, statemachine.StateProvision),
		{Timestamp: at(20), Type: asl.TaskStateExited, StateName: statemachine.StateProvision, Output: json.RawMessage(`{"operation":{"recordId":"rec-1"}}`)},
		entered(20, asl.TaskStateEntered, statemachine.StateWaitForControlTower),
		{Timestamp: at(50), Type: asl.TaskFailed, Error: "States.Timeout"}, // caught: on to ProvisionStatus
		entered(50, asl.TaskStateEntered, statemachine.StateProvisionStatus),
		entered(51, asl.WaitStateEntered, stateWaitToRestart),
		entered(52, asl.TaskStateEntered, statemachine.StateProvision),
		entered(52, asl.TaskStateEntered, statemachine.StateWaitForSlot),
	}
	hist[14].Input = json.RawMessage(`{"error":{"Error":"TowerVend.ControlTowerBusy","Cause":"{\"errorType\":\"TowerVend.ControlTowerBusy\",\"errorMessage\":\"busy\"}"}}`)
	owner := map[string]string{"rec-0": "OTHER"}
	marks := historyMarks("REQ", hist, owner, at(60))

	assert.Equal(t, map[string]string{"rec-0": "OTHER", "rec-1": "REQ"}, owner)
	assert.Equal(t, []timeline.Mark{
		{Kind: timeline.MarkRetry, RequestID: "REQ", At: at(0), Detail: "Provision: Lambda.TooManyRequestsException: Rate Exceeded."},
		{Kind: timeline.MarkWait, RequestID: "REQ", At: at(1), Until: at(20)},
		{Kind: timeline.MarkRestart, RequestID: "REQ", At: at(51), Detail: "Control Tower refused the operation (TowerVend.ControlTowerBusy): busy"},
		{Kind: timeline.MarkWait, RequestID: "REQ", At: at(52), Until: at(60)},
	}, marks)
}
