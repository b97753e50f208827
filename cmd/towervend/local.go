package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/timeline"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type localOutput struct {
	Requests      []local.Result      `json:"requests"`
	Notifications []vend.Notification `json:"notifications"`
	// IAM is what the functions' calls asked of IAM, each function calling as
	// its own role with the stack's policy.
	IAM local.IAM `json:"iam"`
	// LostLifecycleEvents are the lifecycle events left in the
	// towervend-lifecycle-failed queue (what `towervend lifecycle-failed` shows).
	LostLifecycleEvents int `json:"lostLifecycleEvents"`
}

func cmdLocal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("local", "local [--world FILE] [--requests PATH]... [--policy FILE] [--speed N] [--fix-and-redrive] [--revoke FUNCTION=service:Action]... [--concurrency N] [--provisioning accountFactory|autoEnrollment|auto] [--snapshot FILE] [--scenario FILE] [--timeline FILE.html] [--json]", stderr)
	worldFile := fs.String("world", "", "a world file (default: the embedded Northwind Trading organization)")
	var requests listFlag
	fs.Var(&requests, "requests", "a request file or a directory of them; repeat for more (default: the samples in events/requests)")
	policyFile := fs.String("policy", "", "the policy file (default: internal/policy/default.json)")
	speed := fs.Float64("speed", 0, "simulated seconds per real second, to watch the run (default: as fast as possible)")
	fix := fs.Bool("fix-and-redrive", false, "after the run, fix what an operator would fix (create missing AWSControlTowerExecution roles) and redrive the failed requests")
	var revoke listFlag
	fs.Var(&revoke, "revoke", "take one grant from a function's role for the run, e.g. lifecycle=organizations:ListTagsForResource, to see what it is for; repeat for more")
	snapshot := fs.String("snapshot", "", "write the organization as it is at the end to this file, as a world file: load it with --world to go on from there")
	provisioning := fs.String("provisioning", vend.ProvisioningAccountFactory, "how accounts are vended: accountFactory, autoEnrollment (Organizations CreateAccount and MoveAccount with Control Tower's auto-enrollment; the world's landing zone must have remediation type INHERITANCE_DRIFT) or auto")
	concurrency := fs.Int("concurrency", 0, "towervend's limit of Account Factory operations at once (the stack's concurrencyLimit; default: the world's controlTower.concurrentAccountOperations, at most that)")
	timelineFile := fs.String("timeline", "", "draw the run over simulated time into this HTML file (Control Tower slots, waiting line, retries, failures)")
	asJSON := fs.Bool("json", false, "print {requests, notifications} as JSON instead of progress and a table")
	scenarioFile := fs.String("scenario", "", "run a scenario file's timed steps and check its expectations (see events/scenarios); exits 1 if one fails")
	if err := fs.Parse(args); err != nil {
		return err
	}
	requests = append(requests, fs.Args()...)
	if *timelineFile != "" {
		if *scenarioFile != "" {
			return &exitError{code: 2, err: fmt.Errorf("--timeline draws a run of requests; a --scenario run is not drawn: leave one of them out")}
		}
		if err := timeline.CheckPath(*timelineFile); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--timeline: %w", err)}
		}
	}
	opts := local.Options{Pace: *speed}
	switch *provisioning {
	case vend.ProvisioningAccountFactory, vend.ProvisioningAutoEnrollment, vend.ProvisioningAuto:
		opts.Provisioning = *provisioning
	default:
		return &exitError{code: 2, err: fmt.Errorf("--provisioning %q: write accountFactory, autoEnrollment or auto", *provisioning)}
	}
	for _, r := range revoke {
		fn, action, ok := strings.Cut(r, "=")
		if !ok || fn == "" || !strings.Contains(action, ":") {
			return &exitError{code: 2, err: fmt.Errorf("--revoke %q: write FUNCTION=service:Action, e.g. lifecycle=organizations:ListTagsForResource", r)}
		}
		if opts.Revoke == nil {
			opts.Revoke = map[string][]string{}
		}
		opts.Revoke[fn] = append(opts.Revoke[fn], action)
	}
	if *scenarioFile != "" {
		return cmdScenario(ctx, scenarioFlags{file: *scenarioFile, world: *worldFile, policy: *policyFile, requests: requests,
			fix: *fix, snapshot: *snapshot, json: *asJSON, opts: opts}, stdout)
	}
	if *worldFile != "" {
		w, err := awssim.LoadWorld(*worldFile)
		if err != nil {
			return err
		}
		opts.World = w
	} else if len(requests) > 0 {
		// The demo world's happenings go with the sample requests: a run of
		// one's own requests on it has only those.
		w := awssim.DefaultWorld()
		w.Happenings = nil
		opts.World = w
	}
	quota := awssim.DefaultWorld().ControlTower.ConcurrentAccountOperations
	if opts.World != nil {
		quota = opts.World.ControlTower.ConcurrentAccountOperations
	}
	if _, err := local.ConcurrencyLimit(*concurrency, quota); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("--%w", err)}
	}
	opts.ConcurrencyLimit = *concurrency
	if opts.Provisioning != vend.ProvisioningAccountFactory && *worldFile == "" {
		// The embedded organization's landing zone (3.3) can auto-enroll:
		// turn it on, as an administrator would before choosing that backend.
		if opts.World == nil {
			opts.World = awssim.DefaultWorld()
		}
		opts.World.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"}
	}
	if *policyFile != "" {
		pol, err := vend.LoadPolicy(*policyFile)
		if err != nil {
			return err
		}
		opts.Policy = pol
	}
	inputs, err := readRequests(requests)
	if err != nil {
		return err
	}
	view := newProgress(stdout, isTerminal(stdout))
	if !*asJSON {
		opts.OnEvent = view.event
	}
	rt, err := local.New(ctx, opts)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "towervend local: %d requests on the simulated organization (Control Tower home Region %s, %d account operations at once; Control Tower's quota %d)\n",
			len(inputs), rt.Sim.Region(), rt.Deps.Config.ConcurrencyLimit, rt.Sim.World().ControlTower.ConcurrentAccountOperations)
		if hs := rt.Sim.World().ByTime(); len(hs) > 0 {
			var when []string
			for _, h := range hs {
				when = append(when, fmt.Sprintf("at +%s %s", h.At.D(), h.Summary()))
			}
			fmt.Fprintf(stdout, "and, with no ticket: %s\n", strings.Join(when, ", "))
		}
		fmt.Fprintln(stdout)
	}
	if err := rt.SubmitInputs(ctx, inputs...); err != nil {
		return err
	}
	runErr := rt.Run(ctx)
	view.done()
	if runErr == nil && *fix {
		runErr = fixAndRedrive(ctx, rt, stdout, *asJSON)
	}
	if *timelineFile != "" {
		if err := timeline.WriteFile(*timelineFile, rt.Timeline()); err != nil {
			return err
		}
	}
	if *snapshot != "" {
		if err := writeSnapshot(rt, *snapshot); err != nil {
			return err
		}
	}
	results := rt.Results()
	report := rt.IAM()
	lost := rt.LostLifecycleEvents()
	if *asJSON {
		if err := printJSON(stdout, localOutput{Requests: results, Notifications: rt.Notifications(), IAM: report, LostLifecycleEvents: lost}); err != nil {
			return err
		}
	} else {
		printTable(stdout, results)
		printIAM(stdout, report, lost)
	}
	if runErr != nil {
		return &exitError{code: 1, err: runErr}
	}
	for _, r := range results {
		if r.Status == "PENDING" {
			return &exitError{code: 1, err: fmt.Errorf("request %s did not reach a final state", r.RequestID)}
		}
	}
	return nil
}

