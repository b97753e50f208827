package bench

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/local"

	"github.com/towervend/towervend/statemachine"
)

// invocations counts the Lambda invocations the simulator makes (Step
// Functions tasks and EventBridge targets), per function, and how many of them
// Lambda refused because of the function's reserved concurrency.
type invocations struct {
	mu        sync.Mutex
	calls     map[string]int
	throttled map[string]int
}

// countInvocations wraps every function deployed in rt with a counter.
func countInvocations(rt *local.Runtime) *invocations {
	c := &invocations{calls: map[string]int{}, throttled: map[string]int{}}
	for name, arn := range rt.FunctionARNs {
		fn := rt.Sim.Function(arn)
		if fn == nil {
			continue
		}
		rt.Sim.RegisterFunction(arn, func(ctx context.Context, payload []byte) ([]byte, error) {
			out, err := fn(ctx, payload)
			c.mu.Lock()
			c.calls[name]++
			var typed interface{ ErrorType() string }
			if errors.As(err, &typed) && typed.ErrorType() == "Lambda.TooManyRequestsException" {
				c.throttled[name]++
			}
			c.mu.Unlock()
			return out, err
		})
	}
	return c
}

func (c *invocations) snapshot() (calls, throttled map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls, throttled = map[string]int{}, map[string]int{}
	for k, v := range c.calls {
		calls[k] = v
	}
	for k, v := range c.throttled {
		throttled[k] = v
	}
	return calls, throttled
}

// sample is the Account Factory load at one instant.
type sample struct {
	at          time.Time
	running     int // Control Tower account operations running
	underChange int // provisioned products UNDER_CHANGE (what the gate counts)
}

// sampler records the Account Factory load every interval of simulated time
// from inside the clock-scheduled work, so it sees every state that lasts at
// least that long. It keeps only the changes.
type sampler struct {
	mu      sync.Mutex
	samples []sample
	heap    uint64 // the largest HeapAlloc seen
	stop    context.CancelFunc
}

func startSampler(rt *local.Runtime, every time.Duration) *sampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sampler{stop: cancel}
	memEvery := max(1, int(time.Minute/every))
	rt.Clock.Go(func() {
		for i := 0; ; i++ {
			running, _, _ := rt.Sim.AccountOperations()
			under := rt.Sim.ProductsUnderChange()
			s.mu.Lock()
			if n := len(s.samples); n == 0 || s.samples[n-1].running != running || s.samples[n-1].underChange != under {
				s.samples = append(s.samples, sample{at: rt.Clock.Now(), running: running, underChange: under})
			}
			s.mu.Unlock()
			if i%memEvery == 0 {
				s.readHeap()
			}
			if rt.Clock.Sleep(ctx, every) != nil {
				return
			}
		}
	})
	return s
}

func (s *sampler) readHeap() {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	s.mu.Lock()
	s.heap = max(s.heap, m.HeapAlloc)
	s.mu.Unlock()
}

// cost is what the run took, wall being its real time; it reads the heap once more.
func (s *sampler) cost(wall time.Duration) Cost {
	s.readHeap()
	return Cost{Wall: wall, PeakHeap: s.heap, MaxRSS: rusageMaxRSS(), GoMaxProcs: runtime.GOMAXPROCS(0)}
}

// load summarises the samples between from and to.
type load struct {
	peakRunning, peakUnderChange int
	// busy is the integral of running operations over time (slot-time used).
	busy time.Duration
	// lastEnd is when the last operation ended (running fell to zero for good).
	lastEnd time.Time
	// starts counts increases of the running count (operations Control Tower took).
	starts int
}

func (s *sampler) load(to time.Time) load {
	s.mu.Lock()
	defer s.mu.Unlock()
	var l load
	for i, smp := range s.samples {
		l.peakRunning = max(l.peakRunning, smp.running)
		l.peakUnderChange = max(l.peakUnderChange, smp.underChange)
		end := to
		if i+1 < len(s.samples) {
			end = s.samples[i+1].at
		}
		if end.After(smp.at) {
			l.busy += time.Duration(smp.running) * end.Sub(smp.at)
		}
		if i > 0 && smp.running > s.samples[i-1].running {
			l.starts += smp.running - s.samples[i-1].running
		} else if i == 0 {
			l.starts += smp.running
		}
		if smp.running == 0 && i > 0 && s.samples[i-1].running > 0 {
			l.lastEnd = smp.at
		}
	}
	return l
}

