package bench

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/timeline"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// SoakOptions configure a fault soak.
type SoakOptions struct {
	// Requests is how many create requests (default 1000).
	Requests int
	// Burst is how many arrive together (default 25); a burst arrives every
	// Burst*ProvisioningTime/Concurrency, the rate Control Tower can serve, so
	// the soak runs a long bad day rather than one huge batch (Run measures that).
	Burst int
	// Concurrency and ProvisioningTime set Control Tower (defaults 5 and 30m);
	// Spread varies each provisioning (default 0).
	Concurrency      int
	ProvisioningTime time.Duration
	Spread           time.Duration
	// Throttle is the share of calls each service in ThrottleServices answers
	// with its throttling error (default 0.10).
	Throttle float64
	// ThrottleServices are the simulated services to throttle (default
	// DefaultThrottleServices()).
	ThrottleServices []string
	// FailRate is the share of Account Factory operations that fail part-way (default 0.02).
	FailRate float64
	// Deliveries is how many times every message is sent (default 2).
	Deliveries int
	// BusyFrom and BusyFor place the stretch during which Control Tower is busy
	// with another operation and refuses account operations (defaults 2h and 2h
	// of simulated time after the start).
	BusyFrom, BusyFor time.Duration
	// Seed makes the run repeat exactly (default: the demo world's seed).
	Seed uint64
	// Picture keeps the soak's timeline, faulty run and redrive, in
	// SoakReport.Picture for drawing.
	Picture bool `json:"-"`
	// Provisioning is towervend's provisioning backend, as Options.Provisioning.
	Provisioning string `json:"provisioning,omitempty"`
	// OUs is how many registered OUs the requests cycle over, as Options.OUs.
	OUs int `json:"ous,omitempty"`
}

// DefaultThrottleServices returns the simulated services the soak throttles: all
// of them but SQS. The local runtime's SQS event-source poller (and Submit)
// use SDK clients whose retry backoff sleeps in real time, which stops the
// virtual clock for seconds per throttled call; towervend's own clients wait
// on the virtual clock. SQS standard queues also have no documented API rate
// limit. Add "sqs" to measure it anyway.
func DefaultThrottleServices() []string {
	return []string{"organizations", "servicecatalog", "sso", "identitystore", "sts", "events", "states", "controltower"}
}

func (o SoakOptions) withDefaults() SoakOptions {
	o.Requests = cmp.Or(o.Requests, 1000)
	o.Burst = cmp.Or(o.Burst, 25)
	o.Concurrency = cmp.Or(o.Concurrency, 5)
	o.ProvisioningTime = cmp.Or(o.ProvisioningTime, 30*time.Minute)
	o.Throttle = cmp.Or(o.Throttle, 0.10)
	if o.ThrottleServices == nil {
		o.ThrottleServices = DefaultThrottleServices()
	}
	o.FailRate = cmp.Or(o.FailRate, 0.02)
	o.Deliveries = cmp.Or(o.Deliveries, 2)
	o.BusyFrom = cmp.Or(o.BusyFrom, 2*time.Hour)
	o.BusyFor = cmp.Or(o.BusyFor, 2*time.Hour)
	return o
}

