package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/towervend/towervend/internal/bench"
	"github.com/towervend/towervend/internal/timeline"
	"github.com/towervend/towervend/internal/vend"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "bench [-n 500] [-c 5] [-t 30m] [--spread 0] [--seed N] [--drop-events 0] [--provisioning accountFactory|autoEnrollment|auto [--reset]] [--ous 3] [--timeline FILE.html] [--json]\n       towervend bench --soak [-n 1000] [--burst 25] [-c 5] [-t 30m] [--throttle-sqs] [--provisioning accountFactory|autoEnrollment|auto] [--ous 3] [--timeline FILE.html]\n       towervend bench --coldstart DIR [--runs 5]", stderr)
	n := fs.Int("n", 0, "how many accounts to vend (default 500); with --soak, how many requests (default 1000)")
	c := fs.Int("c", 5, "Control Tower's concurrent account operations quota, and towervend's limit (1-10)")
	t := fs.Duration("t", 30*time.Minute, "how long Control Tower takes to provision an account (simulated)")
	spread := fs.Duration("spread", 0, "vary each provisioning by up to this much either way")
	seed := fs.Uint64("seed", 0, "the world's seed (default: the demo world's)")
	dropEvents := fs.Float64("drop-events", 0, "the share (0-1) of Control Tower's lifecycle events EventBridge drops (the world's faults.dropLifecycleEvents)")
	soak := fs.Bool("soak", false, "run the fault soak: throttling, failed provisionings, every message twice, Control Tower busy; then clear the faults and redrive the failures")
	burst := fs.Int("burst", 0, "with --soak: requests arriving together (default 25)")
	throttleSQS := fs.Bool("throttle-sqs", false, "with --soak: throttle SQS too (the local poller's SDK retries then wait in real time)")
	provisioning := fs.String("provisioning", vend.ProvisioningAccountFactory, "the benchmark's and the soak's provisioning backend: accountFactory, autoEnrollment "+
		"(Organizations CreateAccount and MoveAccount; the bench's landing zone gets remediation type INHERITANCE_DRIFT and enrolls in -t) or auto")
	ous := fs.Int("ous", 3, "how many registered OUs the requests cycle over (3-20): Sandbox, Workloads/NonProd, Workloads/Prod, then Workloads/Bench01 and on, "+
		"added to the bench's world (auto-enrollment moves one account at a time into an OU)")
	byReset := fs.Bool("reset", false, "with --provisioning autoEnrollment: the bench's landing zone does not auto-enroll, and accounts are enrolled by resetting their OU's baseline (one reset at a time)")
	coldstart := fs.String("coldstart", "", "measure Lambda cold starts of the bootstrap binaries in DIR/<function>/bootstrap (built for this machine)")
	runs := fs.Int("runs", 5, "with --coldstart: cold starts per function")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timelineFile := fs.String("timeline", "", "draw the run over simulated time into this HTML file (not with --coldstart)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write a heap profile, taken when the run ends, to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *provisioning {
	case vend.ProvisioningAccountFactory, vend.ProvisioningAutoEnrollment, vend.ProvisioningAuto:
	default:
		return &exitError{code: 2, err: fmt.Errorf("--provisioning %q: write accountFactory, autoEnrollment or auto", *provisioning)}
	}
	if *ous < 3 || *ous > 20 {
		return &exitError{code: 2, err: fmt.Errorf("--ous %d: spread the requests over 3 to 20 OUs (the bench's Sandbox, Workloads/NonProd and Workloads/Prod, then Workloads/Bench01 and on)", *ous)}
	}
	if *coldstart != "" && (*provisioning != vend.ProvisioningAccountFactory || *ous != 3) {
		return &exitError{code: 2, err: errors.New("--provisioning and --ous shape a vending run or a soak: --coldstart vends nothing; leave them out")}
	}
	if *timelineFile != "" {
		if *coldstart != "" {
			return &exitError{code: 2, err: errors.New("--timeline draws a vending run or a soak: --coldstart starts no run to draw; leave one of them out")}
		}
		if err := timeline.CheckPath(*timelineFile); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--timeline: %w", err)}
		}
	}
	if *cpuProfile != "" {
		stop, err := profileCPU(*cpuProfile)
		if err != nil {
			return err
		}
		defer func() {
			if err := stop(); err != nil {
				fmt.Fprintf(stderr, "towervend bench: the CPU profile is incomplete: %v\n", err)
			}
		}()
	}
	var picture *timeline.Run
	var report interface{ WriteText(io.Writer) error }
	var problems []string
	switch {
	case *coldstart != "":
		rep, err := bench.ColdStart(ctx, bench.ColdStartOptions{Dir: *coldstart, Runs: *runs})
		if err != nil {
			return err
		}
		report = rep
	case *soak:
		if *byReset {
			return &exitError{code: 2, err: errors.New("--reset shapes a vending run: the soak's landing zone auto-enrolls; leave --reset out")}
		}
		opts := bench.SoakOptions{Requests: *n, Burst: *burst, Concurrency: *c, ProvisioningTime: *t, Spread: *spread, Seed: *seed, Picture: *timelineFile != "",
			Provisioning: *provisioning, OUs: *ous}
		if *throttleSQS {
			opts.ThrottleServices = append(bench.DefaultThrottleServices(), "sqs")
		}
		rep, err := bench.Soak(ctx, opts)
		if err != nil {
			return err
		}
		report, problems, picture = rep, rep.Problems(), rep.Picture
	default:
		rep, err := bench.Run(ctx, bench.Options{Accounts: *n, Concurrency: *c, ProvisioningTime: *t, Spread: *spread, Seed: *seed,
			DropLifecycleEvents: *dropEvents, Picture: *timelineFile != "", Provisioning: *provisioning, OUs: *ous, ByReset: *byReset})
		if err != nil {
			return err
		}
		report, picture = rep, rep.Picture
	}
	if picture != nil {
		if err := timeline.WriteFile(*timelineFile, *picture); err != nil {
			return err
		}
	}
	if *memProfile != "" {
		if err := profileHeap(*memProfile); err != nil {
			return err
		}
	}
	if err := printResult(stdout, *asJSON, report, func() error { return report.WriteText(stdout) }); err != nil {
		return err
	}
	if len(problems) > 0 {
		return &exitError{code: 1, err: fmt.Errorf("the soak found %d problems", len(problems))}
	}
	return nil
}

// profileCPU writes a CPU profile to path until the returned function is called.
func profileCPU(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return nil, errors.Join(err, f.Close())
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// profileHeap writes the heap profile (live objects and every allocation so far) to path.
func profileHeap(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(pprof.Lookup("heap").WriteTo(f, 0), f.Close())
}
