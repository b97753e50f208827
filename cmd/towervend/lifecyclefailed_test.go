package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
)

// A lifecycle event the lifecycle function fails on is not lost: after
// Lambda's retries it is in the lifecycle-failed queue, `towervend
// lifecycle-failed` shows it with the function's error, and --replay, once
// the cause is fixed, runs it and empties the queue.
func TestLostLifecycleEventsAreShownAndReplayed(t *testing.T) {
	ctx := context.Background()
	rt, err := local.New(ctx, local.Options{World: quietWorld()})
	require.NoError(t, err)
	arn := rt.FunctionARNs["lifecycle"]
	lifecycle := rt.Sim.Function(arn)
	var broken atomic.Bool
	broken.Store(true)
	var calls atomic.Int32
	// Organizations' events fail; the hourly reconcile sweep (aws.events) runs.
	rt.Sim.RegisterFunction(arn, func(ctx context.Context, payload []byte) ([]byte, error) {
		if !bytes.Contains(payload, []byte(`"aws.organizations"`)) {
			return lifecycle(ctx, payload)
		}
		calls.Add(1)
		if broken.Load() {
			return nil, errors.New("AccessDenied: not authorized to perform: organizations:ListTagsForResource")
		}
		return lifecycle(ctx, payload)
	})
	_, err = rt.Sim.CreateAccountOutsideControlTower("made-by-hand", "aws+made-by-hand@northwind.example")
	require.NoError(t, err)
	require.NoError(t, rt.Run(ctx))
	// Organizations announces the account twice: CreateAccountResult and AccountJoinedOrganization.
	assert.EqualValues(t, 6, calls.Load(), "Lambda ran the function three times on each event")
	assert.Empty(t, rt.Sim.DroppedEvents(), "nothing was dropped")

	srv := httptest.NewServer(rt.Sim)
	defer srv.Close()
	code, out, stderr := runCLI(t, "lifecycle-failed", "--endpoint", srv.URL, "--region", rt.Sim.Region(), "--json")
	require.Equal(t, 0, code, stderr)
	var lost []lostEvent
	require.NoError(t, json.Unmarshal([]byte(out), &lost))
	require.Len(t, lost, 2)
	var names []string
	for _, l := range lost {
		names = append(names, l.EventName)
		assert.Equal(t, "aws.organizations", l.Source)
		assert.Equal(t, 3, l.Attempts)
		assert.Contains(t, l.Why, "organizations:ListTagsForResource")
	}
	assert.ElementsMatch(t, []string{"CreateAccountResult", "AccountJoinedOrganization"}, names)

	code, out, _ = runCLI(t, "lifecycle-failed", "--endpoint", srv.URL, "--region", rt.Sim.Region())
	require.Equal(t, 0, code)
	assert.Contains(t, out, "aws.organizations CreateAccountResult")
	assert.Contains(t, out, "towervend lifecycle-failed --replay", "it says what to do")

	// Replaying while the cause remains fails again and keeps the event.
	code, _, stderr = runCLI(t, "lifecycle-failed", "--endpoint", srv.URL, "--region", rt.Sim.Region(), "--replay")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "failed again")

	broken.Store(false)
	code, out, stderr = runCLI(t, "lifecycle-failed", "--endpoint", srv.URL, "--region", rt.Sim.Region(), "--replay", "--json")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(out), &lost))
	require.Len(t, lost, 2)
	for _, l := range lost {
		assert.Equal(t, "replayed", l.Replay, "both name one enrollment: one starts it, the other finds it started")
	}
	code, out, _ = runCLI(t, "lifecycle-failed", "--endpoint", srv.URL, "--region", rt.Sim.Region())
	require.Equal(t, 0, code)
	assert.Contains(t, out, "no lost lifecycle events")

	require.NoError(t, rt.Run(ctx))
	made := rt.Sim.AccountsNamed("made-by-hand")
	require.Len(t, made, 1)
	var about []string
	for _, n := range rt.Notifications() {
		if n.AccountID == made[0].ID {
			about = append(about, n.State)
		}
	}
	assert.NotEmpty(t, about, "the replayed event started the work it asks for (account %s): %+v", made[0].ID, rt.Notifications())
}

// quietWorld is the demo world without its happenings, so only the test's own
// work happens in it.
func quietWorld() *awssim.World {
	w := awssim.DefaultWorld()
	w.Happenings = nil
	return w
}
