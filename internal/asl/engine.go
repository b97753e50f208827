package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/towervend/towervend/internal/clock"
)

// Invoker runs a Lambda function for a Task state. function is what the
// definition names: the FunctionName parameter of lambda:invoke as evaluated
// (a name, or a full or partial ARN) or the Resource ARN of a plain Lambda Task.
// It returns the function's JSON output; to fail the Task with a named error it
// returns a *TaskError, and any other error fails it with States.TaskFailed.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload json.RawMessage) (json.RawMessage, error)
}

// InvokerFunc adapts a function to an Invoker.
type InvokerFunc func(ctx context.Context, function string, payload json.RawMessage) (json.RawMessage, error)

// Invoke implements Invoker.
func (f InvokerFunc) Invoke(ctx context.Context, function string, payload json.RawMessage) (json.RawMessage, error) {
	return f(ctx, function, payload)
}

// Engine runs executions of parsed Machines. All waiting (Wait states, Retry
// backoff, the execution timeout) goes through Clock, and every execution runs
// as clock-scheduled work, so under a clock.Virtual a day-long workflow runs in
// milliseconds and deterministically for a given Rand seed.
//
// An Engine must not be copied after first use. Its fields must not change
// while executions run.
type Engine struct {
	// Clock schedules executions and measures all time. Required.
	Clock clock.Clock
	// Invoker runs Lambda functions. Required when a machine has Task states.
	Invoker Invoker
	// Rand drives retry jitter, States.MathRandom, States.UUID and the request
	// ids of lambda:invoke results. Nil means a randomly seeded source.
	Rand *rand.Rand
	// Observer, when set, is called with every history event as it is
	// recorded, from the goroutine that recorded it and without engine locks
	// held (so it may call the Execution's accessors). Under a Real clock
	// executions run concurrently: it must then be safe for concurrent use.
	// Under a Virtual clock it runs inside clock-scheduled work and must not
	// block on other clock-scheduled work.
	Observer func(*Execution, HistoryEvent)

	once sync.Once
	rnd  *lockedRand

	tokensMu sync.Mutex
	tokens   map[string]*callback // every callback task attempt's token, open or closed
}

// ExecutionInfo identifies an execution, as the Step Functions API names it.
// The engine uses these values in the context object and history; it does not
// check them.
type ExecutionInfo struct {
	ARN              string
	Name             string
	StateMachineARN  string
	StateMachineName string
	RoleARN          string
}

// Status is an execution status as the Step Functions API names it.
type Status string

// Execution statuses.
const (
	StatusRunning   Status = "RUNNING"
	StatusSucceeded Status = "SUCCEEDED"
	StatusFailed    Status = "FAILED"
	StatusTimedOut  Status = "TIMED_OUT"
	StatusAborted   Status = "ABORTED"
)

// maxHistoryEvents is Step Functions' limit on an execution's history; reaching
// it fails the execution, which also ends runaway loops in tests.
const maxHistoryEvents = 25000

// lockedRand makes one *rand.Rand safe for the concurrent executions of a Real clock.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func (l *lockedRand) float64() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

func (l *lockedRand) uint64N(n uint64) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Uint64N(n)
}

// bytes returns n random bytes.
func (l *lockedRand) bytes(n int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := l.r.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v >> (8 * (j - i)))
		}
	}
	return b
}

