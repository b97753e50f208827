package local

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
)

// bulk submits n creates (BULK000…) and runs them to the end.
func bulk(t *testing.T, n int, edit func(*awssim.World)) *Runtime {
	t.Helper()
	ctx := context.Background()
	rt := newRuntime(t, edit)
	var bodies [][]byte
	for i := range n {
		bodies = append(bodies, createRequest(i))
	}
	require.NoError(t, rt.Submit(ctx, bodies...))
	require.NoError(t, rt.Run(ctx))
	return rt
}

// Control Tower's slots go to the waiting requests first come, first served:
// the operations are asked for in the order the requests' executions started,
// exactly, and each freed slot is handed on at once (the waiting line wakes
// the longest waiter; nobody polls).
func TestSlotsGoFirstComeFirstServed(t *testing.T) {
	rt := bulk(t, 30, func(w *awssim.World) { w.ControlTower.Spread = awssim.Duration(10 * time.Minute) })
	timings := rt.Sim.OperationTimings()
	require.Len(t, timings, 30)
	sort.SliceStable(timings, func(i, j int) bool { return timings[i].Requested.Before(timings[j].Requested) })
	var asked, arrived []string
	for _, op := range timings {
		asked = append(asked, "BULK"+strings.TrimPrefix(op.AccountName, "bulk-"))
	}
	for _, r := range rt.Results() {
		if strings.HasPrefix(r.RequestID, "BULK") {
			arrived = append(arrived, r.RequestID)
		}
	}
	sort.SliceStable(arrived, func(i, j int) bool {
		a, b := rt.started[arrived[i]], rt.started[arrived[j]]
		return a.Before(b) || a.Equal(b) && arrived[i] < arrived[j]
	})
	assert.Equal(t, arrived, asked)

	// Every operation after the first five was asked for the moment a slot freed.
	var ends []time.Time
	for _, op := range timings {
		ends = append(ends, op.Ended)
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i].Before(ends[j]) })
	for i, op := range timings[5:] {
		gap := op.Requested.Sub(ends[i])
		assert.GreaterOrEqual(t, gap, time.Duration(0), "%s: asked before a slot was free", op.AccountName)
		assert.LessOrEqual(t, gap, 5*time.Second, "%s: the freed slot was handed on at once", op.AccountName)
	}
}

// With Control Tower's lifecycle events lost (all of them, or a share), every
// request still finishes, once: the waits' fallback checks for itself, later
// by at most the fallback interval (the first wait's, 40 minutes).
func TestEveryRequestFinishesWhenLifecycleEventsAreLost(t *testing.T) {
	for _, rate := range []float64{1, 0.5} {
		t.Run(fmt.Sprintf("%.0f%% lost", rate*100), func(t *testing.T) {
			rt := bulk(t, 12, func(w *awssim.World) { w.Faults.DropLifecycleEvents = rate })
			dropped := len(rt.Sim.DroppedLifecycleEvents())
			if rate == 1 {
				assert.Equal(t, 12, dropped)
			} else {
				assert.Positive(t, dropped)
			}
			done := map[string]time.Time{}
			for _, n := range rt.Notifications() {
				if n.State == "succeeded" {
					at, err := time.Parse(time.RFC3339, n.Time)
					require.NoError(t, err)
					done[n.RequestID] = at
				}
			}
			for _, r := range rt.Results() {
				assert.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
			}
			require.Len(t, done, 12)
			for _, op := range rt.Sim.OperationTimings() {
				id := "BULK" + strings.TrimPrefix(op.AccountName, "bulk-")
				assert.LessOrEqual(t, done[id].Sub(op.Ended), 40*time.Minute+time.Minute, "%s noticed within the fallback", id)
				assert.Len(t, rt.Sim.AccountsNamed(op.AccountName), 1, "one account each")
			}
		})
	}
}
