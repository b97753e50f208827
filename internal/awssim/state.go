package awssim

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The simulator's state. Every service reads and changes it under Sim.mu; the
// exported fields are what a snapshot file holds.

// OrgState is AWS Organizations.
type OrgState struct {
	ID                  string              `json:"id"`
	Arn                 string              `json:"arn"`
	RootID              string              `json:"rootId"`
	ManagementAccountID string              `json:"managementAccountId"`
	OUs                 map[string]*OU      `json:"ous"`
	Accounts            map[string]*Account `json:"accounts"`
	Closures            []ClosureRecord     `json:"closures,omitempty"`
	RootTags            map[string]string   `json:"rootTags,omitempty"`
}

// OU is an organizational unit.
type OU struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	ParentID   string            `json:"parentId"`
	Registered bool              `json:"registered"`
	Tags       map[string]string `json:"tags,omitempty"`
}

// Account is a member (or the management) account.
type Account struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Email           string            `json:"email"`
	ParentID        string            `json:"parentId"`
	Status          string            `json:"status"` // ACTIVE, SUSPENDED, PENDING_CLOSURE
	JoinedMethod    string            `json:"joinedMethod"`
	JoinedTimestamp time.Time         `json:"joinedTimestamp"`
	Tags            map[string]string `json:"tags,omitempty"`
	// ExecutionRole is the AWSControlTowerExecution role: trusted, untrusted or missing.
	ExecutionRole string `json:"executionRole"`
	// Enrolled is true while Control Tower manages the account.
	Enrolled bool `json:"enrolled"`
}

// ClosureRecord remembers a CloseAccount for the 30-day quota.
type ClosureRecord struct {
	AccountID string    `json:"accountId"`
	At        time.Time `json:"at"`
}

// IdentityState is IAM Identity Center: the instance and its identity store.
type IdentityState struct {
	InstanceArn     string                    `json:"instanceArn"`
	IdentityStoreID string                    `json:"identityStoreId"`
	Users           map[string]*User          `json:"users"`          // by user id
	Groups          map[string]*Group         `json:"groups"`         // by group id
	PermissionSets  map[string]*PermissionSet `json:"permissionSets"` // by ARN
	Assignments     []*Assignment             `json:"assignments"`
	// Operations are the asynchronous creation and deletion requests, by request id.
	Operations map[string]*AssignmentOperation `json:"operations"`
}

// User is an identity store user.
type User struct {
	ID         string `json:"id"`
	UserName   string `json:"userName"`
	Email      string `json:"email"`
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
}

// Group is an identity store group.
type Group struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	Description string   `json:"description,omitempty"`
	Members     []string `json:"members,omitempty"` // user ids
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	Arn             string    `json:"arn"`
	Name            string    `json:"name"`
	Description     string    `json:"description,omitempty"`
	SessionDuration string    `json:"sessionDuration,omitempty"`
	CreatedDate     time.Time `json:"createdDate"`
}

// Assignment is a principal's permission set on an account.
type Assignment struct {
	AccountID        string `json:"accountId"`
	PermissionSetArn string `json:"permissionSetArn"`
	PrincipalType    string `json:"principalType"` // USER or GROUP
	PrincipalID      string `json:"principalId"`
}

// AssignmentOperation is an asynchronous CreateAccountAssignment or
// DeleteAccountAssignment; it completes at Done.
type AssignmentOperation struct {
	RequestID     string     `json:"requestId"`
	Delete        bool       `json:"delete"`
	Assignment    Assignment `json:"assignment"`
	Created       time.Time  `json:"created"`
	Done          time.Time  `json:"done"`
	FailureReason string     `json:"failureReason,omitempty"`
}

// --- Organizations primitives shared by the services ---

// account returns the account with id, or nil.
func (o *OrgState) account(id string) *Account { return o.Accounts[id] }

// accountByEmail finds an account by email, case-insensitively as AWS does.
func (o *OrgState) accountByEmail(email string) *Account {
	for _, a := range o.Accounts {
		if strings.EqualFold(a.Email, email) {
			return a
		}
	}
	return nil
}

// ou returns the OU with id, or nil.
func (o *OrgState) ou(id string) *OU { return o.OUs[id] }

// isParent reports whether id is the root or an existing OU.
func (o *OrgState) isParent(id string) bool { return id == o.RootID || o.OUs[id] != nil }

// children returns the OUs directly under parent, sorted by name then id.
func (o *OrgState) childOUs(parent string) []*OU {
	var out []*OU
	for _, u := range o.OUs {
		if u.ParentID == parent {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name == out[j].Name {
			return out[i].ID < out[j].ID
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// accountsIn returns the accounts directly under parent, sorted by id.
func (o *OrgState) accountsIn(parent string) []*Account {
	var out []*Account
	for _, a := range o.Accounts {
		if a.ParentID == parent {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// sortedAccounts returns every account sorted by id.
func (o *OrgState) sortedAccounts() []*Account {
	out := make([]*Account, 0, len(o.Accounts))
	for _, a := range o.Accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ouPath is the OU's path from Root, e.g. "Workloads/Prod".
func (o *OrgState) ouPath(id string) string {
	var parts []string
	for u := o.OUs[id]; u != nil; u = o.OUs[u.ParentID] {
		parts = append([]string{u.Name}, parts...)
	}
	return strings.Join(parts, "/")
}

// accountArn and ouArn follow AWS's formats.
func (o *OrgState) accountArn(id string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", o.ManagementAccountID, o.ID, id)
}

func (o *OrgState) ouArn(id string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:ou/%s/%s", o.ManagementAccountID, o.ID, id)
}

func (o *OrgState) rootArn() string {
	return fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", o.ManagementAccountID, o.ID, o.RootID)
}

// --- Identity Center primitives shared by the services ---

func (s *IdentityState) userByEmail(email string) *User {
	for _, u := range s.Users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

func (s *IdentityState) userByName(name string) *User {
	for _, u := range s.Users {
		if u.UserName == name {
			return u
		}
	}
	return nil
}

func (s *IdentityState) groupByName(name string) *Group {
	for _, g := range s.Groups {
		if g.DisplayName == name {
			return g
		}
	}
	return nil
}

func (s *IdentityState) permissionSetByName(name string) *PermissionSet {
	for _, p := range s.PermissionSets {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// hasAssignment reports whether the assignment exists.
func (s *IdentityState) hasAssignment(a Assignment) bool {
	for _, x := range s.Assignments {
		if *x == a {
			return true
		}
	}
	return false
}

// assign adds an assignment at once (Control Tower's own, synchronous use).
func (s *IdentityState) assign(a Assignment) {
	if !s.hasAssignment(a) {
		s.Assignments = append(s.Assignments, &a)
	}
}

// unassign removes an assignment if present.
func (s *IdentityState) unassign(a Assignment) {
	for i, x := range s.Assignments {
		if *x == a {
			s.Assignments = append(s.Assignments[:i], s.Assignments[i+1:]...)
			return
		}
	}
}
