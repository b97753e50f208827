package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// runner executes one run of an execution (the first, or a redrive) inside
// one clock-scheduled goroutine. Map iterations and Parallel branches run
// sequentially in that goroutine, in order: AWS runs them concurrently, but
// under a Virtual clock work must not wait on other clock-scheduled work, and
// running them in order keeps results and history deterministic.
type runner struct {
	x        *Execution
	e        *Engine
	gen      uint64
	ctx      context.Context
	deadline time.Time      // zero: no execution timeout
	start    string         // the top-level state the run starts at
	input    any            // and its input
	execCtx  map[string]any // $$.Execution, the same for the whole run
}

// stateRun is what one state's handlers share.
type stateRun struct {
	st      *state
	entered time.Time
	eventID int64
}

// contextTimeFormat is how the context object renders times (as AWS does).
const contextTimeFormat = "2006-01-02T15:04:05.000Z07:00"

func (r *runner) run() {
	defer func() {
		// A bug in the engine must fail the execution, not the process that hosts it.
		if p := recover(); p != nil {
			r.x.end(r.gen, StatusFailed, ErrorRuntime, fmt.Sprintf("internal error in the local engine: %v", p), nil)
		}
	}()
	out, err := r.graph(r.x.machine.root, r.start, r.input, true)
	var f *failure
	if err == nil {
		raw, perr := r.payload(out)
		if perr == nil {
			r.x.end(r.gen, StatusSucceeded, "", "", raw)
			return
		}
		err = perr
	}
	if errors.As(err, &f) {
		r.x.end(r.gen, StatusFailed, f.name, f.cause, nil)
	}
	// errStopped: the run was ended from outside (Stop, timeout); nothing to record.
}

// timeout ends the run as TIMED_OUT; it runs from the clock at the deadline or
// from the runner when it notices the deadline has passed.
func (r *runner) timeout() {
	r.x.end(r.gen, StatusTimedOut, ErrorTimeout,
		fmt.Sprintf("The execution exceeded the state machine's TimeoutSeconds of %d.", r.x.machine.timeoutSeconds), nil)
}

// boundary is checked between states: a stopped run returns, an expired one times out.
func (r *runner) boundary() error {
	if r.ctx.Err() != nil {
		return errStopped
	}
	if !r.deadline.IsZero() && !r.e.Clock.Now().Before(r.deadline) {
		r.timeout()
		return errStopped
	}
	return nil
}

// sleep waits on the clock, never past the execution deadline, so a timeout
// fires on time even in the middle of a Wait state or a retry backoff.
func (r *runner) sleep(d time.Duration) error {
	if !r.deadline.IsZero() {
		if left := r.deadline.Sub(r.e.Clock.Now()); d > left {
			d = left
		}
	}
	if err := r.e.Clock.Sleep(r.ctx, d); err != nil {
		return errStopped
	}
	return r.boundary()
}

// emit records events for this run; errStopped if the run has ended.
func (r *runner) emit(evs ...HistoryEvent) error {
	now := r.e.Clock.Now()
	x := r.x
	x.mu.Lock()
	if x.gen != r.gen || x.status != StatusRunning {
		x.mu.Unlock()
		return errStopped
	}
	if len(x.history)+len(evs) >= maxHistoryEvents {
		x.mu.Unlock()
		return &failure{name: ErrorRuntime, cause: fmt.Sprintf("The execution reached the maximum number of history events (%d).", maxHistoryEvents), located: true}
	}
	x.appendLocked(now, evs)
	x.mu.Unlock()
	x.notify()
	return nil
}

// lastEventID is the id of the latest event (for error causes).
func (r *runner) lastEventID() int64 {
	r.x.mu.Lock()
	defer r.x.mu.Unlock()
	return int64(len(r.x.history))
}

func (r *runner) push(f frame) {
	r.x.mu.Lock()
	if r.x.gen == r.gen && r.x.status == StatusRunning {
		r.x.frames = append(r.x.frames, f)
	}
	r.x.mu.Unlock()
}

func (r *runner) pop() {
	r.x.mu.Lock()
	if r.x.gen == r.gen && len(r.x.frames) > 0 {
		r.x.frames = r.x.frames[:len(r.x.frames)-1]
	}
	r.x.mu.Unlock()
}

