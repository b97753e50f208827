package dynamodb

import (
	"math/big"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Time to live. AWS deletes an expired item "within a few days" and reads
// return it until then. The simulator's model: a sweep every ttlSweep of
// simulated time, counted from the world's start, deletes every item whose
// TTL attribute (a Number, epoch seconds) is at or before the sweep's time
// and no more than five years before it (AWS leaves older values alone). So
// an expired item stays readable until the next sweep, at most ttlSweep.
// Sweeps are worked out at each call from the clock rather than run on
// timers, which a caller cannot tell apart, and a snapshot needs none.

// TTL is a table's time to live setting.
type TTL struct {
	Attribute string `json:"attribute,omitempty"`
	Enabled   bool   `json:"enabled,omitempty"`
	// Changed is the last UpdateTimeToLive: AWS allows one change an hour.
	Changed time.Time `json:"changed,omitzero"`
	// SweptAt is the last sweep applied to the table.
	SweptAt time.Time `json:"sweptAt,omitzero"`
}

const (
	ttlSweep   = 10 * time.Minute
	ttlHorizon = 5 * 365 * 24 * time.Hour
	ttlCooling = time.Hour
)

// lastSweep is the time of the latest sweep at or before now.
func (s *Service) lastSweep(now time.Time) time.Time {
	if now.Before(s.env.Start) {
		return s.env.Start
	}
	return s.env.Start.Add(now.Sub(s.env.Start) / ttlSweep * ttlSweep)
}

// sweep applies the sweeps due by now to a table with TTL enabled.
func (s *Service) sweep(t *Table, now time.Time) {
	if !t.TTL.Enabled {
		return
	}
	at := s.lastSweep(now)
	if !at.After(t.TTL.SweptAt) {
		return
	}
	t.TTL.SweptAt = at
	latest := new(big.Rat).SetInt64(at.Unix())
	oldest := new(big.Rat).SetInt64(at.Add(-ttlHorizon).Unix())
	for p, part := range t.Items {
		for k, it := range part {
			v, ok := it[t.TTL.Attribute]
			if !ok || v.t != typeN {
				continue
			}
			if r := ratOf(v.s); r.Cmp(latest) <= 0 && r.Cmp(oldest) >= 0 {
				delete(part, k)
			}
		}
		if len(part) == 0 {
			delete(t.Items, p)
		}
	}
}

type ttlSpecification struct {
	AttributeName string `json:"AttributeName"`
	Enabled       *bool  `json:"Enabled"`
}

type updateTTLInput struct {
	TableName               string
	TimeToLiveSpecification ttlSpecification
}

func (s *Service) updateTimeToLive(c *protocol.Call, in updateTTLInput) (any, *protocol.APIError) {
	_, t, aerr := s.table(c, in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	spec := in.TimeToLiveSpecification
	switch {
	case spec.AttributeName == "":
		return nil, inputConstraint("", "timeToLiveSpecification.attributeName", "Member must have length greater than or equal to 1")
	case spec.Enabled == nil:
		return nil, inputConstraint("null", "timeToLiveSpecification.enabled", "Member must not be null")
	case *spec.Enabled && t.TTL.Enabled && t.TTL.Attribute != spec.AttributeName:
		return nil, validation("TimeToLive is active on a different AttributeName: current AttributeName is %s", t.TTL.Attribute)
	case *spec.Enabled && t.TTL.Enabled:
		return nil, validation("TimeToLive is already enabled")
	case !*spec.Enabled && !t.TTL.Enabled:
		return nil, validation("TimeToLive is already disabled")
	case !t.TTL.Changed.IsZero() && c.Now.Before(t.TTL.Changed.Add(ttlCooling)):
		return nil, validation("Time to live has been modified multiple times within a fixed interval")
	}
	t.TTL = TTL{Attribute: spec.AttributeName, Enabled: *spec.Enabled, Changed: c.Now, SweptAt: s.lastSweep(c.Now)}
	return map[string]any{"TimeToLiveSpecification": spec}, nil
}

type describeTTLInput struct{ TableName string }

func (s *Service) describeTimeToLive(c *protocol.Call, in describeTTLInput) (any, *protocol.APIError) {
	_, t, aerr := s.table(c, in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	d := map[string]string{"TimeToLiveStatus": "DISABLED"}
	if t.TTL.Enabled {
		d = map[string]string{"TimeToLiveStatus": "ENABLED", "AttributeName": t.TTL.Attribute}
	}
	return map[string]any{"TimeToLiveDescription": d}, nil
}
