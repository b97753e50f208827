package authz_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/authz"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

func TestAddRoleRefusesWhatIAMWould(t *testing.T) {
	reg, _ := newRegistry()
	_, err := reg.AddRole("bad name")
	assert.ErrorContains(t, err, "a role name is")
	_, err = reg.AddRole("Broken", iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{Effect: "Maybe", Action: []string{"sts:*"}, Resource: []string{"*"}}}})
	assert.ErrorContains(t, err, "policy 1")
	_, err = reg.AddRole("Twice")
	require.NoError(t, err)
	_, err = reg.AddRole("Twice")
	assert.ErrorContains(t, err, "SetPolicies")
	assert.ErrorContains(t, reg.SetPolicies("Missing"), "AddRole")
	assert.ErrorContains(t, reg.SetPolicies("Twice", iam.Policy{}), "policy 1")
}

// TestAuthorizerSetsGlobalConditionKeys: a policy conditioned on one global
// key allows the call exactly when the authorizer sets the key as AWS would.
func TestAuthorizerSetsGlobalConditionKeys(t *testing.T) {
	reg, sessions := newRegistry()
	key, err := reg.AddRole("Keys")
	require.NoError(t, err)
	member := testAccount + testMember

	tests := []struct {
		name     string
		key      string
		value    string
		access   protocol.Access
		region   string
		expected bool
	}{
		{"principal ARN is the role's, not the session's", "aws:PrincipalArn", "arn:aws:iam::" + testMgmt + ":role/Keys", protocol.On(member), "eu-west-1", true},
		{"principal account", "aws:PrincipalAccount", testMgmt, protocol.On(member), "eu-west-1", true},
		{"principal type", "aws:PrincipalType", "AssumedRole", protocol.On(member), "eu-west-1", true},
		{"principal organization", "aws:PrincipalOrgID", testOrg, protocol.On(member), "eu-west-1", true},
		{"user id", "aws:userid", "AROATEST:Keys", protocol.On(member), "eu-west-1", true},
		{"current time", "aws:CurrentTime", "2026-11-24T09:00:00Z", protocol.On(member), "eu-west-1", true},
		{"epoch time", "aws:EpochTime", strconv.FormatInt(testNow.Unix(), 10), protocol.On(member), "eu-west-1", true},
		{"requested region from the signature", "aws:RequestedRegion", "eu-west-1", protocol.On(member), "eu-west-1", true},
		{"another requested region", "aws:RequestedRegion", "us-east-1", protocol.On(member), "eu-west-1", false},
		{"resource account is the ARN's", "aws:ResourceAccount", testMgmt, protocol.On(member), "eu-west-1", true},
		{"resource account of a member's role", "aws:ResourceAccount", testMember,
			protocol.On("arn:aws:iam::" + testMember + ":role/AWSControlTowerExecution"), "eu-west-1", true},
		{"resource organization", "aws:ResourceOrgID", testOrg, protocol.On(member), "eu-west-1", true},
		{"no resource organization outside it", "aws:ResourceOrgID", testOrg,
			protocol.On("arn:aws:iam::" + testOutside + ":role/Elsewhere"), "eu-west-1", false},
		{"no resource account for a resource without one", "aws:ResourceAccount", testMgmt, protocol.On("*"), "eu-west-1", false},
		{"the service's key wins over a global one", "aws:ResourceAccount", testOutside,
			protocol.Access{Resource: member, Context: map[string][]string{"aws:ResourceAccount": {testOutside}}}, "eu-west-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, reg.SetPolicies("Keys", policy(iam.Statement{Effect: iam.EffectAllow, Action: []string{"organizations:*"}, Resource: []string{"*"},
				Condition: iam.Condition{"StringEquals": {tt.key: {tt.value}}}})))
			aerr := reg.Authorizer(signedIn(key, tt.region), nil)(call(sessions, key, "organizations:DescribeAccount"), []protocol.Access{tt.access})
			if tt.expected {
				assert.Nil(t, aerr)
			} else {
				assert.NotNil(t, aerr)
			}
		})
	}
}

func TestAuthorizerPassesPrincipalsWithoutPolicies(t *testing.T) {
	reg, sessions := newRegistry()
	_, err := reg.AddRole("Nobody")
	require.NoError(t, err)
	aerr := reg.Authorizer(signedIn("AKIAWORLD", "eu-west-1"), nil)(call(sessions, "AKIAWORLD", "organizations:CloseAccount"),
		[]protocol.Access{protocol.On(testAccount + testMember)})
	assert.Nil(t, aerr)
	assert.Zero(t, reg.Report().Checked, "calls of principals without policies are not checked")
}

