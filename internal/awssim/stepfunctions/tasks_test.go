package stepfunctions_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/clock"
)

const askARN = "arn:aws:lambda:eu-west-1:111122223333:function:ask"

// approvalDefinition asks the ask function for an approval and waits for it.
const approvalDefinition = `{
  "StartAt": "Approve",
  "States": {
    "Approve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {"FunctionName": "` + askARN + `", "Payload": {"taskToken.$": "$$.Task.Token", "request.$": "$.request"}},
      "HeartbeatSeconds": 600, "ResultPath": "$.approval", "Next": "Done",
      "Catch": [{"ErrorEquals": ["Approval.Denied"], "ResultPath": "$.denied", "Next": "Denied"}]},
    "Denied": {"Type": "Pass", "End": true},
    "Done": {"Type": "Pass", "End": true}
  }
}`

// approvals is a simulator with the approval machine and the ask function,
// which keeps the tokens it is given (and may answer from inside its
// invocation, through the API).
type approvals struct {
	s       *awssim.Sim
	clk     *clock.Virtual
	client  *sfn.Client
	machine *string

	mu     sync.Mutex
	tokens []string
	during func(token string)
}

func newApprovals(t *testing.T, seed uint64) *approvals {
	t.Helper()
	s, clk := newTestSim(t, func(w *awssim.World) {
		if seed != 0 {
			w.Seed = seed
		}
	})
	a := &approvals{s: s, clk: clk, client: sfn.NewFromConfig(testConfig(s))}
	s.RegisterFunction(askARN, func(_ context.Context, p []byte) ([]byte, error) {
		var in struct{ TaskToken string }
		if err := json.Unmarshal(p, &in); err != nil {
			return nil, err
		}
		a.mu.Lock()
		a.tokens = append(a.tokens, in.TaskToken)
		during := a.during
		a.mu.Unlock()
		if during != nil {
			during(in.TaskToken)
		}
		return []byte(`{"asked":true}`), nil
	})
	sm, err := a.client.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{Name: aws.String("approvals"),
		Definition: aws.String(approvalDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn")})
	require.NoError(t, err)
	a.machine = sm.StateMachineArn
	return a
}

// start starts an execution and lets it reach its wait.
func (a *approvals) start(t *testing.T, name string) (executionArn *string, token string) {
	t.Helper()
	out, err := a.client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: a.machine,
		Name: aws.String(name), Input: aws.String(`{"request":"` + name + `"}`)})
	require.NoError(t, err)
	a.clk.Advance(time.Minute)
	a.mu.Lock()
	defer a.mu.Unlock()
	require.NotEmpty(t, a.tokens, "the ask function was not invoked")
	return out.ExecutionArn, a.tokens[len(a.tokens)-1]
}

