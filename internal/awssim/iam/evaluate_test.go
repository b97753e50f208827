package iam_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/iam"
)

const (
	account    = "111122223333"
	accountArn = "arn:aws:organizations::111122223333:account/o-exampleorg/123456789012"
)

// allow is a one-statement Allow policy.
func allow(actions, resources []string) iam.Policy {
	return iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, Action: actions, Resource: resources,
	}}}
}

// deny is a one-statement Deny policy.
func deny(actions, resources []string) iam.Policy {
	return iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectDeny, Action: actions, Resource: resources,
	}}}
}

func fixture(t *testing.T, name string) iam.Policy {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	p, err := iam.Parse(doc)
	require.NoError(t, err)
	return p
}

func TestEvaluateEffects(t *testing.T) {
	req := iam.Request{Action: "organizations:ListAccounts", Resource: "*"}
	tests := []struct {
		name     string
		policies []iam.Policy
		want     iam.Outcome
	}{
		{"no policies deny implicitly", nil, iam.ImplicitDeny},
		{"an Allow allows", []iam.Policy{allow([]string{"organizations:ListAccounts"}, []string{"*"})}, iam.Allow},
		{"an Allow for another action denies implicitly", []iam.Policy{allow([]string{"organizations:ListRoots"}, []string{"*"})}, iam.ImplicitDeny},
		{"a Deny denies explicitly", []iam.Policy{deny([]string{"organizations:ListAccounts"}, []string{"*"})}, iam.ExplicitDeny},
		{"a Deny wins over an Allow in an earlier policy", []iam.Policy{
			allow([]string{"*"}, []string{"*"}),
			deny([]string{"organizations:*"}, []string{"*"}),
		}, iam.ExplicitDeny},
		{"a Deny wins over an Allow in a later policy", []iam.Policy{
			deny([]string{"organizations:*"}, []string{"*"}),
			allow([]string{"*"}, []string{"*"}),
		}, iam.ExplicitDeny},
		{"a Deny of another action leaves the Allow", []iam.Policy{
			allow([]string{"*"}, []string{"*"}),
			deny([]string{"organizations:CloseAccount"}, []string{"*"}),
		}, iam.Allow},
		{"an empty policy denies implicitly", []iam.Policy{{Version: iam.Version20121017}}, iam.ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, iam.Evaluate(tt.policies, req).Outcome)
		})
	}
}

func TestEvaluateReportsTheDecidingStatement(t *testing.T) {
	policies := []iam.Policy{
		{Version: iam.Version20121017, Statement: []iam.Statement{
			{Sid: "Other", Effect: iam.EffectAllow, Action: []string{"sso:*"}, Resource: []string{"*"}},
			{Sid: "Read", Effect: iam.EffectAllow, Action: []string{"organizations:List*"}, Resource: []string{"*"}},
		}},
		{Version: iam.Version20121017, Statement: []iam.Statement{
			{Sid: "AlsoRead", Effect: iam.EffectAllow, Action: []string{"*"}, Resource: []string{"*"}},
			{Sid: "NoClose", Effect: iam.EffectDeny, Action: []string{"organizations:CloseAccount"}, Resource: []string{"*"}},
		}},
	}

	got := iam.Evaluate(policies, iam.Request{Action: "organizations:ListAccounts", Resource: "*"})
	assert.Equal(t, iam.Decision{Outcome: iam.Allow, Policy: 0, Statement: 1, Sid: "Read"}, got, "the first matching Allow decides")
	assert.True(t, got.Allowed())

	got = iam.Evaluate(policies, iam.Request{Action: "organizations:CloseAccount", Resource: accountArn})
	assert.Equal(t, iam.Decision{Outcome: iam.ExplicitDeny, Policy: 1, Statement: 1, Sid: "NoClose"}, got, "the Deny decides though an Allow matched first")
	assert.False(t, got.Allowed())

	got = iam.Evaluate(policies[:1], iam.Request{Action: "organizations:CloseAccount", Resource: accountArn})
	assert.Equal(t, iam.Decision{}, got, "an implicit deny names no statement")
}

