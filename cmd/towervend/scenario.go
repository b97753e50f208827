package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/scenario"
	"github.com/towervend/towervend/internal/vend"
)

// scenarioFlags are the flags of `towervend local` a scenario run uses.
type scenarioFlags struct {
	file          string
	world, policy string // override the scenario file's own
	requests      []string
	fix           bool
	snapshot      string
	json          bool
	// opts carries --speed and --revoke.
	opts local.Options
}

// cmdScenario is `towervend local --scenario FILE`: the scenario's steps on
// the simulated organization, then every step and expectation, and exit 1
// when an expectation failed or a step could not be done.
func cmdScenario(ctx context.Context, f scenarioFlags, stdout io.Writer) error {
	if len(f.requests) > 0 {
		return &exitError{code: 2, err: errors.New("--scenario submits the requests its steps give; drop --requests (or add them to the scenario as submit steps)")}
	}
	if f.fix {
		return &exitError{code: 2, err: errors.New("--fix-and-redrive is for the sample run; in a scenario, fix and redrive are steps of their own")}
	}
	sc, err := scenario.Load(f.file)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	opts, err := sc.Options()
	if err != nil {
		return err
	}
	if f.world != "" {
		if opts.World, err = awssim.LoadWorld(f.world); err != nil {
			return err
		}
	}
	if f.policy != "" {
		if opts.Policy, err = vend.LoadPolicy(f.policy); err != nil {
			return err
		}
	}
	opts.Pace, opts.Revoke = f.opts.Pace, f.opts.Revoke
	view := newProgress(stdout, isTerminal(stdout))
	var observe func(scenario.StepResult)
	if !f.json {
		opts.OnEvent, observe = view.event, view.step
	}
	rt, err := local.New(ctx, opts)
	if err != nil {
		return err
	}
	if !f.json {
		fmt.Fprintf(stdout, "towervend local: scenario %s, %d steps on the simulated organization (Control Tower home Region %s)\n", f.file, len(sc.Steps), rt.Sim.Region())
		if sc.Description != "" {
			fmt.Fprintln(stdout, sc.Description)
		}
		fmt.Fprintln(stdout)
	}
	rep, _ := sc.Run(ctx, rt, observe) // the run's error is in the report
	view.done()
	if f.snapshot != "" {
		if err := writeSnapshot(rt, f.snapshot); err != nil {
			return err
		}
	}
	if f.json {
		if err := printJSON(stdout, rep); err != nil {
			return err
		}
	} else {
		printTable(stdout, rep.Requests)
		printScenario(stdout, rep)
	}
	if failures := rep.Failures(); len(failures) > 0 {
		if !f.json {
			// The FAIL lines above say which, with expected and actual.
			return &exitError{code: 1, err: fmt.Errorf("scenario %s failed: %d problem(s), listed above", f.file, len(failures))}
		}
		return &exitError{code: 1, err: fmt.Errorf("scenario %s failed: %s", f.file, strings.Join(failures, "; "))}
	}
	return nil
}

// step prints a scenario step as it happens, among the run's progress lines.
func (p *progress) step(r scenario.StepResult) {
	line := fmt.Sprintf("%s  %-28s step %d: %s", r.Time.Format("15:04:05"), "(scenario)", r.Step, r.What)
	if r.Status == scenario.StepFailed {
		line += "  FAILED: " + r.Error
	}
	if p.live {
		fmt.Fprintf(p.w, "\r\033[K%s\n%s", line, p.statusLine(r.Time))
		return
	}
	fmt.Fprintln(p.w, line)
}

// printScenario prints the steps that did not run as planned and every expectation.
func printScenario(w io.Writer, rep *scenario.Report) {
	fmt.Fprintln(w)
	for _, s := range rep.Steps {
		switch s.Status {
		case scenario.StepFailed:
			fmt.Fprintf(w, "step %d (%s) FAILED at +%s: %s\n", s.Step, s.What, s.Elapsed, s.Error)
		case scenario.StepNotRun:
			fmt.Fprintf(w, "step %d (%s) did not run\n", s.Step, s.What)
		}
	}
	passed := 0
	for _, e := range rep.Expectations {
		if e.Pass {
			passed++
			fmt.Fprintf(w, "PASS  step %d: %s: %s\n", e.Step, e.What, e.Actual)
			continue
		}
		fmt.Fprintf(w, "FAIL  step %d: %s: expected %s, got %s\n", e.Step, e.What, e.Expected, e.Actual)
	}
	if rep.RunError != "" {
		fmt.Fprintf(w, "the run did not finish: %s\n", rep.RunError)
	}
	fmt.Fprintf(w, "\n%d of %d expectations passed", passed, len(rep.Expectations))
	if rep.Passed {
		fmt.Fprintln(w, "; every step ran.")
	} else {
		fmt.Fprintln(w, "; the scenario FAILED.")
	}
}

// writeSnapshot writes the organization as it is now to a world file that
// --world loads (local and scenario runs alike).
func writeSnapshot(rt *local.Runtime, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rt.Sim.SnapshotWorld(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
