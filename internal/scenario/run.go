package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/vend"
)

// pollEvery is how often a step waiting for a condition looks again, in
// simulated time: fine enough that a step follows its condition closely,
// coarse enough to cost nothing on the virtual clock.
const pollEvery = 5 * time.Second

// Step statuses in a report.
const (
	StepDone   = "done"
	StepFailed = "failed"
	StepNotRun = "not run"
)

// Report is what a scenario run found.
type Report struct {
	Scenario      string              `json:"scenario,omitempty"`
	Passed        bool                `json:"passed"`
	Steps         []StepResult        `json:"steps"`
	Expectations  []Expectation       `json:"expectations"`
	Requests      []local.Result      `json:"requests"`
	Notifications []vend.Notification `json:"notifications"`
	// RunError is why the run itself did not finish cleanly, if it did not.
	RunError string `json:"runError,omitempty"`
}

// StepResult is what became of one step.
type StepResult struct {
	Step int    `json:"step"`
	Kind string `json:"kind"`
	// What tells what the step did, with its references resolved.
	What   string `json:"what"`
	Note   string `json:"note,omitempty"`
	Status string `json:"status"`
	// Elapsed is the simulated time from the world's start the step ran at.
	Elapsed string    `json:"elapsed,omitempty"`
	Time    time.Time `json:"time,omitzero"`
	Error   string    `json:"error,omitempty"`
}