// uuid returns a version 4 UUID.
func (l *lockedRand) uuid() string {
	l.mu.Lock()
	a, b := l.r.Uint64(), l.r.Uint64()
	l.mu.Unlock()
	var u [16]byte
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func (e *Engine) random() *lockedRand {
	e.once.Do(func() {
		r := e.Rand
		if r == nil {
			r = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		}
		e.rnd = &lockedRand{r: r}
	})
	return e.rnd
}

// Execution is one run of a Machine. Its accessors are safe for concurrent use.
type Execution struct {
	engine  *Engine
	machine *Machine
	info    ExecutionInfo
	input   any
	rawIn   json.RawMessage

	mu           sync.Mutex
	gen          uint64 // run generation: a redrive starts a new one; older runs' work is dropped
	status       Status
	output       json.RawMessage
	errName      string
	cause        string
	startDate    time.Time
	stopDate     time.Time
	redriveDate  time.Time
	redriveCount int
	history      []HistoryEvent
	delivered    int        // history events handed to the Observer
	notifyMu     sync.Mutex // one delivery to the Observer at a time
	frames       []frame    // states (and Map iterations) in progress, outermost first
	resumeState  string     // the top-level state a redrive resumes at
	resumeInput  any
	callback     *callback // the callback task waiting now (Map and Parallel run one at a time)
	cancel       context.CancelFunc
	stopTimer    func() bool
	done         chan struct{}
}

// frame is a state or Map iteration in progress, for CurrentState and the
// *Aborted events of Stop and timeouts.
type frame struct {
	typ   string
	name  string
	index int // Map iteration index; -1 for states
}

// Start validates input (nil or empty means {}) and starts an execution of m
// as clock-scheduled work. It records ExecutionStarted before returning. The
// execution keeps ctx's values but not its cancellation: it outlives the call
// that started it, as in Step Functions; use Stop to end it.
func (e *Engine) Start(ctx context.Context, m *Machine, info ExecutionInfo, input json.RawMessage) (*Execution, error) {
	if m == nil {
		return nil, errors.New("start execution: machine is nil")
	}
	if e.Clock == nil {
		return nil, errors.New("start execution: Engine.Clock is nil")
	}
	if m.hasTasks && e.Invoker == nil {
		return nil, errors.New("start execution: the machine has Task states but Engine.Invoker is nil")
	}
	if len(strings.TrimSpace(string(input))) == 0 {
		input = json.RawMessage("{}")
	}
	if len(input) > maxPayload {
		return nil, fmt.Errorf("start execution %q: input is %d bytes, more than the %d-byte limit", info.Name, len(input), maxPayload)
	}
	in, err := decodeJSON(input)
	if err != nil {
		return nil, fmt.Errorf("start execution %q: input is not valid JSON: %w", info.Name, err)
	}
	raw, err := encodeJSON(in)
	if err != nil {
		return nil, fmt.Errorf("start execution %q: %w", info.Name, err)
	}
	x := &Execution{
		engine:      e,
		machine:     m,
		info:        info,
		input:       in,
		rawIn:       raw,
		status:      StatusRunning,
		startDate:   e.Clock.Now(),
		resumeState: m.root.startAt,
		resumeInput: in,
	}
	x.mu.Lock()
	r := x.beginLocked(ctx, HistoryEvent{Type: ExecutionStarted, Input: x.rawIn, RoleARN: info.RoleARN})
	x.mu.Unlock()
	r.launch()
	return x, nil
}

// Redrive restarts a FAILED, TIMED_OUT or ABORTED execution at the top-level
// state that did not succeed, with the input that state received; states that
// succeeded are not run again. It increments RedriveCount, records
// ExecutionRedriven and restarts the execution timeout. A Map or Parallel state
// is re-run whole (AWS re-runs only its failed iterations or branches). For a
// RUNNING or SUCCEEDED execution it returns an error wrapping ErrNotRedrivable.
func (e *Engine) Redrive(ctx context.Context, x *Execution) error {
	if x == nil || x.engine != e {
		return errors.New("redrive execution: the execution was not started by this engine")
	}
	now := e.Clock.Now()
	x.mu.Lock()
	if x.status == StatusRunning || x.status == StatusSucceeded {
		st := x.status
		x.mu.Unlock()
		return fmt.Errorf("redrive execution %q: it is %s: %w", x.info.Name, st, ErrNotRedrivable)
	}
	x.gen++
	x.status = StatusRunning
	x.redriveCount++
	x.redriveDate = now
	x.stopDate = time.Time{}
	x.errName, x.cause, x.output = "", "", nil
	x.frames = nil
	r := x.beginLocked(ctx, HistoryEvent{Type: ExecutionRedriven, RedriveCount: x.redriveCount})
	x.mu.Unlock()
	r.launch()
	return nil
}

// beginLocked sets up a new run (generation x.gen) and records its first
// event, all under x.mu so that a concurrent Stop sees a complete run.
func (x *Execution) beginLocked(ctx context.Context, first HistoryEvent) *runner {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	x.cancel = cancel
	x.done = make(chan struct{})
	r := &runner{x: x, e: x.engine, gen: x.gen, ctx: runCtx, start: x.resumeState, input: x.resumeInput}
	if secs := x.machine.timeoutSeconds; secs > 0 {
		begin := x.startDate
		if x.redriveCount > 0 {
			begin = x.redriveDate
		}
		r.deadline = begin.Add(time.Duration(secs) * time.Second)
	}
	x.appendLocked(x.engine.Clock.Now(), []HistoryEvent{first})
	return r
}

// launch reports the run's first event, arms the execution timeout and
// schedules the run on the clock.
func (r *runner) launch() {
	r.x.notify()
	if !r.deadline.IsZero() {
		stop := r.e.Clock.AfterFunc(r.deadline.Sub(r.e.Clock.Now()), r.timeout)
		r.x.mu.Lock()
		if r.x.gen == r.gen && r.x.status == StatusRunning {
			r.x.stopTimer = stop
		} else {
			stop()
		}
		r.x.mu.Unlock()
	}
	r.e.Clock.Go(r.run)
}

// Stop aborts a running execution with the given error and cause, as
// StopExecution does: it is ABORTED at once, and the run notices at its next
// state boundary or as soon as its current wait is cut short. It reports whether
// the execution was running.
func (x *Execution) Stop(errName, cause string) bool {
	x.mu.Lock()
	gen := x.gen
	x.mu.Unlock()
	return x.end(gen, StatusAborted, errName, cause, nil)
}

// end closes run gen with a final status, unless it already ended. For ABORTED
// and TIMED_OUT it first records the *Aborted events of the states in progress.
func (x *Execution) end(gen uint64, status Status, errName, cause string, output json.RawMessage) bool {
	now := x.engine.Clock.Now()
	x.mu.Lock()
	if x.gen != gen || x.status != StatusRunning {
		x.mu.Unlock()
		return false
	}
	var evs []HistoryEvent
	if status == StatusAborted || status == StatusTimedOut {
		for i := len(x.frames) - 1; i >= 0; i-- {
			f := x.frames[i]
			switch {
			case f.index >= 0:
				evs = append(evs, HistoryEvent{Type: MapIterationAborted, StateName: f.name, Index: f.index})
			case f.typ == "Task" || f.typ == "Wait" || f.typ == "Map" || f.typ == "Parallel":
				evs = append(evs, HistoryEvent{Type: EventType(f.typ + "StateAborted"), StateName: f.name})
			}
		}
	}
	final := HistoryEvent{Error: errName, Cause: cause}
	switch status {
	case StatusSucceeded:
		final = HistoryEvent{Type: ExecutionSucceeded, Output: output}
	case StatusFailed:
		final.Type = ExecutionFailed
	case StatusAborted:
		final.Type = ExecutionAborted
	case StatusTimedOut:
		final.Type = ExecutionTimedOut
	}
	x.appendLocked(now, append(evs, final))
	x.status = status
	x.output = output
	x.errName, x.cause = errName, cause
	x.stopDate = now
	x.frames = nil
	x.cancel()
	if x.callback != nil {
		// Its token is closed for good: a later SendTask* gets TaskTimedOut.
		// Waking the run (it returns, its context being done) keeps a Virtual
		// clock's run deterministic.
		x.callback.abandon()
		x.callback = nil
	}
	if x.stopTimer != nil {
		x.stopTimer()
		x.stopTimer = nil
	}
	done := x.done
	x.mu.Unlock()
	x.notify()
	close(done) // after the observer has seen the final event
	return true
}

// appendLocked numbers and timestamps events and appends them. x.mu is held.
func (x *Execution) appendLocked(now time.Time, evs []HistoryEvent) {
	for i := range evs {
		evs[i].ID = int64(len(x.history) + 1)
		evs[i].PreviousEventID = int64(len(x.history))
		evs[i].Timestamp = now
		x.history = append(x.history, evs[i])
	}
}

// notify hands the observer every event recorded and not yet delivered, in
// history order. Deliveries for one execution never overlap (notifyMu), so
// when a caller's notify returns, its own events and every earlier one have
// been seen. Recorded events are never changed, so the slice is read unlocked.
func (x *Execution) notify() {
	obs := x.engine.Observer
	if obs == nil {
		return
	}
	x.notifyMu.Lock()
	defer x.notifyMu.Unlock()
	for {
		x.mu.Lock()
		pending := x.history[x.delivered:]
		x.delivered = len(x.history)
		x.mu.Unlock()
		if len(pending) == 0 {
			return
		}
		for _, ev := range pending {
			obs(x, ev)
		}
	}
}

// Machine returns the machine the execution runs.
func (x *Execution) Machine() *Machine { return x.machine }

// Info returns the identifiers the execution was started with.
func (x *Execution) Info() ExecutionInfo { return x.info }

// Input returns the execution input.
func (x *Execution) Input() json.RawMessage { return slices.Clone(x.rawIn) }

// Status returns the execution status.
func (x *Execution) Status() Status { return locked(x, &x.status) }

// Output returns the output of a SUCCEEDED execution, nil otherwise.
func (x *Execution) Output() json.RawMessage {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.output)
}

