package asl

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const callbackARN = "arn:aws:states:::lambda:invoke.waitForTaskToken"

// approval is a machine whose Approve state asks the "ask" function for an
// approval and waits for it; extra adds fields to Approve.
func approval(extra string) string {
	return machine("Approve", `{
		"Approve": {"Type": "Task", "Resource": "`+callbackARN+`",
			"Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token", "request.$": "$.request"}},
			"ResultPath": "$.approval", "Next": "Done"`+extra+`},
		"Caught": {"Type": "Pass", "End": true},
		"Done": {"Type": "Pass", "End": true}}`)
}

// asker is the "ask" function: it records the tokens it is given and
// answers with its own (discarded) result.
type asker struct {
	mu     sync.Mutex
	tokens []string
	// during, when set, runs inside the invocation with the token.
	during func(token string)
}

func (a *asker) handle(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
	var in struct{ Token string }
	if err := json.Unmarshal(p, &in); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.tokens = append(a.tokens, in.Token)
	during := a.during
	a.mu.Unlock()
	if during != nil {
		during(in.Token)
	}
	return json.RawMessage(`{"asked": true}`), nil
}

func (a *asker) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.tokens...)
}

// last is the token of the latest invocation.
func (a *asker) last(t *testing.T) string {
	t.Helper()
	all := a.all()
	require.NotEmpty(t, all, "the function was not invoked")
	return all[len(all)-1]
}

func newAsker(w *world) *asker {
	a := &asker{}
	w.lambda.handle("ask", a.handle)
	return a
}

func TestCallbackTaskSucceedsWithTheSentOutput(t *testing.T) {
	w := newWorld(t)
	ask := newAsker(w)
	x := w.start(approval(""), `{"request": "r-1"}`)
	w.clk.Advance(time.Minute)
	require.Equal(t, StatusRunning, x.Status(), "the task waits for its token")
	assert.Equal(t, "Approve", x.CurrentState())
	token := ask.last(t)

	found, err := w.engine.TaskExecution(token)
	require.NoError(t, err)
	assert.Same(t, x, found)
	require.NoError(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{"approved": true, "by": "ops"}`)))
	w.clk.Advance(time.Minute)

	require.Equal(t, StatusSucceeded, x.Status())
	assert.JSONEq(t, `{"request": "r-1", "approval": {"approved": true, "by": "ops"}}`, string(x.Output()),
		"the sent output, not the function's result nor a lambda:invoke wrapper, goes to ResultPath")

	assert.Equal(t, []EventType{ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded,
		TaskStateExited, PassStateEntered, PassStateExited, ExecutionSucceeded}, eventTypes(x))
	scheduled := findEvents(x, TaskScheduled)[0]
	assert.Equal(t, "invoke.waitForTaskToken", scheduled.Resource)
	assert.Equal(t, "lambda", scheduled.ResourceType)
	assert.JSONEq(t, `{"FunctionName": "ask", "Payload": {"token": "`+token+`", "request": "r-1"}}`, string(scheduled.Parameters))
	submitted := findEvents(x, TaskSubmitted)[0]
	var response struct {
		Payload    any
		StatusCode int
	}
	require.NoError(t, json.Unmarshal(submitted.Output, &response))
	assert.Equal(t, map[string]any{"asked": true}, response.Payload, "TaskSubmitted has the function's lambda:invoke response")
	assert.Equal(t, 200, response.StatusCode)
	succeeded := findEvents(x, TaskSucceeded)[0]
	assert.JSONEq(t, `{"approved": true, "by": "ops"}`, string(succeeded.Output))
	assert.Equal(t, epoch.Add(time.Minute), succeeded.Timestamp, "the task ends when the token is sent")

	wire, err := json.Marshal(submitted)
	require.NoError(t, err)
	assert.Contains(t, string(wire), `"taskSubmittedEventDetails":{"output":`)
	assert.Contains(t, string(wire), `"resource":"invoke.waitForTaskToken","resourceType":"lambda"`)

	assert.ErrorIs(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{}`)), ErrTaskTimedOut, "the token closed with the task")
	found, err = w.engine.TaskExecution(token)
	require.NoError(t, err, "a closed token still names its execution")
	assert.Same(t, x, found)
}

