package stepfunctions

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

var executionNameRe = regexp.MustCompile(`^[^\s<>{}\[\]?*"#%\\^|~` + "`" + `$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$`)

// Ops are the Step Functions operations by X-Amz-Target suffix.
func (s *Service) Ops() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"CreateStateMachine":               protocol.OpOn(s.createStateMachine, s.onCreateMachine),
		"UpdateStateMachine":               protocol.OpOn(s.updateStateMachine, onUpdateMachine),
		"DescribeStateMachine":             protocol.OpOn(s.describeStateMachine, onMachine),
		"ListStateMachines":                protocol.Op(s.listStateMachines),
		"DeleteStateMachine":               protocol.OpOn(s.deleteStateMachine, onMachine),
		"StartExecution":                   protocol.OpOn(s.startExecution, onStart),
		"DescribeExecution":                protocol.OpOn(s.describeExecution, onExecution),
		"DescribeStateMachineForExecution": protocol.OpOn(s.describeStateMachineForExecution, onExecution),
		"ListExecutions":                   protocol.OpOn(s.listExecutions, onListExecutions),
		"GetExecutionHistory":              protocol.OpOn(s.getExecutionHistory, onHistory),
		"StopExecution":                    protocol.OpOn(s.stopExecution, onStop),
		"RedriveExecution":                 protocol.OpOn(s.redriveExecution, onExecution),
		"SendTaskSuccess":                  protocol.OpOn(s.sendTaskSuccess, s.onSendTaskSuccess),
		"SendTaskFailure":                  protocol.OpOn(s.sendTaskFailure, s.onSendTaskFailure),
		"SendTaskHeartbeat":                protocol.OpOn(s.sendTaskHeartbeat, s.onSendTaskHeartbeat),
	}
}

func (s *Service) stateMachineArn(name string) string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", s.env.Region, s.env.ManagementAccountID, name)
}

