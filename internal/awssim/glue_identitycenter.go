package awssim

import (
	"cmp"

	"github.com/towervend/towervend/internal/awssim/identitycenter"
	"github.com/towervend/towervend/internal/awssim/organizations"
	"github.com/towervend/towervend/internal/awssim/world"
)

// Glue between the root and IAM Identity Center (package identitycenter): the
// organization it asks about accounts, and the world's IdentityCenterSpec
// turned into its constructor's Spec.

// idcOrganization is the Organization Identity Center sees: the Sim's live
// organization state. The lock is held when it is called.
type idcOrganization struct{ org *organizations.Service }

func (o idcOrganization) AccountStatus(id string) (string, bool) {
	a := o.org.Account(id)
	if a == nil {
		return "", false
	}
	return a.Status, true
}

func (o idcOrganization) OrganizationID() string { return o.org.ID() }

// buildIdentityCenter creates Identity Center from the world, after the
// organization: assignments name accounts by name or id, resolved here.
func (s *Sim) buildIdentityCenter(w *World) error {
	ic := w.IdentityCenter
	spec := identitycenter.Spec{InstanceArn: ic.InstanceArn, IdentityStoreID: ic.IdentityStoreID}
	for _, u := range ic.Users {
		spec.Users = append(spec.Users, identitycenter.UserSpec{UserName: u.UserName, Email: u.Email, GivenName: u.GivenName, FamilyName: u.FamilyName})
	}
	for _, g := range ic.Groups {
		spec.Groups = append(spec.Groups, identitycenter.GroupSpec{DisplayName: g.DisplayName, Description: g.Description, Members: g.Members})
	}
	for _, p := range ic.PermissionSets {
		spec.PermissionSets = append(spec.PermissionSets, identitycenter.PermissionSetSpec{Name: p.Name, Description: p.Description, SessionDuration: p.SessionDuration})
	}
	for _, a := range ic.Assignments {
		spec.Assignments = append(spec.Assignments, identitycenter.AssignmentSpec{Account: a.Account, AccountID: s.idcAccountID(a.Account),
			User: a.User, Group: a.Group, PermissionSet: a.PermissionSet})
	}
	// Control Tower gave each enrolled account's SSO user administrator access.
	for _, a := range w.Organization.AllAccounts() {
		if a.Owner != "" {
			spec.Assignments = append(spec.Assignments, identitycenter.AssignmentSpec{Account: a.Name, AccountID: s.idcAccountID(cmp.Or(a.ID, a.Name)),
				User: a.Owner, PermissionSet: world.OwnerAdminPermissionSet})
		}
	}
	id, err := identitycenter.New(s.env, idcOrganization{s.org}, w.ControlTower.AssignmentTime.D(), spec)
	if err != nil {
		return err
	}
	s.identity = id
	return nil
}

// idcAccountID resolves an account the world names by id or by name (the
// last of that name by id, if several), or "".
func (s *Sim) idcAccountID(nameOrID string) string {
	if acct := s.org.Account(nameOrID); acct != nil {
		return acct.ID
	}
	id := ""
	for _, x := range s.org.SortedAccounts() {
		if x.Name == nameOrID {
			id = x.ID
		}
	}
	return id
}

// IdentityCenter returns a copy of IAM Identity Center's state: the instance,
// its users, groups, permission sets, assignments and assignment operations.
func (s *Sim) IdentityCenter() identitycenter.State {
	s.env.Lock()
	defer s.env.Unlock()
	return s.identity.State().Copy()
}
