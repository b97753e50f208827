package awssim

import (
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"strings"
)

// build creates the initial state from the world description, drawing every
// id the world leaves out from the seeded rand, in document order.
func (s *Sim) build(w *World) error {
	o := &s.org
	o.ID = w.Organization.ID
	if o.ID == "" {
		o.ID = "o-" + s.env.RandString(10, protocol.LowerAlnum)
	}
	o.RootID = w.Organization.RootID
	if o.RootID == "" {
		o.RootID = "r-" + s.env.RandString(4, protocol.LowerAlnum)
	}
	o.OUs = map[string]*OU{}
	o.Accounts = map[string]*Account{}
	mgmt := w.Organization.ManagementAccount
	if mgmt.ID == "" {
		mgmt.ID = s.newAccountID()
	}
	o.ManagementAccountID = mgmt.ID
	s.env.ManagementAccountID = mgmt.ID
	o.Arn = fmt.Sprintf("arn:aws:organizations::%s:organization/%s", mgmt.ID, o.ID)
	mgmt.Enrolled = true
	if err := s.addAccountSpec(mgmt, o.RootID); err != nil {
		return err
	}
	for _, a := range w.Organization.Accounts {
		if err := s.addAccountSpec(a, o.RootID); err != nil {
			return err
		}
	}
	if err := s.addOUSpecs(w.Organization.OrganizationalUnits, o.RootID); err != nil {
		return err
	}

	for _, p := range w.Principals {
		acct := accountOfArn(p.Arn)
		s.keys[p.AccessKeyID] = Principal{Arn: p.Arn, AccountID: acct, UserID: "AROA" + strings.ToUpper(s.env.RandString(17, protocol.LowerAlnum))}
	}
	if err := s.buildIdentity(w.IdentityCenter); err != nil {
		return err
	}
	if err := s.buildAccountFactory(w); err != nil {
		return err
	}
	if err := s.initQueues(w); err != nil {
		return err
	}
	return s.initEvents(w)
}

