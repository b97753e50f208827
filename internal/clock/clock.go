// Package clock gives towervend's simulated world and local runtime a time source
// that tests and demos can compress: a 30-minute Control Tower provisioning runs in
// microseconds on a Virtual clock and in real time on the Real clock.
//
// It imports only the standard library; everything that waits or schedules
// takes a Clock.
package clock

import (
	"context"
	"time"
)

// Clock is the time source every simulated component reads. Work that must be
// scheduled by the clock (goroutines that sleep on it) is started with Go, so a
// Virtual clock knows when the whole system is idle and may jump ahead.
type Clock interface {
	// Now is the current (possibly simulated) time.
	Now() time.Time
	// Sleep blocks for d of clock time, or until ctx is done (then it returns ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
	// AfterFunc runs f in its own clock-scheduled goroutine once d has passed.
	// The returned stop function cancels it and reports whether it was still pending.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
	// Go runs f as clock-scheduled work.
	Go(f func())
	// NewAlarm returns an Alarm on this clock.
	NewAlarm() Alarm
}

// Alarm is a sleep that another goroutine can end early: clock-scheduled work
// waiting for something that comes from outside its own goroutine (a callback
// through an API, a message from other work) sleeps on an Alarm, and whoever
// brings that something calls Wake. The waiter never blocks a Virtual clock,
// and Wake gives it its turn back at once, in the order of the waker's other
// scheduling, so a run stays deterministic (a context cancellation, by
// contrast, reaches a sleeper asynchronously).
type Alarm interface {
	// Wait blocks for d of clock time (d < 0: until woken), until Wake is
	// called or until ctx is done (then it returns ctx.Err()). A Wake that
	// came while no Wait was in progress makes the next Wait return at once.
	// Like Sleep, it must be called from clock-scheduled work under a Virtual
	// clock. One goroutine at a time may wait on an Alarm.
	Wait(ctx context.Context, d time.Duration) error
	// Wake ends the Wait in progress, or the next one. Any goroutine may call
	// it, at any time, any number of times.
	Wake()
}

// Real is the wall clock scaled by Speed: with Speed 60 one simulated minute
// takes one real second. The zero value runs at real speed. It is what the
// standalone simulator (`towervend sim`) uses, where callers arrive from outside.
type Real struct {
	// Speed is how many simulated seconds pass per real second; 0 means 1.
	Speed float64
	start time.Time
	base  time.Time
}

// NewReal returns a Real clock that starts at the wall-clock now and runs speed times faster.
func NewReal(speed float64) *Real {
	now := time.Now().UTC()
	return &Real{Speed: speed, start: now, base: now}
}

func (r *Real) speed() float64 {
	if r.Speed <= 0 {
		return 1
	}
	return r.Speed
}

func (r *Real) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) / r.speed())
}

// Now implements Clock.
func (r *Real) Now() time.Time {
	if r.start.IsZero() {
		return time.Now().UTC()
	}
	elapsed := time.Since(r.start)
	return r.base.Add(time.Duration(float64(elapsed) * r.speed()))
}

// Sleep implements Clock.
func (r *Real) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(r.real(d))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// AfterFunc implements Clock.
func (r *Real) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(r.real(d), f).Stop
}

// Go implements Clock.
func (r *Real) Go(f func()) { go f() }

// NewAlarm implements Clock.
func (r *Real) NewAlarm() Alarm { return &realAlarm{r: r, woken: make(chan struct{}, 1)} }

type realAlarm struct {
	r     *Real
	woken chan struct{} // holds one pending Wake
}

func (a *realAlarm) Wait(ctx context.Context, d time.Duration) error {
	var expired <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(a.r.real(d))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-a.woken:
		return nil
	case <-expired:
		return nil
	}
}

func (a *realAlarm) Wake() {
	select {
	case a.woken <- struct{}{}:
	default: // a Wake is pending already
	}
}
