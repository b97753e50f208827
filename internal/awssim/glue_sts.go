package awssim

import (
	"github.com/towervend/towervend/internal/awssim/organizations"
	"github.com/towervend/towervend/internal/awssim/sts"
)

// Glue between the root and AWS STS (package sts): the organization AssumeRole
// asks about accounts, and the world's principals for sts.New. The root's
// router asks sts who signed a request (callerOf).

// stsOrganization is the Organization STS sees: the Sim's live organization.
// The lock is held when it is called.
type stsOrganization struct{ org *organizations.Service }

var _ sts.Organization = stsOrganization{}

func (o stsOrganization) AccountStatus(id string) (string, bool) {
	a := o.org.Account(id)
	if a == nil {
		return "", false
	}
	return a.Status, true
}

func (o stsOrganization) ExecutionRoleTrusted(id string) bool {
	a := o.org.Account(id)
	return a != nil && a.ExecutionRole == organizations.RoleTrusted
}

func (o stsOrganization) ManagementAccountID() string { return o.org.ManagementAccountID() }

func stsPrincipals(ps []PrincipalSpec) []sts.PrincipalSpec {
	var out []sts.PrincipalSpec
	for _, p := range ps {
		out = append(out, sts.PrincipalSpec{AccessKeyID: p.AccessKeyID, Arn: p.Arn})
	}
	return out
}
