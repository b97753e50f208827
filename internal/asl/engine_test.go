package asl

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWaitStates(t *testing.T) {
	cases := []struct {
		name, wait, input string
		want              time.Duration
	}{
		{"Seconds", `"Seconds": 90`, `{}`, 90 * time.Second},
		{"Seconds 0", `"Seconds": 0`, `{}`, 0},
		{"SecondsPath", `"SecondsPath": "$.delay"`, `{"delay": 600}`, 10 * time.Minute},
		{"SecondsPath with InputPath", `"InputPath": "$.cfg", "SecondsPath": "$.delay"`, `{"cfg": {"delay": 5}}`, 5 * time.Second},
		{"Timestamp", `"Timestamp": "2026-11-24T10:30:00Z"`, `{}`, 90 * time.Minute},
		{"Timestamp with an offset", `"Timestamp": "2026-11-24T11:30:00+02:00"`, `{}`, 30 * time.Minute},
		{"Timestamp in the past", `"Timestamp": "2020-01-01T00:00:00Z"`, `{}`, 0},
		{"TimestampPath", `"TimestampPath": "$.until"`, `{"until": "2026-11-25T09:00:00Z"}`, 24 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			x := w.start(machine("W", `{"W": {"Type": "Wait", `+tc.wait+`, "End": true}}`), tc.input)
			w.clk.Advance(48 * time.Hour)
			require.Equal(t, StatusSucceeded, x.Status())
			assert.Equal(t, epoch.Add(tc.want), x.StopDate())
			exited := findEvents(x, WaitStateExited)
			require.Len(t, exited, 1)
			assert.Equal(t, epoch.Add(tc.want), exited[0].Timestamp)
		})
	}
}

func TestWaitPathErrors(t *testing.T) {
	cases := []struct{ wait, input, want string }{
		{`"SecondsPath": "$.delay"`, `{"delay": "10"}`, "SecondsPath parameter does not reference a valid non-negative integer"},
		{`"SecondsPath": "$.delay"`, `{"delay": -1}`, "non-negative integer"},
		{`"SecondsPath": "$.delay"`, `{}`, "$.delay is missing"},
		{`"TimestampPath": "$.at"`, `{"at": "tomorrow"}`, "valid ISO-8601 timestamp"},
	}
	for _, tc := range cases {
		t.Run(tc.wait+" "+tc.input, func(t *testing.T) {
			x := newWorld(t).run(machine("W", `{"W": {"Type": "Wait", `+tc.wait+`, "End": true}}`), tc.input)
			assert.Equal(t, StatusFailed, x.Status())
			name, cause := x.Error()
			assert.Equal(t, ErrorRuntime, name)
			assert.Contains(t, cause, tc.want)
		})
	}
}

