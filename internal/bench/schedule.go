package bench

import (
	"math"
	"sort"
	"time"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/vend"

	"github.com/towervend/towervend/statemachine"
)

// How close a run came to what Control Tower itself allows, and where the
// rest went. Everything here is measured from two kinds of fact that any
// design of the workflow leaves behind, so the same code measures a polling
// workflow and one whose waits are woken by Control Tower's events:
//
//   - the simulator's: when Control Tower took each account operation (a slot
//     in use), the duration it drew for it, and when its record became
//     SUCCEEDED or FAILED (the slot free again): Sim.OperationTimings;
//   - the workflow's: each execution's history (when it first entered the
//     Provision state, the step that asks for a slot and starts the
//     operation; when it entered AfterOperation, the state after the wait for
//     the operation) and the request's final notification.
//
// Definitions (the lags per request of the batch that succeeded, the
// hand-offs per operation):
//
//   - detection lag: from Control Tower completing the request's operation
//     (the record's completion in the simulator) to the execution first
//     entering AfterOperation at or after it: the workflow has noticed. A
//     polling workflow pays up to a poll interval; an event-driven one the
//     event's delivery and the task token's wake-up.
//   - hand-off: for each operation Control Tower took into a slot a previous
//     operation had freed, while at least one request was queued (its
//     execution had entered Provision and its operation had not started), the
//     time from that completion to towervend asking for the next operation
//     (Service Catalog accepting it). Slots are taken first come, first
//     served: a start takes the earliest completion not yet taken, and an
//     operation of the first wave, taking a slot no operation has used, has
//     no hand-off. Control Tower's own pick-up (Service Catalog hands a
//     request over 15 s after accepting it) is AWS's, the same for any
//     client, and not part of it; the ideal schedule counts it in each
//     operation.
//   - ideal schedule: the same operations with the durations Control Tower
//     drew for them, in the order it took them (the order they arrived at
//     it), each put at once into whichever of the C slots frees first (no
//     hand-off, no detection lag), starting when towervend asked for the first
//     operation (the lead: no slot can be used before a request has been
//     taken in and validated), plus the shortest after-operation time any
//     request of the run had: from noticing its operation done to its final
//     notification (access, OU, tags, notify), measured, not derived. No run
//     of these operations in this order finishes sooner (see idealMakespan).

// LagStats summarises per-request lags in seconds (simulated).
type LagStats struct {
	// N is how many lags were measured.
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	// P99 is the nearest-rank 99th percentile; Max the largest.
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// lagStats summarises lags (any order).
func lagStats(lags []time.Duration) LagStats {
	if len(lags) == 0 {
		return LagStats{}
	}
	s := append([]time.Duration(nil), lags...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	rank := int(math.Ceil(0.99*float64(len(s)))) - 1
	return LagStats{N: len(s), Mean: (sum / time.Duration(len(s))).Seconds(), P99: s[rank].Seconds(), Max: s[len(s)-1].Seconds()}
}

// IdealSchedule is the shortest makespan Control Tower allows for the run's
// operations: Lead + Operations + AfterOperation (see the definitions above).
type IdealSchedule struct {
	Makespan time.Duration `json:"makespan"`
	// Lead is from the first submit to Control Tower taking the first operation.
	Lead time.Duration `json:"lead"`
	// Operations is the greedy schedule of the drawn durations on the slots,
	// to the end of the last operation of a succeeded request.
	Operations time.Duration `json:"operations"`
	// AfterOperation is the shortest time of the run from noticing an
	// operation done to the request's final notification.
	AfterOperation time.Duration `json:"afterOperation"`
	// OperationCount is how many operations were scheduled.
	OperationCount int `json:"operationCount"`
}

// job is one operation for the ideal schedule: its drawn duration, and
// whether its end counts towards the makespan (the final operation of a
// request that succeeded; a failed attempt only holds a slot).
type job struct {
	d     time.Duration
	final bool
}

// idealMakespan puts jobs, in order, each into the slot that frees first
// (the lowest-numbered on a tie), starting at once, and returns when the last
// final job ends. No run that starts the jobs in the same order on as many
// slots ends a job sooner, whatever its gaps, or however much longer than
// drawn its jobs take: there, the k-th start comes no earlier than the
// (k-slots)-th end among the jobs before it (at most slots-1 of them may
// still run), and here every start is exactly that, or the one before it. (A
// different order can finish sooner, which is why the order is the one
// Control Tower took the operations in.)
func idealMakespan(jobs []job, slots int) time.Duration {
	if slots < 1 {
		return 0
	}
	free := make([]time.Duration, slots)
	var last time.Duration
	for _, j := range jobs {
		k := 0
		for i := range free {
			if free[i] < free[k] {
				k = i
			}
		}
		free[k] += j.d
		if j.final {
			last = max(last, free[k])
		}
	}
	return last
}

// span is when an operation held a slot; end is zero if it never ended.
type span struct{ start, end time.Time }

// handOffs returns, for each operation in ops (in the order Control Tower
// took them) that took a slot another operation had freed while a request
// was queued, the time from that completion to its start. Starts take the
// earliest completion not yet taken; the first wave takes the slots no
// operation has used. queued tells whether any request was queued at an
// instant.
func handOffs(ops []span, slots int, queued func(time.Time) bool) []time.Duration {
	var ends []time.Time
	for _, op := range ops {
		if !op.end.IsZero() {
			ends = append(ends, op.end)
		}
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i].Before(ends[j]) })
	unused := slots
	var freed []time.Time // completions not yet taken, oldest first
	var out []time.Duration
	next := 0
	for _, op := range ops {
		for next < len(ends) && !ends[next].After(op.start) {
			freed = append(freed, ends[next])
			next++
		}
		if unused > 0 {
			unused--
			continue
		}
		if len(freed) == 0 {
			continue // more operations than slots at once: Control Tower does not allow it
		}
		f := freed[0]
		freed = freed[1:]
		if queued(f) {
			out = append(out, op.start.Sub(f))
		}
	}
	return out
}

