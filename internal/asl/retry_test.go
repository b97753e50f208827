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

// failing returns a handler that fails with the given error names in turn and
// then succeeds with {"ok": true}.
func failing(names ...string) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	var mu sync.Mutex
	n := 0
	return func(context.Context, json.RawMessage) (json.RawMessage, error) {
		mu.Lock()
		defer mu.Unlock()
		if n < len(names) {
			n++
			return nil, &TaskError{Name: names[n-1], Cause: "attempt failed"}
		}
		return json.RawMessage(`{"ok": true}`), nil
	}
}

func always(name string) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return nil, &TaskError{Name: name, Cause: "it always fails"}
	}
}

// gaps returns the clock time between consecutive calls.
func gaps(calls []call) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(calls); i++ {
		out = append(out, calls[i].at.Sub(calls[i-1].at))
	}
	return out
}

func retryMachine(retry string) string {
	return machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true, "Retry": `+retry+`}}`)
}

func TestRetryBackoffTiming(t *testing.T) {
	cases := []struct {
		name     string
		retry    string
		wantGaps []time.Duration
	}{
		{"defaults: 1s, then doubling, 3 retries", `[{"ErrorEquals": ["Boom"]}]`,
			[]time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second}},
		{"interval and backoff rate", `[{"ErrorEquals": ["Boom"], "IntervalSeconds": 3, "MaxAttempts": 3, "BackoffRate": 2}]`,
			[]time.Duration{3 * time.Second, 6 * time.Second, 12 * time.Second}},
		{"fractional backoff rate", `[{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "MaxAttempts": 2, "BackoffRate": 1.5}]`,
			[]time.Duration{2 * time.Second, 3 * time.Second}},
		{"MaxDelaySeconds caps the wait", `[{"ErrorEquals": ["Boom"], "IntervalSeconds": 3, "MaxAttempts": 4, "BackoffRate": 2, "MaxDelaySeconds": 5}]`,
			[]time.Duration{3 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}},
		{"MaxAttempts 0 never retries", `[{"ErrorEquals": ["Boom"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"]}]`, nil},
		{"States.TaskFailed matches a named task error", `[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1}]`,
			[]time.Duration{1 * time.Second}},
		{"States.ALL matches", `[{"ErrorEquals": ["Other"]}, {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "MaxAttempts": 1}]`,
			[]time.Duration{10 * time.Second}},
		{"no matching retrier", `[{"ErrorEquals": ["Other"]}]`, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.lambda.handle(fnARN, always("Boom"))
			x := w.run(retryMachine(tc.retry), `{}`)
			assert.Equal(t, StatusFailed, x.Status())
			name, _ := x.Error()
			assert.Equal(t, "Boom", name)
			assert.Equal(t, tc.wantGaps, gaps(w.lambda.log()))
		})
	}
}

func TestRetryFullJitterStaysWithinTheBackoff(t *testing.T) {
	w := newWorld(t)
	w.lambda.handle(fnARN, always("Boom"))
	w.run(retryMachine(`[{"ErrorEquals": ["Boom"], "IntervalSeconds": 10, "MaxAttempts": 6, "BackoffRate": 2, "MaxDelaySeconds": 200, "JitterStrategy": "FULL"}]`), `{}`)
	got := gaps(w.lambda.log())
	require.Len(t, got, 6)
	limits := []time.Duration{10, 20, 40, 80, 160, 200}
	below := 0
	for i, g := range got {
		limit := limits[i] * time.Second
		assert.GreaterOrEqual(t, g, time.Duration(0))
		assert.LessOrEqual(t, g, limit, "retry %d", i+1)
		if g < limit {
			below++
		}
	}
	assert.Positive(t, below, "full jitter shortens the waits")

	// The same seed gives the same waits: runs are reproducible.
	w2 := newWorld(t)
	w2.lambda.handle(fnARN, always("Boom"))
	w2.run(retryMachine(`[{"ErrorEquals": ["Boom"], "IntervalSeconds": 10, "MaxAttempts": 6, "BackoffRate": 2, "MaxDelaySeconds": 200, "JitterStrategy": "FULL"}]`), `{}`)
	assert.Equal(t, got, gaps(w2.lambda.log()))
}

