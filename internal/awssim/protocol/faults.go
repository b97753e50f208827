package protocol

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Faults are what can go wrong, on purpose. Rates are probabilities per call in [0,1].
type Faults struct {
	// Throttle answers that share of calls with the service's own throttling error.
	// Keys are services: organizations, servicecatalog, sso, identitystore, sts, sqs, events, states, dynamodb.
	Throttle map[string]float64 `json:"throttle,omitempty"`
	// ServerErrors answers that share of calls with a 500 InternalFailure.
	ServerErrors map[string]float64 `json:"serverErrors,omitempty"`
	// Latency adds real (not simulated) time to every call of a service.
	Latency map[string]Duration `json:"latency,omitempty"`
	// FailProvisioning names accounts (by name or email) whose provisioning fails once.
	FailProvisioning []string `json:"failProvisioning,omitempty"`
	// FailProvisioningRate fails that share of account operations.
	FailProvisioningRate float64 `json:"failProvisioningRate,omitempty"`
	// ControlTowerBusy lists stretches, as offsets from the world's start, during
	// which another Control Tower operation is running and Account Factory refuses work.
	ControlTowerBusy []Window `json:"controlTowerBusy,omitempty"`
	// DropLifecycleEvents is the share of Control Tower's lifecycle events
	// (CreateManagedAccount, UpdateManagedAccount) EventBridge never
	// delivers: the operation ends and its record says so, but no rule sees
	// the event. They reach EventBridge through CloudTrail, whose delivery AWS
	// documents as best effort ("in some rare cases an event might not be
	// delivered"); this makes the rare case common, to test what relies on them.
	DropLifecycleEvents float64 `json:"dropLifecycleEvents,omitempty"`
	// FailCreateAccount makes Organizations fail the next CreateAccount of
	// an account (by name or email) with a reason of AWS's, so every
	// FailureReason DescribeCreateAccountStatus documents can be reached.
	FailCreateAccount []CreateAccountFailure `json:"failCreateAccount,omitempty"`
}

// CreateAccountFailure fails the next CreateAccount request whose account
// name or email (compared case-insensitively, as AWS compares emails) is the
// one given: the request is accepted IN_PROGRESS as usual and ends FAILED
// with Reason when it completes. Each entry fails one request.
type CreateAccountFailure struct {
	Name   string `json:"name,omitempty"`
	Email  string `json:"email,omitempty"`
	Reason string `json:"reason"`
}

// CreateAccountFailureReasons are the FailureReason values of Organizations'
// CreateAccountStatus, as the API reference lists them.
var CreateAccountFailureReasons = []string{
	"ACCOUNT_LIMIT_EXCEEDED", "EMAIL_ALREADY_EXISTS", "INVALID_ADDRESS", "INVALID_EMAIL",
	"CONCURRENT_ACCOUNT_MODIFICATION", "INTERNAL_FAILURE", "GOVCLOUD_ACCOUNT_ALREADY_EXISTS",
	"MISSING_BUSINESS_VALIDATION", "FAILED_BUSINESS_VALIDATION", "PENDING_BUSINESS_VALIDATION",
	"INVALID_IDENTITY_FOR_BUSINESS_VALIDATION", "UNKNOWN_BUSINESS_VALIDATION", "MISSING_PAYMENT_INSTRUMENT",
	"INVALID_PAYMENT_INSTRUMENT", "UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED",
}

// Validate checks every rate is a probability; an error names the field as
// a world file spells it.
func (f *Faults) Validate() error {
	for _, svc := range sortedKeys(f.Throttle) {
		if rate := f.Throttle[svc]; rate < 0 || rate > 1 {
			return fmt.Errorf("faults.throttle.%s: rate %v must be between 0 and 1", svc, rate)
		}
	}
	for _, svc := range sortedKeys(f.ServerErrors) {
		if rate := f.ServerErrors[svc]; rate < 0 || rate > 1 {
			return fmt.Errorf("faults.serverErrors.%s: rate %v must be between 0 and 1", svc, rate)
		}
	}
	if rate := f.FailProvisioningRate; rate < 0 || rate > 1 {
		return fmt.Errorf("faults.failProvisioningRate: rate %v must be between 0 and 1", rate)
	}
	if rate := f.DropLifecycleEvents; rate < 0 || rate > 1 {
		return fmt.Errorf("faults.dropLifecycleEvents: rate %v must be between 0 and 1 (the share of Control Tower lifecycle events EventBridge drops)", rate)
	}
	for i, c := range f.FailCreateAccount {
		field := fmt.Sprintf("faults.failCreateAccount[%d]", i)
		if (c.Name == "") == (c.Email == "") {
			return fmt.Errorf("%s: give the account's name or its email (one of them) to say which CreateAccount fails", field)
		}
		if !slices.Contains(CreateAccountFailureReasons, c.Reason) {
			return fmt.Errorf("%s.reason: %q is not a CreateAccount FailureReason; use one of %s", field, c.Reason, strings.Join(CreateAccountFailureReasons, ", "))
		}
	}
	return nil
}

// sortedKeys returns a map's keys in order, so the first bad rate reported is always the same.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// DropsLifecycleEvent decides, from the seeded rand, whether EventBridge
// drops a Control Tower lifecycle event. It draws only when the rate is set,
// so a world without the fault repeats as before. The Env's lock is held.
func (f *Faults) DropsLifecycleEvent(rng *rand.Rand) bool {
	return f.DropLifecycleEvents > 0 && rng.Float64() < f.DropLifecycleEvents
}

// Inject decides, from the seeded rand, whether a call to service is throttled
// (with the service's own error) or fails with a 500. The Env's lock is held.
func (f *Faults) Inject(rng *rand.Rand, service string, throttle *APIError) *APIError {
	if rate := f.Throttle[service]; rate > 0 && rng.Float64() < rate {
		e := *throttle
		return &e
	}
	if rate := f.ServerErrors[service]; rate > 0 && rng.Float64() < rate {
		return InternalFailure()
	}
	return nil
}

// Window is a stretch of simulated time given as offsets from the world's start.
type Window struct {
	From  Duration `json:"from"`
	Until Duration `json:"until"`
}

// Duration is a time.Duration written as "30m" or "1h30m" in JSON.
type Duration time.Duration

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string like \"30m\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }
