package awssim

import (
	"fmt"
	"time"

	"github.com/towervend/towervend/internal/awssim/accountfactory"
	"github.com/towervend/towervend/internal/awssim/identitycenter"
)

// Glue between the root and Account Factory (package accountfactory): the
// organization and Identity Center it reads and changes, and the world's
// ControlTowerSpec turned into its Settings.

// buildAccountFactory creates Service Catalog's Account Factory product after
// the organization and Identity Center, whose enrolled accounts it gives
// provisioned products.
func (s *Sim) buildAccountFactory(w *World) error {
	ct := w.ControlTower
	controls, err := s.enabledControls(ct.EnabledControls)
	if err != nil {
		return err
	}
	af, err := accountfactory.New(s.env, afOrganization{s}, afIdentity{s}, accountfactory.Settings{
		ConcurrentAccountOperations: ct.ConcurrentAccountOperations,
		ProvisioningTime:            ct.ProvisioningTime.D(),
		EnrollmentTime:              ct.EnrollmentTime.D(),
		UpdateTime:                  ct.UpdateTime.D(),
		TerminateTime:               ct.TerminateTime.D(),
		Spread:                      ct.Spread.D(),
		PortfolioPrincipals:         ct.PortfolioPrincipals,
		LandingZoneVersion:          ct.LandingZoneVersion,
		Owners:                      owners(w),
		EnabledControls:             controls,
		RemediationTypes:            ct.RemediationTypes,
	})
	if err != nil {
		return err
	}
	s.catalog = af
	return nil
}

// enabledControls resolves the world's controlTower.enabledControls: each
// OU, by path or id, to its id (it must be registered), each control to its
// identifier.
func (s *Sim) enabledControls(byOU map[string][]string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, key := range sortedKeys(byOU) {
		ou := s.org.OU(key)
		for _, u := range s.org.SortedOUs() {
			if ou == nil && s.org.OUPath(u.ID) == key {
				ou = u
			}
		}
		switch {
		case ou == nil:
			return nil, fmt.Errorf("controlTower.enabledControls: no OU %q in the organization; name an OU by its path from Root (Workloads/Prod) or its id", key)
		case !ou.Registered:
			return nil, fmt.Errorf("controlTower.enabledControls: OU %q is not registered with Control Tower; controls are enabled on registered OUs only", key)
		}
		for _, c := range byOU[key] {
			arn, ok := accountfactory.ControlARN(s.env.Region, c)
			if !ok {
				return nil, fmt.Errorf("controlTower.enabledControls.%s: %q is not a control identifier; give its ARN or a name such as AWS-GR_RESTRICTED_SSH", key, c)
			}
			out[ou.ID] = append(out[ou.ID], arn)
		}
	}
	return out, nil
}

// AccountFactory returns a copy of Account Factory's state: the portfolio and
// product, provisioned products, records and Control Tower's operations.
func (s *Sim) AccountFactory() accountfactory.State {
	s.env.Lock()
	defer s.env.Unlock()
	return s.catalog.State().Copy()
}

// ControlTowerBaselineARN is the AWSControlTowerBaseline identifier callers filter on.
func (s *Sim) ControlTowerBaselineARN() string { return s.catalog.BaselineARN() }

// afOrganization is the Organization Account Factory sees: the Sim's live
// organization state. The lock is held when it is called.
type afOrganization struct{ s *Sim }

func afAccount(a *Account) accountfactory.Account {
	return accountfactory.Account{ID: a.ID, Name: a.Name, Email: a.Email, ParentID: a.ParentID, Status: a.Status,
		JoinedMethod: a.JoinedMethod, JoinedTimestamp: a.JoinedTimestamp, ExecutionRoleTrusted: a.ExecutionRole == RoleTrusted,
		ExecutionRoleExists: a.ExecutionRole != RoleMissing, Enrolled: a.Enrolled}
}

func afAccounts(as []*Account) []accountfactory.Account {
	out := make([]accountfactory.Account, len(as))
	for i, a := range as {
		out[i] = afAccount(a)
	}
	return out
}

func afOU(u *OU) accountfactory.OU {
	return accountfactory.OU{ID: u.ID, Name: u.Name, ParentID: u.ParentID, Registered: u.Registered}
}

func (o afOrganization) RootID() string { return o.s.org.RootID() }

func (o afOrganization) Account(id string) (accountfactory.Account, bool) {
	if a := o.s.org.Account(id); a != nil {
		return afAccount(a), true
	}
	return accountfactory.Account{}, false
}

func (o afOrganization) AccountByEmail(email string) (accountfactory.Account, bool) {
	if a := o.s.org.AccountByEmail(email); a != nil {
		return afAccount(a), true
	}
	return accountfactory.Account{}, false
}

func (o afOrganization) Accounts() []accountfactory.Account {
	return afAccounts(o.s.org.SortedAccounts())
}

func (o afOrganization) AccountsIn(parent string) []accountfactory.Account {
	return afAccounts(o.s.org.AccountsIn(parent))
}

func (o afOrganization) OU(id string) (accountfactory.OU, bool) {
	if u := o.s.org.OU(id); u != nil {
		return afOU(u), true
	}
	return accountfactory.OU{}, false
}

func (o afOrganization) OUs() []accountfactory.OU {
	var out []accountfactory.OU
	for _, u := range o.s.org.SortedOUs() {
		out = append(out, afOU(u))
	}
	return out
}

