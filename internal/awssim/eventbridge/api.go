package eventbridge

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- the EventBridge API ---

var ruleNameRe = regexp.MustCompile(`^[\.\-_A-Za-z0-9]{1,64}$`)

// Ops are the EventBridge operations by X-Amz-Target suffix.
func (s *Service) Ops() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"PutEvents":        protocol.OpOn(s.putEvents, s.onPutEvents),
		"CreateEventBus":   protocol.OpOn(s.createEventBus, s.onCreateBus),
		"UpdateEventBus":   protocol.OpOn(s.updateEventBus, s.onUpdateBus),
		"DescribeEventBus": protocol.OpOn(s.describeEventBus, s.onBus),
		"ListEventBuses":   protocol.Op(s.listEventBuses),
		"PutRule":          protocol.OpOn(s.putRule, s.onPutRule),
		"DescribeRule":     protocol.OpOn(s.describeRule, s.onRule),
		"ListRules":        protocol.Op(s.listRules),
		"DeleteRule":       protocol.OpOn(s.deleteRule, s.onRule),
		"EnableRule": protocol.OpOn(func(c *protocol.Call, in ruleRef) (any, *protocol.APIError) {
			return s.setRuleState(c, in, "ENABLED")
		}, s.onRule),
		"DisableRule": protocol.OpOn(func(c *protocol.Call, in ruleRef) (any, *protocol.APIError) {
			return s.setRuleState(c, in, "DISABLED")
		}, s.onRule),
		"PutTargets":        protocol.OpOn(s.putTargets, s.onPutTargets),
		"RemoveTargets":     protocol.OpOn(s.removeTargets, s.onRemoveTargets),
		"ListTargetsByRule": protocol.OpOn(s.listTargetsByRule, s.onTargetsByRule),
		"TestEventPattern":  protocol.Op(s.testEventPattern),
		"CreateArchive":     protocol.OpOn(s.createArchive, s.onCreateArchive),
	}
}

type putEventsInput struct {
	Entries []struct {
		Source       string
		DetailType   string
		Detail       string
		EventBusName string
		Resources    []string
		Time         *protocol.Epoch
	}
}

func (s *Service) putEvents(c *protocol.Call, in putEventsInput) (any, *protocol.APIError) {
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		return nil, protocol.Err("ValidationException", "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10")
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
		b, aerr := s.bus(s.regionOf(c), e.EventBusName)
		if aerr != nil {
			out.Entries = append(out.Entries, result{ErrorCode: "ResourceNotFoundException", ErrorMessage: aerr.Message})
			out.FailedEntryCount++
			continue
		}
		at := c.Now
		if e.Time != nil {
			at = e.Time.Time()
		}
		ev := s.envelope(b.Region, e.Source, e.DetailType, json.RawMessage(e.Detail), e.Resources, at)
		var id struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(ev, &id)
		s.publish(b, ev)
		out.Entries = append(out.Entries, result{EventId: id.ID})
	}
	return out, nil
}

type busName struct{ Name string }

// busConfig is what CreateEventBus and UpdateEventBus set on a bus.
type busConfig struct {
	Description      string
	KmsKeyIdentifier string
	DeadLetterConfig *DeadLetterConfig
}

type createEventBusInput struct {
	Name string
	busConfig
}

// maxBusDescription is the API reference's length limit on Description.
const maxBusDescription = 512

// check validates a bus's configuration as the API reference constrains it.
func (in busConfig) check() *protocol.APIError {
	if len(in.Description) > maxBusDescription {
		return protocol.Err("ValidationException", "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to %d", maxBusDescription)
	}
	return nil
}

// set gives a bus the configuration, at now.
func (in busConfig) set(b *Bus, now time.Time) {
	b.Description, b.KmsKeyIdentifier, b.DeadLetterConfig = in.Description, in.KmsKeyIdentifier, in.DeadLetterConfig
	b.LastModifiedTime = now
}

// configJSON adds a bus's configuration to an answer, only the members it has.
func configJSON(b *Bus, out map[string]any) map[string]any {
	if b.Description != "" {
		out["Description"] = b.Description
	}
	if b.KmsKeyIdentifier != "" {
		out["KmsKeyIdentifier"] = b.KmsKeyIdentifier
	}
	if b.DeadLetterConfig != nil {
		out["DeadLetterConfig"] = b.DeadLetterConfig
	}
	return out
}

// busJSON is a bus as DescribeEventBus and ListEventBuses answer it.
func (s *Service) busJSON(b *Bus) map[string]any {
	created, modified := b.CreationTime, b.LastModifiedTime
	if created.IsZero() {
		created = s.env.Start
	}
	if modified.IsZero() {
		modified = created
	}
	return configJSON(b, map[string]any{"Name": b.Name, "Arn": b.Arn,
		"CreationTime": protocol.Epoch(created), "LastModifiedTime": protocol.Epoch(modified)})
}

