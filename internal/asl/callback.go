package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/towervend/towervend/internal/clock"
)

// Callback tasks (Resource arn:aws:states:::lambda:invoke.waitForTaskToken).
// Each attempt gets a new token in $$.Task.Token; the engine invokes the
// function and, once the invocation has returned, waits for SendTaskSuccess or
// SendTaskFailure on that token, as Step Functions does (AWS Step Functions
// Developer Guide, "Wait for a Callback with Task Token"). TimeoutSeconds counts
// from the task's start whatever the heartbeats; HeartbeatSeconds from the
// start or the latest SendTaskHeartbeat (SendTaskHeartbeat API reference).
//
// The wait is a clock.Alarm: under a Virtual clock the waiting run holds no
// turn, and a Send* call, from whatever goroutine, gives the run its turn
// back at once, so a run stays deterministic.

// callback is one attempt of a callback task, from the making of its token
// until it closes.
type callback struct {
	token     string
	x         *Execution
	alarm     clock.Alarm
	started   time.Time
	timeout   time.Duration // TimeoutSeconds; 0: none
	heartbeat time.Duration // HeartbeatSeconds; 0: none

	mu       sync.Mutex
	lastBeat time.Time
	closed   bool
	// result is what closed the task; nil while it is open, and after it was
	// abandoned (its execution ended, its Parameters or invocation failed).
	result *callbackResult
}

// callbackResult is how a callback task ended: SendTaskSuccess's output, or a
// failure (SendTaskFailure's, or a timeout).
type callbackResult struct {
	output   json.RawMessage
	failure  *failure
	timedOut bool
}

// deadlineLocked is when the task times out unless something happens first,
// and with which error; zero when it has no timeouts. cb.mu is held.
func (cb *callback) deadlineLocked() (time.Time, string) {
	var at time.Time
	name := ""
	if cb.timeout > 0 {
		at, name = cb.started.Add(cb.timeout), ErrorTimeout
	}
	if cb.heartbeat > 0 {
		// On a tie the task's own timeout is the one that ends it.
		if hb := cb.lastBeat.Add(cb.heartbeat); name == "" || hb.Before(at) {
			at, name = hb, ErrorHeartbeatTimeout
		}
	}
	return at, name
}

// expireLocked closes the task as timed out if a deadline has passed. cb.mu is held.
func (cb *callback) expireLocked(now time.Time) bool {
	at, name := cb.deadlineLocked()
	if cb.closed || name == "" || now.Before(at) {
		return false
	}
	cb.closed = true
	cb.result = &callbackResult{failure: &failure{name: name}, timedOut: true}
	return true
}

// deliver closes the task with a result from SendTaskSuccess or SendTaskFailure.
func (cb *callback) deliver(now time.Time, res *callbackResult) error {
	cb.mu.Lock()
	expired := cb.expireLocked(now)
	closed := cb.closed
	if !closed {
		cb.closed, cb.result = true, res
	}
	cb.mu.Unlock()
	if expired || !closed {
		cb.alarm.Wake()
	}
	if closed {
		return ErrTaskTimedOut
	}
	return nil
}

// beat restarts the HeartbeatSeconds clock.
func (cb *callback) beat(now time.Time) error {
	cb.mu.Lock()
	expired := cb.expireLocked(now)
	closed := cb.closed
	if !closed {
		cb.lastBeat = now
	}
	cb.mu.Unlock()
	if expired || !closed {
		cb.alarm.Wake() // the waiter's next deadline moved
	}
	if closed {
		return ErrTaskTimedOut
	}
	return nil
}

// abandon closes the task without a result: its execution ended, or the
// attempt failed before it could wait.
func (cb *callback) abandon() {
	cb.mu.Lock()
	cb.closed = true
	cb.mu.Unlock()
	cb.alarm.Wake()
}

// poll is the waiting run's look at the task: how it ended, or until when to
// wait (zero: no deadline). It closes a task whose deadline has passed.
func (cb *callback) poll(now time.Time) (res *callbackResult, closed bool, until time.Time) {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	cb.expireLocked(now)
	if cb.closed {
		return cb.result, true, time.Time{}
	}
	until, _ = cb.deadlineLocked()
	return nil, false, until
}

// SendTaskSuccess completes the callback task of token with output, which
// becomes the task's result (before ResultSelector, ResultPath and
// OutputPath), as the SendTaskSuccess API does. The errors wrap
// ErrInvalidToken, ErrInvalidOutput (not JSON, or over 256 KiB),
// ErrTaskDoesNotExist or ErrTaskTimedOut.
func (e *Engine) SendTaskSuccess(token string, output json.RawMessage) error {
	if _, err := ParseTaskToken(token); err != nil {
		return fmt.Errorf("send task success: %w", err)
	}
	if len(output) > maxPayload {
		return fmt.Errorf("send task success: the output is %d bytes, more than the %d-byte limit: %w", len(output), maxPayload, ErrInvalidOutput)
	}
	if !json.Valid(output) {
		return fmt.Errorf("send task success: the output is not valid JSON: %w", ErrInvalidOutput)
	}
	cb, err := e.callbackOf(token)
	if err == nil {
		err = cb.deliver(e.Clock.Now(), &callbackResult{output: slices.Clone(output)})
	}
	if err != nil {
		return fmt.Errorf("send task success: %w", err)
	}
	return nil
}

