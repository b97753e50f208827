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
	// RecordID is the Service Catalog record of an Account Factory
	// operation; BaselineOperationID instead names the baseline operation of
	// an auto-enrollment (an account moved into a registered OU), which has
	// no record and no provisioned product.
	RecordID             string `json:"recordId"`
	BaselineOperationID  string `json:"baselineOperationId,omitempty"`
	ProvisionedProductID string `json:"provisionedProductId"`
	// AccountName is the AccountName parameter the operation was asked for.
	AccountName string `json:"accountName"`
	// Action is what Control Tower did: create, enroll, update or terminate
	// ("" when a precheck failed before it decided).
	Action string `json:"action,omitempty"`
	// Requested is when Service Catalog accepted the request (the record's
	// creation); Started when Control Tower took it, afStartDelay later (an
	// auto-enrollment: both when MoveAccount moved the account).
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
func (s *Service) afEnded(rec *Record, now time.Time) { s.tmEnded(rec.ID, rec.Status, now) }

// blBegan logs that Control Tower took an auto-enrollment's baseline
// operation (enroll or update), planned to take d. The lock is held.
func (s *Service) blBegan(op *BaselineOperation, accountName string, d time.Duration, now time.Time) {
	if s.timings.byRec == nil {
		s.timings.byRec = map[string]int{}
	}
	action := afEnroll
	if op.Type == blUpdate {
		action = afUpdate
	}
	s.timings.byRec[op.ID] = len(s.timings.log)
	s.timings.log = append(s.timings.log, OperationTiming{BaselineOperationID: op.ID, AccountName: accountName, Action: action,
		Requested: now, Started: now, Planned: d})
}

// tmEnded logs the end of the operation logged under key (a record id or a
// baseline operation id), if Control Tower had taken it. The lock is held.
func (s *Service) tmEnded(key, status string, now time.Time) {
	i, ok := s.timings.byRec[key]
	if !ok {
		return
	}
	delete(s.timings.byRec, key)
	s.timings.log[i].Ended, s.timings.log[i].Status = now, status
}

// OperationTimings returns every account operation Control Tower took, in
// the order it took them.
func (s *Service) OperationTimings() []OperationTiming {
	return append([]OperationTiming(nil), s.timings.log...)
}
