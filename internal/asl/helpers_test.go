package asl

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/clock"
)

var epoch = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

var testInfo = ExecutionInfo{
	ARN:              "arn:aws:states:us-east-1:123456789012:execution:vend:exec-1",
	Name:             "exec-1",
	StateMachineARN:  "arn:aws:states:us-east-1:123456789012:stateMachine:vend",
	StateMachineName: "vend",
	RoleARN:          "arn:aws:iam::123456789012:role/vend-sfn",
}

// call is one invocation seen by the fake Lambda service.
type call struct {
	at       time.Time
	function string
	payload  string
}

// lambdas is a fake Lambda service: a handler per function name, and a log of calls.
type lambdas struct {
	clk      clock.Clock
	mu       sync.Mutex
	calls    []call
	handlers map[string]func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)
}

func (l *lambdas) Invoke(ctx context.Context, function string, payload json.RawMessage) (json.RawMessage, error) {
	l.mu.Lock()
	l.calls = append(l.calls, call{at: l.clk.Now(), function: function, payload: string(payload)})
	h := l.handlers[function]
	l.mu.Unlock()
	if h == nil {
		return nil, &TaskError{Name: "Lambda.ResourceNotFoundException", Cause: "Function not found: " + function}
	}
	return h(ctx, payload)
}

func (l *lambdas) handle(function string, h func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.handlers[function] = h
}

// returns makes a handler that always answers out.
func returns(out string) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	return func(context.Context, json.RawMessage) (json.RawMessage, error) { return json.RawMessage(out), nil }
}

// echo makes a handler that returns its payload.
func echo(_ context.Context, p json.RawMessage) (json.RawMessage, error) { return p, nil }

func (l *lambdas) log() []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]call(nil), l.calls...)
}

func (l *lambdas) count(function string) int {
	n := 0
	for _, c := range l.log() {
		if c.function == function {
			n++
		}
	}
	return n
}

// world is an engine on a held virtual clock with a fake Lambda service.
type world struct {
	t      *testing.T
	clk    *clock.Virtual
	lambda *lambdas
	engine *Engine
}

func newWorld(t *testing.T) *world {
	t.Helper()
	v := clock.NewVirtual(epoch, 0)
	l := &lambdas{clk: v, handlers: map[string]func(context.Context, json.RawMessage) (json.RawMessage, error){}}
	return &world{t: t, clk: v, lambda: l, engine: &Engine{Clock: v, Invoker: l, Rand: rand.New(rand.NewPCG(1, 2))}}
}

func (w *world) start(def, input string) *Execution {
	w.t.Helper()
	m, err := Parse([]byte(def))
	require.NoError(w.t, err)
	x, err := w.engine.Start(context.Background(), m, testInfo, json.RawMessage(input))
	require.NoError(w.t, err)
	return x
}

// run starts an execution and lets a simulated day pass.
func (w *world) run(def, input string) *Execution {
	w.t.Helper()
	x := w.start(def, input)
	w.clk.Advance(24 * time.Hour)
	return x
}

// eventTypes lists the types of an execution's history.
func eventTypes(x *Execution) []EventType {
	var out []EventType
	for _, e := range x.History() {
		out = append(out, e.Type)
	}
	return out
}

// findEvents returns the history events of one type.
func findEvents(x *Execution, typ EventType) []HistoryEvent {
	var out []HistoryEvent
	for _, e := range x.History() {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// machine wraps states into a definition starting at the first one given.
func machine(startAt, states string) string {
	return `{"StartAt":"` + startAt + `","States":` + states + `}`
}
