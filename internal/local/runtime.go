// Package local runs towervend the way AWS would, on the simulated world: the
// request queue, a Lambda-style event-source poller (batches, visibility
// timeout, partial batch failures, dead-letter after maxReceiveCount), intake,
// the very same state machine file on the simulated Step Functions, the steps,
// simulated Control Tower, its lifecycle events through the same EventBridge
// patterns the stack deploys, and the lifecycle function. Notifications are
// collected. Everything runs on a virtual clock, so hours of Control Tower time
// pass in a moment and a run repeats exactly for a given world seed.
//
// It may import everything below it (deploy, awssim, vend, handler, rules,
// policy, statemachine, asl, clock); only the CLI and bench import it.
package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/rules"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// emptyPollWait is how long the poller waits after an empty receive (SQS long polling).
const emptyPollWait = 20 * time.Second

// Options configure a Runtime.
type Options struct {
	// World is the simulated organization; nil means the embedded demo world.
	World *awssim.World
	// Policy is the vending policy; nil means internal/policy/default.json.
	Policy *policy.Policy
	// Definition is the state machine; nil means statemachine/vending.asl.json.
	Definition []byte
	// Pace slows the virtual clock to simulated seconds per real second; 0 runs flat out.
	Pace float64
	// Log receives the functions' JSON logs; nil discards them.
	Log *slog.Logger
	// OnEvent, when set, sees every state change as it happens.
	OnEvent func(Event)
	// RealSpeed, when set, runs the world on the wall clock sped up this many
	// times (for `towervend sim`, where callers arrive from outside); use Serve.
	RealSpeed float64
	// MaxSimulatedTime stops a run that has not finished (default 14 days).
	MaxSimulatedTime time.Duration
	// Quiet is how long nothing must happen before a run counts as finished (default 10m).
	Quiet time.Duration
	// Revoke removes grants for the run, by function: each entry is an IAM
	// action ("organizations:ListTagsForResource") taken out of every statement
	// of that function's policy, to see what the permission is for.
	Revoke map[string][]string
	// ConcurrencyLimit is towervend's own limit of Account Factory operations
	// at once (vend.Config.ConcurrencyLimit, the stack's concurrencyLimit); 0
	// means the world's Control Tower quota. More than the quota is refused.
	ConcurrencyLimit int
	// Provisioning is the provisioning backend (vend.Config.Provisioning:
	// accountFactory, the default, autoEnrollment or auto).
	Provisioning string
}

// Event is one state change during a run.
type Event struct {
	Time      time.Time
	RequestID string
	// Kind is "state" (a workflow step started), "notification" or "execution" (an execution ended).
	Kind   string
	State  string
	Detail string
}

// Runtime is towervend wired to a simulated world.
type Runtime struct {
	Sim   *awssim.Sim
	Clock clock.Clock
	Deps  *vend.Deps
	// virtual is Clock when the run is on a virtual clock (Run); nil on a real one (Serve).
	virtual *clock.Virtual

	// QueueURL is the request queue, DeadLetterURL its dead-letter queue,
	// RejectedURL where intake keeps the messages it rejects.
	QueueURL, DeadLetterURL, RejectedURL, StateMachineArn string
	// LifecycleFailedURL keeps the lifecycle events the lifecycle function
	// failed on (its on-failure destination) or EventBridge could not deliver.
	LifecycleFailedURL string
	// WaitsTableArn is the table of waiting executions' task tokens.
	WaitsTableArn string
	// FunctionARNs maps function names (functions/<name>) to their simulated ARNs.
	FunctionARNs map[string]string

	opts  Options
	start time.Time

	// depsAs builds a function's dependencies signed as its role;
	// functionDeps are those of the deployed functions.
	depsAs       func(aws.Config) *vend.Deps
	functionDeps []*vend.Deps
	// roleKeys are the access keys of the functions' roles, by function name.
	roleKeys map[string]string

	mu            sync.Mutex
	notifications []vend.Notification
	submitted     map[string]time.Time
	order         []string
	lastActivity  time.Time
	// started is when each execution started; skipped holds the executions
	// that ended with nothing to do (Validate's skipped plan), which send no
	// notification.
	started map[string]time.Time
	skipped map[string]Result
	// worldErrs are the world's happenings that failed.
	worldErrs []error
	// work is what Go started, which Run waits for (steps.go).
	work scheduled
	// messages are the inputs submitted, in order (messages.go).
	messages []message
	// running is set while Run lets the clock move (setup.go).
	running atomic.Bool
}