// readRequests reads request files and directories; none means the samples.
// A file that cannot be read is an input with its error, not the end of the
// run: the runtime rejects it by name and runs the rest.
func readRequests(paths []string) ([]local.Input, error) {
	var inputs []local.Input
	if len(paths) == 0 {
		files, err := fs.Glob(events.FS, "requests/*.json")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			b, err := fs.ReadFile(events.FS, f)
			inputs = append(inputs, local.Input{Name: "events/" + f, Body: b, Err: err})
		}
		return inputs, nil
	}
	for _, p := range paths {
		files := []string{p}
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			files, err = filepath.Glob(filepath.Join(p, "*.json"))
			if err != nil {
				return nil, err
			}
			sort.Strings(files)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			inputs = append(inputs, local.Input{Name: f, Body: b, Err: err})
		}
	}
	return inputs, nil
}

// fixAndRedrive does what the README's runbook tells an operator to do for the
// demo's failure: create the missing role in the account, then redrive.
func fixAndRedrive(ctx context.Context, rt *local.Runtime, stdout io.Writer, quiet bool) error {
	c := sfn.NewFromConfig(rt.Sim.Config())
	redriven := 0
	for _, r := range rt.Results() {
		if r.Status != "FAILED" {
			continue
		}
		if strings.Contains(r.Reason, "AWSControlTowerExecution") && r.AccountID != "" {
			if err := rt.Sim.SetExecutionRole(r.AccountID, awssim.RoleTrusted); err != nil {
				return err
			}
			if !quiet {
				fmt.Fprintf(stdout, "fix: created AWSControlTowerExecution in %s, trusting the management account\n", r.AccountID)
			}
		}
		arn := statemachine.ExecutionArn(rt.StateMachineArn, r.RequestID)
		if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
			return fmt.Errorf("redrive %s: %w", r.RequestID, err)
		}
		if !quiet {
			fmt.Fprintf(stdout, "redrive: %s resumes at the step that failed\n", r.RequestID)
		}
		redriven++
	}
	if redriven == 0 {
		return nil
	}
	return rt.Run(ctx)
}

