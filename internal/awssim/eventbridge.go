package awssim

import (
	"encoding/json"

	"github.com/towervend/towervend/internal/awssim/eventbridge"
	"github.com/towervend/towervend/internal/awssim/lambda"
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

// initEvents creates Lambda, EventBridge (with the default bus) and Step
// Functions: Step Functions tasks invoke Lambda's functions synchronously,
// EventBridge targets asynchronously; Lambda's on-failure destinations and
// EventBridge's dead-letter queues are SQS queues. SQS is built first.
func (s *Sim) initEvents(w *World) error {
	s.functions = lambda.New(s.env, s.queues)
	s.events = eventbridge.New(s.env, s.functions, s.queues)
	s.sfn = stepfunctions.New(s.env, s.functions)
	return nil
}

// BusEvents returns every event put on a bus so far, oldest first.
func (s *Sim) BusEvents(bus string) []json.RawMessage { return s.events.BusEvents(bus) }

// RegionBusEvents returns every event put on a bus of the management account
// in a Region so far, oldest first (BusEvents is the home Region's).
func (s *Sim) RegionBusEvents(region, bus string) []json.RawMessage {
	return s.events.RegionBusEvents(region, bus)
}

// OrganizationsRegion is where AWS delivers Organizations' events: us-east-1.
const OrganizationsRegion = eventbridge.OrganizationsRegion

// AccountBusEvents returns every event CloudTrail put on a member account's
// default bus (its own API calls, e.g. an invited account's AcceptHandshake),
// which the management account's rules never see.
func (s *Sim) AccountBusEvents(accountID string) []json.RawMessage {
	return s.events.AccountBusEvents(accountID)
}

// FailedDeliveries returns the events targets refused after all retries.
func (s *Sim) FailedDeliveries() []FailedDelivery { return s.events.FailedDeliveries() }

// PublishEvent puts an AWS service's event on the management account's default
// bus in the Region AWS delivers it to (us-east-1 for Organizations, the home
// Region otherwise), as the simulated services do (tests stand in for a
// service with it).
func (s *Sim) PublishEvent(ev protocol.Event) {
	s.env.Lock()
	defer s.env.Unlock()
	s.env.Publish(ev)
}
