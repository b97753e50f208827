// Package bench measures towervend on the local runtime: the whole pipeline
// (request queue, intake, the real state machine on simulated Step Functions,
// the steps, simulated Control Tower) on a virtual clock. Run vends a batch of
// accounts and reports the makespan against the Control Tower bound, the load
// on Account Factory and the work done per account; Soak runs a batch through
// injected faults and checks that nothing is lost, duplicated or unexplained;
// ColdStart starts the built Lambda binaries against an emulated Lambda
// runtime API. Run and Soak vend with either provisioning backend
// (backend.go), over the bench's OUs or more (ous.go). The numbers in
// BENCHMARKS.md come from these.
//
// It sits at the top with the CLI: it may import the local runtime, the
// simulator, vend, policy, statemachine and events; nothing imports it but
// cmd/towervend.
package bench

import (
	"cmp"
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/timeline"
	"github.com/towervend/towervend/internal/vend"
)

// Options configure a vending benchmark.
type Options struct {
	// Accounts is how many create requests to vend (default 500).
	Accounts int
	// Concurrency is Control Tower's account-operation quota and towervend's
	// limit (default 5; AWS allows 1-10).
	Concurrency int
	// ProvisioningTime is how long Control Tower takes to create an account (default 30m).
	ProvisioningTime time.Duration
	// Spread varies each provisioning by up to this much either way (default 0).
	Spread time.Duration
	// Seed makes the run repeat exactly (default: the demo world's seed).
	Seed uint64
	// SampleEvery is the simulated interval at which the Account Factory load
	// is sampled (default 1s).
	SampleEvery time.Duration
	// DropLifecycleEvents is the world's faults.dropLifecycleEvents: the share
	// of Control Tower's lifecycle events EventBridge never delivers (default 0).
	DropLifecycleEvents float64
	// Picture keeps the run's timeline (Report.Picture) for drawing.
	Picture bool
	// Provisioning is towervend's provisioning backend (vend.Config.Provisioning):
	// accountFactory (default), autoEnrollment or auto; see useBackend for
	// what the bench's world then looks like.
	Provisioning string
	// OUs is how many registered OUs the requests cycle over (default 3, the
	// demo world's Sandbox, Workloads/NonProd and Workloads/Prod; up to 20,
	// the rest added to the bench's world: see ous.go).
	OUs int
	// ByReset, with autoEnrollment, gives the bench's landing zone no
	// auto-enrollment: accounts are enrolled by resetting their OU's baseline.
	ByReset bool
}

func (o Options) withDefaults() Options {
	o.Accounts = cmp.Or(o.Accounts, 500)
	o.Concurrency = cmp.Or(o.Concurrency, 5)
	o.ProvisioningTime = cmp.Or(o.ProvisioningTime, 30*time.Minute)
	o.SampleEvery = cmp.Or(o.SampleEvery, time.Second)
	return o
}

