package bench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/timeline"
)

// Asked for, the report keeps the run's timeline: the benchmark's
// operations on its slots, in the order of the simulator's own log.
func TestRunKeepsThePicture(t *testing.T) {
	rep, err := Run(context.Background(), Options{Accounts: 6, Concurrency: 2, ProvisioningTime: 30 * time.Minute, Picture: true})
	require.NoError(t, err)
	require.NotNil(t, rep.Picture)
	p := rep.Picture
	assert.Equal(t, "towervend bench: 6 accounts, 2 Control Tower slots, 30m0s each", p.Title)
	assert.Equal(t, 2, p.Slots)
	require.Len(t, p.Operations, 6)
	for _, o := range p.Operations {
		assert.Equal(t, timeline.KindCreate, o.Kind, o.RequestID)
		assert.Equal(t, timeline.OutcomeSucceeded, o.Outcome, o.RequestID)
		assert.Contains(t, o.RequestID, "bench-")
	}
	_, lanes := timeline.Lanes(p.Operations)
	assert.Equal(t, 2, lanes)
	assert.NotEmpty(t, p.Queue, "four requests waited for the two slots")

	rep, err = Run(context.Background(), Options{Accounts: 2, Concurrency: 2})
	require.NoError(t, err)
	assert.Nil(t, rep.Picture, "not asked for: not kept")
}

// The soak's picture shows its faults: Control Tower's busy stretch as restarts.
func TestSoakKeepsThePicture(t *testing.T) {
	rep, err := Soak(context.Background(), SoakOptions{Requests: 10, Burst: 10, BusyFrom: time.Second, BusyFor: 20 * time.Minute, Picture: true})
	require.NoError(t, err)
	require.NotNil(t, rep.Picture)
	restarts := 0
	for _, m := range rep.Picture.Marks {
		if m.Kind == timeline.MarkRestart {
			restarts++
		}
	}
	assert.Positive(t, restarts, "Control Tower refused operations while busy (%d refused)", rep.Refused)
}
