// Package timeline draws a vending run over simulated time: one lane per
// Control Tower slot with each account operation as a bar labelled by its
// request, the number of requests waiting for a slot below it, and marks for
// retries, restarts and failures. The picture is one self-contained HTML file
// with inline SVG and CSS, so it opens anywhere without a network; hover text
// comes from SVG <title> elements, which browsers show without any script.
//
// The package knows nothing of the simulator or the workflow: the local
// runtime (internal/local) turns what it saw into a Run, and Render draws it.
package timeline

import (
	"cmp"
	"slices"
	"time"
)

// Operation kinds: what Control Tower did with an account.
const (
	KindCreate   = "create"
	KindEnroll   = "enroll"
	KindUpdate   = "update"
	KindUnmanage = "unmanage"
)

// Operation outcomes.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	// OutcomeRunning is an operation that had not ended when the run did.
	OutcomeRunning = "running"
)

// Mark kinds.
const (
	// MarkWait is a request waiting for a Control Tower slot, from At to Until.
	MarkWait = "wait"
	// MarkRetry is a step the workflow tried again (a Lambda or task retry).
	MarkRetry = "retry"
	// MarkRestart is an operation Control Tower refused (busy, over quota)
	// that the workflow started again.
	MarkRestart = "restart"
	// MarkFailure is a request that failed.
	MarkFailure = "failure"
)

// Run is what a picture shows: the operations that held Control Tower's
// slots, the waiting line over time and what happened to requests meanwhile.
type Run struct {
	// Title heads the picture.
	Title string
	// Start and End are the run's span; zero values mean the span of the data.
	Start, End time.Time
	// Slots is Control Tower's quota of account operations at once: one lane
	// each. More lanes are drawn if the operations overlap more than that.
	Slots int
	// Operations are the account operations Control Tower took, any order.
	Operations []Operation
	// Queue is how many requests waited for a slot: each sample holds from its
	// time to the next one's (the last to End).
	Queue []Sample
	// Marks are waits, retries, restarts and failures, any order.
	Marks []Mark
}

// Operation is one account operation, holding a Control Tower slot from
// Start to End.
type Operation struct {
	// RequestID is the request whose workflow started it; empty when none did
	// (an account created in the console), then Label names it.
	RequestID string
	Label     string
	// Kind is KindCreate, KindEnroll, KindUpdate or KindUnmanage.
	Kind string
	// Account is the account, as id and name where known.
	Account string
	// Record is the Service Catalog record the operation belongs to.
	Record     string
	Start, End time.Time
	// Outcome is OutcomeSucceeded, OutcomeFailed or OutcomeRunning; Reason
	// says why it failed.
	Outcome string
	Reason  string
}

// Name is what the operation's bar is labelled with.
func (o Operation) Name() string {
	return cmp.Or(o.RequestID, o.Label, o.Record, "(unknown)")
}

// Sample is the length of the waiting line from At on.
type Sample struct {
	At      time.Time
	Waiting int
}

// Mark is something that happened to a request.
type Mark struct {
	// Kind is MarkWait, MarkRetry, MarkRestart or MarkFailure.
	Kind      string
	RequestID string
	At        time.Time
	// Until is when a wait ended (zero for the other kinds).
	Until time.Time
	// Detail says what happened: the error retried, the refusal, the failure's reason.
	Detail string
}

// QueueFromWaits turns wait marks into the length of the waiting line over
// time: a sample wherever the count changes, ordered by time. Other marks
// are ignored; a wait that ends before it starts counts as none.
func QueueFromWaits(marks []Mark) []Sample {
	delta := map[time.Time]int{}
	for _, m := range marks {
		if m.Kind != MarkWait || !m.Until.After(m.At) {
			continue
		}
		delta[m.At]++
		delta[m.Until]--
	}
	times := make([]time.Time, 0, len(delta))
	for t := range delta {
		times = append(times, t)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	var out []Sample
	n := 0
	for _, t := range times {
		if delta[t] == 0 {
			continue // one wait ended as another began
		}
		n += delta[t]
		out = append(out, Sample{At: t, Waiting: n})
	}
	return out
}

// Lanes assigns each operation a lane so that operations that overlap in
// time never share one: in order of start, each takes the lowest-numbered
// lane free by then (an operation may start the moment another ends). It
// returns the lane of each operation, by index, and how many lanes it used.
// On Control Tower, whose quota caps the operations in flight, that is at
// most the quota: no start finds every lane busy.
func Lanes(ops []Operation) (lane []int, lanes int) {
	order := make([]int, len(ops))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(ops[a].Start.Compare(ops[b].Start), ops[a].End.Compare(ops[b].End), cmp.Compare(ops[a].Record, ops[b].Record))
	})
	lane = make([]int, len(ops))
	var free []time.Time // when each lane frees
	for _, i := range order {
		end := ops[i].End
		if end.Before(ops[i].Start) {
			end = ops[i].Start
		}
		l := slices.IndexFunc(free, func(t time.Time) bool { return !t.After(ops[i].Start) })
		if l < 0 {
			l = len(free)
			free = append(free, time.Time{})
		}
		free[l] = end
		lane[i] = l
	}
	return lane, len(free)
}

// span is the run's span: Start and End where set, widened to hold all of
// the data, else the data's.
func (r Run) span() (start, end time.Time) {
	start, end = r.Start, r.End
	var first, last time.Time
	see := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	for _, o := range r.Operations {
		see(o.Start)
		see(o.End)
	}
	for _, s := range r.Queue {
		see(s.At)
	}
	for _, m := range r.Marks {
		see(m.At)
		see(m.Until)
	}
	if start.IsZero() || (!first.IsZero() && first.Before(start)) {
		start = first
	}
	if end.IsZero() || end.Before(last) {
		end = last
	}
	if !end.After(start) {
		end = start.Add(time.Minute) // nothing happened: a minute of nothing
	}
	return start, end
}
