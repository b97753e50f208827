package local

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/accountfactory"
	"github.com/towervend/towervend/internal/timeline"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// Timeline returns the run so far as a picture's data (internal/timeline
// draws it). Each source is the one that knows the fact:
//
//   - when an operation held a Control Tower slot, from taking it to its
//     record ending, and how it ended: the simulator's own log of account
//     operations (Sim.OperationTimings) and Service Catalog's records;
//   - which request started it: the executions' histories, whose steps'
//     output names the record the request follows (operation.recordId);
//     a record no execution followed was made outside towervend (the console);
//   - waits for a slot (WaitForSlot until the request got past the gate),
//     retries (a task that failed and was scheduled again) and restarts
//     (WaitToRestart: Control Tower refused the operation as busy): the
//     histories too;
//   - failed requests and their reasons: the FAILED notifications.
//
// Call it after Run (or between runs): it reads the world as it is.
func (r *Runtime) Timeline() timeline.Run {
	now := r.Clock.Now()
	notes := r.Notifications()
	out := timeline.Run{Title: "towervend run on the simulated organization", Start: r.start,
		Slots: r.Sim.World().ControlTower.ConcurrentAccountOperations}

	owner := map[string]string{} // record id -> request id
	for _, x := range r.Sim.Executions() {
		out.Marks = append(out.Marks, historyMarks(x.Info().Name, x.History(), owner, now)...)
	}

	accountOf := map[string]string{} // request id -> account id, from its notifications
	for _, n := range notes {
		if n.AccountID != "" {
			accountOf[n.RequestID] = n.AccountID
		}
		at, err := time.Parse(time.RFC3339, n.Time)
		if err != nil {
			continue
		}
		if at.After(out.End) {
			out.End = at
		}
		if n.State == vend.StateFailed {
			out.Marks = append(out.Marks, timeline.Mark{Kind: timeline.MarkFailure, RequestID: n.RequestID, At: at,
				Detail: cmp.Or(n.Reason, "failed (no reason given)")})
		}
	}

	af := r.Sim.AccountFactory()
	running := false
	for _, t := range r.Sim.OperationTimings() {
		op := operation(t, af, owner, accountOf)
		running = running || op.Outcome == timeline.OutcomeRunning
		out.Operations = append(out.Operations, op)
	}
	for _, m := range out.Marks {
		running = running || (m.Kind == timeline.MarkWait && m.Until.Equal(now))
	}
	if running {
		out.End = now // what still runs is drawn to now
	}
	out.Queue = timeline.QueueFromWaits(out.Marks)
	return out
}

// operation is one of Control Tower's account operations, with the request
// that started it.
func operation(t awssim.OperationTiming, af accountfactory.State, owner, accountOf map[string]string) timeline.Operation {
	rec := af.Records[t.RecordID]
	if rec == nil {
		rec = &accountfactory.Record{ID: t.RecordID} // cannot happen: records are never removed
	}
	op := timeline.Operation{RequestID: owner[t.RecordID], Record: t.RecordID, Start: t.Started, End: t.Ended,
		Kind: operationKind(t.Action, rec.Type)}
	if op.RequestID == "" {
		op.Label = cmp.Or(rec.ProvisionedProductName, t.AccountName)
	}
	switch t.Status {
	case string(sctypes.RecordStatusSucceeded):
		op.Outcome = timeline.OutcomeSucceeded
	case string(sctypes.RecordStatusFailed):
		op.Outcome = timeline.OutcomeFailed
		for _, e := range rec.Errors {
			op.Reason = strings.TrimSpace(e.Code + ": " + e.Description)
		}
	default:
		op.Outcome, op.End = timeline.OutcomeRunning, time.Time{}
	}

	id := ""
	for _, o := range rec.Outputs {
		if o.Key == "AccountId" {
			id = o.Value
		}
	}
	if pp := af.Provisioned[t.ProvisionedProductID]; id == "" && pp != nil {
		id = pp.PhysicalID
	}
	id = cmp.Or(id, accountOf[op.RequestID])
	switch {
	case id != "" && t.AccountName != "":
		op.Account = id + " (" + t.AccountName + ")"
	case id != "":
		op.Account = id
	case t.AccountName != "":
		op.Account = t.AccountName + " (no account id yet)"
	}
	return op
}

