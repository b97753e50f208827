package awssim

import (
	"encoding/json"

	"github.com/towervend/towervend/internal/awssim/accountfactory"
)

// Read-only views of the simulated state for measurements (towervend bench):
// they take the lock for an instant and copy nothing large.

// ProductsUnderChange counts the Account Factory provisioned products whose
// status is UNDER_CHANGE or PLAN_IN_PROGRESS: the count towervend's
// concurrency gate reads through SearchProvisionedProducts. It includes
// requests Service Catalog has accepted but not yet handed to Control Tower,
// so it can run ahead of AccountOperations' running count.
func (s *Sim) ProductsUnderChange() int {
	s.env.Lock()
	defer s.env.Unlock()
	return s.catalog.ProductsUnderChange()
}

// Function returns the handler registered for arn, or nil, so a caller can
// wrap it (to count invocations) and register the wrapper in its place.
func (s *Sim) Function(arn string) Function {
	s.env.Lock()
	defer s.env.Unlock()
	return s.functions.Function(arn)
}

// OperationTiming is one account operation Control Tower took: when Service
// Catalog accepted it, when Control Tower took it (a slot in use), the
// duration it drew for it, and when the record ended (the slot free again).
type OperationTiming = accountfactory.OperationTiming

// OperationTimings returns every account operation Control Tower has taken,
// in the order it took them, with the duration it drew for each from the
// world's spread. Reading them changes nothing and draws nothing from the
// seeded rand. A simulator restored from a snapshot has only those it took
// since.
func (s *Sim) OperationTimings() []OperationTiming {
	s.env.Lock()
	defer s.env.Unlock()
	return s.catalog.OperationTimings()
}

// DroppedLifecycleEvents returns Control Tower's lifecycle events
// (CreateManagedAccount, UpdateManagedAccount) that EventBridge never
// delivered because of Faults.DropLifecycleEvents, oldest first, as they
// would have been put on the bus. They are not on any bus, no rule saw them.
// Not to be confused with DroppedEvents: those were delivered, to a Lambda
// function that failed on them.
func (s *Sim) DroppedLifecycleEvents() []json.RawMessage { return s.events.DroppedLifecycleEvents() }
