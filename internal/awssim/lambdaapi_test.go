package awssim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lambdaARN is a function's ARN in the demo world's home Region and management account.
func lambdaARN(s *Sim, name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.Region(), s.ManagementAccountID(), name)
}

func noop(context.Context, []byte) ([]byte, error) { return nil, nil }

// deployedGate is a function deployed as towervend's concurrency gate is.
var deployedGate = FunctionConfig{
	Description: "towervend: the gate", Runtime: "provided.al2023", Handler: "bootstrap", Architectures: []string{"arm64"},
	Role: "arn:aws:iam::111122223333:role/towervend-gate", Timeout: 60 * time.Second, MemoryMB: 256, Reserved: 1,
	Environment: map[string]string{"TOWERVEND_REGION": "eu-west-1"}, Tags: map[string]string{"app": "towervend"}, TracingMode: "Active",
}

func TestLambdaGetFunctionDescribesTheDeployment(t *testing.T) {
	s, clk := newTestSim(t, nil)
	arn := lambdaARN(s, "towervend-gate")
	s.DeployFunction(arn, noop, deployedGate)
	c := lambda.NewFromConfig(testConfig(s))
	ctx := context.Background()

	for _, name := range []string{"towervend-gate", arn, s.ManagementAccountID() + ":function:towervend-gate", "towervend-gate:$LATEST"} {
		t.Run(name, func(t *testing.T) {
			out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
			require.NoError(t, err)
			cfg := out.Configuration
			require.NotNil(t, cfg)
			assert.Equal(t, "towervend-gate", aws.ToString(cfg.FunctionName))
			assert.Equal(t, arn, aws.ToString(cfg.FunctionArn))
			assert.Equal(t, lambdatypes.RuntimeProvidedal2023, cfg.Runtime)
			assert.Equal(t, "bootstrap", aws.ToString(cfg.Handler))
			assert.Equal(t, []lambdatypes.Architecture{lambdatypes.ArchitectureArm64}, cfg.Architectures)
			assert.Equal(t, deployedGate.Role, aws.ToString(cfg.Role))
			assert.Equal(t, int32(60), aws.ToInt32(cfg.Timeout))
			assert.Equal(t, int32(256), aws.ToInt32(cfg.MemorySize))
			assert.Equal(t, "towervend: the gate", aws.ToString(cfg.Description))
			assert.Equal(t, "$LATEST", aws.ToString(cfg.Version))
			assert.Equal(t, clk.Now().UTC().Format("2006-01-02T15:04:05.000")+"+0000", aws.ToString(cfg.LastModified))
			assert.Equal(t, lambdatypes.StateActive, cfg.State)
			assert.Equal(t, lambdatypes.LastUpdateStatusSuccessful, cfg.LastUpdateStatus)
			assert.Equal(t, lambdatypes.PackageTypeZip, cfg.PackageType)
			assert.Equal(t, lambdatypes.TracingModeActive, cfg.TracingConfig.Mode)
			assert.Equal(t, int32(512), aws.ToInt32(cfg.EphemeralStorage.Size))
			assert.Equal(t, "/aws/lambda/towervend-gate", aws.ToString(cfg.LoggingConfig.LogGroup))
			assert.Equal(t, map[string]string{"TOWERVEND_REGION": "eu-west-1"}, cfg.Environment.Variables)
			assert.NotEmpty(t, aws.ToString(cfg.CodeSha256))
			assert.NotEmpty(t, aws.ToString(cfg.RevisionId))
			require.NotNil(t, out.Code)
			assert.Equal(t, "S3", aws.ToString(out.Code.RepositoryType))
			assert.Contains(t, aws.ToString(out.Code.Location), "towervend-gate")
			assert.Equal(t, map[string]string{"app": "towervend"}, out.Tags)
			require.NotNil(t, out.Concurrency, "a function with reserved concurrency says so")
			assert.Equal(t, int32(1), aws.ToInt32(out.Concurrency.ReservedConcurrentExecutions))
		})
	}

	conf, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("towervend-gate")})
	require.NoError(t, err)
	assert.Equal(t, arn, aws.ToString(conf.FunctionArn))
	assert.Equal(t, int32(60), aws.ToInt32(conf.Timeout))

	conc, err := c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(arn)})
	require.NoError(t, err)
	assert.Equal(t, int32(1), aws.ToInt32(conc.ReservedConcurrentExecutions))

	assert.Equal(t, 4, s.Calls()["lambda"]["GetFunction"], "the read calls are counted as any other")
}

