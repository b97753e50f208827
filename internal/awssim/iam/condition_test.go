package iam_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/iam"
)

// holds reports whether a statement allowing everything under condition
// (given as the JSON of a Condition element) allows a request with context.
func holds(t *testing.T, condition string, context map[string][]string) bool {
	t.Helper()
	var c iam.Condition
	require.NoError(t, json.Unmarshal([]byte(condition), &c))
	p := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, Action: []string{"*"}, Resource: []string{"*"}, Condition: c,
	}}}
	require.NoError(t, p.Validate())
	return iam.Evaluate([]iam.Policy{p}, iam.Request{Action: "organizations:ListAccounts", Resource: "*", Context: context}).Allowed()
}

type conditionCase struct {
	name      string
	condition string
	context   map[string][]string
	want      bool
}

func runConditions(t *testing.T, tests []conditionCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, holds(t, tt.condition, tt.context))
		})
	}
}

func ctx(kv ...string) map[string][]string {
	out := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = append(out[kv[i]], kv[i+1])
	}
	return out
}

func TestConditionStrings(t *testing.T) {
	org := ctx("aws:PrincipalOrgID", "o-exampleorg")
	runConditions(t, []conditionCase{
		{"StringEquals matches", `{"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}`, org, true},
		{"StringEquals is case-sensitive", `{"StringEquals": {"aws:PrincipalOrgID": "O-ExampleOrg"}}`, org, false},
		{"StringEquals values are ORed", `{"StringEquals": {"aws:PrincipalOrgID": ["o-other", "o-exampleorg"]}}`, org, true},
		{"StringEquals on a missing key is false", `{"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}`, nil, false},
		{"StringEquals takes no wildcards", `{"StringEquals": {"aws:PrincipalOrgID": "o-*"}}`, org, false},
		{"condition key names are case-insensitive", `{"StringEquals": {"AWS:principalorgid": "o-exampleorg"}}`, org, true},
		{"StringNotEquals on another value", `{"StringNotEquals": {"aws:PrincipalOrgID": "o-other"}}`, org, true},
		{"StringNotEquals on the value", `{"StringNotEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}`, org, false},
		{"StringNotEquals values are NORed", `{"StringNotEquals": {"aws:PrincipalOrgID": ["o-other", "o-exampleorg"]}}`, org, false},
		{"StringNotEquals on a missing key is true", `{"StringNotEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}`, nil, true},
		{"StringEqualsIgnoreCase ignores case", `{"StringEqualsIgnoreCase": {"aws:PrincipalOrgID": "O-EXAMPLEORG"}}`, org, true},
		{"StringNotEqualsIgnoreCase ignores case", `{"StringNotEqualsIgnoreCase": {"aws:PrincipalOrgID": "O-EXAMPLEORG"}}`, org, false},
		{"StringLike with a star", `{"StringLike": {"aws:PrincipalOrgID": "o-*"}}`, org, true},
		{"StringLike with a question mark", `{"StringLike": {"aws:PrincipalOrgID": "o-exampleor?"}}`, org, true},
		{"StringLike is case-sensitive", `{"StringLike": {"aws:PrincipalOrgID": "O-*"}}`, org, false},
		{"StringLike needs a wildcard for a partial match", `{"StringLike": {"aws:PrincipalOrgID": "o-example"}}`, org, false},
		{"StringLike on a missing key is false", `{"StringLike": {"aws:PrincipalOrgID": "*"}}`, nil, false},
		{"StringNotLike on a match", `{"StringNotLike": {"aws:PrincipalOrgID": "o-*"}}`, org, false},
		{"StringNotLike on no match", `{"StringNotLike": {"aws:PrincipalOrgID": "x-*"}}`, org, true},
		{"StringNotLike on a missing key is true", `{"StringNotLike": {"aws:PrincipalOrgID": "o-*"}}`, nil, true},
		{"a key with no values is missing", `{"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}}`, map[string][]string{"aws:PrincipalOrgID": {}}, false},
	})
}

