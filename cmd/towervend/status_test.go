package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/bench"
	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/statemachine"
)

// A request waiting for a Control Tower slot shows its place in line, and the
// wait loop's states are one record each, however often the request asked.
func TestStatusShowsTheQueue(t *testing.T) {
	ctx := context.Background()
	w := awssim.DefaultWorld()
	w.ControlTower.ProvisioningTime = awssim.Duration(30 * time.Minute)
	w.ControlTower.Spread = 0
	rt, err := local.New(ctx, local.Options{World: w, MaxSimulatedTime: 20 * time.Minute})
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, bench.CreateRequests("queue", 8)...))
	// Stopped after 20 simulated minutes: five operations run, three requests wait.
	require.ErrorContains(t, rt.Run(ctx), "did not finish")

	c := sfn.NewFromConfig(rt.Sim.Config())
	queued, counted := 0, 0
	for i := 1; i <= 8; i++ {
		rep, err := requestStatus(ctx, c, dynamodb.NewFromConfig(rt.Sim.Config()), rt.StateMachineArn, deploy.WaitsTable.Name, fmt.Sprintf("queue-REQ-%05d", i))
		require.NoError(t, err)
		require.Equal(t, "running", rep.Outcome)
		if rep.Queue == nil {
			continue
		}
		queued++
		assert.Contains(t, statemachine.QueueLoop, rep.CurrentStep)
		// The first to find the gate full counted the five in flight; those
		// arriving behind it queued without counting (-1).
		if rep.Queue.InFlight != -1 {
			assert.Equal(t, 5, rep.Queue.InFlight)
			counted++
		}
		assert.GreaterOrEqual(t, rep.Queue.Ahead, 0, "ranked among the running executions")
		assert.Positive(t, rep.Queue.WaitSeconds)
		steps := map[string]int{}
		for _, h := range rep.History {
			steps[h.Step]++
		}
		assert.Equal(t, 1, steps["WaitForSlot"], "one record for the loop")
		assert.Equal(t, 1, steps["Provision"])
		for _, h := range rep.History {
			if h.Step == "WaitForSlot" {
				assert.Equal(t, rep.Queue.Checks, h.Times, "each check of the gate is one wait")
			}
		}
	}
	assert.Equal(t, 3, queued)
	assert.Positive(t, counted, "one waiter says how many operations are in flight")
}

// A request waiting for an earlier one on the same account says so.
func TestStatusShowsAWaitForTheAccount(t *testing.T) {
	ctx := context.Background()
	rt, err := local.New(ctx, local.Options{World: func() *awssim.World { w := awssim.DefaultWorld(); w.Happenings = nil; return w }(),
		MaxSimulatedTime: 5 * time.Minute})
	require.NoError(t, err)
	const by = `, "requester": {"system": "servicenow", "ticket": "RITM1", "by": "jane.doe"}}`
	require.NoError(t, rt.Submit(ctx,
		[]byte(`{"requestId": "ACCT1", "action": "update", "account": {"id": "952617089435", "organizationalUnit": "Workloads/NonProd"}`+by),
		[]byte(`{"requestId": "ACCT2", "action": "close", "account": {"id": "952617089435"}`+by)))
	require.ErrorContains(t, rt.Run(ctx), "did not finish") // the move takes 15 minutes

	rep, err := requestStatus(ctx, sfn.NewFromConfig(rt.Sim.Config()), dynamodb.NewFromConfig(rt.Sim.Config()), rt.StateMachineArn, deploy.WaitsTable.Name, "ACCT2")
	require.NoError(t, err)
	assert.Equal(t, statemachine.StateWaitForAccountFactory, rep.CurrentStep)
	require.NotNil(t, rep.Waiting)
	assert.Contains(t, rep.Waiting.Reason, "request ACCT1")
	assert.Contains(t, rep.Waiting.Reason, "in the order they arrived")
	assert.Equal(t, []string{"ACCT1"}, rep.Waiting.Behind)
}
