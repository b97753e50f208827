package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// writeText prints the cost's lines of a report for people through p.
func (c Cost) writeText(p func(format string, args ...any)) {
	p("wall-clock time\t%s", c.Wall.Round(time.Millisecond))
	p("peak live heap (sampled)\t%.1f MiB", float64(c.PeakHeap)/(1<<20))
	p("peak RSS (getrusage)\t%.1f MiB", float64(c.MaxRSS)/(1<<20))
	p("GOMAXPROCS\t%d", c.GoMaxProcs)
}

// WriteText prints a vending report for people.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	p("towervend bench: %d create requests, Control Tower limit %d, provisioning %s (spread ±%s), seed %d",
		r.Accounts, r.Concurrency, r.ProvisioningTime, r.Spread, r.Seed)
	how := ""
	if r.ByReset {
		how = " (the landing zone does not auto-enroll: enrolled by resetting each OU's baseline)"
	}
	p("provisioning backend: %s%s; requests over %d OUs", r.Provisioning, how, r.OUs)
	if r.DropLifecycleEvents > 0 {
		p("faults: EventBridge drops %.0f%% of Control Tower's lifecycle events", 100*r.DropLifecycleEvents)
	}
	p("")
	p("outcomes\t%s", strings.Join(sortedCounts(r.Outcomes), ", "))
	if len(r.Failures) > 0 {
		p("failure reasons\t%s (e.g. %s)", strings.Join(sortedCounts(r.Failures), "; "), strings.Join(r.FailedExamples, ", "))
	}
	if len(r.LifecycleOutcomes) > 0 {
		p("work towervend started itself (joins, sweep)\t%s", strings.Join(sortedCounts(r.LifecycleOutcomes), ", "))
	}
	if len(r.Misplaced) > 0 {
		p("succeeded but not in the OU asked for\t%d (%s)", len(r.Misplaced), strings.Join(first(r.Misplaced, 3), "; "))
	}
	p("makespan (simulated)\t%s", hours(r.Makespan))
	p("bound ceil(N/C)*T\t%s", hours(r.Bound))
	if r.OUBound > 0 {
		p("bound of one move per OU (fullest OU's share * T)\t%s", hours(r.OUBound))
	}
	p("makespan / bound\t%.4f", r.Ratio)
	if is := r.IdealSchedule; is.Makespan > 0 { // none without slot operations (enrolled by resets)
		p("ideal schedule (drawn durations, no hand-off, no detection lag)\t%s = lead %s + operations %s + after-operation %s",
			hours(is.Makespan), is.Lead.Round(time.Second), hours(is.Operations), is.AfterOperation.Round(time.Second))
		p("makespan / ideal schedule\t%.4f", r.RatioToSchedule)
	}
	p("")
	p("peak operations running (Control Tower)\t%d of %d", r.PeakRunning, r.Concurrency)
	p("peak products UNDER_CHANGE (gate's count)\t%d", r.PeakUnderChange)
	p("operations refused by Control Tower\t%d", r.Refused)
	if m := r.Moves; r.ByReset {
		p("OU baseline resets (one at a time)\t%d, most at once %d; %.1f accounts enrolled per reset", m.Resets, m.ResetPeak,
			float64(r.Outcomes["SUCCEEDED"])/float64(max(m.Resets, 1)))
	} else if r.Provisioning == "autoEnrollment" {
		p("moves Control Tower enrolled (by OU)\t%d (%s)", m.Started, strings.Join(sortedCounts(m.ByOU), ", "))
		p("most moves at once into one OU\t%d (Control Tower allows 1)", m.PeakPerOU)
		p("moves refused / stopped by a later move\t%d (%s) / %d", sumCounts(m.Refused), strings.Join(sortedCounts(m.Refused), ", "), m.Stopped)
	}
	p("slot utilization over the makespan\t%.2f%%", 100*r.Utilization)
	p("")
	p("mean wait for a slot (Provision state)\t%s", hours(r.Timeline.GateWait))
	p("hand-off (slot freed -> next start, requests queued)\t%s", lagText(r.HandOff))
	p("detection lag (record done -> AfterOperation)\t%s", lagText(r.DetectionLag))
	if r.Spread == 0 {
		// It assumes every operation takes ProvisioningTime (see Timeline.HandOff).
		p("idle slot-time per operation started (1 s samples)\t%s", r.Timeline.HandOff.Round(100*time.Millisecond))
	}
	p("mean status checks per account\t%.2f", r.Timeline.StatusChecks)
	p("mean after-operation steps (access, OU, tags, notify)\t%s", r.Timeline.AfterOperation.Round(time.Second))
	p("tail (last operation end -> last notification)\t%s", r.Timeline.Tail.Round(time.Second))
	p("")
	p("per account:")
	p("  history events\t%.1f (longest history %d events; AWS's limit is 25,000)", r.HistoryEventsPerAccount, r.MaxHistoryEvents)
	p("  state transitions (billed)\t%.1f (of which task retries %.1f; waits for a slot %.1f)", r.StateTransitionsPerAccount, r.TaskRetriesPerAccount, r.GateWaitsPerAccount)
	p("  Lambda invocations\t%.2f", r.LambdaPerAccountTotal)
	for _, name := range sortedNames(r.LambdaPerAccount) {
		extra := ""
		if n := r.LambdaThrottled[name]; n > 0 {
			extra = fmt.Sprintf(" (%d refused by reserved concurrency)", n)
		}
		p("    %s\t%.2f%s", name, r.LambdaPerAccount[name], extra)
	}
	p("  AWS API calls (not the queue poller's)\t%.2f (SearchProvisionedProducts %.2f)", r.APICallsPerAccountTotal, r.SearchProvisionedProductsPerAccount)
	for _, svc := range sortedNames(r.APICallsPerAccount) {
		var ops []string
		for _, op := range sortedNames(r.APICalls[svc]) {
			if svc == "sqs" && op == "ReceiveMessage" {
				continue
			}
			ops = append(ops, fmt.Sprintf("%s %.2f", op, float64(r.APICalls[svc][op])/float64(r.Accounts)))
		}
		p("    %s\t%.2f (%s)", svc, r.APICallsPerAccount[svc], strings.Join(ops, ", "))
	}
	p("queue poller's ReceiveMessage (grows with time)\t%d (%.1f per simulated hour)", r.QueuePollerReceiveMessage, r.QueuePollerReceiveMessagePerHour)
	p("Control Tower lifecycle events delivered / dropped\t%d / %d", r.LifecycleEvents.Delivered, r.LifecycleEvents.Dropped)
	p("")
	r.Cost.writeText(p)
	return tw.Flush()
}

