package awssim

import (
	"github.com/towervend/towervend/internal/awssim/authz"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/organizations"
	"github.com/towervend/towervend/internal/awssim/sts"
)

// Glue between the root and IAM authorization (package authz): the
// organization and STS it asks, the report under the names the simulator's
// users know, and the operator's actions on roles. The router asks it for
// every call's Authorizer (newCall).

// The IAM report under the names it had in this package.
type (
	// IAMReport is what the simulator checked of the principals with policies.
	IAMReport = authz.Report
	// IAMDenial is one refused call.
	IAMDenial = authz.Denial
	// IAMRoleUsage is one role's calls and the grants they never needed.
	IAMRoleUsage = authz.RoleUsage
)

// authzOrganization is the Organization authorization sees: the Sim's live
// organization. The lock is held when it is called.
type authzOrganization struct{ org *organizations.Service }

var (
	_ authz.Organization = authzOrganization{}
	_ authz.Sessions     = (*sts.Service)(nil) // STS issues and looks up the roles' session keys
)

func (o authzOrganization) ID() string                  { return o.org.ID() }
func (o authzOrganization) HasAccount(id string) bool   { return o.org.Account(id) != nil }
func (o authzOrganization) ManagementAccountID() string { return o.org.ManagementAccountID() }

// AddRole registers the role roleName of the management account
// (arn:aws:iam::<mgmt>:role/<roleName>) with identity policies, and returns a
// fresh access key that signs as its session
// arn:aws:sts::<mgmt>:assumed-role/<roleName>/<roleName>; ConfigAs(key) gives
// an SDK config for it. Every call the session makes is authorized as AWS
// does: an explicit Deny wins, and without an Allow for each resource the
// call answers the service's AccessDenied. It fails for a role name IAM would
// refuse or one already added, and for a malformed policy.
func (s *Sim) AddRole(roleName string, policies ...iam.Policy) (string, error) {
	s.env.Lock()
	defer s.env.Unlock()
	return s.iam.AddRole(roleName, policies...)
}

// SetPolicies replaces the identity policies of a role AddRole added, from
// the next call on (to revoke a grant, say).
func (s *Sim) SetPolicies(roleName string, policies ...iam.Policy) error {
	s.env.Lock()
	defer s.env.Unlock()
	return s.iam.SetPolicies(roleName, policies...)
}

// IAMReport returns what the simulator checked: the calls of principals with
// policies, the denials, and each role's grants no call used.
func (s *Sim) IAMReport() IAMReport {
	s.env.Lock()
	defer s.env.Unlock()
	return s.iam.Report()
}