// operationKind names what Control Tower did. An operation whose precheck
// failed has no action yet; prechecks run only on existing accounts, so it
// was an enrollment, or an update of a managed one.
func operationKind(action, recordType string) string {
	switch action {
	case "create":
		return timeline.KindCreate
	case "enroll":
		return timeline.KindEnroll
	case "update":
		return timeline.KindUpdate
	case "terminate":
		return timeline.KindUnmanage
	}
	if recordType == "UPDATE_PROVISIONED_PRODUCT" {
		return timeline.KindUpdate
	}
	return timeline.KindEnroll
}

// stateWaitToRestart is the Wait state a request passes through when Control
// Tower refused its operation as busy, before it starts it again
// (statemachine names no constant for it; TestTimelineStateNames checks it).
const stateWaitToRestart = "WaitToRestart"

// stepOutput is what a step's output tells the timeline.
type stepOutput struct {
	Operation *struct {
		RecordID string `json:"recordId"`
	} `json:"operation"`
}

// caughtInput is what WaitToRestart's input says of the refusal it follows.
type caughtInput struct {
	Error *struct {
		Error string `json:"Error"`
		Cause string `json:"Cause"`
	} `json:"error"`
}

// historyMarks reads one execution's history: its waits for a slot, retries
// and restarts, and (into owner) the records its steps followed. A wait
// still open is drawn to now.
func historyMarks(name string, hist []asl.HistoryEvent, owner map[string]string, now time.Time) []timeline.Mark {
	var marks []timeline.Mark
	var waitFrom time.Time
	waiting := false
	endWait := func(at time.Time) {
		if waiting {
			marks = append(marks, timeline.Mark{Kind: timeline.MarkWait, RequestID: name, At: waitFrom, Until: at})
			waiting = false
		}
	}
	state := ""
	var failed *asl.HistoryEvent // the last task failure in the current state
	for i := range hist {
		ev := &hist[i]
		switch {
		case strings.HasSuffix(string(ev.Type), "StateEntered"):
			state, failed = ev.StateName, nil
			switch {
			case ev.StateName == statemachine.StateWaitForSlot && !waiting:
				waiting, waitFrom = true, ev.Timestamp
			case waiting && !statemachine.QueueLoop[ev.StateName]:
				endWait(ev.Timestamp)
			}
			if ev.Type == asl.WaitStateEntered && ev.StateName == stateWaitToRestart {
				marks = append(marks, timeline.Mark{Kind: timeline.MarkRestart, RequestID: name, At: ev.Timestamp, Detail: restartDetail(ev.Input)})
			}
		case ev.Type == asl.TaskStateExited:
			failed = nil
			var out stepOutput
			if json.Unmarshal(ev.Output, &out) == nil && out.Operation != nil && out.Operation.RecordID != "" {
				if _, ok := owner[out.Operation.RecordID]; !ok {
					owner[out.Operation.RecordID] = name
				}
			}
		case ev.Type == asl.TaskFailed, ev.Type == asl.TaskTimedOut, ev.Type == asl.LambdaFunctionFailed, ev.Type == asl.LambdaFunctionTimedOut:
			failed = ev
		case ev.Type == asl.TaskScheduled, ev.Type == asl.LambdaFunctionScheduled:
			if failed != nil {
				// Scheduled again in the same state: the state's Retry took it.
				marks = append(marks, timeline.Mark{Kind: timeline.MarkRetry, RequestID: name, At: failed.Timestamp,
					Detail: shortened(fmt.Sprintf("%s: %s: %s", state, cmp.Or(failed.Error, string(failed.Type)), causeMessage(failed.Cause)), 240)})
				failed = nil
			}
		case ev.Type == asl.ExecutionSucceeded, ev.Type == asl.ExecutionFailed, ev.Type == asl.ExecutionAborted, ev.Type == asl.ExecutionTimedOut:
			endWait(ev.Timestamp)
		}
	}
	endWait(now)
	return marks
}

// restartDetail is the refusal a restart follows, from WaitToRestart's input.
func restartDetail(input json.RawMessage) string {
	var in caughtInput
	if json.Unmarshal(input, &in) != nil || in.Error == nil {
		return "Control Tower refused the operation; starting it again"
	}
	return shortened("Control Tower refused the operation ("+in.Error.Error+"): "+causeMessage(in.Error.Cause), 240)
}

// causeMessage is the message of a task failure's cause: a Lambda function's
// error is the JSON {"errorType", "errorMessage"}, of which the message
// says it; any other cause is itself.
func causeMessage(cause string) string {
	var lambdaErr struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(cause), &lambdaErr) == nil && lambdaErr.ErrorMessage != "" {
		return lambdaErr.ErrorMessage
	}
	return cause
}

// shortened cuts s to n runes, marking the cut.
func shortened(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