// SoakReport is what a soak found. Problems lists every broken promise; an
// empty list is a pass.
type SoakReport struct {
	Options SoakOptions `json:"options"`
	// Provisioning is the backend that vended the accounts (accountFactory or
	// autoEnrollment, also when the options asked for auto).
	Provisioning string `json:"provisioning"`
	// Messages is how many messages were sent (Requests*Deliveries).
	Messages int `json:"messages"`
	// Outcomes counts the requests' statuses after the faulty run;
	// LifecycleOutcomes the work towervend started on its own (an account
	// joining, the hourly sweep) by the end of the soak.
	Outcomes          map[string]int `json:"outcomes"`
	LifecycleOutcomes map[string]int `json:"lifecycleOutcomes,omitempty"`
	// Lost are requests without a final state and its notification.
	Lost []string `json:"lost"`
	// Duplicated are requests whose account name exists more than once.
	Duplicated []string `json:"duplicated"`
	// Unexplained are failed requests without a reason.
	Unexplained []string `json:"unexplained"`
	// Failures are the failed requests' reasons, by the step's error kind.
	Failures map[string]int `json:"failures"`
	// Refused counts operations Control Tower refused as busy (the busy
	// stretch); towervend started each again.
	Refused int `json:"controlTowerRefused"`
	// DeadLettered is what the dead-letter queue holds (messages intake could not hand to the workflow).
	DeadLettered int `json:"deadLettered"`
	// Redriven is how many failed requests were redriven after the faults were
	// cleared; AfterRedrive counts the statuses then, and StillFailing lists
	// requests that did not succeed.
	Redriven     int            `json:"redriven"`
	AfterRedrive map[string]int `json:"afterRedrive"`
	StillFailing []string       `json:"stillFailing"`
	// DuplicatedAfterRedrive are requests whose account exists more than once after the redrive.
	DuplicatedAfterRedrive []string `json:"duplicatedAfterRedrive"`
	// MissingAccounts are succeeded requests without their account;
	// Misplaced those whose account is not in the OU they asked for.
	MissingAccounts []string `json:"missingAccounts"`
	Misplaced       []string `json:"misplaced"`

	// PeakRunning is the most account operations Control Tower ran at once;
	// Moves what it did with the accounts moved into OUs (auto-enrollment).
	PeakRunning int   `json:"peakRunning"`
	Moves       Moves `json:"moves,omitzero"`
	// Simulated is from the first message to the last final notification
	// under faults; RedrivePhase from the redrive to its last notification.
	Simulated    time.Duration `json:"simulated"`
	RedrivePhase time.Duration `json:"redrivePhase"`
	// APICalls counts the calls each simulated service received, throttled ones included.
	APICalls map[string]int `json:"apiCallsByService"`
	// Cost's Wall is the real time of the whole soak.
	Cost

	// Picture is the soak over simulated time, when SoakOptions.Picture asked for it.
	Picture *timeline.Run `json:"-"`
}

// Problems lists every way the soak broke towervend's promises.
func (r *SoakReport) Problems() []string {
	var out []string
	add := func(what string, ids []string) {
		if len(ids) > 0 {
			out = append(out, fmt.Sprintf("%s: %d (%s)", what, len(ids), strings.Join(first(ids, 10), ", ")))
		}
	}
	add("requests lost (no final state or notification)", r.Lost)
	add("requests with more than one account", r.Duplicated)
	add("failures without a reason", r.Unexplained)
	add("requests not succeeded after the faults were cleared and they were redriven", r.StillFailing)
	add("requests with more than one account after the redrive", r.DuplicatedAfterRedrive)
	add("succeeded requests without their account", r.MissingAccounts)
	add("succeeded requests whose account is not in the OU they asked for", r.Misplaced)
	return out
}

func first(ids []string, n int) []string {
	if len(ids) > n {
		return append(slices.Clone(ids[:n]), "...")
	}
	return ids
}

