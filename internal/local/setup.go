package local

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// The runtime's own calls (the deployment, submitting requests, the event
// source's polling) retry throttling and server errors as the services that
// make them on AWS do: CloudFormation retries a resource's throttled calls for
// minutes, a ticketing system's SDK retries a send, Lambda's poller keeps
// polling. Without it a world with throttling on sqs, events or states cannot
// even be set up.
const (
	// setupAttempts bounds each call: at 30% throttling the chance that all
	// of them fail is 0.3^10, about one in 170,000.
	setupAttempts = 10
	// setupMaxBackoff caps the wait between attempts; the waits of one call
	// add up to a little over two minutes of simulated time.
	setupMaxBackoff = 30 * time.Second
)

// withRetries gives cfg the runtime's retries: bounded, exponential backoff
// on the simulated clock, no client-side retry quota (the SDK's would give up
// on a world that throttles often, long before the attempts are spent).
func (r *Runtime) withRetries(cfg aws.Config) aws.Config {
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = setupAttempts
			o.MaxBackoff = setupMaxBackoff
			o.Backoff = setupBackoff{r}
			o.RateLimiter = ratelimit.None
		})
	}
	return cfg
}

// setupBackoff waits out a retry on the runtime's clock: before Run (the
// deployment, requests submitted up front) the caller holds the virtual clock
// and moves it on itself; during Run the call is clock-scheduled work and
// sleeps on it.
type setupBackoff struct{ r *Runtime }

// BackoffDelay implements retry.BackoffDelayer: it waits and returns zero.
func (b setupBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	d := min(time.Second<<min(attempt-1, 5), setupMaxBackoff)
	if b.r.virtual != nil && !b.r.running.Load() {
		b.r.virtual.Advance(d)
		return 0, nil
	}
	_ = b.r.Clock.Sleep(context.Background(), d)
	return 0, nil
}

// faultNames are the world's names (faults.throttle.<name>) of the services
// the runtime's own calls go to, by the SDK's service id.
var faultNames = map[string]string{
	"SQS": "sqs", "EventBridge": "events", "SFN": "states", "DynamoDB": "dynamodb", "Service Catalog": "servicecatalog",
}

// setupFailure explains a deployment that failed after its retries: when the
// world's faults make the failing service throttle or fail, it names the
// setting and what to do, since setup cannot get past it.
func (r *Runtime) setupFailure(err error) error {
	var op *smithy.OperationError
	if !errors.As(err, &op) {
		return fmt.Errorf("deploy towervend into the simulated world: %w", err)
	}
	name := faultNames[op.Service()]
	faults := r.Sim.Faults()
	var settings []string
	for _, f := range []struct {
		field string
		rate  float64
	}{{"faults.throttle." + name, faults.Throttle[name]}, {"faults.serverErrors." + name, faults.ServerErrors[name]}} {
		switch {
		case f.rate >= 1:
			settings = append(settings, fmt.Sprintf("%s is %v: every call fails, so no deployment can succeed", f.field, f.rate))
		case f.rate > 0:
			settings = append(settings, fmt.Sprintf("%s is %v", f.field, f.rate))
		}
	}
	if name == "" || len(settings) == 0 {
		return fmt.Errorf("deploy towervend into the simulated world: %w", err)
	}
	return fmt.Errorf("deploy towervend into the simulated world: %s %s failed %d times, retried over simulated minutes as a CloudFormation deployment would: "+
		"the world's %s; lower it below 1 in the world file (towervend itself retries up to 8 times, so a share such as 0.3 is survivable), then run again: %w",
		op.Service(), op.Operation(), setupAttempts, strings.Join(settings, " and "), err)
}
