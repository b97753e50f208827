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
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.org.account(accountID)
	if a == nil {
		return fmt.Errorf("no account %s in the simulated organization", accountID)
	}
	a.ExecutionRole = role
	return nil
}
