package iam_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/iam"
)

func TestParseAcceptsStringOrList(t *testing.T) {
	doc := `{
	  "Version": "2012-10-17",
	  "Statement": {
	    "Sid": "One",
	    "Effect": "Allow",
	    "Action": "organizations:ListAccounts",
	    "NotResource": ["arn:aws:s3:::a", "arn:aws:s3:::b"],
	    "Condition": {
	      "Bool": {"aws:MultiFactorAuthPresent": true},
	      "NumericLessThan": {"s3:max-keys": [10, 2.5]},
	      "StringEquals": {"aws:PrincipalOrgID": "o-exampleorg"}
	    }
	  }
	}`
	p, err := iam.Parse([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, iam.Policy{
		Version: iam.Version20121017,
		Statement: []iam.Statement{{
			Sid:         "One",
			Effect:      iam.EffectAllow,
			Action:      iam.Strings{"organizations:ListAccounts"},
			NotResource: iam.Strings{"arn:aws:s3:::a", "arn:aws:s3:::b"},
			Condition: iam.Condition{
				"Bool":            {"aws:MultiFactorAuthPresent": {"true"}},
				"NumericLessThan": {"s3:max-keys": {"10", "2.5"}},
				"StringEquals":    {"aws:PrincipalOrgID": {"o-exampleorg"}},
			},
		}},
	}, p)
}

func TestParseRejectsMalformedDocuments(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want string
	}{
		{"not JSON", `{"Version": `, "decode policy document"},
		{"Statement is a string", `{"Statement": "Allow"}`, "neither a statement object nor a list"},
		{"Action is an object", `{"Statement": [{"Effect": "Allow", "Action": {"a": 1}, "Resource": "*"}]}`, "not a string, number or boolean"},
		{"Action list holds a list", `{"Statement": [{"Effect": "Allow", "Action": [["s3:*"]], "Resource": "*"}]}`, "not a string, number or boolean"},
		{"no statements", `{"Version": "2012-10-17", "Statement": []}`, "Statement: the policy has no statements; add at least one"},
		{"unknown version", `{"Version": "2012-10-18", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}`, `Version: "2012-10-18" is not a policy language version; use "2012-10-17"`},
		{"bad effect", `{"Statement": [{"Sid": "S", "Effect": "Permit", "Action": "*", "Resource": "*"}]}`, `Statement[0] (Sid "S").Effect: "Permit" is not an effect; use "Allow" or "Deny"`},
		{"action without service", `{"Statement": [{"Effect": "Allow", "Action": "ListAccounts", "Resource": "*"}]}`, `Statement[0].Action: "ListAccounts" is not an action; write it as "service:Operation" or "*"`},
		{"no resource", `{"Statement": [{"Effect": "Allow", "Action": "*"}]}`, "Statement[0].Resource: the statement has neither Resource nor NotResource; add one"},
		{"both actions", `{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "iam:*", "Resource": "*"}]}`, "Statement[0].Action: a statement may not have both Action and NotAction; keep one"},
		{"bad Null value", `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:TokenIssueTime": "yes"}}}]}`, `Condition.Null.aws:TokenIssueTime: "yes" is not a boolean`},
		{"bad date", `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "tomorrow"}}}]}`, `"tomorrow" is not a date`},
		{"bad CIDR", `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/99"}}}]}`, `"203.0.113.0/99" is not an IP address or CIDR range`},
		{"empty condition key", `{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"StringEquals": {"": "x"}}}]}`, "a condition key is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := iam.Parse([]byte(tt.doc))
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	p := iam.Policy{Statement: []iam.Statement{
		{Effect: "Permit", Action: []string{"*"}, Resource: []string{"*"}},
		{Effect: iam.EffectAllow, Resource: []string{"*"}},
	}}
	err := p.Validate()
	require.Error(t, err)
	assert.ErrorContains(t, err, "Statement[0].Effect")
	assert.ErrorContains(t, err, "Statement[1].Action")
}

func TestFixturesRoundTrip(t *testing.T) {
	names, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			doc, err := os.ReadFile(name)
			require.NoError(t, err)
			p, err := iam.Parse(doc)
			require.NoError(t, err)

			encoded, err := json.Marshal(p)
			require.NoError(t, err)
			again, err := iam.Parse(encoded)
			require.NoError(t, err)
			assert.Equal(t, p, again)
		})
	}
}