func TestExecutionTimeout(t *testing.T) {
	// slow is a function that takes two simulated minutes.
	slow := func(w *world) func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			_ = w.clk.Sleep(ctx, 2*time.Minute)
			return p, nil
		}
	}
	boom := func(*world) func(context.Context, json.RawMessage) (json.RawMessage, error) { return always("Boom") }
	cases := []struct {
		name, start, states string
		handler             func(*world) func(context.Context, json.RawMessage) (json.RawMessage, error)
		wantAborted         EventType
	}{
		{"during a Wait", "W", `{"W": {"Type": "Wait", "Seconds": 3600, "End": true}}`, nil, WaitStateAborted},
		{"during a retry backoff", "T", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "End": true,
			"Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 40, "MaxAttempts": 10}]}}`, boom, TaskStateAborted},
		{"during a long Lambda invocation", "T", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "Next": "P"}, "P": {"Type": "Pass", "End": true}}`,
			slow, TaskStateAborted},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.handler != nil {
				w.lambda.handle(fnARN, tc.handler(w))
			}
			x := w.start(`{"TimeoutSeconds": 60, "StartAt": "`+tc.start+`", "States": `+tc.states+`}`, `{}`)
			w.clk.Advance(24 * time.Hour)
			assert.Equal(t, StatusTimedOut, x.Status())
			name, _ := x.Error()
			assert.Equal(t, ErrorTimeout, name)
			assert.Equal(t, epoch.Add(time.Minute), x.StopDate(), "the timeout fires on time")
			types := eventTypes(x)
			assert.Equal(t, []EventType{tc.wantAborted, ExecutionTimedOut}, types[len(types)-2:])
			assert.Empty(t, findEvents(x, PassStateEntered), "no state starts after the timeout")
		})
	}
}

func TestStop(t *testing.T) {
	t.Run("during a Wait", func(t *testing.T) {
		w := newWorld(t)
		x := w.start(machine("W", `{"W": {"Type": "Wait", "Seconds": 3600, "Next": "P"}, "P": {"Type": "Pass", "End": true}}`), `{}`)
		w.clk.Advance(10 * time.Minute)
		assert.Equal(t, "W", x.CurrentState())
		assert.True(t, x.Stop("Cancelled", "by the operator"))
		assert.Equal(t, StatusAborted, x.Status(), "ABORTED at once")
		w.clk.Advance(2 * time.Hour)
		assert.Equal(t, StatusAborted, x.Status())
		name, cause := x.Error()
		assert.Equal(t, "Cancelled", name)
		assert.Equal(t, "by the operator", cause)
		assert.Equal(t, epoch.Add(10*time.Minute), x.StopDate())
		assert.Equal(t, []EventType{ExecutionStarted, WaitStateEntered, WaitStateAborted, ExecutionAborted}, eventTypes(x))
		assert.Empty(t, x.CurrentState())
		assert.False(t, x.Stop("Again", ""), "stopping a stopped execution does nothing")
	})
	t.Run("during a Lambda invocation inside a Map", func(t *testing.T) {
		w := newWorld(t)
		w.lambda.handle(fnARN, func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			if err := w.clk.Sleep(ctx, time.Hour); err != nil {
				return nil, err
			}
			return p, nil
		})
		x := w.start(machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "T",
			"States": {"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true}}}}}`), `[1, 2]`)
		w.clk.Advance(time.Minute)
		assert.Equal(t, "T", x.CurrentState())
		require.True(t, x.Stop("", ""))
		w.clk.Advance(2 * time.Hour)
		types := eventTypes(x)
		assert.Equal(t, []EventType{TaskStateAborted, MapIterationAborted, MapStateAborted, ExecutionAborted}, types[len(types)-4:])
		assert.Equal(t, 1, w.lambda.count(fnARN), "the second item never runs")
	})
	t.Run("before the run starts", func(t *testing.T) {
		w := newWorld(t)
		x := w.start(machine("P", `{"P": {"Type": "Pass", "End": true}}`), `{}`)
		require.True(t, x.Stop("E", "C"))
		w.clk.Advance(time.Hour)
		assert.Equal(t, []EventType{ExecutionStarted, ExecutionAborted}, eventTypes(x))
	})
}