// requestFacts are the workflow's facts about one request of the batch.
type requestFacts struct {
	// queuedAt is when its execution first entered Provision (zero: never).
	queuedAt time.Time
	// provisionLeftAt is when the Provision state was left for the last time
	// (the operation started); Timeline.GateWait is from queuedAt to it.
	provisionLeftAt time.Time
	// afterOperation are the times it entered AfterOperation.
	afterOperation []time.Time
	// checks counts the ProvisionStatus tasks entered.
	checks int
	// succeededAt is when the execution succeeded (zero: it did not).
	succeededAt time.Time
	// notifiedAt is its SUCCEEDED notification's time (seconds; zero: none).
	notifiedAt time.Time
}

// noticed is the first time at or after end that the execution entered
// AfterOperation, or false.
func (f *requestFacts) noticed(end time.Time) (time.Time, bool) {
	for _, at := range f.afterOperation {
		if !at.Before(end) {
			return at, true
		}
	}
	return time.Time{}, false
}

// gatherFacts reads the batch's executions (names are request ids) and
// notifications.
func gatherFacts(xs []*asl.Execution, notes []vend.Notification, batch map[string]string) map[string]*requestFacts {
	facts := map[string]*requestFacts{}
	for _, x := range xs {
		id := x.Info().Name
		if _, ok := batch[id]; !ok {
			continue
		}
		f := &requestFacts{}
		facts[id] = f
		for _, ev := range x.History() {
			switch {
			case ev.Type == asl.TaskStateEntered && ev.StateName == statemachine.StateProvision && f.queuedAt.IsZero():
				f.queuedAt = ev.Timestamp
			case ev.Type == asl.TaskStateExited && ev.StateName == statemachine.StateProvision:
				f.provisionLeftAt = ev.Timestamp
			case ev.Type == asl.TaskStateEntered && ev.StateName == statemachine.StateProvisionStatus:
				f.checks++
			case ev.Type == asl.ChoiceStateEntered && ev.StateName == statemachine.StateAfterOperation:
				f.afterOperation = append(f.afterOperation, ev.Timestamp)
			case ev.Type == asl.ExecutionSucceeded:
				f.succeededAt = ev.Timestamp
			}
		}
	}
	for _, n := range notes {
		f := facts[n.RequestID]
		if f == nil || n.State != vend.StateSucceeded || !f.notifiedAt.IsZero() {
			continue
		}
		if at, ok := notificationTime(n.Time); ok {
			f.notifiedAt = at
		}
	}
	return facts
}

