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
