package statemachine

import (
	"encoding/json"
	"slices"
	"sync"
)

// retriers are each state's Retry fields, read once from the definition.
var retriers = sync.OnceValue(func() map[string][]retrier {
	var def struct {
		States map[string]struct {
			Retry []retrier `json:"Retry"`
		} `json:"States"`
	}
	if err := json.Unmarshal(definition, &def); err != nil {
		panic("statemachine: vending.asl.json: " + err.Error()) // embedded; the package's tests parse it
	}
	out := map[string][]retrier{}
	for name, st := range def.States {
		out[name] = st.Retry
	}
	return out
})

type retrier struct {
	ErrorEquals []string `json:"ErrorEquals"`
	MaxAttempts *int     `json:"MaxAttempts"`
}

// Retries reports whether the state's Retry retries errorName, so that when
// that error fails the state it has already been retried and the failure is
// final. It follows the States Language: States.ALL matches every error but
// States.Runtime and States.DataLimitExceeded, States.TaskFailed every one of
// those but States.Timeout, and a MaxAttempts of 0 retries nothing.
func Retries(state, errorName string) bool {
	if errorName == "States.Runtime" || errorName == "States.DataLimitExceeded" {
		return false
	}
	for _, r := range retriers()[state] {
		if r.MaxAttempts != nil && *r.MaxAttempts == 0 {
			continue
		}
		if slices.Contains(r.ErrorEquals, errorName) || slices.Contains(r.ErrorEquals, "States.ALL") ||
			(slices.Contains(r.ErrorEquals, "States.TaskFailed") && errorName != "States.Timeout") {
			return true
		}
	}
	return false
}