func TestRetryEachRetrierCountsItsOwnAttempts(t *testing.T) {
	w := newWorld(t)
	// A and B alternate; each retrier allows two retries of its own error.
	w.lambda.handle(fnARN, failing("A", "B", "A", "B", "A", "B"))
	x := w.run(retryMachine(`[{"ErrorEquals": ["A"], "MaxAttempts": 2, "BackoffRate": 1}, {"ErrorEquals": ["B"], "MaxAttempts": 2, "BackoffRate": 1}]`), `{}`)
	assert.Equal(t, StatusFailed, x.Status())
	name, _ := x.Error()
	assert.Equal(t, "A", name, "A's third failure exhausts A's retrier")
	assert.Equal(t, 5, w.lambda.count(fnARN))
}

func TestRetryThenSucceedAndRetryCountInContext(t *testing.T) {
	w := newWorld(t)
	var payloads []string
	flaky := failing("Boom", "Boom")
	w.lambda.handle(fnARN, func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
		payloads = append(payloads, string(p))
		return flaky(ctx, p)
	})
	x := w.run(machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true,
		"Parameters": {"retry.$": "$$.State.RetryCount"}, "Retry": [{"ErrorEquals": ["Boom"]}]}}`), `{}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.JSONEq(t, `{"ok": true}`, string(x.Output()))
	assert.Equal(t, []string{`{"retry":0}`, `{"retry":1}`, `{"retry":2}`}, payloads)
}

func TestCatch(t *testing.T) {
	states := func(catch string) string {
		return `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "Next": "Done", "Catch": ` + catch + `},
			"Handler": {"Type": "Pass", "End": true}, "Other": {"Type": "Pass", "Result": "other", "End": true}, "Done": {"Type": "Succeed"}}`
	}
	cases := []struct {
		name    string
		handler func(context.Context, json.RawMessage) (json.RawMessage, error)
		catch   string
		want    string
	}{
		{"default ResultPath replaces the input", always("Boom"), `[{"ErrorEquals": ["Boom"], "Next": "Handler"}]`,
			`{"Error": "Boom", "Cause": "it always fails"}`},
		{"ResultPath keeps the input", always("Boom"), `[{"ErrorEquals": ["Boom"], "Next": "Handler", "ResultPath": "$.error"}]`,
			`{"foo": "bar", "error": {"Error": "Boom", "Cause": "it always fails"}}`},
		{"ResultPath null keeps only the input", always("Boom"), `[{"ErrorEquals": ["Boom"], "Next": "Handler", "ResultPath": null}]`,
			`{"foo": "bar"}`},
		{"first matching catcher wins", always("Boom"), `[{"ErrorEquals": ["Nope"], "Next": "Handler"}, {"ErrorEquals": ["Boom", "X"], "Next": "Other"}, {"ErrorEquals": ["States.ALL"], "Next": "Handler"}]`,
			`"other"`},
		{"a plain error is States.TaskFailed", func(context.Context, json.RawMessage) (json.RawMessage, error) {
			return nil, errors.New("connection reset")
		}, `[{"ErrorEquals": ["States.TaskFailed"], "Next": "Handler", "ResultPath": "$.e"}]`,
			`{"foo": "bar", "e": {"Error": "States.TaskFailed", "Cause": "connection reset"}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.lambda.handle(fnARN, tc.handler)
			x := w.run(machine("T", states(tc.catch)), `{"foo": "bar"}`)
			require.Equal(t, StatusSucceeded, x.Status())
			assert.JSONEq(t, tc.want, string(x.Output()))
		})
	}
}

func TestRetryExhaustedThenCaught(t *testing.T) {
	w := newWorld(t)
	w.lambda.handle(fnARN, always("Boom"))
	x := w.run(machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true,
		"Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
		"Catch": [{"ErrorEquals": ["Boom"], "Next": "H", "ResultPath": "$.err"}]}, "H": {"Type": "Pass", "End": true}}`), `{}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.Equal(t, 3, w.lambda.count(fnARN))
	assert.JSONEq(t, `{"err": {"Error": "Boom", "Cause": "it always fails"}}`, string(x.Output()))
}

func TestRuntimeErrorsAreNeitherRetriedNorCaught(t *testing.T) {
	retryCatch := `"Retry": [{"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]`
	cases := []struct {
		name, states, wantCause string
		wantCalls               int
	}{
		{"Parameters path not found", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "End": true, "Parameters": {"x.$": "$.missing"}, ` + retryCatch + `}, "H": {"Type": "Succeed"}}`,
			"The JSONPath '$.missing' specified for the field 'x.$' could not be found", 0},
		{"InputPath not found", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "End": true, "InputPath": "$.missing", ` + retryCatch + `}, "H": {"Type": "Succeed"}}`,
			"Invalid path '$.missing'", 0},
		{"ResultPath cannot be applied", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "End": true, "ResultPath": "$.s.x", ` + retryCatch + `}, "H": {"Type": "Succeed"}}`,
			`Unable to apply ResultPath "$.s.x"`, 1},
		{"OutputPath not found", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "End": true, "OutputPath": "$.nothing", ` + retryCatch + `}, "H": {"Type": "Succeed"}}`,
			"Invalid path '$.nothing'", 1},
		{"ResultSelector path not found", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "End": true, "ResultSelector": {"v.$": "$.nothing"}, ` + retryCatch + `}, "H": {"Type": "Succeed"}}`,
			"'$.nothing'", 1},
		{"intrinsic failure", `{"T": {"Type": "Task", "Resource": "` + fnARN + `", "End": true, "Parameters": {"x.$": "States.ArrayGetItem($.list, 5)"}, ` + retryCatch + `}, "H": {"Type": "Succeed"}}`,
			"index 5 is out of range", 0},
		{"inside a Map iteration", `{"M": {"Type": "Map", "ItemsPath": "$.list", "End": true, ` + retryCatch + `,
			"ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "InputPath": "$.nope", "End": true}}}}, "H": {"Type": "Succeed"}}`,
			"executing the state 'I'", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.lambda.handle(fnARN, returns(`{"r": 1}`))
			start := "T"
			if strings.HasPrefix(tc.states, `{"M"`) {
				start = "M"
			}
			x := w.run(machine(start, tc.states), `{"s": "text", "list": [1]}`)
			assert.Equal(t, StatusFailed, x.Status())
			name, cause := x.Error()
			assert.Equal(t, ErrorRuntime, name)
			assert.Contains(t, cause, tc.wantCause)
			assert.Contains(t, cause, "An error occurred while executing the state")
			assert.Equal(t, tc.wantCalls, w.lambda.count(fnARN))
		})
	}
}

