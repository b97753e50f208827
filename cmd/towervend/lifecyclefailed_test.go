package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/local"
)

// A lifecycle event the lifecycle function fails on is not lost: after
// Lambda's retries it is in the lifecycle-failed queue, `towervend
// lifecycle-failed` shows it with the function's error, and --replay, once
// the cause is fixed, runs it and empties the queue.
func TestLostLifecycleEventsAreShownAndReplayed(t *testing.T) {
	ctx := context.Background()
	rt, err := local.New(ctx, local.Options{})
	require.NoError(t, err)
	arn := rt.FunctionARNs["lifecycle"]
	lifecycle := rt.Sim.Function(arn)
	var broken atomic.Bool
	broken.Store(true)
	var calls atomic.Int32
	rt.Sim.RegisterFunction(arn, func(ctx context.Context, payload []byte) ([]byte, error) {
		calls.Add(1)
		if broken.Load() {
			return nil, errors.New("AccessDenied: not authorized to perform: organizations:ListTagsForResource")
		}
		return lifecycle(ctx, payload)
	})
	_, err = rt.Sim.CreateAccountOutsideControlTower("made-by-hand", "aws+made-by-hand@northwind.example")
	require.NoError(t, err)
	require.NoError(t, rt.Run(ctx))
	assert.EqualValues(t, 3, calls.Load(), "Lambda ran the function three times")
	assert.Empty(t, rt.Sim.DroppedEvents(), "nothing was dropped")

	srv := httptest.NewServer(rt.Sim)
	defer srv.Close()
	code, out, stderr := runCLI(t, "lifecycle-failed", "--endpoint", srv.URL, "--region", rt.Sim.Region(), "--json")
	require.Equal(t, 0, code, stderr)
	var lost []lostEvent
	require.NoError(t, json.Unmarshal([]byte(out), &lost))
	require.Len(t, lost, 1)
	assert.Equal(t, "aws.organizations", lost[0].Source)
	assert.Equal(t, "CreateAccountResult", lost[0].EventName)
	assert.Equal(t, 3, lost[0].Attempts)
	assert.Contains(t, lost[0].Why, "organizations:ListTagsForResource")

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
	require.Len(t, lost, 1)
	assert.Equal(t, "replayed", lost[0].Replay)
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
