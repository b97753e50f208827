package local

import (
	"math/rand/v2"
	"sync"
)

// newJitter returns a seeded source of floats in [0,1) for retry jitter,
// safe for concurrent use.
func newJitter(seed uint64) func() float64 {
	var mu sync.Mutex
	r := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc908))
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return r.Float64()
	}
}
