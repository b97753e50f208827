package protocol

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/towervend/towervend/internal/clock"
)

// Env is what every simulated service hangs off instead of the whole
// simulator: time, the one seeded source of ids, where it runs, the lock that
// guards all state, and event publishing. The root package builds one and
// hands it to each service.
//
// Handlers run with the lock held; code a timer runs must take it (AfterLocked
// does) and must not hold it while calling out (Lambda stand-ins, the clock's
// Sleep).
type Env struct {
	sync.Mutex

	Clock clock.Clock
	// Region is the Control Tower home Region.
	Region string
	// Start is the simulated time the world started at.
	Start time.Time
	// Seed is the world's seed; services that need a rand of their own derive it from this.
	Seed uint64
	// ManagementAccountID is the organization's management account, which owns
	// every resource the simulator creates (queues, buses, state machines).
	ManagementAccountID string

	pcg     *rand.PCG
	rng     *rand.Rand
	faults  Faults
	publish func(Event)
}

// NewEnv returns an Env whose ids and faults come from seed.
func NewEnv(clk clock.Clock, region string, start time.Time, seed uint64, faults Faults) *Env {
	pcg := rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)
	return &Env{Clock: clk, Region: region, Start: start, Seed: seed, pcg: pcg, rng: rand.New(pcg), faults: faults}
}

// Rand is the seeded rand every id and fault is drawn from. The lock is held.
func (e *Env) Rand() *rand.Rand { return e.rng }

// RandState and SetRandState save and restore the rand for snapshots.
func (e *Env) RandState() ([]byte, error) { return e.pcg.MarshalBinary() }

// SetRandState restores a state RandState returned.
func (e *Env) SetRandState(b []byte) error { return e.pcg.UnmarshalBinary(b) }

// Faults are the faults in force. The lock is held.
func (e *Env) Faults() *Faults { return &e.faults }

// SetFaults replaces the faults from now on. The lock is held.
func (e *Env) SetFaults(f Faults) { e.faults = f }

// Now is the simulated time.
func (e *Env) Now() time.Time { return e.Clock.Now() }

// AfterLocked runs f after d of simulated time, with the lock held.
func (e *Env) AfterLocked(d time.Duration, f func()) {
	e.Clock.AfterFunc(d, func() {
		e.Lock()
		defer e.Unlock()
		f()
	})
}

// Event is an event an AWS service puts on EventBridge.
type Event struct {
	Source     string
	DetailType string
	// Detail is marshalled as the event's "detail"; json.RawMessage passes as is.
	Detail any
	// Resources are the event's resource ARNs (nil: none).
	Resources []string
	// Time is when it happened; zero means now.
	Time time.Time
	// Account is the account whose default bus receives the event; empty means
	// the management account (where towervend's rules are).
	Account string
}

// SetPublisher names where Publish delivers: the root wires EventBridge in.
func (e *Env) SetPublisher(f func(Event)) { e.publish = f }

// Publish puts a service event on the default bus of its Account (the
// management account's when empty) in the home Region. The lock is held.
// Without a publisher the event is dropped.
func (e *Env) Publish(ev Event) {
	if e.publish != nil {
		e.publish(ev)
	}
}

// Alphabets for RandString.
const (
	LowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	Digits     = "0123456789"
	HexDigits  = "0123456789abcdef"
)

// RandString draws n characters of alphabet from the seeded rand. The lock is held.
func (e *Env) RandString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[e.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// IDOr returns given, the id a world's spec chose, or when the spec left it
// empty, prefix and n characters of alphabet drawn from the seeded rand. The
// lock is held (or the world is being built).
func (e *Env) IDOr(given, prefix string, n int, alphabet string) string {
	if given != "" {
		return given
	}
	return prefix + e.RandString(n, alphabet)
}

// UUID returns a version-4 shaped UUID from the seeded rand. The lock is held.
func (e *Env) UUID() string {
	h := e.RandString(32, HexDigits)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}
