package awssim

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"regexp"
	"sort"
	"strings"
	"time"

	"quamina.net/go/quamina"
)

// EventsState is Amazon EventBridge: buses, their rules and every event put on them.
type EventsState struct {
	Buses map[string]*Bus `json:"buses"`
	// Log holds every event put on each bus, oldest first, by bus name.
	Log map[string][]json.RawMessage `json:"log"`
	// FailedDeliveries are events a target kept refusing after EventBridge's retries.
	FailedDeliveries []FailedDelivery `json:"failedDeliveries,omitempty"`
}

// Bus is an event bus.
type Bus struct {
	Name     string           `json:"name"`
	Arn      string           `json:"arn"`
	Rules    map[string]*Rule `json:"rules"`
	Archives []string         `json:"archives,omitempty"`
}

// Rule is an event-pattern rule with its targets.
type Rule struct {
	Name         string   `json:"name"`
	Arn          string   `json:"arn"`
	EventPattern string   `json:"eventPattern"`
	State        string   `json:"state"`
	Description  string   `json:"description,omitempty"`
	Targets      []Target `json:"targets"`
}

// Target is where a rule sends matching events: a function registered with
// RegisterFunction, named by its ARN.
type Target struct {
	ID    string `json:"Id"`
	Arn   string `json:"Arn"`
	Input string `json:"Input,omitempty"`
}

// FailedDelivery records an event a target could not take.
type FailedDelivery struct {
	Rule   string          `json:"rule"`
	Target string          `json:"target"`
	Error  string          `json:"error"`
	Event  json.RawMessage `json:"event"`
}

// patternMatcher is a compiled rule pattern.
type patternMatcher struct{ q *quamina.Quamina }

func compilePattern(pattern string) (*patternMatcher, error) {
	q, err := quamina.New()
	if err != nil {
		return nil, err
	}
	if err := q.AddPattern("rule", pattern); err != nil {
		return nil, err
	}
	return &patternMatcher{q: q}, nil
}

func (m *patternMatcher) matches(event []byte) (bool, error) {
	got, err := m.q.MatchesForEvent(event)
	return len(got) > 0, err
}

func (s *Sim) initEvents(w *World) error {
	s.events.Log = map[string][]json.RawMessage{}
	s.events.Buses = map[string]*Bus{}
	s.matchers = map[string]*patternMatcher{}
	s.events.Buses["default"] = &Bus{Name: "default", Arn: s.busArn("default"), Rules: map[string]*Rule{}}
	return nil
}

func (s *Sim) busArn(name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", s.world.Region, s.org.ManagementAccountID, name)
}

// bus resolves a bus by name or ARN; empty means default. s.mu is held.
func (s *Sim) bus(nameOrArn string) (*Bus, *APIError) {
	name := nameOrArn
	if name == "" {
		name = "default"
	}
	if i := strings.LastIndex(name, "event-bus/"); strings.HasPrefix(name, "arn:") && i >= 0 {
		name = name[i+len("event-bus/"):]
	}
	b := s.events.Buses[name]
	if b == nil {
		return nil, apiErr("ResourceNotFoundException", "Event bus %s does not exist.", name)
	}
	return b, nil
}

func (s *Sim) matcher(bus string, r *Rule) (*patternMatcher, error) {
	key := bus + "/" + r.Name
	if m := s.matchers[key]; m != nil {
		return m, nil
	}
	m, err := compilePattern(r.EventPattern)
	if err != nil {
		return nil, err
	}
	s.matchers[key] = m
	return m, nil
}

// publish records an event on a bus and delivers it to the targets of every
// enabled rule whose pattern matches, each in its own clock-scheduled work, as
// EventBridge delivers asynchronously. s.mu is held.
func (s *Sim) publish(b *Bus, event []byte) {
	s.events.Log[b.Name] = append(s.events.Log[b.Name], event)
	for _, name := range sortedKeys(b.Rules) {
		r := b.Rules[name]
		if r.State != "ENABLED" {
			continue
		}
		m, err := s.matcher(b.Name, r)
		if err != nil {
			continue
		}
		ok, err := m.matches(event)
		if err != nil || !ok {
			continue
		}
		for _, t := range r.Targets {
			payload := event
			if t.Input != "" {
				payload = []byte(t.Input)
			}
			s.deliver(r.Name, t, payload, 0)
		}
	}
}

// deliveryAttempts is how often the simulator retries a failing target; AWS
// retries for up to 24 hours with backoff.
const deliveryAttempts = 8