// Soak runs the fault soak: requests arrive in bursts, every message is sent
// Deliveries times, the services throttle, provisionings fail and Control
// Tower is busy for a stretch. It then checks that every request ended with a
// notification, that no account exists twice and that every failure has a
// reason; clears the faults, redrives the failed executions through the Step
// Functions API and checks that they all succeed.
func Soak(ctx context.Context, opts SoakOptions) (*SoakReport, error) {
	opts = opts.withDefaults()
	backend, err := backendOf(opts.Provisioning)
	if err != nil {
		return nil, err
	}
	if opts.OUs, err = checkOUs(opts.OUs); err != nil {
		return nil, err
	}
	w := World(opts.Concurrency, opts.ProvisioningTime, opts.Spread, opts.Seed)
	useBackend(w, backend, false)
	if err := addOUs(w, opts.OUs); err != nil {
		return nil, err
	}
	opts.Seed = w.Seed
	interval := time.Duration(opts.Burst) * opts.ProvisioningTime / time.Duration(opts.Concurrency)
	bursts := (opts.Requests + opts.Burst - 1) / opts.Burst
	horizon := time.Duration(bursts+2)*interval + opts.BusyFor + 24*time.Hour
	rt, err := newRuntime(ctx, w, backend, horizon)
	if err != nil {
		return nil, err
	}
	faults := awssim.Faults{Throttle: map[string]float64{}, FailProvisioningRate: opts.FailRate,
		ControlTowerBusy: []awssim.Window{{From: awssim.Duration(opts.BusyFrom), Until: awssim.Duration(opts.BusyFrom + opts.BusyFor)}}}
	for _, svc := range opts.ThrottleServices {
		faults.Throttle[svc] = opts.Throttle
	}
	rt.Sim.SetFaults(faults)

	ous := requestOUs(opts.OUs)
	bodies := createRequestsIn("soak", opts.Requests, ous)
	rep := &SoakReport{Options: opts, Provisioning: backend, Messages: opts.Requests * opts.Deliveries, Outcomes: map[string]int{},
		Failures: map[string]int{}, AfterRedrive: map[string]int{}}
	smp := startSampler(rt, time.Minute)
	defer smp.stop()
	arrivals := newArrivals(rt, bodies, opts.Burst, opts.Deliveries, interval)

	wallStart := time.Now()
	if err := runUntil(ctx, rt, arrivals.done); err != nil {
		return nil, err
	}
	if err := arrivals.failed(); err != nil {
		return nil, err
	}
	names := requestNames("soak", opts.Requests)
	final := finalNotifications(rt)
	var failed []string
	for _, r := range rt.Results() {
		if _, ours := names[r.RequestID]; !ours {
			continue // work towervend started from lifecycle events
		}
		rep.Outcomes[r.Status]++
		switch {
		case r.Status != "SUCCEEDED" && r.Status != "FAILED", !final[r.RequestID]:
			rep.Lost = append(rep.Lost, r.RequestID)
		case r.Status == "FAILED":
			failed = append(failed, r.RequestID)
			if strings.TrimSpace(r.Reason) == "" {
				rep.Unexplained = append(rep.Unexplained, r.RequestID)
			}
			rep.Failures[failureKind(r.Reason)]++
		}
	}
	if missing := opts.Requests - (rep.Outcomes["SUCCEEDED"] + rep.Outcomes["FAILED"] + rep.Outcomes["REJECTED"] + rep.Outcomes["PENDING"]); missing > 0 {
		rep.Lost = append(rep.Lost, fmt.Sprintf("%d requests never reached towervend", missing))
	}
	rep.Duplicated = duplicated(rt, names)
	_, rep.PeakRunning, rep.Refused = rt.Sim.AccountOperations()
	rep.DeadLettered, _ = rt.Sim.QueueDepth(rt.DeadLetterURL)

	rep.Simulated = lastFinal(rt).Sub(w.Start)

	// An operator's day after: the faults are gone; redrive what failed.
	rt.Sim.SetFaults(awssim.Faults{})
	redriveAt := rt.Clock.Now()
	c := sfn.NewFromConfig(rt.Sim.Config())
	for _, id := range failed {
		arn := statemachine.ExecutionArn(rt.StateMachineArn, id)
		if _, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
			return nil, fmt.Errorf("redrive %s: %w", id, err)
		}
		rep.Redriven++
	}
	if rep.Redriven > 0 {
		if err := rt.Run(ctx); err != nil {
			return nil, fmt.Errorf("run after redrive: %w", err)
		}
	}
	wall := time.Since(wallStart)
	results := rt.Results()
	for _, r := range results {
		if _, ours := names[r.RequestID]; !ours {
			if rep.LifecycleOutcomes == nil {
				rep.LifecycleOutcomes = map[string]int{}
			}
			rep.LifecycleOutcomes[r.Status]++
			continue
		}
		rep.AfterRedrive[r.Status]++
		if r.Status != "SUCCEEDED" {
			rep.StillFailing = append(rep.StillFailing, r.RequestID+": "+r.Status+" "+r.Reason)
			continue
		}
		if acct, ok := rt.Sim.Account(r.AccountID); !ok || acct.Name != names[r.RequestID] {
			rep.MissingAccounts = append(rep.MissingAccounts, r.RequestID)
		}
	}
	rep.DuplicatedAfterRedrive = duplicated(rt, names)
	rep.Misplaced = misplaced(rt, results, names, requestOUsByID("soak", opts.Requests, ous))
	if backend == vend.ProvisioningAutoEnrollment {
		rep.Moves = measureMoves(rt.Sim, rt.Clock.Now())
	}
	if rep.Redriven > 0 {
		rep.RedrivePhase = lastFinal(rt).Sub(redriveAt)
	}
	rep.APICalls = serviceTotals(rt.Sim.Calls())
	rep.Cost = smp.cost(wall)
	if opts.Picture {
		rep.Picture = picture(rt, fmt.Sprintf("towervend soak: %d requests through faults, then the redrive", opts.Requests))
	}
	return rep, nil
}

