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

// AccountOperations reports Control Tower's account operations: how many run
// now, the most that ever ran at once, and how many it refused because it was
// busy or at its limit.
func (s *Sim) AccountOperations() (running, peak, refused int) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.catalog.AccountOperations()
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

// AccountByEmail returns a copy of the account with an email (compared
// case-insensitively, as AWS does), or false.
func (s *Sim) AccountByEmail(email string) (Account, bool) {
	s.env.Lock()
	defer s.env.Unlock()
	a := s.org.accountByEmail(email)
	if a == nil {
		return Account{}, false
	}
	c := *a
	c.Tags = copyTags(a.Tags)
	return c, true
}

// AccountCount is how many accounts the organization has, in any status.
func (s *Sim) AccountCount() int {
	s.env.Lock()
	defer s.env.Unlock()
	return len(s.org.Accounts)
}

// AccountArn is the ARN Organizations gives an account.
func (s *Sim) AccountArn(id string) string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.accountArn(id)
}

// OUArn is the ARN Organizations gives an OU.
func (s *Sim) OUArn(id string) string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.ouArn(id)
}

// IdentityCenter returns a copy of IAM Identity Center's state: the instance,
// its users, groups, permission sets, assignments and assignment operations.
func (s *Sim) IdentityCenter() IdentityState {
	s.env.Lock()
	defer s.env.Unlock()
	id := s.identity
	out := id
	out.Users = copyValues(id.Users)
	out.Groups = copyValues(id.Groups)
	for _, g := range out.Groups {
		g.Members = append([]string(nil), g.Members...)
	}
	out.PermissionSets = copyValues(id.PermissionSets)
	out.Assignments = make([]*Assignment, len(id.Assignments))
	for i, a := range id.Assignments {
		c := *a
		out.Assignments[i] = &c
	}
	out.Operations = copyValues(id.Operations)
	return out
}

// copyValues copies a map of pointers and what they point to.
func copyValues[V any](m map[string]*V) map[string]*V {
	if m == nil {
		return nil
	}
	out := make(map[string]*V, len(m))
	for k, v := range m {
		c := *v
		out[k] = &c
	}
	return out
}