// SendTaskFailure fails the callback task of token with errorName and cause,
// which its Retry and Catch see, as the SendTaskFailure API does. An empty
// errorName fails it without an error name (States.ALL and States.TaskFailed
// still match, and a Catch hands on {"Error": null, "Cause": null}). The errors
// wrap ErrInvalidToken, ErrTaskDoesNotExist or ErrTaskTimedOut.
func (e *Engine) SendTaskFailure(token, errorName, cause string) error {
	cb, err := e.callbackOf(token)
	if err == nil {
		err = cb.deliver(e.Clock.Now(), &callbackResult{failure: &failure{name: errorName, cause: cause}})
	}
	if err != nil {
		return fmt.Errorf("send task failure: %w", err)
	}
	return nil
}

// SendTaskHeartbeat restarts the HeartbeatSeconds clock of the callback task
// of token, as the SendTaskHeartbeat API does (it records no history event).
// The errors wrap ErrInvalidToken, ErrTaskDoesNotExist or ErrTaskTimedOut.
func (e *Engine) SendTaskHeartbeat(token string) error {
	cb, err := e.callbackOf(token)
	if err == nil {
		err = cb.beat(e.Clock.Now())
	}
	if err != nil {
		return fmt.Errorf("send task heartbeat: %w", err)
	}
	return nil
}

// TaskExecution returns the execution whose callback task token is (open or
// closed). The errors wrap ErrInvalidToken or ErrTaskDoesNotExist.
func (e *Engine) TaskExecution(token string) (*Execution, error) {
	cb, err := e.callbackOf(token)
	if err != nil {
		return nil, err
	}
	return cb.x, nil
}

func (e *Engine) callbackOf(token string) (*callback, error) {
	if _, err := ParseTaskToken(token); err != nil {
		return nil, err
	}
	e.tokensMu.Lock()
	cb := e.tokens[token]
	e.tokensMu.Unlock()
	if cb == nil {
		return nil, fmt.Errorf("task token: %w", ErrTaskDoesNotExist)
	}
	return cb, nil
}

// openCallback makes the token of a callback task attempt and registers it
// with the engine and the execution, which closes it if it ends first.
func (r *runner) openCallback(t *taskSpec) *callback {
	now := r.e.Clock.Now()
	cb := &callback{
		token:     r.e.newToken(r.x.info),
		x:         r.x,
		alarm:     r.e.Clock.NewAlarm(),
		started:   now,
		lastBeat:  now,
		timeout:   time.Duration(t.timeoutSeconds) * time.Second,
		heartbeat: time.Duration(t.heartbeatSeconds) * time.Second,
	}
	r.x.mu.Lock()
	if r.x.gen == r.gen && r.x.status == StatusRunning {
		r.x.callback = cb
	} else {
		cb.closed = true
	}
	r.x.mu.Unlock()
	r.e.tokensMu.Lock()
	if r.e.tokens == nil {
		r.e.tokens = map[string]*callback{}
	}
	r.e.tokens[cb.token] = cb
	r.e.tokensMu.Unlock()
	return cb
}

// closeCallback closes the attempt's token, if it is still open, once the
// attempt is over however it ended.
func (r *runner) closeCallback(cb *callback) {
	r.x.mu.Lock()
	if r.x.callback == cb {
		r.x.callback = nil
	}
	r.x.mu.Unlock()
	cb.abandon()
}

// awaitCallback waits, after the function was invoked, for the task's token
// to be sent a result, or for a deadline, and records how the task ended. A
// result sent during the invocation is taken at once.
func (r *runner) awaitCallback(res resourceNames, cb *callback) (any, error) {
	for {
		now := r.e.Clock.Now()
		result, closed, until := cb.poll(now)
		if closed {
			if result == nil {
				return nil, errStopped // the execution ended and closed the token
			}
			return r.callbackResult(res, result)
		}
		d := time.Duration(-1) // no deadline: wait as long as it takes (AWS: up to a year)
		if !until.IsZero() {
			d = until.Sub(now)
		}
		if !r.deadline.IsZero() {
			if left := r.deadline.Sub(now); d < 0 || left < d {
				d = max(left, 0)
			}
		}
		if err := cb.alarm.Wait(r.ctx, d); err != nil {
			return nil, errStopped
		}
		if err := r.boundary(); err != nil {
			return nil, err
		}
	}
}

// callbackResult records the end of a callback task and returns its result.
func (r *runner) callbackResult(res resourceNames, result *callbackResult) (any, error) {
	switch {
	case result.timedOut:
		return nil, r.taskFailed(res, res.timedOut, result.failure)
	case result.failure != nil:
		return nil, r.taskFailed(res, res.failed, result.failure)
	}
	value, err := decodeJSON(result.output)
	if err != nil { // SendTaskSuccess checked it
		return nil, r.taskFailed(res, res.failed, &failure{name: ErrorTaskFailed, cause: err.Error()})
	}
	raw, err := r.payload(value)
	if err != nil {
		var f *failure
		if errors.As(err, &f) {
			return nil, r.taskFailed(res, res.failed, f)
		}
		return nil, err
	}
	ev := res.event(res.succeeded)
	ev.Output = raw
	if err := r.emit(ev); err != nil {
		return nil, err
	}
	return value, nil
}