// A function registered without a configuration (a test's stand-in)
// answers with Lambda's defaults.
func TestLambdaStandInAnswersWithLambdasDefaults(t *testing.T) {
	s, _ := newTestSim(t, nil)
	arn := lambdaARN(s, "stand-in")
	s.RegisterFunction(arn, noop)
	c := lambda.NewFromConfig(testConfig(s))
	ctx := context.Background()

	out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("stand-in")})
	require.NoError(t, err)
	cfg := out.Configuration
	assert.Equal(t, lambdatypes.RuntimeProvidedal2023, cfg.Runtime)
	assert.Equal(t, int32(3), aws.ToInt32(cfg.Timeout))
	assert.Equal(t, int32(128), aws.ToInt32(cfg.MemorySize))
	assert.Equal(t, []lambdatypes.Architecture{lambdatypes.ArchitectureX8664}, cfg.Architectures)
	assert.Equal(t, lambdatypes.TracingModePassThrough, cfg.TracingConfig.Mode)
	assert.Equal(t, "arn:aws:iam::"+s.ManagementAccountID()+":role/stand-in", aws.ToString(cfg.Role))
	assert.Nil(t, cfg.Environment, "no environment variables")
	assert.Nil(t, out.Concurrency, "no reserved concurrency")
	assert.Empty(t, out.Tags)

	conc, err := c.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String("stand-in")})
	require.NoError(t, err)
	assert.Nil(t, conc.ReservedConcurrentExecutions)

	// Registering again (a benchmark swapping the handler) keeps what a deployment set.
	deployed := lambdaARN(s, "towervend-gate")
	s.DeployFunction(deployed, noop, deployedGate)
	s.RegisterFunction(deployed, noop)
	again, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(deployed)})
	require.NoError(t, err)
	assert.Equal(t, int32(60), aws.ToInt32(again.Configuration.Timeout))
}

func TestLambdaListFunctionsPages(t *testing.T) {
	s, _ := newTestSim(t, nil)
	for _, name := range []string{"c-fn", "a-fn", "b-fn"} {
		s.RegisterFunction(lambdaARN(s, name), noop)
	}
	s.RegisterFunction("arn:aws:lambda:us-east-1:"+s.ManagementAccountID()+":function:elsewhere", noop)
	c := lambda.NewFromConfig(testConfig(s))

	var names []string
	pages := 0
	p := lambda.NewListFunctionsPaginator(c, &lambda.ListFunctionsInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		pages++
		for _, f := range page.Functions {
			names = append(names, aws.ToString(f.FunctionName))
		}
	}
	assert.Equal(t, []string{"a-fn", "b-fn", "c-fn"}, names, "the Region's functions, by name; not another Region's")
	assert.Equal(t, 2, pages)

	_, err := c.ListFunctions(context.Background(), &lambda.ListFunctionsInput{Marker: aws.String("not-a-marker")})
	var invalid *lambdatypes.InvalidParameterValueException
	assert.ErrorAs(t, err, &invalid)
}

func TestLambdaUnknownFunctionIsResourceNotFound(t *testing.T) {
	s, _ := newTestSim(t, nil)
	s.RegisterFunction(lambdaARN(s, "known"), noop)
	c := lambda.NewFromConfig(withRetries(s.Config(), 1))
	ctx := context.Background()

	cases := []struct {
		name, qualifier, message string
	}{
		{"nope", "", "Function not found: " + lambdaARN(s, "nope")},
		{lambdaARN(s, "nope"), "", "Function not found: " + lambdaARN(s, "nope")},
		{"known", "7", "Function not found: " + lambdaARN(s, "known") + ":7"}, // no versions but $LATEST
	}
	for _, tc := range cases {
		t.Run(tc.name+":"+tc.qualifier, func(t *testing.T) {
			in := &lambda.GetFunctionInput{FunctionName: aws.String(tc.name)}
			if tc.qualifier != "" {
				in.Qualifier = aws.String(tc.qualifier)
			}
			_, err := c.GetFunction(ctx, in)
			var missing *lambdatypes.ResourceNotFoundException
			require.ErrorAs(t, err, &missing)
			assert.Equal(t, tc.message, missing.ErrorMessage())
			assert.Equal(t, "User", aws.ToString(missing.Type))
			assert.Equal(t, http.StatusNotFound, statusOf(t, err))
		})
	}

	_, err := c.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("nope")})
	var missing *lambdatypes.ResourceNotFoundException
	assert.ErrorAs(t, err, &missing)

	_, err = c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("not a name")})
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "%v", err)
	assert.Equal(t, "ValidationException", api.ErrorCode())
}

