package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/clock"
)

// twentyStates is a machine of 20 states: ten lambda:invoke Tasks, each
// followed by a Pass building the next payload, the last one ending.
func twentyStates() string {
	var b strings.Builder
	for i := range 10 {
		next := fmt.Sprintf(`"Next": "Shape%d"`, i)
		fmt.Fprintf(&b, `"Step%d": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "step", "Payload": {"n.$": "$.n", "request.$": "$$.Execution.Input.request"}},
			"ResultSelector": {"n.$": "$.Payload.n"}, "ResultPath": "$.last", %s},`, i, next)
		end := fmt.Sprintf(`"Next": "Step%d"`, i+1)
		if i == 9 {
			end = `"End": true`
		}
		fmt.Fprintf(&b, `"Shape%d": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.last.n, 1)", "tag.$": "States.Format('step-{}', $.last.n)"}, %s}`, i, end)
		if i < 9 {
			b.WriteString(",")
		}
	}
	return machine("Step0", "{"+b.String()+"}")
}

// stepFunction returns its payload's n.
func stepFunction(_ context.Context, p json.RawMessage) (json.RawMessage, error) {
	var in struct {
		N int `json:"n"`
	}
	if err := json.Unmarshal(p, &in); err != nil {
		return nil, err
	}
	return json.RawMessage(fmt.Sprintf(`{"n": %d}`, in.N)), nil
}

func BenchmarkExecution20States(b *testing.B) {
	m, err := Parse([]byte(twentyStates()))
	require.NoError(b, err)
	invoke := func(ctx context.Context, _ string, p json.RawMessage) (json.RawMessage, error) {
		return stepFunction(ctx, p)
	}
	e := &Engine{Clock: clock.NewReal(1), Invoker: InvokerFunc(invoke), Rand: rand.New(rand.NewPCG(1, 2))}
	b.ReportAllocs()
	for b.Loop() {
		x, err := e.Start(context.Background(), m, testInfo, json.RawMessage(`{"n": 0, "request": "r-1"}`))
		if err != nil {
			b.Fatal(err)
		}
		<-x.Done()
		if x.Status() != StatusSucceeded {
			b.Fatal(x.Error())
		}
	}
}

func TestTwentyStateMachine(t *testing.T) {
	w := newWorld(t)
	w.lambda.handle("step", stepFunction)
	x := w.run(twentyStates(), `{"n": 0, "request": "r-1"}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.JSONEq(t, `{"n": 10, "tag": "step-9"}`, string(x.Output()))
	assert.Equal(t, 10, w.lambda.count("step"))
}

// Under the Real clock executions run concurrently; the engine's shared state
// (history, random source, observer calls) must stay consistent.
func TestConcurrentExecutionsOnTheRealClock(t *testing.T) {
	m, err := Parse([]byte(machine("Jitter", `{
		"Jitter": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "flaky", "Payload": {"exec.$": "$$.Execution.Name", "id.$": "States.UUID()"}},
			"Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "JitterStrategy": "FULL"}], "Next": "Wait"},
		"Wait": {"Type": "Wait", "Seconds": 30, "Next": "Done"},
		"Done": {"Type": "Succeed"}}`)))
	require.NoError(t, err)
	var mu sync.Mutex
	attempts := map[string]int{}
	events := 0
	e := &Engine{
		Clock: clock.NewReal(1e6), // a simulated minute takes 60 µs
		Rand:  rand.New(rand.NewPCG(3, 4)),
		Invoker: InvokerFunc(func(_ context.Context, _ string, p json.RawMessage) (json.RawMessage, error) {
			var in struct{ Exec string }
			if err := json.Unmarshal(p, &in); err != nil {
				return nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			attempts[in.Exec]++
			if attempts[in.Exec] == 1 {
				return nil, &TaskError{Name: "Lambda.TooManyRequestsException"}
			}
			return p, nil
		}),
		Observer: func(*Execution, HistoryEvent) {
			mu.Lock()
			events++
			mu.Unlock()
		},
	}
	var xs []*Execution
	for i := range 20 {
		info := testInfo
		info.Name = fmt.Sprintf("exec-%d", i)
		x, err := e.Start(context.Background(), m, info, json.RawMessage(`{}`))
		require.NoError(t, err)
		xs = append(xs, x)
	}
	xs[0].Stop("Stopped", "")
	total := 0
	for _, x := range xs {
		select {
		case <-x.Done():
		case <-time.After(10 * time.Second): // a safety net for a hung engine, not a timing assertion
			t.Fatalf("execution %s did not finish", x.Info().Name)
		}
		total += len(x.History())
	}
	for _, x := range xs[1:] {
		assert.Equal(t, StatusSucceeded, x.Status())
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, total, events, "the observer saw every event")
}
