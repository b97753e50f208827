package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/clock"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/vend"
)

// ColdStartOptions configure a cold-start measurement.
type ColdStartOptions struct {
	// Dir holds the built functions as Dir/<function>/bootstrap, built for
	// this machine's OS and architecture (make coldstart builds them).
	Dir string
	// Runs is how many cold starts to measure per function (default 5).
	Runs int
	// Timeout bounds one start (default 20s).
	Timeout time.Duration
}

// ColdStartReport is the cold starts measured, one entry per function.
type ColdStartReport struct {
	Functions []FunctionColdStart `json:"functions"`
	Runs      int                 `json:"runs"`
}

// FunctionColdStart is one function's cold starts. Init is from starting the
// process to its first request for an event (/runtime/invocation/next: what
// Lambda reports as Init Duration); First is from starting the process to
// its answer to that event (/response or /error). Both are sorted.
type FunctionColdStart struct {
	Function string          `json:"function"`
	Bytes    int64           `json:"bytes"`
	Event    string          `json:"event"`
	Outcome  string          `json:"outcome"` // response or error (the function's answer to the event)
	Detail   string          `json:"detail,omitempty"`
	Init     []time.Duration `json:"init"`
	First    []time.Duration `json:"first"`
}

// ColdStart starts every function in opts.Dir Runs times against an emulated
// Lambda runtime API on loopback and measures the time to its first handled
// event. The AWS calls the handlers make go to the simulated world (with
// towervend deployed in it) served on loopback, so nothing reaches the
// network. The events come from running the sample requests (events/requests)
// on the local runtime first: each workflow step gets the first payload the
// state machine gave it, lifecycle the first event EventBridge delivered to
// it, intake an SQS event carrying the first sample request again; the world
// they refer to is that run's, served with its clock following the wall clock.
func ColdStart(ctx context.Context, opts ColdStartOptions) (*ColdStartReport, error) {
	if opts.Runs == 0 {
		opts.Runs = 5
	}
	if opts.Timeout == 0 {
		opts.Timeout = 20 * time.Second
	}
	bins, err := filepath.Glob(filepath.Join(opts.Dir, "*", "bootstrap"))
	if err != nil || len(bins) == 0 {
		return nil, fmt.Errorf("coldstart: no %s/<function>/bootstrap binaries (make coldstart builds them for this machine)", opts.Dir)
	}
	rt, payloads, err := samplePayloads(ctx)
	if err != nil {
		return nil, err
	}
	env, stop, err := serveAWS(rt)
	if err != nil {
		return nil, err
	}
	defer stop()

	rep := &ColdStartReport{Runs: opts.Runs}
	for _, bin := range bins {
		name := filepath.Base(filepath.Dir(bin))
		ev, ok := payloads[name]
		if !ok {
			return nil, fmt.Errorf("coldstart: no sample event for function %q", name)
		}
		info, err := os.Stat(bin)
		if err != nil {
			return nil, fmt.Errorf("coldstart: %w", err)
		}
		fc := FunctionColdStart{Function: name, Bytes: info.Size(), Event: ev.name}
		for range opts.Runs {
			// Start on a fresh second: the simulator meters Identity Center at
			// AWS's 20 calls a second across callers, and back-to-back starts
			// would measure its throttling instead of the start.
			time.Sleep(startGap)
			res, err := coldStartOnce(ctx, bin, env, name, ev.body, opts.Timeout)
			if err != nil {
				return nil, fmt.Errorf("coldstart %s: %w", name, err)
			}
			fc.Init = append(fc.Init, res.init)
			fc.First = append(fc.First, res.first)
			fc.Outcome, fc.Detail = res.outcome, res.detail
		}
		slices.Sort(fc.Init)
		slices.Sort(fc.First)
		rep.Functions = append(rep.Functions, fc)
	}
	return rep, nil
}

type samplePayload struct {
	name string
	body []byte
}

