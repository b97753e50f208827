package policy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/request"
)

func demoPolicy(t *testing.T) *Policy {
	t.Helper()
	b, err := os.ReadFile("default.json")
	require.NoError(t, err)
	p, err := Parse(b)
	require.NoError(t, err)
	return p
}

func TestParseTheDemoPolicy(t *testing.T) {
	p := demoPolicy(t)
	assert.Equal(t, "Enrollment", p.EnrollmentOU())
	assert.Equal(t, []string{"Sandbox", "Workloads/*", "Enrollment"}, p.OrganizationalUnits)
	assert.Equal(t, []string{"northwind.example"}, p.EmailDomains)
	assert.Equal(t, []string{"CostCenter"}, p.RequiredTags)
	require.NotNil(t, p.AllowClose)
	assert.True(t, *p.AllowClose)
	require.Len(t, p.PermissionSets, 5)
	assert.Equal(t, RequesterRule{Action: request.ActionClose, Groups: []string{"AWSAccountFactory"}, Rule: "policy.requesters.default"}, p.Requesters(request.ActionClose))

	tests := []struct {
		ou   string
		want []request.Access
	}{
		{"Workloads/Prod", []request.Access{{Group: "security-auditors", PermissionSet: "ViewOnlyAccess"}, {Group: "platform-admins", PermissionSet: "AWSReadOnlyAccess"}}},
		{"Root/Workloads/Prod", []request.Access{{Group: "security-auditors", PermissionSet: "ViewOnlyAccess"}, {Group: "platform-admins", PermissionSet: "AWSReadOnlyAccess"}}},
		{"Workloads/NonProd", []request.Access{{Group: "security-auditors", PermissionSet: "ViewOnlyAccess"}}},
		{"Sandbox", []request.Access{{Group: "finops-readers", PermissionSet: "BillingReadOnly"}}},
		{"Enrollment", nil},
		{"Security", nil},
	}
	for _, tt := range tests {
		t.Run(tt.ou, func(t *testing.T) {
			assert.Equal(t, tt.want, p.DefaultAccess(tt.ou))
		})
	}
}