// New builds the world and deploys towervend into it: queues, buses, rules,
// functions and the state machine, as the stack does on AWS.
func New(ctx context.Context, opts Options) (*Runtime, error) {
	w := opts.World
	if w == nil {
		w = awssim.DefaultWorld()
	}
	if opts.MaxSimulatedTime == 0 {
		opts.MaxSimulatedTime = 14 * 24 * time.Hour
	}
	if opts.Quiet == 0 {
		opts.Quiet = 10 * time.Minute
	}
	pol := opts.Policy
	if pol == nil {
		p, err := policy.Parse(policy.Default())
		if err != nil {
			return nil, fmt.Errorf("default policy: %w", err)
		}
		pol = p
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var clk, queueClock clock.Clock
	var virtual *clock.Virtual
	if opts.RealSpeed > 0 {
		// Served to real programs: SQS runs on the wall clock whatever the
		// world's speed, so their visibility timeouts and long polls last
		// what they say.
		clk = clock.NewReal(opts.RealSpeed)
		queueClock = clock.NewReal(1)
	} else {
		virtual = clock.NewVirtual(w.Start, opts.Pace)
		clk = virtual
	}
	r := &Runtime{Clock: clk, virtual: virtual, opts: opts, start: clk.Now(), submitted: map[string]time.Time{}, FunctionARNs: map[string]string{}, roleKeys: map[string]string{},
		started: map[string]time.Time{}, skipped: map[string]Result{}}
	sim, err := awssim.New(w, awssim.Options{Clock: clk, QueueClock: queueClock, OnHappening: r.happened})
	if err != nil {
		return nil, fmt.Errorf("simulated world: %w", err)
	}
	r.Sim = sim
	cfg := sim.Config()
	limit, err := ConcurrencyLimit(opts.ConcurrencyLimit, w.ControlTower.ConcurrentAccountOperations)
	if err != nil {
		return nil, err
	}
	conf := vend.Config{Region: sim.Region(), ManagementAccountID: sim.ManagementAccountID(), NotificationBus: "towervend", ConcurrencyLimit: limit,
		Provisioning: opts.Provisioning}
	jitter := newJitter(w.Seed)
	clientOpts := vend.ClientOptions{Backoff: vend.ClockBackoff{Clock: clk, Rand: jitter}, NoRetryQuota: true}
	r.Deps = vend.NewDeps(cfg, pol, conf, clk, log, clientOpts)
	r.depsAs = func(cfg aws.Config) *vend.Deps { return vend.NewDeps(cfg, pol, r.Deps.Config, clk, log, clientOpts) }
	if err := r.deploy(ctx); err != nil {
		return nil, r.setupFailure(err)
	}
	return r, nil
}

func (r *Runtime) functionArn(name string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:towervend-%s", r.Sim.Region(), r.Sim.ManagementAccountID(), name)
}

// deploy creates towervend's resources in the simulated account through the
// real SDK clients, as CloudFormation would.
func (r *Runtime) deploy(ctx context.Context) error {
	began := r.Clock.Now()
	cfg := r.withRetries(r.Sim.Config())
	q := sqs.NewFromConfig(cfg)
	urls := map[string]string{}
	for _, spec := range deploy.Queues {
		url, err := createQueue(ctx, q, *spec, urls)
		if err != nil {
			return err
		}
		urls[spec.Name] = url
	}
	r.QueueURL, r.DeadLetterURL, r.RejectedURL = urls[deploy.RequestQueue.Name], urls[deploy.DeadLetterQueue.Name], urls[deploy.RejectedQueue.Name]
	r.Deps.Config.RejectedQueueURL = r.RejectedURL
	if err := r.createWaitsTable(ctx); err != nil {
		return err
	}

	// The functions, each with the concurrency it has on AWS and calling as
	// its own role (its policy is set once the resources it names exist).
	for _, f := range deploy.Functions {
		arn := r.functionArn(f.Name)
		r.FunctionARNs[f.Name] = arn
		key, err := r.Sim.AddRole(f.DeployedName())
		if err != nil {
			return fmt.Errorf("function %s: %w", f.Name, err)
		}
		r.roleKeys[f.Name] = key
		d := r.depsAs(r.Sim.ConfigAs(key))
		r.functionDeps = append(r.functionDeps, d)
		fn := f.Handler(d)
		switch {
		case f.Reserved == 1:
			fn = reservedConcurrencyOne(fn)
		case f.Reserved > 1:
			return fmt.Errorf("function %s: the local runtime models a reserved concurrency of 1 only, not %d", f.Name, f.Reserved)
		}
		r.Sim.DeployFunction(arn, awssim.Function(fn), r.functionConfig(f))
	}
	r.Sim.RegisterFunction(r.functionArn("notification-collector"), r.collect)

	// The buses and rules.
	eb := eventbridge.NewFromConfig(cfg)
	bus, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(deploy.NotificationBus)})
	if err != nil {
		return fmt.Errorf("create notification bus: %w", err)
	}
	busArn := aws.ToString(bus.EventBusArn)
	if err := putRule(ctx, eb, deploy.NotificationBus, rules.Notifications, ebtypes.Target{Arn: aws.String(r.functionArn("notification-collector"))}); err != nil {
		return err
	}
	// Lifecycle events nothing may lose: the lifecycle function's on-failure
	// destination and its rules' dead-letter queue are the lifecycle-failed
	// queue, as the stack deploys them.
	lost := r.queueArn(deploy.LifecycleFailedQueue.Name)
	if err := r.Sim.ConfigureFunction(r.FunctionARNs["lifecycle"], awssim.AsyncConfig{MaximumRetryAttempts: 2, OnFailure: lost}); err != nil {
		return fmt.Errorf("lifecycle function: %w", err)
	}
	r.LifecycleFailedURL = urls[deploy.LifecycleFailedQueue.Name]
	for _, rule := range append(rules.Lifecycle(), rules.LifecycleSchedules()...) {
		target := ebtypes.Target{Arn: aws.String(r.FunctionARNs["lifecycle"]), DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(lost)}}
		if err := putRule(ctx, eb, "default", rule, target); err != nil {
			return err
		}
	}
	if err := r.deployForwarder(ctx); err != nil {
		return err
	}

	// The state machine, with the same substitutions the stack makes.
	def := r.opts.Definition
	if def == nil {
		def = statemachine.Definition()
	}
	subs := map[string]string{}
	for sub, f := range deploy.Substitutions() {
		subs[sub] = r.FunctionARNs[f.Name]
	}
	def, err = asl.Substitute(def, subs)
	if err != nil {
		return fmt.Errorf("state machine: %w", err)
	}
	sf := sfn.NewFromConfig(cfg)
	sm, err := sf.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(deploy.StateMachineName), Definition: aws.String(string(def)),
		RoleArn: aws.String(fmt.Sprintf("arn:aws:iam::%s:role/towervend-statemachine", r.Sim.ManagementAccountID()))})
	if err != nil {
		return fmt.Errorf("create state machine: %w", err)
	}
	r.StateMachineArn = aws.ToString(sm.StateMachineArn)
	r.Deps.Config.StateMachineArn = r.StateMachineArn
	for _, d := range r.functionDeps {
		d.Config.StateMachineArn = r.StateMachineArn
	}
	if err := r.grant(busArn); err != nil {
		return err
	}
	if err := r.associatePortfolio(ctx); err != nil {
		return err
	}
	if err := r.recordStack(began, busArn); err != nil {
		return fmt.Errorf("record the deployment as stack %s: %w", deploy.HomeStackName, err)
	}
	r.Sim.SetExecutionObserver(r.observe)
	return nil
}

