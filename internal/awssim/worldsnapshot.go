package awssim

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
	"github.com/towervend/towervend/internal/awssim/world"
)

// A world snapshot is the organization as it is now, written as a world
// file (world/README.md), so `towervend local --world` and `towervend sim
// --world` start from where a run ended: every account with its id, OU,
// status, tags, execution role and whether Control Tower manages it; the OUs
// with their ids and tags; Identity Center's users, groups and permission sets
// and every assignment by the names a world file uses. Snapshot, by contrast,
// writes the simulator's whole internal state for Restore.
//
// What a world cannot say is left behind: work in flight (an account Control
// Tower is still building is an account not yet enrolled), the simulated AWS
// services' own records (queues, tables, executions, Account Factory records;
// a run deploys towervend afresh), Organizations' 30-day record of closures,
// and when each account joined (drawn, as for every account a world lists, a
// month or more before the world's start).

// WorldNow describes the simulated organization as it is now as a world: it
// starts now, with the faults in force and the happenings still to come.
func (s *Sim) WorldNow() *World {
	s.env.Lock()
	defer s.env.Unlock()
	now := s.env.Clock.Now()
	w := &World{Seed: s.world.Seed, Region: s.world.Region, Start: now.UTC(), ControlTower: s.world.ControlTower,
		Principals: slices.Clone(s.world.Principals), Faults: *s.env.Faults()}
	owners := s.accountOwners()
	w.Organization = s.organizationNow(owners)
	w.IdentityCenter = s.identityCenterNow(owners)
	elapsed := now.Sub(s.world.Start)
	for _, h := range s.world.Happenings {
		if h.At.D() >= elapsed {
			h.At = protocol.Duration(h.At.D() - elapsed)
			w.Happenings = append(w.Happenings, h)
		}
	}
	return w
}

// SnapshotWorld writes WorldNow as an indented world file.
func (s *Sim) SnapshotWorld(out io.Writer) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s.WorldNow()); err != nil {
		return fmt.Errorf("snapshot the world: %w", err)
	}
	return nil
}

// accountOwners finds each enrolled account's owner as a world names it: the
// Identity Center user Account Factory made its SSO user (the provisioned
// product's SSOUserEmail), provided that user still has the administrator
// access Control Tower gave it (a world's owner comes with that access). The
// lock is held.
func (s *Sim) accountOwners() map[string]string {
	ic := s.identity.State()
	userByEmail := map[string]string{}
	for _, u := range ic.Users {
		userByEmail[strings.ToLower(u.Email)] = u.UserName
	}
	out := map[string]string{}
	for _, p := range s.catalog.State().Provisioned {
		acct := s.org.Account(p.PhysicalID)
		user := userByEmail[strings.ToLower(p.Parameters["SSOUserEmail"])]
		if acct == nil || !acct.Enrolled || user == "" || !s.hasAdminAccess(acct.ID, user) {
			continue
		}
		out[acct.ID] = user
	}
	return out
}

// hasAdminAccess reports whether a user holds the owner's permission set on
// an account. The lock is held.
func (s *Sim) hasAdminAccess(accountID, userName string) bool {
	ic := s.identity.State()
	for _, a := range ic.Assignments {
		u, ps := ic.Users[a.PrincipalID], ic.PermissionSets[a.PermissionSetArn]
		if a.AccountID == accountID && a.PrincipalType == "USER" && u != nil && u.UserName == userName &&
			ps != nil && ps.Name == world.OwnerAdminPermissionSet {
			return true
		}
	}
	return false
}

// organizationNow is the organization's tree as a world writes it. The lock is held.
func (s *Sim) organizationNow(owners map[string]string) OrganizationSpec {
	mgmt := s.org.Account(s.org.ManagementAccountID())
	spec := OrganizationSpec{ID: s.org.ID(), RootID: s.org.RootID(),
		ManagementAccount: AccountSpec{ID: mgmt.ID, Name: mgmt.Name, Email: mgmt.Email}}
	spec.Accounts = s.accountsNow(s.org.RootID(), owners)
	spec.OrganizationalUnits = s.ousNow(s.org.RootID(), owners)
	return spec
}

