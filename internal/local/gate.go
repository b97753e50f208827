package local

import (
	"context"
	"sync"

	"github.com/towervend/towervend/internal/handler"
)

// reservedConcurrencyOne gives a function what a reserved concurrency of one
// gives it on AWS: while one invocation runs, another is refused with Lambda's
// throttling error (which the state machine retries) instead of running beside it.
// The provision function relies on it: its count-then-start is the
// Control Tower concurrency gate.
func reservedConcurrencyOne(f handler.Func) handler.Func {
	var mu sync.Mutex
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		if !mu.TryLock() {
			return nil, &handler.Error{Type: "Lambda.TooManyRequestsException", Message: "Rate Exceeded."}
		}
		defer mu.Unlock()
		return f(ctx, payload)
	}
}
