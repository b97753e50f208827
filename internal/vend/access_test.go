package vend_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

const byJane = `, "requester": {"system": "servicenow", "ticket": "RITM1", "by": "jane.doe"}`

// A move must not carry access into an OU whose policy forbids it: a direct
// grant of AWSPowerUserAccess in Workloads/Prod is refused, so moving
// payments-staging (whose developers hold it) there is refused too, naming
// the assignment, unless the request asks to revoke it as part of the move.
func TestAMoveIsJudgedByTheTargetOUsPolicy(t *testing.T) {
	move := `{"requestId": "CHG4100", "action": "update", "account": {"id": "830495867213", "organizationalUnit": "Workloads/Prod"}` + byJane
	t.Run("refused", func(t *testing.T) {
		f := newFixture(t, setup{})
		doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, move+`}`)})
		require.True(t, doc.Plan.Rejected)
		i := slices.IndexFunc(doc.Plan.Problems, func(p request.Problem) bool { return p.Field == "account.organizationalUnit" })
		require.GreaterOrEqual(t, i, 0, "%+v", doc.Plan.Problems)
		p := doc.Plan.Problems[i]
		assert.Contains(t, p.Message, "group payments-developers: AWSPowerUserAccess")
		assert.Contains(t, p.Message, "does not allow in Workloads/Prod")
		assert.Contains(t, p.Fix, `"revokeDisallowedAccess": true`)
		assert.Zero(t, f.calls("servicecatalog", "UpdateProvisionedProduct"), "nothing moved")
	})
	t.Run("revoked as part of the move", func(t *testing.T) {
		f := newFixture(t, setup{})
		doc := f.workflow(decode(t, move+`, "revokeDisallowedAccess": true}`))
		assert.Equal(t, "Workloads/Prod", f.ouPath(paymentsStagingID))
		have := f.assignments(paymentsStagingID)
		assert.NotContains(t, have, "group payments-developers: AWSPowerUserAccess")
		assert.Contains(t, have, "group security-auditors: ViewOnlyAccess", "the OU's default access came with the move")
		ns := f.notifications()
		require.Equal(t, vend.StateAccepted, ns[0].State)
		assert.Equal(t, []string{"group payments-developers: AWSPowerUserAccess"}, ns[0].Revoked, "the accepted plan names what it revokes")
		last := ns[len(ns)-1]
		require.Equal(t, vend.StateSucceeded, last.State)
		assert.Equal(t, []string{"group payments-developers: AWSPowerUserAccess"}, last.Revoked)
		assert.True(t, slices.ContainsFunc(doc.Notes, func(n string) bool { return strings.Contains(n, "revokes access the policy does not allow") }), "%v", doc.Notes)
	})
	t.Run("the Account Factory owner's administrator access is Control Tower's own", func(t *testing.T) {
		// storefront-prod's owner li.wei holds AWSAdministratorAccess, which
		// the policy allows only in Sandbox; Account Factory granted it.
		f := newFixture(t, setup{})
		doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t,
			`{"requestId": "CHG4101", "action": "update", "account": {"id": "729384756102", "organizationalUnit": "Workloads/NonProd"}`+byJane+`}`)})
		require.False(t, doc.Plan.Rejected, "%+v", doc.Plan.Problems)
		assert.Empty(t, doc.Plan.Revoke)
	})
}

// One access grant can be taken away with an access item that says revoke.
func TestAnUpdateRevokesOneGrant(t *testing.T) {
	f := newFixture(t, setup{})
	require.Contains(t, f.assignments(paymentsProdID), "group security-auditors: ViewOnlyAccess")
	doc := f.workflow(decode(t, `{"requestId": "CHG4200", "action": "update", "account": {"id": "618273645091"},
		"access": [{"group": "security-auditors", "permissionSet": "ViewOnlyAccess", "revoke": true},
		           {"group": "finops-readers", "permissionSet": "BillingReadOnly", "revoke": true}]`+byJane+`}`))
	have := f.assignments(paymentsProdID)
	assert.NotContains(t, have, "group security-auditors: ViewOnlyAccess")
	assert.Contains(t, have, "group payments-admins: AWSPowerUserAccess", "only that grant went")
	assert.True(t, slices.ContainsFunc(doc.Notes, func(n string) bool {
		return strings.Contains(n, "access[1]") && strings.Contains(n, "nothing to revoke")
	}), "revoking what the account does not have is a note: %v", doc.Notes)
	last := f.notifications()[len(f.notifications())-1]
	assert.Equal(t, []string{"group security-auditors: ViewOnlyAccess"}, last.Revoked)
	assert.Empty(t, last.Access)
}

func TestRevokeCannotContradictAGrant(t *testing.T) {
	f := newFixture(t, setup{})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, `{"requestId": "CHG4201", "action": "update", "account": {"id": "618273645091"},
		"access": [{"group": "platform-admins", "permissionSet": "AWSReadOnlyAccess"},
		           {"group": "platform-admins", "permissionSet": "AWSReadOnlyAccess", "revoke": true}]`+byJane+`}`)})
	require.True(t, doc.Plan.Rejected)
	assert.Equal(t, "access[1].revoke", doc.Plan.Problems[0].Field)
	assert.Contains(t, doc.Plan.Problems[0].Message, "both granted and revoked")
}