func TestEvaluateActions(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		action  string
		want    bool
	}{
		{"exact", "organizations:ListAccounts", "organizations:ListAccounts", true},
		{"case of the policy does not matter", "Organizations:listACCOUNTS", "organizations:ListAccounts", true},
		{"case of the request does not matter", "organizations:ListAccounts", "ORGANIZATIONS:listaccounts", true},
		{"prefix wildcard", "organizations:List*", "organizations:ListTagsForResource", true},
		{"prefix wildcard misses other verbs", "organizations:List*", "organizations:DescribeOrganization", false},
		{"service wildcard", "sso:*", "sso:CreateAccountAssignment", true},
		{"service wildcard stops at the service name", "sso:*", "sso-directory:ListUsers", false},
		{"everything", "*", "organizations:CloseAccount", true},
		{"wildcard in the middle", "iam:*AccessKey*", "iam:CreateAccessKey", true},
		{"question mark is one character", "sts:AssumeRol?", "sts:AssumeRole", true},
		{"question mark is not zero characters", "sts:AssumeRole?", "sts:AssumeRole", false},
		{"no prefix match without a wildcard", "organizations:List", "organizations:ListAccounts", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iam.Evaluate([]iam.Policy{allow([]string{tt.pattern}, []string{"*"})}, iam.Request{Action: tt.action, Resource: "*"})
			assert.Equal(t, tt.want, got.Allowed())
		})
	}
}

func TestEvaluateNotAction(t *testing.T) {
	allowAllButIAM := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, NotAction: []string{"iam:*"}, Resource: []string{"*"},
	}}}
	// The MFA-style guard: deny everything except the listed actions.
	denyAllBut := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Sid: "DenyAllButRead", Effect: iam.EffectDeny, NotAction: []string{"organizations:Describe*", "sts:GetCallerIdentity"}, Resource: []string{"*"},
	}}}
	admin := allow([]string{"*"}, []string{"*"})

	tests := []struct {
		name     string
		policies []iam.Policy
		action   string
		want     iam.Outcome
	}{
		{"Allow NotAction allows what it does not list", []iam.Policy{allowAllButIAM}, "organizations:ListAccounts", iam.Allow},
		{"Allow NotAction does not allow what it lists", []iam.Policy{allowAllButIAM}, "iam:CreateRole", iam.ImplicitDeny},
		{"Deny NotAction denies what it does not list", []iam.Policy{admin, denyAllBut}, "organizations:CloseAccount", iam.ExplicitDeny},
		{"Deny NotAction leaves what it lists to the Allow", []iam.Policy{admin, denyAllBut}, "organizations:DescribeAccount", iam.Allow},
		{"Deny NotAction matches its list case-insensitively", []iam.Policy{admin, denyAllBut}, "STS:getcalleridentity", iam.Allow},
		{"Deny NotAction grants nothing by itself", []iam.Policy{denyAllBut}, "sts:GetCallerIdentity", iam.ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, iam.Evaluate(tt.policies, iam.Request{Action: tt.action, Resource: "*"}).Outcome)
		})
	}
}

func TestEvaluateResources(t *testing.T) {
	tests := []struct {
		name     string
		pattern  string
		resource string
		want     bool
	}{
		{"exact", accountArn, accountArn, true},
		{"resources are case-sensitive", "arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/admin", false},
		{"star matches across slashes", "arn:aws:organizations::111122223333:account/*", accountArn, true},
		{"star matches across colons", "arn:aws:organizations::*", accountArn, true},
		{"star matches the region and account parts at once", "arn:aws:sqs:*queue1", "arn:aws:sqs:us-east-2:111122223333:queue1", true},
		{"star matches colons inside the resource part", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true},
		{"star alone matches any ARN", "*", accountArn, true},
		{"question mark is one character", "arn:aws:iam::111122223333:user/B?b", "arn:aws:iam::111122223333:user/Bob", true},
		{"no prefix match without a wildcard", "arn:aws:organizations::111122223333:account", accountArn, false},
		{"another account does not match", "arn:aws:organizations::444455556666:account/*", accountArn, false},
		{"an ARN does not match the no-resource marker", "arn:aws:organizations::*", "*", false},
		{"star matches the no-resource marker", "*", "*", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iam.Evaluate([]iam.Policy{allow([]string{"organizations:*"}, []string{tt.pattern})}, iam.Request{Action: "organizations:TagResource", Resource: tt.resource})
			assert.Equal(t, tt.want, got.Allowed())
		})
	}
}

