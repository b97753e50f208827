package awssim

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/clock"
)

// newTestSim builds the default world (changed by edit, if given) on a held
// Virtual clock: time moves only when the test calls clk.Advance.
func newTestSim(t *testing.T, edit func(*World)) (*Sim, *clock.Virtual) {
	t.Helper()
	w := DefaultWorld()
	if edit != nil {
		edit(w)
	}
	clk := clock.NewVirtual(w.Start, 0)
	s, err := New(w, Options{Clock: clk})
	require.NoError(t, err)
	return s, clk
}

// testConfig is an in-process SDK config for the world's first principal
// (towervend's vending role) whose retries do not wait in real time.
func testConfig(s *Sim) aws.Config {
	cfg := s.Config()
	cfg.RetryMaxAttempts = 5
	cfg.Retryer = nil
	return cfg
}

var _ = time.Second