// samplePayloads runs the sample requests on the local runtime and keeps the
// first payload the state machine sent each function, plus events for intake
// and lifecycle. The runtime it returns holds the world those payloads refer
// to, its clock stopped at the end of the run.
func samplePayloads(ctx context.Context) (*local.Runtime, map[string]samplePayload, error) {
	rt, err := local.New(ctx, local.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("coldstart: sample run: %w", err)
	}
	files, err := fs.Glob(events.FS, "requests/*.json")
	if err != nil {
		return nil, nil, fmt.Errorf("coldstart: samples: %w", err)
	}
	var bodies [][]byte
	for _, f := range files {
		b, err := fs.ReadFile(events.FS, f)
		if err != nil {
			return nil, nil, fmt.Errorf("coldstart: samples: %w", err)
		}
		bodies = append(bodies, b)
	}
	// Keep the first event EventBridge hands the lifecycle function: Control
	// Tower's real-shaped event for an account of this world.
	var mu sync.Mutex
	var lifecycleEvent []byte
	if arn := rt.FunctionARNs["lifecycle"]; rt.Sim.Function(arn) != nil {
		fn := rt.Sim.Function(arn)
		rt.Sim.RegisterFunction(arn, func(ctx context.Context, payload []byte) ([]byte, error) {
			mu.Lock()
			if lifecycleEvent == nil {
				lifecycleEvent = slices.Clone(payload)
			}
			mu.Unlock()
			return fn(ctx, payload)
		})
	}
	if err := rt.Submit(ctx, bodies...); err != nil {
		return nil, nil, err
	}
	if err := rt.Run(ctx); err != nil {
		return nil, nil, fmt.Errorf("coldstart: sample run: %w", err)
	}
	byArn := map[string]string{}
	for name, arn := range rt.FunctionARNs {
		byArn[arn] = name
	}
	out := map[string]samplePayload{}
	for _, x := range rt.Sim.Executions() {
		state := ""
		for _, ev := range x.History() {
			if ev.Type == asl.TaskStateEntered {
				state = ev.StateName
			}
			if ev.Type != asl.TaskScheduled {
				continue
			}
			var p struct {
				FunctionName string          `json:"FunctionName"`
				Payload      json.RawMessage `json:"Payload"`
			}
			if json.Unmarshal(ev.Parameters, &p) != nil {
				continue
			}
			name := byArn[p.FunctionName]
			if _, seen := out[name]; name != "" && !seen {
				out[name] = samplePayload{name: "payload of " + x.Info().Name + " " + state, body: p.Payload}
			}
		}
	}
	create, err := fs.ReadFile(events.FS, "requests/01-create.json")
	if err != nil {
		return nil, nil, fmt.Errorf("coldstart: samples: %w", err)
	}
	sqsEvent, err := json.Marshal(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{{MessageId: "coldstart-1", Body: string(create),
		EventSource: "aws:sqs", AWSRegion: rt.Sim.Region()}}})
	if err != nil {
		return nil, nil, fmt.Errorf("coldstart: %w", err)
	}
	out["intake"] = samplePayload{name: "SQS event: events/requests/01-create.json again", body: sqsEvent}
	mu.Lock()
	defer mu.Unlock()
	if lifecycleEvent == nil {
		return nil, nil, fmt.Errorf("coldstart: the sample run sent the lifecycle function no event")
	}
	out["lifecycle"] = samplePayload{name: "the first lifecycle event of the samples (" + jsonString(lifecycleEvent, "detail-type") + ")", body: lifecycleEvent}
	return rt, out, nil
}

