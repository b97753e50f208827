package bench

import (
	"sort"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
)

// Moves is what Control Tower did with the accounts Organizations
// MoveAccount put into registered OUs (auto-enrollment; all zero with
// Account Factory), read from the simulator's baseline operations when the
// run ended.
type Moves struct {
	// Started counts the enrollments and updates Control Tower took into a
	// slot; ByOU counts them by destination OU path.
	Started int            `json:"started"`
	ByOU    map[string]int `json:"byOU,omitempty"`
	// PeakPerOU is the most of them that ran at once into one OU (Control
	// Tower allows one move account operation at a time per destination OU).
	PeakPerOU int `json:"peakPerOU"`
	// Refused counts the moves Control Tower refused at once, by why:
	// "ouBusy" (another move into the OU ran), "quota", "busy" (another
	// Control Tower operation), "other"; Stopped those a later move of the
	// same account stopped part-way.
	Refused map[string]int `json:"refused,omitempty"`
	Stopped int            `json:"stopped"`
	// Resets counts the OU baseline resets that enrolled accounts (a landing
	// zone that does not auto-enroll), and ResetPeak the most at once
	// (Control Tower runs one OU operation at a time).
	Resets    int `json:"resets,omitempty"`
	ResetPeak int `json:"resetPeak,omitempty"`
}

// Control Tower's baseline operation types for a move into a registered OU.
const (
	enableBaseline = "ENABLE_BASELINE"
	updateBaseline = "UPDATE_ENABLED_BASELINE"
	resetBaseline  = "RESET_ENABLED_BASELINE"
)

// measureMoves summarises the simulator's baseline operations; end stands in
// for the end of one still running.
func measureMoves(sim *awssim.Sim, end time.Time) Moves {
	m := Moves{ByOU: map[string]int{}, Refused: map[string]int{}}
	byOU := map[string][]edge{}
	var resets []edge
	for _, op := range sim.AccountFactory().BaselineOperations {
		if op.Type == resetBaseline {
			m.Resets++
			stop := op.Ended
			if stop.IsZero() {
				stop = end
			}
			resets = append(resets, edge{op.Started, 1}, edge{stop, -1})
			continue
		}
		if op.Type != enableBaseline && op.Type != updateBaseline {
			continue // unenrollments hold no slot and no OU
		}
		if !op.Slot {
			m.Refused[refusalKind(op.StatusMessage)]++
			continue
		}
		m.Started++
		m.ByOU[sim.OUPath(op.OUID)]++
		if strings.Contains(op.StatusMessage, "was moved to") {
			m.Stopped++
		}
		stop := op.Ended
		if stop.IsZero() {
			stop = end
		}
		byOU[op.OUID] = append(byOU[op.OUID], edge{op.Started, 1}, edge{stop, -1})
	}
	for _, edges := range byOU {
		m.PeakPerOU = max(m.PeakPerOU, peak(edges))
	}
	m.ResetPeak = peak(resets)
	return m
}

// peak is the most spans open at once, given their starts (+1) and ends
// (-1); an end at the instant of a start closes first.
func peak(edges []edge) int {
	sort.Slice(edges, func(i, j int) bool {
		if !edges[i].at.Equal(edges[j].at) {
			return edges[i].at.Before(edges[j].at)
		}
		return edges[i].delta < edges[j].delta
	})
	n, most := 0, 0
	for _, e := range edges {
		n += e.delta
		most = max(most, n)
	}
	return most
}

// edge is a span's start (delta 1) or end (delta -1).
type edge struct {
	at    time.Time
	delta int
}

// refusalKind names why Control Tower refused a move, from the simulator's
// statusMessage (AWS documents none for auto-enrollment).
func refusalKind(msg string) string {
	switch {
	case strings.Contains(msg, "in progress on that OU"):
		return "ouBusy"
	case strings.Contains(msg, "limit of concurrent account operations"):
		return "quota"
	case strings.Contains(msg, "another AWS Control Tower operation is in progress"):
		return "busy"
	default:
		return "other"
	}
}

// misplaced lists the batch's succeeded requests among results whose account
// is not in the OU the request asked for (ou: request id -> OU path), as
// "id: in PATH, asked for PATH". (The caller passes the results it read:
// reading them queries intake's records, API calls the report counts.)
func misplaced(rt *local.Runtime, results []local.Result, batch map[string]string, ou map[string]string) []string {
	var out []string
	for _, r := range results {
		if _, ours := batch[r.RequestID]; !ours || r.Status != "SUCCEEDED" {
			continue
		}
		acct, ok := rt.Sim.Account(r.AccountID)
		if !ok {
			continue // the soak's MissingAccounts counts these
		}
		if got := rt.Sim.OUPath(acct.ParentID); got != ou[r.RequestID] {
			if got == "" {
				got = "Root"
			}
			out = append(out, r.RequestID+": in "+got+", asked for "+ou[r.RequestID])
		}
	}
	sort.Strings(out)
	return out
}

// requestOUsByID maps the request ids createRequestsIn(prefix, n, ous) makes
// to the OU path each asks for.
func requestOUsByID(prefix string, n int, ous []string) map[string]string {
	out := make(map[string]string, n)
	for i := 1; i <= n; i++ {
		out[requestID(prefix, i)] = ous[i%len(ous)]
	}
	return out
}
