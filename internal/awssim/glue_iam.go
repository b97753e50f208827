package awssim

import (
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/towervend/towervend/internal/awssim/authz"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/iamapi"
	"github.com/towervend/towervend/internal/awssim/organizations"
	"github.com/towervend/towervend/internal/awssim/sts"
)

// Glue between the root and IAM's read API (package iamapi): the member
// accounts' facts from Organizations, the management account's roles from the
// authorization registry and the world's principals, and the role ids STS
// gives sessions. All of it is read on each call, so IAM keeps no state.

// iamOrganization is the Organization IAM sees: the Sim's live organization.
// The lock is held when it is called.
type iamOrganization struct{ org *organizations.Service }

var (
	_ iamapi.Organization = iamOrganization{}
	_ iamapi.Roles        = iamRoles{}
	_ iamapi.Identities   = iamIdentities{}
)

func (o iamOrganization) ManagementAccountID() string { return o.org.ManagementAccountID() }

func (o iamOrganization) Member(id string) (iamapi.Member, bool) {
	a := o.org.Account(id)
	if a == nil || id == o.org.ManagementAccountID() {
		return iamapi.Member{}, false
	}
	m := iamapi.Member{ExecutionRole: a.ExecutionRole, Joined: a.JoinedTimestamp}
	if a.JoinedMethod == "CREATED" {
		m.CreatedRole = o.createdRole(id)
	}
	return m, true
}

// createdRole is the role CreateAccount made in an account Organizations
// created: the one its request named, and for an account the world starts
// with, CreateAccount's default.
func (o iamOrganization) createdRole(id string) string {
	for _, r := range o.org.Requests().CreateAccount {
		if r.AccountID == id && r.RoleName != "" {
			return r.RoleName
		}
	}
	return "OrganizationAccountAccessRole"
}

// iamRoles are the management account's roles besides Control Tower's: those
// AddRole added (towervend's functions' execution roles, which Lambda
// assumes) and those of the world's principals, which may do anything. The
// lock is held when it is called.
type iamRoles struct {
	reg        *authz.Registry
	sts        *sts.Service
	org        *organizations.Service
	principals []PrincipalSpec
}

// principalRoleRe is a role ARN of the world's principals:
// arn:<partition>:iam::<account>:role/<path/><name>.
var principalRoleRe = regexp.MustCompile(`^arn:[\w-]+:iam::(\d{12}):role/(?:.*/)?([^/]+)$`)

func (r iamRoles) ManagementRoles() []iamapi.OwnRole {
	var out []iamapi.OwnRole
	seen := map[string]bool{}
	for _, info := range r.reg.Roles() {
		own := iamapi.OwnRole{Name: info.Name, ID: info.ID, TrustedService: "lambda.amazonaws.com", Created: info.Created}
		for _, p := range info.Policies {
			if name, ok := iam.AWSManagedName(p); ok {
				own.Attached = append(own.Attached, "arn:aws:iam::aws:policy/"+name)
				continue
			}
			own.Inline = append(own.Inline, iamapi.InlinePolicy{Name: inlinePolicyName(len(own.Inline)), Document: policyJSON(p)})
		}
		out = append(out, own)
		seen[info.Name] = true
	}
	mgmt := r.org.ManagementAccountID()
	for _, p := range r.principals {
		m := principalRoleRe.FindStringSubmatch(p.Arn)
		if m == nil || m[1] != mgmt || seen[m[2]] {
			continue
		}
		seen[m[2]] = true
		session, _ := r.sts.Principal(p.AccessKeyID)
		out = append(out, iamapi.OwnRole{Name: m[2], ID: session.UserID, Attached: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}})
	}
	return out
}

// inlinePolicyName names a role's i-th inline policy as CDK's construct does
// (Role/DefaultPolicy); CDK's hashed logical id is not known here.
func inlinePolicyName(i int) string {
	if i == 0 {
		return "DefaultPolicy"
	}
	return fmt.Sprintf("DefaultPolicy%d", i+1)
}

func policyJSON(p iam.Policy) string {
	b, err := json.Marshal(p)
	if err != nil {
		return "{}" // a validated policy is strings and maps of them: cannot fail
	}
	return string(b)
}

// iamIdentities gives IAM the role ids STS gives the roles' sessions.
type iamIdentities struct{}

func (iamIdentities) RoleID(account, roleName string) string { return sts.RoleID(account, roleName) }
