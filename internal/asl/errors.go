package asl

import (
	"errors"
	"fmt"
)

// Error names the engine raises or treats specially, as Step Functions names them.
const (
	ErrorAll               = "States.ALL"
	ErrorTaskFailed        = "States.TaskFailed"
	ErrorRuntime           = "States.Runtime"
	ErrorTimeout           = "States.Timeout"
	ErrorHeartbeatTimeout  = "States.HeartbeatTimeout"
	ErrorDataLimitExceeded = "States.DataLimitExceeded"
	ErrorNoChoiceMatched   = "States.NoChoiceMatched"
)

// ErrNotRedrivable is returned by Engine.Redrive for an execution that is
// RUNNING or SUCCEEDED (the ExecutionNotRedrivable API error).
var ErrNotRedrivable = errors.New("execution is not redrivable")

// The errors of SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, one
// per error the Step Functions API answers (named after it). The engine's
// methods wrap them: test with errors.Is.
var (
	// ErrInvalidToken: the token is not one the engine could have made (InvalidToken).
	ErrInvalidToken = errors.New("the task token is not valid")
	// ErrTaskDoesNotExist: a well-formed token of no task this engine runs (TaskDoesNotExist).
	ErrTaskDoesNotExist = errors.New("the task does not exist")
	// ErrTaskTimedOut: the task has closed: it succeeded, failed or timed out,
	// or its execution stopped or timed out (TaskTimedOut).
	ErrTaskTimedOut = errors.New("the task has timed out or is already closed")
	// ErrInvalidOutput: SendTaskSuccess's output is not JSON or larger than 256 KiB (InvalidOutput).
	ErrInvalidOutput = errors.New("the task output is not valid")
)

// TaskError is how an Invoker fails a Task with a named error, as a Lambda
// function does with its errorType and the error payload as cause. Retry and
// Catch match Name. (The field is Name, not Error, because a Go type cannot have
// both a field and a method called Error.)
type TaskError struct {
	Name  string
	Cause string
}

// Error implements error.
func (e *TaskError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// failure is an ASL error travelling through the state machine: it can be
// retried and caught by name.
type failure struct {
	name  string
	cause string
	// located is set once the cause names the state it happened in.
	located bool
}

func (f *failure) Error() string { return f.name + ": " + f.cause }

func runtimeErr(format string, args ...any) *failure {
	return &failure{name: ErrorRuntime, cause: fmt.Sprintf(format, args...)}
}

// errStopped tells the runner that its execution run ended from outside (Stop,
// timeout, redrive of an older run): it must return without recording more.
var errStopped = errors.New("asl: the execution run has ended")

// taskFailure turns what an Invoker returned into an ASL error.
func taskFailure(err error) *failure {
	var te *TaskError
	if errors.As(err, &te) && te.Name != "" {
		return &failure{name: te.Name, cause: te.Cause}
	}
	return &failure{name: ErrorTaskFailed, cause: err.Error()}
}

// terminal errors fail the execution whatever the Retry and Catch fields say.
func terminal(name string) bool {
	return name == ErrorRuntime || name == ErrorDataLimitExceeded
}

// errorMatches reports whether an ErrorEquals list covers the error name.
// States.ALL matches everything but the terminal errors; States.TaskFailed
// matches everything but those and States.Timeout.
func errorMatches(list []string, name string) bool {
	if terminal(name) {
		return false
	}
	for _, e := range list {
		switch {
		case e == name, e == ErrorAll:
			return true
		case e == ErrorTaskFailed && name != ErrorTimeout:
			return true
		}
	}
	return false
}

// errorOutput is what a Catch hands to its ResultPath. A SendTaskFailure
// without an error name is caught as {"Error": null, "Cause": null}, as AWS
// records it.
func errorOutput(f *failure) map[string]any {
	if f.name == "" {
		out := map[string]any{"Error": nil, "Cause": nil}
		if f.cause != "" {
			out["Cause"] = f.cause
		}
		return out
	}
	out := map[string]any{"Error": f.name}
	if f.cause != "" {
		out["Cause"] = f.cause
	}
	return out
}