// lagText prints lag statistics as "mean 45.0 s, p99 2m30s (max …, n …)".
func lagText(l LagStats) string {
	if l.N == 0 {
		return "none measured"
	}
	sec := func(s float64) string {
		return (time.Duration(s * float64(time.Second))).Round(100 * time.Millisecond).String()
	}
	return fmt.Sprintf("mean %s, p99 %s (max %s, n %d)", sec(l.Mean), sec(l.P99), sec(l.Max), l.N)
}

func sumCounts(m map[string]int) int {
	t := 0
	for _, v := range m {
		t += v
	}
	return t
}

func sum(m map[string]float64) float64 {
	t := 0.0
	for _, v := range m {
		t += v
	}
	return t
}

// hours prints a long duration as hours and minutes with seconds.
func hours(d time.Duration) string {
	return fmt.Sprintf("%s (%.3f h)", d.Round(time.Second), d.Hours())
}

// WriteText prints a soak report for people.
func (r *SoakReport) WriteText(w io.Writer) error {
	o := r.Options
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format+"\n", args...) }
	p("towervend bench --soak: %d create requests in bursts of %d, each message delivered %d times (%d messages)",
		o.Requests, o.Burst, o.Deliveries, r.Messages)
	p("faults: %.0f%% throttling on %s; %.0f%% of Control Tower's account operations fail; Control Tower busy from %s to %s",
		100*o.Throttle, strings.Join(o.ThrottleServices, ", "), 100*o.FailRate, o.BusyFrom, o.BusyFrom+o.BusyFor)
	p("Control Tower limit %d, provisioning %s (spread ±%s), seed %d", o.Concurrency, o.ProvisioningTime, o.Spread, o.Seed)
	p("provisioning backend: %s; requests over %d OUs", r.Provisioning, o.OUs)
	p("")
	p("outcomes under faults\t%s", strings.Join(sortedCounts(r.Outcomes), ", "))
	p("failure reasons\t%s", strings.Join(sortedCounts(r.Failures), "; "))
	p("requests lost\t%d", len(r.Lost))
	p("requests with a duplicate account\t%d", len(r.Duplicated))
	p("failures without a reason\t%d", len(r.Unexplained))
	p("operations Control Tower refused (busy)\t%d", r.Refused)
	p("peak operations running\t%d of %d", r.PeakRunning, o.Concurrency)
	if m := r.Moves; r.Provisioning == "autoEnrollment" {
		p("moves Control Tower enrolled / refused / stopped\t%d / %d (%s) / %d", m.Started, sumCounts(m.Refused), strings.Join(sortedCounts(m.Refused), ", "), m.Stopped)
		p("most moves at once into one OU\t%d (Control Tower allows 1)", m.PeakPerOU)
	}
	p("messages in the dead-letter queue\t%d", r.DeadLettered)
	p("")
	p("faults cleared; redriven\t%d", r.Redriven)
	p("outcomes after the redrive\t%s", strings.Join(sortedCounts(r.AfterRedrive), ", "))
	p("still failing\t%d", len(r.StillFailing))
	p("duplicate accounts after the redrive\t%d", len(r.DuplicatedAfterRedrive))
	p("succeeded without their account\t%d", len(r.MissingAccounts))
	p("succeeded but not in the OU asked for\t%d", len(r.Misplaced))
	if len(r.LifecycleOutcomes) > 0 {
		p("work towervend started itself (joins, sweep)\t%s", strings.Join(sortedCounts(r.LifecycleOutcomes), ", "))
	}
	p("")
	p("simulated time under faults\t%s", hours(r.Simulated))
	p("simulated time of the redrive\t%s", r.RedrivePhase.Round(time.Second))
	p("AWS API calls\t%s", strings.Join(sortedCounts(r.APICalls), ", "))
	r.Cost.writeText(p)
	p("")
	if problems := r.Problems(); len(problems) > 0 {
		p("FAIL")
		for _, pr := range problems {
			p("  %s", pr)
		}
	} else {
		p("PASS: no request lost, none duplicated, every failure explained, every failure succeeded after redrive")
	}
	return tw.Flush()
}

// WriteText prints a cold-start report for people.
func (r *ColdStartReport) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "towervend bench --coldstart: %d cold starts per function (median, min-max)\n\n", r.Runs)
	fmt.Fprintln(tw, "FUNCTION\tBINARY\tINIT (start -> /next)\tFIRST EVENT (start -> answer)\tANSWER\tEVENT")
	for _, f := range r.Functions {
		fmt.Fprintf(tw, "%s\t%.1f MiB\t%s\t%s\t%s\t%s\n", f.Function, float64(f.Bytes)/(1<<20), spreadOf(f.Init), spreadOf(f.First), f.Outcome, f.Event)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Functions {
		if f.Outcome == "error" {
			fmt.Fprintf(w, "\n%s answered with an error (its handler ran): %s", f.Function, f.Detail)
		}
	}
	fmt.Fprintln(w)
	return nil
}

// spreadOf prints sorted durations as "median (min-max)".
func spreadOf(ds []time.Duration) string {
	if len(ds) == 0 {
		return "-"
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("%s ms (%s-%s)", ms(ds[len(ds)/2]), ms(ds[0]), ms(ds[len(ds)-1]))
}