func TestRedrive(t *testing.T) {
	const states = `{
		"Create": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:create", "ResultPath": "$.created", "Next": "Enroll"},
		"Enroll": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "enroll", "Payload.$": "$"},
			"ResultSelector": {"status.$": "$.Payload.status"}, "ResultPath": "$.enrolled", "Next": "Report"},
		"Report": {"Type": "Pass", "Parameters": {"created.$": "$.created", "enrolled.$": "$.enrolled", "redrives.$": "$$.Execution.RedriveCount"}, "End": true}}`

	t.Run("resumes at the failed state without re-running the others", func(t *testing.T) {
		w := newWorld(t)
		w.lambda.handle("arn:aws:lambda:us-east-1:123456789012:function:create", returns(`"acct-1"`))
		enroll := failing("CT.Busy")
		w.lambda.handle("enroll", func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			if _, err := enroll(ctx, p); err != nil {
				return nil, err
			}
			return json.RawMessage(`{"status": "ENROLLED"}`), nil
		})
		x := w.run(machine("Create", states), `{"request": "r-1"}`)
		require.Equal(t, StatusFailed, x.Status())
		name, _ := x.Error()
		assert.Equal(t, "CT.Busy", name)
		require.Equal(t, 1, w.lambda.count("enroll"))

		require.NoError(t, w.engine.Redrive(context.Background(), x))
		assert.Equal(t, StatusRunning, x.Status())
		assert.Equal(t, 1, x.RedriveCount())
		assert.Equal(t, epoch.Add(24*time.Hour), x.RedriveDate())
		w.clk.Advance(time.Hour)

		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"created": "acct-1", "enrolled": {"status": "ENROLLED"}, "redrives": 1}`, string(x.Output()))
		assert.Equal(t, 1, w.lambda.count("arn:aws:lambda:us-east-1:123456789012:function:create"), "Create is not run again")
		calls := w.lambda.log()
		require.Len(t, calls, 3)
		assert.Equal(t, calls[1].payload, calls[2].payload, "Enroll gets the input it had the first time")
		assert.Len(t, findEvents(x, ExecutionRedriven), 1)
		assert.Equal(t, 1, findEvents(x, ExecutionRedriven)[0].RedriveCount)
		name, cause := x.Error()
		assert.Empty(t, name+cause)
	})

	t.Run("is refused while running or after success", func(t *testing.T) {
		w := newWorld(t)
		x := w.start(machine("W", `{"W": {"Type": "Wait", "Seconds": 60, "End": true}}`), `{}`)
		err := w.engine.Redrive(context.Background(), x)
		assert.ErrorIs(t, err, ErrNotRedrivable)
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusSucceeded, x.Status())
		err = w.engine.Redrive(context.Background(), x)
		assert.ErrorIs(t, err, ErrNotRedrivable)
		assert.Contains(t, err.Error(), "SUCCEEDED")
		assert.Equal(t, 0, x.RedriveCount())
	})

	t.Run("after an abort, at the aborted state", func(t *testing.T) {
		w := newWorld(t)
		x := w.start(machine("P", `{"P": {"Type": "Pass", "Result": {"step": 1}, "Next": "W"}, "W": {"Type": "Wait", "Seconds": 600, "Next": "Q"},
			"Q": {"Type": "Pass", "End": true}}`), `{}`)
		w.clk.Advance(time.Minute)
		require.True(t, x.Stop("Stopped", ""))
		require.NoError(t, w.engine.Redrive(context.Background(), x))
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"step": 1}`, string(x.Output()))
		assert.Len(t, findEvents(x, PassStateEntered), 2, "P once, Q once")
		assert.Len(t, findEvents(x, WaitStateEntered), 2)
		assert.Equal(t, epoch.Add(11*time.Minute), x.StopDate(), "the Wait runs whole again from the redrive")
	})

	t.Run("restarts the execution timeout", func(t *testing.T) {
		w := newWorld(t)
		x := w.start(`{"TimeoutSeconds": 100, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 150, "End": true}}}`, `{}`)
		w.clk.Advance(200 * time.Second)
		require.Equal(t, StatusTimedOut, x.Status())
		require.NoError(t, w.engine.Redrive(context.Background(), x))
		w.clk.Advance(time.Hour)
		assert.Equal(t, StatusTimedOut, x.Status())
		assert.Equal(t, epoch.Add(300*time.Second), x.StopDate(), "100 s after the redrive, not at once")
	})

	t.Run("of a Map re-runs the whole Map", func(t *testing.T) {
		w := newWorld(t)
		flaky := failing("", "Boom") // the second item fails once
		w.lambda.handle(fnARN, func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
			if _, err := flaky(ctx, p); err != nil && err.(*TaskError).Name != "" {
				return nil, err
			}
			return p, nil
		})
		x := w.run(machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "T",
			"States": {"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true}}}}}`), `["a", "b"]`)
		require.Equal(t, StatusFailed, x.Status())
		require.NoError(t, w.engine.Redrive(context.Background(), x))
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `["a", "b"]`, string(x.Output()))
		assert.Equal(t, 4, w.lambda.count(fnARN), "a, b (failed), then a and b again")
	})
}