// createWaitsTable creates the waits table as the stack does: on demand,
// encrypted, with its time to live.
func (r *Runtime) createWaitsTable(ctx context.Context) error {
	spec := deploy.WaitsTable
	db := dynamodb.NewFromConfig(r.withRetries(r.Sim.Config()))
	out, err := db.CreateTable(ctx, spec.CreateInput())
	if err != nil {
		return fmt.Errorf("create table %s: %w", spec.Name, err)
	}
	if _, err := db.UpdateTimeToLive(ctx, spec.TimeToLiveInput()); err != nil {
		return fmt.Errorf("table %s: time to live: %w", spec.Name, err)
	}
	r.WaitsTableArn = aws.ToString(out.TableDescription.TableArn)
	r.Deps.Config.WaitTable = spec.Name
	return nil
}

// deployForwarder installs what the stack's forwarder stack deploys in
// us-east-1: Organizations' events arrive only there, and its rules send them
// on to the home Region's default bus. With us-east-1 as the home Region the
// lifecycle rules see them directly and there is nothing to forward.
func (r *Runtime) deployForwarder(ctx context.Context) error {
	if r.Sim.Region() == awssim.OrganizationsRegion {
		return nil
	}
	cfg := r.withRetries(r.Sim.Config())
	cfg.Region = awssim.OrganizationsRegion
	eb := eventbridge.NewFromConfig(cfg)
	home := fmt.Sprintf("arn:aws:events:%s:%s:event-bus/default", r.Sim.Region(), r.Sim.ManagementAccountID())
	for _, rule := range rules.Forwarded() {
		if err := putRule(ctx, eb, "default", rule, ebtypes.Target{Arn: aws.String(home)}); err != nil {
			return fmt.Errorf("forwarder: %w", err)
		}
	}
	return nil
}