func (s *Sim) ousNow(parent string, owners map[string]string) []OUSpec {
	var out []OUSpec
	for _, u := range s.org.ChildOUs(parent) {
		out = append(out, OUSpec{Name: u.Name, ID: u.ID, Registered: u.Registered, Tags: copyTags(u.Tags),
			Children: s.ousNow(u.ID, owners), Accounts: s.accountsNow(u.ID, owners)})
	}
	return out
}

func (s *Sim) accountsNow(parent string, owners map[string]string) []AccountSpec {
	var out []AccountSpec
	for _, a := range s.org.AccountsIn(parent) {
		if a.ID == s.org.ManagementAccountID() {
			continue
		}
		out = append(out, AccountSpec{ID: a.ID, Name: a.Name, Email: a.Email, Status: a.Status, Enrolled: a.Enrolled,
			ExecutionRole: a.ExecutionRole, Tags: copyTags(a.Tags), JoinedMethod: a.JoinedMethod, Owner: owners[a.ID]})
	}
	return out
}

// identityCenterNow is Identity Center as a world writes it: members and
// assignments by user name, group display name, permission set name and
// account (its name, or its id where two accounts share the name). An
// owner's administrator access is left out: the world's owner gives it. The
// lock is held.
func (s *Sim) identityCenterNow(owners map[string]string) IdentityCenterSpec {
	ic := s.identity.State()
	spec := IdentityCenterSpec{InstanceArn: ic.InstanceArn, IdentityStoreID: ic.IdentityStoreID,
		Users: []UserSpec{}, Groups: []GroupSpec{}, PermissionSets: []PermissionSetSpec{}}
	for _, id := range sortedKeys(ic.Users) {
		u := ic.Users[id]
		spec.Users = append(spec.Users, UserSpec{UserName: u.UserName, Email: u.Email, GivenName: u.GivenName, FamilyName: u.FamilyName})
	}
	slices.SortFunc(spec.Users, func(a, b UserSpec) int { return strings.Compare(a.UserName, b.UserName) })
	for _, id := range sortedKeys(ic.Groups) {
		g := ic.Groups[id]
		gs := GroupSpec{DisplayName: g.DisplayName, Description: g.Description}
		for _, m := range g.Members {
			if u := ic.Users[m]; u != nil {
				gs.Members = append(gs.Members, u.UserName)
			}
		}
		slices.Sort(gs.Members)
		spec.Groups = append(spec.Groups, gs)
	}
	slices.SortFunc(spec.Groups, func(a, b GroupSpec) int { return strings.Compare(a.DisplayName, b.DisplayName) })
	for _, arn := range sortedKeys(ic.PermissionSets) {
		p := ic.PermissionSets[arn]
		spec.PermissionSets = append(spec.PermissionSets, PermissionSetSpec{Name: p.Name, Description: p.Description, SessionDuration: p.SessionDuration})
	}
	slices.SortFunc(spec.PermissionSets, func(a, b PermissionSetSpec) int { return strings.Compare(a.Name, b.Name) })

	named := map[string]int{}
	for _, a := range s.org.SortedAccounts() {
		named[a.Name]++
	}
	for _, a := range ic.Assignments {
		acct, ps := s.org.Account(a.AccountID), ic.PermissionSets[a.PermissionSetArn]
		if acct == nil || ps == nil {
			continue
		}
		as := AssignmentSpec{Account: acct.Name, PermissionSet: ps.Name}
		if named[acct.Name] > 1 {
			as.Account = acct.ID
		}
		switch {
		case a.PrincipalType == "USER" && ic.Users[a.PrincipalID] != nil:
			as.User = ic.Users[a.PrincipalID].UserName
			if owners[acct.ID] == as.User && ps.Name == world.OwnerAdminPermissionSet {
				continue
			}
		case a.PrincipalType == "GROUP" && ic.Groups[a.PrincipalID] != nil:
			as.Group = ic.Groups[a.PrincipalID].DisplayName
		default:
			continue // its principal is gone
		}
		spec.Assignments = append(spec.Assignments, as)
	}
	slices.SortFunc(spec.Assignments, func(a, b AssignmentSpec) int {
		return strings.Compare(a.Account+"\x00"+a.Group+"\x00"+a.User+"\x00"+a.PermissionSet, b.Account+"\x00"+b.Group+"\x00"+b.User+"\x00"+b.PermissionSet)
	})
	return spec
}

// copyTags copies tags, leaving out an empty map (a world file omits it).
func copyTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}