func TestConditionARNs(t *testing.T) {
	role := ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/towervend-provision")
	// The IAM User Guide's example: StringLike lets the first * run over
	// colons, ArnLike matches each colon-separated part on its own.
	odd := ctx("aws:SourceArn", "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt")
	runConditions(t, []conditionCase{
		{"ArnEquals matches", `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/towervend-provision"}}`, role, true},
		{"ArnEquals takes wildcards like ArnLike", `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/towervend-*"}}`, role, true},
		{"ArnLike with a star per part", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}`, role, true},
		{"ArnLike is case-sensitive", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/TowerVend-*"}}`, role, false},
		{"ArnLike star alone matches any ARN", `{"ArnLike": {"aws:PrincipalArn": "*"}}`, role, true},
		{"ArnLike trailing star runs to the end", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}`, role, true},
		{"ArnLike part star does not cross colons", `{"ArnLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}`, odd, false},
		{"StringLike star does cross colons", `{"StringLike": {"aws:SourceArn": "arn:aws:someservice:*:111122223333:finance/*"}}`, odd, true},
		{"ArnLike resource part keeps its colons", `{"ArnLike": {"aws:SourceArn": "arn:aws:someservice:us-east-2:999999999999:store/*"}}`, odd, true},
		{"ArnLike on a value that is no ARN", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}`, ctx("aws:PrincipalArn", "towervend"), false},
		{"ArnLike on a missing key is false", `{"ArnLike": {"aws:PrincipalArn": "*"}}`, nil, false},
		{"ArnNotLike on a match", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/towervend-*"}}`, role, false},
		{"ArnNotLike on no match", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}`, role, true},
		{"ArnNotEquals on a missing key is true", `{"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}`, nil, true},
	})
}