// createQueue creates one queue of the table with its settings, as the stack
// does, and returns its URL; created holds the URLs of the queues made before it.
func createQueue(ctx context.Context, q *sqs.Client, spec deploy.Queue, created map[string]string) (string, error) {
	attrs := map[string]string{"MessageRetentionPeriod": strconv.Itoa(int(spec.Retention / time.Second))}
	if spec.VisibilityTimeout > 0 {
		attrs["VisibilityTimeout"] = strconv.Itoa(int(spec.VisibilityTimeout / time.Second))
	}
	if spec.DeadLetter != nil {
		dlq, ok := created[spec.DeadLetter.Name]
		if !ok {
			return "", fmt.Errorf("queue %s: its dead-letter queue %s must come first in deploy.Queues", spec.Name, spec.DeadLetter.Name)
		}
		got, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(dlq),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return "", fmt.Errorf("queue %s: read its dead-letter queue: %w", spec.Name, err)
		}
		redrive, _ := json.Marshal(map[string]any{"deadLetterTargetArn": got.Attributes["QueueArn"], "maxReceiveCount": spec.MaxReceiveCount})
		attrs["RedrivePolicy"] = string(redrive)
	}
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(spec.Name), Attributes: attrs})
	if err != nil {
		return "", fmt.Errorf("create queue %s: %w", spec.Name, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// queueArn is the ARN of a queue towervend deployed.
func (r *Runtime) queueArn(name string) string {
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", r.Sim.Region(), r.Sim.ManagementAccountID(), name)
}

func putRule(ctx context.Context, eb *eventbridge.Client, bus string, rule rules.Rule, target ebtypes.Target) error {
	in := &eventbridge.PutRuleInput{Name: aws.String(rule.Name), EventBusName: aws.String(bus), Description: aws.String(rule.Description)}
	if rule.Schedule != "" {
		in.ScheduleExpression = aws.String(rule.Schedule)
	} else {
		in.EventPattern = aws.String(rule.JSON())
	}
	if _, err := eb.PutRule(ctx, in); err != nil {
		return fmt.Errorf("rule %s: %w", rule.Name, err)
	}
	target.Id = aws.String("towervend")
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rule.Name), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{target}}); err != nil {
		return fmt.Errorf("rule %s targets: %w", rule.Name, err)
	}
	return nil
}