func (s *Sim) addOUSpecs(specs []OUSpec, parent string) error {
	for _, spec := range specs {
		if spec.Name == "" {
			return fmt.Errorf("organization: an OU under %s has no name", s.org.ouPath(parent))
		}
		id := spec.ID
		if id == "" {
			id = s.newOUID()
		}
		if s.org.OUs[id] != nil {
			return fmt.Errorf("organization: OU id %s is used twice", id)
		}
		s.org.OUs[id] = &OU{ID: id, Name: spec.Name, ParentID: parent, Registered: spec.Registered, Tags: copyTags(spec.Tags)}
		for _, a := range spec.Accounts {
			if err := s.addAccountSpec(a, id); err != nil {
				return err
			}
		}
		if err := s.addOUSpecs(spec.Children, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Sim) addAccountSpec(spec AccountSpec, parent string) error {
	if spec.Name == "" || spec.Email == "" {
		return fmt.Errorf("organization: every account needs a name and an email (got %q, %q)", spec.Name, spec.Email)
	}
	id := spec.ID
	if id == "" {
		id = s.newAccountID()
	}
	if s.org.Accounts[id] != nil {
		return fmt.Errorf("organization: account id %s is used twice", id)
	}
	if s.org.accountByEmail(spec.Email) != nil {
		return fmt.Errorf("organization: email %s is used by two accounts", spec.Email)
	}
	role := spec.ExecutionRole
	if role == "" {
		role = RoleMissing
		if spec.Enrolled {
			role = RoleTrusted
		}
	}
	switch role {
	case RoleTrusted, RoleUntrusted, RoleMissing:
	default:
		return fmt.Errorf("organization: account %s: executionRole %q must be trusted, untrusted or missing", spec.Name, role)
	}
	status := spec.Status
	if status == "" {
		status = "ACTIVE"
	}
	joined := spec.JoinedMethod
	if joined == "" {
		joined = "CREATED"
	}
	s.org.Accounts[id] = &Account{ID: id, Name: spec.Name, Email: spec.Email, ParentID: parent, Status: status,
		JoinedMethod: joined, JoinedTimestamp: s.world.Start.AddDate(0, -1-s.env.Rand().IntN(24), 0),
		Tags: copyTags(spec.Tags), ExecutionRole: role, Enrolled: spec.Enrolled}
	return nil
}

func (s *Sim) buildIdentity(spec IdentityCenterSpec) error {
	id := &s.identity
	id.InstanceArn = spec.InstanceArn
	if id.InstanceArn == "" {
		id.InstanceArn = "arn:aws:sso:::instance/ssoins-" + s.env.RandString(16, protocol.HexDigits)
	}
	id.IdentityStoreID = spec.IdentityStoreID
	if id.IdentityStoreID == "" {
		id.IdentityStoreID = "d-" + s.env.RandString(10, protocol.HexDigits)
	}
	id.Users = map[string]*User{}
	id.Groups = map[string]*Group{}
	id.PermissionSets = map[string]*PermissionSet{}
	id.Operations = map[string]*AssignmentOperation{}
	for _, u := range spec.Users {
		if id.userByName(u.UserName) != nil {
			return fmt.Errorf("identityCenter: user %s is listed twice", u.UserName)
		}
		s.addUser(u.UserName, u.Email, u.GivenName, u.FamilyName)
	}
	for _, g := range spec.Groups {
		grp := &Group{ID: s.env.UUID(), DisplayName: g.DisplayName, Description: g.Description}
		for _, m := range g.Members {
			u := id.userByName(m)
			if u == nil {
				return fmt.Errorf("identityCenter: group %s lists unknown user %s", g.DisplayName, m)
			}
			grp.Members = append(grp.Members, u.ID)
		}
		id.Groups[grp.ID] = grp
	}
	instance := strings.TrimPrefix(id.InstanceArn, "arn:aws:sso:::instance/")
	for _, p := range spec.PermissionSets {
		arn := "arn:aws:sso:::permissionSet/" + instance + "/ps-" + s.env.RandString(16, protocol.HexDigits)
		dur := p.SessionDuration
		if dur == "" {
			dur = "PT1H"
		}
		id.PermissionSets[arn] = &PermissionSet{Arn: arn, Name: p.Name, Description: p.Description, SessionDuration: dur, CreatedDate: s.world.Start.AddDate(-1, 0, 0)}
	}
	for _, a := range spec.Assignments {
		acct := s.org.Accounts[a.Account]
		if acct == nil {
			for _, x := range s.org.sortedAccounts() {
				if x.Name == a.Account {
					acct = x
				}
			}
		}
		ps := id.permissionSetByName(a.PermissionSet)
		if acct == nil || ps == nil {
			return fmt.Errorf("identityCenter: assignment of %s on %s names an unknown account or permission set", a.PermissionSet, a.Account)
		}
		as := Assignment{AccountID: acct.ID, PermissionSetArn: ps.Arn}
		switch {
		case a.User != "" && id.userByName(a.User) != nil:
			as.PrincipalType, as.PrincipalID = "USER", id.userByName(a.User).ID
		case a.Group != "" && id.groupByName(a.Group) != nil:
			as.PrincipalType, as.PrincipalID = "GROUP", id.groupByName(a.Group).ID
		default:
			return fmt.Errorf("identityCenter: assignment on %s names no known user or group", a.Account)
		}
		id.assign(as)
	}
	return nil
}

// addUser creates an identity store user. s.mu is held (or the Sim is being built).
func (s *Sim) addUser(userName, email, given, family string) *User {
	u := &User{ID: s.env.RandString(10, protocol.Digits) + "-" + s.env.UUID(), UserName: userName, Email: email, GivenName: given, FamilyName: family}
	s.identity.Users[u.ID] = u
	return u
}

func accountOfArn(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 4 {
		return parts[4]
	}
	return ""
}

func copyTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
