package awssim

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