func TestAuthorizerAnswersInTheServiceShape(t *testing.T) {
	reg, sessions := newRegistry()
	key, err := reg.AddRole("Nothing")
	require.NoError(t, err)
	c := call(sessions, key, "sts:AssumeRole")
	role := "arn:aws:iam::" + testMember + ":role/AWSControlTowerExecution"
	want := "User: " + session("Nothing") + " is not authorized to perform: sts:AssumeRole on resource: " + role +
		" because no identity-based policy allows the sts:AssumeRole action"

	var gotAction string
	shaped := func(action, message string) *protocol.APIError {
		gotAction = action
		return &protocol.APIError{Code: "AccessDenied", Message: message, Status: http.StatusForbidden}
	}
	aerr := reg.Authorizer("", shaped)(c, []protocol.Access{protocol.On(role)})
	require.NotNil(t, aerr)
	assert.Equal(t, protocol.APIError{Code: "AccessDenied", Message: want, Status: http.StatusForbidden}, *aerr)
	assert.Equal(t, "sts:AssumeRole", gotAction)

	aerr = reg.Authorizer("", nil)(c, []protocol.Access{protocol.On(role)})
	require.NotNil(t, aerr)
	assert.Equal(t, protocol.APIError{Code: "AccessDeniedException", Message: want, Status: http.StatusBadRequest}, *aerr,
		"without a shape of its own a service answers AccessDeniedException")
}

func TestReportCountsDenialsAndUnusedGrants(t *testing.T) {
	reg, sessions := newRegistry()
	key, err := reg.AddRole("Auditor", policy(
		allow([]string{"organizations:List*", "organizations:DescribeAccount"}, "*"),
		allow([]string{"organizations:CloseAccount", "organizations:TagResource"}, testAccount+"*"),
	))
	require.NoError(t, err)
	authorize := func(action string, access ...protocol.Access) *protocol.APIError {
		return reg.Authorizer(signedIn(key, "eu-west-1"), nil)(call(sessions, key, action), access)
	}
	require.Nil(t, authorize("organizations:ListRoots", protocol.On("*")))
	require.Nil(t, authorize("organizations:DescribeAccount", protocol.On(testAccount+testMember)))
	denied := authorize("organizations:MoveAccount", protocol.On(testAccount+testMember))
	require.NotNil(t, denied)
	// A denied call uses no grant, even for the accesses that were allowed.
	require.NotNil(t, authorize("organizations:CloseAccount", protocol.On(testAccount+testMember), protocol.On("arn:aws:organizations::"+testMgmt+":ou/"+testOrg+"/ou-x")))

	r := reg.Report()
	assert.Equal(t, 4, r.Checked)
	require.Len(t, r.Denials, 2)
	assert.Equal(t, authz.Denial{Principal: session("Auditor"), Action: "organizations:MoveAccount", Resource: testAccount + testMember, Message: denied.Message}, r.Denials[0])
	require.Len(t, r.Roles, 1)
	assert.Equal(t, authz.RoleUsage{Role: "Auditor", Calls: 4, Unused: []string{"organizations:CloseAccount", "organizations:TagResource"}}, r.Roles[0])
	assert.Contains(t, r.String(), "unused grants: organizations:CloseAccount, organizations:TagResource")
}

func TestRestoreGivesBackRolesAndTheirSessions(t *testing.T) {
	reg, sessions := newRegistry()
	key, err := reg.AddRole("Lister", policy(allow([]string{"organizations:ListRoots"}, "*")))
	require.NoError(t, err)
	state := reg.State()

	restored := authz.New(fakeOrg{}, sessions, nil)
	restored.Restore(state)
	assert.Equal(t, state, restored.State())
	authorize := func(action string) *protocol.APIError {
		return restored.Authorizer("", nil)(call(sessions, key, action), []protocol.Access{protocol.On("*")})
	}
	assert.Nil(t, authorize("organizations:ListRoots"))
	assert.NotNil(t, authorize("organizations:ListAccounts"), "the restored role keeps its policies")
	assert.Equal(t, 2, restored.Report().Checked, "the key signs as the restored role's session")
	assert.Nil(t, authz.New(fakeOrg{}, sessions, nil).State(), "no roles, nothing in the snapshot")
}

func ExampleRegistry() {
	sessions := fakeSessions{}
	reg := authz.New(fakeOrg{}, sessions, nil)
	key, _ := reg.AddRole("Reader", iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{
		{Effect: iam.EffectAllow, Action: []string{"organizations:Describe*", "organizations:List*"}, Resource: []string{"*"}},
	}})

	// The router gives every call an Authorizer; the operation hands it the
	// accesses it needs.
	p, _ := sessions.Principal(key)
	c := &protocol.Call{Caller: p, Now: testNow, Action: "organizations:DescribeAccount"}
	fmt.Println(reg.Authorizer("", nil)(c, []protocol.Access{protocol.On(testAccount + testMember)}) == nil)
	c.Action = "organizations:CloseAccount"
	fmt.Println(reg.Authorizer("", nil)(c, []protocol.Access{protocol.On(testAccount + testMember)}).Code)
	fmt.Print(reg.Report())
	// Output:
	// true
	// AccessDeniedException
	// IAM: 2 calls checked, 1 denied
	//   denied organizations:CloseAccount arn:aws:organizations::111122223333:account/o-test12345/222233334444: User: arn:aws:sts::111122223333:assumed-role/Reader/Reader is not authorized to perform: organizations:CloseAccount on resource: arn:aws:organizations::111122223333:account/o-test12345/222233334444 because no identity-based policy allows the organizations:CloseAccount action
	//   role Reader: 2 calls, unused grants: organizations:List*
}
