package protocol

import (
	"fmt"
	"net/http"
)

// APIError is an AWS error as the simulator returns it. The SDK turns Code into
// the service's typed error (e.g. types.ResourceNotFoundException), so Code must
// be the exact shape name from the service model.
type APIError struct {
	Code    string
	Message string
	Status  int
	// QueryCode is sent in the x-amzn-query-error header by services that kept
	// their Query-protocol error codes when moving to JSON (SQS), e.g.
	// "AWS.SimpleQueueService.NonExistentQueue".
	QueryCode string
	// Fields are extra members of the error shape (e.g. "Reason" on
	// Organizations' ConstraintViolationException).
	Fields map[string]any
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Err builds an APIError with a 400 status.
func Err(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// InternalFailure is the 500 every service answers when it fails itself.
func InternalFailure() *APIError {
	return &APIError{Code: "InternalFailure", Message: "We encountered an internal error. Please try again.", Status: http.StatusInternalServerError}
}
