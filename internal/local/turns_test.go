package local

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Requests on one account wait for each other, in the order they arrived,
// and never fail for it: an unmanage or a close sent while an update moves
// the account would otherwise meet Service Catalog's refusal of a product
// that is still changing (UNDER_CHANGE), or unmanage the account under the
// update's later steps.
func TestRequestsOnOneAccountTakeTurns(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	const by = `, "requester": {"system": "servicenow", "ticket": "RITM9", "by": "jane.doe"}}`
	require.NoError(t, rt.Submit(ctx,
		[]byte(`{"requestId": "TURN1", "action": "update", "account": {"id": "952617089435", "organizationalUnit": "Workloads/NonProd"}, "tags": {"Stage": "dev"}`+by),
		[]byte(`{"requestId": "TURN2", "action": "update", "account": {"id": "952617089435"}, "tags": {"Stage": "test"}`+by),
		[]byte(`{"requestId": "TURN3", "action": "close", "account": {"id": "952617089435"}`+by),
	))
	require.NoError(t, rt.Run(ctx))
	res := resultsByID(rt)
	for _, id := range []string{"TURN1", "TURN2", "TURN3"} {
		require.Equal(t, "SUCCEEDED", res[id].Status, "%s: %s", id, res[id].Reason)
	}
	// Each began (was accepted) only after the one before it ended.
	var order []string
	for _, n := range rt.Notifications() {
		if strings.HasPrefix(n.RequestID, "TURN") {
			order = append(order, n.RequestID+" "+n.State)
		}
	}
	assert.Equal(t, []string{"TURN1 accepted", "TURN1 succeeded", "TURN2 accepted", "TURN2 succeeded", "TURN3 accepted", "TURN3 succeeded"}, order)
	last := rt.Notifications()[len(rt.Notifications())-1]
	assert.True(t, slices.ContainsFunc(last.Notes, func(s string) bool { return strings.Contains(s, "that came first to finish (TURN1") }), "%v", last.Notes)
	a, _ := rt.Sim.Account("952617089435")
	assert.Equal(t, "test", a.Tags["Stage"], "the second update ran after the first")
	assert.NotEqual(t, "ACTIVE", a.Status, "then the close")
}
