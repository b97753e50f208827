package asl

import (
	"encoding/json"
	"strings"
	"time"
)

// EventType is a Step Functions HistoryEventType name.
type EventType string

// The history event types the engine records, named as in the Step Functions API.
const (
	ExecutionStarted   EventType = "ExecutionStarted"
	ExecutionSucceeded EventType = "ExecutionSucceeded"
	ExecutionFailed    EventType = "ExecutionFailed"
	ExecutionAborted   EventType = "ExecutionAborted"
	ExecutionTimedOut  EventType = "ExecutionTimedOut"
	ExecutionRedriven  EventType = "ExecutionRedriven"

	TaskStateEntered       EventType = "TaskStateEntered"
	TaskStateExited        EventType = "TaskStateExited"
	TaskStateAborted       EventType = "TaskStateAborted"
	PassStateEntered       EventType = "PassStateEntered"
	PassStateExited        EventType = "PassStateExited"
	ChoiceStateEntered     EventType = "ChoiceStateEntered"
	ChoiceStateExited      EventType = "ChoiceStateExited"
	WaitStateEntered       EventType = "WaitStateEntered"
	WaitStateExited        EventType = "WaitStateExited"
	WaitStateAborted       EventType = "WaitStateAborted"
	SucceedStateEntered    EventType = "SucceedStateEntered"
	SucceedStateExited     EventType = "SucceedStateExited"
	FailStateEntered       EventType = "FailStateEntered"
	MapStateEntered        EventType = "MapStateEntered"
	MapStateExited         EventType = "MapStateExited"
	MapStateStarted        EventType = "MapStateStarted"
	MapStateSucceeded      EventType = "MapStateSucceeded"
	MapStateFailed         EventType = "MapStateFailed"
	MapStateAborted        EventType = "MapStateAborted"
	MapIterationStarted    EventType = "MapIterationStarted"
	MapIterationSucceeded  EventType = "MapIterationSucceeded"
	MapIterationFailed     EventType = "MapIterationFailed"
	MapIterationAborted    EventType = "MapIterationAborted"
	ParallelStateEntered   EventType = "ParallelStateEntered"
	ParallelStateExited    EventType = "ParallelStateExited"
	ParallelStateStarted   EventType = "ParallelStateStarted"
	ParallelStateSucceeded EventType = "ParallelStateSucceeded"
	ParallelStateFailed    EventType = "ParallelStateFailed"
	ParallelStateAborted   EventType = "ParallelStateAborted"

	// A Task whose Resource is a Lambda function ARN records LambdaFunction* events.
	LambdaFunctionScheduled EventType = "LambdaFunctionScheduled"
	LambdaFunctionStarted   EventType = "LambdaFunctionStarted"
	LambdaFunctionSucceeded EventType = "LambdaFunctionSucceeded"
	LambdaFunctionFailed    EventType = "LambdaFunctionFailed"
	LambdaFunctionTimedOut  EventType = "LambdaFunctionTimedOut"

	// A Task using the arn:aws:states:::lambda:invoke integration records Task* events.
	TaskScheduled EventType = "TaskScheduled"
	TaskStarted   EventType = "TaskStarted"
	TaskSucceeded EventType = "TaskSucceeded"
	TaskFailed    EventType = "TaskFailed"
	TaskTimedOut  EventType = "TaskTimedOut"
	// TaskSubmitted: a callback task's function was invoked; the task now
	// waits for its token (lambda:invoke.waitForTaskToken).
	TaskSubmitted EventType = "TaskSubmitted"
)

// HistoryEvent is one entry of an execution's history, flattened: the fields a
// type does not use are zero. MarshalJSON renders it in the Step Functions
// GetExecutionHistory wire shape (type-specific "...EventDetails" objects,
// input and output as JSON strings, timestamp in epoch seconds).
//
// PreviousEventID is the id of the event recorded just before; AWS sometimes
// points at an earlier causal event instead.
type HistoryEvent struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            EventType

	// StateName is the state for *StateEntered/*StateExited, and the Map state
	// for MapIteration* events.
	StateName string
	// Input is the execution input, a state's input, or a Lambda function's payload.
	Input json.RawMessage
	// Output is the execution output, a state's output, a task's result, or
	// (TaskSubmitted) the lambda:invoke response of a callback task's function.
	Output json.RawMessage
	// Resource is the function ARN (LambdaFunction*), or "invoke" or
	// "invoke.waitForTaskToken" (Task*).
	Resource string
	// ResourceType is "lambda" for Task* events.
	ResourceType string
	// Parameters is what TaskScheduled sent to the integration.
	Parameters json.RawMessage
	// Region is the region of a TaskScheduled call.
	Region             string
	TimeoutInSeconds   int64
	HeartbeatInSeconds int64

	Error string
	Cause string

	// RoleARN is the execution role (ExecutionStarted).
	RoleARN string
	// RedriveCount is the execution's redrive count (ExecutionRedriven).
	RedriveCount int
	// Index is the item index of a MapIteration* event.
	Index int
	// Length is the number of items of a MapStateStarted event.
	Length int
}