func TestCallbackTaskFailure(t *testing.T) {
	catch := `, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]`
	cases := []struct {
		name, errName, cause, want string
	}{
		{"error and cause", "Approval.Denied", "not in budget", `{"Error": "Approval.Denied", "Cause": "not in budget"}`},
		{"an error without cause", "Approval.Denied", "", `{"Error": "Approval.Denied"}`},
		{"no error at all", "", "", `{"Error": null, "Cause": null}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			ask := newAsker(w)
			x := w.start(approval(catch), `{"request": "r-1"}`)
			w.clk.Advance(time.Minute)
			require.NoError(t, w.engine.SendTaskFailure(ask.last(t), tc.errName, tc.cause))
			w.clk.Advance(time.Minute)

			require.Equal(t, StatusSucceeded, x.Status())
			assert.JSONEq(t, `{"request": "r-1", "error": `+tc.want+`}`, string(x.Output()))
			failed := findEvents(x, TaskFailed)
			require.Len(t, failed, 1)
			assert.Equal(t, tc.errName, failed[0].Error)
			assert.Equal(t, tc.cause, failed[0].Cause)
			assert.Len(t, findEvents(x, PassStateEntered), 1, "Caught ran, Done did not")
		})
	}

	t.Run("matched by name, and uncaught", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		x := w.start(approval(`, "Catch": [{"ErrorEquals": ["Approval.Expired"], "Next": "Caught"}]`), `{"request": "r-1"}`)
		w.clk.Advance(time.Minute)
		require.NoError(t, w.engine.SendTaskFailure(ask.last(t), "Approval.Denied", "no"))
		w.clk.Advance(time.Minute)
		require.Equal(t, StatusFailed, x.Status())
		name, cause := x.Error()
		assert.Equal(t, "Approval.Denied", name)
		assert.Equal(t, "no", cause)
	})
}

func TestCallbackTaskTimeouts(t *testing.T) {
	catch := `, "Catch": [{"ErrorEquals": ["States.Timeout", "States.HeartbeatTimeout"], "ResultPath": "$.error", "Next": "Caught"}]`
	cases := []struct {
		name    string
		timing  string
		beats   []time.Duration // when to send a heartbeat, from the start
		wantErr string
		wantAt  time.Duration
	}{
		{"TimeoutSeconds", `, "TimeoutSeconds": 3600`, nil, ErrorTimeout, time.Hour},
		{"TimeoutSeconds counts from the start whatever the heartbeats", `, "TimeoutSeconds": 3600, "HeartbeatSeconds": 1800`,
			[]time.Duration{20 * time.Minute, 40 * time.Minute, 55 * time.Minute}, ErrorTimeout, time.Hour},
		{"HeartbeatSeconds without heartbeats", `, "HeartbeatSeconds": 600`, nil, ErrorHeartbeatTimeout, 10 * time.Minute},
		{"HeartbeatSeconds after the last heartbeat", `, "HeartbeatSeconds": 600, "TimeoutSeconds": 7200`,
			[]time.Duration{5 * time.Minute, 14 * time.Minute, 23 * time.Minute}, ErrorHeartbeatTimeout, 33 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			ask := newAsker(w)
			x := w.start(approval(tc.timing+catch), `{"request": "r-1"}`)
			w.clk.Advance(0)
			token := ask.last(t)
			var at time.Duration
			for _, b := range tc.beats {
				w.clk.Advance(b - at)
				at = b
				require.NoError(t, w.engine.SendTaskHeartbeat(token), "heartbeat at %s", b)
			}
			w.clk.Advance(24 * time.Hour)

			require.Equal(t, StatusSucceeded, x.Status())
			assert.JSONEq(t, `{"request": "r-1", "error": {"Error": "`+tc.wantErr+`"}}`, string(x.Output()))
			timedOut := findEvents(x, TaskTimedOut)
			require.Len(t, timedOut, 1)
			assert.Equal(t, tc.wantErr, timedOut[0].Error)
			assert.Equal(t, "invoke.waitForTaskToken", timedOut[0].Resource)
			assert.Equal(t, epoch.Add(tc.wantAt), timedOut[0].Timestamp)
			assert.ErrorIs(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{}`)), ErrTaskTimedOut)
			assert.ErrorIs(t, w.engine.SendTaskHeartbeat(token), ErrTaskTimedOut)
		})
	}

	t.Run("heartbeats keep a task alive until it succeeds", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		x := w.start(approval(`, "HeartbeatSeconds": 600`), `{"request": "r-1"}`)
		w.clk.Advance(0)
		token := ask.last(t)
		for range 12 { // two hours, a heartbeat every 9 minutes
			w.clk.Advance(9 * time.Minute)
			require.NoError(t, w.engine.SendTaskHeartbeat(token))
		}
		require.NoError(t, w.engine.SendTaskSuccess(token, json.RawMessage(`"yes"`)))
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"request": "r-1", "approval": "yes"}`, string(x.Output()))
		assert.Equal(t, epoch.Add(108*time.Minute), x.StopDate())
		assert.Empty(t, findEvents(x, TaskTimedOut))
	})

	t.Run("a send after the deadline is too late", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		// The function takes two hours; the task may take one.
		ask.during = func(string) { _ = w.clk.Sleep(context.Background(), 2*time.Hour) }
		x := w.start(approval(`, "TimeoutSeconds": 3600`), `{"request": "r-1"}`)
		w.clk.Advance(90 * time.Minute)
		assert.ErrorIs(t, w.engine.SendTaskSuccess(ask.last(t), json.RawMessage(`{}`)), ErrTaskTimedOut)
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusFailed, x.Status())
		name, _ := x.Error()
		assert.Equal(t, ErrorTimeout, name)
		assert.Empty(t, findEvents(x, TaskSubmitted), "the task timed out before its function returned")
	})
}

func TestCallbackTaskWithoutTimeoutsWaitsWithoutHoldingTheClock(t *testing.T) {
	w := newWorld(t)
	ask := newAsker(w)
	x := w.start(approval(""), `{"request": "r-1"}`)
	other := w.start(machine("W", `{"W": {"Type": "Wait", "Seconds": 3600, "End": true}}`), `{}`)
	w.clk.Advance(7 * 24 * time.Hour)
	require.Equal(t, StatusSucceeded, other.Status(), "other work goes on while a task waits")
	assert.Equal(t, epoch.Add(time.Hour), other.StopDate())
	require.Equal(t, StatusRunning, x.Status(), "a week later it still waits")
	require.NoError(t, w.engine.SendTaskSuccess(ask.last(t), json.RawMessage(`{"late": true}`)))
	w.clk.Advance(time.Second)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.Equal(t, epoch.Add(7*24*time.Hour), x.StopDate())
}

func TestCallbackTokenSentDuringTheInvocation(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		ask.during = func(token string) {
			// A function that answers for itself before it returns.
			require.NoError(t, w.engine.SendTaskHeartbeat(token))
			require.NoError(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{"self": true}`)))
			assert.ErrorIs(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{"twice": true}`)), ErrTaskTimedOut)
		}
		x := w.start(approval(`, "HeartbeatSeconds": 60`), `{"request": "r-1"}`)
		w.clk.Advance(time.Minute)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"request": "r-1", "approval": {"self": true}}`, string(x.Output()))
		types := eventTypes(x)
		assert.Equal(t, []EventType{TaskStarted, TaskSubmitted, TaskSucceeded}, types[3:6])
		assert.Equal(t, epoch, x.StopDate(), "no waiting")
	})
	t.Run("failure", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		ask.during = func(token string) { require.NoError(t, w.engine.SendTaskFailure(token, "Self.Refused", "")) }
		x := w.start(approval(""), `{"request": "r-1"}`)
		w.clk.Advance(time.Minute)
		require.Equal(t, StatusFailed, x.Status())
		name, _ := x.Error()
		assert.Equal(t, "Self.Refused", name)
	})
	t.Run("from another goroutine", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		ask.during = func(token string) {
			done := make(chan error)
			go func() { done <- w.engine.SendTaskSuccess(token, json.RawMessage(`1`)) }()
			require.NoError(t, <-done)
		}
		x := w.start(approval(""), `{"request": "r-1"}`)
		w.clk.Advance(time.Minute)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"request": "r-1", "approval": 1}`, string(x.Output()))
	})
}

func TestCallbackInvocationFailureIsALambdaInvokeFailure(t *testing.T) {
	w := newWorld(t)
	var token string
	w.lambda.handle("ask", func(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
		var in struct{ Token string }
		require.NoError(t, json.Unmarshal(p, &in))
		token = in.Token
		return nil, &TaskError{Name: "Lambda.ServiceException", Cause: "boom"}
	})
	x := w.start(approval(`, "Catch": [{"ErrorEquals": ["Lambda.ServiceException"], "ResultPath": "$.error", "Next": "Caught"}]`), `{"request": "r-1"}`)
	w.clk.Advance(time.Minute)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.JSONEq(t, `{"request": "r-1", "error": {"Error": "Lambda.ServiceException", "Cause": "boom"}}`, string(x.Output()))
	assert.Empty(t, findEvents(x, TaskSubmitted))
	assert.Len(t, findEvents(x, TaskFailed), 1)
	assert.ErrorIs(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{}`)), ErrTaskTimedOut, "the attempt is over")
}

