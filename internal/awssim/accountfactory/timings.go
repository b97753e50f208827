package accountfactory

import "time"

// When Control Tower worked on each account operation, for measurements
// (towervend bench): the simulator's own facts, which no API shows so exactly.
// Recording them draws nothing from the seeded rand and changes no schedule.

// OperationTiming is one account operation Control Tower took: from taking it
// (a slot in use) to ending it (the slot free again). An operation refused
// when Service Catalog handed it over (busy, quota, an unknown OU) never took
// a slot and has no timing.
type OperationTiming struct {
	RecordID             string `json:"recordId"`
	ProvisionedProductID string `json:"provisionedProductId"`
	// AccountName is the AccountName parameter the operation was asked for.
	AccountName string `json:"accountName"`
	// Action is what Control Tower did: create, enroll, update or terminate
	// ("" when a precheck failed before it decided).
	Action string `json:"action,omitempty"`
	// Requested is when Service Catalog accepted the request (the record's
	// creation); Started when Control Tower took it, afStartDelay later.
	Requested time.Time `json:"requested"`
	Started   time.Time `json:"started"`
	// Planned is the duration Control Tower drew for the operation when it
	// took it (the world's time for the action, spread applied, halved for an
	// injected failure; a failing precheck's fixed time). A create can end
	// later than Started+Planned when Organizations is slow to create the
	// account, never sooner.
	Planned time.Duration `json:"planned"`
	// Ended is when the record became SUCCEEDED or FAILED (zero while it
	// runs); Status is which.
	Ended  time.Time `json:"ended,omitzero"`
	Status string    `json:"status,omitempty"`
}

// timings is the log of operation timings in the order Control Tower took
// them. It is not part of State: a snapshot does not carry it, so a restored
// simulator logs only what it takes from then on.
type timings struct {
	log   []OperationTiming
	byRec map[string]int // index into log by record id, of the record's operation in flight
}

// afBegan logs that Control Tower took the record's operation, planned to
// take d. The lock is held.
func (s *Service) afBegan(rec *Record, now time.Time, d time.Duration) {
	if s.timings.byRec == nil {
		s.timings.byRec = map[string]int{}
	}
	op := rec.Operation
	s.timings.byRec[rec.ID] = len(s.timings.log)
	s.timings.log = append(s.timings.log, OperationTiming{RecordID: rec.ID, ProvisionedProductID: rec.ProvisionedProductID,
		AccountName: op.Params[afAccountName], Action: op.Action, Requested: op.Requested, Started: now, Planned: d})
}

// afEnded logs the end of the record's operation, if Control Tower had taken
// it. The lock is held.
func (s *Service) afEnded(rec *Record, now time.Time) {
	i, ok := s.timings.byRec[rec.ID]
	if !ok {
		return
	}
	delete(s.timings.byRec, rec.ID)
	s.timings.log[i].Ended, s.timings.log[i].Status = now, rec.Status
}

// OperationTimings returns every account operation Control Tower took, in
// the order it took them.
func (s *Service) OperationTimings() []OperationTiming {
	return append([]OperationTiming(nil), s.timings.log...)
}