func TestLambdaEventInvokeConfig(t *testing.T) {
	s, _ := newTestSim(t, nil)
	arn := lambdaARN(s, "lifecycle")
	s.RegisterFunction(arn, noop)
	c := lambda.NewFromConfig(withRetries(s.Config(), 1))
	ctx := context.Background()

	_, err := c.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("lifecycle")})
	var missing *lambdatypes.ResourceNotFoundException
	require.ErrorAs(t, err, &missing, "a function nobody configured has no EventInvokeConfig")
	assert.Contains(t, missing.ErrorMessage(), arn+":$LATEST")

	queue := "arn:aws:sqs:" + s.Region() + ":" + s.ManagementAccountID() + ":lost"
	require.NoError(t, s.ConfigureFunction(arn, AsyncConfig{MaximumRetryAttempts: 1, OnFailure: queue}))
	out, err := c.GetFunctionEventInvokeConfig(ctx, &lambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("lifecycle")})
	require.NoError(t, err)
	assert.Equal(t, arn+":$LATEST", aws.ToString(out.FunctionArn))
	assert.Equal(t, int32(1), aws.ToInt32(out.MaximumRetryAttempts))
	require.NotNil(t, out.DestinationConfig)
	assert.Equal(t, queue, aws.ToString(out.DestinationConfig.OnFailure.Destination))
	assert.False(t, aws.ToTime(out.LastModified).IsZero())
}

// The read calls are authorized as their own actions on the function's ARN.
func TestLambdaReadCallsAreAuthorizedOnTheFunction(t *testing.T) {
	s, _ := newTestSim(t, nil)
	mine, other := lambdaARN(s, "mine"), lambdaARN(s, "other")
	s.RegisterFunction(mine, noop)
	s.RegisterFunction(other, noop)
	c := lambda.NewFromConfig(roleConfig(t, s, "Checker", policy(allow([]string{"lambda:GetFunction", "lambda:ListFunctions"}, mine, "*"))))
	c2 := lambda.NewFromConfig(roleConfig(t, s, "Narrow", policy(allow([]string{"lambda:GetFunction"}, mine))))
	ctx := context.Background()

	_, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("mine")})
	require.NoError(t, err)
	_, err = c.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	require.NoError(t, err)

	_, err = c2.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("other")})
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "%v", err)
	assert.Equal(t, "AccessDeniedException", api.ErrorCode())
	assert.Contains(t, api.ErrorMessage(), "lambda:GetFunction")
	assert.Contains(t, api.ErrorMessage(), other)
	assert.Equal(t, http.StatusForbidden, statusOf(t, err))

	_, err = c2.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("mine")})
	require.True(t, errors.As(err, &api), "%v", err)
	assert.Contains(t, api.ErrorMessage(), "lambda:GetFunctionConfiguration", "each read call is its own action")
}

// What the simulator does not serve of Lambda is answered, through the SDK,
// as Lambda's unknown operation, naming the service.
func TestLambdaUnservedOperation(t *testing.T) {
	s, _ := newTestSim(t, nil)
	_, err := lambda.NewFromConfig(withRetries(s.Config(), 1)).ListLayers(context.Background(), &lambda.ListLayersInput{})
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "%v", err)
	assert.Equal(t, "UnknownOperationException", api.ErrorCode())
	assert.Contains(t, api.ErrorMessage(), "lambda")
	assert.Contains(t, api.ErrorMessage(), "/layers")
}
