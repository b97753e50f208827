package awssim

import (
	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim/stepfunctions"
)

// Step Functions lives in package stepfunctions; these are the root's views of it.

// The Step Functions state under the names it had in this package.
type (
	// StepFunctionsState holds the state machines.
	StepFunctionsState = stepfunctions.State
	// StateMachine is a state machine as the API describes it.
	StateMachine = stepfunctions.StateMachine
)

// SetExecutionObserver is called with every history event of every execution
// (the local runtime prints progress from it). It runs in the execution's
// clock-scheduled work.
func (s *Sim) SetExecutionObserver(f func(*asl.Execution, asl.HistoryEvent)) {
	s.sfn.SetExecutionObserver(f)
}

// RunningExecutions counts executions still running.
func (s *Sim) RunningExecutions() int { return s.sfn.RunningExecutions() }

// Executions returns every execution, in start order.
func (s *Sim) Executions() []*asl.Execution { return s.sfn.Executions() }
