package awssim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/asl"
)

// Step Functions (awsJson 1.0, prefix AWSStepFunctions), run by towervend's
// own ASL engine: definitions loaded through the API execute here, and their
// Lambda Task states call the functions registered with RegisterFunction. So
// the intake function and the CLI use the real sfn client, and a changed
// workflow can be tried locally before it is deployed.
//
// Executions live in memory: snapshots keep state machines but not executions.

// StepFunctionsState holds the state machines.
type StepFunctionsState struct {
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
}

// sfnRuntime is the live part: parsed machines and executions.
type sfnRuntime struct {
	engine *asl.Engine
	parsed map[string]*asl.Machine   // by state machine ARN + definition
	execs  map[string]*asl.Execution // by execution ARN
	order  []string                  // execution ARNs in start order
}

var executionNameRe = regexp.MustCompile(`^[^\s<>{}\[\]?*"#%\\^|~` + "`" + `$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$`)

func (s *Sim) stepFunctionsOps() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"CreateStateMachine":   s.sfnCreateStateMachine,
		"UpdateStateMachine":   s.sfnUpdateStateMachine,
		"DescribeStateMachine": s.sfnDescribeStateMachine,
		"ListStateMachines":    s.sfnListStateMachines,
		"DeleteStateMachine":   s.sfnDeleteStateMachine,
		"StartExecution":       s.sfnStartExecution,
		"DescribeExecution":    s.sfnDescribeExecution,
		"ListExecutions":       s.sfnListExecutions,
		"GetExecutionHistory":  s.sfnGetExecutionHistory,
		"StopExecution":        s.sfnStopExecution,
		"RedriveExecution":     s.sfnRedriveExecution,
	}
}

// sfn returns the live Step Functions runtime, creating it on first use. s.mu is held.
func (s *Sim) sfn() *sfnRuntime {
	if s.sfnRT != nil {
		return s.sfnRT
	}
	rt := &sfnRuntime{parsed: map[string]*asl.Machine{}, execs: map[string]*asl.Execution{}}
	rt.engine = &asl.Engine{
		Clock:    s.env.Clock,
		Invoker:  asl.InvokerFunc(s.invokeFunction),
		Rand:     rand.New(rand.NewPCG(s.world.Seed^0x5f3759df, s.world.Seed)),
		Observer: s.observeExecution,
	}
	s.sfnRT = rt
	if s.stepFunctions.Machines == nil {
		s.stepFunctions.Machines = map[string]*StateMachine{}
	}
	return rt
}

// SetExecutionObserver is called with every history event of every execution
// (the local runtime prints progress from it). It runs in the execution's
// clock-scheduled work.
func (s *Sim) SetExecutionObserver(f func(*asl.Execution, asl.HistoryEvent)) {
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.observer = f
}