func TestHistoryEventSequence(t *testing.T) {
	w := newWorld(t)
	w.lambda.handle("check", returns(`{"ok": true}`))
	x := w.run(machine("Check", `{
		"Check": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "check", "Payload": {"a": 1}},
			"ResultPath": "$.check", "Next": "Route"},
		"Route": {"Type": "Choice", "Choices": [{"Variable": "$.check.Payload.ok", "BooleanEquals": true, "Next": "Each"}], "Default": "Stop"},
		"Each": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.each", "Next": "Both",
			"ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": true}}}},
		"Both": {"Type": "Parallel", "ResultPath": null, "Next": "Pause", "Branches": [
			{"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": true}}},
			{"StartAt": "Right", "States": {"Right": {"Type": "Succeed"}}}]},
		"Pause": {"Type": "Wait", "Seconds": 5, "Next": "Done"},
		"Done": {"Type": "Succeed"},
		"Stop": {"Type": "Fail", "Error": "NotOk"}}`), `{"items": [1, 2]}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.Equal(t, []EventType{
		ExecutionStarted,
		TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited,
		ChoiceStateEntered, ChoiceStateExited,
		MapStateEntered, MapStateStarted,
		MapIterationStarted, PassStateEntered, PassStateExited, MapIterationSucceeded,
		MapIterationStarted, PassStateEntered, PassStateExited, MapIterationSucceeded,
		MapStateSucceeded, MapStateExited,
		ParallelStateEntered, ParallelStateStarted,
		PassStateEntered, PassStateExited, SucceedStateEntered, SucceedStateExited,
		ParallelStateSucceeded, ParallelStateExited,
		WaitStateEntered, WaitStateExited,
		SucceedStateEntered, SucceedStateExited,
		ExecutionSucceeded,
	}, eventTypes(x))

	h := x.History()
	for i, e := range h {
		assert.Equal(t, int64(i+1), e.ID)
		assert.Equal(t, int64(i), e.PreviousEventID)
	}
	scheduled := findEvents(x, TaskScheduled)[0]
	assert.Equal(t, "lambda", scheduled.ResourceType)
	assert.Equal(t, "invoke", scheduled.Resource)
	assert.Equal(t, "us-east-1", scheduled.Region)
	assert.JSONEq(t, `{"FunctionName": "check", "Payload": {"a": 1}}`, string(scheduled.Parameters))
	assert.Equal(t, 2, findEvents(x, MapStateStarted)[0].Length)
	assert.Equal(t, []int{0, 1}, []int{findEvents(x, MapIterationStarted)[0].Index, findEvents(x, MapIterationStarted)[1].Index})
	assert.Equal(t, "Each", findEvents(x, MapIterationStarted)[0].StateName)
	assert.Equal(t, epoch.Add(5*time.Second), h[len(h)-1].Timestamp)
	assert.JSONEq(t, `{"items": [1, 2]}`, string(h[0].Input))
	assert.Equal(t, testInfo.RoleARN, h[0].RoleARN)

	// The lambda:invoke result is what AWS returns around the function output.
	var out map[string]any
	require.NoError(t, json.Unmarshal(x.Output(), &out))
	check := out["check"].(map[string]any)
	assert.Equal(t, map[string]any{"ok": true}, check["Payload"])
	assert.Equal(t, float64(200), check["StatusCode"])
	assert.Equal(t, "$LATEST", check["ExecutedVersion"])
	assert.Contains(t, check, "SdkHttpMetadata")
	assert.Contains(t, check["SdkResponseMetadata"], "RequestId")
}

func TestHistoryOfFailures(t *testing.T) {
	t.Run("Fail state", func(t *testing.T) {
		x := newWorld(t).run(machine("F", `{"F": {"Type": "Fail", "Error": "Vend.Rejected", "Cause": "OU not registered"}}`), `{}`)
		assert.Equal(t, []EventType{ExecutionStarted, FailStateEntered, ExecutionFailed}, eventTypes(x))
		last := x.History()[2]
		assert.Equal(t, "Vend.Rejected", last.Error)
		assert.Equal(t, "OU not registered", last.Cause)
	})
	t.Run("failing Lambda function", func(t *testing.T) {
		w := newWorld(t)
		w.lambda.handle(fnARN, always("Boom"))
		x := w.run(machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true}}`), `{}`)
		assert.Equal(t, []EventType{ExecutionStarted, TaskStateEntered, LambdaFunctionScheduled, LambdaFunctionStarted,
			LambdaFunctionFailed, ExecutionFailed}, eventTypes(x))
		failed := findEvents(x, LambdaFunctionFailed)[0]
		assert.Equal(t, "Boom", failed.Error)
		assert.Equal(t, "it always fails", failed.Cause)
	})
	t.Run("failing Map iteration", func(t *testing.T) {
		x := newWorld(t).run(machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "F",
			"States": {"F": {"Type": "Fail", "Error": "Bad"}}}}}`), `[1]`)
		assert.Equal(t, []EventType{ExecutionStarted, MapStateEntered, MapStateStarted, MapIterationStarted, FailStateEntered,
			MapIterationFailed, MapStateFailed, ExecutionFailed}, eventTypes(x))
	})
	t.Run("States.Runtime in a Map iteration ends the execution at once", func(t *testing.T) {
		x := newWorld(t).run(machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "P",
			"States": {"P": {"Type": "Pass", "InputPath": "$.missing", "End": true}}}}}`), `[{}]`)
		assert.Equal(t, []EventType{ExecutionStarted, MapStateEntered, MapStateStarted, MapIterationStarted, PassStateEntered,
			ExecutionFailed}, eventTypes(x))
	})
}

