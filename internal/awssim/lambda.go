package awssim

import (
	"context"
	"sort"
)

// Function is a Go handler standing in for a Lambda function: EventBridge
// targets and Step Functions tasks that name its ARN invoke it in process.
type Function func(ctx context.Context, payload []byte) ([]byte, error)

// RegisterFunction makes arn invokable by EventBridge targets and Step
// Functions tasks. Registering an ARN again replaces its handler.
func (s *Sim) RegisterFunction(arn string, fn Function) {
	s.env.Lock()
	defer s.env.Unlock()
	if s.functions == nil {
		s.functions = map[string]Function{}
	}
	s.functions[arn] = fn
}

// function returns the handler registered for arn. s.mu is held.
func (s *Sim) function(arn string) Function { return s.functions[arn] }

// FunctionARNs lists the registered function ARNs.
func (s *Sim) FunctionARNs() []string {
	s.env.Lock()
	defer s.env.Unlock()
	out := make([]string, 0, len(s.functions))
	for arn := range s.functions {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}
