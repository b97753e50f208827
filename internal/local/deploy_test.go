package local

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/deploy"
)

// The local runtime deploys what the deployment table lists, as the stack
// does: every function (invokable in the simulated world under its deployed
// name) and every queue with its settings.
func TestRuntimeDeploysTheDeploymentTable(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{})
	require.NoError(t, err)
	registered := rt.Sim.FunctionARNs()
	assert.Len(t, rt.FunctionARNs, len(deploy.Functions), "exactly the table's functions")
	for _, f := range deploy.Functions {
		arn := rt.FunctionARNs[f.Name]
		assert.Equal(t, "arn:aws:lambda:"+rt.Sim.Region()+":"+rt.Sim.ManagementAccountID()+":function:"+f.DeployedName(), arn)
		assert.Contains(t, registered, arn, "function %s is invokable", f.Name)
		assert.NotNil(t, rt.Sim.Function(arn), f.Name)
	}
	q := sqs.NewFromConfig(rt.Sim.Config())
	for _, spec := range deploy.Queues {
		url, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(spec.Name)})
		require.NoError(t, err, spec.Name)
		attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
		require.NoError(t, err, spec.Name)
		assert.Equal(t, strconv.Itoa(int(spec.Retention.Seconds())), attrs.Attributes["MessageRetentionPeriod"], spec.Name)
		if spec.VisibilityTimeout > 0 {
			assert.Equal(t, strconv.Itoa(int(spec.VisibilityTimeout.Seconds())), attrs.Attributes["VisibilityTimeout"], spec.Name)
		}
		if spec.DeadLetter != nil {
			assert.Contains(t, attrs.Attributes["RedrivePolicy"], ":"+spec.DeadLetter.Name+`"`, spec.Name)
		}
	}
}