// Report is what a vending benchmark measured. Times are simulated unless
// named Wall; in JSON, durations are nanoseconds.
type Report struct {
	// The run's settings (Seed is the world's, also when Options left it 0).
	// Provisioning is the backend that vended the accounts (accountFactory or
	// autoEnrollment, also when Options asked for auto).
	Provisioning     string        `json:"provisioning"`
	ByReset          bool          `json:"byReset,omitempty"`
	Accounts         int           `json:"accounts"`
	OUs              int           `json:"ous"`
	Concurrency      int           `json:"concurrency"`
	ProvisioningTime time.Duration `json:"provisioningTime"`
	Spread           time.Duration `json:"spread"`
	Seed             uint64        `json:"seed"`

	// Outcomes counts the batch's requests by final status (SUCCEEDED,
	// FAILED, REJECTED, PENDING); LifecycleOutcomes the work towervend
	// started on its own (an account joining, the hourly sweep), by the same.
	Outcomes          map[string]int `json:"outcomes"`
	LifecycleOutcomes map[string]int `json:"lifecycleOutcomes,omitempty"`
	// Failures are the batch's failed requests by the kind of reason, and
	// FailedExamples the first few failed request ids.
	Failures       map[string]int `json:"failures,omitempty"`
	FailedExamples []string       `json:"failedExamples,omitempty"`
	// Misplaced are succeeded requests whose account is not in the OU they
	// asked for when the run ended, as "id: in PATH, asked for PATH".
	Misplaced []string `json:"misplaced,omitempty"`
	// Makespan is from the first submit to the batch's last succeeded notification.
	Makespan time.Duration `json:"makespan"`
	// Bound is ceil(Accounts/Concurrency) waves of ProvisioningTime: no
	// vending system can finish sooner on this Control Tower.
	Bound time.Duration `json:"bound"`
	// OUBound, with auto-enrollment only, is the bound one move at a time per
	// destination OU sets: the OU with the most requests, one
	// ProvisioningTime each (more than Bound when the batch has fewer OUs
	// than Concurrency).
	OUBound time.Duration `json:"ouBound,omitempty"`
	// Ratio is Makespan/Bound (1 is the bound).
	Ratio float64 `json:"ratio"`
	// IdealSchedule is the makespan of the run's own operations, with the
	// durations Control Tower drew for them, on its slots with no hand-off and
	// no detection lag (schedule.go defines it); RatioToSchedule is
	// Makespan/IdealSchedule.Makespan, 1 at best. Unlike Bound it sees the
	// spread: a batch whose draws ran long has a longer ideal.
	IdealSchedule   IdealSchedule `json:"idealSchedule"`
	RatioToSchedule float64       `json:"ratioToSchedule"`
	// DetectionLag is, per succeeded request, from Control Tower completing its
	// operation to the execution entering AfterOperation; HandOff, per
	// operation that took a freed slot while requests were queued, from the
	// completion that freed it to its start (schedule.go defines both).
	// Timeline.Detection is DetectionLag's mean as a duration.
	DetectionLag LagStats `json:"detectionLagSeconds"`
	HandOff      LagStats `json:"handOffSeconds"`

	// PeakRunning is the most account operations Control Tower ran at once
	// (the simulator's own high-water mark, updated at every start).
	PeakRunning int `json:"peakRunning"`
	// PeakUnderChange is the most Account Factory products UNDER_CHANGE at
	// once, sampled every SampleEvery: what the gate counts.
	PeakUnderChange int `json:"peakUnderChange"`
	// Refused counts operations Control Tower refused as busy or over quota
	// (with auto-enrollment, or in conflict with a move into the same OU).
	Refused int `json:"refused"`
	// Moves is what Control Tower did with the accounts moved into OUs
	// (auto-enrollment; empty with Account Factory).
	Moves Moves `json:"moves,omitzero"`
	// Utilization is the slot-time Control Tower's operations used, over
	// Concurrency slots for the makespan.
	Utilization float64 `json:"utilization"`
	// Timeline breaks the makespan down.
	Timeline Timeline `json:"timeline"`

	// Per account: history events, billed state transitions (states entered
	// plus task retries), task retries, the provision task's attempts refused
	// by the gate, Lambda invocations by function (and, in total, those Lambda
	// refused for reserved concurrency), AWS API calls by service; and the
	// longest history of any execution.
	HistoryEventsPerAccount    float64            `json:"historyEventsPerAccount"`
	StateTransitionsPerAccount float64            `json:"stateTransitionsPerAccount"`
	TaskRetriesPerAccount      float64            `json:"taskRetriesPerAccount"`
	GateWaitsPerAccount        float64            `json:"gateWaitsPerAccount"`
	MaxHistoryEvents           int                `json:"maxHistoryEvents"`
	LambdaPerAccount           map[string]float64 `json:"lambdaPerAccount"`
	LambdaPerAccountTotal      float64            `json:"lambdaPerAccountTotal"`
	LambdaThrottled            map[string]int     `json:"lambdaThrottled"`
	// APICallsPerAccount (by service) and APICallsPerAccountTotal leave out
	// the queue poller's ReceiveMessage calls, which grow with the time the
	// run takes, not with its accounts: QueuePollerReceiveMessage counts them.
	APICallsPerAccount      map[string]float64 `json:"apiCallsPerAccount"`
	APICallsPerAccountTotal float64            `json:"apiCallsPerAccountTotal"`
	// SearchProvisionedProductsPerAccount is Service Catalog's
	// SearchProvisionedProducts per account: the gate's count of operations in
	// flight, and the lifecycle function's look-ups.
	SearchProvisionedProductsPerAccount float64 `json:"searchProvisionedProductsPerAccount"`
	// QueuePollerReceiveMessage is how often the SQS event source mapping
	// (the local runtime's poller, as intake's role) called ReceiveMessage on
	// the request queue, an empty answer every few seconds while idle;
	// PerHour is per simulated hour of the makespan. towervend's functions
	// never call ReceiveMessage.
	QueuePollerReceiveMessage        int     `json:"queuePollerReceiveMessage"`
	QueuePollerReceiveMessagePerHour float64 `json:"queuePollerReceiveMessagePerHour"`
	// APICalls are the totals by service and operation, the poller's included.
	APICalls map[string]map[string]int `json:"apiCalls"`

	// DropLifecycleEvents is the fault's rate; LifecycleEvents counts Control
	// Tower's lifecycle events EventBridge delivered and dropped.
	DropLifecycleEvents float64         `json:"dropLifecycleEvents"`
	LifecycleEvents     LifecycleEvents `json:"lifecycleEvents"`

	Cost

	// Picture is the run over simulated time, for internal/timeline to draw,
	// when Options.Picture asked for it.
	Picture *timeline.Run `json:"-"`
}