// observeExecution sees every history event. It may run inside an API handler
// (StartExecution and StopExecution record events before returning), where s.mu
// is held, so it never takes s.mu itself: the status-change event is published
// from its own clock-scheduled work, as EventBridge would receive it shortly after.
func (s *Sim) observeExecution(x *asl.Execution, ev asl.HistoryEvent) {
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
// event on the default bus, as AWS does. s.mu is held.
func (s *Sim) putExecutionStatusChange(x *asl.Execution) {
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
func (s *Sim) invokeFunction(ctx context.Context, name string, payload json.RawMessage) (json.RawMessage, error) {
	s.env.Lock()
	fn := s.function(name)
	if fn == nil {
		// FunctionName may be a bare name or partial ARN: match the end of a registered ARN.
		for arn, f := range s.functions {
			if strings.HasSuffix(arn, ":function:"+name) || strings.HasSuffix(arn, ":"+name) {
				fn = f
			}
		}
	}
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

func (s *Sim) stateMachineArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", s.world.Region, s.org.ManagementAccountID, name)
}

func (s *Sim) sfnMachine(arn string) (*StateMachine, *APIError) {
	s.sfn()
	m := s.stepFunctions.Machines[arn]
	if m == nil {
		return nil, apiErr("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return m, nil
}

// parsedMachine parses (once) the definition a state machine has now.
func (s *Sim) parsedMachine(m *StateMachine) (*asl.Machine, *APIError) {
	rt := s.sfn()
	key := m.Arn + "\x00" + m.Definition
	if pm := rt.parsed[key]; pm != nil {
		return pm, nil
	}
	pm, err := asl.Parse([]byte(m.Definition))
	if err != nil {
		return nil, apiErr("InvalidDefinition", "Invalid State Machine Definition: '%s'", err.Error())
	}
	rt.parsed[key] = pm
	return pm, nil
}

func (s *Sim) sfnCreateStateMachine(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		Name, Definition, RoleArn, Type string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if !executionNameRe.MatchString(in.Name) {
		return nil, apiErr("InvalidName", "Invalid Name: '%s'", in.Name)
	}
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	if in.Type != "STANDARD" {
		return nil, apiErr("ValidationException", "The simulator runs STANDARD state machines only.")
	}
	arn := s.stateMachineArn(in.Name)
	s.sfn()
	if old := s.stepFunctions.Machines[arn]; old != nil {
		if old.Definition == in.Definition && old.RoleArn == in.RoleArn {
			return map[string]any{"stateMachineArn": arn, "creationDate": Epoch(old.CreationDate)}, nil
		}
		return nil, apiErr("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn)
	}
	m := &StateMachine{Arn: arn, Name: in.Name, Type: in.Type, Definition: in.Definition, RoleArn: in.RoleArn, CreationDate: c.Now}
	if _, err := s.parsedMachine(m); err != nil {
		return nil, err
	}
	s.stepFunctions.Machines[arn] = m
	return map[string]any{"stateMachineArn": arn, "creationDate": Epoch(c.Now)}, nil
}

func (s *Sim) sfnUpdateStateMachine(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ StateMachineArn, Definition, RoleArn string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, aerr := s.sfnMachine(in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	next := *m
	if in.Definition != "" {
		next.Definition = in.Definition
	}
	if in.RoleArn != "" {
		next.RoleArn = in.RoleArn
	}
	if _, err := s.parsedMachine(&next); err != nil {
		return nil, err
	}
	next.UpdateDate = c.Now
	*m = next
	return map[string]any{"updateDate": Epoch(c.Now)}, nil
}

func (s *Sim) sfnDescribeStateMachine(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ StateMachineArn string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, aerr := s.sfnMachine(in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"stateMachineArn": m.Arn, "name": m.Name, "status": "ACTIVE", "definition": m.Definition,
		"roleArn": m.RoleArn, "type": m.Type, "creationDate": Epoch(m.CreationDate)}, nil
}

func (s *Sim) sfnListStateMachines(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		MaxResults int    `json:"maxResults"`
		NextToken  string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.sfn()
	var items []map[string]any
	for _, arn := range sortedKeys(s.stepFunctions.Machines) {
		m := s.stepFunctions.Machines[arn]
		items = append(items, map[string]any{"stateMachineArn": m.Arn, "name": m.Name, "type": m.Type, "creationDate": Epoch(m.CreationDate)})
	}
	return sfnPage(items, "stateMachines", in.NextToken, in.MaxResults, 100)
}

func (s *Sim) sfnDeleteStateMachine(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ StateMachineArn string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, aerr := s.sfnMachine(in.StateMachineArn); aerr != nil {
		return nil, aerr
	}
	delete(s.stepFunctions.Machines, in.StateMachineArn)
	return struct{}{}, nil
}

func (s *Sim) sfnStartExecution(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		Name            string `json:"name"`
		Input           string `json:"input"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, aerr := s.sfnMachine(in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if in.Name == "" {
		in.Name = s.env.UUID()
	}
	if !executionNameRe.MatchString(in.Name) {
		return nil, apiErr("InvalidName", "Invalid Name: '%s'", in.Name)
	}
	if in.Input == "" {
		in.Input = "{}"
	}
	if !json.Valid([]byte(in.Input)) {
		return nil, apiErr("InvalidExecutionInput", "Invalid State Machine Execution Input: 'Input is not valid JSON'")
	}
	rt := s.sfn()
	arn := strings.Replace(m.Arn, ":stateMachine:", ":execution:", 1) + ":" + in.Name
	if x := rt.execs[arn]; x != nil {
		// Idempotent for the same name and input while running (AWS's rule for Standard workflows).
		if x.Status() == asl.StatusRunning && sameJSON(x.Input(), []byte(in.Input)) {
			return map[string]any{"executionArn": arn, "startDate": Epoch(x.StartDate())}, nil
		}
		return nil, apiErr("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	pm, aerr := s.parsedMachine(m)
	if aerr != nil {
		return nil, aerr
	}
	x, err := rt.engine.Start(context.Background(), pm, asl.ExecutionInfo{ARN: arn, Name: in.Name, StateMachineARN: m.Arn, StateMachineName: m.Name, RoleARN: m.RoleArn}, json.RawMessage(in.Input))
	if err != nil {
		return nil, apiErr("InvalidExecutionInput", "Invalid State Machine Execution Input: '%s'", err.Error())
	}
	rt.execs[arn] = x
	rt.order = append(rt.order, arn)
	return map[string]any{"executionArn": arn, "startDate": Epoch(x.StartDate())}, nil
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

func (s *Sim) execution(arn string) (*asl.Execution, *APIError) {
	x := s.sfn().execs[arn]
	if x == nil {
		return nil, apiErr("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
	}
	return x, nil
}

// redriveStatus says whether an execution can be redriven, with AWS's reasons.
func redriveStatus(x *asl.Execution) (string, string) {
	switch x.Status() {
	case asl.StatusRunning:
		return "NOT_REDRIVABLE", "Execution is RUNNING and cannot be redriven"
	case asl.StatusSucceeded:
		return "NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven"
	}
	return "REDRIVABLE", ""
}

func (s *Sim) sfnDescribeExecution(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	x, aerr := s.execution(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	out := executionListItem(x)
	out["input"] = string(x.Input())
	out["inputDetails"] = map[string]bool{"included": true}
	if o := x.Output(); len(o) > 0 {
		out["output"] = string(o)
		out["outputDetails"] = map[string]bool{"included": true}
	}
	if name, cause := x.Error(); name != "" {
		out["error"], out["cause"] = name, cause
	}
	st, reason := redriveStatus(x)
	out["redriveStatus"] = st
	if reason != "" {
		out["redriveStatusReason"] = reason
	}
	return out, nil
}

func (s *Sim) sfnListExecutions(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		StateMachineArn string `json:"stateMachineArn"`
		StatusFilter    string `json:"statusFilter"`
		RedriveFilter   string `json:"redriveFilter"`
		MaxResults      int    `json:"maxResults"`
		NextToken       string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if _, aerr := s.sfnMachine(in.StateMachineArn); aerr != nil {
		return nil, aerr
	}
	rt := s.sfn()
	var xs []*asl.Execution
	for _, arn := range rt.order {
		x := rt.execs[arn]
		if x.Info().StateMachineARN != in.StateMachineArn {
			continue
		}
		if in.StatusFilter != "" && string(x.Status()) != in.StatusFilter {
			continue
		}
		if in.RedriveFilter == "REDRIVEN" && x.RedriveCount() == 0 || in.RedriveFilter == "NOT_REDRIVEN" && x.RedriveCount() > 0 {
			continue
		}
		xs = append(xs, x)
	}
	// Newest first, as AWS lists them.
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].StartDate().After(xs[j].StartDate()) })
	return sfnPageOf(xs, "executions", in.NextToken, in.MaxResults, 100, executionListItem)
}

// executionListItem is what ListExecutions says of an execution, and what
// DescribeExecution says besides input, output and errors.
func executionListItem(x *asl.Execution) map[string]any {
	info := x.Info()
	item := map[string]any{"executionArn": info.ARN, "stateMachineArn": info.StateMachineARN, "name": info.Name,
		"status": string(x.Status()), "startDate": Epoch(x.StartDate()), "redriveCount": x.RedriveCount()}
	if !x.StopDate().IsZero() {
		item["stopDate"] = Epoch(x.StopDate())
	}
	if !x.RedriveDate().IsZero() {
		item["redriveDate"] = Epoch(x.RedriveDate())
	}
	return item
}

func (s *Sim) sfnGetExecutionHistory(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		ReverseOrder bool   `json:"reverseOrder"`
		MaxResults   int    `json:"maxResults"`
		NextToken    string `json:"nextToken"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	x, aerr := s.execution(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	events := x.History()
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	return sfnPage(events, "events", in.NextToken, in.MaxResults, 1000)
}

func (s *Sim) sfnStopExecution(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
		Error        string `json:"error"`
		Cause        string `json:"cause"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	x, aerr := s.execution(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	x.Stop(in.Error, in.Cause)
	return map[string]any{"stopDate": Epoch(c.Now)}, nil
}

func (s *Sim) sfnRedriveExecution(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ExecutionArn string `json:"executionArn"`
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	x, aerr := s.execution(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.sfn().engine.Redrive(context.Background(), x); err != nil {
		return nil, apiErr("ExecutionNotRedrivable", "Execution Not Redrivable: %s", err.Error())
	}
	return map[string]any{"redriveDate": Epoch(x.RedriveDate())}, nil
}

// sfnPage answers a Step Functions list call: one page of items under key,
// with nextToken when more remain.
func sfnPage[T any](items []T, key, token string, maxResults, defaultMax int) (any, *APIError) {
	return sfnPageOf(items, key, token, maxResults, defaultMax, func(t T) T { return t })
}

// sfnPageOf is sfnPage for items that must be converted to their JSON form:
// only the page's items are converted.
func sfnPageOf[T, U any](items []T, key, token string, maxResults, defaultMax int, convert func(T) U) (any, *APIError) {
	page, next, ok := protocol.PageOf(items, token, maxResults, defaultMax)
	if !ok {
		return nil, apiErr("InvalidToken", "Invalid Token: '%s'", token)
	}
	converted := make([]U, 0, len(page))
	for _, it := range page {
		converted = append(converted, convert(it))
	}
	out := map[string]any{key: converted}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// RunningExecutions counts executions still running.
func (s *Sim) RunningExecutions() int {
	s.env.Lock()
	defer s.env.Unlock()
	n := 0
	for _, x := range s.sfn().execs {
		if x.Status() == asl.StatusRunning {
			n++
		}
	}
	return n
}

// Executions returns every execution, in start order.
func (s *Sim) Executions() []*asl.Execution {
	s.env.Lock()
	defer s.env.Unlock()
	rt := s.sfn()
	out := make([]*asl.Execution, 0, len(rt.order))
	for _, arn := range rt.order {
		out = append(out, rt.execs[arn])
	}
	return out
}