// setResume remembers the top-level state being entered and its input: a
// redrive restarts there.
func (r *runner) setResume(name string, input any) {
	r.x.mu.Lock()
	if r.x.gen == r.gen {
		r.x.resumeState, r.x.resumeInput = name, input
	}
	r.x.mu.Unlock()
}

// payload renders a state or task payload, enforcing the 256 KiB limit.
func (r *runner) payload(v any) (json.RawMessage, error) {
	b, err := encodeJSON(v)
	if err != nil {
		return nil, runtimeErr("cannot render the payload as JSON: %v", err)
	}
	if len(b) > maxPayload {
		return nil, &failure{name: ErrorDataLimitExceeded, cause: fmt.Sprintf("The state/task returned a result with a size (%d bytes) exceeding the maximum of %d bytes.", len(b), maxPayload)}
	}
	return b, nil
}

// env builds the evaluation environment of a state for the given input.
func (r *runner) env(sr *stateRun, input any, retryCount int, item *mapItem) *evalEnv {
	return &evalEnv{input: input, rand: r.e.random(), ctxFn: func() any { return r.contextObject(sr, retryCount, item, "") }}
}

// callbackEnv is the environment of a callback task's Parameters, where
// $$.Task.Token is the attempt's token.
func (r *runner) callbackEnv(sr *stateRun, input any, retryCount int, token string) *evalEnv {
	return &evalEnv{input: input, rand: r.e.random(), ctxFn: func() any { return r.contextObject(sr, retryCount, nil, token) }}
}

type mapItem struct {
	index int
	value any
}

// contextObject is the "$$" object of a state. It has a Task object (with the
// Token) only in a callback task's Parameters, as in AWS.
func (r *runner) contextObject(sr *stateRun, retryCount int, item *mapItem, token string) any {
	x := r.x
	if r.execCtx == nil {
		x.mu.Lock()
		redrives, redriveDate := x.redriveCount, x.redriveDate
		x.mu.Unlock()
		r.execCtx = map[string]any{
			"Id":           x.info.ARN,
			"Input":        x.input,
			"Name":         x.info.Name,
			"RoleArn":      x.info.RoleARN,
			"StartTime":    x.startDate.UTC().Format(contextTimeFormat),
			"RedriveCount": int64(redrives),
		}
		if redrives > 0 {
			r.execCtx["RedriveTime"] = redriveDate.UTC().Format(contextTimeFormat)
		}
	}
	c := map[string]any{
		"Execution": r.execCtx,
		"State": map[string]any{
			"Name":        sr.st.name,
			"EnteredTime": sr.entered.UTC().Format(contextTimeFormat),
			"RetryCount":  int64(retryCount),
		},
		"StateMachine": map[string]any{
			"Id":   x.info.StateMachineARN,
			"Name": x.info.StateMachineName,
		},
	}
	if item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": int64(item.index), "Value": item.value}}
	}
	if token != "" {
		c["Task"] = map[string]any{"Token": token}
	}
	return c
}

// graph runs states from start until one ends the branch; top marks the
// machine's own states, where redrive bookkeeping happens.
func (r *runner) graph(g *graph, start string, input any, top bool) (any, error) {
	name, in := start, input
	var inRaw json.RawMessage // the previous state's output as its Exited event holds it
	for {
		if err := r.boundary(); err != nil {
			return nil, err
		}
		st := g.states[name]
		if top {
			r.setResume(name, in)
		}
		out, outRaw, next, err := r.state(st, in, inRaw)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, in, inRaw = next, out, outRaw
	}
}

