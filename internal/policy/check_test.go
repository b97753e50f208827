package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/request"
)

func decode(t *testing.T, body string) *request.Request {
	t.Helper()
	r, err := request.Decode([]byte(body))
	require.NoError(t, err)
	return r
}

const createBody = `{"requestId":"CHG1","action":"create",
	"account":{"name":"payments-prod","email":"aws+payments-prod@northwind.example","organizationalUnit":"Workloads/Prod"},
	"owner":{"email":"jane@northwind.example","firstName":"Jane","lastName":"Doe"},
	"access":[{"group":"payments-admins","permissionSet":"AWSReadOnlyAccess"}],
	"tags":{"CostCenter":"1234"}}`

func TestCheckAllowsCompliantRequests(t *testing.T) {
	p := demoPolicy(t)
	tests := []struct {
		name  string
		body  string
		facts Facts
	}{
		{"create", createBody, Facts{OUPath: "Workloads/Prod"}},
		{"create with the domain in capitals", `{"requestId":"c","action":"create",
			"account":{"name":"a","email":"a@NorthWind.Example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"group":"g","permissionSet":"AWSAdministratorAccess"}],"tags":{"CostCenter":"1"}}`, Facts{OUPath: "Sandbox"}},
		{"enroll below Workloads by id", `{"requestId":"e","action":"enroll","account":{"id":"123456789012","organizationalUnit":"ou-ab12-cd34ef56"},"tags":{"CostCenter":"1"}}`,
			Facts{OUPath: "Workloads/NonProd/Team"}},
		{"update keeping the required tag", `{"requestId":"u","action":"update","account":{"id":"123456789012"},"tags":{"Legacy":null}}`,
			Facts{OUPath: "Security", Tags: map[string]string{"CostCenter": "1", "Legacy": "yes"}}},
		{"update adding the required tag", `{"requestId":"u","action":"update","account":{"id":"123456789012"},"tags":{"CostCenter":"9"}}`,
			Facts{OUPath: "Legacy"}},
		{"update granting power user in NonProd", `{"requestId":"u","action":"update","account":{"id":"123456789012"},
			"access":[{"group":"payments-developers","permissionSet":"AWSPowerUserAccess"}]}`,
			Facts{OUPath: "Workloads/NonProd", Tags: map[string]string{"CostCenter": "1"}}},
		{"unmanage anywhere", `{"requestId":"x","action":"unmanage","account":{"id":"123456789012"}}`, Facts{OUPath: "Legacy"}},
		{"close when allowed", `{"requestId":"x","action":"close","account":{"id":"123456789012"}}`, Facts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Empty(t, p.Check(decode(t, tt.body), tt.facts))
		})
	}
}