// machine resolves a state machine ARN: InvalidArn for a malformed one,
// StateMachineDoesNotExist for one of no state machine. The lock is held.
func (s *Service) machine(arn string) (*StateMachine, *protocol.APIError) {
	if err := checkArn(arn, stateMachineType); err != nil {
		return nil, err
	}
	s.sfn()
	m := s.state.Machines[arn]
	if m == nil {
		return nil, protocol.Err("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return m, nil
}

// parsedMachine parses (once) the definition a state machine has now.
func (s *Service) parsedMachine(m *StateMachine) (*asl.Machine, *protocol.APIError) {
	rt := s.sfn()
	key := m.Arn + "\x00" + m.Definition
	if pm := rt.parsed[key]; pm != nil {
		return pm, nil
	}
	pm, err := asl.Parse([]byte(m.Definition))
	if err != nil {
		return nil, protocol.Err("InvalidDefinition", "Invalid State Machine Definition: '%s'", err.Error())
	}
	rt.parsed[key] = pm
	return pm, nil
}

type createStateMachineInput struct {
	Name, Definition, RoleArn, Type string
	machineConfig
}

func (s *Service) createStateMachine(c *protocol.Call, in createStateMachineInput) (any, *protocol.APIError) {
	if !executionNameRe.MatchString(in.Name) {
		return nil, protocol.Err("InvalidName", "Invalid Name: '%s'", in.Name)
	}
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	if in.Type != "STANDARD" {
		return nil, protocol.Err("ValidationException", "The simulator runs STANDARD state machines only.")
	}
	config, aerr := in.check()
	if aerr != nil {
		return nil, aerr
	}
	arn := s.stateMachineArn(in.Name)
	s.sfn()
	m := &StateMachine{Arn: arn, Name: in.Name, Type: in.Type, Definition: in.Definition, RoleArn: in.RoleArn, CreationDate: c.Now}
	config.apply(m)
	if old := s.state.Machines[arn]; old != nil {
		// Idempotent, as AWS is, for the same name, definition, type, role
		// and settings.
		if old.Definition == m.Definition && old.RoleArn == m.RoleArn && old.Type == m.Type && reflect.DeepEqual(old.settings(), m.settings()) {
			return map[string]any{"stateMachineArn": arn, "creationDate": protocol.Epoch(old.CreationDate)}, nil
		}
		return nil, protocol.Err("StateMachineAlreadyExists", "State Machine Already Exists: '%s'", arn)
	}
	if _, err := s.parsedMachine(m); err != nil {
		return nil, err
	}
	s.state.Machines[arn] = m
	return map[string]any{"stateMachineArn": arn, "creationDate": protocol.Epoch(c.Now)}, nil
}

type updateStateMachineInput struct {
	StateMachineArn, Definition, RoleArn string
	machineConfig
}

func (s *Service) updateStateMachine(c *protocol.Call, in updateStateMachineInput) (any, *protocol.APIError) {
	m, aerr := s.machine(in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	config, aerr := in.check()
	if aerr != nil {
		return nil, aerr
	}
	next := *m
	config.apply(&next)
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
	return map[string]any{"updateDate": protocol.Epoch(c.Now)}, nil
}

type stateMachineRef struct{ StateMachineArn string }

func (s *Service) describeStateMachine(c *protocol.Call, in stateMachineRef) (any, *protocol.APIError) {
	m, aerr := s.machine(in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	out := map[string]any{"stateMachineArn": m.Arn, "name": m.Name, "status": "ACTIVE", "definition": m.Definition,
		"roleArn": m.RoleArn, "type": m.Type, "creationDate": protocol.Epoch(m.CreationDate)}
	return withSettings(out, m), nil
}

// withSettings adds a state machine's logging, tracing and encryption
// settings to an answer that describes it.
func withSettings(out map[string]any, m *StateMachine) map[string]any {
	c := m.settings()
	out["loggingConfiguration"] = c.LoggingConfiguration
	out["tracingConfiguration"] = c.TracingConfiguration
	out["encryptionConfiguration"] = c.EncryptionConfiguration
	return out
}

type listStateMachinesInput struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

func (s *Service) listStateMachines(c *protocol.Call, in listStateMachinesInput) (any, *protocol.APIError) {
	s.sfn()
	var items []map[string]any
	for _, arn := range slices.Sorted(maps.Keys(s.state.Machines)) {
		m := s.state.Machines[arn]
		items = append(items, map[string]any{"stateMachineArn": m.Arn, "name": m.Name, "type": m.Type, "creationDate": protocol.Epoch(m.CreationDate)})
	}
	return page(items, "stateMachines", in.NextToken, in.MaxResults, 100)
}

// deleteStateMachine deletes a state machine. Deleting one that does not
// exist succeeds, as on AWS, where StateMachineDoesNotExist is not among
// DeleteStateMachine's errors; a malformed ARN is InvalidArn.
func (s *Service) deleteStateMachine(c *protocol.Call, in stateMachineRef) (any, *protocol.APIError) {
	if err := checkArn(in.StateMachineArn, stateMachineType); err != nil {
		return nil, err
	}
	s.sfn()
	delete(s.state.Machines, in.StateMachineArn)
	return struct{}{}, nil
}

type startExecutionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Input           string `json:"input"`
}

func (s *Service) startExecution(c *protocol.Call, in startExecutionInput) (any, *protocol.APIError) {
	m, aerr := s.machine(in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if in.Name == "" {
		in.Name = s.env.UUID()
	}
	if !executionNameRe.MatchString(in.Name) {
		return nil, protocol.Err("InvalidName", "Invalid Name: '%s'", in.Name)
	}
	if in.Input == "" {
		in.Input = "{}"
	}
	if !json.Valid([]byte(in.Input)) {
		return nil, protocol.Err("InvalidExecutionInput", "Invalid State Machine Execution Input: 'Input is not valid JSON'")
	}
	rt := s.sfn()
	arn := strings.Replace(m.Arn, ":stateMachine:", ":execution:", 1) + ":" + in.Name
	if x := rt.execs[arn]; x != nil {
		// Idempotent for the same name and input while running (AWS's rule for Standard workflows).
		if x.Status() == asl.StatusRunning && sameJSON(x.Input(), []byte(in.Input)) {
			return map[string]any{"executionArn": arn, "startDate": protocol.Epoch(x.StartDate())}, nil
		}
		return nil, protocol.Err("ExecutionAlreadyExists", "Execution Already Exists: '%s'", arn)
	}
	pm, aerr := s.parsedMachine(m)
	if aerr != nil {
		return nil, aerr
	}
	x, err := rt.engine.Start(context.Background(), pm, asl.ExecutionInfo{ARN: arn, Name: in.Name, StateMachineARN: m.Arn, StateMachineName: m.Name, RoleARN: m.RoleArn}, json.RawMessage(in.Input))
	if err != nil {
		return nil, protocol.Err("InvalidExecutionInput", "Invalid State Machine Execution Input: '%s'", err.Error())
	}
	rt.execs[arn] = x
	rt.machines[arn] = *m
	rt.order = append(rt.order, arn)
	rt.live[arn] = x
	return map[string]any{"executionArn": arn, "startDate": protocol.Epoch(x.StartDate())}, nil
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

// execution resolves an execution ARN: InvalidArn for a malformed one,
// ExecutionDoesNotExist for one of no execution. The lock is held.
func (s *Service) execution(arn string) (*asl.Execution, *protocol.APIError) {
	if err := checkArn(arn, executionType); err != nil {
		return nil, err
	}
	x := s.sfn().execs[arn]
	if x == nil {
		return nil, protocol.Err("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
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

type executionRef struct {
	ExecutionArn string `json:"executionArn"`
}

func (s *Service) describeExecution(c *protocol.Call, in executionRef) (any, *protocol.APIError) {
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

// describeStateMachineForExecution describes the state machine as the
// execution started it: a later UpdateStateMachine does not change what an
// execution runs, nor what this says of it.
func (s *Service) describeStateMachineForExecution(c *protocol.Call, in executionRef) (any, *protocol.APIError) {
	x, aerr := s.execution(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	m := s.sfn().machines[x.Info().ARN]
	updated := m.UpdateDate
	if updated.IsZero() {
		updated = m.CreationDate // as the reference says: for a new state machine, its creation date
	}
	out := map[string]any{"stateMachineArn": m.Arn, "name": m.Name, "definition": m.Definition, "roleArn": m.RoleArn,
		"updateDate": protocol.Epoch(updated)}
	return withSettings(out, &m), nil
}

type listExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	StatusFilter    string `json:"statusFilter"`
	RedriveFilter   string `json:"redriveFilter"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

func (s *Service) listExecutions(c *protocol.Call, in listExecutionsInput) (any, *protocol.APIError) {
	if _, aerr := s.machine(in.StateMachineArn); aerr != nil {
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
	return pageOf(xs, "executions", in.NextToken, in.MaxResults, 100, executionListItem)
}

// executionListItem is what ListExecutions says of an execution, and what
// DescribeExecution says besides input, output and errors.
func executionListItem(x *asl.Execution) map[string]any {
	info := x.Info()
	item := map[string]any{"executionArn": info.ARN, "stateMachineArn": info.StateMachineARN, "name": info.Name,
		"status": string(x.Status()), "startDate": protocol.Epoch(x.StartDate()), "redriveCount": x.RedriveCount()}
	if !x.StopDate().IsZero() {
		item["stopDate"] = protocol.Epoch(x.StopDate())
	}
	if !x.RedriveDate().IsZero() {
		item["redriveDate"] = protocol.Epoch(x.RedriveDate())
	}
	return item
}

type getExecutionHistoryInput struct {
	ExecutionArn string `json:"executionArn"`
	ReverseOrder bool   `json:"reverseOrder"`
	MaxResults   int    `json:"maxResults"`
	NextToken    string `json:"nextToken"`
}

func (s *Service) getExecutionHistory(c *protocol.Call, in getExecutionHistoryInput) (any, *protocol.APIError) {
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
	return page(events, "events", in.NextToken, in.MaxResults, 1000)
}

type stopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

func (s *Service) stopExecution(c *protocol.Call, in stopExecutionInput) (any, *protocol.APIError) {
	x, aerr := s.execution(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	x.Stop(in.Error, in.Cause)
	return map[string]any{"stopDate": protocol.Epoch(c.Now)}, nil
}

func (s *Service) redriveExecution(c *protocol.Call, in executionRef) (any, *protocol.APIError) {
	x, aerr := s.execution(in.ExecutionArn)
	if aerr != nil {
		return nil, aerr
	}
	if err := s.sfn().engine.Redrive(context.Background(), x); err != nil {
		return nil, protocol.Err("ExecutionNotRedrivable", "Execution Not Redrivable: %s", err.Error())
	}
	s.sfn().live[x.Info().ARN] = x
	return map[string]any{"redriveDate": protocol.Epoch(x.RedriveDate())}, nil
}

// page answers a Step Functions list call: one page of items under key,
// with nextToken when more remain.
func page[T any](items []T, key, token string, maxResults, defaultMax int) (any, *protocol.APIError) {
	return pageOf(items, key, token, maxResults, defaultMax, func(t T) T { return t })
}

// pageOf is page for items that must be converted to their JSON form:
// only the page's items are converted.
func pageOf[T, U any](items []T, key, token string, maxResults, defaultMax int, convert func(T) U) (any, *protocol.APIError) {
	page, next, ok := protocol.PageOf(items, token, maxResults, defaultMax)
	if !ok {
		return nil, protocol.Err("InvalidToken", "Invalid Token: '%s'", token)
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
