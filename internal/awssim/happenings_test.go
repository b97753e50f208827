package awssim

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/towervend/towervend/internal/awssim/world"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const happeningsWorld = `{"organization": {"managementAccount": {"name": "m", "email": "m@example.com"},
  "organizationalUnits": [{"name": "Workloads", "registered": true, "children": [{"name": "Prod", "registered": true}]}]},
  "happenings": [%s]}`

func TestParseWorldHappenings(t *testing.T) {
	good := `{"at": "12m", "invite": {"name": "partner", "email": "root@partner.example", "executionRole": "trusted"}},
	  {"at": "40m", "consoleProvision": {"name": "analytics", "email": "aws+analytics@example.com", "organizationalUnit": "Workloads/Prod",
	    "sso": {"email": "jane@example.com", "firstName": "Jane", "lastName": "Doe"}}},
	  {"at": "1h", "createAccount": {"name": "shadow", "email": "aws+shadow@example.com"}}`
	w, err := ParseWorld([]byte(fmt.Sprintf(happeningsWorld, good)))
	require.NoError(t, err)
	require.Len(t, w.Happenings, 3)
	assert.Equal(t, 40*time.Minute, w.Happenings[1].At.D())
	assert.Equal(t, "Workloads/Prod", w.Happenings[1].ConsoleProvision.OrganizationalUnit)

	for name, tc := range map[string]struct{ happening, want string }{
		"unknown field": {`{"at": "1m", "invite": {"name": "a", "email": "a@example.com", "role": "trusted"}}`, `unknown field "role"`},
		"unknown kind":  {`{"at": "1m", "close": {"name": "a"}}`, `unknown field "close"`},
		"no kind":       {`{"at": "1m"}`, "happenings[0]: has 0 kinds; give exactly one of invite, consoleProvision or createAccount"},
		"two kinds":     {`{"at": "1m", "invite": {"name": "a", "email": "a@example.com"}, "createAccount": {"name": "b", "email": "b@example.com"}}`, "has 2 kinds"},
		"negative at":   {`{"at": "-1m", "createAccount": {"name": "a", "email": "a@example.com"}}`, "happenings[0].at: -1m0s is before the world's start"},
		"bad at":        {`{"at": "soon", "createAccount": {"name": "a", "email": "a@example.com"}}`, `duration "soon"`},
		"no name":       {`{"at": "1m", "createAccount": {"email": "a@example.com"}}`, "happenings[0].createAccount.name: required"},
		"bad email":     {`{"at": "1m", "invite": {"name": "a", "email": "nope"}}`, `happenings[0].invite.email: "nope" is not an email address`},
		"bad role":      {`{"at": "1m", "invite": {"name": "a", "email": "a@example.com", "executionRole": "yes"}}`, `happenings[0].invite.executionRole: "yes" is not a role state; use trusted, untrusted or missing`},
		"unknown OU":    {`{"at": "1m", "consoleProvision": {"name": "a", "email": "a@example.com", "organizationalUnit": "Sandbox", "sso": {"email": "j@example.com", "firstName": "J", "lastName": "D"}}}`, `happenings[0].consoleProvision.organizationalUnit: OU "Sandbox" is not in the organization; choose one of: Workloads, Workloads/Prod`},
		"no SSO user":   {`{"at": "1m", "consoleProvision": {"name": "a", "email": "a@example.com", "organizationalUnit": "Workloads/Prod"}}`, "happenings[0].consoleProvision.sso: email, firstName and lastName are required"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWorld([]byte(fmt.Sprintf(happeningsWorld, tc.happening)))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// Each kind of happening happens at its time, with the effect and the events
// the same thing makes on AWS.
func TestWorldHappenings(t *testing.T) {
	s, clk := newTestSim(t, func(w *World) {
		w.Happenings = []Happening{
			{At: Duration(12 * time.Minute), Invite: &world.InviteHappening{Name: "partner", Email: "root@partner.example", ExecutionRole: RoleTrusted}},
			{At: Duration(20 * time.Minute), ConsoleProvision: &world.ConsoleProvisionHappening{Name: "analytics-prod", Email: "aws+analytics-prod@northwind.example",
				OrganizationalUnit: "Workloads/Prod", SSO: world.SSOUserHappening{Email: "maria.garcia@northwind.example", FirstName: "Maria", LastName: "Garcia"}}},
			{At: Duration(time.Hour), CreateAccount: &world.CreateAccountHappening{Name: "shadow-it", Email: "aws+shadow-it@northwind.example"}},
		}
	})
	assert.Equal(t, 3, s.PendingHappenings())

	clk.Advance(12 * time.Minute)
	invited := s.AccountsNamed("partner")
	require.Len(t, invited, 1, "the invitation is accepted at +12m")
	assert.Equal(t, "INVITED", invited[0].JoinedMethod)
	assert.Equal(t, RoleTrusted, invited[0].ExecutionRole)
	assert.Contains(t, busEventNames(s), "AccountJoinedOrganization")
	assert.Equal(t, 2, s.PendingHappenings())

	clk.Advance(8 * time.Minute)
	assert.Empty(t, s.AccountsNamed("analytics-prod"), "Control Tower is still creating it")
	clk.Advance(time.Hour)
	console := s.AccountsNamed("analytics-prod")
	require.Len(t, console, 1, "Control Tower made the console's account")
	assert.True(t, console[0].Enrolled)
	assert.Equal(t, "Workloads/Prod", s.OUPath(console[0].ParentID))
	assert.Contains(t, busEventNames(s), "CreateManagedAccount")

	clk.Advance(time.Hour)
	shadow := s.AccountsNamed("shadow-it")
	require.Len(t, shadow, 1, "CreateAccount outside Control Tower")
	assert.False(t, shadow[0].Enrolled)
	assert.Equal(t, s.OUPath(shadow[0].ParentID), "", "in Root")
	assert.Zero(t, s.PendingHappenings())
}

// busEventNames is every event on the management account's default buses in
// the home Region (Control Tower's) and us-east-1 (Organizations'), as one
// string to look for names in.
func busEventNames(s *Sim) string {
	var b strings.Builder
	for _, raw := range s.BusEvents("default") {
		b.Write(raw)
	}
	for _, raw := range s.RegionBusEvents(OrganizationsRegion, "default") {
		b.Write(raw)
	}
	return b.String()
}