func TestEvaluateNotResource(t *testing.T) {
	admin := allow([]string{"*"}, []string{"*"})
	protectManagement := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectDeny, Action: []string{"organizations:*"}, NotResource: []string{"arn:aws:organizations::111122223333:account/o-exampleorg/*"},
	}}}
	allowOutside := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, Action: []string{"s3:*"}, NotResource: []string{"arn:aws:s3:::secret", "arn:aws:s3:::secret/*"},
	}}}

	assert.Equal(t, iam.Allow, iam.Evaluate([]iam.Policy{admin, protectManagement}, iam.Request{Action: "organizations:TagResource", Resource: accountArn}).Outcome)
	assert.Equal(t, iam.ExplicitDeny, iam.Evaluate([]iam.Policy{admin, protectManagement}, iam.Request{Action: "organizations:TagResource", Resource: "arn:aws:organizations::111122223333:root/o-exampleorg/r-abcd"}).Outcome)
	assert.Equal(t, iam.Allow, iam.Evaluate([]iam.Policy{allowOutside}, iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::public/x"}).Outcome)
	assert.Equal(t, iam.ImplicitDeny, iam.Evaluate([]iam.Policy{allowOutside}, iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::secret/x"}).Outcome)
}

func TestEvaluateSkipsMalformedStatements(t *testing.T) {
	req := iam.Request{Action: "organizations:ListAccounts", Resource: "*"}
	tests := []struct {
		name string
		stmt iam.Statement
		// badEffect: the Effect itself is what is wrong, so there is no Deny twin.
		badEffect bool
	}{
		{"effect in the wrong case", iam.Statement{Effect: "allow", Action: []string{"*"}, Resource: []string{"*"}}, true},
		{"no effect", iam.Statement{Action: []string{"*"}, Resource: []string{"*"}}, true},
		{"no action", iam.Statement{Effect: iam.EffectAllow, Resource: []string{"*"}}, false},
		{"Action and NotAction", iam.Statement{Effect: iam.EffectAllow, Action: []string{"*"}, NotAction: []string{"iam:*"}, Resource: []string{"*"}}, false},
		{"no resource", iam.Statement{Effect: iam.EffectAllow, Action: []string{"*"}}, false},
		{"Resource and NotResource", iam.Statement{Effect: iam.EffectAllow, Action: []string{"*"}, Resource: []string{"*"}, NotResource: []string{"arn:aws:s3:::x"}}, false},
		{"unknown condition operator", iam.Statement{Effect: iam.EffectAllow, Action: []string{"*"}, Resource: []string{"*"},
			Condition: iam.Condition{"StringMatches": {"aws:PrincipalOrgID": {"o-exampleorg"}}}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{tt.stmt}}
			require.Error(t, p.Validate(), "Validate rejects it")
			assert.Equal(t, iam.ImplicitDeny, iam.Evaluate([]iam.Policy{p}, req).Outcome, "an Allow never applies")

			if tt.badEffect {
				return
			}
			tt.stmt.Effect = iam.EffectDeny
			p.Statement[0] = tt.stmt
			withAdmin := []iam.Policy{allow([]string{"*"}, []string{"*"}), p}
			assert.Equal(t, iam.Allow, iam.Evaluate(withAdmin, req).Outcome, "a Deny never applies")
		})
	}
}

func TestEvaluateVariablesInResource(t *testing.T) {
	own := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, Action: []string{"iam:*AccessKey*"}, Resource: []string{"arn:aws:iam::111122223333:user/${aws:username}"},
	}}}
	alice := map[string][]string{"aws:username": {"alice"}}
	tests := []struct {
		name     string
		policy   iam.Policy
		resource string
		context  map[string][]string
		want     bool
	}{
		{"variable resolves to the caller", own, "arn:aws:iam::111122223333:user/alice", alice, true},
		{"another user's resource does not match", own, "arn:aws:iam::111122223333:user/bob", alice, false},
		{"key names are case-insensitive", own, "arn:aws:iam::111122223333:user/alice", map[string][]string{"AWS:UserName": {"alice"}}, true},
		{"unknown variable voids the statement", own, "arn:aws:iam::111122223333:user/", nil, false},
		{"a multivalued key is no variable", own, "arn:aws:iam::111122223333:user/alice", map[string][]string{"aws:username": {"alice", "bob"}}, false},
		{"a key with no values is unknown", own, "arn:aws:iam::111122223333:user/", map[string][]string{"aws:username": {}}, false},
		{"a substituted star is literal", own, "arn:aws:iam::111122223333:user/alice", map[string][]string{"aws:username": {"*"}}, false},
		{"a substituted star matches itself", own, "arn:aws:iam::111122223333:user/*", map[string][]string{"aws:username": {"*"}}, true},
		{"before version 2012-10-17 the variable is literal text", withVersion(own, ""), "arn:aws:iam::111122223333:user/${aws:username}", alice, true},
		{"before version 2012-10-17 the variable is not substituted", withVersion(own, iam.Version20081017), "arn:aws:iam::111122223333:user/alice", alice, false},
		{"default value when the key is missing", resourcePolicy("arn:aws:s3:::bucket/${aws:userid, 'anonymous'}/*"), "arn:aws:s3:::bucket/anonymous/x", nil, true},
		{"default value gives way to the key", resourcePolicy("arn:aws:s3:::bucket/${aws:userid, 'anonymous'}/*"), "arn:aws:s3:::bucket/AIDA1/x", map[string][]string{"aws:userid": {"AIDA1"}}, true},
		{"escaped star is literal", resourcePolicy("arn:aws:s3:::bucket/${*}"), "arn:aws:s3:::bucket/anything", nil, false},
		{"escaped star matches a star", resourcePolicy("arn:aws:s3:::bucket/${*}"), "arn:aws:s3:::bucket/*", nil, true},
		{"escaped question mark and dollar", resourcePolicy("arn:aws:s3:::bucket/${?}${$}"), "arn:aws:s3:::bucket/?$", nil, true},
		{"an unclosed variable is literal", resourcePolicy("arn:aws:s3:::bucket/${oops"), "arn:aws:s3:::bucket/${oops", nil, true},
		{"variable next to a wildcard", resourcePolicy("arn:aws:sqs:us-east-2:*:${aws:username}-queue"), "arn:aws:sqs:us-east-2:111122223333:alice-queue", alice, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iam.Evaluate([]iam.Policy{tt.policy}, iam.Request{Action: "iam:CreateAccessKey", Resource: tt.resource, Context: tt.context})
			assert.Equal(t, tt.want, got.Allowed())
		})
	}
}

