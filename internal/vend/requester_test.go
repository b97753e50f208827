package vend_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// asked is a sandbox create request asked by by ("" leaves requester out).
// It is decoded with request.Decode: the harness's decode would fill in a
// member of AWSAccountFactory.
func asked(t *testing.T, by string) request.Request {
	t.Helper()
	requester := ""
	if by != "" {
		requester = `, "requester": {"system": "servicenow", "ticket": "RITM0019001", "by": "` + by + `"}`
	}
	req, err := request.Decode([]byte(`{"requestId": "CHG9001", "action": "create",
		"account": {"name": "sandbox-asked", "email": "aws+sandbox-asked@northwind.example", "organizationalUnit": "Sandbox"},
		"owner": {"email": "li.wei@northwind.example", "firstName": "Li", "lastName": "Wei"},
		"tags": {"CostCenter": "9000"}` + requester + `}`))
	require.NoError(t, err)
	return *req
}

// requesters sets policy.requesters for a fixture.
func requesters(groups map[string][]string) func(*policy.Policy) {
	return func(p *policy.Policy) { p.RequesterGroups = groups }
}

// validateQueued runs Validate on a request from the queue.
func (f *fixture) validateQueued(req request.Request) *vend.Doc {
	f.t.Helper()
	return f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: req, Origin: "queue"})
}

// Members of the action's groups may ask, named by email or by user name.
func TestRequesterInTheGroupMayAsk(t *testing.T) {
	for _, by := range []string{"li.wei@northwind.example", "li.wei"} {
		t.Run(by, func(t *testing.T) {
			f := newFixture(t, setup{})
			doc := f.validateQueued(asked(t, by))
			assert.False(t, doc.Plan.Rejected, "%v", doc.Plan.Problems)
			assert.Equal(t, 1, f.calls("identitystore", "IsMemberInGroups"))
		})
	}
}

// Whoever may not ask is refused, with a problem naming the person, the
// action and the groups that would allow it, which the requester hears of.
func TestRequesterRefusals(t *testing.T) {
	tests := []struct {
		name     string
		policy   map[string][]string
		by       string
		want     func(policy.RequesterRule) request.Problem
		contains string
	}{
		{"not a member", nil, "maria.garcia@northwind.example",
			func(r policy.RequesterRule) request.Problem {
				return r.NotMember("maria.garcia@northwind.example", nil)
			},
			"maria.garcia@northwind.example may not create accounts: only members of AWSAccountFactory may"},
		{"no such user", nil, "ghost@northwind.example",
			func(r policy.RequesterRule) request.Problem { return r.UnknownUser("ghost@northwind.example") },
			"ghost@northwind.example is no user in IAM Identity Center"},
		{"nobody said who asked", nil, "",
			func(r policy.RequesterRule) request.Problem { return r.Missing() },
			"the request does not say who asked"},
		{"a member of the default groups, but not of the action's", map[string][]string{"default": {"AWSAccountFactory"}, "create": {"platform-admins"}}, "li.wei",
			func(r policy.RequesterRule) request.Problem { return r.NotMember("li.wei", nil) },
			"only members of platform-admins may (policy.requesters.create)"},
		{"the policy names a group Identity Center does not have", map[string][]string{"create": {"cloud-vending"}}, "li.wei",
			func(r policy.RequesterRule) request.Problem { return r.NotMember("li.wei", []string{"cloud-vending"}) },
			"the policy names cloud-vending, which IAM Identity Center does not have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{policy: func(p *policy.Policy) {
				if tt.policy != nil {
					p.RequesterGroups = tt.policy
				}
			}})
			doc := f.validateQueued(asked(t, tt.by))
			require.True(t, doc.Plan.Rejected)
			want := tt.want(f.deps.Policy.Requesters(request.ActionCreate))
			assert.Equal(t, []request.Problem{want}, doc.Plan.Problems, "the requester is the only thing wrong")
			assert.Contains(t, want.Message, tt.contains)
			ns := f.notifications()
			require.Len(t, ns, 1)
			assert.Equal(t, vend.StateRejected, ns[0].State)
			assert.Equal(t, []request.Problem{want}, ns[0].Problems, "the requester is told why")
		})
	}
}

// A group the policy names that Identity Center lacks does not stop the
// members of the groups it has.
func TestRequesterInAnExistingGroupBesideAMissingOne(t *testing.T) {
	f := newFixture(t, setup{policy: requesters(map[string][]string{"create": {"cloud-vending", "payments-developers"}})})
	doc := f.validateQueued(asked(t, "li.wei"))
	assert.False(t, doc.Plan.Rejected, "%v", doc.Plan.Problems)
}

// ["*"] is the explicit way back to anyone the queue accepts: nobody's
// membership is asked about, and requester may be left out.
func TestRequesterAnyoneAsksNothing(t *testing.T) {
	f := newFixture(t, setup{policy: requesters(map[string][]string{"default": {"*"}})})
	for _, by := range []string{"", "maria.garcia@northwind.example", "ghost@northwind.example"} {
		doc := f.validateQueued(asked(t, by))
		assert.False(t, doc.Plan.Rejected, "%q: %v", by, doc.Plan.Problems)
	}
	assert.Zero(t, f.calls("identitystore", "IsMemberInGroups"))
	assert.Zero(t, f.calls("identitystore", "GetUserId"))
}

// Left out of the policy, the rule is AWSAccountFactory for every action.
func TestRequesterRuleLeftOutIsAccountFactory(t *testing.T) {
	f := newFixture(t, setup{policy: requesters(nil)})
	assert.False(t, f.validateQueued(asked(t, "sam.okafor")).Plan.Rejected)
	doc := f.validateQueued(asked(t, "maria.garcia"))
	require.True(t, doc.Plan.Rejected)
	assert.Contains(t, doc.Plan.Problems[0].Message, "only members of AWSAccountFactory may (policy.requesters)")
}

// What counts is the group's membership in Identity Center, not the
// demo world's: in a world where only jane.doe is in AWSAccountFactory,
// li.wei may not ask.
func TestRequesterMembershipComesFromIdentityCenter(t *testing.T) {
	f := newFixture(t, setup{world: func(w *awssim.World) {
		for i, g := range w.IdentityCenter.Groups {
			if g.DisplayName == policy.AccountFactoryGroup {
				w.IdentityCenter.Groups[i].Members = []string{"jane.doe"}
			}
		}
	}})
	assert.False(t, f.validateQueued(asked(t, "jane.doe")).Plan.Rejected)
	assert.True(t, f.validateQueued(asked(t, "li.wei")).Plan.Rejected, "li.wei is not in AWSAccountFactory in this world")
}

// Requests towervend makes from lifecycle events are its own: nobody asked,
// so nobody is checked.
func TestRequesterNotCheckedForLifecycleRequests(t *testing.T) {
	f := newFixture(t, setup{})
	req, err := request.Decode([]byte(`{"requestId": "LC-1", "action": "update", "account": {"id": "` + paymentsProdID + `"},
		"access": [{"group": "platform-admins", "permissionSet": "AWSReadOnlyAccess"}]}`))
	require.NoError(t, err)
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: *req, Origin: vend.OriginLifecycle})
	assert.False(t, doc.Plan.Rejected, "%v", doc.Plan.Problems)
	assert.Zero(t, f.calls("identitystore", "IsMemberInGroups"))

	queued := f.validateQueued(*req)
	require.True(t, queued.Plan.Rejected, "the same request from the queue must say who asked")
	assert.Equal(t, "requester.by", queued.Plan.Problems[0].Field)
}
