package authz

import (
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Organization is what authorization needs of AWS Organizations: its id
// (aws:PrincipalOrgID, aws:ResourceOrgID), which accounts belong to it, and
// the management account whose roles AddRole adds. The lock is held when it
// is called.
type Organization interface {
	ID() string
	// HasAccount tells whether the account, a member or the management
	// account, belongs to the organization.
	HasAccount(id string) bool
	ManagementAccountID() string
}

// Sessions is what authorization needs of STS, which owns the access keys:
// a key for the one session of each role AddRole adds, and the session a
// snapshot's key signs as. The lock is held when it is called.
type Sessions interface {
	AddSession(account, roleName, session string) (accessKeyID string, p protocol.Principal)
	Principal(accessKeyID string) (protocol.Principal, bool)
}

// Registry holds the roles with policies and what their calls were checked
// for. The Env's lock guards it: every method runs with it held.
type Registry struct {
	org      Organization
	sessions Sessions
	log      *slog.Logger

	roles   map[string]*role // by role name
	session map[string]*role // by the session ARN that signs
	checked int
	denials []Denial
	// now tells AddRole when a role is made; nil leaves it unknown.
	now func() time.Time
}

// New returns a Registry with no roles; log (nil discards) gets a debug line
// per denied call.
func New(org Organization, sessions Sessions, log *slog.Logger) *Registry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Registry{org: org, sessions: sessions, log: log,
		roles: map[string]*role{}, session: map[string]*role{}}
}

// UseClock makes AddRole record when each role is made, from now (IAM's
// CreateDate). Without it a role's creation time is the zero time.
func (reg *Registry) UseClock(now func() time.Time) { reg.now = now }

// role is a role added with AddRole: one session signs for it.
type role struct {
	name, arn, session string
	key                string
	created            time.Time
	policies           []iam.Policy
	calls              int
	// used holds the action patterns of Allow statements that allowed an
	// access of a call that was allowed.
	used map[string]bool
}

// roleNameRe is IAM's pattern for a role name (and STS's for a session name).
var roleNameRe = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// AddRole registers the role roleName of the management account
// (arn:aws:iam::<mgmt>:role/<roleName>) with identity policies, and returns a
// fresh access key that signs as its session
// arn:aws:sts::<mgmt>:assumed-role/<roleName>/<roleName>. Every call the
// session makes is authorized as AWS does: an explicit Deny wins, and without
// an Allow for each resource the call answers the service's AccessDenied. It
// fails for a role name IAM would refuse or one already added, and for a
// malformed policy.
func (reg *Registry) AddRole(roleName string, policies ...iam.Policy) (string, error) {
	if !roleNameRe.MatchString(roleName) {
		return "", fmt.Errorf("add role %q: a role name is 1 to 64 of letters, digits and +=,.@_-", roleName)
	}
	if err := validPolicies(policies); err != nil {
		return "", fmt.Errorf("add role %s: %w", roleName, err)
	}
	if reg.roles[roleName] != nil {
		return "", fmt.Errorf("add role %s: the role exists; change its policies with SetPolicies", roleName)
	}
	key, p := reg.sessions.AddSession(reg.org.ManagementAccountID(), roleName, roleName)
	r := reg.newRole(roleName, p.Arn, key, slices.Clone(policies))
	if reg.now != nil {
		r.created = reg.now()
	}
	reg.add(r)
	return key, nil
}

// SetPolicies replaces the identity policies of a role AddRole added, from
// the next call on (to revoke a grant, say).
func (reg *Registry) SetPolicies(roleName string, policies ...iam.Policy) error {
	if err := validPolicies(policies); err != nil {
		return fmt.Errorf("set policies of %s: %w", roleName, err)
	}
	r := reg.roles[roleName]
	if r == nil {
		return fmt.Errorf("set policies of %s: no such role; add it with AddRole", roleName)
	}
	r.policies = slices.Clone(policies)
	return nil
}

func validPolicies(policies []iam.Policy) error {
	for i, p := range policies {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("policy %d: %w", i+1, err)
		}
	}
	return nil
}

// newRole is the role roleName of the management account, signing as
// session with key.
func (reg *Registry) newRole(roleName, session, key string, policies []iam.Policy) *role {
	return &role{name: roleName, arn: "arn:aws:iam::" + reg.org.ManagementAccountID() + ":role/" + roleName,
		session: session, key: key, policies: policies, used: map[string]bool{}}
}

func (reg *Registry) add(r *role) {
	reg.roles[r.name] = r
	reg.session[r.session] = r
}

// RoleInfo is a role AddRole added, as IAM's read calls describe it.
type RoleInfo struct {
	Name string
	// ID is the role's unique id, the one its session's user id starts with.
	ID string
	// Created is when AddRole made it (zero without UseClock).
	Created time.Time
	// Policies are its identity policies, in the order they were given.
	Policies []iam.Policy
}

// Roles returns the roles AddRole added, by name.
func (reg *Registry) Roles() []RoleInfo {
	var out []RoleInfo
	for _, name := range slices.Sorted(maps.Keys(reg.roles)) {
		r := reg.roles[name]
		p, _ := reg.sessions.Principal(r.key)
		id, _, _ := strings.Cut(p.UserID, ":")
		out = append(out, RoleInfo{Name: r.name, ID: id, Created: r.created, Policies: slices.Clone(r.policies)})
	}
	return out
}

// RoleState is a role with policies as a snapshot holds it.
type RoleState struct {
	Name     string       `json:"name"`
	Key      string       `json:"accessKeyId"`
	Created  time.Time    `json:"created,omitzero"`
	Policies []iam.Policy `json:"policies"`
}

// State returns the roles by name, for a snapshot; nil when there are none.
func (reg *Registry) State() []RoleState {
	var out []RoleState
	for _, name := range slices.Sorted(maps.Keys(reg.roles)) {
		r := reg.roles[name]
		out = append(out, RoleState{Name: r.name, Key: r.key, Created: r.created, Policies: r.policies})
	}
	return out
}

// Restore gives back the roles a snapshot held. Their sessions' keys come
// back with STS's, which must be restored first.
func (reg *Registry) Restore(roles []RoleState) {
	for _, rs := range roles {
		p, _ := reg.sessions.Principal(rs.Key)
		r := reg.newRole(rs.Name, p.Arn, rs.Key, rs.Policies)
		r.created = rs.Created
		reg.add(r)
	}
}