func TestCallbackSendErrors(t *testing.T) {
	w := newWorld(t)
	ask := newAsker(w)
	x := w.start(approval(""), `{"request": "r-1"}`)
	w.clk.Advance(time.Minute)
	token := ask.last(t)

	// A token this engine did not make, but could have: another engine's.
	elsewhere := newWorld(t)
	elsewhereAsk := newAsker(elsewhere)
	elsewhere.engine.Rand = rand.New(rand.NewPCG(7, 8))
	elsewhere.start(approval(""), `{"request": "r-2"}`)
	elsewhere.clk.Advance(time.Minute)
	unknown := elsewhereAsk.last(t)

	garbled := []byte(token)
	garbled[len(garbled)/2] ^= 1 // still base64, the checksum no longer matches
	for _, bad := range []string{"", "not a token", token[:len(token)-4], string(garbled), strings.Repeat("A", 40)} {
		assert.ErrorIs(t, w.engine.SendTaskSuccess(bad, json.RawMessage(`{}`)), ErrInvalidToken, "%q", bad)
		assert.ErrorIs(t, w.engine.SendTaskFailure(bad, "E", ""), ErrInvalidToken, "%q", bad)
		assert.ErrorIs(t, w.engine.SendTaskHeartbeat(bad), ErrInvalidToken, "%q", bad)
		_, err := w.engine.TaskExecution(bad)
		assert.ErrorIs(t, err, ErrInvalidToken)
	}
	assert.ErrorIs(t, w.engine.SendTaskSuccess(unknown, json.RawMessage(`{}`)), ErrTaskDoesNotExist)
	assert.ErrorIs(t, w.engine.SendTaskFailure(unknown, "E", ""), ErrTaskDoesNotExist)
	assert.ErrorIs(t, w.engine.SendTaskHeartbeat(unknown), ErrTaskDoesNotExist)
	_, err := w.engine.TaskExecution(unknown)
	assert.ErrorIs(t, err, ErrTaskDoesNotExist)

	assert.ErrorIs(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{"a": `)), ErrInvalidOutput)
	assert.ErrorIs(t, w.engine.SendTaskSuccess(token, nil), ErrInvalidOutput)
	big := json.RawMessage(`"` + strings.Repeat("x", maxPayload) + `"`)
	assert.ErrorIs(t, w.engine.SendTaskSuccess(token, big), ErrInvalidOutput)
	require.Equal(t, StatusRunning, x.Status(), "refused sends leave the task waiting")

	require.True(t, x.Stop("Operator", "cancelled"))
	assert.ErrorIs(t, w.engine.SendTaskSuccess(token, json.RawMessage(`{}`)), ErrTaskTimedOut, "a stopped execution closes its token")
	assert.ErrorIs(t, w.engine.SendTaskHeartbeat(token), ErrTaskTimedOut)
	w.clk.Advance(time.Minute)
	assert.Equal(t, StatusAborted, x.Status())
	types := eventTypes(x)
	assert.Equal(t, []EventType{TaskSubmitted, TaskStateAborted, ExecutionAborted}, types[len(types)-3:])
}

func TestCallbackTaskAndTheExecutionTimeout(t *testing.T) {
	w := newWorld(t)
	ask := newAsker(w)
	x := w.start(`{"TimeoutSeconds": 120, "StartAt": "Approve", "States": {"Approve": {"Type": "Task", "Resource": "`+callbackARN+`",
		"Parameters": {"FunctionName": "ask", "Payload": {"token.$": "$$.Task.Token"}}, "End": true}}}`, `{}`)
	w.clk.Advance(time.Hour)
	require.Equal(t, StatusTimedOut, x.Status())
	assert.Equal(t, epoch.Add(2*time.Minute), x.StopDate())
	types := eventTypes(x)
	assert.Equal(t, []EventType{TaskSubmitted, TaskStateAborted, ExecutionTimedOut}, types[len(types)-3:])
	assert.ErrorIs(t, w.engine.SendTaskSuccess(ask.last(t), json.RawMessage(`{}`)), ErrTaskTimedOut)
}

func TestCallbackRetryAndRedriveGetNewTokens(t *testing.T) {
	t.Run("a retry", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		x := w.start(approval(`, "Retry": [{"ErrorEquals": ["Approval.Later"], "IntervalSeconds": 60}]`), `{"request": "r-1"}`)
		w.clk.Advance(time.Second)
		first := ask.last(t)
		require.NoError(t, w.engine.SendTaskFailure(first, "Approval.Later", ""))
		w.clk.Advance(2 * time.Minute)
		second := ask.last(t)
		assert.NotEqual(t, first, second, "every attempt has its own token")
		assert.ErrorIs(t, w.engine.SendTaskSuccess(first, json.RawMessage(`{}`)), ErrTaskTimedOut)
		require.NoError(t, w.engine.SendTaskSuccess(second, json.RawMessage(`"ok"`)))
		w.clk.Advance(time.Minute)
		require.Equal(t, StatusSucceeded, x.Status())
	})

	t.Run("a redrive after an uncaught timeout", func(t *testing.T) {
		w := newWorld(t)
		ask := newAsker(w)
		x := w.start(approval(`, "TimeoutSeconds": 300`), `{"request": "r-1"}`)
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusFailed, x.Status())
		name, _ := x.Error()
		require.Equal(t, ErrorTimeout, name)
		first := ask.last(t)

		require.NoError(t, w.engine.Redrive(context.Background(), x))
		w.clk.Advance(time.Minute)
		require.Len(t, ask.all(), 2, "the redrive invokes the function again")
		second := ask.last(t)
		assert.NotEqual(t, first, second)
		assert.ErrorIs(t, w.engine.SendTaskSuccess(first, json.RawMessage(`{}`)), ErrTaskTimedOut)
		require.NoError(t, w.engine.SendTaskSuccess(second, json.RawMessage(`"approved"`)))
		w.clk.Advance(time.Minute)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"request": "r-1", "approval": "approved"}`, string(x.Output()))
	})
}