func TestConditionBoolNullNumericDateIP(t *testing.T) {
	runConditions(t, []conditionCase{
		{"Bool true", `{"Bool": {"aws:SecureTransport": "true"}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool as a JSON boolean", `{"Bool": {"aws:SecureTransport": true}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool ignores case", `{"Bool": {"aws:SecureTransport": "TRUE"}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool mismatch", `{"Bool": {"aws:SecureTransport": "false"}}`, ctx("aws:SecureTransport", "true"), false},
		{"Bool on a missing key is false", `{"Bool": {"aws:SecureTransport": "false"}}`, nil, false},
		{"Null true on a missing key", `{"Null": {"aws:TokenIssueTime": "true"}}`, nil, true},
		{"Null true on a present key", `{"Null": {"aws:TokenIssueTime": "true"}}`, ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), false},
		{"Null false on a present key", `{"Null": {"aws:TokenIssueTime": "false"}}`, ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), true},
		{"Null false on a missing key", `{"Null": {"aws:TokenIssueTime": false}}`, nil, false},
		{"NumericEquals", `{"NumericEquals": {"s3:max-keys": "10"}}`, ctx("s3:max-keys", "10.0"), true},
		{"NumericEquals as a JSON number", `{"NumericEquals": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "10"), true},
		{"NumericNotEquals", `{"NumericNotEquals": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "11"), true},
		{"NumericLessThan below", `{"NumericLessThan": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "9"), true},
		{"NumericLessThan at", `{"NumericLessThan": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "10"), false},
		{"NumericLessThanEquals at", `{"NumericLessThanEquals": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "10"), true},
		{"NumericGreaterThan above", `{"NumericGreaterThan": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "10.5"), true},
		{"NumericGreaterThan at", `{"NumericGreaterThan": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "10"), false},
		{"NumericGreaterThanEquals at", `{"NumericGreaterThanEquals": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "10"), true},
		{"Numeric on a non-number is false", `{"NumericLessThan": {"s3:max-keys": 10}}`, ctx("s3:max-keys", "ten"), false},
		{"Numeric on a missing key is false", `{"NumericLessThan": {"s3:max-keys": 10}}`, nil, false},
		{"DateLessThan before", `{"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2029-12-31T23:59:59Z"), true},
		{"DateLessThan after", `{"DateLessThan": {"aws:CurrentTime": "2030-01-01"}}`, ctx("aws:CurrentTime", "2030-01-01T00:00:01Z"), false},
		{"DateGreaterThanEquals in epoch seconds", `{"DateGreaterThanEquals": {"aws:EpochTime": "1700000000"}}`, ctx("aws:EpochTime", "1700000000"), true},
		{"DateEquals across forms", `{"DateEquals": {"aws:CurrentTime": "2024-01-02T03:04:05Z"}}`, ctx("aws:CurrentTime", "1704164645"), true},
		{"IpAddress in range", `{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress out of range", `{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ctx("aws:SourceIp", "198.51.100.7"), false},
		{"IpAddress bare address is a /32", `{"IpAddress": {"aws:SourceIp": "203.0.113.7"}}`, ctx("aws:SourceIp", "203.0.113.7"), true},
		{"IpAddress IPv6", `{"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}`, ctx("aws:SourceIp", "2001:db8:1234:5678::1"), true},
		{"NotIpAddress out of range", `{"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, ctx("aws:SourceIp", "198.51.100.7"), true},
	})
}

func TestConditionSetQualifiers(t *testing.T) {
	tags := ctx("aws:TagKeys", "CostCenter", "aws:TagKeys", "Owner")
	runConditions(t, []conditionCase{
		{"ForAnyValue on one matching value", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["Owner", "Project"]}}`, tags, true},
		{"ForAnyValue on no matching value", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["Project"]}}`, tags, false},
		{"ForAnyValue on a missing key is false", `{"ForAnyValue:StringEquals": {"aws:TagKeys": ["Owner"]}}`, nil, false},
		{"ForAllValues when every value is listed", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["Owner", "CostCenter", "Project"]}}`, tags, true},
		{"ForAllValues when one value is not", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["Owner"]}}`, tags, false},
		{"ForAllValues on a missing key is true", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["Owner"]}}`, nil, true},
		{"ForAllValues on an empty value set is true", `{"ForAllValues:StringEquals": {"aws:TagKeys": ["Owner"]}}`, map[string][]string{"aws:TagKeys": {}}, true},
		{"ForAllValues with StringLike", `{"ForAllValues:StringLike": {"aws:TagKeys": ["Cost*", "Own?r"]}}`, tags, true},
		// The IAM User Guide's multivalued-key table for ForAllValues:StringNotLike "key1*".
		{"ForAllValues:StringNotLike when a value is key1", `{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}`, ctx("aws:TagKeys", "key1:legal"), false},
		{"ForAllValues:StringNotLike when no value is key1", `{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}`, ctx("aws:TagKeys", "key2:audit"), true},
		{"ForAllValues:StringNotLike on a missing key", `{"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}`, nil, true},
		{"ForAnyValue:StringNotLike when one value is not key1", `{"ForAnyValue:StringNotLike": {"aws:TagKeys": "key1*"}}`, ctx("aws:TagKeys", "key1:hr", "aws:TagKeys", "key2:x"), true},
		{"qualifiers ignore case", `{"forallvalues:stringequals": {"aws:TagKeys": ["Owner", "CostCenter"]}}`, tags, true},
	})
}

func TestConditionIfExists(t *testing.T) {
	runConditions(t, []conditionCase{
		{"IfExists on a missing key is true", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}`, nil, true},
		{"IfExists on a present key checks it", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}`, ctx("ec2:InstanceType", "m5.large"), false},
		{"IfExists on a present matching key", `{"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*"]}}`, ctx("ec2:InstanceType", "t2.micro"), true},
		{"negated IfExists on a missing key is true", `{"StringNotEqualsIfExists": {"aws:ResourceOrgID": "o-exampleorg"}}`, nil, true},
		{"ForAnyValue IfExists on a missing key is true", `{"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "Owner"}}`, nil, true},
		{"ArnLikeIfExists on a missing key", `{"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:sns:*:111122223333:*"}}`, nil, true},
		{"BoolIfExists on a present key", `{"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}`, ctx("aws:MultiFactorAuthPresent", "false"), false},
	})
}

