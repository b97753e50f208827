package local

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// namedCreate is a create request for an account with that name, email and OU,
// granting one group access so a wrong account would show up in its access.
func namedCreate(id, name, email, ou, group string) []byte {
	b, _ := json.Marshal(map[string]any{
		"requestId": id,
		"action":    "create",
		"account":   map[string]string{"name": name, "email": email, "organizationalUnit": ou},
		"owner":     map[string]string{"email": "jane.doe@northwind.example", "firstName": "Jane", "lastName": "Doe"},
		"access":    []map[string]string{{"group": group, "permissionSet": "AWSReadOnlyAccess"}},
		"tags":      map[string]string{"CostCenter": "9000"},
		"requester": map[string]string{"system": "jira", "ticket": "T-" + id, "by": "jane.doe@northwind.example"}, // in AWSAccountFactory
	})
	return b
}

// Two account names that differ only in punctuation are two accounts, each
// with its own provisioned product: whether submitted together or one after
// the other, neither request fails on the other's product name, and neither
// adopts the other's account (nor grants its access on it, nor moves it).
func TestNamesDifferingOnlyInPunctuationAreTwoAccounts(t *testing.T) {
	first := namedCreate("NAME0001", "team a-b", "aws+team-a-dash-b@northwind.example", "Sandbox", "payments-developers")
	second := namedCreate("NAME0002", "team a b", "aws+team-a-space-b@northwind.example", "Workloads/NonProd", "finops-readers")
	for _, tt := range []struct {
		name     string
		together bool
	}{
		{"submitted together", true},
		{"one after the other", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			rt := newRuntime(t, nil)
			if tt.together {
				require.NoError(t, rt.Submit(ctx, first, second))
				require.NoError(t, rt.Run(ctx))
			} else {
				require.NoError(t, rt.Submit(ctx, first))
				require.NoError(t, rt.Run(ctx))
				require.Equal(t, "SUCCEEDED", resultsByID(rt)["NAME0001"].Status, resultsByID(rt)["NAME0001"].Reason)
				require.NoError(t, rt.Submit(ctx, second))
				require.NoError(t, rt.Run(ctx))
			}
			res := resultsByID(rt)
			a, b := res["NAME0001"], res["NAME0002"]
			require.Equal(t, "SUCCEEDED", a.Status, a.Reason)
			require.Equal(t, "SUCCEEDED", b.Status, b.Reason)
			require.NotEqual(t, a.AccountID, b.AccountID, "two requests, two accounts")

			dash := rt.Sim.AccountsNamed("team a-b")
			space := rt.Sim.AccountsNamed("team a b")
			require.Len(t, dash, 1)
			require.Len(t, space, 1)
			assert.Equal(t, a.AccountID, dash[0].ID)
			assert.Equal(t, b.AccountID, space[0].ID)
			assert.Equal(t, "Sandbox", rt.Sim.OUPath(dash[0].ParentID), "the first account stays where its request put it")
			assert.Equal(t, "Workloads/NonProd", rt.Sim.OUPath(space[0].ParentID))
			assert.True(t, dash[0].Enrolled)
			assert.True(t, space[0].Enrolled)
			assert.Contains(t, a.Access, "group payments-developers: AWSReadOnlyAccess")
			assert.NotContains(t, a.Access, "group finops-readers: AWSReadOnlyAccess", "the second request granted nothing on the first's account")
			assert.Contains(t, b.Access, "group finops-readers: AWSReadOnlyAccess")
		})
	}
}

// An account name may start with any printable character; its provisioned
// product name still starts with a letter or digit, as Service Catalog requires.
func TestNameStartingWithUnderscoreSucceeds(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	require.NoError(t, rt.Submit(ctx, namedCreate("NAME0003", "_sandbox-lab", "aws+sandbox-lab@northwind.example", "Sandbox", "finops-readers")))
	require.NoError(t, rt.Run(ctx))
	res := resultsByID(rt)["NAME0003"]
	require.Equal(t, "SUCCEEDED", res.Status, res.Reason)
	accts := rt.Sim.AccountsNamed("_sandbox-lab")
	require.Len(t, accts, 1)
	assert.Equal(t, res.AccountID, accts[0].ID)
	assert.True(t, accts[0].Enrolled)
}
