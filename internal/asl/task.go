package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Task states: a Lambda function by ARN, lambda:invoke, and the callback
// pattern lambda:invoke.waitForTaskToken (whose wait is in callback.go).

func (r *runner) task(sr *stateRun, input any) (any, string, error) {
	st := sr.st
	eff, _, err := r.inputPath(sr, input, 0)
	if err != nil {
		return nil, "", err
	}
	return r.attempt(sr, input, func(retryCount int) (any, error) {
		st := st
		var cb *callback
		env := r.env(sr, eff, retryCount, nil)
		if st.task.timeoutPath != nil || st.task.heartbeatPath != nil {
			spec, err := resolveTimeouts(*st.task, eff, env)
			if err != nil {
				return nil, err
			}
			resolved := *st
			resolved.task = &spec
			st = &resolved
		}
		if st.task.callback {
			// A new token for every attempt (and so for every redrive).
			cb = r.openCallback(st.task)
			defer r.closeCallback(cb)
			env = r.callbackEnv(sr, eff, retryCount, cb.token)
		}
		params := eff
		if st.parameters != nil {
			p, err := st.parameters.eval(env)
			if err != nil {
				return nil, err
			}
			params = p
		}
		return r.invoke(st, params, cb)
	})
}

// invoke calls the Invoker once and records the Task's resource events. For a
// callback task (cb set) a successful invocation is only the task's
// submission: it then waits for the token's result.
func (r *runner) invoke(st *state, params any, cb *callback) (any, error) {
	t := st.task
	function, payload := t.resource, params
	if t.invoke {
		obj, _ := params.(map[string]any)
		name, ok := obj["FunctionName"].(string)
		if !ok || name == "" {
			return nil, runtimeErr("The lambda:invoke parameter FunctionName must be a non-empty string, got %s", describe(obj["FunctionName"], obj["FunctionName"] != nil))
		}
		function = name
		if p, ok := obj["Payload"]; ok {
			payload = p
		} else {
			payload = map[string]any{}
		}
	}
	payloadRaw, err := r.payload(payload)
	if err != nil {
		return nil, err
	}

	res := resourceEvents(t)
	var scheduled HistoryEvent
	if t.invoke {
		scheduled = HistoryEvent{Type: TaskScheduled, ResourceType: "lambda", Resource: res.resource, Region: r.region(),
			Parameters: json.RawMessage(mustJSON(params)), TimeoutInSeconds: t.timeoutSeconds, HeartbeatInSeconds: t.heartbeatSeconds}
	} else {
		scheduled = HistoryEvent{Type: LambdaFunctionScheduled, Resource: t.resource, Input: payloadRaw, TimeoutInSeconds: t.timeoutSeconds}
	}
	if err := r.emit(scheduled, res.event(res.started)); err != nil {
		return nil, err
	}

	began := r.e.Clock.Now()
	out, ierr := r.e.Invoker.Invoke(r.ctx, function, payloadRaw)
	if r.ctx.Err() != nil {
		return nil, errStopped
	}
	// Local handlers usually run in no clock time; one that sleeps on the clock
	// past TimeoutSeconds times out once it returns (AWS would cut it short).
	// A callback task's deadlines are its wait's (a result sent in time during
	// the invocation still counts).
	if cb == nil && t.timeoutSeconds > 0 && r.e.Clock.Now().Sub(began) > time.Duration(t.timeoutSeconds)*time.Second {
		f := &failure{name: ErrorTimeout, cause: fmt.Sprintf("The task did not finish within its TimeoutSeconds of %d.", t.timeoutSeconds)}
		return nil, r.taskFailed(res, res.timedOut, f)
	}
	if cb != nil {
		if result, _, _ := cb.poll(r.e.Clock.Now()); result != nil && result.timedOut {
			// Its deadline passed during the invocation, before any result came.
			return nil, r.taskFailed(res, res.timedOut, result.failure)
		}
	}
	if ierr != nil {
		return nil, r.taskFailed(res, res.failed, taskFailure(ierr))
	}
	var value any
	if len(bytes.TrimSpace(out)) > 0 {
		v, err := decodeJSON(out)
		if err != nil {
			f := &failure{name: ErrorTaskFailed, cause: fmt.Sprintf("The function %s returned invalid JSON: %v", function, err)}
			return nil, r.taskFailed(res, res.failed, f)
		}
		value = v
	}
	result := value
	if t.invoke {
		result = r.invokeResult(value, len(out))
	}
	resultRaw, err := r.payload(result)
	if err != nil {
		var f *failure
		if errors.As(err, &f) {
			return nil, r.taskFailed(res, res.failed, f)
		}
		return nil, err
	}
	if cb != nil {
		// The function's own result only shows in TaskSubmitted: the task's
		// result is what SendTaskSuccess sends.
		ev := res.event(TaskSubmitted)
		ev.Output = resultRaw
		if err := r.emit(ev); err != nil {
			return nil, err
		}
		return r.awaitCallback(res, cb)
	}
	ev := res.event(res.succeeded)
	ev.Output = resultRaw
	if err := r.emit(ev); err != nil {
		return nil, err
	}
	return result, nil
}

