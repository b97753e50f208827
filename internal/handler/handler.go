// Package handler adapts towervend's typed steps to the two ways they are
// invoked: by AWS Lambda (aws-lambda-go) and in process by the local runtime,
// with the same JSON in and out and the same error names, so the state
// machine's Retry and Catch see exactly what they would see on AWS.
//
// It may import internal/vend (for Start) and aws-lambda-go; steps never import
// it.
package handler

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Named is an error that names itself for Step Functions (vend.StepError).
type Named interface {
	error
	ErrorName() string
}

// Error is a failed invocation as Lambda reports it to Step Functions: the
// errorType becomes the state's error name, the message its cause.
type Error struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *Error) Error() string { return e.Message }

// ErrorType is the error name Step Functions matches in Retry and Catch.
func (e *Error) ErrorType() string { return e.Type }

// Cause is the JSON Step Functions stores as the error's cause for a Lambda task.
func (e *Error) Cause() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// Func is a step invoked with JSON, as the local runtime invokes Lambda functions.
type Func func(ctx context.Context, payload []byte) ([]byte, error)

// JSON adapts a typed step to a Func. A failure comes back as *Error named the
// way aws-lambda-go names it: the step error's own name, or the Go type name.
func JSON[In, Out any](f func(context.Context, In) (Out, error)) Func {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var in In
		if err := json.Unmarshal(payload, &in); err != nil {
			return nil, &Error{Type: "Runtime.UnmarshalError", Message: "cannot decode the input: " + err.Error()}
		}
		out, err := f(ctx, in)
		if err != nil {
			return nil, asError(err)
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, &Error{Type: "Runtime.MarshalError", Message: "cannot encode the output: " + err.Error()}
		}
		return b, nil
	}
}

// Lambda wraps a step for lambda.Start so a named error reaches Step Functions
// under its name rather than its Go type's.
func Lambda[In, Out any](f func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		out, err := f(ctx, in)
		if err != nil {
			e := asError(err)
			return out, messages.InvokeResponse_Error{Type: e.Type, Message: e.Message}
		}
		return out, nil
	}
}

func asError(err error) *Error {
	var named Named
	if errors.As(err, &named) {
		return &Error{Type: named.ErrorName(), Message: named.Error()}
	}
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return &Error{Type: t.Name(), Message: err.Error()}
}
