package clock

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Virtual is a discrete-event clock. Work started with Go or AfterFunc runs one
// piece at a time; when the running piece blocks in Sleep (or ends), the clock
// wakes the next piece due, jumping time forward when nothing is due now. So a run
// of the whole local world is deterministic for a given seed, and hours of
// simulated Control Tower time take milliseconds.
//
// Code running under a Virtual clock must not block on anything but the clock
// (mutexes held briefly are fine); waiting on another clock-scheduled goroutine
// through a channel would stop time.
type Virtual struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	timers  timerHeap
	running bool
	pace    float64 // simulated seconds per real second; 0 = as fast as possible
	idle    *sync.Cond
}

// NewVirtual returns a Virtual clock starting at start, held by the caller: no
// scheduled work runs and time stands still until the caller calls Advance or
// Release. pace slows it to a watchable speed (e.g. 600 = ten simulated minutes
// per real second); 0 runs as fast as the work allows.
func NewVirtual(start time.Time, pace float64) *Virtual {
	v := &Virtual{now: start.UTC(), pace: pace, running: true}
	v.idle = sync.NewCond(&v.mu)
	return v
}

type timer struct {
	when  time.Time
	seq   uint64
	wake  chan struct{} // a sleeping goroutine, or
	fn    func()        // work to start
	index int
	fired bool
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].when.Equal(h[j].when) {
		return h[i].seq < h[j].seq
	}
	return h[i].when.Before(h[j].when)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *timerHeap) Push(x any)   { t := x.(*timer); t.index = len(*h); *h = append(*h, t) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	t.index = -1
	return t
}

// Now implements Clock.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

func (v *Virtual) add(t *timer) {
	v.seq++
	t.seq = v.seq
	heap.Push(&v.timers, t)
}

// Sleep implements Clock. It must be called from clock-scheduled work (started
// with Go or AfterFunc); code outside uses Advance. A cancellation is noticed at
// once if ctx is already done, otherwise at the latest when the sleep ends.
func (v *Virtual) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d < 0 {
		d = 0
	}
	v.mu.Lock()
	t := &timer{when: v.now.Add(d), wake: make(chan struct{})}
	v.add(t)
	v.release()
	v.mu.Unlock()
	select {
	case <-t.wake:
		return nil
	case <-ctx.Done():
		v.mu.Lock()
		if !t.fired {
			// Wait for our turn again, now, so work still runs one piece at a time.
			heap.Remove(&v.timers, t.index)
			t = &timer{when: v.now, wake: make(chan struct{})}
			v.add(t)
			v.kick()
		}
		v.mu.Unlock()
		<-t.wake
		return ctx.Err()
	}
}

// AfterFunc implements Clock.
func (v *Virtual) AfterFunc(d time.Duration, f func()) func() bool {
	if d < 0 {
		d = 0
	}
	v.mu.Lock()
	t := &timer{when: v.now.Add(d), fn: f}
	v.add(t)
	v.kick()
	v.mu.Unlock()
	return func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		if t.fired || t.index < 0 {
			return false
		}
		heap.Remove(&v.timers, t.index)
		return true
	}
}

// Go implements Clock: f runs when the work running now blocks.
func (v *Virtual) Go(f func()) { v.AfterFunc(0, f) }

// NewAlarm implements Clock.
func (v *Virtual) NewAlarm() Alarm { return &virtualAlarm{v: v} }

// virtualAlarm is a Sleep whose timer Wake can move to now. Its fields are
// guarded by v.mu.
type virtualAlarm struct {
	v       *Virtual
	waiting *timer // the Wait in progress, nil if none
	pending bool   // a Wake came while no Wait was in progress
}

func (a *virtualAlarm) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v := a.v
	v.mu.Lock()
	if a.pending {
		a.pending = false
		v.mu.Unlock()
		return nil
	}
	t := &timer{wake: make(chan struct{}), index: -1}
	if d >= 0 {
		t.when = v.now.Add(d)
		v.add(t)
	} // else: no timer at all, so an idle clock does not jump ahead for it
	a.waiting = t
	v.release()
	v.mu.Unlock()
	select {
	case <-t.wake:
	case <-ctx.Done():
		v.mu.Lock()
		if a.waiting == t && !t.fired {
			a.requeue(t) // take the turn back now, as Sleep does
		}
		v.mu.Unlock()
		<-t.wake
	}
	v.mu.Lock()
	if a.waiting == t {
		a.waiting = nil
	}
	v.mu.Unlock()
	return ctx.Err()
}

