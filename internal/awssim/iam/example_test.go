package iam_test

import (
	"fmt"

	"github.com/towervend/towervend/internal/awssim/iam"
)

func ExampleEvaluate() {
	readOnly := iam.Policy{
		Version: iam.Version20121017,
		Statement: []iam.Statement{{
			Sid:      "ReadOrganization",
			Effect:   iam.EffectAllow,
			Action:   []string{"organizations:List*", "organizations:Describe*"},
			Resource: []string{"*"},
			Condition: iam.Condition{
				"StringEquals": {"aws:PrincipalOrgID": {"o-exampleorg"}},
			},
		}},
	}
	req := iam.Request{
		Action:   "organizations:ListAccounts",
		Resource: "*",
		Context:  map[string][]string{"aws:PrincipalOrgID": {"o-exampleorg"}},
	}
	d := iam.Evaluate([]iam.Policy{readOnly}, req)
	fmt.Println(d.Outcome, d.Sid)

	req.Action = "organizations:CloseAccount"
	fmt.Println(iam.Evaluate([]iam.Policy{readOnly}, req).Outcome)
	// Output:
	// Allow ReadOrganization
	// ImplicitDeny
}

func ExampleParse() {
	p, err := iam.Parse([]byte(`{
	  "Version": "2012-10-17",
	  "Statement": {
	    "Effect": "Deny",
	    "Action": "organizations:*",
	    "Resource": "arn:aws:organizations::111122223333:account/o-exampleorg/${aws:PrincipalAccount}"
	  }
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	req := iam.Request{
		Action:   "organizations:CloseAccount",
		Resource: "arn:aws:organizations::111122223333:account/o-exampleorg/123456789012",
		Context:  map[string][]string{"aws:PrincipalAccount": {"123456789012"}},
	}
	fmt.Println(iam.Evaluate([]iam.Policy{p}, req).Outcome)
	// Output: ExplicitDeny
}

func ExampleDeniedMessage() {
	req := iam.Request{
		Action:   "organizations:ListTagsForResource",
		Resource: "arn:aws:organizations::111122223333:account/o-x/123456789012",
	}
	d := iam.Evaluate(nil, req)
	fmt.Println(iam.DeniedMessage("arn:aws:sts::111122223333:assumed-role/R/S", req, d))
	// Output: User: arn:aws:sts::111122223333:assumed-role/R/S is not authorized to perform: organizations:ListTagsForResource on resource: arn:aws:organizations::111122223333:account/o-x/123456789012 because no identity-based policy allows the organizations:ListTagsForResource action
}
