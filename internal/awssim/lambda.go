package awssim

import (
	"github.com/towervend/towervend/internal/awssim/lambda"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Function is a Go handler standing in for a Lambda function: EventBridge
// targets and Step Functions tasks that name its ARN invoke it in process.
type Function = protocol.Function

// AsyncConfig is a function's asynchronous invocation configuration: retries
// and the on-failure destination (an SQS queue ARN).
type AsyncConfig = lambda.AsyncConfig

// DroppedEvent is an asynchronous event a function failed on every attempt
// with no destination to take it: AWS loses it; the simulator shows it.
type DroppedEvent = lambda.Dropped

// FunctionConfig is what Lambda's read calls (GetFunction, ListFunctions, …)
// tell of a function: runtime, role, timeout, memory, reserved concurrency
// and the rest a deployment sets. Zero members take Lambda's defaults.
type FunctionConfig = lambda.Config

// RegisterFunction makes arn invokable by EventBridge targets and Step
// Functions tasks. Registering an ARN again replaces its handler; a function
// registered only this way answers the read calls with Lambda's defaults.
func (s *Sim) RegisterFunction(arn string, fn Function) {
	s.env.Lock()
	defer s.env.Unlock()
	s.functions.Register(arn, fn)
}

// DeployFunction is RegisterFunction for a deployed function: GetFunction
// and the other read calls describe it by c, and its LastModified is now.
func (s *Sim) DeployFunction(arn string, fn Function, c FunctionConfig) {
	s.env.Lock()
	defer s.env.Unlock()
	s.functions.Deploy(arn, fn, c)
}

// ConfigureFunction sets a registered function's asynchronous invocation
// configuration (PutFunctionEventInvokeConfig).
func (s *Sim) ConfigureFunction(arn string, c AsyncConfig) error {
	s.env.Lock()
	defer s.env.Unlock()
	return s.functions.Configure(arn, c)
}

// DroppedEvents are the asynchronous events functions failed on and that no
// destination took.
func (s *Sim) DroppedEvents() []DroppedEvent {
	s.env.Lock()
	defer s.env.Unlock()
	return s.functions.DroppedEvents()
}

// FunctionARNs lists the registered function ARNs.
func (s *Sim) FunctionARNs() []string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.functions.ARNs()
}
