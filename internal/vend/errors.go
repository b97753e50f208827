package vend

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Error names the state machine matches in Retry and Catch. A step returns a
// *StepError; the Lambda adapter reports its Name as the Lambda errorType, which
// Step Functions uses as the error name.
const (
	// ErrControlTowerBusy: Control Tower refused because another operation is in progress; retried.
	ErrControlTowerBusy = "TowerVend.ControlTowerBusy"
	// ErrTransient: throttling or a service fault that outlasted the SDK's retries; retried.
	ErrTransient = "TowerVend.Transient"
	// ErrRoleMissing: the account's AWSControlTowerExecution role is missing or does not trust the management account.
	ErrRoleMissing = "TowerVend.RoleMissing"
	// ErrProvisioningFailed: Control Tower finished the operation as FAILED.
	ErrProvisioningFailed = "TowerVend.ProvisioningFailed"
	// ErrTimeout: Control Tower did not finish within the wait budget.
	ErrTimeout = "TowerVend.Timeout"
	// ErrAccessFailed: some Identity Center assignments failed.
	ErrAccessFailed = "TowerVend.AccessFailed"
	// ErrFailed: any other permanent failure.
	ErrFailed = "TowerVend.Failed"
	// ErrCloseLimited: Organizations' close quota is reached for now; retried.
	ErrCloseLimited = "TowerVend.CloseLimited"
	// ErrRequestFailed: the request failed and its requester was told; ReportFailure
	// fails the execution with it, the original error's name and the reason in the
	// message ("<original>: <reason>", see failedWith). It is never retried: a
	// retry would announce the failure again.
	ErrRequestFailed = "TowerVend.RequestFailed"
)

// StepError is a step's failure with the name the workflow branches on and a
// reason written for the requester.
type StepError struct {
	Name   string
	Reason string
	Err    error // the underlying error, if any
}

func (e *StepError) Error() string { return e.Reason }

// Unwrap returns the underlying error.
func (e *StepError) Unwrap() error { return e.Err }

// Transient reports whether the workflow retries this error.
func (e *StepError) Transient() bool {
	switch e.Name {
	case ErrControlTowerBusy, ErrTransient, ErrCloseLimited:
		return true
	}
	return false
}

func stepErr(name, format string, args ...any) *StepError {
	return &StepError{Name: name, Reason: fmt.Sprintf(format, args...)}
}

// awsErr classifies an AWS SDK error from the operation op: throttling, 5xx and
// Control Tower's "operation in progress" become retryable step errors; anything
// else is permanent, with the AWS code and message kept for the requester.
func awsErr(op string, err error) *StepError {
	var se *StepError
	if errors.As(err, &se) {
		return se
	}
	if isControlTowerBusy(err) {
		return &StepError{Name: ErrControlTowerBusy, Reason: op + ": Control Tower is busy with another operation", Err: err}
	}
	if isTransient(err) {
		// No "towervend retries" here: this text is also the reason of the final
		// failure once the workflow's retries are spent (see finalReason).
		return &StepError{Name: ErrTransient, Reason: fmt.Sprintf("%s: %v", op, err), Err: err}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return &StepError{Name: ErrFailed, Reason: fmt.Sprintf("%s: %s: %s", op, api.ErrorCode(), api.ErrorMessage()), Err: err}
	}
	return &StepError{Name: ErrFailed, Reason: fmt.Sprintf("%s: %v", op, err), Err: err}
}

// controlTowerBusyText is how Account Factory says another Control Tower
// operation is running (aws-facts §2.1).
const controlTowerBusyText = "another AWS Control Tower operation is in progress"

func isControlTowerBusy(err error) bool {
	if err == nil {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "ResourceInUseException":
			return true
		}
	}
	return strings.Contains(strings.ToLower(err.Error()), strings.ToLower(controlTowerBusyText))
}

// isTransient reports throttling, service faults and exhausted SDK retries.
func isTransient(err error) bool {
	var maxAttempts *retry.MaxAttemptsError
	if errors.As(err, &maxAttempts) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		if api.ErrorFault() == smithy.FaultServer {
			return true
		}
		switch api.ErrorCode() {
		case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
			"ConcurrentModificationException", "InternalFailure", "InternalServerException", "ServiceUnavailable",
			"RequestThrottled", "ConflictException":
			return true
		}
	}
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary ||
		retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// ErrorName is the error's name for Step Functions (see internal/handler).
func (e *StepError) ErrorName() string { return e.Name }

// requestFailed is the error ReportFailure ends the execution with once it has
// announced the failure: its own name, so that no Retry announces it again,
// and a message that keeps the original error's name and the reason.
func requestFailed(original, reason string) *StepError {
	return &StepError{Name: ErrRequestFailed, Reason: original + ": " + reason}
}

// failedWith reads a failed execution's error name and cause (as
// DescribeExecution gives them) into the error the request failed with and
// the reason. For ErrRequestFailed those are the original error's name and
// the reason the requester was given; any other failure (one ReportFailure
// did not report) gives its own name and the Lambda error's message, else the
// cause, else the name.
func failedWith(name, cause string) (errorName, reason string) {
	text := CauseText(name, cause)
	if name == ErrRequestFailed {
		// Error names never hold ": " (Lambda.X, States.X, TowerVend.X).
		if original, rest, ok := strings.Cut(text, ": "); ok {
			return original, rest
		}
	}
	return name, text
}