func TestFailStatePaths(t *testing.T) {
	x := newWorld(t).run(machine("F", `{"F": {"Type": "Fail", "ErrorPath": "$.err.name",
		"CausePath": "States.Format('account {} failed: {}', $.account, $.err.detail)"}}`),
		`{"account": "111122223333", "err": {"name": "CT.Failed", "detail": "baseline drift"}}`)
	assert.Equal(t, StatusFailed, x.Status())
	name, cause := x.Error()
	assert.Equal(t, "CT.Failed", name)
	assert.Equal(t, "account 111122223333 failed: baseline drift", cause)
}

func TestMapAndParallel(t *testing.T) {
	t.Run("Map with ItemsPath, ItemSelector and ResultPath", func(t *testing.T) {
		w := newWorld(t)
		w.lambda.handle("provision", echo)
		x := w.run(machine("M", `{"M": {"Type": "Map", "ItemsPath": "$.accounts", "MaxConcurrency": 2,
			"ItemSelector": {"name.$": "$$.Map.Item.Value.name", "index.$": "$$.Map.Item.Index", "ou.$": "$.ou"},
			"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
				"Parameters": {"FunctionName": "provision", "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}},
			"ResultPath": "$.results", "End": true}}`), `{"ou": "Sandbox", "accounts": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}`)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"ou": "Sandbox", "accounts": [{"name": "a"}, {"name": "b"}, {"name": "c"}], "results": [
			{"name": "a", "index": 0, "ou": "Sandbox"}, {"name": "b", "index": 1, "ou": "Sandbox"}, {"name": "c", "index": 2, "ou": "Sandbox"}]}`, string(x.Output()))
		var order []string
		for _, c := range w.lambda.log() {
			order = append(order, c.payload)
		}
		assert.Equal(t, []string{`{"index":0,"name":"a","ou":"Sandbox"}`, `{"index":1,"name":"b","ou":"Sandbox"}`, `{"index":2,"name":"c","ou":"Sandbox"}`}, order)
	})
	t.Run("Map over an empty array", func(t *testing.T) {
		x := newWorld(t).run(machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}`), `[]`)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `[]`, string(x.Output()))
	})
	t.Run("Map over something else fails", func(t *testing.T) {
		x := newWorld(t).run(machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}}`), `{"a": 1}`)
		assert.Equal(t, StatusFailed, x.Status())
		_, cause := x.Error()
		assert.Contains(t, cause, "must select an array, got a object")
	})
	t.Run("Map iteration failure is caught by the Map", func(t *testing.T) {
		x := newWorld(t).run(machine("M", `{"M": {"Type": "Map", "ItemsPath": "$.items", "Next": "Done", "ItemProcessor": {"StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 1, "Next": "Bad"}], "Default": "Ok"},
			"Bad": {"Type": "Fail", "Error": "TooBig", "Cause": "item > 1"}, "Ok": {"Type": "Pass", "End": true}}},
			"Catch": [{"ErrorEquals": ["TooBig"], "ResultPath": "$.error", "Next": "Handled"}]},
			"Handled": {"Type": "Pass", "End": true}, "Done": {"Type": "Succeed"}}`), `{"items": [1, 2, 3]}`)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"items": [1, 2, 3], "error": {"Error": "TooBig", "Cause": "item > 1"}}`, string(x.Output()))
		assert.Len(t, findEvents(x, MapIterationStarted), 2, "the third item never runs")
	})
	t.Run("Parallel with Parameters keeps branch order", func(t *testing.T) {
		x := newWorld(t).run(machine("P", `{"P": {"Type": "Parallel", "Parameters": {"v.$": "$.v"}, "ResultPath": "$.r", "End": true, "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 10, "Next": "A2"}, "A2": {"Type": "Pass", "Parameters": {"a.$": "$.v"}, "End": true}}},
			{"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": true}}}]}}`), `{"v": 7}`)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"v": 7, "r": [{"a": 7}, "b"]}`, string(x.Output()))
	})
	t.Run("Parallel branch failure fails the state", func(t *testing.T) {
		w := newWorld(t)
		w.lambda.handle(fnARN, always("Boom"))
		x := w.run(machine("P", `{"P": {"Type": "Parallel", "End": true, "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}], "Branches": [
			{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true}}}]}}`), `{}`)
		assert.Equal(t, StatusFailed, x.Status())
		assert.Equal(t, 2, w.lambda.count(fnARN), "the Parallel's Retry re-runs the branch")
		assert.Len(t, findEvents(x, ParallelStateFailed), 2)
	})
}

// The Catch on a Map whose input is an array: the documented ResultPath needs
// an object input, so AWS (and the engine) fail with States.Runtime.
func TestCatchResultPathOnArrayInput(t *testing.T) {
	x := newWorld(t).run(machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad"}}},
		"Catch": [{"ErrorEquals": ["Bad"], "ResultPath": "$.error", "Next": "H"}]}, "H": {"Type": "Succeed"}}`), `[1]`)
	assert.Equal(t, StatusFailed, x.Status())
	name, cause := x.Error()
	assert.Equal(t, ErrorRuntime, name)
	assert.Contains(t, cause, "cannot add field \"error\" to a array")
}

