package lambda

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The Invoke API (REST JSON): POST /2015-03-31/functions/{FunctionName}/invocations.
const invokePrefix, invokeSuffix = "/2015-03-31/functions/", "/invocations"

// InvokePath reports whether path is an Invoke call and which function it names.
func InvokePath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, invokePrefix)
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, invokeSuffix)
	if !ok || name == "" {
		return "", false
	}
	if unescaped, err := url.PathUnescape(name); err == nil {
		name = unescaped
	}
	return name, true
}

// Throttle is Lambda's throttling error, which the SDK retries.
func Throttle() *protocol.APIError {
	return &protocol.APIError{Code: "TooManyRequestsException", Message: "Rate Exceeded.", Status: http.StatusTooManyRequests}
}

// Invocation is an accepted Invoke, to run without the lock.
type Invocation struct {
	fn      protocol.Function
	payload []byte
	// async is an Event invocation, already handed to InvokeAsync.
	async bool
}

// Prepare checks an Invoke call and, for InvocationType Event, queues it. The
// lock is held.
func (s *Service) Prepare(name, invocationType string, payload []byte) (Invocation, *protocol.APIError) {
	arn, fn := s.resolve(name)
	if fn == nil {
		// AWS names the function by its ARN, whatever form the call gave.
		return Invocation{}, functionNotFound(s.InvokeAccess(name).Resource)
	}
	switch invocationType {
	case "", "RequestResponse":
		return Invocation{fn: fn, payload: payload}, nil
	case "Event":
		if err := s.InvokeAsync(arn, payload); err != nil {
			return Invocation{}, protocol.Err("ResourceNotFoundException", "%v", err)
		}
		return Invocation{async: true}, nil
	default:
		return Invocation{}, protocol.Err("InvalidParameterValueException", "InvocationType %q is not supported by the simulator (RequestResponse or Event).", invocationType)
	}
}

// resolve finds a function by ARN, name or partial ARN.
func (s *Service) resolve(name string) (string, protocol.Function) {
	if f := s.fns[name]; f != nil {
		return name, f.handler
	}
	for _, arn := range s.ARNs() {
		if strings.HasSuffix(arn, ":function:"+name) || strings.HasSuffix(arn, ":"+name) {
			return arn, s.fns[arn].handler
		}
	}
	return "", nil
}

// Run invokes the function and writes Invoke's answer: the function's result,
// or its error with X-Amz-Function-Error (status 200, as Lambda answers).
func (inv Invocation) Run(ctx context.Context, w http.ResponseWriter) {
	if inv.async {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	out, err := inv.fn(ctx, inv.payload)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if err != nil {
		errType := "Unhandled"
		var typed interface{ ErrorType() string }
		if errors.As(err, &typed) {
			errType = typed.ErrorType()
		}
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.WriteHeader(http.StatusOK)
		protocol.WriteBody(w, map[string]string{"errorType": errType, "errorMessage": err.Error()})
		return
	}
	w.WriteHeader(http.StatusOK)
	if len(out) == 0 {
		out = []byte("null")
	}
	_, _ = w.Write(out)
}
