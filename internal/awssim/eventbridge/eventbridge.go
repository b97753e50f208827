package eventbridge

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"quamina.net/go/quamina"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// State is Amazon EventBridge: buses, their rules and every event put on them.
type State struct {
	// Buses are the management account's buses by Region, then name.
	Buses map[string]map[string]*Bus `json:"buses"`
	// Log holds every event put on each bus, oldest first, by logKey.
	Log map[string][]json.RawMessage `json:"log"`
	// FailedDeliveries are events a target kept refusing after EventBridge's retries.
	FailedDeliveries []FailedDelivery `json:"failedDeliveries,omitempty"`
	// DroppedLifecycleEvents are Control Tower lifecycle events EventBridge
	// never delivered (Faults.DropLifecycleEvents), as they would have been put
	// on the bus: on no bus's log, seen by no rule.
	DroppedLifecycleEvents []json.RawMessage `json:"droppedLifecycleEvents,omitempty"`
}

// Bus is an event bus.
type Bus struct {
	Name     string           `json:"name"`
	Region   string           `json:"region"`
	Arn      string           `json:"arn"`
	Rules    map[string]*Rule `json:"rules"`
	Archives []string         `json:"archives,omitempty"`
	// Description, KmsKeyIdentifier and DeadLetterConfig are what
	// CreateEventBus or UpdateEventBus set; empty is unset.
	Description      string            `json:"description,omitempty"`
	KmsKeyIdentifier string            `json:"kmsKeyIdentifier,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"deadLetterConfig,omitempty"`
	// CreationTime is when the bus was made (a default bus: the world's
	// start) and LastModifiedTime when UpdateEventBus last changed it; zero
	// (a snapshot from before they were kept) reads as the world's start.
	CreationTime     time.Time `json:"creationTime,omitzero"`
	LastModifiedTime time.Time `json:"lastModifiedTime,omitzero"`
}

// Rule is an event-pattern rule with its targets.
type Rule struct {
	Name         string `json:"name"`
	Arn          string `json:"arn"`
	EventPattern string `json:"eventPattern,omitempty"`
	// ScheduleExpression makes a scheduled rule (default bus only): rate(1 hour).
	ScheduleExpression string   `json:"scheduleExpression,omitempty"`
	State              string   `json:"state"`
	Description        string   `json:"description,omitempty"`
	Targets            []Target `json:"targets"`
	// CreatedBy is the account that put the rule first; empty (a snapshot
	// from before it was kept) reads as the management account.
	CreatedBy string `json:"createdBy,omitempty"`
}