func (a *virtualAlarm) Wake() {
	a.v.mu.Lock()
	defer a.v.mu.Unlock()
	t := a.waiting
	if t == nil || t.fired {
		a.pending = true // the waiter is not asleep: its next Wait returns at once
		return
	}
	a.requeue(t)
}

// requeue moves the waiting timer to now, behind the work already due now,
// and lets the clock run it. v.mu is held.
func (a *virtualAlarm) requeue(t *timer) {
	v := a.v
	a.waiting = nil
	if t.index >= 0 {
		heap.Remove(&v.timers, t.index)
	}
	t.when = v.now
	v.add(t)
	v.kick()
}

// release marks the running piece of work as blocked or done and starts the next.
// v.mu is held.
func (v *Virtual) release() {
	v.running = false
	v.kick()
}

// kick starts the next due piece of work if none is running. v.mu is held.
func (v *Virtual) kick() {
	if v.running || len(v.timers) == 0 {
		v.idle.Broadcast()
		return
	}
	next := v.timers[0]
	if v.pace > 0 && next.when.After(v.now) {
		// Let the clock's pacer goroutine do the real-time wait.
		v.running = true
		go v.paceTo(next)
		return
	}
	v.fire(heap.Pop(&v.timers).(*timer))
}

func (v *Virtual) paceTo(next *timer) {
	v.mu.Lock()
	gap := next.when.Sub(v.now)
	v.mu.Unlock()
	time.Sleep(time.Duration(float64(gap) / v.pace))
	v.mu.Lock()
	defer v.mu.Unlock()
	v.running = false
	// Whatever is earliest now (new work may have arrived from outside) goes next.
	if len(v.timers) > 0 {
		v.fire(heap.Pop(&v.timers).(*timer))
	}
}

// fire advances time to t and gives it the turn. v.mu is held.
func (v *Virtual) fire(t *timer) {
	if t.when.After(v.now) {
		v.now = t.when
	}
	t.fired = true
	v.running = true
	if t.wake != nil {
		close(t.wake)
		return
	}
	go func() {
		t.fn()
		v.mu.Lock()
		v.release()
		v.mu.Unlock()
	}()
}

// Advance runs the clock forward by d on behalf of a caller that holds it (see
// NewVirtual and Hold), running all work due on the way, and returns holding it
// again. Tests drive time with it and inspect the world in between.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	t := &timer{when: v.now.Add(d), wake: make(chan struct{})}
	v.add(t)
	v.release()
	v.mu.Unlock()
	<-t.wake
}

// Release lets a caller that holds the clock step aside: from now on time moves
// by itself whenever no work is running.
func (v *Virtual) Release() {
	v.mu.Lock()
	v.release()
	v.mu.Unlock()
}

// Hold waits for the running work to block and then holds the clock, so a caller
// outside the clock-scheduled work can look at the world at one instant.
func (v *Virtual) Hold() {
	v.mu.Lock()
	t := &timer{when: v.now, wake: make(chan struct{})}
	v.add(t)
	v.kick()
	v.mu.Unlock()
	<-t.wake
}

// HoldNext is Hold asked for by work running under the clock: it queues the
// hold now, so the caller outside the clock gets the turn (by calling wait)
// once the work due at this instant has run, before time moves on. Hold
// called from outside later could find hours passed meanwhile.
func (v *Virtual) HoldNext() (wait func()) {
	v.mu.Lock()
	t := &timer{when: v.now, wake: make(chan struct{})}
	v.add(t)
	v.mu.Unlock()
	return func() { <-t.wake }
}

// WaitIdle blocks until no clock-scheduled work is running and none is due, i.e.
// everything left is waiting for a time that will only come if someone sleeps.
// It is for tests and for the local runtime's end-of-run check.
func (v *Virtual) WaitIdle() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for v.running {
		v.idle.Wait()
	}
}