// Error returns the error name and cause of a FAILED, TIMED_OUT or ABORTED execution.
func (x *Execution) Error() (name, cause string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.errName, x.cause
}

// StartDate returns when the execution started.
func (x *Execution) StartDate() time.Time { return locked(x, &x.startDate) }

// StopDate returns when the execution (or its latest redrive) ended; zero while it runs.
func (x *Execution) StopDate() time.Time { return locked(x, &x.stopDate) }

// RedriveCount returns how many times the execution was redriven.
func (x *Execution) RedriveCount() int { return locked(x, &x.redriveCount) }

// RedriveDate returns when the execution was last redriven; zero if never.
func (x *Execution) RedriveDate() time.Time { return locked(x, &x.redriveDate) }

// History returns a copy of the history events recorded so far. The events'
// Input, Output and Parameters bytes are shared with the engine: read them,
// do not modify them.
func (x *Execution) History() []HistoryEvent {
	x.mu.Lock()
	defer x.mu.Unlock()
	return slices.Clone(x.history)
}

// CurrentState returns the innermost state running now (inside a Map or
// Parallel, the nested state), or "" when none is.
func (x *Execution) CurrentState() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	for i := len(x.frames) - 1; i >= 0; i-- {
		if x.frames[i].index < 0 {
			return x.frames[i].name
		}
	}
	return ""
}

// Done returns a channel closed when the current run ends (a redrive starts a
// new run with a new channel). Only code outside clock-scheduled work may wait
// on it: under a Virtual clock, waiting from inside would stop time.
func (x *Execution) Done() <-chan struct{} { return locked(x, &x.done) }

// locked reads one of the execution's fields, which its run changes, under its lock.
func locked[T any](x *Execution, field *T) T {
	x.mu.Lock()
	defer x.mu.Unlock()
	return *field
}