// serveAWS serves rt's simulated world on loopback and returns the
// environment a function needs to use it. From the instant the sample run
// ended, the world's clock follows the wall clock, so the simulator's rate
// limits (Identity Center's 20 TPS) refill as on AWS and work the functions
// start runs.
func serveAWS(rt *local.Runtime) (env []string, stop func(), err error) {
	v, ok := rt.Clock.(*clock.Virtual)
	if !ok {
		return nil, nil, fmt.Errorf("coldstart: the sample run is not on a virtual clock")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("coldstart: %w", err)
	}
	tickCtx, stopTicks := context.WithCancel(context.Background())
	v.Go(func() {
		for {
			// Holding the clock while the wall clock moves, then letting the
			// simulated time catch up, keeps the two in step.
			time.Sleep(wallTick)
			if v.Sleep(tickCtx, wallTick) != nil {
				return
			}
		}
	})
	v.Release()
	srv := &http.Server{Handler: rt.Sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	dir, err := os.MkdirTemp("", "towervend-coldstart")
	if err != nil {
		stopTicks()
		_ = srv.Close()
		return nil, nil, fmt.Errorf("coldstart: %w", err)
	}
	policyFile := filepath.Join(dir, "policy.json")
	if err := os.WriteFile(policyFile, policy.Default(), 0o600); err != nil {
		stopTicks()
		_ = srv.Close()
		_ = os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("coldstart: %w", err)
	}
	// The world's principal for towervend's role; the secret is not checked.
	key := "AKIATOWERVEND0000001"
	env = []string{
		"HOME=" + dir,
		"AWS_REGION=" + rt.Sim.Region(),
		"AWS_DEFAULT_REGION=" + rt.Sim.Region(),
		"AWS_ACCESS_KEY_ID=" + key,
		"AWS_SECRET_ACCESS_KEY=simulated",
		"AWS_ENDPOINT_URL=http://" + ln.Addr().String(),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		vend.EnvRegion + "=" + rt.Sim.Region(),
		vend.EnvManagementAcctID + "=" + rt.Sim.ManagementAccountID(),
		vend.EnvStateMachineArn + "=" + rt.StateMachineArn,
		vend.EnvNotificationBus + "=towervend",
		vend.EnvRejectedQueueURL + "=" + rt.RejectedURL,
		vend.EnvPolicyFile + "=" + policyFile,
	}
	return env, func() {
		stopTicks()
		_ = srv.Close()
		_ = os.RemoveAll(dir)
	}, nil
}

// startGap separates cold starts (see ColdStart).
const startGap = 1100 * time.Millisecond

// wallTick is the step in which the served world's clock follows the wall clock.
const wallTick = 10 * time.Millisecond

type coldStartResult struct {
	init, first     time.Duration
	outcome, detail string
}

// coldStartOnce starts bin once and times its first event.
func coldStartOnce(ctx context.Context, bin string, env []string, name string, event []byte, timeout time.Duration) (coldStartResult, error) {
	api := newRuntimeAPI(event, name)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return coldStartResult{}, err
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, bin)
	cmd.Env = append(slices.Clone(env), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "AWS_LAMBDA_FUNCTION_NAME=towervend-"+name)
	logs := &limitedWriter{n: 4096}
	cmd.Stdout, cmd.Stderr = logs, logs
	start := time.Now()
	api.start(start)
	if err := cmd.Start(); err != nil {
		return coldStartResult{}, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var res coldStartResult
	var runErr error
	select {
	case <-api.answered:
		res = api.result()
	case <-api.initFailed:
		runErr = fmt.Errorf("init failed: %s; the function logged: %s", api.result().detail, logs.String())
	case werr := <-exited:
		return coldStartResult{}, fmt.Errorf("the process ended before answering (%v); it logged: %s", werr, logs.String())
	case <-runCtx.Done():
		runErr = fmt.Errorf("no answer within %s; the function logged: %s", timeout, logs.String())
	}
	_ = cmd.Process.Kill()
	<-exited //nolint:errcheck // the process was killed: its exit status says only that
	return res, runErr
}

// runtimeAPI emulates the Lambda runtime API for one cold start: it hands
// out the event once, records when it was asked and answered, and holds later
// /next requests until the process is stopped.
type runtimeAPI struct {
	event    []byte
	function string

	mu         sync.Mutex
	started    time.Time
	res        coldStartResult
	gave       bool
	answered   chan struct{}
	initFailed chan struct{}
	once       sync.Once
}

func newRuntimeAPI(event []byte, function string) *runtimeAPI {
	return &runtimeAPI{event: event, function: function, answered: make(chan struct{}), initFailed: make(chan struct{})}
}

func (a *runtimeAPI) start(t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.started = t
}

func (a *runtimeAPI) result() coldStartResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.res
}

const runtimePrefix = "/2018-06-01/runtime/"

// ServeHTTP implements the runtime API's /invocation/next, /invocation/{id}/response,
// /invocation/{id}/error and /init/error.
func (a *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	path := strings.TrimPrefix(r.URL.Path, runtimePrefix)
	switch {
	case r.Method == http.MethodGet && path == "invocation/next":
		a.mu.Lock()
		first := !a.gave
		if first {
			a.gave = true
			a.res.init = now.Sub(a.started)
		}
		a.mu.Unlock()
		if !first {
			<-r.Context().Done() // the next event never comes: the process is stopped
			return
		}
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", "coldstart-request-1")
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(now.Add(30*time.Second).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:111122223333:function:towervend-"+a.function)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(a.event)
	case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		outcome := "response"
		if strings.HasSuffix(path, "/error") {
			outcome = "error"
		}
		a.mu.Lock()
		a.res.first, a.res.outcome, a.res.detail = now.Sub(a.started), outcome, shortText(body, 300)
		a.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		a.once.Do(func() { close(a.answered) })
	case r.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		a.mu.Lock()
		a.res.detail = shortText(body, 300)
		a.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		select {
		case <-a.initFailed:
		default:
			close(a.initFailed)
		}
	default:
		http.NotFound(w, r)
	}
}

// jsonString reads a string field of a JSON object, or "".
func jsonString(b []byte, field string) string {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	v, _ := m[field].(string)
	return v
}

func shortText(b []byte, n int) string {
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	mu sync.Mutex
	b  strings.Builder
	n  int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.n - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// String returns what was kept.
func (l *limitedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