// Cost is what a run took of the machine it ran on; in JSON its members are
// the last of the report's.
type Cost struct {
	// Wall is the real time the run took; PeakHeap the largest live heap
	// sampled each simulated minute; MaxRSS the process's peak resident set.
	Wall       time.Duration `json:"wall"`
	PeakHeap   uint64        `json:"peakHeapBytes"`
	MaxRSS     int64         `json:"maxRSSBytes"`
	GoMaxProcs int           `json:"gomaxprocs"`
}

// LifecycleEvents counts Control Tower's lifecycle events (CreateManagedAccount,
// UpdateManagedAccount) of a run.
type LifecycleEvents struct {
	// Delivered reached the management account's default bus.
	Delivered int `json:"delivered"`
	// Dropped never did (faults.dropLifecycleEvents).
	Dropped int `json:"dropped"`
}

// Timeline is where the makespan went, averaged over the succeeded accounts.
type Timeline struct {
	// GateWait is from reaching the Provision state to starting the Account
	// Factory operation (waiting for a slot).
	GateWait time.Duration `json:"gateWait"`
	// Detection is from Control Tower finishing the record to the execution
	// entering AfterOperation (the poll interval's cost): the mean of
	// Report.DetectionLag, kept under its old name.
	Detection time.Duration `json:"detection"`
	// StatusChecks is the mean number of DescribeRecord checks per account.
	StatusChecks float64 `json:"statusChecks"`
	// AfterOperation is from noticing to the execution's success (access,
	// OU placement, tags, notification).
	AfterOperation time.Duration `json:"afterOperation"`
	// HandOff is the slot-time Control Tower's slots stood empty from the
	// first start to the last end (less the last wave's empty slots), from the
	// 1 s samples, spread over every operation started, the first wave's
	// included: the older, coarser measure, which assumes every operation
	// takes ProvisioningTime (with a spread it can even be negative; the text
	// report leaves it out then). Report.HandOff measures each hand-off itself.
	HandOff time.Duration `json:"handOff"`
	// Tail is from the last operation ending to the last notification.
	Tail time.Duration `json:"tail"`
}

// World returns the demo world set up for a benchmark.
func World(concurrency int, provisioning, spread time.Duration, seed uint64) *awssim.World {
	w := awssim.DefaultWorld()
	w.Happenings = nil // only the benchmark's own requests
	if seed != 0 {
		w.Seed = seed
	}
	w.ControlTower.ConcurrentAccountOperations = concurrency
	w.ControlTower.ProvisioningTime = awssim.Duration(provisioning)
	w.ControlTower.Spread = awssim.Duration(spread)
	return w
}

// newRuntime deploys towervend into w with its limit set to the world's
// quota, vending with the backend (useBackend readied w for it).
func newRuntime(ctx context.Context, w *awssim.World, backend string, maxSim time.Duration) (*local.Runtime, error) {
	rt, err := local.New(ctx, local.Options{World: w, MaxSimulatedTime: maxSim, Provisioning: backend})
	if err != nil {
		return nil, fmt.Errorf("deploy towervend on the simulated world: %w", err)
	}
	rt.Deps.Config.ConcurrencyLimit = w.ControlTower.ConcurrentAccountOperations
	return rt, nil
}

// largestShare is how many of n requests cycling over k OUs the fullest OU gets.
func largestShare(n, k int) int { return (n + k - 1) / k }

// bound is ceil(n/c) waves of t.
func bound(n, c int, t time.Duration) time.Duration {
	return time.Duration((n+c-1)/c) * t
}

