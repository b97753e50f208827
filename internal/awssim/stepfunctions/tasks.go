package stepfunctions

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat answer the callback
// tasks (lambda:invoke.waitForTaskToken) of the engine's executions, with the
// request constraints and errors of the Step Functions API reference.

// Request constraints of the API reference.
const (
	maxTaskToken = 2048   // taskToken: 1 to 2048 characters (the guide once said 1024)
	maxError     = 256    // SendTaskFailure error
	maxCause     = 32768  // SendTaskFailure cause
	maxOutput    = 262144 // SendTaskSuccess output, in bytes of UTF-8
)

type sendTaskSuccessInput struct {
	TaskToken string  `json:"taskToken"`
	Output    *string `json:"output"`
}

type sendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
}

type taskTokenRef struct {
	TaskToken string `json:"taskToken"`
}

func (s *Service) sendTaskSuccess(_ *protocol.Call, in sendTaskSuccessInput) (any, *protocol.APIError) {
	var v validation
	v.token(in.TaskToken)
	if in.Output == nil {
		v.add("Value null at 'output' failed to satisfy constraint: Member must not be null")
	} else if len(*in.Output) > maxOutput {
		v.add("Value at 'output' failed to satisfy constraint: Member must have length less than or equal to %d", maxOutput)
	}
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	if err := s.sfn().engine.SendTaskSuccess(in.TaskToken, json.RawMessage(*in.Output)); err != nil {
		return nil, taskError(err)
	}
	return struct{}{}, nil
}

func (s *Service) sendTaskFailure(_ *protocol.Call, in sendTaskFailureInput) (any, *protocol.APIError) {
	var v validation
	v.token(in.TaskToken)
	// error and cause are sensitive in the API model: AWS does not echo them.
	if utf8.RuneCountInString(in.Error) > maxError {
		v.add("Value at 'error' failed to satisfy constraint: Member must have length less than or equal to %d", maxError)
	}
	if utf8.RuneCountInString(in.Cause) > maxCause {
		v.add("Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to %d", maxCause)
	}
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	if err := s.sfn().engine.SendTaskFailure(in.TaskToken, in.Error, in.Cause); err != nil {
		return nil, taskError(err)
	}
	return struct{}{}, nil
}

func (s *Service) sendTaskHeartbeat(_ *protocol.Call, in taskTokenRef) (any, *protocol.APIError) {
	var v validation
	v.token(in.TaskToken)
	if aerr := v.err(); aerr != nil {
		return nil, aerr
	}
	if err := s.sfn().engine.SendTaskHeartbeat(in.TaskToken); err != nil {
		return nil, taskError(err)
	}
	return struct{}{}, nil
}

// taskError is the API's answer to an engine error of a SendTask* call.
func taskError(err error) *protocol.APIError {
	switch {
	case errors.Is(err, asl.ErrInvalidToken):
		return protocol.Err("InvalidToken", "Invalid Token: 'Invalid token'")
	case errors.Is(err, asl.ErrTaskDoesNotExist):
		return protocol.Err("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'")
	case errors.Is(err, asl.ErrTaskTimedOut):
		return protocol.Err("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'")
	case errors.Is(err, asl.ErrInvalidOutput):
		return protocol.Err("InvalidOutput", "Invalid Output: 'The output is not valid JSON'")
	}
	return protocol.InternalFailure()
}

// taskStateMachine is the state machine a task token belongs to, for IAM:
// the execution's if the engine knows the token, else the one the token
// names; "" when the token names none.
func (s *Service) taskStateMachine(token string) string {
	if x, err := s.sfn().engine.TaskExecution(token); err == nil {
		return x.Info().StateMachineARN
	}
	if t, err := asl.ParseTaskToken(token); err == nil {
		return t.StateMachineARN
	}
	return ""
}

// validation collects the input-validation errors of a request, which AWS
// answers all at once as a ValidationException.
type validation []string

func (v *validation) add(format string, args ...any) { *v = append(*v, fmt.Sprintf(format, args...)) }

func (v *validation) token(token string) {
	switch n := utf8.RuneCountInString(token); {
	case n < 1:
		v.add("Value '' at 'taskToken' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > maxTaskToken:
		v.add("Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to %d", maxTaskToken)
	}
}

func (v validation) err() *protocol.APIError {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return protocol.Err("ValidationException", "1 validation error detected: %s", v[0])
	}
	return protocol.Err("ValidationException", "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}
