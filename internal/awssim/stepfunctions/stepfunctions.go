package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Step Functions (awsJson 1.0, prefix AWSStepFunctions), run by towervend's
// own ASL engine: definitions loaded through the API execute here, and their
// Lambda Task states call the functions registered with RegisterFunction
// (callback tasks then wait for SendTaskSuccess/SendTaskFailure). So the
// intake function and the CLI use the real sfn client, and a changed workflow
// can be tried locally before it is deployed.
//
// Executions live in memory: snapshots keep state machines but not executions.

// State holds the state machines.
type State struct {
	Machines map[string]*StateMachine `json:"stateMachines"`
}

// StateMachine is a state machine as the API describes it.
type StateMachine struct {
	Arn          string    `json:"arn"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	Definition   string    `json:"definition"`
	RoleArn      string    `json:"roleArn"`
	CreationDate time.Time `json:"creationDate"`
	UpdateDate   time.Time `json:"updateDate,omitempty"`
	// The settings CreateStateMachine or UpdateStateMachine gave it; nil is
	// never set (AWS's default, which DescribeStateMachine answers).
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration,omitempty"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration,omitempty"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration,omitempty"`
}

// Functions resolves a Task's FunctionName to the Lambda stand-in it invokes
// (package lambda's Service, wired by the root).
type Functions interface {
	Lookup(name string) protocol.Function
}

// Service is the simulated Step Functions.
type Service struct {
	env       *protocol.Env
	functions Functions
	state     State
	rt        *runtime
	obsMu     sync.Mutex // guards observer, which runs where the lock may be held
	observer  func(*asl.Execution, asl.HistoryEvent)
}

// runtime is the live part: parsed machines and executions.
type runtime struct {
	engine *asl.Engine
	parsed map[string]*asl.Machine   // by state machine ARN + definition
	execs  map[string]*asl.Execution // by execution ARN
	order  []string                  // execution ARNs in start order
	// machines are the state machines as each execution started them, by
	// execution ARN (what DescribeStateMachineForExecution describes).
	machines map[string]StateMachine
	// live holds the executions started or redriven that may still run:
	// counting the running ones reads these, not every execution there was.
	live map[string]*asl.Execution
}

// New returns Step Functions with no state machines, whose tasks invoke the
// functions registered in functions.
func New(env *protocol.Env, functions Functions) *Service {
	return &Service{env: env, functions: functions}
}

// State is the state a snapshot holds. The lock is held.
func (s *Service) State() State { return s.state }

// SetState replaces the state with a snapshot's. The lock is held.
func (s *Service) SetState(st State) { s.state = st }

// sfn returns the live Step Functions runtime, creating it on first use. The lock is held.
func (s *Service) sfn() *runtime {
	if s.rt != nil {
		return s.rt
	}
	rt := &runtime{parsed: map[string]*asl.Machine{}, execs: map[string]*asl.Execution{}, live: map[string]*asl.Execution{},
		machines: map[string]StateMachine{}}
	rt.engine = &asl.Engine{
		Clock:    s.env.Clock,
		Invoker:  asl.InvokerFunc(s.invokeFunction),
		Rand:     rand.New(rand.NewPCG(s.env.Seed^0x5f3759df, s.env.Seed)),
		Observer: s.observeExecution,
	}
	s.rt = rt
	if s.state.Machines == nil {
		s.state.Machines = map[string]*StateMachine{}
	}
	return rt
}

// SetExecutionObserver is called with every history event of every execution
// (the local runtime prints progress from it). It runs in the execution's
// clock-scheduled work.
func (s *Service) SetExecutionObserver(f func(*asl.Execution, asl.HistoryEvent)) {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.observer = f
}

// observeExecution sees every history event. It may run inside an API handler
// (StartExecution and StopExecution record events before returning), where the
// lock is held, so it never takes the lock itself: the status-change event is
// published from its own clock-scheduled work, as EventBridge would receive it
// shortly after.
func (s *Service) observeExecution(x *asl.Execution, ev asl.HistoryEvent) {
	switch ev.Type {
	case asl.ExecutionSucceeded, asl.ExecutionFailed, asl.ExecutionAborted, asl.ExecutionTimedOut:
		s.env.Clock.Go(func() {
			s.env.Lock()
			defer s.env.Unlock()
			s.putExecutionStatusChange(x)
		})
	}
	s.obsMu.Lock()
	obs := s.observer
	s.obsMu.Unlock()
	if obs != nil {
		obs(x, ev)
	}
}

// putExecutionStatusChange publishes Step Functions' "Execution Status Change"
// event on the default bus, as AWS does. The lock is held.
func (s *Service) putExecutionStatusChange(x *asl.Execution) {
	info := x.Info()
	errName, cause := x.Error()
	detail := map[string]any{
		"executionArn": info.ARN, "stateMachineArn": info.StateMachineARN, "name": info.Name,
		"status": string(x.Status()), "startDate": x.StartDate().UnixMilli(), "stopDate": x.StopDate().UnixMilli(),
		"input": string(x.Input()), "output": nullable(string(x.Output())), "error": nullable(errName), "cause": nullable(cause),
		"redriveCount": x.RedriveCount(),
	}
	s.env.Publish(protocol.Event{Source: "aws.states", DetailType: "Step Functions Execution Status Change", Detail: mustJSON(detail), Resources: []string{info.ARN}})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("awssim: " + err.Error())
	}
	return b
}

// invokeFunction runs a registered function for a Task state. A function's
// error that names itself (ErrorType) becomes that Step Functions error with
// Lambda's error JSON as cause, as Lambda reports a function error.
func (s *Service) invokeFunction(ctx context.Context, name string, payload json.RawMessage) (json.RawMessage, error) {
	s.env.Lock()
	fn := s.functions.Lookup(name)
	s.env.Unlock()
	if fn == nil {
		return nil, &asl.TaskError{Name: "Lambda.ResourceNotFoundException", Cause: "Function not found: " + name}
	}
	out, err := fn(ctx, payload)
	if err == nil {
		return out, nil
	}
	var typed interface {
		ErrorType() string
		Cause() string
	}
	if errors.As(err, &typed) {
		return nil, &asl.TaskError{Name: typed.ErrorType(), Cause: typed.Cause()}
	}
	cause, _ := json.Marshal(map[string]string{"errorType": "Error", "errorMessage": err.Error()})
	return nil, &asl.TaskError{Name: "Error", Cause: string(cause)}
}

// RunningExecutions counts executions still running. It takes the lock.
func (s *Service) RunningExecutions() int {
	s.env.Lock()
	defer s.env.Unlock()
	n := 0
	rt := s.sfn()
	for arn, x := range rt.live {
		if x.Status() != asl.StatusRunning {
			delete(rt.live, arn)
			continue
		}
		n++
	}
	return n
}

// Executions returns every execution, in start order. It takes the lock.
func (s *Service) Executions() []*asl.Execution {
	s.env.Lock()
	defer s.env.Unlock()
	rt := s.sfn()
	out := make([]*asl.Execution, 0, len(rt.order))
	for _, arn := range rt.order {
		out = append(out, rt.execs[arn])
	}
	return out
}