func (s *Service) createEventBus(c *protocol.Call, in createEventBusInput) (any, *protocol.APIError) {
	if !ruleNameRe.MatchString(in.Name) || in.Name == "default" {
		return nil, protocol.Err("ValidationException", "Event bus name %q is not valid.", in.Name)
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	region := s.regionOf(c)
	if s.buses(region)[in.Name] != nil {
		return nil, protocol.Err("ResourceAlreadyExistsException", "Event bus %s already exists.", in.Name)
	}
	b := &Bus{Name: in.Name, Region: region, Arn: s.busArn(region, in.Name), Rules: map[string]*Rule{}, CreationTime: c.Now}
	in.set(b, c.Now)
	s.buses(region)[in.Name] = b
	return configJSON(b, map[string]any{"EventBusArn": b.Arn}), nil
}

type updateEventBusInput struct {
	Name string
	busConfig
}

// updateEventBus sets the bus's configuration to the request's: a member the
// request leaves out is unset, as the reference says of KmsKeyIdentifier
// (left out, events are encrypted with an AWS owned key again).
func (s *Service) updateEventBus(c *protocol.Call, in updateEventBusInput) (any, *protocol.APIError) {
	b, aerr := s.bus(s.regionOf(c), in.Name)
	if aerr != nil {
		return nil, aerr
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	in.set(b, c.Now)
	return configJSON(b, map[string]any{"Arn": b.Arn, "Name": b.Name}), nil
}

func (s *Service) describeEventBus(c *protocol.Call, in busName) (any, *protocol.APIError) {
	b, aerr := s.bus(s.regionOf(c), in.Name)
	if aerr != nil {
		return nil, aerr
	}
	return s.busJSON(b), nil
}

func (s *Service) listEventBuses(c *protocol.Call, in struct{ NamePrefix string }) (any, *protocol.APIError) {
	buses := []map[string]any{}
	bs := s.buses(s.regionOf(c))
	for _, name := range sortedKeys(bs) {
		if strings.HasPrefix(name, in.NamePrefix) {
			buses = append(buses, s.busJSON(bs[name]))
		}
	}
	return map[string]any{"EventBuses": buses}, nil
}

type putRuleInput struct {
	Name, EventPattern, State, Description, EventBusName, ScheduleExpression string
}

func (s *Service) putRule(c *protocol.Call, in putRuleInput) (any, *protocol.APIError) {
	if !ruleNameRe.MatchString(in.Name) {
		return nil, protocol.Err("ValidationException", "1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", in.Name)
	}
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return nil, protocol.Err("ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	if in.EventPattern != "" {
		if _, err := compilePattern(in.EventPattern); err != nil {
			return nil, protocol.Err("InvalidEventPatternException", "Event pattern is not valid. Reason: %s", err.Error())
		}
	}
	b, aerr := s.bus(s.regionOf(c), in.EventBusName)
	if aerr != nil {
		return nil, aerr
	}
	if in.ScheduleExpression != "" {
		if b != s.homeDefault() {
			// AWS runs schedules on every Region's default bus; the simulator's
			// clock drives the home Region's only.
			return nil, protocol.Err("ValidationException", "ScheduleExpression is supported only on the default event bus (in the simulator: the home Region's).")
		}
		if _, ok := parseRate(in.ScheduleExpression); !ok {
			return nil, protocol.Err("ValidationException", "Parameter ScheduleExpression is not valid (the simulator runs rate() expressions, e.g. rate(1 hour)).")
		}
	}
	state := in.State
	if state == "" {
		state = "ENABLED"
	}
	r := b.Rules[in.Name]
	if r == nil {
		r = &Rule{Name: in.Name, CreatedBy: s.callerAccount(c)}
		b.Rules[in.Name] = r
	}
	r.EventPattern, r.ScheduleExpression, r.State, r.Description = in.EventPattern, in.ScheduleExpression, state, in.Description
	r.Arn = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s", b.Region, s.env.ManagementAccountID, in.Name)
	if b.Name != "default" {
		r.Arn = fmt.Sprintf("arn:aws:events:%s:%s:rule/%s/%s", b.Region, s.env.ManagementAccountID, b.Name, in.Name)
	}
	delete(s.matchers, s.logKey(b)+"/"+r.Name)
	if r.ScheduleExpression != "" {
		s.arm(r)
	}
	return map[string]string{"RuleArn": r.Arn}, nil
}

// ruleJSON is a rule as DescribeRule and ListRules answer it, without the members it lacks.
func ruleJSON(b *Bus, r *Rule) map[string]any {
	out := map[string]any{"Name": r.Name, "Arn": r.Arn, "State": r.State, "EventBusName": b.Name}
	for k, v := range map[string]string{"EventPattern": r.EventPattern, "ScheduleExpression": r.ScheduleExpression, "Description": r.Description} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// ruleRef names a rule in the operations that take Name and EventBusName.
type ruleRef struct{ Name, EventBusName string }

func (s *Service) describeRule(c *protocol.Call, in ruleRef) (any, *protocol.APIError) {
	b, r, aerr := s.rule(s.regionOf(c), in.EventBusName, in.Name)
	if aerr != nil {
		return nil, aerr
	}
	out := ruleJSON(b, r)
	out["CreatedBy"] = r.CreatedBy
	if r.CreatedBy == "" {
		out["CreatedBy"] = s.env.ManagementAccountID
	}
	return out, nil
}

// callerAccount is the account a call was made from: CreatedBy of the rules
// it puts (the account that created a rule, even on another account's bus).
func (s *Service) callerAccount(c *protocol.Call) string {
	if c.Caller.AccountID != "" {
		return c.Caller.AccountID
	}
	return s.env.ManagementAccountID
}

type listRulesInput struct {
	NamePrefix, EventBusName, NextToken string
	Limit                               int
}

func (s *Service) listRules(c *protocol.Call, in listRulesInput) (any, *protocol.APIError) {
	b, aerr := s.bus(s.regionOf(c), in.EventBusName)
	if aerr != nil {
		return nil, aerr
	}
	rules := []map[string]any{}
	for _, name := range sortedKeys(b.Rules) {
		if r := b.Rules[name]; strings.HasPrefix(name, in.NamePrefix) {
			rules = append(rules, ruleJSON(b, r))
		}
	}
	page, next, ok := protocol.PageOf(rules, in.NextToken, in.Limit, 100)
	if !ok {
		return nil, protocol.Err("ValidationException", "The NextToken is not valid.")
	}
	out := map[string]any{"Rules": page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}

func (s *Service) deleteRule(c *protocol.Call, in ruleRef) (any, *protocol.APIError) {
	b, r, aerr := s.rule(s.regionOf(c), in.EventBusName, in.Name)
	if aerr != nil {
		return nil, aerr
	}
	if len(r.Targets) > 0 {
		return nil, protocol.Err("ValidationException", "Rule can't be deleted since it has targets.")
	}
	delete(b.Rules, in.Name)
	delete(s.matchers, s.logKey(b)+"/"+in.Name)
	return struct{}{}, nil
}

func (s *Service) setRuleState(c *protocol.Call, in ruleRef, state string) (any, *protocol.APIError) {
	_, r, aerr := s.rule(s.regionOf(c), in.EventBusName, in.Name)
	if aerr != nil {
		return nil, aerr
	}
	r.State = state
	return struct{}{}, nil
}

type putTargetsInput struct {
	Rule, EventBusName string
	Targets            []Target
}

func (s *Service) putTargets(c *protocol.Call, in putTargetsInput) (any, *protocol.APIError) {
	_, r, aerr := s.rule(s.regionOf(c), in.EventBusName, in.Rule)
	if aerr != nil {
		return nil, aerr
	}
	if len(in.Targets) == 0 || len(in.Targets)+len(r.Targets) > 5 {
		return nil, protocol.Err("LimitExceededException", "The requested resource exceeds the maximum number allowed (5 targets per rule).")
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

type removeTargetsInput struct {
	Rule, EventBusName string
	Ids                []string
}

func (s *Service) removeTargets(c *protocol.Call, in removeTargetsInput) (any, *protocol.APIError) {
	_, r, aerr := s.rule(s.regionOf(c), in.EventBusName, in.Rule)
	if aerr != nil {
		return nil, aerr
	}
	keep := r.Targets[:0]
	for _, t := range r.Targets {
		if !slices.Contains(in.Ids, t.ID) {
			keep = append(keep, t)
		}
	}
	r.Targets = keep
	return map[string]any{"FailedEntryCount": 0, "FailedEntries": []any{}}, nil
}

func (s *Service) listTargetsByRule(c *protocol.Call, in struct{ Rule, EventBusName string }) (any, *protocol.APIError) {
	_, r, aerr := s.rule(s.regionOf(c), in.EventBusName, in.Rule)
	if aerr != nil {
		return nil, aerr
	}
	targets := append([]Target{}, r.Targets...)
	sort.Slice(targets, func(i, j int) bool { return targets[i].ID < targets[j].ID })
	return map[string]any{"Targets": targets}, nil
}

func (s *Service) testEventPattern(c *protocol.Call, in struct{ EventPattern, Event string }) (any, *protocol.APIError) {
	m, err := compilePattern(in.EventPattern)
	if err != nil {
		return nil, protocol.Err("InvalidEventPatternException", "Event pattern is not valid. Reason: %s", err.Error())
	}
	ok, err := m.matches([]byte(in.Event))
	if err != nil {
		return nil, protocol.Err("InvalidArgument", "Event is not valid JSON: %s", err.Error())
	}
	return map[string]bool{"Result": ok}, nil
}

func (s *Service) createArchive(c *protocol.Call, in struct{ ArchiveName, EventSourceArn string }) (any, *protocol.APIError) {
	b, aerr := s.bus(s.regionOf(c), in.EventSourceArn)
	if aerr != nil {
		return nil, aerr
	}
	b.Archives = append(b.Archives, in.ArchiveName)
	return map[string]string{"ArchiveArn": fmt.Sprintf("arn:aws:events:%s:%s:archive/%s", b.Region, s.env.ManagementAccountID, in.ArchiveName), "State": "ENABLED"}, nil
}
