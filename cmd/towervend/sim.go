package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/vend"
)

func cmdSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sim", "sim [--addr 127.0.0.1:4566] [--world FILE] [--policy FILE] [--speed N] [--bare]", stderr)
	addr := fs.String("addr", "127.0.0.1:4566", "loopback address to serve on")
	worldFile := fs.String("world", "", "a world file (default: the embedded Northwind Trading organization)")
	policyFile := fs.String("policy", "", "the policy file (default: internal/policy/default.json)")
	speed := fs.Float64("speed", 60, "simulated seconds per real second (60: a 30-minute provisioning takes 30 s)")
	bare := fs.Bool("bare", false, "serve only the simulated AWS APIs, without towervend deployed in them")
	asJSON := fs.Bool("json", false, "print the endpoint as JSON when ready")
	if err := fs.Parse(args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return &exitError{code: 2, err: fmt.Errorf("--addr %s: the simulator serves on loopback only (127.0.0.1, ::1, localhost)", *addr)}
	}
	opts := local.Options{RealSpeed: *speed}
	if *worldFile != "" {
		if opts.World, err = awssim.LoadWorld(*worldFile); err != nil {
			return err
		}
	}
	if *policyFile != "" {
		if opts.Policy, err = vend.LoadPolicy(*policyFile); err != nil {
			return err
		}
	}
	var handler http.Handler
	var rt *local.Runtime
	if *bare {
		w := opts.World
		if w == nil {
			w = awssim.DefaultWorld()
		}
		// The world runs at --speed on the wall clock, SQS at real time, as
		// with towervend deployed.
		sim, err := awssim.New(w, awssim.Options{Clock: clock.NewReal(*speed), QueueClock: clock.NewReal(1)})
		if err != nil {
			return err
		}
		handler = sim
	} else {
		rt, err = local.New(ctx, opts)
		if err != nil {
			return err
		}
		handler = rt.Sim
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	endpoint := "http://" + ln.Addr().String()
	if *asJSON {
		fmt.Fprintf(stdout, "{\"endpoint\":%q}\n", endpoint)
	} else {
		fmt.Fprintf(stdout, "simulated AWS on %s (Ctrl-C to stop)\n", endpoint)
		fmt.Fprintf(stdout, "  any AWS client: AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x AWS_REGION=eu-west-1\n", endpoint)
		if rt != nil {
			fmt.Fprintf(stdout, "  towervend is deployed: towervend submit --endpoint %s events/requests/01-create.json\n", endpoint)
		}
	}
	if rt != nil {
		go rt.Serve(ctx)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
