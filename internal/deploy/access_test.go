package deploy_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/deploy"
)

// resources are a deployment in the China partition, so an ARN that does not
// follow Partition stands out.
var resources = deploy.Resources{
	Partition: "aws-cn", Region: "cn-north-1", Account: "111122223333",
	InstanceArn: "arn:aws-cn:sso:::instance/ssoins-0123456789abcdef", InstanceID: "ssoins-0123456789abcdef",
	IdentityStoreID:  "d-0123456789",
	BusArn:           "arn:aws-cn:events:cn-north-1:111122223333:event-bus/towervend",
	StateMachineArn:  "arn:aws-cn:states:cn-north-1:111122223333:stateMachine:towervend-vending",
	StateMachineName: "towervend-vending",
	RejectedQueueArn: "arn:aws-cn:sqs:cn-north-1:111122223333:towervend-rejected",
	// The lifecycle function's on-failure destination.
	LifecycleFailedQueueArn: "arn:aws-cn:sqs:cn-north-1:111122223333:towervend-lifecycle-failed",
	WaitsTableArn:           "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/towervend-waits",
}

func TestEveryFunctionHasItsGrants(t *testing.T) {
	for _, f := range deploy.Functions {
		t.Run(f.Name, func(t *testing.T) {
			grants := deploy.Grants(f.Name, resources)
			require.NotEmpty(t, grants, "every function calls something")
			for _, g := range grants {
				require.NotEmpty(t, g.Actions)
				assert.NotEmpty(t, g.Resources, "%v", g.Actions)
				for _, a := range g.Actions {
					assert.Regexp(t, `^[a-z0-9-]+:[A-Z][A-Za-z]+$`, a, "an action is service:Operation, without wildcards")
				}
				for _, r := range g.Resources {
					if r != "*" {
						assert.True(t, strings.HasPrefix(r, "arn:aws-cn:"), "%s is in the configured partition", r)
					}
				}
				if len(g.Wildcards()) > 0 {
					assert.GreaterOrEqual(t, len(g.Why), 20, "%v on %v needs a reason", g.Actions, g.Wildcards())
				}
			}
		})
	}
	assert.Nil(t, deploy.Grants("no-such-function", resources))
}

func TestOnlyProvisionCarriesAManagedPolicy(t *testing.T) {
	for _, f := range deploy.Functions {
		policies := deploy.ManagedPolicies(f.Name)
		if f.Name != "provision" {
			assert.Empty(t, policies, f.Name)
			continue
		}
		require.Len(t, policies, 1)
		assert.Equal(t, "AWSServiceCatalogEndUserFullAccess", policies[0].Name)
		assert.GreaterOrEqual(t, len(policies[0].Why), 20, "a managed policy needs a reason")
	}
}

// The stack's deployed ARNs are CloudFormation tokens, so the grants use the
// ARNs they are given, unchanged.
func TestGrantsNameTheDeployedResources(t *testing.T) {
	tests := []struct {
		function, action, want string
	}{
		{"intake", "states:StartExecution", resources.StateMachineArn},
		{"intake", "sqs:SendMessage", resources.RejectedQueueArn},
		{"lifecycle", "states:StartExecution", resources.StateMachineArn},
		{"lifecycle", "sqs:SendMessage", resources.LifecycleFailedQueueArn},
		{"notify", "events:PutEvents", resources.BusArn},
		{"assignsso", "sso:DescribeAccountAssignmentCreationStatus", resources.InstanceArn},
		{"provision", "states:SendTaskSuccess", "arn:aws-cn:states:cn-north-1:111122223333:stateMachine:towervend-vending"},
		{"provision", "dynamodb:Query", resources.WaitsTableArn},
		{"await", "dynamodb:PutItem", resources.WaitsTableArn},
		{"intake", "dynamodb:PutItem", resources.WaitsTableArn},
		{"lifecycle", "states:SendTaskSuccess", "arn:aws-cn:states:cn-north-1:111122223333:stateMachine:towervend-vending"},
	}
	for _, tt := range tests {
		t.Run(tt.function+" "+tt.action, func(t *testing.T) {
			var found []string
			for _, g := range deploy.Grants(tt.function, resources) {
				for _, a := range g.Actions {
					if a == tt.action {
						found = append(found, g.Resources...)
					}
				}
			}
			assert.Equal(t, []string{tt.want}, found)
		})
	}
}

func TestPolicyDocument(t *testing.T) {
	var doc struct {
		Version   string
		Statement []struct {
			Effect    string
			Action    []string
			Resource  []string
			Condition map[string]map[string][]string
		}
	}
	require.NoError(t, json.Unmarshal(deploy.PolicyDocument(deploy.Grants("intake", resources)), &doc))
	assert.Equal(t, "2012-10-17", doc.Version, "the version that reads policy variables")
	require.Len(t, doc.Statement, 5, "one statement per grant")
	for _, s := range doc.Statement {
		assert.Equal(t, "Allow", s.Effect)
	}
	assert.Equal(t, []string{"states:StartExecution"}, doc.Statement[0].Action)
	assert.Equal(t, []string{resources.StateMachineArn}, doc.Statement[0].Resource)
	assert.Nil(t, doc.Statement[0].Condition)
	assert.Equal(t, []string{"states:DescribeExecution"}, doc.Statement[1].Action)
	assert.Equal(t, []string{"arn:aws-cn:states:cn-north-1:111122223333:execution:towervend-vending:*"}, doc.Statement[1].Resource)
	assert.Equal(t, []string{"events:PutEvents"}, doc.Statement[2].Action)
	assert.Equal(t, []string{resources.BusArn}, doc.Statement[2].Resource)
	assert.Equal(t, map[string]map[string][]string{"StringEquals": {"events:source": {"towervend"}}}, doc.Statement[2].Condition)
	assert.Equal(t, []string{"sqs:SendMessage"}, doc.Statement[3].Action)
	assert.Equal(t, []string{resources.RejectedQueueArn}, doc.Statement[3].Resource)
	assert.Equal(t, []string{"dynamodb:PutItem"}, doc.Statement[4].Action, "intake records each message it takes, and only writes")
	assert.Equal(t, []string{resources.WaitsTableArn}, doc.Statement[4].Resource)

	var empty map[string]any
	require.NoError(t, json.Unmarshal(deploy.PolicyDocument(nil), &empty))
	assert.Equal(t, []any{}, empty["Statement"], "no grants: a document with no statements, not a null one")
}

func ExamplePolicyDocument() {
	r := deploy.Resources{Partition: "aws", Region: "eu-west-1", Account: "111122223333",
		BusArn: "arn:aws:events:eu-west-1:111122223333:event-bus/towervend", WaitsTableArn: "arn:aws:dynamodb:eu-west-1:111122223333:table/towervend-waits"}
	fmt.Println(string(deploy.PolicyDocument(deploy.Grants("notify", r))))
	// Output:
	// {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["events:PutEvents"],"Resource":["arn:aws:events:eu-west-1:111122223333:event-bus/towervend"],"Condition":{"StringEquals":{"events:source":["towervend"]}}},{"Effect":"Allow","Action":["dynamodb:DeleteItem"],"Resource":["arn:aws:dynamodb:eu-west-1:111122223333:table/towervend-waits"]}]}
}
