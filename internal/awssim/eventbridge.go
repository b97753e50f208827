package awssim

import (
	"encoding/json"
	"time"
)

// EventsState is Amazon EventBridge.
type EventsState struct {
	// Log holds every event put on each bus, oldest first, by bus name.
	Log map[string][]json.RawMessage `json:"log"`
}

func (s *Sim) eventsOps() map[string]jsonOp { return map[string]jsonOp{} }

func (s *Sim) initEvents(w *World) error {
	s.events.Log = map[string][]json.RawMessage{}
	return nil
}

// putServiceEvent publishes an event from an AWS service (e.g. source
// "aws.controltower", detail-type "AWS Service Event via CloudTrail") on the
// default bus of the management account, in the home Region, the way AWS does.
// detail is marshalled as the event's "detail". s.mu is held.
func (s *Sim) putServiceEvent(source, detailType string, detail any) {
	d, err := json.Marshal(detail)
	if err != nil {
		panic("awssim: service event detail does not marshal: " + err.Error()) // a simulator bug
	}
	ev := map[string]any{
		"version":     "0",
		"id":          s.uuid(),
		"detail-type": detailType,
		"source":      source,
		"account":     s.org.ManagementAccountID,
		"time":        s.clock.Now().UTC().Format(time.RFC3339),
		"region":      s.world.Region,
		"resources":   []string{},
		"detail":      json.RawMessage(d),
	}
	b, _ := json.Marshal(ev)
	s.events.Log["default"] = append(s.events.Log["default"], b)
}

// BusEvents returns every event put on a bus so far, oldest first.
func (s *Sim) BusEvents(bus string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.events.Log[bus]...)
}
