package protocol

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// Principal is the IAM identity behind a request.
type Principal struct {
	Arn       string `json:"arn"`
	AccountID string `json:"accountId"`
	UserID    string `json:"userId"`
}

// Call is one API request being served. Handlers run with the Env's lock held.
type Call struct {
	Ctx       context.Context
	Caller    Principal
	Now       time.Time
	RequestID string
	// Region is the Region the request was signed for (SignedRegion); empty
	// means the home Region.
	Region string
	// Endpoint is the scheme and host the caller reached the simulator on
	// ("http://127.0.0.1:4566"): URLs in answers (SQS queue URLs) are built on
	// it, as AWS builds them on its own endpoint. Path is the request's path.
	Endpoint string
	Path     string
	// Action is the IAM action the call is authorized as ("sqs:SendMessage"),
	// set by the router.
	Action string
	// Authorizer decides the call's accesses (see Authorize); the router sets
	// it, nil allows everything.
	Authorizer Authorizer
}

// Handler serves one JSON-protocol operation from the raw request body. Build
// one with Op; only the router calls it.
type Handler func(c *Call, body []byte) (any, *APIError)

// Op makes a Handler of a typed operation: the body is decoded into In here,
// once, for every operation of every service, so a handler receives its parsed
// input and returns its output or an error. An empty body is In's zero value.
// The call is authorized as its action on "*" before f runs; OpOn names the
// resources of an operation that has them.
func Op[In any](f func(c *Call, in In) (any, *APIError)) Handler {
	return OpOn(f, nil)
}

// Before makes every operation of ops run first ahead of itself: a service's
// work on each call, such as spending a token of its rate or completing what
// has come due. An error from first answers the call in the operation's place.
func Before(ops map[string]Handler, first func(c *Call) *APIError) map[string]Handler {
	for name, op := range ops {
		ops[name] = func(c *Call, body []byte) (any, *APIError) {
			if err := first(c); err != nil {
				return nil, err
			}
			return op(c, body)
		}
	}
	return ops
}

// DecodeJSON decodes a JSON request body with the one error AWS's JSON
// protocols answer for a body they cannot read.
func DecodeJSON(body []byte, v any) *APIError {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return Err("SerializationException", "Could not parse the request body: %v", err)
	}
	return nil
}

// QueryHandler serves one Query-protocol action from its form.
type QueryHandler func(c *Call, form url.Values) (any, *APIError)

// Service is one JSON-protocol service as the router sees it.
type Service struct {
	// Name is the signing name, also the key in Faults and in call counts.
	Name        string
	ContentType string
	// Throttle is the service's own throttling error, which the SDK retries.
	Throttle *APIError
	// Ops are the operations by name (X-Amz-Target suffix, or REST path).
	Ops map[string]Handler
	// AccessDenied is the service's answer to a call IAM denied: message is
	// AWS's text for it, action the IAM action the text names.
	AccessDenied func(action, message string) *APIError
}

// QueryService is one Query-protocol service (STS, SQS's older protocol, IAM)
// as the router sees it.
type QueryService struct {
	// Name is the signing name, also the key in Faults and in call counts.
	Name string
	// Namespace is the XML namespace of its answers and errors; Version the
	// API version it serves (the Version parameter).
	Namespace string
	Version   string
	Throttle  *APIError
	Actions   map[string]QueryHandler
	// AccessDenied is as Service's.
	AccessDenied func(action, message string) *APIError
}
