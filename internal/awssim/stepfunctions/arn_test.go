package stepfunctions_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every operation that takes an ARN answers InvalidArn (400) for a malformed
// one, in AWS's words, and StateMachineDoesNotExist or ExecutionDoesNotExist
// only for a well-formed ARN of nothing.
func TestStepFunctionsInvalidArnIsNotDoesNotExist(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	client := sfn.NewFromConfig(withRetries(s.Config(), 1))
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("vending"), Definition: aws.String(waitDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn")})
	require.NoError(t, err)
	machine := aws.ToString(sm.StateMachineArn)
	missingMachine := "arn:aws:states:eu-west-1:111122223333:stateMachine:nothing"
	missingExecution := "arn:aws:states:eu-west-1:111122223333:execution:vending:nothing"

	machineOps := map[string]func(arn string) error{
		"DescribeStateMachine": func(arn string) error {
			_, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
			return err
		},
		"UpdateStateMachine": func(arn string) error {
			_, err := client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(arn), Definition: aws.String(waitDefinition)})
			return err
		},
		"StartExecution": func(arn string) error {
			_, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn)})
			return err
		},
		"ListExecutions": func(arn string) error {
			_, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn)})
			return err
		},
		"DeleteStateMachine": func(arn string) error {
			_, err := client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(arn)})
			return err
		},
	}
	executionOps := map[string]func(arn string) error{
		"DescribeExecution": func(arn string) error {
			_, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			return err
		},
		"DescribeStateMachineForExecution": func(arn string) error {
			_, err := client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(arn)})
			return err
		},
		"GetExecutionHistory": func(arn string) error {
			_, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
			return err
		},
		"StopExecution": func(arn string) error {
			_, err := client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn)})
			return err
		},
		"RedriveExecution": func(arn string) error {
			_, err := client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)})
			return err
		},
	}
	// malformed are ARNs no operation takes, with AWS's message for each;
	// other is an ARN of the other kind of resource, of type otherType.
	malformed := func(other, otherType string) []struct{ arn, message string } {
		return []struct{ arn, message string }{
			{"vending", "Invalid Arn: 'Invalid ARN prefix: vending'"},
			{"arn:aws:sqs:eu-west-1:111122223333:vending", "Invalid Arn: 'Invalid ARN prefix: arn:aws:sqs:eu-west-1:111122223333:vending'"},
			{other, "Invalid Arn: 'Resource type not valid in this context: " + otherType + "'"},
			{"arn:aws:states:eu-west-1:1111:stateMachine:vending", "Invalid Arn: 'arn:aws:states:eu-west-1:1111:stateMachine:vending'"},
		}
	}

	for name, call := range machineOps {
		t.Run(name, func(t *testing.T) {
			for _, m := range malformed(missingExecution, "execution") {
				assertInvalidArn(t, call(m.arn), m.message)
			}
			assertInvalidArn(t, call("arn:aws:states:eu-west-1:111122223333:stateMachine:"), "Invalid Arn: 'arn:aws:states:eu-west-1:111122223333:stateMachine:'")
			err := call(missingMachine)
			if name == "DeleteStateMachine" {
				assert.NoError(t, err, "deleting what is not there succeeds, as on AWS")
				return
			}
			var missing *types.StateMachineDoesNotExist
			assert.True(t, errors.As(err, &missing), "a well-formed ARN of no state machine: %v", err)
		})
	}
	for name, call := range executionOps {
		t.Run(name, func(t *testing.T) {
			for _, m := range malformed(machine, "stateMachine") {
				assertInvalidArn(t, call(m.arn), m.message)
			}
			assertInvalidArn(t, call("arn:aws:states:eu-west-1:111122223333:execution:vending"), "Invalid Arn: 'arn:aws:states:eu-west-1:111122223333:execution:vending'")
			var missing *types.ExecutionDoesNotExist
			err := call(missingExecution)
			assert.True(t, errors.As(err, &missing), "a well-formed ARN of no execution: %v", err)
		})
	}
}

func assertInvalidArn(t *testing.T, err error, message string) {
	t.Helper()
	var invalid *types.InvalidArn
	if !assert.True(t, errors.As(err, &invalid), "want InvalidArn, got %v", err) {
		return
	}
	assert.Equal(t, message, invalid.ErrorMessage())
	var resp *awshttp.ResponseError
	require.True(t, errors.As(err, &resp))
	assert.Equal(t, 400, resp.HTTPStatusCode())
}
