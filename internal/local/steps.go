package local

import (
	"fmt"
	"sync"
)

// Work that happens during a run at times of its own choosing (a scenario's
// steps: a request submitted an hour in, an account moved by hand once
// another request ended) runs on the runtime's clock, started with Go. Run
// waits for it: a run whose requests are all final is not over while such
// work still has steps to come.

// scheduled counts the pieces of work started with Go that have not returned.
type scheduled struct {
	mu      sync.Mutex
	running int
}

func (s *scheduled) add(n int) {
	s.mu.Lock()
	s.running += n
	s.mu.Unlock()
}

// pending is how many pieces of work have not returned.
func (s *scheduled) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// Go runs work as clock-scheduled work, once Run lets time move: it may
// sleep on r.Clock to wait for a time or a condition, and call the simulated
// AWS while the rest of the world stands still. Run does not finish before
// work returns, and counts its return as activity, so a run still waits its
// quiet period after work's last step.
func (r *Runtime) Go(work func()) {
	r.work.add(1)
	r.Clock.Go(func() {
		defer func() {
			r.NoteActivity()
			r.work.add(-1)
		}()
		work()
	})
}

// NoteActivity tells the runtime something happened in the world now (an
// action outside towervend), so a run does not end before its quiet period
// after it.
func (r *Runtime) NoteActivity() {
	r.mu.Lock()
	r.lastActivity = r.Clock.Now()
	r.mu.Unlock()
}

// Settled reports whether the run would end now if nothing more were to
// come: every request submitted has a final state, no execution runs, the
// request queue is empty, no world happening is due and the world has been
// quiet for Options.Quiet. Work started with Go may wait for it.
func (r *Runtime) Settled() bool { return r.finished() }

// pendingWork says what work started with Go is still to come, for a run
// that did not finish ("" when none is).
func (r *Runtime) pendingWork() string {
	if n := r.work.pending(); n > 0 {
		return fmt.Sprintf("%d scheduled piece(s) of work (e.g. a scenario's steps) still to come", n)
	}
	return ""
}