// detailsKey names the event's details object in the Step Functions API.
func (e HistoryEvent) detailsKey() string {
	t := string(e.Type)
	switch {
	case strings.HasSuffix(t, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(t, "StateExited"):
		return "stateExitedEventDetails"
	case e.Type == LambdaFunctionStarted, strings.HasSuffix(t, "StateAborted"),
		e.Type == ParallelStateStarted, strings.HasSuffix(t, "StateSucceeded"), strings.HasSuffix(t, "StateFailed"):
		return ""
	}
	return strings.ToLower(t[:1]) + t[1:] + "EventDetails"
}

type payloadDetails struct {
	Truncated bool `json:"truncated"`
}

// MarshalJSON implements json.Marshaler with the Step Functions wire shape.
func (e HistoryEvent) MarshalJSON() ([]byte, error) {
	d := map[string]any{}
	str := func(key, v string) {
		if v != "" {
			d[key] = v
		}
	}
	switch e.Type {
	case ExecutionStarted:
		d["input"] = string(e.Input)
		d["inputDetails"] = payloadDetails{}
		str("roleArn", e.RoleARN)
	case ExecutionSucceeded, LambdaFunctionSucceeded:
		d["output"] = string(e.Output)
		d["outputDetails"] = payloadDetails{}
	case ExecutionRedriven:
		d["redriveCount"] = e.RedriveCount
	case LambdaFunctionScheduled:
		d["resource"] = e.Resource
		d["input"] = string(e.Input)
		d["inputDetails"] = payloadDetails{}
		if e.TimeoutInSeconds > 0 {
			d["timeoutInSeconds"] = e.TimeoutInSeconds
		}
	case TaskScheduled:
		d["resourceType"] = e.ResourceType
		d["resource"] = e.Resource
		d["region"] = e.Region
		d["parameters"] = string(e.Parameters)
		if e.TimeoutInSeconds > 0 {
			d["timeoutInSeconds"] = e.TimeoutInSeconds
		}
		if e.HeartbeatInSeconds > 0 {
			d["heartbeatInSeconds"] = e.HeartbeatInSeconds
		}
	case TaskStarted:
		d["resourceType"] = e.ResourceType
		d["resource"] = e.Resource
	case TaskSucceeded, TaskSubmitted:
		d["resourceType"] = e.ResourceType
		d["resource"] = e.Resource
		d["output"] = string(e.Output)
		d["outputDetails"] = payloadDetails{}
	case TaskFailed, TaskTimedOut:
		d["resourceType"] = e.ResourceType
		d["resource"] = e.Resource
		str("error", e.Error)
		str("cause", e.Cause)
	case ExecutionFailed, ExecutionAborted, ExecutionTimedOut, LambdaFunctionFailed, LambdaFunctionTimedOut:
		str("error", e.Error)
		str("cause", e.Cause)
	case MapStateStarted:
		d["length"] = e.Length
	case MapIterationStarted, MapIterationSucceeded, MapIterationFailed, MapIterationAborted:
		d["name"] = e.StateName
		d["index"] = e.Index
	default:
		t := string(e.Type)
		switch {
		case strings.HasSuffix(t, "StateEntered"):
			d["name"] = e.StateName
			d["input"] = string(e.Input)
			d["inputDetails"] = payloadDetails{}
		case strings.HasSuffix(t, "StateExited"):
			d["name"] = e.StateName
			d["output"] = string(e.Output)
			d["outputDetails"] = payloadDetails{}
		}
	}
	out := map[string]any{
		"id":        e.ID,
		"timestamp": float64(e.Timestamp.UnixMilli()) / 1000,
		"type":      string(e.Type),
	}
	if e.PreviousEventID > 0 {
		out["previousEventId"] = e.PreviousEventID
	}
	if key := e.detailsKey(); key != "" {
		out[key] = d
	}
	return json.Marshal(out)
}