func TestConditionLogic(t *testing.T) {
	both := ctx("aws:PrincipalOrgID", "o-exampleorg", "aws:PrincipalAccount", "111122223333")
	runConditions(t, []conditionCase{
		{"keys of one operator are ANDed: both hold", `{"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg", "aws:PrincipalAccount": "111122223333"}}`, both, true},
		{"keys of one operator are ANDed: one fails", `{"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg", "aws:PrincipalAccount": "444455556666"}}`, both, false},
		{"operators are ANDed: both hold", `{"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}, "StringLike": {"aws:PrincipalAccount": "1111*"}}`, both, true},
		{"operators are ANDed: one fails", `{"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}, "StringLike": {"aws:PrincipalAccount": "4444*"}}`, both, false},
		{"an empty condition holds", `{}`, nil, true},
		{"variables in condition values", `{"StringEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}`, ctx("aws:ResourceOrgID", "o-exampleorg", "aws:PrincipalOrgID", "o-exampleorg"), true},
		{"variables in condition values mismatch", `{"StringEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}`, ctx("aws:ResourceOrgID", "o-other", "aws:PrincipalOrgID", "o-exampleorg"), false},
		{"unresolved variable voids a negated condition", `{"StringNotEquals": {"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}}`, ctx("aws:ResourceOrgID", "o-other"), false},
		{"a substituted value is literal in StringLike", `{"StringLike": {"s3:prefix": "${aws:username}/*"}}`, ctx("aws:username", "*", "s3:prefix", "bob/x"), false},
		{"variables in ARN conditions", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:${aws:PrincipalAccount}:*"}}`, ctx("aws:PrincipalAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:topic"), true},
	})
}

func TestConditionNumericTakesNoVariables(t *testing.T) {
	p := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, Action: []string{"*"}, Resource: []string{"*"},
		Condition: iam.Condition{"NumericEquals": {"s3:max-keys": {"${limit}"}}},
	}}}
	assert.ErrorContains(t, p.Validate(), "is not a number")
	req := iam.Request{Action: "s3:ListBucket", Resource: "*", Context: ctx("limit", "10", "s3:max-keys", "10")}
	assert.Equal(t, iam.ImplicitDeny, iam.Evaluate([]iam.Policy{p}, req).Outcome)
}

func TestConditionIfExistsDenyStillDenies(t *testing.T) {
	// "If you are using an "Effect": "Deny" element with a negated condition
	// operator like StringNotEqualsIfExists, the request is still denied even if
	// the tag is missing."
	guard := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectDeny, Action: []string{"*"}, Resource: []string{"*"},
		Condition: iam.Condition{"StringNotEqualsIfExists": {"aws:ResourceOrgID": {"o-exampleorg"}}},
	}}}
	admin := allow([]string{"*"}, []string{"*"})
	req := iam.Request{Action: "sso:CreateAccountAssignment", Resource: "*"}
	assert.Equal(t, iam.ExplicitDeny, iam.Evaluate([]iam.Policy{admin, guard}, req).Outcome)
	req.Context = ctx("aws:ResourceOrgID", "o-exampleorg")
	assert.Equal(t, iam.Allow, iam.Evaluate([]iam.Policy{admin, guard}, req).Outcome)
}

func TestConditionRejectsMalformedOperators(t *testing.T) {
	for _, op := range []string{"NullIfExists", "ForAnyValue:Null", "ForSomeValues:StringEquals", "IfExists", "StringEqualsIfExistsIfExists", "BinaryEquals"} {
		t.Run(op, func(t *testing.T) {
			p := iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
				Effect: iam.EffectAllow, Action: []string{"*"}, Resource: []string{"*"},
				Condition: iam.Condition{op: {"aws:TokenIssueTime": {"true"}}},
			}}}
			assert.ErrorContains(t, p.Validate(), "is not a condition operator")
			assert.Equal(t, iam.ImplicitDeny, iam.Evaluate([]iam.Policy{p}, iam.Request{Action: "s3:GetObject", Resource: "*"}).Outcome)
		})
	}
}