// Run lets the world run until every submitted request reached a final state
// and nothing has happened for a while, then holds the clock so the world can
// be inspected. It can be called again after more work is submitted or redriven.
func (r *Runtime) Run(ctx context.Context) error {
	if r.virtual == nil {
		return fmt.Errorf("run: this runtime is on a real clock; use Serve")
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	// The check below ends the run from inside the clock and queues the
	// hold at that instant: the world is inspected as it was when the run
	// ended, however long this goroutine takes to get there.
	var held func()
	r.mu.Lock()
	r.lastActivity = r.Clock.Now()
	r.mu.Unlock()
	deadline := r.Clock.Now().Add(r.opts.MaxSimulatedTime)
	r.Clock.Go(func() { r.poll(runCtx) })
	r.running.Store(true)
	r.Clock.Go(func() {
		for {
			if err := r.Clock.Sleep(runCtx, 30*time.Second); err != nil {
				return
			}
			if r.finished() && r.work.pending() == 0 {
				held = r.virtual.HoldNext()
				done <- nil
				cancel()
				return
			}
			if r.Clock.Now().After(deadline) {
				held = r.virtual.HoldNext()
				done <- fmt.Errorf("the run did not finish within %s of simulated time%s", r.opts.MaxSimulatedTime, r.unfinished())
				cancel()
				return
			}
		}
	})
	r.virtual.Release()
	var err error
	select {
	case err = <-done:
		cancel()
		held()
	case <-ctx.Done():
		err = ctx.Err()
		cancel()
		r.virtual.Hold()
	}
	r.running.Store(false)
	if err == nil {
		r.mu.Lock()
		err = errors.Join(r.worldErrs...)
		r.mu.Unlock()
	}
	return err
}

// Serve runs the event-source poller on a real-clock runtime until ctx ends,
// so requests sent to the queue from outside are vended.
func (r *Runtime) Serve(ctx context.Context) {
	r.Clock.Go(func() { r.poll(ctx) })
	<-ctx.Done()
}

// finished reports whether every submitted request has a final state, no
// execution runs, the queue is empty and the world has been quiet for a while.
// unfinished says what is still running, for a run that did not finish:
// the executions running, by the state each is in.
func (r *Runtime) unfinished() string {
	by := map[string]int{}
	var example = map[string]string{}
	for _, x := range r.Sim.Executions() {
		if x.Status() != asl.StatusRunning {
			continue
		}
		st := x.CurrentState()
		by[st]++
		if example[st] == "" {
			example[st] = x.Info().Name
		}
	}
	var parts []string
	if v, inflight := r.Sim.QueueDepth(r.QueueURL); v+inflight > 0 {
		parts = append(parts, fmt.Sprintf("%d messages on the request queue", v+inflight))
	}
	if n := r.Sim.PendingHappenings(); n > 0 {
		parts = append(parts, fmt.Sprintf("%d world happenings to come", n))
	}
	if w := r.pendingWork(); w != "" {
		parts = append(parts, w)
	}
	if open := r.withoutFinalState(); len(open) > 0 {
		parts = append(parts, fmt.Sprintf("%d requests without a final notification (e.g. %s)", len(open), open[0]))
	}
	for _, st := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%d executions running in %s (e.g. %s)", by[st], st, example[st]))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// withoutFinalState lists the requests no final notification announced.
func (r *Runtime) withoutFinalState() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	final := r.finalStates()
	var open []string
	for _, id := range r.order {
		if !final[id] && id[0] != '(' {
			open = append(open, id)
		}
	}
	return open
}

// finalStates tells, for each request announced, whether its latest
// announcement is final. The lock is held.
func (r *Runtime) finalStates() map[string]bool {
	final := map[string]bool{}
	for _, n := range r.notifications {
		switch n.State {
		case vend.StateSucceeded, vend.StateRejected, vend.StateFailed:
			final[n.RequestID] = true
		case vend.StateAccepted:
			final[n.RequestID] = false
		}
	}
	for id := range r.skipped {
		final[id] = true
	}
	return final
}

func (r *Runtime) finished() bool {
	if r.Sim.RunningExecutions() > 0 {
		return false
	}
	if v, inflight := r.Sim.QueueDepth(r.QueueURL); v+inflight > 0 {
		return false
	}
	if r.Sim.PendingHappenings() > 0 {
		return false // the run is not finished before the world's happenings
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	final := r.finalStates()
	for _, id := range r.order {
		if !final[id] && id[0] != '(' {
			return false
		}
	}
	return r.Clock.Now().Sub(r.lastActivity) >= r.opts.Quiet
}

// poll is the SQS event source mapping: receive a batch, invoke intake, delete
// what it took and leave its batch item failures for SQS to deliver again.
// Like Lambda's, it polls with the function's execution role.
func (r *Runtime) poll(ctx context.Context) {
	q := sqs.NewFromConfig(r.withRetries(r.Sim.ConfigAs(r.roleKeys["intake"])))
	// The deployed intake function, calling as its own role.
	intake := r.Sim.Function(r.FunctionARNs["intake"])
	for ctx.Err() == nil {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(r.QueueURL), MaxNumberOfMessages: deploy.IntakeBatchSize,
			VisibilityTimeout: int32(deploy.RequestQueue.VisibilityTimeout / time.Second), MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil || len(out.Messages) == 0 {
			if r.Clock.Sleep(ctx, emptyPollWait) != nil {
				return
			}
			continue
		}
		ev := lambdaevents.SQSEvent{}
		handles := map[string]string{}
		for _, m := range out.Messages {
			attrs := map[string]string{}
			for k, v := range m.Attributes {
				attrs[k] = v
			}
			ev.Records = append(ev.Records, lambdaevents.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
				Body: aws.ToString(m.Body), Md5OfBody: aws.ToString(m.MD5OfBody), Attributes: attrs, EventSource: "aws:sqs",
				EventSourceARN: "arn:aws:sqs:" + r.Sim.Region() + ":" + r.Sim.ManagementAccountID() + ":towervend-requests", AWSRegion: r.Sim.Region()})
			handles[aws.ToString(m.MessageId)] = aws.ToString(m.ReceiptHandle)
		}
		payload, _ := json.Marshal(ev)
		res, err := intake(ctx, payload)
		if err != nil {
			// The whole batch failed: SQS makes it visible again after the timeout.
			continue
		}
		var resp lambdaevents.SQSEventResponse
		_ = json.Unmarshal(res, &resp)
		for _, f := range resp.BatchItemFailures {
			delete(handles, f.ItemIdentifier)
		}
		var entries []sqstypes.DeleteMessageBatchRequestEntry
		for id, h := range handles {
			entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(id), ReceiptHandle: aws.String(h)})
		}
		sort.Slice(entries, func(i, j int) bool { return aws.ToString(entries[i].Id) < aws.ToString(entries[j].Id) })
		if len(entries) > 0 {
			_, _ = q.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(r.QueueURL), Entries: entries})
		}
	}
}