// scheduleMeasures are what measureSchedule finds.
type scheduleMeasures struct {
	ideal     IdealSchedule
	detection []time.Duration
	handOffs  []time.Duration
	timeline  Timeline // GateWait, Detection, StatusChecks, AfterOperation
}

// measureSchedule measures the batch (request id -> account name) submitted
// at start on slots from Control Tower's operation timings and the
// workflow's facts.
func measureSchedule(timings []awssim.OperationTiming, facts map[string]*requestFacts, batch map[string]string, slots int, start time.Time) scheduleMeasures {
	byAccount := make(map[string]string, len(batch))
	for id, name := range batch {
		byAccount[name] = id
	}
	// The batch's operations in the order Control Tower took them, and each
	// request's final (succeeded) one.
	var ops []awssim.OperationTiming
	final := map[string]int{}
	firstStart := map[string]time.Time{}
	for _, op := range timings {
		id, ok := byAccount[op.AccountName]
		if !ok {
			continue
		}
		if _, seen := firstStart[id]; !seen {
			firstStart[id] = op.Started
		}
		if op.Status == "SUCCEEDED" {
			final[id] = len(ops)
		}
		ops = append(ops, op)
	}

	var m scheduleMeasures
	counted := map[int]bool{}
	minAfter := time.Duration(-1)
	n := 0
	for id, i := range final {
		f := facts[id]
		if f == nil || f.succeededAt.IsZero() {
			continue
		}
		noticedAt, ok := f.noticed(ops[i].Ended)
		if !ok {
			continue
		}
		counted[i] = true
		lag := noticedAt.Sub(ops[i].Ended)
		m.detection = append(m.detection, lag)
		if !f.notifiedAt.IsZero() {
			// The notification's time has whole seconds: it may read a
			// little before the notice, never after the truth.
			after := max(f.notifiedAt.Sub(noticedAt), 0)
			if minAfter < 0 || after < minAfter {
				minAfter = after
			}
		}
		n++
		m.timeline.Detection += lag
		m.timeline.AfterOperation += f.succeededAt.Sub(noticedAt)
		m.timeline.StatusChecks += float64(f.checks)
		if !f.queuedAt.IsZero() && !f.provisionLeftAt.IsZero() {
			m.timeline.GateWait += f.provisionLeftAt.Sub(f.queuedAt)
		}
	}
	if n > 0 {
		m.timeline.Detection /= time.Duration(n)
		m.timeline.AfterOperation /= time.Duration(n)
		m.timeline.GateWait /= time.Duration(n)
		m.timeline.StatusChecks /= float64(n)
	}

	// Queued at t: entered Provision at or before t, operation not started by t.
	var queuedAt, startedAt []time.Time
	for id, s := range firstStart {
		if f := facts[id]; f != nil && !f.queuedAt.IsZero() {
			queuedAt, startedAt = append(queuedAt, f.queuedAt), append(startedAt, s)
		}
	}
	sortTimes(queuedAt)
	sortTimes(startedAt)
	queued := func(t time.Time) bool { return countAtOrBefore(queuedAt, t) > countAtOrBefore(startedAt, t) }
	spans := make([]span, len(ops))
	jobs := make([]job, len(ops))
	for i, op := range ops {
		spans[i] = span{start: op.Requested, end: op.Ended}
		// Service Catalog hands each request to Control Tower a moment after
		// accepting it: AWS's time, which any client's operation takes too.
		jobs[i] = job{d: op.Planned + op.Started.Sub(op.Requested), final: counted[i]}
	}
	m.handOffs = handOffs(spans, slots, queued)

	if len(ops) > 0 && len(counted) > 0 {
		m.ideal = IdealSchedule{Lead: ops[0].Requested.Sub(start), Operations: idealMakespan(jobs, slots),
			AfterOperation: max(minAfter, 0), OperationCount: len(ops)}
		m.ideal.Makespan = m.ideal.Lead + m.ideal.Operations + m.ideal.AfterOperation
	}
	return m
}

func sortTimes(ts []time.Time) { sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) }) }

// countAtOrBefore counts the sorted times at or before t.
func countAtOrBefore(sorted []time.Time, t time.Time) int {
	return sort.Search(len(sorted), func(i int) bool { return sorted[i].After(t) })
}
