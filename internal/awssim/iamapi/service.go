package iamapi

import (
	"net/http"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The IAM Query API: its XML namespace and the API version it serves.
const (
	Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	Version   = "2010-05-08"
)

// Organization is what IAM needs of AWS Organizations to know which roles an
// account has. The lock is held when it is called.
type Organization interface {
	ManagementAccountID() string
	// Member returns a member account, or false for an account that is not
	// one (the management account, or one outside the organization).
	Member(id string) (Member, bool)
}

// Member is what decides a member account's roles.
type Member struct {
	// ExecutionRole is the state of its AWSControlTowerExecution role:
	// trusted, untrusted or missing (the organizations package's RoleTrusted,
	// RoleUntrusted, RoleMissing).
	ExecutionRole string
	// CreatedRole is the role Organizations' CreateAccount made in the
	// account; empty for an account that joined by invitation.
	CreatedRole string
	// Joined is when the account joined the organization.
	Joined time.Time
}

// The states of a member account's execution role (Member.ExecutionRole).
const (
	RoleTrusted   = "trusted"
	RoleUntrusted = "untrusted"
	RoleMissing   = "missing"
)

// Roles is what IAM needs of the roles the simulator's other parts keep in
// the management account: towervend's (the authorization registry's) and the
// world's principals'. The lock is held when it is called.
type Roles interface {
	ManagementRoles() []OwnRole
}

// OwnRole is one of the management account's roles besides Control Tower's.
type OwnRole struct {
	Name string
	// ID is the role's unique id, the one its sessions carry.
	ID string
	// TrustedService is the service principal that may assume the role
	// (lambda.amazonaws.com); empty means the management account itself.
	TrustedService string
	// Inline are the role's inline policies, each a JSON policy document.
	Inline []InlinePolicy
	// Attached are the ARNs of the managed policies attached to the role.
	Attached []string
	// Created is when the role was made; zero means before the world started.
	Created time.Time
}

// InlinePolicy is a policy embedded in a role.
type InlinePolicy struct {
	Name string
	// Document is the JSON policy document.
	Document string
}

// Identities is what IAM needs of STS, which gives a role's sessions their
// user id: the role's unique id, "AROA…".
type Identities interface {
	RoleID(account, roleName string) string
}

// Service is the read side of AWS IAM. Its methods run with the Env's lock
// held.
type Service struct {
	env   *protocol.Env
	org   Organization
	roles Roles
	ids   Identities
}

// New returns IAM over the organization, the registry of roles and STS's ids.
func New(env *protocol.Env, org Organization, roles Roles, ids Identities) *Service {
	return &Service{env: env, org: org, roles: roles, ids: ids}
}

// Actions are the IAM Query actions by name.
func (s *Service) Actions() map[string]protocol.QueryHandler {
	return map[string]protocol.QueryHandler{
		"GetRole":                  protocol.QueryOn(s.getRole, s.onRole),
		"ListRoles":                protocol.QueryOn(s.listRoles, nil),
		"ListRolePolicies":         protocol.QueryOn(s.listRolePolicies, s.onRole),
		"GetRolePolicy":            protocol.QueryOn(s.getRolePolicy, s.onRole),
		"ListAttachedRolePolicies": protocol.QueryOn(s.listAttachedRolePolicies, s.onRole),
	}
}

// Throttle is IAM's throttling error, which the SDKs retry.
func Throttle() *protocol.APIError {
	return &protocol.APIError{Code: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest}
}

// AccessDenied is IAM's answer to a call IAM denied (Query protocol, code
// AccessDenied, status 403).
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDenied", Message: message, Status: http.StatusForbidden}
}
