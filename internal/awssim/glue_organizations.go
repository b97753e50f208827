package awssim

import "github.com/towervend/towervend/internal/awssim/organizations"

// Glue between the root and AWS Organizations (package organizations): the
// world's OrganizationSpec turned into its constructor's Spec, the names the
// root's other services and the simulator's users know the organization's
// types by, and the operator's actions on the organization.

type (
	// Account is a member (or the management) account.
	Account = organizations.Account
	// OU is an organizational unit.
	OU = organizations.OU
)

// orgSpec converts the world's organization for organizations.New.
func orgSpec(o OrganizationSpec) organizations.Spec {
	return organizations.Spec{ID: o.ID, RootID: o.RootID, ManagementAccount: orgAccountSpec(o.ManagementAccount),
		Accounts: orgAccountSpecs(o.Accounts), OUs: orgOUSpecs(o.OrganizationalUnits)}
}

func orgOUSpecs(specs []OUSpec) []organizations.OUSpec {
	var out []organizations.OUSpec
	for _, u := range specs {
		out = append(out, organizations.OUSpec{Name: u.Name, ID: u.ID, Registered: u.Registered, Tags: u.Tags,
			Children: orgOUSpecs(u.Children), Accounts: orgAccountSpecs(u.Accounts)})
	}
	return out
}

func orgAccountSpecs(specs []AccountSpec) []organizations.AccountSpec {
	var out []organizations.AccountSpec
	for _, a := range specs {
		out = append(out, orgAccountSpec(a))
	}
	return out
}

func orgAccountSpec(a AccountSpec) organizations.AccountSpec {
	return organizations.AccountSpec{ID: a.ID, Name: a.Name, Email: a.Email, Status: a.Status, Enrolled: a.Enrolled,
		ExecutionRole: a.ExecutionRole, Tags: a.Tags, JoinedMethod: a.JoinedMethod}
}

// CreateAccountOutsideControlTower calls Organizations' CreateAccount as the
// management account, the way an administrator makes an account without
// Account Factory. The account appears in Root a few simulated minutes later,
// with CreateAccountResult and AccountJoinedOrganization events; the returned
// id is the CreateAccount request's, for DescribeCreateAccountStatus.
func (s *Sim) CreateAccountOutsideControlTower(name, email string) (string, error) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.CreateAccountOutsideControlTower(name, email)
}

// InviteAccount simulates a standalone AWS account accepting the organization's
// invitation: it joins Root with JoinedMethod INVITED and no
// AWSControlTowerExecution role. Its AcceptHandshake call goes to its own bus
// (AccountBusEvents); the management account's bus gets Organizations'
// AccountJoinedOrganization. It returns the new member's account id.
func (s *Sim) InviteAccount(name, email string) (string, error) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.InviteAccount(name, email)
}