func TestEvaluateUnresolvedVariableVoidsADeny(t *testing.T) {
	// AWS: an unresolved variable makes the statement invalid, so it denies nothing.
	guard := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectDeny, Action: []string{"s3:*"}, NotResource: []string{"arn:aws:s3:::home/${aws:username}/*"},
	}}}
	admin := allow([]string{"*"}, []string{"*"})
	req := iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::home/bob/notes"}

	assert.Equal(t, iam.Allow, iam.Evaluate([]iam.Policy{admin, guard}, req).Outcome, "no aws:username: the guard is void")
	req.Context = map[string][]string{"aws:username": {"alice"}}
	assert.Equal(t, iam.ExplicitDeny, iam.Evaluate([]iam.Policy{admin, guard}, req).Outcome, "alice is kept out of bob's folder")
}

func TestEvaluateFixtures(t *testing.T) {
	vending := fixture(t, "vending-role.json")
	outsideOrg := fixture(t, "deny-outside-org.json")
	home := fixture(t, "s3-home-folder.json")
	role := "arn:aws:iam::111122223333:role/towervend-provision"
	inOrg := map[string][]string{
		"aws:PrincipalArn": {role}, "aws:PrincipalAccount": {account},
		"aws:PrincipalOrgID": {"o-exampleorg"}, "aws:ResourceOrgID": {"o-exampleorg"}, "aws:ViaAWSService": {"false"},
	}
	with := func(ctx map[string][]string, key string, values ...string) map[string][]string {
		out := make(map[string][]string, len(ctx)+1)
		for k, v := range ctx {
			out[k] = v
		}
		out[key] = values
		return out
	}
	tests := []struct {
		name     string
		policies []iam.Policy
		req      iam.Request
		want     iam.Outcome
	}{
		{"vending role lists accounts", []iam.Policy{vending}, iam.Request{Action: "organizations:ListAccounts", Resource: "*", Context: inOrg}, iam.Allow},
		{"vending role reads member account tags", []iam.Policy{vending}, iam.Request{Action: "organizations:ListTagsForResource", Resource: accountArn, Context: inOrg}, iam.Allow},
		{"vending role cannot tag the root", []iam.Policy{vending}, iam.Request{Action: "organizations:TagResource", Resource: "arn:aws:organizations::111122223333:root/o-exampleorg/r-abcd", Context: inOrg}, iam.ImplicitDeny},
		{"vending role cannot close accounts", []iam.Policy{vending}, iam.Request{Action: "organizations:CloseAccount", Resource: accountArn, Context: inOrg}, iam.ImplicitDeny},
		{"vending role provisions from its own org", []iam.Policy{vending}, iam.Request{Action: "servicecatalog:ProvisionProduct", Resource: "arn:aws:catalog:us-east-1:111122223333:product/prod-abc", Context: inOrg}, iam.Allow},
		{"another role of the account may not provision", []iam.Policy{vending}, iam.Request{Action: "servicecatalog:ProvisionProduct", Resource: "arn:aws:catalog:us-east-1:111122223333:product/prod-abc", Context: with(inOrg, "aws:PrincipalArn", "arn:aws:iam::111122223333:role/other")}, iam.ImplicitDeny},
		{"outside-org guard lets in-org calls through", []iam.Policy{vending, outsideOrg}, iam.Request{Action: "sso:CreateAccountAssignment", Resource: "*", Context: inOrg}, iam.Allow},
		{"outside-org guard denies another org's resource", []iam.Policy{vending, outsideOrg}, iam.Request{Action: "sso:CreateAccountAssignment", Resource: "*", Context: with(inOrg, "aws:ResourceOrgID", "o-other")}, iam.ExplicitDeny},
		{"outside-org guard ignores resources without an org", []iam.Policy{vending, outsideOrg}, iam.Request{Action: "sso:CreateAccountAssignment", Resource: "*", Context: with(inOrg, "aws:ResourceOrgID")}, iam.Allow},
		{"outside-org guard spares the actions it lists", []iam.Policy{vending, outsideOrg}, iam.Request{Action: "organizations:DescribeOrganization", Resource: "*", Context: with(inOrg, "aws:ResourceOrgID", "o-other")}, iam.Allow},
		{"outside-org guard spares calls AWS services make", []iam.Policy{vending, outsideOrg}, iam.Request{Action: "sso:CreateAccountAssignment", Resource: "*", Context: with(with(inOrg, "aws:ResourceOrgID", "o-other"), "aws:ViaAWSService", "true")}, iam.Allow},
		{"home folder: own objects", []iam.Policy{home}, iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket/David/notes.txt", Context: map[string][]string{"aws:username": {"David"}}}, iam.Allow},
		{"home folder: not another's", []iam.Policy{home}, iam.Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::mybucket/Adele/notes.txt", Context: map[string][]string{"aws:username": {"David"}}}, iam.ImplicitDeny},
		{"home folder: list own prefix", []iam.Policy{home}, iam.Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::mybucket", Context: map[string][]string{"aws:username": {"David"}, "s3:prefix": {"David/2024/"}}}, iam.Allow},
		{"home folder: not another's prefix", []iam.Policy{home}, iam.Request{Action: "s3:ListBucket", Resource: "arn:aws:s3:::mybucket", Context: map[string][]string{"aws:username": {"David"}, "s3:prefix": {"Adele/"}}}, iam.ImplicitDeny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, iam.Evaluate(tt.policies, tt.req).Outcome)
		})
	}
}

func withVersion(p iam.Policy, version string) iam.Policy {
	p.Version = version
	return p
}

func resourcePolicy(resource string) iam.Policy {
	return allow([]string{"*"}, []string{resource})
}