func (o afOrganization) ChildOUs(parent string) []accountfactory.OU {
	var out []accountfactory.OU
	for _, u := range o.s.org.ChildOUs(parent) {
		out = append(out, afOU(u))
	}
	return out
}

func (o afOrganization) AccountArn(id string) string { return o.s.org.AccountArn(id) }

func (o afOrganization) OUArn(id string) string { return o.s.org.OUArn(id) }

// StartCreateAccount is the Organizations CreateAccount call Control Tower's
// workflow makes: an ordinary one, with its CreateAccountResult and
// AccountJoinedOrganization events.
func (o afOrganization) StartCreateAccount(name, email string) (string, bool, error) {
	id, aerr := o.s.org.CreateAccountForControlTower(name, email)
	if aerr != nil {
		busy := aerr.Fields["Reason"] == "ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED"
		return "", busy, aerr
	}
	return id, false, nil
}

func (o afOrganization) CreateAccountStatus(id string) (state, accountID, failureReason string) {
	state, accountID, failureReason, _ = o.s.org.CreateAccountStatus(id)
	return state, accountID, failureReason
}

func (o afOrganization) MoveAccount(id, parent string) { o.s.org.MoveAccount(id, parent) }

func (o afOrganization) RenameAccount(id, name string) {
	if a := o.s.org.Account(id); a != nil {
		a.Name = name
	}
}

func (o afOrganization) SetEnrolled(id string, enrolled bool) {
	if a := o.s.org.Account(id); a != nil {
		a.Enrolled = enrolled
	}
}

func (o afOrganization) TrustExecutionRole(id string) {
	if a := o.s.org.Account(id); a != nil {
		a.ExecutionRole = RoleTrusted
	}
}

// ConsoleAccount is an account an administrator creates in Control Tower's
// Account Factory console.
type ConsoleAccount struct {
	Name, Email string
	// OU is the target OU's path from Root (e.g. Workloads/Prod) or id.
	OU string
	// Owner is the account's Identity Center user: email, first and last name.
	OwnerEmail, OwnerFirstName, OwnerLastName string
}

// ProvisionInConsole creates an account the way an administrator does in
// Control Tower's Account Factory console, not through towervend (as
// arn:aws:sts::<management>:assumed-role/AWSReservedSSO_AWSAdministratorAccess_…/console-admin):
// Control Tower creates the account through Organizations CreateAccount
// (CreateAccountResult minutes in), finishes with CreateManagedAccount, and
// only then does the provisioned product have its PhysicalId. It returns the
// provisioned product's id.
func (s *Sim) ProvisionInConsole(a ConsoleAccount) (string, error) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.provisionInConsole(a)
}

// provisionInConsole is ProvisionInConsole with the lock held.
func (s *Sim) provisionInConsole(a ConsoleAccount) (string, error) {
	ou := s.org.OU(a.OU)
	for _, u := range s.org.SortedOUs() {
		if ou == nil && s.org.OUPath(u.ID) == a.OU {
			ou = u
		}
	}
	if ou == nil {
		return "", fmt.Errorf("console provision %s: no OU %q in the organization", a.Name, a.OU)
	}
	mgmt := s.org.ManagementAccountID()
	admin := "arn:aws:sts::" + mgmt + ":assumed-role/AWSReservedSSO_AWSAdministratorAccess_5f0c2a9e7b1d3c4e/console-admin"
	return s.catalog.ConsoleProvision(admin, accountfactory.ConsoleAccount{Name: a.Name, Email: a.Email, OU: ou.Name + " (" + ou.ID + ")",
		SSOEmail: a.OwnerEmail, SSOFirstName: a.OwnerFirstName, SSOLastName: a.OwnerLastName})
}

// afIdentity is the Identity Center Account Factory sees: the Sim's live
// Identity Center state. The lock is held when it is called.
type afIdentity struct{ s *Sim }

func (i afIdentity) Enabled() bool {
	st := i.s.identity.State()
	return st.Users != nil && st.PermissionSets != nil
}

func (i afIdentity) UserByEmail(email string) (string, bool) {
	if u := i.s.identity.State().UserByEmail(email); u != nil {
		return u.ID, true
	}
	return "", false
}

func (i afIdentity) AddUser(userName, email, givenName, familyName string) string {
	return i.s.identity.AddUser(userName, email, givenName, familyName).ID
}

func (i afIdentity) PermissionSetByName(name string) (string, bool) {
	if ps := i.s.identity.State().PermissionSetByName(name); ps != nil {
		return ps.Arn, true
	}
	return "", false
}

func (i afIdentity) AddPermissionSet(name, description, sessionDuration string, created time.Time) string {
	return i.s.identity.AddPermissionSet(name, description, sessionDuration, created).Arn
}

func (i afIdentity) Assign(accountID, permissionSetArn, principalType, principalID string) {
	i.s.identity.State().Assign(identitycenter.Assignment{AccountID: accountID, PermissionSetArn: permissionSetArn, PrincipalType: principalType, PrincipalID: principalID})
}

// owners are the SSO users the world's enrolled accounts were vended with.
func owners(w *World) map[string]accountfactory.SSOUser {
	out := map[string]accountfactory.SSOUser{}
	for _, a := range w.Organization.AllAccounts() {
		if u, ok := w.OwnerUser(a); ok && a.Owner != "" {
			out[a.Name] = accountfactory.SSOUser{Email: u.Email, FirstName: u.GivenName, LastName: u.FamilyName}
		}
	}
	return out
}
