package local

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every function calls as its own role with the stack's policy: the demo (the
// sample requests on the default world, with its happenings) runs with
// nothing denied and uses every grant, but those kept for a case the grant
// names.
func TestSampleRequestsNeedNoMoreThanTheStackGrants(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{})
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, sampleRequests(t)...))
	require.NoError(t, rt.Run(ctx))
	rep := rt.IAM()
	assert.GreaterOrEqual(t, rep.Calls, 100)
	assert.Empty(t, rep.Denied)
	assert.Empty(t, rep.Unused, "every grant the stack gives is used by the demo, or says when it is needed")
	for fn, grants := range rep.Conditional {
		for _, g := range grants {
			assert.NotEmpty(t, g.When, "%s %s", fn, g.Action)
		}
	}
}

// A grant that no call of a run used is reported as unused unless it names
// the case it is for: revoking nothing and sending only a create leaves the
// update's and the close's grants unused.
func TestUnusedGrantsAreReported(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{})
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, sampleRequests(t)[0]))
	require.NoError(t, rt.Run(ctx))
	rep := rt.IAM()
	assert.Contains(t, rep.Unused["close"], "organizations:CloseAccount")
	assert.Contains(t, rep.Unused["assignsso"], "sso:DeleteAccountAssignment")
	assert.Equal(t, []ConditionalGrant{{Action: "organizations:MoveAccount",
		When: "an account moved out of its planned OU by hand while its request ran: moveou puts it back where Account Factory placed it"}}, rep.Conditional["moveou"])
}

// Revoking the lifecycle function's organizations:ListTagsForResource (the
// grant defect 1 found missing) makes a lifecycle event's work fail with
// AWS's AccessDenied, and the event waits in the lifecycle-failed queue
// instead of being lost.
func TestRevokedGrantIsDeniedAndTheEventKept(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{Revoke: map[string][]string{"lifecycle": {"organizations:ListTagsForResource"}}})
	require.NoError(t, err)
	_, err = rt.Sim.CreateAccountOutsideControlTower("made-by-hand", "aws+made-by-hand@northwind.example")
	require.NoError(t, err)
	require.NoError(t, rt.Run(ctx))
	rep := rt.IAM()
	require.NotEmpty(t, rep.Denied)
	d := rep.Denied[0]
	assert.Equal(t, "organizations:ListTagsForResource", d.Action)
	assert.True(t, strings.HasPrefix(d.Message, "User: arn:aws:sts::"), d.Message)
	assert.Contains(t, d.Message, "assumed-role/towervend-lifecycle/")
	assert.Contains(t, d.Message, "is not authorized to perform: organizations:ListTagsForResource on resource: arn:aws:organizations::")
	assert.GreaterOrEqual(t, rt.LostLifecycleEvents(), 1, "the events are in towervend-lifecycle-failed")
	assert.Empty(t, rt.Sim.DroppedEvents())
}

func TestRevokeNamesAGrantTheFunctionHas(t *testing.T) {
	_, err := New(context.Background(), Options{Revoke: map[string][]string{"lifecycle": {"organizations:CloseAccount"}}})
	require.ErrorContains(t, err, "not granted organizations:CloseAccount")
	_, err = New(context.Background(), Options{Revoke: map[string][]string{"nosuch": {"organizations:CloseAccount"}}})
	require.ErrorContains(t, err, `no function "nosuch"`)
}

// The request queue's event source mapping polls with intake's role, as
// Lambda's does: without sqs:ReceiveMessage no request is taken.
func TestEventSourcePollsAsIntake(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{Revoke: map[string][]string{"intake": {"sqs:ReceiveMessage"}}, MaxSimulatedTime: time.Hour})
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, sampleRequests(t)[0]))
	require.ErrorContains(t, rt.Run(ctx), "did not finish")
	rep := rt.IAM()
	require.NotEmpty(t, rep.Denied)
	assert.Equal(t, "sqs:ReceiveMessage", rep.Denied[0].Action)
	assert.Contains(t, rep.Denied[0].Message, "assumed-role/towervend-intake/")
	for _, n := range rt.Notifications() {
		assert.NotEqual(t, "CHG1001", n.RequestID, "the request was never taken")
	}
}