func TestDataLimitExceededIsNotCaught(t *testing.T) {
	w := newWorld(t)
	big := `"` + strings.Repeat("x", 300*1024) + `"`
	w.lambda.handle(fnARN, returns(big))
	x := w.run(machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true,
		"Retry": [{"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "H"}]}, "H": {"Type": "Succeed"}}`), `{}`)
	assert.Equal(t, StatusFailed, x.Status())
	name, _ := x.Error()
	assert.Equal(t, ErrorDataLimitExceeded, name)
	assert.Equal(t, 1, w.lambda.count(fnARN))
	require.NotEmpty(t, findEvents(x, LambdaFunctionFailed))
}

func TestTaskTimeoutSeconds(t *testing.T) {
	w := newWorld(t)
	// The function takes five simulated minutes.
	w.lambda.handle(fnARN, func(ctx context.Context, p json.RawMessage) (json.RawMessage, error) {
		if err := w.clk.Sleep(ctx, 5*time.Minute); err != nil {
			return nil, err
		}
		return p, nil
	})
	x := w.run(machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "TimeoutSeconds": 60, "End": true,
		"Retry": [{"ErrorEquals": ["States.TaskFailed"]}],
		"Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "H", "ResultPath": "$.e"}]}, "H": {"Type": "Pass", "End": true}}`), `{}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.Equal(t, 1, w.lambda.count(fnARN), "States.TaskFailed does not match States.Timeout")
	assert.JSONEq(t, `{"e": {"Error": "States.Timeout", "Cause": "The task did not finish within its TimeoutSeconds of 60."}}`, string(x.Output()))
	assert.Len(t, findEvents(x, LambdaFunctionTimedOut), 1)
}
