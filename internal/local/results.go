package local

import (
	"fmt"
	"slices"
	"time"

	"github.com/towervend/towervend/internal/vend"
)

// Result is where one request ended.
type Result struct {
	RequestID          string        `json:"requestId"`
	Action             string        `json:"action"`
	Status             string        `json:"status"` // SUCCEEDED, FAILED, REJECTED, SKIPPED (PENDING while running)
	AccountID          string        `json:"accountId"`
	OrganizationalUnit string        `json:"organizationalUnit"`
	Reason             string        `json:"reason"`
	Access             []string      `json:"-"`
	Duration           time.Duration `json:"-"`
}

// Results reports every input and request in the order it arrived: a row per
// request, from its notifications; a row per message intake rejected, or
// input that could not be sent, from intake's record of it (messages.go);
// and the lifecycle work that ended with nothing to do (SKIPPED: Control
// Tower already manages the account that joined), from its execution's output.
func (r *Runtime) Results() []Result {
	r.mu.Lock()
	msgs := slices.Clone(r.messages)
	r.mu.Unlock()
	recs := r.intakeRecords(msgs)

	r.mu.Lock()
	defer r.mu.Unlock()
	byRequest := map[string][]message{}
	for _, m := range msgs {
		if m.requestID != "" {
			byRequest[m.requestID] = append(byRequest[m.requestID], m)
		}
	}
	// A request id has a row of its own unless every message sent with it
	// was rejected at intake; those rejections are the messages' rows, not
	// the request's.
	ownRow := map[string]bool{}
	intakeRejected := map[string]map[string]bool{}
	for _, id := range r.order {
		ms, fromMessages := byRequest[id]
		if !fromMessages {
			ownRow[id] = true // work towervend started by itself
		}
		for _, m := range ms {
			rec, ok := recs[m.messageID]
			if !ok || rec.Outcome != vend.MessageRejected {
				ownRow[id] = true
				continue
			}
			if intakeRejected[id] == nil {
				intakeRejected[id] = map[string]bool{}
			}
			intakeRejected[id][rec.Reason] = true
		}
	}
	byID := r.requestRows(intakeRejected)

	out := make([]Result, 0, len(r.order)+len(msgs))
	emitted := map[string]bool{}
	emitRequest := func(id string) {
		if emitted[id] || !ownRow[id] {
			return
		}
		emitted[id] = true
		if res, ok := r.skipped[id]; ok {
			out = append(out, res)
			return
		}
		out = append(out, *byID[id])
	}
	next := 0
	for i := 0; i <= len(r.order); i++ {
		for ; next < len(msgs) && msgs[next].before <= i; next++ {
			m := msgs[next]
			rec, recorded := recs[m.messageID]
			switch {
			case m.notSent != "":
				out = append(out, Result{RequestID: m.label(), Status: "REJECTED", Reason: m.notSent})
			case recorded && rec.Outcome == vend.MessageRejected:
				out = append(out, Result{RequestID: r.rejectedLabel(m, byRequest), Status: "REJECTED", Reason: rec.Reason,
					Duration: rec.Received.Sub(m.sent)})
			case m.requestID != "":
				emitRequest(m.requestID)
			default:
				out = append(out, Result{RequestID: m.label(), Status: "PENDING"})
			}
		}
		if i < len(r.order) {
			emitRequest(r.order[i])
		}
	}
	return out
}

// rejectedLabel names the row of a message intake rejected: its request id,
// with its number when another message has the same id (a conflicting reuse),
// or only its number when it had no usable id.
func (r *Runtime) rejectedLabel(m message, byRequest map[string][]message) string {
	switch {
	case m.requestID == "":
		return m.label()
	case len(byRequest[m.requestID]) > 1:
		return fmt.Sprintf("%s (message %d)", m.requestID, m.n)
	}
	return m.requestID
}

// requestRows builds each request's row from its notifications, leaving out
// the rejections intake sent for other messages with the same id (by their
// reasons, which intake recorded). r.mu is held.
func (r *Runtime) requestRows(intakeRejected map[string]map[string]bool) map[string]*Result {
	byID := map[string]*Result{}
	for _, id := range r.order {
		byID[id] = &Result{RequestID: id, Status: "PENDING"}
	}
	for _, n := range r.notifications {
		res := byID[n.RequestID]
		if res == nil || n.State == vend.StateRejected && intakeRejected[n.RequestID][n.Reason] {
			continue
		}
		if n.Action != "" {
			res.Action = n.Action
		}
		if n.AccountID != "" {
			res.AccountID = n.AccountID
		}
		if n.OrganizationalUnit != "" {
			res.OrganizationalUnit = n.OrganizationalUnit
		}
		switch n.State {
		case vend.StateAccepted:
			res.Status, res.Reason = "PENDING", ""
		case vend.StateSucceeded:
			res.Status, res.Reason, res.Access = "SUCCEEDED", "", n.Access
		case vend.StateFailed:
			res.Status, res.Reason = "FAILED", n.Reason
		case vend.StateRejected:
			res.Status, res.Reason = "REJECTED", n.Reason
		}
		if at, err := time.Parse(time.RFC3339, n.Time); err == nil {
			res.Duration = at.Sub(r.submitted[n.RequestID])
		}
	}
	return byID
}