func TestSendTaskSuccessRoundTrip(t *testing.T) {
	ctx := context.Background()
	a := newApprovals(t, 0)
	arn, token := a.start(t, "CHG2001")
	assert.LessOrEqual(t, len(token), 2048)

	desc, err := a.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusRunning, desc.Status, "waiting on its token")
	assert.Nil(t, desc.StopDate)
	list, err := a.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: a.machine, StatusFilter: types.ExecutionStatusRunning})
	require.NoError(t, err)
	require.Len(t, list.Executions, 1)
	assert.Equal(t, aws.ToString(arn), aws.ToString(list.Executions[0].ExecutionArn))

	hist, err := a.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: arn})
	require.NoError(t, err)
	var typesSeen []types.HistoryEventType
	for _, ev := range hist.Events {
		typesSeen = append(typesSeen, ev.Type)
	}
	assert.Equal(t, []types.HistoryEventType{types.HistoryEventTypeExecutionStarted, types.HistoryEventTypeTaskStateEntered,
		types.HistoryEventTypeTaskScheduled, types.HistoryEventTypeTaskStarted, types.HistoryEventTypeTaskSubmitted}, typesSeen)
	scheduled := hist.Events[2].TaskScheduledEventDetails
	require.NotNil(t, scheduled)
	assert.Equal(t, "invoke.waitForTaskToken", aws.ToString(scheduled.Resource))
	assert.Equal(t, "lambda", aws.ToString(scheduled.ResourceType))
	assert.Equal(t, int64(600), aws.ToInt64(scheduled.HeartbeatInSeconds))
	assert.Contains(t, aws.ToString(scheduled.Parameters), token, "the parameters carry the token")
	submitted := hist.Events[4].TaskSubmittedEventDetails
	require.NotNil(t, submitted, "the SDK reads taskSubmittedEventDetails")
	assert.Contains(t, aws.ToString(submitted.Output), `"Payload":{"asked":true}`)

	_, err = a.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	require.NoError(t, err)
	_, err = a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved":true}`)})
	require.NoError(t, err)
	a.clk.Advance(time.Minute)

	desc, err = a.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusSucceeded, desc.Status)
	assert.JSONEq(t, `{"request":"CHG2001","approval":{"approved":true}}`, aws.ToString(desc.Output))
	hist, err = a.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: arn})
	require.NoError(t, err)
	succeeded := hist.Events[5]
	require.Equal(t, types.HistoryEventTypeTaskSucceeded, succeeded.Type)
	assert.JSONEq(t, `{"approved":true}`, aws.ToString(succeeded.TaskSucceededEventDetails.Output))

	_, err = a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	var timedOut *types.TaskTimedOut
	assert.ErrorAs(t, err, &timedOut, "the task is closed")
	_, err = a.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	assert.ErrorAs(t, err, &timedOut)
}

func TestSendTaskFailureRoundTrip(t *testing.T) {
	ctx := context.Background()
	a := newApprovals(t, 0)
	arn, token := a.start(t, "CHG2002")
	_, err := a.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token),
		Error: aws.String("Approval.Denied"), Cause: aws.String("over budget")})
	require.NoError(t, err)
	a.clk.Advance(time.Minute)
	desc, err := a.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusSucceeded, desc.Status, "the Catch took it")
	assert.JSONEq(t, `{"request":"CHG2002","denied":{"Error":"Approval.Denied","Cause":"over budget"}}`, aws.ToString(desc.Output))
	hist, err := a.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: arn})
	require.NoError(t, err)
	failed := hist.Events[5]
	require.Equal(t, types.HistoryEventTypeTaskFailed, failed.Type)
	assert.Equal(t, "Approval.Denied", aws.ToString(failed.TaskFailedEventDetails.Error))
	assert.Equal(t, "over budget", aws.ToString(failed.TaskFailedEventDetails.Cause))

	_, err = a.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token)})
	var timedOut *types.TaskTimedOut
	assert.ErrorAs(t, err, &timedOut)
}

// A function that answers for its own task, through the API, before it
// returns: the task completes once the invocation is over.
func TestSendTaskSuccessFromInsideTheFunction(t *testing.T) {
	ctx := context.Background()
	a := newApprovals(t, 0)
	a.during = func(token string) {
		_, err := a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`"self-approved"`)})
		assert.NoError(t, err)
	}
	arn, _ := a.start(t, "CHG2003")
	desc, err := a.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusSucceeded, desc.Status)
	assert.JSONEq(t, `{"request":"CHG2003","approval":"self-approved"}`, aws.ToString(desc.Output))
}

