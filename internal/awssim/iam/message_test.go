package iam_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/towervend/towervend/internal/awssim/iam"
)

func TestDeniedMessage(t *testing.T) {
	const principal = "arn:aws:sts::111122223333:assumed-role/R/S"
	tagged := iam.Request{Action: "organizations:ListTagsForResource", Resource: "arn:aws:organizations::111122223333:account/o-x/123456789012"}
	tests := []struct {
		name     string
		req      iam.Request
		decision iam.Decision
		want     string
	}{
		{
			"implicit deny on a resource", tagged, iam.Decision{},
			"User: arn:aws:sts::111122223333:assumed-role/R/S is not authorized to perform: organizations:ListTagsForResource on resource: arn:aws:organizations::111122223333:account/o-x/123456789012 because no identity-based policy allows the organizations:ListTagsForResource action",
		},
		{
			"explicit deny on a resource", tagged, iam.Decision{Outcome: iam.ExplicitDeny, Sid: "NoTags"},
			"User: arn:aws:sts::111122223333:assumed-role/R/S is not authorized to perform: organizations:ListTagsForResource on resource: arn:aws:organizations::111122223333:account/o-x/123456789012 with an explicit deny in an identity-based policy",
		},
		{
			"an action without a resource names none", iam.Request{Action: "organizations:ListAccounts", Resource: "*"}, iam.Decision{},
			"User: arn:aws:sts::111122223333:assumed-role/R/S is not authorized to perform: organizations:ListAccounts because no identity-based policy allows the organizations:ListAccounts action",
		},
		{"an allow has no message", tagged, iam.Decision{Outcome: iam.Allow}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, iam.DeniedMessage(principal, tt.req, tt.decision))
		})
	}
}

func TestOutcomeString(t *testing.T) {
	assert.Equal(t, "ImplicitDeny", iam.Outcome(0).String())
	assert.Equal(t, "Allow", iam.Allow.String())
	assert.Equal(t, "ExplicitDeny", iam.ExplicitDeny.String())
}