// state runs one state: Entered event, the type's work, Exited event. inRaw
// is the input's encoding when the caller has it (the previous state's
// Exited output): the Entered event shares it rather than holding a second
// copy of the same document. It returns the output and its encoding.
func (r *runner) state(st *state, input any, inRaw json.RawMessage) (any, json.RawMessage, string, error) {
	if inRaw == nil {
		var err error
		if inRaw, err = r.payload(input); err != nil {
			return nil, nil, "", err
		}
	}
	sr := &stateRun{st: st, entered: r.e.Clock.Now()}
	if err := r.emit(HistoryEvent{Type: EventType(st.typ + "StateEntered"), StateName: st.name, Input: inRaw}); err != nil {
		return nil, nil, "", err
	}
	sr.eventID = r.lastEventID()
	r.push(frame{typ: st.typ, name: st.name, index: -1})
	defer r.pop()

	var out any
	var next string
	var err error
	switch st.typ {
	case "Pass":
		out, next, err = r.pass(sr, input)
	case "Task":
		out, next, err = r.task(sr, input)
	case "Choice":
		out, next, err = r.choice(sr, input)
	case "Wait":
		out, next, err = r.wait(sr, input)
	case "Succeed":
		out, err = r.succeed(sr, input)
	case "Fail":
		err = r.failState(sr, input)
	case "Map":
		out, next, err = r.mapState(sr, input)
	case "Parallel":
		out, next, err = r.parallel(sr, input)
	}
	if err != nil {
		var f *failure
		if errors.As(err, &f) && f.name == ErrorRuntime && !f.located {
			err = &failure{name: f.name, located: true,
				cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). %s", st.name, sr.eventID, f.cause)}
		}
		return nil, nil, "", err
	}
	outRaw, err := r.payload(out)
	if err != nil {
		return nil, nil, "", err
	}
	if err := r.emit(HistoryEvent{Type: EventType(st.typ + "StateExited"), StateName: st.name, Output: outRaw}); err != nil {
		return nil, nil, "", err
	}
	return out, outRaw, next, nil
}

// succeed passes its input through InputPath and OutputPath; the branch ends.
func (r *runner) succeed(sr *stateRun, input any) (any, error) {
	eff, env, err := r.inputPath(sr, input, 0)
	if err != nil {
		return nil, err
	}
	return sr.st.outPath.apply("OutputPath", eff, env)
}

// inputPath applies a state's InputPath to its raw input: the environment it
// returns evaluates against the effective input.
func (r *runner) inputPath(sr *stateRun, input any, retryCount int) (any, *evalEnv, error) {
	env := r.env(sr, input, retryCount, nil)
	eff, err := sr.st.inPath.apply("InputPath", input, env)
	if err != nil {
		return nil, nil, err
	}
	env.input = eff
	return eff, env, nil
}

// effectiveInput applies InputPath then Parameters.
func (r *runner) effectiveInput(sr *stateRun, input any, retryCount int) (any, error) {
	eff, env, err := r.inputPath(sr, input, retryCount)
	if err != nil || sr.st.parameters == nil {
		return eff, err
	}
	return sr.st.parameters.eval(env)
}

// output applies ResultSelector, ResultPath and OutputPath to a state's result.
func (r *runner) output(sr *stateRun, rawInput, result any) (any, error) {
	st := sr.st
	env := r.env(sr, result, 0, nil)
	if st.resultSelector != nil {
		sel, err := st.resultSelector.eval(env)
		if err != nil {
			return nil, err
		}
		result = sel
	}
	out, err := st.resultPath.apply(rawInput, result)
	if err != nil {
		return nil, err
	}
	return st.outPath.apply("OutputPath", out, env)
}

// caught routes a failure to the first matching Catch, or returns it.
func (r *runner) caught(sr *stateRun, rawInput any, err error) (any, string, error) {
	var f *failure
	if !errors.As(err, &f) {
		return nil, "", err
	}
	for _, c := range sr.st.catch {
		if errorMatches(c.errorEquals, f.name) {
			out, perr := c.resultPath.apply(rawInput, errorOutput(f))
			if perr != nil {
				return nil, "", perr
			}
			return out, c.next, nil
		}
	}
	return nil, "", f
}

// retrying runs body under the state's Retry policy. Each retrier counts its
// own attempts; the first retrier whose ErrorEquals matches decides.
func (r *runner) retrying(st *state, body func(retryCount int) (any, error)) (any, error) {
	attempts := make([]int64, len(st.retry))
	for retryCount := 0; ; retryCount++ {
		res, err := body(retryCount)
		var f *failure
		if err == nil || !errors.As(err, &f) {
			return res, err
		}
		i := slices.IndexFunc(st.retry, func(rt *retrier) bool { return errorMatches(rt.errorEquals, f.name) })
		if i < 0 || attempts[i] >= st.retry[i].maxAttempts {
			return nil, f
		}
		d := r.backoff(st.retry[i], attempts[i])
		attempts[i]++
		if err := r.sleep(d); err != nil {
			return nil, err
		}
	}
}

