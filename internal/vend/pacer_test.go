package vend

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/clock"
)

// A crowd of callers goes out at the pacer's rate: a burst of rate at once,
// then one every 1/rate seconds, each in the order it asked, and no window of
// a second holds more than twice the rate (the burst and the refill).
func TestPacerSpacesACrowdAtItsRate(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(start, 0)
	p := &pacer{clock: clk, rate: 15}
	const callers = 100
	var mu sync.Mutex
	var at []time.Time
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		clk.Go(func() {
			defer wg.Done()
			require.NoError(t, p.wait(context.Background()))
			mu.Lock()
			at = append(at, clk.Now())
			mu.Unlock()
		})
	}
	clk.Advance(time.Minute)
	wg.Wait()
	require.Len(t, at, callers)
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })

	burst := 0
	for _, a := range at {
		if a.Equal(start) {
			burst++
		}
	}
	assert.Equal(t, 15, burst, "a full bucket lets rate calls out at once")
	interval := time.Second / 15
	last := at[callers-1].Sub(start)
	assert.InDelta(t, float64(callers-15)*float64(interval), float64(last), float64(interval), "then one every 1/rate: the last at %s", last)
	for i := range at {
		n := 0
		for j := i; j < len(at) && at[j].Sub(at[i]) < time.Second; j++ {
			n++
		}
		assert.LessOrEqual(t, n, 30, "at most the burst and a second's refill in any second (from %s)", at[i].Sub(start))
	}
}

// An idle pacer refills: after a quiet second the next caller goes at once.
func TestPacerRefillsWhenIdle(t *testing.T) {
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(start, 0)
	p := &pacer{clock: clk, rate: 2}
	done := make(chan time.Time, 4)
	for range 3 {
		clk.Go(func() {
			require.NoError(t, p.wait(context.Background()))
			done <- clk.Now()
		})
	}
	clk.Advance(10 * time.Second)
	got := []time.Time{<-done, <-done, <-done}
	sort.Slice(got, func(i, j int) bool { return got[i].Before(got[j]) })
	assert.Equal(t, []time.Duration{0, 0, 500 * time.Millisecond}, []time.Duration{got[0].Sub(start), got[1].Sub(start), got[2].Sub(start)})
	clk.Go(func() {
		require.NoError(t, p.wait(context.Background()))
		done <- clk.Now()
	})
	clk.Advance(time.Second)
	assert.Equal(t, start.Add(10*time.Second), <-done, "after a quiet spell, at once")
}