func TestParseNormalizesRootPaths(t *testing.T) {
	p, err := Parse([]byte(`{
		"organizationalUnits": ["Root/Sandbox", "Root/Workloads/*"],
		"enrollmentOrganizationalUnit": "Root/Sandbox",
		"permissionSets": [{"name": "P", "organizationalUnits": ["Root/Sandbox"]}],
		"defaultAccess": {"Root/Sandbox": [{"group": "g", "permissionSet": "P"}], "Sandbox": [{"group": "h", "permissionSet": "P"}]}
	}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"Sandbox", "Workloads/*"}, p.OrganizationalUnits)
	assert.Equal(t, "Sandbox", p.EnrollmentOU())
	assert.Equal(t, []string{"Sandbox"}, p.PermissionSets[0].OrganizationalUnits)
	assert.Equal(t, []request.Access{{Group: "g", PermissionSet: "P"}, {Group: "h", PermissionSet: "P"}}, p.DefaultAccess("Sandbox"))
}

func TestDefaultAccessMatchesPatterns(t *testing.T) {
	p, err := Parse([]byte(`{"defaultAccess": {
		"*": [{"group": "auditors", "permissionSet": "ViewOnlyAccess"}],
		"Workloads/*": [{"group": "ops", "permissionSet": "AWSReadOnlyAccess"}, {"group": "auditors", "permissionSet": "ViewOnlyAccess"}],
		"Workloads/Prod": [{"user": "oncall@northwind.example", "permissionSet": "AWSReadOnlyAccess"}]
	}}`))
	require.NoError(t, err)
	assert.Equal(t, []request.Access{
		{Group: "auditors", PermissionSet: "ViewOnlyAccess"},
		{Group: "ops", PermissionSet: "AWSReadOnlyAccess"},
		{User: "oncall@northwind.example", PermissionSet: "AWSReadOnlyAccess"},
	}, p.DefaultAccess("Workloads/Prod"), "every matching key, no repeats")
	assert.Equal(t, []request.Access{{Group: "auditors", PermissionSet: "ViewOnlyAccess"}}, p.DefaultAccess("Workloads"), "Workloads/* is below Workloads only")
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		want   map[string]string // field -> part of the message
	}{
		{"not JSON", `{"allowClose": tru}`, map[string]string{"policy": "is not valid JSON"}},
		{"empty", ``, map[string]string{"policy": "is empty"}},
		{"unknown rule", `{"allowedOUs": ["Sandbox"]}`, map[string]string{"allowedOUs": "is not a field towervend knows"}},
		{"wrong types", `{"allowClose": "no", "emailDomains": "northwind.example", "requiredTags": [5]}`, map[string]string{
			"allowClose":      "is a string, but must be a boolean",
			"emailDomains":    "is a string, but must be an array",
			"requiredTags[0]": "is a number, but must be a string",
		}},
		{"bad OU patterns", `{"organizationalUnits": ["Workloads/**", "/Sandbox", "Sandbox", "Sandbox"], "enrollmentOrganizationalUnit": "Workloads/*"}`, map[string]string{
			"organizationalUnits[0]":       `"Workloads/**" is not an OU path or pattern`,
			"organizationalUnits[1]":       `"/Sandbox" is not an OU path or pattern`,
			"organizationalUnits[3]":       "repeats organizationalUnits[2]",
			"enrollmentOrganizationalUnit": `"Workloads/*" is not an OU path`,
		}},
		{"empty lists", `{"organizationalUnits": [], "emailDomains": [], "permissionSets": []}`, map[string]string{
			"organizationalUnits": "has 0 items; at least 1 are needed",
			"emailDomains":        "has 0 items; at least 1 are needed",
			"permissionSets":      "has 0 items; at least 1 are needed",
		}},
		{"bad domain", `{"emailDomains": ["@northwind.example"]}`, map[string]string{"emailDomains[0]": `"@northwind.example" is not a domain name`}},
		{"permission set rules", `{"permissionSets": [{"name": "Admin Access", "organizationalUnits": ["Sandbox"]}, {"name": "P"}]}`, map[string]string{
			"permissionSets[0].name":                `"Admin Access" is not a permission set name`,
			"permissionSets[1].organizationalUnits": "is required in every permission set rule",
		}},
		{"default access", `{"defaultAccess": {"Workloads//Prod": [{"group": "g", "permissionSet": "P"}], "Sandbox": [{"group": "g", "user": "u", "permissionSet": "P"}]}}`, map[string]string{
			`defaultAccess["Workloads//Prod"]`: `"Workloads//Prod" is not an OU path or pattern`,
			"defaultAccess.Sandbox[0]":         "names both a group and a user",
		}},
		{"required tags", `{"requiredTags": ["aws:cloudformation:stack-name", "CostCenter", "CostCenter"]}`, map[string]string{
			"requiredTags[0]": "starts with aws:",
			"requiredTags[2]": "repeats requiredTags[1]",
		}},
		{"enrollment OU may not receive accounts", `{"organizationalUnits": ["Sandbox"], "enrollmentOrganizationalUnit": "Enrollment"}`, map[string]string{
			"enrollmentOrganizationalUnit": "Enrollment may not receive accounts (policy.organizationalUnits)",
		}},
		{"default access outside permissionSets", `{
			"permissionSets": [{"name": "AWSAdministratorAccess", "organizationalUnits": ["Sandbox"]}, {"name": "AWSReadOnlyAccess", "organizationalUnits": ["Workloads/*"]}],
			"defaultAccess": {
				"Workloads/*": [{"group": "g", "permissionSet": "AWSReadOnlyAccess"}, {"group": "g", "permissionSet": "AWSAdministratorAccess"}],
				"Workloads": [{"group": "g", "permissionSet": "AWSReadOnlyAccess"}],
				"Sandbox": [{"group": "g", "permissionSet": "BillingReadOnly"}]
			}}`, map[string]string{
			`defaultAccess["Workloads/*"][1].permissionSet`: "AWSAdministratorAccess may be granted only in Sandbox, not everywhere any OU below Workloads covers (policy.permissionSets)",
			`defaultAccess["Workloads"][0].permissionSet`:   "AWSReadOnlyAccess may be granted only in any OU below Workloads, not everywhere Workloads covers",
			`defaultAccess["Sandbox"][0].permissionSet`:     "BillingReadOnly may not be granted anywhere: it is not listed in policy.permissionSets",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.policy))
			assert.Nil(t, p)
			var probs *request.Problems
			require.True(t, errors.As(err, &probs), "want *request.Problems, got %v", err)
			got := map[string]string{}
			for _, pr := range probs.List {
				assert.NotEmpty(t, pr.Fix, "%s has no fix", pr.Field)
				got[pr.Field] += pr.Message + "|"
			}
			assert.Len(t, got, len(tt.want), "problems:\n%v", err)
			for field, msg := range tt.want {
				assert.Contains(t, got[field], msg, "field %s in:\n%v", field, err)
			}
		})
	}
}

func TestMatchesAndCovers(t *testing.T) {
	match := []struct {
		pattern, path string
		want          bool
	}{
		{"*", "Sandbox", true},
		{"*", "Root", true},
		{"Sandbox", "Sandbox", true},
		{"Sandbox", "Sandbox/Team", false},
		{"Workloads/*", "Workloads/Prod", true},
		{"Workloads/*", "Workloads/Prod/Payments", true},
		{"Workloads/*", "Workloads", false},
		{"Workloads/*", "WorkloadsX/Prod", false},
	}
	for _, tt := range match {
		assert.Equal(t, tt.want, matches(tt.pattern, tt.path), "matches(%q, %q)", tt.pattern, tt.path)
	}
	cover := []struct {
		outer, inner string
		want         bool
	}{
		{"*", "*", true},
		{"*", "Workloads/*", true},
		{"Workloads/*", "*", false},
		{"Workloads/*", "Workloads/*", true},
		{"Workloads/*", "Workloads/Prod/*", true},
		{"Workloads/*", "Workloads/Prod", true},
		{"Workloads/*", "Workloads", false},
		{"Workloads/Prod", "Workloads/Prod", true},
		{"Workloads/Prod", "Workloads/Prod/*", false},
		{"Workloads/Prod", "Workloads/NonProd", false},
	}
	for _, tt := range cover {
		assert.Equal(t, tt.want, covers(tt.outer, tt.inner), "covers(%q, %q)", tt.outer, tt.inner)
	}
}

func TestDescribeOUs(t *testing.T) {
	assert.Equal(t, "Sandbox, any OU below Workloads or Enrollment", describeOUs([]string{"Sandbox", "Workloads/*", "Enrollment"}))
	assert.Equal(t, "any OU", describeOUs([]string{"*"}))
	assert.True(t, strings.HasPrefix(tagField("cost center"), `tags["`))
}
