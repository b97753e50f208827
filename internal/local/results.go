package local

import (
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

// Results reports every request in the order it arrived, from its
// notifications, and the lifecycle work that ended with nothing to do
// (SKIPPED: Control Tower already manages the account that joined), from its
// execution's output.
func (r *Runtime) Results() []Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	byID := map[string]*Result{}
	for _, id := range r.order {
		byID[id] = &Result{RequestID: id, Status: "PENDING"}
	}
	for _, n := range r.notifications {
		res := byID[n.RequestID]
		if res == nil {
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
	out := make([]Result, 0, len(r.order))
	for _, id := range r.order {
		if res, ok := r.skipped[id]; ok {
			out = append(out, res)
			continue
		}
		out = append(out, *byID[id])
	}
	return out
}
