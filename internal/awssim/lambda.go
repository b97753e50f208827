package awssim

import "github.com/towervend/towervend/internal/awssim/protocol"

// Function is a Go handler standing in for a Lambda function: EventBridge
// targets and Step Functions tasks that name its ARN invoke it in process.
// The registry is package stepfunctions' Functions.
type Function = protocol.Function

// RegisterFunction makes arn invokable by EventBridge targets and Step
// Functions tasks. Registering an ARN again replaces its handler.
func (s *Sim) RegisterFunction(arn string, fn Function) {
	s.env.Lock()
	defer s.env.Unlock()
	s.functions.Register(arn, fn)
}

// FunctionARNs lists the registered function ARNs.
func (s *Sim) FunctionARNs() []string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.functions.ARNs()
}