func TestSendTaskErrors(t *testing.T) {
	ctx := context.Background()
	a := newApprovals(t, 0)
	_, token := a.start(t, "CHG2004")
	other := newApprovals(t, 99)
	_, unknown := other.start(t, "CHG2004")
	require.NotEqual(t, token, unknown, "another seed, another token")

	_, err := a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("garbage"), Output: aws.String(`{}`)})
	var invalid *types.InvalidToken
	assert.ErrorAs(t, err, &invalid, "a token the engine could not have made")
	_, err = a.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token[:len(token)-8])})
	assert.ErrorAs(t, err, &invalid)

	_, err = a.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(unknown), Error: aws.String("E")})
	var missing *types.TaskDoesNotExist
	assert.ErrorAs(t, err, &missing, "a well-formed token of another simulator")
	_, err = a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(unknown), Output: aws.String(`{}`)})
	assert.ErrorAs(t, err, &missing)

	_, err = a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved":`)})
	var badOutput *types.InvalidOutput
	assert.ErrorAs(t, err, &badOutput)

	for name, call := range map[string]func() error{
		"empty token": func() error {
			_, err := a.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("")})
			return err
		},
		"token too long": func() error {
			_, err := a.client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(strings.Repeat("A", 2049))})
			return err
		},
		"error too long": func() error {
			_, err := a.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String(strings.Repeat("E", 257))})
			return err
		},
		"cause too long": func() error {
			_, err := a.client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Cause: aws.String(strings.Repeat("c", 32769))})
			return err
		},
		"output too long": func() error {
			_, err := a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`"` + strings.Repeat("x", 262143) + `"`)})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			var api smithy.APIError
			require.ErrorAs(t, call(), &api)
			assert.Equal(t, "ValidationException", api.ErrorCode())
			assert.Contains(t, api.ErrorMessage(), "1 validation error detected")
		})
	}
	_, err = a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`"ok"`)})
	require.NoError(t, err, "the refused calls left the task waiting")
}

func TestStoppedExecutionClosesItsToken(t *testing.T) {
	ctx := context.Background()
	a := newApprovals(t, 0)
	arn, token := a.start(t, "CHG2005")
	_, err := a.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: arn, Error: aws.String("Operator")})
	require.NoError(t, err)
	_, err = a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	var timedOut *types.TaskTimedOut
	assert.ErrorAs(t, err, &timedOut)
	a.clk.Advance(time.Minute)
	desc, err := a.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusAborted, desc.Status)
}

// A heartbeat missed fails the task; the redrive asks again with a new token.
func TestRedriveAfterAHeartbeatTimeout(t *testing.T) {
	ctx := context.Background()
	a := newApprovals(t, 0)
	arn, first := a.start(t, "CHG2006")
	a.clk.Advance(time.Hour)
	desc, err := a.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusFailed, desc.Status)
	assert.Equal(t, "States.HeartbeatTimeout", aws.ToString(desc.Error))

	_, err = a.client.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	a.clk.Advance(time.Minute)
	a.mu.Lock()
	second := a.tokens[len(a.tokens)-1]
	calls := len(a.tokens)
	a.mu.Unlock()
	assert.Equal(t, 2, calls)
	assert.NotEqual(t, first, second)
	_, err = a.client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(second), Output: aws.String(`true`)})
	require.NoError(t, err)
	a.clk.Advance(time.Minute)
	desc, err = a.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
	require.NoError(t, err)
	assert.Equal(t, types.ExecutionStatusSucceeded, desc.Status)
}

// The three calls are authorized on the token's state machine, as CDK's
// grantTaskResponse grants them.
func TestSendTaskIsAuthorizedOnTheStateMachine(t *testing.T) {
	ctx := context.Background()
	a := newApprovals(t, 0)
	_, token := a.start(t, "CHG2007")
	grant := func(name, resource string) *sfn.Client {
		key, err := a.s.AddRole(name, iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{Effect: iam.EffectAllow,
			Action: []string{"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}, Resource: []string{resource}}}})
		require.NoError(t, err)
		return sfn.NewFromConfig(withRetries(a.s.ConfigAs(key), 1))
	}
	elsewhere := grant("Elsewhere", "arn:aws:states:eu-west-1:111122223333:stateMachine:other")
	_, err := elsewhere.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "AccessDeniedException", api.ErrorCode())
	assert.Contains(t, api.ErrorMessage(), "states:SendTaskHeartbeat on resource: "+aws.ToString(a.machine))

	approver := grant("Approver", aws.ToString(a.machine))
	_, err = approver.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	require.NoError(t, err)
	_, err = approver.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("garbage")})
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "AccessDeniedException", api.ErrorCode(), "a malformed token names no state machine: it is authorized on *")
	_, err = approver.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
	require.NoError(t, err)
}