// runUntil runs the world until done reports that all work has arrived and
// a run ended with everything final: a run can end early when the world is
// quiet between bursts.
func runUntil(ctx context.Context, rt *local.Runtime, done func() bool) error {
	for {
		if err := rt.Run(ctx); err != nil {
			return fmt.Errorf("run: %w", err)
		}
		if done() {
			return nil
		}
	}
}

// arrivals submits bodies from inside the simulation, burst by burst: each
// burst's first delivery, then the previous burst's next delivery in reverse
// order, so some duplicates arrive together with the original and others
// while it runs or after it finished.
type arrivals struct {
	rt   *local.Runtime
	errc chan error
	fin  chan struct{}
}

func newArrivals(rt *local.Runtime, bodies [][]byte, burst, deliveries int, interval time.Duration) *arrivals {
	a := &arrivals{rt: rt, errc: make(chan error, 1), fin: make(chan struct{})}
	var batches [][][]byte
	for i := 0; i < len(bodies); i += burst {
		batches = append(batches, bodies[i:min(i+burst, len(bodies))])
	}
	rt.Clock.Go(func() {
		defer close(a.fin)
		ctx := context.Background()
		for k := 0; k < len(batches)+deliveries-1; k++ {
			var send [][]byte
			if k < len(batches) {
				send = append(send, batches[k]...)
			}
			for d := 1; d < deliveries; d++ {
				if j := k - d; j >= 0 && j < len(batches) {
					again := slices.Clone(batches[j])
					slices.Reverse(again)
					send = append(send, again...)
				}
			}
			if err := rt.Submit(ctx, send...); err != nil {
				a.errc <- err
				return
			}
			if err := rt.Clock.Sleep(ctx, interval); err != nil {
				return
			}
		}
	})
	return a
}

func (a *arrivals) done() bool {
	select {
	case <-a.fin:
		return true
	default:
		return false
	}
}

func (a *arrivals) failed() error {
	select {
	case err := <-a.errc:
		return fmt.Errorf("submit: %w", err)
	default:
		return nil
	}
}

// finalNotifications reports which requests got a succeeded, failed or
// rejected notification.
func finalNotifications(rt *local.Runtime) map[string]bool {
	out := map[string]bool{}
	for _, n := range rt.Notifications() {
		switch n.State {
		case "succeeded", "failed", "rejected":
			out[n.RequestID] = true
		}
	}
	return out
}

// lastFinal is the time of the last final notification. (The runtime's clock
// can run on a little after a run ends, by how much depends on the machine.)
func lastFinal(rt *local.Runtime) time.Time {
	var last time.Time
	for _, n := range rt.Notifications() {
		if at, ok := notificationTime(n.Time); ok && at.After(last) && (n.State == "succeeded" || n.State == "failed" || n.State == "rejected") {
			last = at
		}
	}
	return last
}

// duplicated lists requests whose account name appears on more than one account.
func duplicated(rt *local.Runtime, names map[string]string) []string {
	var out []string
	for _, id := range sortedNames(names) {
		if n := len(rt.Sim.AccountsNamed(names[id])); n > 1 {
			out = append(out, fmt.Sprintf("%s (%d accounts)", id, n))
		}
	}
	return out
}

// failureKind names a failure by what its reason starts with, to group them.
func failureKind(reason string) string {
	switch r := strings.ToLower(reason); {
	case strings.Contains(r, "account factory") && strings.Contains(r, "failed"):
		return "Account Factory operation failed"
	case strings.Contains(r, "throttl") || strings.Contains(r, "rate exceeded"):
		return "throttled"
	case strings.Contains(r, "waiting for a slot"):
		return "gave up waiting for a slot"
	case strings.Contains(r, "could not enroll account"):
		// An auto-enrollment: Control Tower's statusMessage says why.
		switch {
		case strings.Contains(r, "could not apply the awscontroltowerbaseline"):
			return "enrollment failed part-way"
		case strings.Contains(r, "another aws control tower operation is in progress"):
			return "enrollment refused: Control Tower busy"
		case strings.Contains(r, "in progress on that ou"):
			return "enrollment refused: another move into the OU"
		case strings.Contains(r, "limit of concurrent account operations"):
			return "enrollment refused: quota"
		}
		return "enrollment failed"
	default:
		if len(reason) > 60 {
			reason = reason[:60] + "..."
		}
		return reason
	}
}