// deliver invokes a target, retrying with exponential backoff on the clock. s.mu is held.
func (s *Sim) deliver(rule string, t Target, payload []byte, attempt int) {
	delay := time.Duration(0)
	if attempt > 0 {
		delay = time.Duration(1<<min(attempt, 10)) * time.Second
	}
	s.env.Clock.AfterFunc(delay, func() {
		s.env.Lock()
		fn := s.function(t.Arn)
		s.env.Unlock()
		var err error
		if fn == nil {
			err = fmt.Errorf("no function is registered for %s", t.Arn)
		} else {
			_, err = fn(context.Background(), payload)
		}
		if err == nil {
			return
		}
		s.env.Lock()
		defer s.env.Unlock()
		if attempt+1 < deliveryAttempts && fn != nil {
			s.deliver(rule, t, payload, attempt+1)
			return
		}
		s.events.FailedDeliveries = append(s.events.FailedDeliveries, FailedDelivery{Rule: rule, Target: t.Arn, Error: err.Error(), Event: payload})
	})
}

// publishServiceEvent is the Env's publisher: an event from an AWS service
// (e.g. source "aws.controltower", detail-type "AWS Service Event via
// CloudTrail") goes on the default bus of the management account, in the home
// Region, the way AWS does. The lock is held.
func (s *Sim) publishServiceEvent(ev protocol.Event) {
	d, ok := ev.Detail.(json.RawMessage)
	if !ok {
		var err error
		if d, err = json.Marshal(ev.Detail); err != nil {
			panic("awssim: service event detail does not marshal: " + err.Error()) // a simulator bug
		}
	}
	at := ev.Time
	if at.IsZero() {
		at = s.env.Clock.Now()
	}
	s.publish(s.events.Buses["default"], s.envelope(ev.Source, ev.DetailType, d, ev.Resources, at))
}

// envelope builds an EventBridge event in AWS's field order.
func (s *Sim) envelope(source, detailType string, detail json.RawMessage, resources []string, at time.Time) []byte {
	if resources == nil {
		resources = []string{}
	}
	ev := struct {
		Version    string          `json:"version"`
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Account    string          `json:"account"`
		Time       string          `json:"time"`
		Region     string          `json:"region"`
		Resources  []string        `json:"resources"`
		Detail     json.RawMessage `json:"detail"`
	}{"0", s.env.UUID(), detailType, source, s.org.ManagementAccountID, at.UTC().Format(time.RFC3339), s.world.Region, resources, detail}
	b, _ := json.Marshal(ev)
	return b
}

// BusEvents returns every event put on a bus so far, oldest first.
func (s *Sim) BusEvents(bus string) []json.RawMessage {
	s.env.Lock()
	defer s.env.Unlock()
	return append([]json.RawMessage(nil), s.events.Log[bus]...)
}

// FailedDeliveries returns the events targets refused after all retries.
func (s *Sim) FailedDeliveries() []FailedDelivery {
	s.env.Lock()
	defer s.env.Unlock()
	return append([]FailedDelivery(nil), s.events.FailedDeliveries...)
}

// --- the EventBridge API ---

var ruleNameRe = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)

func (s *Sim) eventsOps() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"PutEvents":         s.evPutEvents,
		"CreateEventBus":    s.evCreateEventBus,
		"DescribeEventBus":  s.evDescribeEventBus,
		"ListEventBuses":    s.evListEventBuses,
		"PutRule":           s.evPutRule,
		"DescribeRule":      s.evDescribeRule,
		"ListRules":         s.evListRules,
		"DeleteRule":        s.evDeleteRule,
		"EnableRule":        func(c *protocol.Call, b []byte) (any, *APIError) { return s.evSetRuleState(b, "ENABLED") },
		"DisableRule":       func(c *protocol.Call, b []byte) (any, *APIError) { return s.evSetRuleState(b, "DISABLED") },
		"PutTargets":        s.evPutTargets,
		"RemoveTargets":     s.evRemoveTargets,
		"ListTargetsByRule": s.evListTargetsByRule,
		"TestEventPattern":  s.evTestEventPattern,
		"CreateArchive":     s.evCreateArchive,
	}
}

func decode(body []byte, v any) *APIError {
	if err := json.Unmarshal(body, v); err != nil {
		return &APIError{Code: "SerializationException", Message: "Could not parse the request: " + err.Error(), Status: 400}
	}
	return nil
}

