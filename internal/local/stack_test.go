package local

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/deploy"
)

// The local runtime records its deployment as the CDK app's home stack: the
// outputs the stack declares (deploy's keys, which the stack's own test
// checks against the synthesized template) with the local values, and what
// it deployed as the stack's resources.
func TestRuntimeRecordsItsDeploymentAsTheHomeStack(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{})
	require.NoError(t, err)
	c := cloudformation.NewFromConfig(rt.Sim.Config())

	out, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(deploy.HomeStackName)})
	require.NoError(t, err)
	require.Len(t, out.Stacks, 1)
	st := out.Stacks[0]
	assert.Equal(t, cfntypes.StackStatusCreateComplete, st.StackStatus)
	assert.Equal(t, deploy.HomeStackDescription, aws.ToString(st.Description))
	assert.True(t, rt.start.Equal(aws.ToTime(st.CreationTime)), "deployed when the world started: %v", st.CreationTime)
	outputs := map[string]string{}
	for _, o := range st.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	assert.Equal(t, deploy.HomeStackOutputs(), slices.Sorted(maps.Keys(outputs)), "exactly the stack's output keys")
	assert.Equal(t, rt.QueueURL, outputs[deploy.OutputRequestQueueURL])
	assert.Equal(t, rt.DeadLetterURL, outputs[deploy.OutputDeadLetterQueueURL])
	assert.Equal(t, rt.queueArn(deploy.RequestQueue.Name), outputs[deploy.OutputRequestQueueArn])
	assert.Equal(t, rt.StateMachineArn, outputs[deploy.OutputStateMachineArn])
	assert.Equal(t, deploy.NotificationBus, outputs[deploy.OutputNotificationBusName])
	assert.Equal(t, "towervend-lifecycle", outputs[deploy.OutputLifecycleFunctionName])
	assert.Equal(t, rt.FunctionARNs["lifecycle"], "arn:aws:lambda:"+rt.Sim.Region()+":"+rt.Sim.ManagementAccountID()+":function:"+outputs[deploy.OutputLifecycleFunctionName])

	res, err := c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String(deploy.HomeStackName)})
	require.NoError(t, err)
	byType := map[string][]string{}
	for _, r := range res.StackResources {
		byType[aws.ToString(r.ResourceType)] = append(byType[aws.ToString(r.ResourceType)], aws.ToString(r.PhysicalResourceId))
	}
	assert.Len(t, byType["AWS::Lambda::Function"], len(deploy.Functions))
	assert.Len(t, byType["AWS::SQS::Queue"], len(deploy.Queues))
	assert.Contains(t, byType["AWS::SQS::Queue"], rt.QueueURL)
	assert.Equal(t, []string{rt.StateMachineArn}, byType["AWS::StepFunctions::StateMachine"])

	t.Run("IAM shows each function's role with the policies it is authorized by", func(t *testing.T) {
		c := iam.NewFromConfig(rt.Sim.Config())
		for _, f := range deploy.Functions {
			pols, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(f.DeployedName())})
			require.NoError(t, err, f.Name)
			assert.Equal(t, []string{"DefaultPolicy"}, pols.PolicyNames, f.Name)
			att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(f.DeployedName())})
			require.NoError(t, err, f.Name)
			var arns []string
			for _, p := range att.AttachedPolicies {
				arns = append(arns, aws.ToString(p.PolicyArn))
			}
			var want []string
			for _, m := range deploy.ManagedPolicies(f.Name) {
				want = append(want, "arn:aws:iam::aws:policy/"+m.Name)
			}
			assert.Equal(t, want, arns, f.Name)
		}
	})
}
