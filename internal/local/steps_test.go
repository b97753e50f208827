package local

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Work started with Go runs on the clock during Run, and Run does not finish
// before it: a request it submits three hours in is vended in the same run.
func TestRunWaitsForScheduledWork(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	var submitErr error
	var submittedAt time.Duration
	rt.Go(func() {
		if err := rt.Clock.Sleep(ctx, 3*time.Hour); err != nil {
			submitErr = err
			return
		}
		submittedAt = rt.Elapsed()
		submitErr = rt.Submit(ctx, lateRequest("LATE001"))
	})
	require.NoError(t, rt.Run(ctx))
	require.NoError(t, submitErr)
	assert.Equal(t, 3*time.Hour, submittedAt)
	res := resultsByID(rt)
	require.Contains(t, res, "LATE001", "submitted by the scheduled work, within the run")
	assert.Equal(t, "SUCCEEDED", res["LATE001"].Status, res["LATE001"].Reason)
	assert.Greater(t, rt.Elapsed(), 3*time.Hour+20*time.Minute, "the run lasted until the late request was done")
}

// Settled becomes true only once every request is final and the world has
// been quiet for the quiet period; work can wait for it.
func TestSettled(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	require.NoError(t, rt.Submit(ctx, lateRequest("LATE002")))
	var settledAt time.Time
	var before bool
	rt.Go(func() {
		before = rt.Settled()
		for !rt.Settled() {
			if rt.Clock.Sleep(ctx, 5*time.Second) != nil {
				return
			}
		}
		settledAt = rt.Clock.Now()
	})
	require.NoError(t, rt.Run(ctx))
	assert.False(t, before, "not settled while the request runs")
	require.False(t, settledAt.IsZero())
	var final time.Time
	for _, n := range rt.Notifications() {
		if n.RequestID == "LATE002" && n.State == "succeeded" {
			final, _ = time.Parse(time.RFC3339, n.Time)
		}
	}
	require.False(t, final.IsZero(), "the request succeeded")
	assert.GreaterOrEqual(t, settledAt.Sub(final), 10*time.Minute, "settled after the quiet period")
}

// lateRequest is a create of a Sandbox account, asked for by a member of
// AWSAccountFactory.
func lateRequest(id string) []byte {
	return fmt.Appendf(nil, `{"requestId": %q, "action": "create",
	  "account": {"name": %q, "email": "aws+%s@northwind.example", "organizationalUnit": "Sandbox"},
	  "owner": {"email": "jane.doe@northwind.example", "firstName": "Jane", "lastName": "Doe"},
	  "tags": {"CostCenter": "9000"},
	  "requester": {"system": "jira", "ticket": "T-%s", "by": "jane.doe@northwind.example"}}`, id, "late-"+id, id, id)
}