// Expectation is one check of an expect step.
type Expectation struct {
	Step     int    `json:"step"`
	What     string `json:"what"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Pass     bool   `json:"pass"`
}

// Failures are the expectations that failed and the steps that failed or
// did not run, each as a sentence.
func (r *Report) Failures() []string {
	var out []string
	for _, s := range r.Steps {
		switch s.Status {
		case StepFailed:
			out = append(out, fmt.Sprintf("step %d (%s) failed: %s", s.Step, s.What, s.Error))
		case StepNotRun:
			out = append(out, fmt.Sprintf("step %d (%s) did not run", s.Step, s.What))
		}
	}
	for _, e := range r.Expectations {
		if !e.Pass {
			out = append(out, fmt.Sprintf("step %d: %s: expected %s, got %s", e.Step, e.What, e.Expected, e.Actual))
		}
	}
	if r.RunError != "" {
		out = append(out, "the run: "+r.RunError)
	}
	return out
}

// Options builds the local runtime's options for the scenario: its world
// (the demo world without its happenings by default, since a scenario says
// itself what happens) and its policy.
func (s *Scenario) Options() (local.Options, error) {
	var opts local.Options
	if s.World != "" {
		w, err := awssim.LoadWorld(s.World)
		if err != nil {
			return opts, err
		}
		opts.World = w
	} else {
		w := awssim.DefaultWorld()
		w.Happenings = nil
		opts.World = w
	}
	if s.Policy != "" {
		pol, err := vend.LoadPolicy(s.Policy)
		if err != nil {
			return opts, err
		}
		opts.Policy = pol
	} else {
		pol, err := policy.Parse(policy.Default())
		if err != nil {
			return opts, fmt.Errorf("default policy: %w", err)
		}
		opts.Policy = pol
	}
	return opts, nil
}

// Run runs the scenario on rt, whose clock must not have run yet: its steps
// run in order as work on rt's clock, and rt.Run lets the world run until
// they are done and the run settled. observe, when set, sees each step's
// result as it happens. The error is the run's own (it did not finish);
// failed steps and expectations are in the report.
func (s *Scenario) Run(ctx context.Context, rt *local.Runtime, observe func(StepResult)) (*Report, error) {
	e := &engine{s: s, rt: rt, ctx: ctx, observe: observe, op: newOperator(rt), accounts: map[string]string{}}
	for _, st := range s.Steps {
		e.results = append(e.results, StepResult{Step: st.Number, Kind: st.Kind(), What: describe(st), Note: st.Note, Status: StepNotRun})
	}
	rt.Go(e.run)
	runErr := rt.Run(ctx)
	e.mu.Lock()
	defer e.mu.Unlock()
	rep := &Report{Scenario: s.Path, Steps: append([]StepResult(nil), e.results...), Expectations: append([]Expectation{}, e.expectations...),
		Requests: rt.Results(), Notifications: rt.Notifications()}
	if runErr != nil {
		rep.RunError = runErr.Error()
	}
	rep.Passed = len(rep.Failures()) == 0
	return rep, runErr
}

// engine runs a scenario's steps on the runtime's clock.
type engine struct {
	s       *Scenario
	rt      *local.Runtime
	ctx     context.Context
	observe func(StepResult)
	op      *operator

	// accounts are the accounts aws steps created: name → email (or, for an
	// invited account, its id, known at once).
	accounts map[string]string

	mu           sync.Mutex
	results      []StepResult
	expectations []Expectation
}

func (e *engine) run() {
	for i, st := range e.s.Steps {
		what, err := e.wait(st)
		if err == nil {
			what, err = e.do(st)
		}
		e.mu.Lock()
		r := &e.results[i]
		r.Elapsed, r.Time, r.Status = e.rt.Elapsed().String(), e.rt.Clock.Now(), StepDone
		if what != "" {
			r.What = what
		}
		if err != nil {
			r.Status, r.Error = StepFailed, err.Error()
		}
		res := *r
		e.mu.Unlock()
		e.rt.NoteActivity()
		if e.observe != nil {
			e.observe(res)
		}
		if err != nil {
			return // what follows a step may rely on it
		}
	}
}

// wait sleeps on the clock until the step's time or condition comes.
func (e *engine) wait(st Step) (string, error) {
	clk := e.rt.Clock
	if st.At != nil {
		if d := *st.At - e.rt.Elapsed(); d > 0 {
			return "", clk.Sleep(e.ctx, d)
		}
		return "", nil
	}
	a := st.After
	switch {
	case a.Request != "":
		for {
			met, err := e.reached(a.Request, a.State)
			if err != nil {
				return "", err
			}
			if met {
				break
			}
			if err := clk.Sleep(e.ctx, pollEvery); err != nil {
				return "", err
			}
		}
	case a.Settled:
		for !e.rt.Settled() {
			if err := clk.Sleep(e.ctx, pollEvery); err != nil {
				return "", err
			}
		}
	}
	if a.delay > 0 {
		return "", clk.Sleep(e.ctx, a.delay)
	}
	return "", nil
}

// result is where a request stands now.
func (e *engine) result(id string) local.Result {
	for _, r := range e.rt.Results() {
		if r.RequestID == id {
			return r
		}
	}
	return local.Result{RequestID: id, Status: "PENDING"}
}

// reached tells whether a request reached state ("" for any final state),
// and fails once it cannot any more.
func (e *engine) reached(id, state string) (bool, error) {
	r := e.result(id)
	final := r.Status != "PENDING"
	switch {
	case state == "":
		return final, nil
	case state == r.Status:
		return true, nil
	case state == "ACCEPTED":
		for _, n := range e.rt.Notifications() {
			if n.RequestID == id && n.State == vend.StateAccepted {
				return true, nil
			}
		}
	case isFinal(state):
	default:
		// A state of the workflow: did its execution enter it?
		for _, x := range e.rt.Sim.Executions() {
			if x.Info().Name != id {
				continue
			}
			for _, ev := range x.History() {
				if strings.HasSuffix(string(ev.Type), "StateEntered") && ev.StateName == state {
					return true, nil
				}
			}
		}
	}
	if final {
		return false, fmt.Errorf("%s ended %s%s without reaching %s", id, r.Status, because(r.Reason), state)
	}
	return false, nil
}

func because(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}

func isFinal(status string) bool {
	for _, s := range finalStatuses {
		if s == status {
			return true
		}
	}
	return false
}

// do does a step now and says what it did.
func (e *engine) do(st Step) (string, error) {
	switch {
	case st.Submit != nil:
		body, err := e.resolveBody(st.Submit)
		if err != nil {
			return "", err
		}
		return "", e.rt.Submit(e.ctx, body)
	case st.AWS != nil:
		return e.act(*st.AWS)
	case st.Fault != nil:
		e.rt.Sim.SetFaults(*st.Fault)
		return "", nil
	case st.Expect != nil:
		checks, err := e.check(st.Number, *st.Expect)
		e.mu.Lock()
		e.expectations = append(e.expectations, checks...)
		e.mu.Unlock()
		return "", err
	}
	return "", fmt.Errorf("step %d has no kind", st.Number) // Parse refuses these
}

// resolveBody replaces the references in a request body; a body without
// any is sent as written.
func (e *engine) resolveBody(body []byte) ([]byte, error) {
	if !reference.Match(body) {
		return body, nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return body, nil // not JSON: sent as it is, for intake to reject
	}
	var err error
	v = walkStrings(v, func(s string) string {
		out, rerr := e.resolve(s)
		if err == nil {
			err = rerr
		}
		return out
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// resolve replaces the references in s with the account ids they name.
func (e *engine) resolve(s string) (string, error) {
	var err error
	out := reference.ReplaceAllStringFunc(s, func(m string) string {
		name, _, _ := cutLast(m[2:len(m)-1], ".")
		id, rerr := e.accountOf(name)
		if err == nil && rerr != nil {
			err = fmt.Errorf("%s: %w", m, rerr)
		}
		return id
	})
	return out, err
}

// accountOf is the account id of an earlier request or of an account an aws
// step created.
func (e *engine) accountOf(name string) (string, error) {
	if v, ok := e.accounts[name]; ok {
		if accountID.MatchString(v) {
			return v, nil
		}
		id, err := e.op.accountByEmail(e.ctx, v)
		if err != nil {
			return "", err
		}
		if id == "" {
			return "", fmt.Errorf("account %s (%s) has not joined the organization yet (Organizations takes minutes to create an account, Account Factory about half an hour); let this step wait, e.g. \"after\": {\"settled\": true}", name, v)
		}
		return id, nil
	}
	r := e.result(name)
	if r.AccountID == "" {
		return "", fmt.Errorf("%s has no account id yet (it is %s%s); let this step wait for it: \"after\": {\"request\": %q}", name, r.Status, because(r.Reason), name)
	}
	return r.AccountID, nil
}

// describe tells what a step does, before its references are resolved.
func describe(st Step) string {
	switch {
	case st.Submit != nil:
		if st.RequestID != "" {
			return "submit " + st.RequestID
		}
		return "submit a message without a requestId"
	case st.AWS != nil:
		return "aws " + describeAction(*st.AWS)
	case st.Fault != nil:
		b, _ := json.Marshal(st.Fault)
		if string(b) == "{}" {
			return "fault: every fault off"
		}
		return "fault: " + string(b)
	case st.Expect != nil:
		var parts []string
		if x := st.Expect; x.Request != "" {
			parts = append(parts, x.Request+" "+x.Status)
		}
		if x := st.Expect; x.Account != "" {
			parts = append(parts, "account "+x.Account)
		}
		return "expect " + strings.Join(parts, ", ")
	}
	return ""
}

func describeAction(a Action) string {
	switch {
	case a.CreateAccount != nil:
		return fmt.Sprintf("createAccount %s (Organizations, outside Control Tower)", a.CreateAccount.Name)
	case a.ConsoleProvision != nil:
		return fmt.Sprintf("consoleProvision %s in %s (Account Factory's console)", a.ConsoleProvision.Name, a.ConsoleProvision.OrganizationalUnit)
	case a.Invite != nil:
		return fmt.Sprintf("invite: %s accepts the organization's invitation", a.Invite.Name)
	case a.MoveAccount != nil:
		return fmt.Sprintf("moveAccount %s to %s", a.MoveAccount.Account, a.MoveAccount.OrganizationalUnit)
	case a.TagResource != nil:
		b, _ := json.Marshal(a.TagResource.Tags)
		return fmt.Sprintf("tagResource %s %s", a.TagResource.Account, b)
	case a.UntagResource != nil:
		return fmt.Sprintf("untagResource %s %s", a.UntagResource.Account, strings.Join(a.UntagResource.TagKeys, ", "))
	}
	return ""
}