// Run vends opts.Accounts new accounts through the local pipeline and reports.
func Run(ctx context.Context, opts Options) (*Report, error) {
	opts = opts.withDefaults()
	if opts.Concurrency < 1 || opts.Concurrency > 10 {
		return nil, fmt.Errorf("concurrency %d: Control Tower's quota is 1 to 10", opts.Concurrency)
	}
	if opts.Accounts < 1 {
		return nil, fmt.Errorf("accounts %d: vend at least one", opts.Accounts)
	}
	backend, err := backendOf(opts.Provisioning)
	if err != nil {
		return nil, err
	}
	nOUs, err := checkOUs(opts.OUs)
	if err != nil {
		return nil, err
	}
	if err := checkReset(opts.ByReset, backend); err != nil {
		return nil, err
	}
	w := World(opts.Concurrency, opts.ProvisioningTime, opts.Spread, opts.Seed)
	useBackend(w, backend, opts.ByReset)
	if err := addOUs(w, nOUs); err != nil {
		return nil, err
	}
	w.Faults.DropLifecycleEvents = opts.DropLifecycleEvents
	if err := w.Faults.Validate(); err != nil {
		return nil, fmt.Errorf("drop-events: %w", err)
	}
	b := bound(opts.Accounts, opts.Concurrency, opts.ProvisioningTime+opts.Spread)
	rt, err := newRuntime(ctx, w, backend, 3*b+24*time.Hour)
	if err != nil {
		return nil, err
	}
	inv := countInvocations(rt)
	smp := startSampler(rt, opts.SampleEvery)
	defer smp.stop()
	before := rt.Sim.Calls()

	wallStart := time.Now()
	start := rt.Clock.Now()
	ous := requestOUs(nOUs)
	if err := rt.Submit(ctx, createRequestsIn("bench", opts.Accounts, ous)...); err != nil {
		return nil, err
	}
	runErr := rt.Run(ctx)
	wall := time.Since(wallStart)
	smp.stop()
	if runErr != nil {
		return nil, fmt.Errorf("run: %w", runErr)
	}

	batch := requestNames("bench", opts.Accounts)
	rep := &Report{Provisioning: backend, ByReset: opts.ByReset, Accounts: opts.Accounts, OUs: nOUs, Concurrency: opts.Concurrency, ProvisioningTime: opts.ProvisioningTime,
		Spread: opts.Spread, Seed: w.Seed, Outcomes: map[string]int{}, Bound: bound(opts.Accounts, opts.Concurrency, opts.ProvisioningTime),
		DropLifecycleEvents: opts.DropLifecycleEvents}
	results := rt.Results()
	for _, r := range results {
		if _, ours := batch[r.RequestID]; !ours {
			if rep.LifecycleOutcomes == nil {
				rep.LifecycleOutcomes = map[string]int{}
			}
			rep.LifecycleOutcomes[r.Status]++
			continue
		}
		rep.Outcomes[r.Status]++
		if r.Status == "FAILED" {
			if rep.Failures == nil {
				rep.Failures = map[string]int{}
			}
			rep.Failures[failureKind(r.Reason)]++
			if len(rep.FailedExamples) < 5 {
				rep.FailedExamples = append(rep.FailedExamples, r.RequestID)
			}
		}
	}
	var last time.Time
	for _, n := range rt.Notifications() {
		if _, ours := batch[n.RequestID]; !ours {
			continue
		}
		if at, ok := notificationTime(n.Time); ok && n.State == vend.StateSucceeded && at.After(last) {
			last = at
		}
	}
	rep.Makespan = last.Sub(start)
	rep.Ratio = float64(rep.Makespan) / float64(rep.Bound)
	if backend == vend.ProvisioningAutoEnrollment {
		if !opts.ByReset { // resets enroll an OU's accounts together: no bound per move
			rep.OUBound = time.Duration(largestShare(opts.Accounts, nOUs)) * opts.ProvisioningTime
		}
		rep.Moves = measureMoves(rt.Sim, rt.Clock.Now())
	}
	rep.Misplaced = misplaced(rt, results, batch, requestOUsByID("bench", opts.Accounts, ous))

	calls := diffCalls(rt.Sim.Calls(), before)
	_, peak, refused := rt.Sim.AccountOperations()
	l := smp.load(last)
	rep.PeakRunning, rep.PeakUnderChange, rep.Refused = peak, l.peakUnderChange, refused
	rep.Utilization = float64(l.busy) / float64(time.Duration(opts.Concurrency)*rep.Makespan)
	if !l.lastEnd.IsZero() {
		rep.Timeline.Tail = last.Sub(l.lastEnd)
		// Between the first start and the last end, slot-time not used by an
		// operation is hand-off time; the last wave's empty slots are not.
		span := l.lastEnd.Sub(start)
		lastWave := opts.Accounts % opts.Concurrency
		idle := time.Duration(opts.Concurrency)*span - l.busy
		if lastWave != 0 {
			idle -= time.Duration(opts.Concurrency-lastWave) * opts.ProvisioningTime
		}
		if l.starts > 0 {
			rep.Timeline.HandOff = idle / time.Duration(l.starts)
		}
	}

	xs := rt.Sim.Executions()
	h := countHistories(xs)
	rep.HistoryEventsPerAccount = float64(h.events) / float64(opts.Accounts)
	rep.StateTransitionsPerAccount = float64(h.transitions) / float64(opts.Accounts)
	rep.TaskRetriesPerAccount = float64(h.retries) / float64(opts.Accounts)
	rep.GateWaitsPerAccount = float64(h.gateWaits) / float64(opts.Accounts)
	rep.MaxHistoryEvents = h.maxEvents

	lambda, throttled := inv.snapshot()
	// The SQS event source mapping invokes intake outside the simulator: one
	// invocation per non-empty receive, each ending in one DeleteMessageBatch
	// (exact when no call is throttled, as here).
	lambda["intake"] = calls["sqs"]["DeleteMessageBatch"]
	delete(lambda, "notification-collector")
	rep.LambdaPerAccount = perAccount(lambda, opts.Accounts)
	rep.LambdaPerAccountTotal = sum(rep.LambdaPerAccount)
	rep.LambdaThrottled = throttled
	rep.APICalls = calls
	byAccounts := withoutPoller(calls)
	rep.APICallsPerAccount = perAccount(serviceTotals(byAccounts), opts.Accounts)
	rep.APICallsPerAccountTotal = sum(rep.APICallsPerAccount)
	rep.SearchProvisionedProductsPerAccount = float64(calls["servicecatalog"]["SearchProvisionedProducts"]) / float64(opts.Accounts)
	rep.QueuePollerReceiveMessage = calls["sqs"]["ReceiveMessage"]
	if rep.Makespan > 0 {
		rep.QueuePollerReceiveMessagePerHour = float64(rep.QueuePollerReceiveMessage) / rep.Makespan.Hours()
	}
	rep.LifecycleEvents = LifecycleEvents{Delivered: countLifecycleEvents(rt.Sim.BusEvents("default")), Dropped: len(rt.Sim.DroppedLifecycleEvents())}

	sm := measureSchedule(rt.Sim.OperationTimings(), gatherFacts(xs, rt.Notifications(), batch), batch, opts.Concurrency, start)
	rep.Timeline.GateWait, rep.Timeline.Detection, rep.Timeline.StatusChecks, rep.Timeline.AfterOperation =
		sm.timeline.GateWait, sm.timeline.Detection, sm.timeline.StatusChecks, sm.timeline.AfterOperation
	rep.IdealSchedule = sm.ideal
	if sm.ideal.Makespan > 0 {
		rep.RatioToSchedule = float64(rep.Makespan) / float64(sm.ideal.Makespan)
	}
	rep.DetectionLag, rep.HandOff = lagStats(sm.detection), lagStats(sm.handOffs)

	rep.Cost = smp.cost(wall)
	if opts.Picture {
		title := fmt.Sprintf("towervend bench: %d accounts, %d Control Tower slots, %s each", opts.Accounts, opts.Concurrency, opts.ProvisioningTime)
		if backend != vend.ProvisioningAccountFactory || nOUs != len(benchOUs) {
			title += fmt.Sprintf(", %s over %d OUs", backend, nOUs)
		}
		rep.Picture = picture(rt, title)
	}
	return rep, nil
}

// picture is the run's timeline, titled.
func picture(rt *local.Runtime, title string) *timeline.Run {
	run := rt.Timeline()
	run.Title = title
	return &run
}

// sortedCounts lists a count map as "name n" pairs in name order.
func sortedCounts(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s %d", k, m[k]))
	}
	return out
}
