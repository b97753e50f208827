package awssim

import (
	"encoding/json"

	"github.com/towervend/towervend/internal/awssim/eventbridge"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"github.com/towervend/towervend/internal/awssim/stepfunctions"
)

// Amazon EventBridge lives in package eventbridge; these are the root's views of it.

// The EventBridge state and records under the names they had in this package.
type (
	// EventsState is Amazon EventBridge: buses, their rules and every event put on them.
	EventsState = eventbridge.State
	// FailedDelivery records an event a target could not take.
	FailedDelivery = eventbridge.FailedDelivery
)

// initEvents creates EventBridge (with the default bus) and Step Functions,
// both invoking the Lambda stand-ins of one registry.
func (s *Sim) initEvents(w *World) error {
	s.functions = &stepfunctions.Functions{}
	s.events = eventbridge.New(s.env, s.functions)
	s.sfn = stepfunctions.New(s.env, s.functions)
	return nil
}

// BusEvents returns every event put on a bus so far, oldest first.
func (s *Sim) BusEvents(bus string) []json.RawMessage { return s.events.BusEvents(bus) }

// FailedDeliveries returns the events targets refused after all retries.
func (s *Sim) FailedDeliveries() []FailedDelivery { return s.events.FailedDeliveries() }

// PublishEvent puts an AWS service's event on the management account's default
// bus, as the simulated services do (tests stand in for a service with it).
func (s *Sim) PublishEvent(ev protocol.Event) {
	s.env.Lock()
	defer s.env.Unlock()
	s.env.Publish(ev)
}
