package identitycenter

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// State is IAM Identity Center: the instance and its identity store. It is what
// a snapshot holds under "identityCenter".
type State struct {
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

// --- primitives, also used by Control Tower's Account Factory ---

// UserByEmail finds a user by email, case-insensitively.
func (s *State) UserByEmail(email string) *User {
	for _, u := range s.Users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

// UserByName finds a user by user name.
func (s *State) UserByName(name string) *User {
	for _, u := range s.Users {
		if u.UserName == name {
			return u
		}
	}
	return nil
}

// GroupByName finds a group by display name.
func (s *State) GroupByName(name string) *Group {
	for _, g := range s.Groups {
		if g.DisplayName == name {
			return g
		}
	}
	return nil
}

// PermissionSetByName finds a permission set by name.
func (s *State) PermissionSetByName(name string) *PermissionSet {
	for _, p := range s.PermissionSets {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// HasAssignment reports whether the assignment exists.
func (s *State) HasAssignment(a Assignment) bool {
	for _, x := range s.Assignments {
		if *x == a {
			return true
		}
	}
	return false
}

// Assign adds an assignment at once (Control Tower's own, synchronous use).
func (s *State) Assign(a Assignment) {
	if !s.HasAssignment(a) {
		s.Assignments = append(s.Assignments, &a)
	}
}

// Unassign removes an assignment if present.
func (s *State) Unassign(a Assignment) {
	for i, x := range s.Assignments {
		if *x == a {
			s.Assignments = append(s.Assignments[:i], s.Assignments[i+1:]...)
			return
		}
	}
}

// Copy returns a deep copy of the state, for read-only views.
func (s *State) Copy() State {
	out := *s
	out.Users = copyMap(s.Users)
	out.Groups = copyMap(s.Groups)
	for id, g := range out.Groups {
		g.Members = slices.Clone(g.Members)
		out.Groups[id] = g
	}
	out.PermissionSets = copyMap(s.PermissionSets)
	out.Operations = copyMap(s.Operations)
	if s.Assignments != nil {
		out.Assignments = make([]*Assignment, len(s.Assignments))
		for i, a := range s.Assignments {
			c := *a
			out.Assignments[i] = &c
		}
	}
	return out
}

// copyMap copies a map of pointers and what they point to.
func copyMap[V any](m map[string]*V) map[string]*V {
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

// principalExists reports whether a USER or GROUP id is in the identity store.
func (s *State) principalExists(principalType, id string) bool {
	if principalType == "GROUP" {
		return s.Groups[id] != nil
	}
	return s.Users[id] != nil
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
