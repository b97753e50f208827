package clock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func TestVirtualRunsWorkInTimeOrderWithoutWaiting(t *testing.T) {
	v := NewVirtual(epoch, 0)
	var got []string
	done := make(chan struct{})
	v.Go(func() {
		_ = v.Sleep(context.Background(), 30*time.Minute)
		got = append(got, "provisioned at "+v.Now().Format("15:04"))
		close(done)
	})
	v.AfterFunc(10*time.Minute, func() { got = append(got, "event at "+v.Now().Format("15:04")) })
	v.Release()
	<-done
	assert.Equal(t, []string{"event at 09:10", "provisioned at 09:30"}, got)
}

func TestVirtualSameInstantKeepsSchedulingOrder(t *testing.T) {
	v := NewVirtual(epoch, 0)
	var got []int
	for i := range 5 {
		v.AfterFunc(time.Second, func() { got = append(got, i) })
	}
	v.Advance(time.Minute)
	assert.Equal(t, []int{0, 1, 2, 3, 4}, got)
	assert.Equal(t, epoch.Add(time.Minute), v.Now())
}

func TestVirtualSleepOnCancelledContextReturnsAtOnce(t *testing.T) {
	v := NewVirtual(epoch, 0)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	v.AfterFunc(time.Minute, cancel)
	v.AfterFunc(2*time.Minute, func() { errs <- v.Sleep(ctx, time.Hour) })
	v.Advance(5 * time.Minute)
	require.ErrorIs(t, <-errs, context.Canceled)
	assert.Equal(t, epoch.Add(5*time.Minute), v.Now(), "the hour-long sleep never ran")
}

func TestVirtualStopPreventsPendingWork(t *testing.T) {
	v := NewVirtual(epoch, 0)
	ran := false
	stop := v.AfterFunc(time.Minute, func() { ran = true })
	assert.True(t, stop())
	v.Advance(time.Hour)
	assert.False(t, ran)
	assert.False(t, stop(), "stopping twice reports nothing pending")
}

func TestRealScalesTime(t *testing.T) {
	r := NewReal(3600) // an hour a second
	before := r.Now()
	require.NoError(t, r.Sleep(context.Background(), 36*time.Second)) // 10ms real
	assert.GreaterOrEqual(t, r.Now().Sub(before), 36*time.Second)
}

func TestVirtualAlarmWakeEndsTheWaitAtTheWakersInstant(t *testing.T) {
	v := NewVirtual(epoch, 0)
	a := v.NewAlarm()
	var woke time.Time
	v.Go(func() {
		_ = a.Wait(context.Background(), time.Hour)
		woke = v.Now()
	})
	v.AfterFunc(10*time.Minute, a.Wake)
	v.Advance(3 * time.Hour)
	assert.Equal(t, epoch.Add(10*time.Minute), woke)
}

func TestVirtualAlarmWithoutDeadlineLeavesTheClockIdle(t *testing.T) {
	v := NewVirtual(epoch, 0)
	a := v.NewAlarm()
	var woke time.Time
	v.Go(func() {
		_ = a.Wait(context.Background(), -1)
		woke = v.Now()
	})
	v.Advance(24 * time.Hour)
	require.True(t, woke.IsZero(), "nothing woke the waiter")
	// Woken from outside the clock (an API call, say) while the test holds it:
	// the waiter runs at the next Advance, at the instant of the Wake.
	a.Wake()
	v.Advance(time.Hour)
	assert.Equal(t, epoch.Add(24*time.Hour), woke)

	// A released clock with nothing due stays put instead of jumping ahead.
	b := v.NewAlarm()
	done := make(chan time.Time, 1)
	v.Go(func() {
		_ = b.Wait(context.Background(), -1)
		done <- v.Now()
	})
	v.Release()
	v.WaitIdle()
	b.Wake()
	assert.Equal(t, epoch.Add(25*time.Hour), <-done)
}

func TestVirtualAlarmWokenBeforeWaitReturnsAtOnce(t *testing.T) {
	v := NewVirtual(epoch, 0)
	a := v.NewAlarm()
	a.Wake()
	a.Wake() // Wakes do not accumulate
	var first, second time.Time
	v.Go(func() {
		_ = a.Wait(context.Background(), time.Hour)
		first = v.Now()
		_ = a.Wait(context.Background(), time.Hour)
		second = v.Now()
	})
	v.Advance(5 * time.Hour)
	assert.Equal(t, epoch, first)
	assert.Equal(t, epoch.Add(time.Hour), second, "the second Wait sleeps its hour")
}

func TestVirtualAlarmWakeKeepsTheWakersOrder(t *testing.T) {
	for range 20 {
		v := NewVirtual(epoch, 0)
		a := v.NewAlarm()
		var got []string
		v.Go(func() {
			_ = a.Wait(context.Background(), -1)
			got = append(got, "waiter")
		})
		v.AfterFunc(time.Minute, func() {
			a.Wake()
			v.Go(func() { got = append(got, "scheduled after the wake") })
			got = append(got, "waker")
		})
		v.Advance(time.Hour)
		require.Equal(t, []string{"waker", "waiter", "scheduled after the wake"}, got)
	}
}

// A cancellation reaches a waiter asynchronously; cancelling and then waking
// it, as the asl engine does when it stops an execution, is deterministic.
func TestVirtualAlarmCancelledAndWoken(t *testing.T) {
	v := NewVirtual(epoch, 0)
	a := v.NewAlarm()
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	v.Go(func() { errs <- a.Wait(ctx, -1) })
	v.AfterFunc(time.Minute, func() { cancel(); a.Wake() })
	v.Advance(time.Hour)
	require.ErrorIs(t, <-errs, context.Canceled)
	assert.ErrorIs(t, a.Wait(ctx, time.Hour), context.Canceled, "a done context ends a Wait before it starts")
}

func TestRealAlarm(t *testing.T) {
	r := NewReal(3600)
	a := r.NewAlarm()
	a.Wake()
	require.NoError(t, a.Wait(context.Background(), -1), "a pending Wake ends the next Wait")
	go a.Wake()
	require.NoError(t, a.Wait(context.Background(), -1))
	require.NoError(t, a.Wait(context.Background(), 36*time.Second), "the wait ends after d (10ms real)")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, a.Wait(ctx, -1), context.Canceled)
}