func TestObserverSeesEveryEvent(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	var seen []HistoryEvent
	w.engine.Observer = func(x *Execution, e HistoryEvent) {
		_ = x.Status() // accessors may be called from the observer
		mu.Lock()
		seen = append(seen, e)
		mu.Unlock()
	}
	x := w.start(machine("W", `{"W": {"Type": "Wait", "Seconds": 60, "Next": "P"}, "P": {"Type": "Pass", "End": true}}`), `{}`)
	mu.Lock()
	assert.Len(t, seen, 1, "ExecutionStarted is reported by Start")
	mu.Unlock()
	w.clk.Advance(time.Hour)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.Equal(t, x.History(), seen)
}

func TestStartValidation(t *testing.T) {
	m, err := Parse([]byte(machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true}}`)))
	require.NoError(t, err)
	w := newWorld(t)
	cases := []struct {
		name   string
		engine *Engine
		m      *Machine
		input  string
		want   string
	}{
		{"invalid JSON", w.engine, m, `{"a":`, "input is not valid JSON"},
		{"trailing data", w.engine, m, `{} {}`, "input is not valid JSON"},
		{"too large", w.engine, m, `"` + strings.Repeat("x", 300*1024) + `"`, "more than the 262144-byte limit"},
		{"no clock", &Engine{Invoker: w.lambda}, m, `{}`, "Engine.Clock is nil"},
		{"no invoker", &Engine{Clock: w.clk}, m, `{}`, "Engine.Invoker is nil"},
		{"no machine", w.engine, nil, `{}`, "machine is nil"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x, err := tc.engine.Start(context.Background(), tc.m, testInfo, json.RawMessage(tc.input))
			require.Error(t, err)
			assert.Nil(t, x)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("empty input is {}", func(t *testing.T) {
		x, err := w.engine.Start(context.Background(), m, testInfo, nil)
		require.NoError(t, err)
		assert.JSONEq(t, `{}`, string(x.Input()))
		assert.Equal(t, testInfo, x.Info())
		assert.Same(t, m, x.Machine())
		assert.Equal(t, epoch, x.StartDate())
	})
	t.Run("redrive of another engine's execution", func(t *testing.T) {
		x, err := w.engine.Start(context.Background(), m, testInfo, nil)
		require.NoError(t, err)
		err = (&Engine{Clock: w.clk}).Redrive(context.Background(), x)
		assert.Error(t, err)
		assert.False(t, errors.Is(err, ErrNotRedrivable))
	})
}

func TestRunawayLoopEndsAtTheHistoryLimit(t *testing.T) {
	x := newWorld(t).run(machine("A", `{"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}`), `{}`)
	assert.Equal(t, StatusFailed, x.Status())
	name, cause := x.Error()
	assert.Equal(t, ErrorRuntime, name)
	assert.Contains(t, cause, "maximum number of history events")
	assert.LessOrEqual(t, len(x.History()), maxHistoryEvents)
}

func TestDoneClosesWhenTheRunEnds(t *testing.T) {
	w := newWorld(t)
	x := w.start(machine("W", `{"W": {"Type": "Wait", "Seconds": 60, "End": true}}`), `{}`)
	done := x.Done()
	select {
	case <-done:
		t.Fatal("done before the run ended")
	default:
	}
	w.clk.Release()
	<-done
	assert.Equal(t, StatusSucceeded, x.Status())
}

// Every event of a rich history renders as the Step Functions API shape: its
// details object is named after its type.
func TestHistoryEventsAllMarshal(t *testing.T) {
	w := newWorld(t)
	w.lambda.handle(fnARN, failing("Boom"))
	w.lambda.handle("f", returns(`1`))
	x := w.run(machine("T", `{
		"T": {"Type": "Task", "Resource": "`+fnARN+`", "Retry": [{"ErrorEquals": ["Boom"]}], "ResultPath": "$.t", "Next": "I"},
		"I": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"}, "ResultPath": null, "Next": "M"},
		"M": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": null, "Next": "P",
			"ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}},
		"P": {"Type": "Parallel", "Next": "F", "Branches": [{"StartAt": "C", "States": {"C": {"Type": "Choice",
			"Choices": [{"Variable": "$.items[0]", "IsNumeric": true, "Next": "S"}]}, "S": {"Type": "Succeed"}}}]},
		"F": {"Type": "Fail", "Error": "Done", "Cause": "on purpose"}}`), `{"items": [1]}`)
	require.Equal(t, StatusFailed, x.Status())
	for _, ev := range x.History() {
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		assert.Equal(t, string(ev.Type), m["type"])
		if key := ev.detailsKey(); key != "" {
			assert.Contains(t, m, key, "event %s", ev.Type)
			assert.Len(t, m, 5-boolInt(ev.PreviousEventID == 0), "event %s: id, previousEventId, timestamp, type, details", ev.Type)
		}
	}
	failed := findEvents(x, ExecutionFailed)[0]
	b, err := json.Marshal(failed)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"executionFailedEventDetails":{"cause":"on purpose","error":"Done"}`)
	assert.Equal(t, "Boom: attempt failed", (&TaskError{Name: "Boom", Cause: "attempt failed"}).Error())
	assert.Equal(t, "Boom", (&TaskError{Name: "Boom"}).Error())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestHistoryEventWireShape(t *testing.T) {
	cases := []struct {
		ev   HistoryEvent
		want string
	}{
		{HistoryEvent{ID: 1, Timestamp: epoch, Type: ExecutionStarted, Input: json.RawMessage(`{"a":1}`), RoleARN: "r"},
			`{"id": 1, "timestamp": 1795510800, "type": "ExecutionStarted",
				"executionStartedEventDetails": {"input": "{\"a\":1}", "inputDetails": {"truncated": false}, "roleArn": "r"}}`},
		{HistoryEvent{ID: 2, PreviousEventID: 1, Timestamp: epoch.Add(1500 * time.Millisecond), Type: TaskStateEntered, StateName: "T", Input: json.RawMessage(`{}`)},
			`{"id": 2, "previousEventId": 1, "timestamp": 1795510801.5, "type": "TaskStateEntered",
				"stateEnteredEventDetails": {"name": "T", "input": "{}", "inputDetails": {"truncated": false}}}`},
		{HistoryEvent{ID: 3, PreviousEventID: 2, Timestamp: epoch, Type: TaskFailed, ResourceType: "lambda", Resource: "invoke", Error: "E", Cause: "C"},
			`{"id": 3, "previousEventId": 2, "timestamp": 1795510800, "type": "TaskFailed",
				"taskFailedEventDetails": {"resourceType": "lambda", "resource": "invoke", "error": "E", "cause": "C"}}`},
		{HistoryEvent{ID: 4, PreviousEventID: 3, Timestamp: epoch, Type: MapIterationStarted, StateName: "M", Index: 2},
			`{"id": 4, "previousEventId": 3, "timestamp": 1795510800, "type": "MapIterationStarted",
				"mapIterationStartedEventDetails": {"name": "M", "index": 2}}`},
		{HistoryEvent{ID: 5, PreviousEventID: 4, Timestamp: epoch, Type: MapStateSucceeded},
			`{"id": 5, "previousEventId": 4, "timestamp": 1795510800, "type": "MapStateSucceeded"}`},
		{HistoryEvent{ID: 6, PreviousEventID: 5, Timestamp: epoch, Type: ExecutionRedriven, RedriveCount: 1},
			`{"id": 6, "previousEventId": 5, "timestamp": 1795510800, "type": "ExecutionRedriven", "executionRedrivenEventDetails": {"redriveCount": 1}}`},
	}
	for _, tc := range cases {
		t.Run(string(tc.ev.Type), func(t *testing.T) {
			b, err := json.Marshal(tc.ev)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, string(b))
		})
	}
}