func TestCheckReportsEveryBrokenRule(t *testing.T) {
	p := demoPolicy(t)
	p.AllowClose = new(bool)
	tests := []struct {
		name  string
		body  string
		facts Facts
		want  []request.Problem
	}{
		{"OU that may not receive accounts", `{"requestId":"c","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Legacy (ou-ab12-cd34ef56)"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},"tags":{"CostCenter":"1"}}`,
			Facts{OUPath: "Legacy"},
			[]request.Problem{{Field: "account.organizationalUnit", Value: "Legacy (ou-ab12-cd34ef56)",
				Message: "OU Legacy may not receive accounts (policy.organizationalUnits)",
				Fix:     "choose Sandbox, any OU below Workloads or Enrollment"}}},
		{"Workloads itself is not below Workloads", `{"requestId":"u","action":"update","account":{"id":"123456789012","organizationalUnit":"Workloads"}}`,
			Facts{OUPath: "Workloads", Tags: map[string]string{"CostCenter": "1"}},
			[]request.Problem{{Field: "account.organizationalUnit", Value: "Workloads",
				Message: "OU Workloads may not receive accounts (policy.organizationalUnits)",
				Fix:     "choose Sandbox, any OU below Workloads or Enrollment"}}},
		{"email domains", `{"requestId":"c","action":"create",
			"account":{"name":"a","email":"a@gmail.com","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example.com","firstName":"O","lastName":"P"},"tags":{"CostCenter":"1"}}`,
			Facts{OUPath: "Sandbox"},
			[]request.Problem{
				{Field: "account.email", Value: "a@gmail.com", Message: `"a@gmail.com" is not at an allowed domain (policy.emailDomains)`, Fix: "use an address at northwind.example"},
				{Field: "owner.email", Value: "o@northwind.example.com", Message: `"o@northwind.example.com" is not at an allowed domain (policy.emailDomains)`, Fix: "use an address at northwind.example"},
			}},
		{"permission sets where they may not be granted", `{"requestId":"u","action":"update","account":{"id":"123456789012"},
			"access":[{"group":"payments-admins","permissionSet":"AWSAdministratorAccess"},{"user":"jane@northwind.example","permissionSet":"AWSPowerUserAccess"},{"group":"g","permissionSet":"AWSReadOnlyAccess"},{"group":"g","permissionSet":"SecretAdmin"}]}`,
			Facts{OUPath: "Workloads/Prod", Tags: map[string]string{"CostCenter": "1"}},
			[]request.Problem{
				{Field: "access[0].permissionSet", Value: "AWSAdministratorAccess", Message: "AWSAdministratorAccess may be granted only in Sandbox (policy.permissionSets)", Fix: "request AWSReadOnlyAccess or move the account to Sandbox"},
				{Field: "access[1].permissionSet", Value: "AWSPowerUserAccess", Message: "AWSPowerUserAccess may be granted only in Sandbox or Workloads/NonProd (policy.permissionSets)", Fix: "request AWSReadOnlyAccess or move the account to Sandbox or Workloads/NonProd"},
				{Field: "access[3].permissionSet", Value: "SecretAdmin", Message: "SecretAdmin may not be granted anywhere: it is not listed in policy.permissionSets", Fix: "request AWSReadOnlyAccess, ViewOnlyAccess or BillingReadOnly"},
			}},
		{"permission set checked against the target OU of a create", `{"requestId":"c","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Workloads/NonProd"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},"tags":{"CostCenter":"1"},
			"access":[{"group":"g","permissionSet":"AWSAdministratorAccess"}]}`,
			Facts{OUPath: "Workloads/NonProd"},
			[]request.Problem{{Field: "access[0].permissionSet", Value: "AWSAdministratorAccess",
				Message: "AWSAdministratorAccess may be granted only in Sandbox (policy.permissionSets)",
				Fix:     "request AWSPowerUserAccess or put the account in Sandbox"}}},
		{"required tag missing or empty on create and enroll", `{"requestId":"e","action":"enroll","account":{"id":"123456789012","organizationalUnit":"Sandbox"},"tags":{"CostCenter":""}}`,
			Facts{OUPath: "Sandbox"},
			[]request.Problem{{Field: "tags.CostCenter", Message: "is empty, but every account needs a value for it (policy.requiredTags)", Fix: "give tags.CostCenter a value"}}},
		{"required tag missing on create", `{"requestId":"c","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"}}`,
			Facts{OUPath: "Sandbox"},
			[]request.Problem{{Field: "tags.CostCenter", Message: "is required on every account (policy.requiredTags)", Fix: "add tags.CostCenter with a value"}}},
		{"update removing a required tag", `{"requestId":"u","action":"update","account":{"id":"123456789012"},"tags":{"CostCenter":null}}`,
			Facts{OUPath: "Sandbox", Tags: map[string]string{"CostCenter": "1"}},
			[]request.Problem{{Field: "tags.CostCenter", Value: "null", Message: "would remove CostCenter, which every account must carry (policy.requiredTags)", Fix: "remove tags.CostCenter from the request or give it a new value"}}},
		{"update of an account without the required tag", `{"requestId":"u","action":"update","account":{"id":"123456789012","organizationalUnit":"Sandbox"}}`,
			Facts{OUPath: "Sandbox", Tags: map[string]string{"Other": "1"}},
			[]request.Problem{{Field: "tags.CostCenter", Message: "the account has no CostCenter tag, which every account must carry (policy.requiredTags)", Fix: "add tags.CostCenter with a value to this request"}}},
		{"close when closing is off", `{"requestId":"x","action":"close","account":{"id":"123456789012"}}`, Facts{},
			[]request.Problem{{Field: "action", Value: "close", Message: "closing accounts is not allowed (policy.allowClose is false)",
				Fix: `use action "unmanage" to take the account out of Control Tower without closing it, or ask the platform team to allow closing`}}},
		{"several rules at once", `{"requestId":"c","action":"create",
			"account":{"name":"a","email":"a@example.com","organizationalUnit":"Legacy"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"group":"g","permissionSet":"AWSPowerUserAccess"}]}`,
			Facts{OUPath: "Legacy"},
			[]request.Problem{
				{Field: "account.organizationalUnit", Value: "Legacy", Message: "OU Legacy may not receive accounts (policy.organizationalUnits)", Fix: "choose Sandbox, any OU below Workloads or Enrollment"},
				{Field: "account.email", Value: "a@example.com", Message: `"a@example.com" is not at an allowed domain (policy.emailDomains)`, Fix: "use an address at northwind.example"},
				{Field: "access[0].permissionSet", Value: "AWSPowerUserAccess", Message: "AWSPowerUserAccess may be granted only in Sandbox or Workloads/NonProd (policy.permissionSets)", Fix: "request AWSReadOnlyAccess or put the account in Sandbox or Workloads/NonProd"},
				{Field: "tags.CostCenter", Message: "is required on every account (policy.requiredTags)", Fix: "add tags.CostCenter with a value"},
			}},
		{"an unresolved OU fails closed", createBody, Facts{},
			[]request.Problem{
				{Field: "account.organizationalUnit", Value: "Workloads/Prod", Message: "could not be resolved to an OU path, so policy.organizationalUnits cannot be checked", Fix: `give the OU as a path from Root, e.g. "Workloads/Prod"`},
				{Field: "account.organizationalUnit", Value: "Workloads/Prod", Message: "could not be resolved to an OU path, so policy.permissionSets cannot be checked", Fix: `give the OU as a path from Root, e.g. "Workloads/Prod"`},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, p.Check(decode(t, tt.body), tt.facts))
		})
	}
}