// taskFailed records a failed or timed-out resource event and returns the failure.
func (r *runner) taskFailed(res resourceNames, typ EventType, f *failure) error {
	ev := res.event(typ)
	ev.Error, ev.Cause = f.name, f.cause
	if err := r.emit(ev); err != nil {
		return err
	}
	return f
}

// resourceNames are the event types a Task's resource records: Task* for the
// lambda:invoke integration, LambdaFunction* for a function ARN.
type resourceNames struct {
	invoke                               bool
	resource                             string // of Task* events: "invoke" or "invoke.waitForTaskToken"
	started, succeeded, failed, timedOut EventType
}

func resourceEvents(t *taskSpec) resourceNames {
	if t.invoke {
		n := resourceNames{invoke: true, resource: "invoke", started: TaskStarted, succeeded: TaskSucceeded, failed: TaskFailed, timedOut: TaskTimedOut}
		if t.callback {
			n.resource += waitForTaskToken
		}
		return n
	}
	return resourceNames{started: LambdaFunctionStarted, succeeded: LambdaFunctionSucceeded, failed: LambdaFunctionFailed, timedOut: LambdaFunctionTimedOut}
}

func (n resourceNames) event(typ EventType) HistoryEvent {
	ev := HistoryEvent{Type: typ}
	if n.invoke {
		ev.ResourceType, ev.Resource = "lambda", n.resource
	}
	return ev
}

// region is taken from the state machine ARN (arn:aws:states:REGION:...).
func (r *runner) region() string {
	if parts := strings.Split(r.x.info.StateMachineARN, ":"); len(parts) > 3 && parts[3] != "" {
		return parts[3]
	}
	return "us-east-1"
}

// httpDate is the format of the HTTP Date header.
const httpDate = "Mon, 02 Jan 2006 15:04:05 GMT"

// invokeResult wraps a function's output the way the lambda:invoke integration returns it.
func (r *runner) invokeResult(payload any, size int) map[string]any {
	reqID := r.e.random().uuid()
	headers := map[string]any{
		"Connection":                     "keep-alive",
		"Content-Length":                 strconv.Itoa(size),
		"Content-Type":                   "application/json",
		"Date":                           r.e.Clock.Now().UTC().Format(httpDate),
		"X-Amz-Executed-Version":         "$LATEST",
		"x-amzn-Remapped-Content-Length": "0",
		"x-amzn-RequestId":               reqID,
	}
	all := make(map[string]any, len(headers))
	for k, v := range headers {
		all[k] = []any{v}
	}
	return map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         payload,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": all,
			"HttpHeaders":    headers,
			"HttpStatusCode": int64(200),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": reqID},
		"StatusCode":          int64(200),
	}
}

// resolveTimeouts reads a Task's TimeoutSecondsPath and HeartbeatSecondsPath
// from its effective input: each must be a positive integer of seconds, and
// the heartbeat shorter than the timeout (as AWS checks them at run time).
func resolveTimeouts(t taskSpec, eff any, env *evalEnv) (taskSpec, error) {
	for _, f := range []struct {
		name string
		p    *path
		dst  *int64
	}{{"TimeoutSecondsPath", t.timeoutPath, &t.timeoutSeconds}, {"HeartbeatSecondsPath", t.heartbeatPath, &t.heartbeatSeconds}} {
		if f.p == nil {
			continue
		}
		v, ok := f.p.get(eff, env.context())
		n, isInt := toInteger(v)
		if !ok || !isInt || n < 1 || n > maxSeconds {
			return t, runtimeErr("The %s parameter does not reference a valid positive integer: %s is %s", f.name, f.p.src, describe(v, ok))
		}
		*f.dst = n
	}
	if t.heartbeatSeconds > 0 && t.timeoutSeconds > 0 && t.heartbeatSeconds >= t.timeoutSeconds {
		return t, runtimeErr("The HeartbeatSeconds (%d) must be smaller than the TimeoutSeconds (%d)", t.heartbeatSeconds, t.timeoutSeconds)
	}
	return t, nil
}
