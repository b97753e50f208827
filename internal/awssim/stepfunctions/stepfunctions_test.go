package stepfunctions_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// typedErr fails like a towervend step: with an error that names itself.
type typedErr struct{ name, msg string }

func (e *typedErr) Error() string     { return e.msg }
func (e *typedErr) ErrorType() string { return e.name }
func (e *typedErr) Cause() string {
	return `{"errorType":"` + e.name + `","errorMessage":"` + e.msg + `"}`
}

const stepFunctionsTestDefinition = `{
  "StartAt": "First",
  "States": {
    "First": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "arn:aws:lambda:eu-west-1:111122223333:function:first", "Payload.$": "$"},
      "OutputPath": "$.Payload", "Next": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 600, "Next": "Second"},
    "Second": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "arn:aws:lambda:eu-west-1:111122223333:function:second", "Payload.$": "$"},
      "OutputPath": "$.Payload", "End": true}
  }
}`

func TestStepFunctionsRunsRedrivesAndDescribes(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	client := sfn.NewFromConfig(testConfig(s))
	firstCalls, secondCalls := 0, 0
	fail := true
	s.RegisterFunction("arn:aws:lambda:eu-west-1:111122223333:function:first", func(_ context.Context, p []byte) ([]byte, error) {
		firstCalls++
		return p, nil
	})
	s.RegisterFunction("arn:aws:lambda:eu-west-1:111122223333:function:second", func(_ context.Context, p []byte) ([]byte, error) {
		secondCalls++
		if fail {
			return nil, &typedErr{"TowerVend.RoleMissing", "no role"}
		}
		return []byte(`{"done":true}`), nil
	})
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("vending"), Definition: aws.String(stepFunctionsTestDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn")})
	require.NoError(t, err)

	start, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("CHG0042"), Input: aws.String(`{"a":1}`)})
	require.NoError(t, err)
	again, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("CHG0042"), Input: aws.String(`{ "a": 1 }`)})
	require.NoError(t, err, "same name and input while running is idempotent")
	assert.Equal(t, aws.ToString(start.ExecutionArn), aws.ToString(again.ExecutionArn))
	_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("CHG0042"), Input: aws.String(`{"a":2}`)})
	var exists *types.ExecutionAlreadyExists
	require.True(t, errors.As(err, &exists), "a different input under the same name: %v", err)

	clk.Advance(time.Hour)
	desc, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusFailed, desc.Status)
	assert.Equal(t, "TowerVend.RoleMissing", aws.ToString(desc.Error))
	assert.Equal(t, types.ExecutionRedriveStatusRedrivable, desc.RedriveStatus)
	assert.Equal(t, 10*time.Minute, desc.StopDate.Sub(*desc.StartDate), "the Wait state took simulated time")

	fail = false
	_, err = client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
	require.NoError(t, err)
	clk.Advance(time.Minute)
	desc, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusSucceeded, desc.Status)
	assert.JSONEq(t, `{"done":true}`, aws.ToString(desc.Output))
	assert.Equal(t, int32(1), aws.ToInt32(desc.RedriveCount))
	assert.Equal(t, 1, firstCalls, "redrive does not re-run the succeeded state")
	assert.Equal(t, 2, secondCalls)

	_, err = client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn})
	var notRedrivable *types.ExecutionNotRedrivable
	assert.True(t, errors.As(err, &notRedrivable), "a succeeded execution is not redrivable: %v", err)

	hist, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	require.NoError(t, err)
	require.NotEmpty(t, hist.Events)
	assert.Equal(t, types.HistoryEventTypeExecutionStarted, hist.Events[0].Type)
	assert.Equal(t, types.HistoryEventTypeExecutionSucceeded, hist.Events[len(hist.Events)-1].Type)

	list, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusSucceeded})
	require.NoError(t, err)
	assert.Len(t, list.Executions, 1)

	var statusEvents int
	for _, ev := range s.BusEvents("default") {
		if string(ev) != "" && contains(string(ev), "Step Functions Execution Status Change") {
			statusEvents++
		}
	}
	assert.Equal(t, 2, statusEvents, "FAILED then SUCCEEDED were announced on the default bus")
}

// ListExecutions pages newest first, filters by status, says the same as
// DescribeExecution of each, and refuses a token it did not give (the gate
// ranks waiting requests with it).
func TestStepFunctionsListsExecutionsInPages(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	client := sfn.NewFromConfig(testConfig(s))
	s.RegisterFunction("arn:aws:lambda:eu-west-1:111122223333:function:first", func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	s.RegisterFunction("arn:aws:lambda:eu-west-1:111122223333:function:second", func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("vending"), Definition: aws.String(stepFunctionsTestDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn")})
	require.NoError(t, err)
	for _, name := range []string{"R1", "R2", "R3", "R4", "R5"} {
		_, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(name), Input: aws.String(`{}`)})
		require.NoError(t, err)
		clk.Advance(time.Minute) // each waits 10 minutes in its Wait state
	}

	var names []string
	pages := 0
	p := sfn.NewListExecutionsPaginator(client, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusRunning, MaxResults: 2})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages++
		for _, e := range page.Executions {
			names = append(names, aws.ToString(e.Name))
			desc, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			require.NoError(t, err)
			assert.Equal(t, desc.StartDate, e.StartDate)
			assert.Equal(t, desc.Status, e.Status)
			assert.Nil(t, e.StopDate, "running")
		}
	}
	assert.Equal(t, []string{"R5", "R4", "R3", "R2", "R1"}, names, "newest first")
	assert.Equal(t, 3, pages)

	list, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusSucceeded})
	require.NoError(t, err)
	assert.NotNil(t, list.Executions)
	assert.Empty(t, list.Executions, "none has succeeded yet")

	_, err = client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, NextToken: aws.String("not-a-token")})
	var invalid *types.InvalidToken
	assert.True(t, errors.As(err, &invalid), "an unknown token: %v", err)
}

func TestStepFunctionsRejectsBadDefinitionsAndStops(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	client := sfn.NewFromConfig(testConfig(s))
	_, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), Definition: aws.String(`{"StartAt":"X","States":{}}`), RoleArn: aws.String("r")})
	var invalid *types.InvalidDefinition
	require.True(t, errors.As(err, &invalid), "got %v", err)

	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("waiter"), RoleArn: aws.String("r"),
		Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)})
	require.NoError(t, err)
	x, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("one")})
	require.NoError(t, err)
	clk.Advance(time.Minute)
	_, err = client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: x.ExecutionArn, Error: aws.String("Operator"), Cause: aws.String("testing")})
	require.NoError(t, err)
	clk.Advance(2 * time.Hour)
	desc, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusAborted, desc.Status)
	_, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(aws.ToString(x.ExecutionArn) + "x")})
	var missing *types.ExecutionDoesNotExist
	assert.True(t, errors.As(err, &missing), "got %v", err)
}

func contains(s, sub string) bool { return len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0) }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