func (s *Sim) evPutEvents(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		Entries []struct {
			Source       string
			DetailType   string
			Detail       string
			EventBusName string
			Resources    []string
			Time         *Epoch
		}
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, apiErr("ValidationException", "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10")
	}
	type result struct {
		EventId      string `json:",omitempty"`
		ErrorCode    string `json:",omitempty"`
		ErrorMessage string `json:",omitempty"`
	}
	out := struct {
		FailedEntryCount int
		Entries          []result
	}{}
	for _, e := range in.Entries {
		var detail map[string]any
		switch {
		case e.Source == "" || e.DetailType == "" || e.Detail == "":
			out.Entries = append(out.Entries, result{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter(s) Source, DetailType and Detail must be specified."})
			out.FailedEntryCount++
			continue
		case json.Unmarshal([]byte(e.Detail), &detail) != nil:
			out.Entries = append(out.Entries, result{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."})
			out.FailedEntryCount++
			continue
		case strings.HasPrefix(e.Source, "aws."):
			out.Entries = append(out.Entries, result{ErrorCode: "NotAuthorizedForSourceException", ErrorMessage: "Not authorized for the source."})
			out.FailedEntryCount++
			continue
		}
		b, aerr := s.bus(e.EventBusName)
		if aerr != nil {
			out.Entries = append(out.Entries, result{ErrorCode: "ResourceNotFoundException", ErrorMessage: aerr.Message})
			out.FailedEntryCount++
			continue
		}
		at := c.Now
		if e.Time != nil {
			at = e.Time.Time()
		}
		ev := s.envelope(e.Source, e.DetailType, json.RawMessage(e.Detail), e.Resources, at)
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(ev, &id)
		s.publish(b, ev)
		out.Entries = append(out.Entries, result{EventId: id.ID})
	}
	return out, nil
}

func (s *Sim) evCreateEventBus(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ Name string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if !ruleNameRe.MatchString(in.Name) || in.Name == "default" {
		return nil, apiErr("ValidationException", "Event bus name %q is not valid.", in.Name)
	}
	if s.events.Buses[in.Name] != nil {
		return nil, apiErr("ResourceAlreadyExistsException", "Event bus %s already exists.", in.Name)
	}
	b := &Bus{Name: in.Name, Arn: s.busArn(in.Name), Rules: map[string]*Rule{}}
	s.events.Buses[in.Name] = b
	return map[string]string{"EventBusArn": b.Arn}, nil
}

func (s *Sim) evDescribeEventBus(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ Name string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	b, aerr := s.bus(in.Name)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]string{"Name": b.Name, "Arn": b.Arn}, nil
}

func (s *Sim) evListEventBuses(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ NamePrefix string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var buses []map[string]string
	for _, name := range sortedKeys(s.events.Buses) {
		if strings.HasPrefix(name, in.NamePrefix) {
			buses = append(buses, map[string]string{"Name": name, "Arn": s.events.Buses[name].Arn})
		}
	}
	return map[string]any{"EventBuses": buses}, nil
}

func (s *Sim) evPutRule(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		Name, EventPattern, State, Description, EventBusName, ScheduleExpression string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if !ruleNameRe.MatchString(in.Name) {
		return nil, apiErr("ValidationException", "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", in.Name)
	}
	if in.ScheduleExpression != "" {
		return nil, apiErr("ValidationException", "The simulator does not run scheduled rules.")
	}
	if in.EventPattern == "" {
		return nil, apiErr("ValidationException", "Parameter EventPattern must be specified.")
	}
	if _, err := compilePattern(in.EventPattern); err != nil {
		return nil, apiErr("InvalidEventPatternException", "Event pattern is not valid. Reason: %s", err.Error())
	}
	b, aerr := s.bus(in.EventBusName)
	if aerr != nil {
		return nil, aerr
	}
	state := in.State
	if state == "" {
		state = "ENABLED"
	}
	r := b.Rules[in.Name]
	if r == nil {
		r = &Rule{Name: in.Name}
		b.Rules[in.Name] = r
	}
	r.EventPattern, r.State, r.Description = in.EventPattern, state, in.Description
	r.Arn = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", s.world.Region, s.org.ManagementAccountID, in.Name)
	if b.Name != "default" {
		r.Arn = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", s.world.Region, s.org.ManagementAccountID, b.Name, in.Name)
	}
	delete(s.matchers, b.Name+"/"+r.Name)
	return map[string]string{"RuleArn": r.Arn}, nil
}

func (s *Sim) rule(busName, name string) (*Bus, *Rule, *APIError) {
	b, aerr := s.bus(busName)
	if aerr != nil {
		return nil, nil, aerr
	}
	r := b.Rules[name]
	if r == nil {
		return nil, nil, apiErr("ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", name, b.Name)
	}
	return b, r, nil
}

func (s *Sim) evDescribeRule(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ Name, EventBusName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	b, r, aerr := s.rule(in.EventBusName, in.Name)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]string{"Name": r.Name, "Arn": r.Arn, "EventPattern": r.EventPattern, "State": r.State, "Description": r.Description, "EventBusName": b.Name}, nil
}

func (s *Sim) evListRules(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		NamePrefix, EventBusName, NextToken string
		Limit                               int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	b, aerr := s.bus(in.EventBusName)
	if aerr != nil {
		return nil, aerr
	}
	var rules []map[string]string
	for _, name := range sortedKeys(b.Rules) {
		if r := b.Rules[name]; strings.HasPrefix(name, in.NamePrefix) {
			rules = append(rules, map[string]string{"Name": r.Name, "Arn": r.Arn, "EventPattern": r.EventPattern, "State": r.State, "EventBusName": b.Name})
		}
	}
	page, next, ok := protocol.PageOf(rules, in.NextToken, in.Limit, 100)
	if !ok {
		return nil, apiErr("ValidationException", "The NextToken is not valid.")
	}
	out := map[string]any{"Rules": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *Sim) evDeleteRule(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ Name, EventBusName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	b, r, aerr := s.rule(in.EventBusName, in.Name)
	if aerr != nil {
		return nil, aerr
	}
	if len(r.Targets) > 0 {
		return nil, apiErr("ValidationException", "Rule can't be deleted since it has targets.")
	}
	delete(b.Rules, in.Name)
	delete(s.matchers, b.Name+"/"+in.Name)
	return struct{}{}, nil
}

func (s *Sim) evSetRuleState(body []byte, state string) (any, *APIError) {
	var in struct{ Name, EventBusName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	_, r, aerr := s.rule(in.EventBusName, in.Name)
	if aerr != nil {
		return nil, aerr
	}
	r.State = state
	return struct{}{}, nil
}

func (s *Sim) evPutTargets(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		Rule, EventBusName string
		Targets            []Target
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	_, r, aerr := s.rule(in.EventBusName, in.Rule)
	if aerr != nil {
		return nil, aerr
	}
	if len(in.Targets) == 0 || len(in.Targets)+len(r.Targets) > 5 {
		return nil, apiErr("LimitExceededException", "The requested resource exceeds the maximum number allowed (5 targets per rule).")
	}
	for _, t := range in.Targets {
		replaced := false
		for i := range r.Targets {
			if r.Targets[i].ID == t.ID {
				r.Targets[i], replaced = t, true
			}
		}
		if !replaced {
			r.Targets = append(r.Targets, t)
		}
	}
	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (s *Sim) evRemoveTargets(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		Rule, EventBusName string
		Ids                []string
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	_, r, aerr := s.rule(in.EventBusName, in.Rule)
	if aerr != nil {
		return nil, aerr
	}
	keep := r.Targets[:0]
	for _, t := range r.Targets {
		if !containsString(in.Ids, t.ID) {
			keep = append(keep, t)
		}
	}
	r.Targets = keep
	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (s *Sim) evListTargetsByRule(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ Rule, EventBusName string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	_, r, aerr := s.rule(in.EventBusName, in.Rule)
	if aerr != nil {
		return nil, aerr
	}
	targets := append([]Target(nil), r.Targets...)
	sort.Slice(targets, func(i, j int) bool { return targets[i].ID < targets[j].ID })
	return map[string]any{"Targets": targets}, nil
}

func (s *Sim) evTestEventPattern(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ EventPattern, Event string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	m, err := compilePattern(in.EventPattern)
	if err != nil {
		return nil, apiErr("InvalidEventPatternException", "Event pattern is not valid. Reason: %s", err.Error())
	}
	ok, err := m.matches([]byte(in.Event))
	if err != nil {
		return nil, apiErr("InvalidArgument", "Event is not valid JSON: %s", err.Error())
	}
	return map[string]bool{"Result": ok}, nil
}

func (s *Sim) evCreateArchive(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct{ ArchiveName, EventSourceArn string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	b, aerr := s.bus(in.EventSourceArn)
	if aerr != nil {
		return nil, aerr
	}
	b.Archives = append(b.Archives, in.ArchiveName)
	return map[string]string{"ArchiveArn": fmt.Sprintf("arn:aws:events:%s:%s:archive/%s", s.world.Region, s.org.ManagementAccountID, in.ArchiveName), "State": "ENABLED"}, nil
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
