package organizations

import "fmt"

// The organization as the other simulated services read and change it (through
// the root's glue): accounts and OUs are returned live, so a caller holding the
// lock may change their fields (Control Tower enrolling an account, say).

// ID is the organization's id, e.g. o-abc123defg.
func (s *Service) ID() string { return s.state.ID }

// RootID is the root's id, e.g. r-ab12.
func (s *Service) RootID() string { return s.state.RootID }

// ManagementAccountID is the organization's management account.
func (s *Service) ManagementAccountID() string { return s.state.ManagementAccountID }

// Account returns the account with id, or nil.
func (s *Service) Account(id string) *Account { return s.state.account(id) }

// AccountByEmail finds an account by email, case-insensitively as AWS does, or nil.
func (s *Service) AccountByEmail(email string) *Account { return s.state.accountByEmail(email) }

// OU returns the OU with id, or nil.
func (s *Service) OU(id string) *OU { return s.state.ou(id) }

// ChildOUs returns the OUs directly under parent (the root or an OU), sorted by name then id.
func (s *Service) ChildOUs(parent string) []*OU { return s.state.childOUs(parent) }

// AccountsIn returns the accounts directly under parent, sorted by id.
func (s *Service) AccountsIn(parent string) []*Account { return s.state.accountsIn(parent) }

// SortedAccounts returns every account sorted by id.
func (s *Service) SortedAccounts() []*Account { return s.state.sortedAccounts() }

// SortedOUs returns every OU sorted by id.
func (s *Service) SortedOUs() []*OU { return s.state.sortedOUs() }

// OUPath is an OU's path from Root, e.g. "Workloads/Prod" ("" for Root or an unknown id).
func (s *Service) OUPath(id string) string { return s.state.ouPath(id) }

// AccountArn is an account's ARN in AWS's format.
func (s *Service) AccountArn(id string) string { return s.state.accountArn(id) }

// OUArn is an OU's ARN in AWS's format.
func (s *Service) OUArn(id string) string { return s.state.ouArn(id) }

// AddAccount puts an account (with an id from NewAccountID) into the
// organization, as Control Tower's Organizations CreateAccount does. It keeps
// the pointer: the caller may go on changing the account.
func (s *Service) AddAccount(a *Account) { s.state.Accounts[a.ID] = a }

// MoveAccount puts an account under parent (the root or an OU). It reports
// false when there is no such account.
func (s *Service) MoveAccount(id, parent string) bool {
	a := s.state.account(id)
	if a == nil {
		return false
	}
	a.ParentID = parent
	return true
}

// --- operator's views and actions (the root's admin API) ---

// SetExecutionRole changes an account's AWSControlTowerExecution role (trusted,
// untrusted or missing), standing in for an operator fixing the account.
func (s *Service) SetExecutionRole(accountID, role string) error {
	switch role {
	case RoleTrusted, RoleUntrusted, RoleMissing:
	default:
		return fmt.Errorf("role %q: want %s, %s or %s", role, RoleTrusted, RoleUntrusted, RoleMissing)
	}
	a := s.state.account(accountID)
	if a == nil {
		return fmt.Errorf("no account %s in the simulated organization", accountID)
	}
	a.ExecutionRole = role
	return nil
}

// SetAccountStatus changes an account's status (ACTIVE, SUSPENDED or
// PENDING_CLOSURE) at once, standing in for AWS suspending an account.
func (s *Service) SetAccountStatus(accountID, status string) error {
	switch status {
	case "ACTIVE", "SUSPENDED", "PENDING_CLOSURE":
	default:
		return fmt.Errorf("status %q: want ACTIVE, SUSPENDED or PENDING_CLOSURE", status)
	}
	a := s.state.account(accountID)
	if a == nil {
		return fmt.Errorf("no account %s in the simulated organization", accountID)
	}
	a.Status = status
	return nil
}

// AccountCopy returns a copy of an account's state, or false.
func (s *Service) AccountCopy(id string) (Account, bool) {
	a := s.state.account(id)
	if a == nil {
		return Account{}, false
	}
	c := *a
	c.Tags = copyTags(a.Tags)
	return c, true
}

// AccountsNamed returns copies of the accounts with a name, sorted by id.
func (s *Service) AccountsNamed(name string) []Account {
	var out []Account
	for _, a := range s.state.sortedAccounts() {
		if a.Name == name {
			out = append(out, *a)
		}
	}
	return out
}