// Target is where a rule sends matching events: a Lambda function (a stand-in
// registered with the simulator), named by its ARN, invoked asynchronously as
// AWS does. DeadLetterConfig names the SQS queue that receives an event
// EventBridge could not deliver (not one the function failed on: that is
// Lambda's on-failure destination).
type Target struct {
	ID               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	Input            string            `json:"Input,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
}

// DeadLetterConfig is a target's dead-letter queue.
type DeadLetterConfig struct {
	Arn string `json:"Arn"`
}

// RetryPolicy bounds how often EventBridge retries a delivery.
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

// FailedDelivery records an event a target could not take.
type FailedDelivery struct {
	Rule   string          `json:"rule"`
	Target string          `json:"target"`
	Error  string          `json:"error"`
	Event  json.RawMessage `json:"event"`
}

// Functions invokes the Lambda functions targets name, asynchronously
// (InvocationType Event): an error means Lambda did not accept the event (no
// such function), so EventBridge retries the delivery. The lock is held.
type Functions interface {
	InvokeAsync(arn string, payload []byte) error
}

// Queues delivers an undeliverable event to a target's dead-letter queue. The lock is held.
type Queues interface {
	Deliver(queueArn, body string, now time.Time) error
}

// Service is the simulated EventBridge.
type Service struct {
	env       *protocol.Env
	functions Functions
	queues    Queues
	state     State
	matchers  map[string]*patternMatcher // compiled rule patterns by bus/rule
	// scheduleSeq tells a scheduled rule's current timer from replaced ones, by rule name.
	scheduleSeq map[string]int
}

// OrganizationsRegion is where AWS Organizations records its CloudTrail
// events, and so where EventBridge delivers them: us-east-1 only.
const OrganizationsRegion = "us-east-1"

// New returns EventBridge with the management account's default buses in the
// home Region and in us-east-1 (another Region's default bus appears when a
// call first addresses that Region). env.ManagementAccountID must be set.
func New(env *protocol.Env, functions Functions, queues Queues) *Service {
	s := &Service{env: env, functions: functions, queues: queues, scheduleSeq: map[string]int{}}
	s.state.Log = map[string][]json.RawMessage{}
	s.state.Buses = map[string]map[string]*Bus{}
	s.matchers = map[string]*patternMatcher{}
	s.buses(env.Region)
	s.buses(OrganizationsRegion)
	return s
}

// regionOf is the Region a call addresses: the one its request was signed
// for, the home Region if it names none.
func (s *Service) regionOf(c *protocol.Call) string {
	if c != nil && c.Region != "" {
		return c.Region
	}
	return s.env.Region
}

// buses are a Region's buses by name, made with the Region's default bus
// when first needed (every Region has one). The lock is held.
func (s *Service) buses(region string) map[string]*Bus {
	bs := s.state.Buses[region]
	if bs == nil {
		// Every Region's default bus was there before the world started.
		bs = map[string]*Bus{"default": {Name: "default", Region: region, Arn: s.busArn(region, "default"), Rules: map[string]*Rule{},
			CreationTime: s.env.Start, LastModifiedTime: s.env.Start}}
		s.state.Buses[region] = bs
	}
	return bs
}

// homeDefault is the home Region's default bus, where scheduled rules run. The lock is held.
func (s *Service) homeDefault() *Bus { return s.buses(s.env.Region)["default"] }

// logKey is a bus's key in the Log and in matchers: its name in the home
// Region, <region>/<name> in another.
func (s *Service) logKey(b *Bus) string {
	if b.Region == s.env.Region {
		return b.Name
	}
	return b.Region + "/" + b.Name
}

// State is the state a snapshot holds. The lock is held.
func (s *Service) State() State { return s.state }

// SetState replaces the state with a snapshot's. The lock is held.
func (s *Service) SetState(st State) {
	s.state = st
	s.matchers = map[string]*patternMatcher{}
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

func (s *Service) busArn(region, name string) string {
	return fmt.Sprintf("arn:aws:events:%s:%s:event-bus/%s", region, s.env.ManagementAccountID, name)
}

// bus resolves a bus of a Region by name or ARN; empty means default. The lock is held.
func (s *Service) bus(region, nameOrArn string) (*Bus, *protocol.APIError) {
	name := nameOrArn
	if name == "" {
		name = "default"
	}
	if i := strings.LastIndex(name, "event-bus/"); strings.HasPrefix(name, "arn:") && i >= 0 {
		name = name[i+len("event-bus/"):]
	}
	b := s.buses(region)[name]
	if b == nil {
		return nil, protocol.Err("ResourceNotFoundException", "Event bus %s does not exist.", name)
	}
	return b, nil
}

func (s *Service) rule(region, busName, name string) (*Bus, *Rule, *protocol.APIError) {
	b, aerr := s.bus(region, busName)
	if aerr != nil {
		return nil, nil, aerr
	}
	r := b.Rules[name]
	if r == nil {
		return nil, nil, protocol.Err("ResourceNotFoundException", "Rule %s does not exist on EventBus %s.", name, b.Name)
	}
	return b, r, nil
}

func (s *Service) matcher(b *Bus, r *Rule) (*patternMatcher, error) {
	key := s.logKey(b) + "/" + r.Name
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
// EventBridge delivers asynchronously. The lock is held.
func (s *Service) publish(b *Bus, event []byte) {
	s.state.Log[s.logKey(b)] = append(s.state.Log[s.logKey(b)], event)
	for _, name := range sortedKeys(b.Rules) {
		r := b.Rules[name]
		if r.State != "ENABLED" || r.EventPattern == "" {
			continue
		}
		m, err := s.matcher(b, r)
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

// deliveryAttempts is how often the simulator tries to hand an event to a
// target that does not take it (AWS retries for up to 24 hours and 185 times
// by default, with backoff; RetryPolicy lowers both).
const deliveryAttempts = 8

// deliver hands an event to a target, retrying with exponential backoff on
// the clock while the target refuses it, then to the target's dead-letter
// queue, or records it as failed. The lock is held.
func (s *Service) deliver(rule string, t Target, payload []byte, attempt int) {
	delay := time.Duration(0)
	if attempt > 0 {
		delay = time.Duration(1<<min(attempt, 10)) * time.Second
	}
	s.env.AfterLocked(delay, func() {
		err := s.send(t.Arn, payload)
		if err == nil {
			return
		}
		if attempt+1 < s.attempts(t) {
			s.deliver(rule, t, payload, attempt+1)
			return
		}
		if t.DeadLetterConfig != nil {
			derr := s.queues.Deliver(t.DeadLetterConfig.Arn, string(payload), s.env.Clock.Now())
			if derr == nil {
				return
			}
			err = fmt.Errorf("%w; dead-letter queue: %v", err, derr)
		}
		s.state.FailedDeliveries = append(s.state.FailedDeliveries, FailedDelivery{Rule: rule, Target: t.Arn, Error: err.Error(), Event: payload})
	})
}

// send hands an event to a target: a Lambda function, or an event bus,
// which puts the event on it unchanged (its id and Region are the ones it
// was first put with), as a cross-Region target does on AWS. The lock is held.
func (s *Service) send(arn string, payload []byte) error {
	// arn:aws:events:<region>:<account>:event-bus/<name>
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "events" || !strings.HasPrefix(parts[5], "event-bus/") {
		return s.functions.InvokeAsync(arn, payload)
	}
	if parts[4] != s.env.ManagementAccountID {
		return fmt.Errorf("event bus %s: the simulator deploys nothing in account %s", arn, parts[4])
	}
	b := s.buses(parts[3])[strings.TrimPrefix(parts[5], "event-bus/")]
	if b == nil {
		return fmt.Errorf("event bus %s does not exist", arn)
	}
	s.publish(b, payload)
	return nil
}

// attempts is how often a delivery to t is tried in all.
func (s *Service) attempts(t Target) int {
	if t.RetryPolicy != nil && t.RetryPolicy.MaximumRetryAttempts != nil {
		return min(*t.RetryPolicy.MaximumRetryAttempts+1, deliveryAttempts)
	}
	return deliveryAttempts
}

// PublishServiceEvent is the Env's publisher: an event from an AWS service
// (e.g. source "aws.controltower", detail-type "AWS Service Event via
// CloudTrail") goes on the default bus of the management account in the
// Region AWS delivers it to (serviceRegion). The lock is held.
func (s *Service) PublishServiceEvent(ev protocol.Event) {
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
	region := s.serviceRegion(ev.Source)
	if ev.Account != "" && ev.Account != s.env.ManagementAccountID {
		// Another account's bus: the simulator deploys nothing there, so the
		// event is only kept, where AccountBusEvents shows it.
		key := memberBus(ev.Account)
		s.state.Log[key] = append(s.state.Log[key], s.envelopeIn(ev.Account, region, ev.Source, ev.DetailType, d, ev.Resources, at))
		return
	}
	event := s.envelope(region, ev.Source, ev.DetailType, d, ev.Resources, at)
	if f := s.env.Faults(); f.DropLifecycleEvents > 0 && isLifecycleEvent(ev.Source, d) && f.DropsLifecycleEvent(s.env.Rand()) {
		s.state.DroppedLifecycleEvents = append(s.state.DroppedLifecycleEvents, event)
		return
	}
	s.publish(s.buses(region)["default"], event)
}

// isLifecycleEvent reports whether a service event is one of Control Tower's
// lifecycle events, the ones Faults.DropLifecycleEvents drops: source
// aws.controltower, eventName CreateManagedAccount or UpdateManagedAccount
// (the completion of Account Factory work, as towervend's rule matches it).
func isLifecycleEvent(source string, detail json.RawMessage) bool {
	if source != "aws.controltower" {
		return false
	}
	var d struct {
		EventName string `json:"eventName"`
	}
	if json.Unmarshal(detail, &d) != nil {
		return false
	}
	return d.EventName == "CreateManagedAccount" || d.EventName == "UpdateManagedAccount"
}

// serviceRegion is the Region whose bus receives a service's events:
// Organizations is a global service whose CloudTrail events AWS delivers in
// us-east-1 only; the simulated Regional services (Control Tower, Step
// Functions, …) run in the home Region.
func (s *Service) serviceRegion(source string) string {
	if source == "aws.organizations" {
		return OrganizationsRegion
	}
	return s.env.Region
}

// memberBus is the Log key of a member account's default bus.
func memberBus(accountID string) string { return "account/" + accountID + "/default" }

// AccountBusEvents returns every event put on a member account's default bus
// (a member's own CloudTrail API calls), oldest first. It takes the lock.
func (s *Service) AccountBusEvents(accountID string) []json.RawMessage {
	return s.BusEvents(memberBus(accountID))
}

// envelope builds an EventBridge event of the management account in a Region, in AWS's field order.
func (s *Service) envelope(region, source, detailType string, detail json.RawMessage, resources []string, at time.Time) []byte {
	return s.envelopeIn(s.env.ManagementAccountID, region, source, detailType, detail, resources, at)
}

// envelopeIn builds an EventBridge event of an account in a Region, in AWS's field order.
func (s *Service) envelopeIn(account, region, source, detailType string, detail json.RawMessage, resources []string, at time.Time) []byte {
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
	}{"0", s.env.UUID(), detailType, source, account, at.UTC().Format(time.RFC3339), region, resources, detail}
	b, _ := json.Marshal(ev)
	return b
}

// RegionBusEvents returns every event put on a bus of a Region so far, oldest first. It takes the lock.
func (s *Service) RegionBusEvents(region, bus string) []json.RawMessage {
	if region != s.env.Region {
		bus = region + "/" + bus
	}
	return s.BusEvents(bus)
}

// BusEvents returns every event put on a bus so far, oldest first: a home
// Region bus by name, another Region's as <region>/<name>. It takes the lock.
func (s *Service) BusEvents(bus string) []json.RawMessage {
	s.env.Lock()
	defer s.env.Unlock()
	return append([]json.RawMessage(nil), s.state.Log[bus]...)
}

// DroppedLifecycleEvents returns the Control Tower lifecycle events
// EventBridge dropped (Faults.DropLifecycleEvents), oldest first. It takes the lock.
func (s *Service) DroppedLifecycleEvents() []json.RawMessage {
	s.env.Lock()
	defer s.env.Unlock()
	return append([]json.RawMessage(nil), s.state.DroppedLifecycleEvents...)
}

// FailedDeliveries returns the events targets refused after all retries. It takes the lock.
func (s *Service) FailedDeliveries() []FailedDelivery {
	s.env.Lock()
	defer s.env.Unlock()
	return append([]FailedDelivery(nil), s.state.FailedDeliveries...)
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
