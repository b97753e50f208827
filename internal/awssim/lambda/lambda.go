package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Queues delivers an on-failure record to an SQS queue (sqs.Service.Deliver).
type Queues interface {
	Deliver(queueArn, body string, now time.Time) error
}

// AsyncConfig is a function's asynchronous invocation configuration
// (PutFunctionEventInvokeConfig): how often a failed event is retried and
// where its record goes when the retries are exhausted.
type AsyncConfig struct {
	// MaximumRetryAttempts is 0, 1 or 2 (Lambda's default).
	MaximumRetryAttempts int
	// OnFailure is the ARN of the SQS queue that receives the invocation
	// record of an event that failed every attempt; empty drops it.
	OnFailure string
}

// DefaultAsyncConfig is Lambda's: two retries, no destination.
var DefaultAsyncConfig = AsyncConfig{MaximumRetryAttempts: 2}

// retryDelays are Lambda's waits before the second and third attempts.
var retryDelays = []time.Duration{time.Minute, 2 * time.Minute}

type function struct {
	handler protocol.Function
	async   AsyncConfig
	// config is what the read calls describe; modified is when it was last
	// set (LastModified).
	config   Config
	modified time.Time
	// asyncSet is when Configure set async (zero: never, the function has
	// no EventInvokeConfig and answers Lambda's defaults).
	asyncSet time.Time
}

// Dropped is an asynchronous event that failed every attempt and had no
// destination: on AWS it is gone; the simulator keeps it so a run can show it.
type Dropped struct {
	FunctionArn string          `json:"functionArn"`
	Error       string          `json:"error"`
	Payload     json.RawMessage `json:"payload"`
}

// Service is the simulated Lambda. Every method runs with the Env's lock held.
type Service struct {
	env     *protocol.Env
	queues  Queues
	fns     map[string]*function
	dropped []Dropped
	// api are the read operations the router serves (api.go).
	api map[string]protocol.Handler
}

// New returns Lambda with no functions; records go to queues.
func New(env *protocol.Env, queues Queues) *Service {
	s := &Service{env: env, queues: queues, fns: map[string]*function{}}
	s.api = s.readOps()
	return s
}

// Register makes arn invokable. Registering an ARN again replaces its handler
// and keeps its configuration and asynchronous configuration; a new one gets
// the default Config.
func (s *Service) Register(arn string, fn protocol.Function) {
	if f := s.fns[arn]; f != nil {
		f.handler = fn
		return
	}
	s.Deploy(arn, fn, Config{})
}

// Deploy makes arn invokable with the configuration the read calls describe
// it by, as a deployment creates (or updates) a function: its LastModified is
// now. Deploying an ARN again replaces its handler and configuration and
// keeps its asynchronous configuration.
func (s *Service) Deploy(arn string, fn protocol.Function, c Config) {
	f := s.fns[arn]
	if f == nil {
		f = &function{async: DefaultAsyncConfig}
		s.fns[arn] = f
	}
	f.handler = fn
	f.config = c.withDefaults(arn)
	f.modified = s.env.Now()
}

// Configure sets a registered function's asynchronous invocation configuration.
func (s *Service) Configure(arn string, c AsyncConfig) error {
	f := s.fns[arn]
	if f == nil {
		return fmt.Errorf("function not found: %s", arn)
	}
	if c.MaximumRetryAttempts < 0 || c.MaximumRetryAttempts > len(retryDelays) {
		return fmt.Errorf("MaximumRetryAttempts %d: Lambda allows 0 to %d", c.MaximumRetryAttempts, len(retryDelays))
	}
	f.async = c
	f.asyncSet = s.env.Now()
	return nil
}

// Function returns the handler registered for arn, or nil.
func (s *Service) Function(arn string) protocol.Function {
	if f := s.fns[arn]; f != nil {
		return f.handler
	}
	return nil
}

// Lookup resolves a FunctionName as Step Functions and Lambda accept it: a
// registered ARN, or a bare name or partial ARN matching the end of one.
func (s *Service) Lookup(name string) protocol.Function {
	_, fn := s.resolve(name)
	return fn
}

// ARNs lists the registered function ARNs, sorted.
func (s *Service) ARNs() []string {
	out := make([]string, 0, len(s.fns))
	for arn := range s.fns {
		out = append(out, arn)
	}
	sort.Strings(out)
	return out
}

// ErrFunctionNotFound is InvokeAsync's answer for an ARN no function has.
var ErrFunctionNotFound = errors.New("ResourceNotFoundException: function not found")

// InvokeAsync is Invoke with InvocationType Event: the event is accepted now
// (or refused, for a function that does not exist) and runs on the clock, with
// the function's retries and on-failure destination.
func (s *Service) InvokeAsync(arn string, payload []byte) error {
	if s.fns[arn] == nil {
		return fmt.Errorf("%w: %s", ErrFunctionNotFound, arn)
	}
	requestID := s.env.UUID()
	s.attempt(arn, requestID, payload, 1, 0)
	return nil
}

// attempt runs the function after delay, outside the lock, and handles its
// failure with the lock taken again.
func (s *Service) attempt(arn, requestID string, payload []byte, n int, delay time.Duration) {
	s.env.Clock.AfterFunc(delay, func() {
		s.env.Lock()
		fn := s.fns[arn].handler
		s.env.Unlock()
		_, err := fn(context.Background(), payload)
		if err == nil {
			return
		}
		s.env.Lock()
		defer s.env.Unlock()
		cfg := s.fns[arn].async
		if n <= cfg.MaximumRetryAttempts {
			s.attempt(arn, requestID, payload, n+1, retryDelays[n-1])
			return
		}
		if cfg.OnFailure == "" {
			s.dropped = append(s.dropped, Dropped{FunctionArn: arn, Error: err.Error(), Payload: payload})
			return
		}
		body := record(arn, requestID, payload, n, err, s.env.Clock.Now())
		if derr := s.queues.Deliver(cfg.OnFailure, body, s.env.Clock.Now()); derr != nil {
			s.dropped = append(s.dropped, Dropped{FunctionArn: arn, Error: err.Error() + "; on-failure destination: " + derr.Error(), Payload: payload})
		}
	})
}

// DroppedEvents are the asynchronous events that failed every attempt and had
// no destination (or one that refused them).
func (s *Service) DroppedEvents() []Dropped { return append([]Dropped(nil), s.dropped...) }

// record is the invocation record Lambda sends to a destination, in the shape
// of the developer guide's example ("Capturing records of asynchronous
// invocations").
func record(arn, requestID string, payload []byte, attempts int, err error, now time.Time) string {
	errType := "Unhandled"
	var typed interface{ ErrorType() string }
	if errors.As(err, &typed) {
		errType = typed.ErrorType()
	}
	req := json.RawMessage(payload)
	if !json.Valid(payload) {
		req, _ = json.Marshal(string(payload))
	}
	rec := struct {
		Version         string          `json:"version"`
		Timestamp       string          `json:"timestamp"`
		RequestContext  any             `json:"requestContext"`
		RequestPayload  json.RawMessage `json:"requestPayload"`
		ResponseContext any             `json:"responseContext"`
		ResponsePayload any             `json:"responsePayload"`
	}{
		Version:   "1.0",
		Timestamp: now.UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: map[string]any{"requestId": requestID, "functionArn": arn + ":$LATEST",
			"condition": "RetriesExhausted", "approximateInvokeCount": attempts},
		RequestPayload:  req,
		ResponseContext: map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		ResponsePayload: map[string]any{"errorType": errType, "errorMessage": err.Error()},
	}
	b, _ := json.Marshal(rec)
	return string(b)
}