func printTable(w io.Writer, results []local.Result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST\tACTION\tSTATUS\tACCOUNT\tOU\tACCESS GRANTED\tDURATION\tREASON")
	counts := map[string]int{}
	for _, r := range results {
		counts[r.Status]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.RequestID, dash(r.Action), r.Status, dash(r.AccountID), dash(r.OrganizationalUnit),
			dash(shortAccess(r.Access)), r.Duration.Round(time.Second), dash(shorten(r.Reason, 90)))
	}
	tw.Flush()
	var last time.Duration
	for _, r := range results {
		last = max(last, r.Duration)
	}
	fmt.Fprintf(w, "\n%d succeeded, %d failed, %d rejected, %d skipped; the last request finished %s (simulated) after it was sent.\n",
		counts["SUCCEEDED"], counts["FAILED"], counts["REJECTED"], counts["SKIPPED"], last.Round(time.Second))
	if counts["SKIPPED"] > 0 {
		fmt.Fprintln(w, "Skipped: an account that joined the organization turned out to be Account Factory's own (Control Tower creates accounts through Organizations).")
	}
	for _, r := range results {
		if r.Status == "FAILED" {
			fmt.Fprintf(w, "\n%s failed: %s\n", r.RequestID, r.Reason)
		}
	}
	if counts["FAILED"] > 0 {
		fmt.Fprintln(w, "\nSee README, \"Fix and redrive\"; 'towervend local --fix-and-redrive' shows it here.")
	}
}

func shortAccess(items []string) string {
	var out []string
	for _, it := range items {
		it = strings.TrimPrefix(strings.TrimPrefix(it, "group "), "user ")
		out = append(out, strings.Replace(it, ": ", "→", 1))
	}
	return strings.Join(out, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shorten(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// isTerminal reports whether w is a character device (a live terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// progress prints the run as it happens: a line per state change, and on a
// terminal a live status line kept at the bottom.
type progress struct {
	w      io.Writer
	live   bool
	status map[string]string
}

func newProgress(w io.Writer, live bool) *progress {
	return &progress{w: w, live: live, status: map[string]string{}}
}

func (p *progress) event(e local.Event) {
	line := ""
	switch e.Kind {
	case "state":
		p.status[e.RequestID] = e.State
		line = fmt.Sprintf("%s  %-28s %s", e.Time.Format("15:04:05"), e.RequestID, e.State)
	case "world":
		line = fmt.Sprintf("%s  %-28s %s", e.Time.Format("15:04:05"), "(no ticket)", e.Detail)
	case "notification":
		id := e.RequestID
		if id == "" {
			id = "(no requestId)" // a message intake rejected before it could read one
		}
		p.status[id] = strings.ToUpper(e.State)
		line = fmt.Sprintf("%s  %-28s → %s", e.Time.Format("15:04:05"), id, strings.ToUpper(e.State))
		if e.Detail != "" {
			line += "  " + shorten(e.Detail, 100)
		}
	default:
		return
	}
	if p.live {
		fmt.Fprintf(p.w, "\r\033[K%s\n%s", line, p.statusLine(e.Time))
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) statusLine(now time.Time) string {
	counts := map[string]int{}
	for _, s := range p.status {
		switch s {
		case "SUCCEEDED", "FAILED", "REJECTED", "SKIPPED":
			counts[s]++
		default:
			counts["running"]++
		}
	}
	return fmt.Sprintf("\033[7m simulated %s │ running %d │ succeeded %d │ failed %d │ rejected %d \033[0m",
		now.Format("15:04"), counts["running"], counts["SUCCEEDED"], counts["FAILED"], counts["REJECTED"])
}

func (p *progress) done() {
	if p.live {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// printIAM tells what IAM denied and which grants no call used, and the
// lifecycle events left for an operator.
func printIAM(w io.Writer, r local.IAM, lost int) {
	fmt.Fprintf(w, "\nIAM: each function called as its own role with the stack's policy: %d calls checked, %d denied.\n", r.Calls, len(r.Denied))
	for _, d := range r.Denied {
		fmt.Fprintf(w, "  denied: %s\n", d.Message)
	}
	for _, fn := range slices.Sorted(maps.Keys(r.Unused)) {
		fmt.Fprintf(w, "  %s: granted but unused in this run: %s\n", fn, strings.Join(r.Unused[fn], ", "))
	}
	for _, fn := range slices.Sorted(maps.Keys(r.Conditional)) {
		for _, c := range r.Conditional[fn] {
			fmt.Fprintf(w, "  %s: %s is for a case this run did not have: %s\n", fn, c.Action, c.When)
		}
	}
	if lost > 0 {
		fmt.Fprintf(w, "%d lifecycle event(s) failed and wait in towervend-lifecycle-failed (towervend lifecycle-failed shows them).\n", lost)
	}
}
