package statemachine_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/statemachine"
)

func definitionStates(t *testing.T) map[string]map[string]any {
	t.Helper()
	var def struct {
		States map[string]map[string]any `json:"States"`
	}
	require.NoError(t, json.Unmarshal(statemachine.Definition(), &def))
	return def.States
}

func TestStateNamesAreInTheDefinition(t *testing.T) {
	states := definitionStates(t)
	for _, name := range []string{
		statemachine.StateValidate, statemachine.StateCheckRole, statemachine.StateProvision, statemachine.StateIsQueued,
		statemachine.StateWaitForSlot, statemachine.StateWaitForControlTower, statemachine.StatePollControlTower, statemachine.StateProvisionStatus,
		statemachine.StateAfterOperation, statemachine.StateAssignSSO, statemachine.StateMoveOU, statemachine.StateTag,
		statemachine.StateClose, statemachine.StateReportFailure, statemachine.StateWaitForAccountFactory, statemachine.StateSkipped,
	} {
		assert.Contains(t, states, name, "statemachine.State* names a state the ASL file does not have")
	}
	for name := range statemachine.QueueLoop {
		assert.Contains(t, states, name)
	}
}

// Every Task that calls a step function catches into "<State>Failed", and that
// Pass state records the Task's own name as the failure point: FailedStep reads
// the step back from the state name.
func TestEveryTaskFailsIntoItsOwnFailedState(t *testing.T) {
	states := definitionStates(t)
	for name, st := range states {
		if st["Type"] != "Task" || name == statemachine.StateReportFailure {
			continue
		}
		failed := name + "Failed"
		require.Contains(t, states, failed, "task %s", name)
		step, ok := statemachine.FailedStep(failed)
		assert.True(t, ok)
		assert.Equal(t, name, step)
	}
	_, ok := statemachine.FailedStep("Failed")
	assert.False(t, ok, "a bare suffix names no step")
	_, ok = statemachine.FailedStep(statemachine.StateProvision)
	assert.False(t, ok)
}

// An enrollment of an account that joined the organization waits for Account
// Factory in a loop back to Validate, and ends without failure when Control
// Tower turns out to manage the account.
func TestJoinDeferralLoop(t *testing.T) {
	states := definitionStates(t)
	wait := states[statemachine.StateWaitForAccountFactory]
	assert.Equal(t, "Wait", wait["Type"])
	assert.Equal(t, "$.deferral.waitSeconds", wait["SecondsPath"])
	assert.Equal(t, statemachine.StateValidate, wait["Next"])
	assert.Equal(t, "Succeed", states[statemachine.StateSkipped]["Type"])
	after := states[states[statemachine.StateValidate]["Next"].(string)]
	require.Equal(t, "Choice", after["Type"])
	var targets []string
	for _, c := range after["Choices"].([]any) {
		targets = append(targets, c.(map[string]any)["Next"].(string))
	}
	assert.ElementsMatch(t, []string{statemachine.StateWaitForAccountFactory, statemachine.StateSkipped}, targets)
}

func TestExecutionArn(t *testing.T) {
	assert.Equal(t, "arn:aws:states:us-east-1:111122223333:execution:towervend-vending:CHG1001",
		statemachine.ExecutionArn("arn:aws:states:us-east-1:111122223333:stateMachine:towervend-vending", "CHG1001"))
}

// lambdaServiceErrors are the Lambda errors Step Functions' best practices say
// to retry on every Lambda Task, and Lambda's throttling.
var lambdaServiceErrors = []string{
	"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
	"Lambda.ClientExecutionTimeoutException", "Lambda.TooManyRequestsException",
}

// Every Task that invokes a Lambda function retries Lambda's own service errors.
func TestEveryLambdaTaskRetriesLambdaServiceErrors(t *testing.T) {
	tasks := 0
	for name, st := range definitionStates(t) {
		if st["Type"] != "Task" || st["Resource"] != "arn:aws:states:::lambda:invoke" {
			continue
		}
		tasks++
		for _, e := range lambdaServiceErrors {
			assert.True(t, statemachine.Retries(name, e), "task %s does not retry %s", name, e)
		}
	}
	assert.Equal(t, 10, tasks, "every step's Task and ReportFailure")
}

func TestRetries(t *testing.T) {
	tests := []struct {
		state, err string
		want       bool
	}{
		{statemachine.StateValidate, "TowerVend.Transient", true},
		{statemachine.StateValidate, "TowerVend.RoleMissing", false},
		{statemachine.StateProvision, "TowerVend.ControlTowerBusy", true},
		{statemachine.StateCheckRole, "TowerVend.ControlTowerBusy", false},
		{statemachine.StateClose, "TowerVend.CloseLimited", true},
		{statemachine.StateTag, "TowerVend.CloseLimited", false},
		{statemachine.StateTag, "States.Timeout", false},
		{statemachine.StateIsQueued, "TowerVend.Transient", false},
		{"NoSuchState", "TowerVend.Transient", false},
		// ReportFailure fails the execution with its own error once it has
		// announced the failure; retrying it would announce it again.
		{statemachine.StateReportFailure, "TowerVend.RequestFailed", false},
		{statemachine.StateReportFailure, "TowerVend.Transient", true},
	}
	for _, tt := range tests {
		t.Run(tt.state+"/"+tt.err, func(t *testing.T) {
			assert.Equal(t, tt.want, statemachine.Retries(tt.state, tt.err))
		})
	}
}