// historyCounts are counts over every execution's history.
type historyCounts struct {
	events int
	// transitions is what Step Functions bills: every state entered, and
	// every retry of a task.
	transitions int
	retries     int
	// gateWaits counts the gate's "wait for a slot" answers (each one enters
	// WaitForSlot) and the provision task's attempts refused by Lambda's
	// reserved concurrency.
	gateWaits int
	// maxEvents is the longest history (AWS caps a history at 25,000 events).
	maxEvents int
}

func countHistories(xs []*asl.Execution) historyCounts {
	var h historyCounts
	for _, x := range xs {
		entered := map[string]int{}
		scheduled := 0
		taskEntered := 0
		hist := x.History()
		h.events += len(hist)
		h.maxEvents = max(h.maxEvents, len(hist))
		for _, ev := range hist {
			t := string(ev.Type)
			switch {
			case strings.HasSuffix(t, "StateEntered"):
				h.transitions++
				entered[ev.StateName]++
				if ev.StateName == statemachine.StateWaitForSlot {
					h.gateWaits++
				}
				if ev.Type == asl.TaskStateEntered {
					taskEntered++
				}
			case ev.Type == asl.TaskScheduled || ev.Type == asl.LambdaFunctionScheduled:
				scheduled++
			case ev.Type == asl.TaskFailed || ev.Type == asl.LambdaFunctionFailed:
				if ev.Error == "Lambda.TooManyRequestsException" {
					h.gateWaits++
				}
			}
		}
		if r := scheduled - taskEntered; r > 0 {
			h.retries += r
			h.transitions += r
		}
	}
	return h
}

// rusageMaxRSS is the process's peak resident set size in bytes.
func rusageMaxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // Linux reports kilobytes
}

// perAccount divides every count by n.
func perAccount(m map[string]int, n int) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = float64(v) / float64(max(n, 1))
	}
	return out
}

// serviceTotals sums the calls of each service over its operations.
func serviceTotals(calls map[string]map[string]int) map[string]int {
	out := map[string]int{}
	for svc, ops := range calls {
		for _, n := range ops {
			out[svc] += n
		}
	}
	return out
}

// diffCalls subtracts before from after, operation by operation.
func diffCalls(after, before map[string]map[string]int) map[string]map[string]int {
	out := map[string]map[string]int{}
	for svc, ops := range after {
		for op, n := range ops {
			if d := n - before[svc][op]; d > 0 {
				if out[svc] == nil {
					out[svc] = map[string]int{}
				}
				out[svc][op] = d
			}
		}
	}
	return out
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// notificationTime parses a notification's time (RFC 3339, seconds).
func notificationTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// withoutPoller is calls without the SQS event source mapping's
// ReceiveMessage calls (the only ReceiveMessage calls of a run: the intake
// function is handed its batches), which grow with time, not accounts.
func withoutPoller(calls map[string]map[string]int) map[string]map[string]int {
	out := make(map[string]map[string]int, len(calls))
	for svc, ops := range calls {
		m := make(map[string]int, len(ops))
		for op, n := range ops {
			if svc != "sqs" || op != "ReceiveMessage" {
				m[op] = n
			}
		}
		out[svc] = m
	}
	return out
}

// countLifecycleEvents counts Control Tower's lifecycle events among a bus's events.
func countLifecycleEvents(events []json.RawMessage) int {
	n := 0
	for _, raw := range events {
		var ev struct {
			Source string `json:"source"`
			Detail struct {
				EventName string `json:"eventName"`
			} `json:"detail"`
		}
		if json.Unmarshal(raw, &ev) == nil && ev.Source == "aws.controltower" &&
			(ev.Detail.EventName == "CreateManagedAccount" || ev.Detail.EventName == "UpdateManagedAccount") {
			n++
		}
	}
	return n
}