func TestTaskTokenOutsideACallbackTask(t *testing.T) {
	for name, states := range map[string]string{
		"Pass":          `{"S": {"Type": "Pass", "Parameters": {"t.$": "$$.Task.Token"}, "End": true}}`,
		"lambda:invoke": `{"S": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "ask", "Payload": {"t.$": "$$.Task"}}, "End": true}}`,
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			newAsker(w)
			x := w.run(machine("S", states), `{}`)
			require.Equal(t, StatusFailed, x.Status())
			errName, _ := x.Error()
			assert.Equal(t, ErrorRuntime, errName, "$$.Task exists only in a callback task's Parameters")
		})
	}
}

func TestTaskTokensRepeatForASeed(t *testing.T) {
	run := func(seed uint64) []string {
		w := newWorld(t)
		w.engine.Rand = rand.New(rand.NewPCG(seed, seed))
		ask := newAsker(w)
		ask.during = func(token string) { _ = w.engine.SendTaskFailure(token, "Again", "") }
		w.start(approval(`, "Retry": [{"ErrorEquals": ["Again"], "MaxAttempts": 2}]`), `{"request": "r-1"}`)
		w.clk.Advance(time.Hour)
		return ask.all()
	}
	a, b := run(42), run(42)
	require.Len(t, a, 3)
	assert.Equal(t, a, b, "the same seed gives the same tokens")
	assert.NotEqual(t, a, run(43))
	for _, token := range a {
		assert.LessOrEqual(t, len(token), 2048, "the SendTask* API takes tokens of up to 2048 characters")
		info, err := ParseTaskToken(token)
		require.NoError(t, err)
		assert.Equal(t, TaskToken{StateMachineARN: testInfo.StateMachineARN, ExecutionARN: testInfo.ARN}, info)
	}
}

