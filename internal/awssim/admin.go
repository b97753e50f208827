package awssim

// SetExecutionRole changes an account's AWSControlTowerExecution role (trusted,
// untrusted or missing), standing in for an operator fixing the account.
func (s *Sim) SetExecutionRole(accountID, role string) error {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.SetExecutionRole(accountID, role)
}

// SetAccountStatus changes an account's status (ACTIVE, SUSPENDED or
// PENDING_CLOSURE) at once, standing in for AWS suspending an account.
func (s *Sim) SetAccountStatus(accountID, status string) error {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.SetAccountStatus(accountID, status)
}

// AccountOperations reports Control Tower's account operations, Account
// Factory's and auto-enrollment's (an account MoveAccount put into a
// registered OU) alike: how many run now, the most that ever ran at once,
// and how many it refused because it was busy, at its limit, or in
// conflict with a move in flight.
func (s *Sim) AccountOperations() (running, peak, refused int) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.catalog.AccountOperations()
}

// Account returns a copy of an account's state, or false.
func (s *Sim) Account(id string) (Account, bool) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.AccountCopy(id)
}

// AccountsNamed returns the accounts with a name, sorted by id.
func (s *Sim) AccountsNamed(name string) []Account {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.AccountsNamed(name)
}

// OUPath is an OU's path from Root ("" for Root or an unknown id).
func (s *Sim) OUPath(id string) string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.OUPath(id)
}

// AccountByEmail returns a copy of the account with an email (compared
// case-insensitively, as AWS does), or false.
func (s *Sim) AccountByEmail(email string) (Account, bool) {
	s.env.Lock()
	defer s.env.Unlock()
	a := s.org.AccountByEmail(email)
	if a == nil {
		return Account{}, false
	}
	return s.org.AccountCopy(a.ID)
}

// AccountCount is how many accounts the organization has, in any status.
func (s *Sim) AccountCount() int {
	s.env.Lock()
	defer s.env.Unlock()
	return len(s.org.SortedAccounts())
}

// AccountArn is the ARN Organizations gives an account.
func (s *Sim) AccountArn(id string) string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.AccountArn(id)
}

// OUArn is the ARN Organizations gives an OU.
func (s *Sim) OUArn(id string) string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.OUArn(id)
}