func TestCheckBriefExample(t *testing.T) {
	p := demoPolicy(t)
	req := decode(t, `{"requestId":"u","action":"update","account":{"id":"123456789012"},
		"access":[{"group":"payments-admins","permissionSet":"AWSAdministratorAccess"}]}`)
	probs := p.Check(req, Facts{OUPath: "Workloads/NonProd", Tags: map[string]string{"CostCenter": "1"}})
	require.Len(t, probs, 1)
	assert.Equal(t, "access[0].permissionSet: AWSAdministratorAccess may be granted only in Sandbox (policy.permissionSets); request AWSPowerUserAccess or move the account to Sandbox", probs[0].String())
}

// An empty policy allows every request, except that only members of
// AWSAccountFactory may ask: a request that does not say who asked is refused.
func TestEmptyPolicyAllowsEverythingButAsksWhoAsked(t *testing.T) {
	parsed, err := Parse([]byte(`{}`))
	require.NoError(t, err)
	policies := map[string]*Policy{"zero": {}, "nil": nil, "parsed {}": parsed}
	bodies := []string{
		createBody,
		`{"requestId":"c","action":"create","account":{"name":"a","email":"a@anywhere.test","organizationalUnit":"Legacy"},
			"owner":{"email":"o@else.test","firstName":"O","lastName":"P"},"access":[{"group":"g","permissionSet":"Anything"}]}`,
		`{"requestId":"u","action":"update","account":{"id":"123456789012"},"tags":{"CostCenter":null}}`,
		`{"requestId":"x","action":"close","account":{"id":"123456789012"}}`,
		`{"requestId":"x","action":"unmanage","account":{"id":"123456789012"}}`,
	}
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			for _, b := range bodies {
				req := decode(t, b)
				assert.Empty(t, p.Check(req, Facts{}), b)
				probs, notes := CheckOffline(req, p)
				assert.Equal(t, []request.Problem{p.Requesters(req.Action).Missing()}, probs, b)
				assert.Empty(t, notes, b)
			}
			assert.Empty(t, p.DefaultAccess("Sandbox"))
			assert.Empty(t, p.EnrollmentOU())
		})
	}
}

