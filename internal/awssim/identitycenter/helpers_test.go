package identitycenter_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

// newTestSim builds the default world, edited, on a virtual clock that moves
// only when the test advances it. It returns the world too, for its settings.
func newTestSim(t *testing.T, edit func(*awssim.World)) (*awssim.Sim, *awssim.World, *clock.Virtual) {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil // the demo world's own happenings would add accounts the test does not expect
	if edit != nil {
		edit(w)
	}
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	return s, w, clk
}

// noDelay makes SDK retries immediate, so tests of retried throttling do not
// wait in real time.
type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// testConfig is an in-process SDK config for the world's first principal
// (towervend's vending role): standard retries, 5 attempts, no waiting.
func testConfig(s *awssim.Sim) aws.Config {
	return withRetries(s.Config(), 5)
}

// withRetries sets immediate standard retries with the given attempts (1 = none).
func withRetries(cfg aws.Config, attempts int) aws.Config {
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = noDelay{}
			o.RateLimiter = ratelimit.None
		})
	}
	return cfg
}
