package awssim

import "fmt"

// SetExecutionRole changes an account's AWSControlTowerExecution role (trusted,
// untrusted or missing), standing in for an operator fixing the account.
func (s *Sim) SetExecutionRole(accountID, role string) error {
	switch role {
	case RoleTrusted, RoleUntrusted, RoleMissing:
	default:
		return fmt.Errorf("role %q: want %s, %s or %s", role, RoleTrusted, RoleUntrusted, RoleMissing)
	}
	s.env.Lock()
	defer s.env.Unlock()
	a := s.org.account(accountID)
	if a == nil {
		return fmt.Errorf("no account %s in the simulated organization", accountID)
	}
	a.ExecutionRole = role
	return nil
}

// SetAccountStatus changes an account's status (ACTIVE, SUSPENDED or
// PENDING_CLOSURE) at once, standing in for AWS suspending an account.
func (s *Sim) SetAccountStatus(accountID, status string) error {
	switch status {
	case "ACTIVE", "SUSPENDED", "PENDING_CLOSURE":
	default:
		return fmt.Errorf("status %q: want ACTIVE, SUSPENDED or PENDING_CLOSURE", status)
	}
	s.env.Lock()
	defer s.env.Unlock()
	a := s.org.account(accountID)
	if a == nil {
		return fmt.Errorf("no account %s in the simulated organization", accountID)
	}
	a.Status = status
	return nil
}

// AccountOperations reports Control Tower's account operations: how many run
// now, the most that ever ran at once, and how many it refused because it was
// busy or at its limit.
func (s *Sim) AccountOperations() (running, peak, refused int) {
	s.env.Lock()
	defer s.env.Unlock()
	running, _ = s.afInFlight()
	return running, s.catalog.PeakInFlight, s.catalog.Refused
}

// Account returns a copy of an account's state, or false.
func (s *Sim) Account(id string) (Account, bool) {
	s.env.Lock()
	defer s.env.Unlock()
	a := s.org.account(id)
	if a == nil {
		return Account{}, false
	}
	c := *a
	c.Tags = copyTags(a.Tags)
	return c, true
}

// AccountsNamed returns the accounts with a name, sorted by id.
func (s *Sim) AccountsNamed(name string) []Account {
	s.env.Lock()
	defer s.env.Unlock()
	var out []Account
	for _, a := range s.org.sortedAccounts() {
		if a.Name == name {
			out = append(out, *a)
		}
	}
	return out
}

// OUPath is an OU's path from Root ("" for Root or an unknown id).
func (s *Sim) OUPath(id string) string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.ouPath(id)
}
