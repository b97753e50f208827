package local

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/deploy"
)

// An operator checking the local deployment with Lambda's read calls finds
// each function as the deployment table and the stack set it.
func TestDeployedFunctionsDescribeThemselvesAsTheStackDeploysThem(t *testing.T) {
	ctx := context.Background()
	rt, err := New(ctx, Options{})
	require.NoError(t, err)
	c := lambda.NewFromConfig(rt.Sim.Config())

	for _, f := range deploy.Functions {
		out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(f.DeployedName())})
		require.NoError(t, err, f.Name)
		cfg := out.Configuration
		assert.Equal(t, rt.FunctionARNs[f.Name], aws.ToString(cfg.FunctionArn), f.Name)
		assert.Equal(t, f.DeployedDescription(), aws.ToString(cfg.Description), f.Name)
		assert.Equal(t, int32(f.Timeout.Seconds()), aws.ToInt32(cfg.Timeout), f.Name)
		assert.Equal(t, int32(f.MemoryMB), aws.ToInt32(cfg.MemorySize), f.Name)
		assert.Equal(t, lambdatypes.Runtime(deploy.FunctionRuntime), cfg.Runtime, f.Name)
		assert.Equal(t, deploy.FunctionHandler, aws.ToString(cfg.Handler), f.Name)
		assert.Equal(t, []lambdatypes.Architecture{deploy.FunctionArchitecture}, cfg.Architectures, f.Name)
		assert.Equal(t, lambdatypes.TracingMode(deploy.FunctionTracing), cfg.TracingConfig.Mode, f.Name)
		assert.Equal(t, "arn:aws:iam::"+rt.Sim.ManagementAccountID()+":role/"+f.DeployedName(), aws.ToString(cfg.Role),
			"the role the runtime calls as: %s", f.Name)
		assert.Equal(t, deploy.StackTags(), out.Tags, f.Name)
		if f.Reserved > 0 {
			require.NotNil(t, out.Concurrency, f.Name)
			assert.Equal(t, int32(f.Reserved), aws.ToInt32(out.Concurrency.ReservedConcurrentExecutions), f.Name)
		} else {
			assert.Nil(t, out.Concurrency, f.Name)
		}
	}

	lifecycle, _ := deploy.FunctionNamed("lifecycle")
	eic, err := c.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String(lifecycle.DeployedName())})
	require.NoError(t, err)
	assert.Equal(t, rt.queueArn(deploy.LifecycleFailedQueue.Name), aws.ToString(eic.DestinationConfig.OnFailure.Destination),
		"failed lifecycle events go to the lifecycle-failed queue")
}