// collect is the notification bus's target: it keeps every notification.
func (r *Runtime) collect(_ context.Context, payload []byte) ([]byte, error) {
	var ev struct {
		Detail vend.Notification `json:"detail"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.notifications = append(r.notifications, ev.Detail)
	r.lastActivity = r.Clock.Now()
	if _, seen := r.submitted[ev.Detail.RequestID]; !seen && ev.Detail.RequestID != "" {
		// Work towervend started by itself (lifecycle events) joins the report.
		r.joinReport(ev.Detail.RequestID)
	}
	r.mu.Unlock()
	if r.opts.OnEvent != nil {
		detail := ev.Detail.Reason
		if ev.Detail.State == vend.StateSucceeded && ev.Detail.AccountID != "" {
			detail = "account " + ev.Detail.AccountID
		}
		r.opts.OnEvent(Event{Time: r.Clock.Now(), RequestID: ev.Detail.RequestID, Kind: "notification", State: ev.Detail.State, Detail: detail})
	}
	return nil, nil
}

// joinReport adds work towervend started by itself (a lifecycle event) to the
// report, timed from its execution's start. r.mu is held.
func (r *Runtime) joinReport(id string) {
	at, ok := r.started[id]
	if !ok {
		at = r.Clock.Now()
	}
	r.submitted[id] = at
	r.order = append(r.order, id)
}

// skippedOutput is what the report reads from the output of an execution that
// ended at the Skipped state.
type skippedOutput struct {
	Outcome string `json:"outcome"`
	Request struct {
		Action  string `json:"action"`
		Account struct {
			ID string `json:"id"`
		} `json:"account"`
	} `json:"request"`
	Plan struct {
		SkipReason string `json:"skipReason"`
	} `json:"plan"`
}

// observe turns workflow history into progress events.
func (r *Runtime) observe(x *asl.Execution, ev asl.HistoryEvent) {
	name := x.Info().Name
	r.mu.Lock()
	r.lastActivity = r.Clock.Now()
	switch ev.Type {
	case asl.ExecutionStarted:
		if _, ok := r.started[name]; !ok {
			r.started[name] = ev.Timestamp
		}
	case asl.ExecutionSucceeded:
		var out skippedOutput
		if json.Unmarshal(ev.Output, &out) == nil && out.Outcome == "skipped" {
			if _, seen := r.submitted[name]; !seen {
				r.joinReport(name)
			}
			r.skipped[name] = Result{RequestID: name, Action: out.Request.Action, Status: "SKIPPED", AccountID: out.Request.Account.ID,
				Reason: out.Plan.SkipReason, Duration: ev.Timestamp.Sub(r.submitted[name])}
		}
	}
	r.mu.Unlock()
	if r.opts.OnEvent == nil {
		return
	}
	switch ev.Type {
	case asl.TaskStateEntered:
		r.opts.OnEvent(Event{Time: ev.Timestamp, RequestID: x.Info().Name, Kind: "state", State: ev.StateName})
	case asl.ExecutionFailed, asl.ExecutionTimedOut, asl.ExecutionAborted, asl.ExecutionSucceeded:
		r.opts.OnEvent(Event{Time: ev.Timestamp, RequestID: x.Info().Name, Kind: "execution", State: string(x.Status())})
	}
}

// Notifications returns every notification so far.
func (r *Runtime) Notifications() []vend.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]vend.Notification(nil), r.notifications...)
}

// Elapsed is the simulated time since the world started.
func (r *Runtime) Elapsed() time.Duration { return r.Clock.Now().Sub(r.start) }

// happened records one of the world's happenings (World.Happenings, which
// the simulator makes happen on its clock) and tells OnEvent, Kind "world";
// one that failed makes Run return its error.
func (r *Runtime) happened(h awssim.Happened) {
	r.mu.Lock()
	r.lastActivity = r.Clock.Now()
	if h.Err != nil {
		r.worldErrs = append(r.worldErrs, fmt.Errorf("%s: %w", h.What, h.Err))
	}
	r.mu.Unlock()
	if r.opts.OnEvent == nil {
		return
	}
	detail := h.What
	if h.Err != nil {
		detail = h.What + ": " + h.Err.Error()
	}
	r.opts.OnEvent(Event{Time: r.Clock.Now(), Kind: "world", Detail: detail})
}