func TestCheckOffline(t *testing.T) {
	p := demoPolicy(t)
	t.Run("a path is checked as written", func(t *testing.T) {
		req := decode(t, `{"requestId":"c","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Root/Legacy"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},"tags":{"CostCenter":"1"},
			"access":[{"group":"g","permissionSet":"AWSAdministratorAccess"}]}`)
		probs, notes := CheckOffline(req, p)
		assert.Empty(t, notes)
		require.Len(t, probs, 3)
		assert.Equal(t, "OU Legacy may not receive accounts (policy.organizationalUnits)", probs[0].Message)
		assert.Equal(t, "access[0].permissionSet", probs[1].Field)
		assert.Equal(t, "requester.by", probs[2].Field, "nobody says who asked, which no group member can be")
	})
	t.Run("an id skips the OU rules with a note", func(t *testing.T) {
		req := decode(t, `{"requestId":"e","action":"enroll","account":{"id":"123456789012","organizationalUnit":"Legacy (ou-ab12-cd34ef56)"},
			"owner":{"email":"o@gmail.com","firstName":"O","lastName":"P"},
			"access":[{"group":"g","permissionSet":"AWSAdministratorAccess"}],
			"requester":{"system":"servicenow","ticket":"RITM1","by":"jane.doe"}}`)
		probs, notes := CheckOffline(req, p)
		require.Len(t, probs, 1, "rules that need no OU are still checked")
		assert.Equal(t, "owner.email", probs[0].Field)
		assert.Equal(t, []string{
			`account.organizationalUnit "Legacy (ou-ab12-cd34ef56)" is not a path, so policy.organizationalUnits was not checked; it is checked against the organization when the request is processed`,
			`account.organizationalUnit "Legacy (ou-ab12-cd34ef56)" is not a path, so policy.permissionSets was not checked; it is checked against the organization when the request is processed`,
			"the account's current tags are not known offline, so policy.requiredTags was checked only against the tags this request sets or removes",
			`requester.by "jane.doe" must be a member of AWSAccountFactory to enroll accounts (policy.requesters.default); group membership is in IAM Identity Center, so it was not checked offline; it is checked when the request is processed`,
		}, notes, "an enrolled account keeps the tags it has, which are unknown offline")
	})
	t.Run("an update that does not move the account", func(t *testing.T) {
		anyone := *p
		anyone.RequesterGroups = map[string][]string{"default": {"*"}}
		req := decode(t, `{"requestId":"u","action":"update","account":{"id":"123456789012"},
			"access":[{"group":"g","permissionSet":"AWSAdministratorAccess"}],"tags":{"CostCenter":null}}`)
		probs, notes := CheckOffline(req, &anyone)
		require.Len(t, probs, 1)
		assert.Equal(t, "would remove CostCenter, which every account must carry (policy.requiredTags)", probs[0].Message)
		assert.Equal(t, []string{
			"the account's current OU is not known offline, so policy.permissionSets was not checked; it is checked against the organization when the request is processed",
			"the account's current tags are not known offline, so policy.requiredTags was checked only against the tags this request sets or removes",
		}, notes)
	})
}

// An enrolled account keeps the tags it already has: the required tags are
// judged on its tags with the request's applied.
func TestEnrollRequiredTagsCountTheAccountsTags(t *testing.T) {
	p := demoPolicy(t)
	req := decode(t, `{"requestId":"e","action":"enroll","account":{"id":"123456789012","organizationalUnit":"Sandbox"}}`)
	assert.Empty(t, p.Check(req, Facts{OUPath: "Sandbox", Tags: map[string]string{"CostCenter": "4100"}}))
	probs := p.Check(req, Facts{OUPath: "Sandbox"})
	require.Len(t, probs, 1)
	assert.Equal(t, "tags.CostCenter", probs[0].Field)
}
