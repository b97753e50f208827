package statemachine

import "strings"

// The workflow's state names, as vending.asl.json spells them. Code that reads
// an execution's history or a failure point names states through these
// constants (TestStateNamesAreInTheDefinition checks each against the file).
// A step's state, its function's directory (functions/<name>, lower case) and
// its vend.Deps method share one name.
const (
	StateValidate = "Validate"
	// StateWaitForAccountFactory is where Validate waits to look again: an
	// enrollment of an account that joined the organization while Account
	// Factory may be building it, or any request on an account while an
	// earlier request on that account still runs (vend/turns.go);
	// StateSkipped ends one Control Tower turned out to manage.
	StateWaitForAccountFactory = "WaitForAccountFactory"
	StateSkipped               = "Skipped"
	StateCheckRole             = "CheckRole"
	StateProvision             = "Provision"
	StateIsQueued              = "IsQueued"
	StateWaitForSlot           = "WaitForSlot"
	StateWaitForControlTower   = "WaitForControlTower"
	StatePollControlTower      = "PollControlTower"
	StateProvisionStatus       = "ProvisionStatus"
	StateAfterOperation        = "AfterOperation"
	StateAssignSSO             = "AssignSSO"
	StateMoveOU                = "MoveOU"
	StateTag                   = "Tag"
	StateClose                 = "Close"
	StateReportFailure         = "ReportFailure"
)

// QueueLoop are the states a request cycles through while it waits for a
// Control Tower slot (Provision answers "queued", IsQueued sends it to
// WaitForSlot, a callback that returns to Provision when woken or timed out).
var QueueLoop = map[string]bool{StateProvision: true, StateIsQueued: true, StateWaitForSlot: true}

// failedSuffix marks the Pass state each Task's Catch goes to: it records the
// failure point (the step's own name) before ReportFailure runs.
const failedSuffix = "Failed"

// FailedStep returns the step a "<Step>Failed" state records, or false for any
// other state.
func FailedStep(state string) (string, bool) {
	step, ok := strings.CutSuffix(state, failedSuffix)
	return step, ok && step != ""
}

// ExecutionName is the execution a request runs as: its requestId, so one
// request has one execution (Step Functions refuses a second start with the
// same name and input) and an operator finds it by the ticket's id.
func ExecutionName(requestID string) string { return requestID }

// ExecutionArn is the ARN of the execution that runs requestID on the state
// machine stateMachineArn (Step Functions' own rule: the state machine's ARN
// with "execution" for "stateMachine", then the execution's name).
func ExecutionArn(stateMachineArn, requestID string) string {
	return strings.Replace(stateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + ExecutionName(requestID)
}