// Under a Virtual clock a run with callbacks repeats exactly: tokens,
// timestamps and events, whichever goroutine the tokens are sent from.
func TestCallbackRunsRepeat(t *testing.T) {
	history := func() string {
		w := newWorld(t)
		ask := newAsker(w)
		x := w.start(approval(`, "HeartbeatSeconds": 300, "Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 30}]`), `{"request": "r-1"}`)
		w.clk.Advance(4 * time.Minute)
		sent := make(chan error)
		go func() { sent <- w.engine.SendTaskHeartbeat(ask.last(t)) }()
		require.NoError(t, <-sent)
		w.clk.Advance(20 * time.Minute) // the heartbeat lapses at 9m, 14m30s and 20m30s; each retry asks again
		require.NoError(t, w.engine.SendTaskSuccess(ask.last(t), json.RawMessage(`{"approved": true}`)))
		w.clk.Advance(time.Minute)
		require.Equal(t, StatusSucceeded, x.Status())
		require.Len(t, ask.all(), 4)
		b, err := json.Marshal(x.History())
		require.NoError(t, err)
		return string(b)
	}
	first := history()
	assert.Equal(t, first, history())
	assert.Contains(t, first, `"error":"States.HeartbeatTimeout"`)
}

// TimeoutSecondsPath and HeartbeatSecondsPath read the wait's deadlines from
// the state's input at each attempt; a value that is not a positive integer
// fails the state with States.Runtime.
func TestCallbackTaskTimeoutFromThePath(t *testing.T) {
	catch := `, "TimeoutSecondsPath": "$.wait", "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Caught"}]`
	w := newWorld(t)
	newAsker(w)
	x := w.start(approval(catch), `{"request": "r-1", "wait": 900}`)
	w.clk.Advance(24 * time.Hour)
	require.Equal(t, StatusSucceeded, x.Status())
	timedOut := findEvents(x, TaskTimedOut)
	require.Len(t, timedOut, 1)
	assert.Equal(t, epoch.Add(15*time.Minute), timedOut[0].Timestamp)
	scheduled := findEvents(x, TaskScheduled)
	require.Len(t, scheduled, 1)
	assert.Equal(t, int64(900), scheduled[0].TimeoutInSeconds, "the history shows the resolved timeout")

	for _, bad := range []string{`"soon"`, `0`, `-5`, `1.5`} {
		w := newWorld(t)
		newAsker(w)
		x := w.start(approval(catch), `{"request": "r-1", "wait": `+bad+`}`)
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusFailed, x.Status(), bad)
		name, cause := x.Error()
		assert.Equal(t, "States.Runtime", name, bad)
		assert.Contains(t, cause, "TimeoutSecondsPath", bad)
	}

	_, err := Parse([]byte(approval(`, "TimeoutSeconds": 60, "TimeoutSecondsPath": "$.wait"`)))
	assert.ErrorContains(t, err, "cannot be used together with TimeoutSeconds")
}