// backoff is IntervalSeconds * BackoffRate^n, capped by MaxDelaySeconds, and
// with FULL jitter a uniformly random share of that.
func (r *runner) backoff(rt *retrier, n int64) time.Duration {
	secs := float64(rt.interval) * math.Pow(rt.backoff, float64(n))
	if rt.maxDelay > 0 && secs > float64(rt.maxDelay) {
		secs = float64(rt.maxDelay)
	}
	secs = math.Min(secs, maxDelayCap) // keep the Duration from overflowing
	if rt.fullJitter {
		secs *= r.e.random().float64()
	}
	return time.Duration(secs * float64(time.Second))
}

func (r *runner) pass(sr *stateRun, input any) (any, string, error) {
	eff, err := r.effectiveInput(sr, input, 0)
	if err != nil {
		return nil, "", err
	}
	result := eff
	if sr.st.hasResult {
		result = sr.st.result
	}
	out, err := r.output(sr, input, result)
	return out, sr.st.next, err
}

func (r *runner) choice(sr *stateRun, input any) (any, string, error) {
	st := sr.st
	eff, env, err := r.inputPath(sr, input, 0)
	if err != nil {
		return nil, "", err
	}
	next := ""
	for _, c := range st.choices {
		ok, err := c.eval(env)
		if err != nil {
			return nil, "", err
		}
		if ok {
			next = c.next
			break
		}
	}
	if next == "" {
		if st.defaultNext == "" {
			return nil, "", &failure{name: ErrorNoChoiceMatched, cause: fmt.Sprintf("No choice rule of state '%s' matched the input and it has no Default.", st.name)}
		}
		next = st.defaultNext
	}
	out, err := st.outPath.apply("OutputPath", eff, env)
	return out, next, err
}

func (r *runner) wait(sr *stateRun, input any) (any, string, error) {
	st := sr.st
	eff, env, err := r.inputPath(sr, input, 0)
	if err != nil {
		return nil, "", err
	}
	var d time.Duration
	switch {
	case st.waitSecondsSet:
		d = time.Duration(st.waitSeconds) * time.Second
	case st.waitTimestampSet:
		d = st.waitTimestamp.Sub(r.e.Clock.Now())
	case st.waitSecondsPath != nil:
		v, ok := st.waitSecondsPath.get(eff, env.context())
		n, isInt := toInteger(v)
		if !ok || !isInt || n < 0 || n > maxSeconds {
			return nil, "", runtimeErr("The SecondsPath parameter does not reference a valid non-negative integer: %s is %s", st.waitSecondsPath.src, describe(v, ok))
		}
		d = time.Duration(n) * time.Second
	case st.waitTimestampPath != nil:
		v, ok := st.waitTimestampPath.get(eff, env.context())
		s, _ := v.(string)
		t, isTS := parseTimestamp(s)
		if !ok || !isTS {
			return nil, "", runtimeErr("The TimestampPath parameter does not reference a valid ISO-8601 timestamp: %s is %s", st.waitTimestampPath.src, describe(v, ok))
		}
		d = t.Sub(r.e.Clock.Now())
	}
	if d > 0 {
		if err := r.sleep(d); err != nil {
			return nil, "", err
		}
	}
	out, err := st.outPath.apply("OutputPath", eff, env)
	return out, st.next, err
}

func describe(v any, found bool) string {
	if !found {
		return "missing"
	}
	return truncate(mustJSON(v))
}

func (r *runner) failState(sr *stateRun, input any) error {
	st := sr.st
	env := r.env(sr, input, 0, nil)
	f := &failure{name: st.errName, cause: st.cause}
	for _, d := range []struct {
		ds     dynString
		target *string
		field  string
	}{{st.errorPath, &f.name, "ErrorPath"}, {st.causePath, &f.cause, "CausePath"}} {
		if !d.ds.set() {
			continue
		}
		var v any
		var err error
		if d.ds.call != nil {
			v, err = d.ds.call.eval(env)
		} else {
			var ok bool
			if v, ok = d.ds.p.get(input, env.context()); !ok {
				err = runtimeErr("The %s '%s' could not be found in the input '%s'", d.field, d.ds.p.src, truncate(mustJSON(input)))
			}
		}
		if err != nil {
			return err
		}
		s, ok := v.(string)
		if !ok {
			return runtimeErr("The %s of a Fail state must yield a string, got a %s", d.field, typeName(v))
		}
		*d.target = s
	}
	return f
}

func (r *runner) mapState(sr *stateRun, input any) (any, string, error) {
	st := sr.st
	eff, env, err := r.inputPath(sr, input, 0)
	if err != nil {
		return nil, "", err
	}
	itemsV := eff
	if st.itemsPath != nil {
		v, ok := st.itemsPath.get(eff, env.context())
		if !ok {
			return nil, "", runtimeErr("Invalid path '%s' : the ItemsPath matched nothing in the input '%s'", st.itemsPath.src, truncate(mustJSON(eff)))
		}
		itemsV = v
	}
	items, ok := itemsV.([]any)
	if !ok {
		return nil, "", runtimeErr("The Map state's ItemsPath must select an array, got a %s", typeName(itemsV))
	}
	return r.attempt(sr, input, func(retryCount int) (any, error) {
		if err := r.emit(HistoryEvent{Type: MapStateStarted, Length: len(items)}); err != nil {
			return nil, err
		}
		return r.children(len(items), MapStateSucceeded, func(i int) (any, error) {
			in := items[i]
			if st.itemSelector != nil {
				v, err := st.itemSelector.eval(r.env(sr, eff, retryCount, &mapItem{index: i, value: items[i]}))
				if err != nil {
					return nil, r.stateFailed(MapStateFailed, err)
				}
				in = v
			}
			if err := r.emit(HistoryEvent{Type: MapIterationStarted, StateName: st.name, Index: i}); err != nil {
				return nil, err
			}
			r.push(frame{typ: "Map", name: st.name, index: i})
			out, err := r.graph(st.processor, st.processor.startAt, in, false)
			r.pop()
			if err != nil {
				if endsExecution(err) {
					return nil, err
				}
				if eerr := r.emit(HistoryEvent{Type: MapIterationFailed, StateName: st.name, Index: i}); eerr != nil {
					return nil, eerr
				}
				return nil, r.stateFailed(MapStateFailed, err)
			}
			if err := r.emit(HistoryEvent{Type: MapIterationSucceeded, StateName: st.name, Index: i}); err != nil {
				return nil, err
			}
			return out, nil
		})
	})
}

// stateFailed records a Map or Parallel state's failure event and passes the error on.
func (r *runner) stateFailed(typ EventType, err error) error {
	if endsExecution(err) {
		return err
	}
	if eerr := r.emit(HistoryEvent{Type: typ}); eerr != nil {
		return eerr
	}
	return err
}

func (r *runner) parallel(sr *stateRun, input any) (any, string, error) {
	st := sr.st
	return r.attempt(sr, input, func(retryCount int) (any, error) {
		eff, err := r.effectiveInput(sr, input, retryCount)
		if err != nil {
			return nil, err
		}
		if err := r.emit(HistoryEvent{Type: ParallelStateStarted}); err != nil {
			return nil, err
		}
		return r.children(len(st.branches), ParallelStateSucceeded, func(i int) (any, error) {
			b := st.branches[i]
			out, err := r.graph(b, b.startAt, eff, false)
			if err != nil {
				return nil, r.stateFailed(ParallelStateFailed, err)
			}
			return out, nil
		})
	})
}

// attempt runs a Task, Map or Parallel state's work under its Retry policy: a
// failure that outlasts the retries goes to its Catch, a result through
// ResultSelector, ResultPath and OutputPath.
func (r *runner) attempt(sr *stateRun, input any, body func(retryCount int) (any, error)) (any, string, error) {
	result, err := r.retrying(sr.st, body)
	if err != nil {
		return r.caught(sr, input, err)
	}
	out, err := r.output(sr, input, result)
	return out, sr.st.next, err
}

// children runs a Map state's n iterations or a Parallel state's n branches in
// order and records the state's Succeeded event once all have; the result is
// their outputs. The first child to fail ends the run with its error.
func (r *runner) children(n int, succeeded EventType, child func(i int) (any, error)) (any, error) {
	results := make([]any, n)
	for i := range results {
		out, err := child(i)
		if err != nil {
			return nil, err
		}
		results[i] = out
	}
	if err := r.emit(HistoryEvent{Type: succeeded}); err != nil {
		return nil, err
	}
	return results, nil
}

// endsExecution reports errors after which nothing more is recorded for the
// states in progress: the run was stopped, or States.Runtime (which AWS records
// as the execution failing at once, without MapStateFailed and the like).
func endsExecution(err error) bool {
	var f *failure
	return errors.Is(err, errStopped) || (errors.As(err, &f) && f.name == ErrorRuntime)
}
