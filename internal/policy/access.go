package policy

import "slices"

// OUAllowed reports whether the policy lets accounts into the OU at path (from
// Root, e.g. "Workloads/Prod"): any OU when policy.organizationalUnits is empty.
func (p *Policy) OUAllowed(path string) bool {
	if p == nil || len(p.OrganizationalUnits) == 0 {
		return true
	}
	return p.ouAllowed(normalizePath(path))
}

// PermissionSetAllowed reports whether the policy lets the permission set be
// granted in the OU at path: any when policy.permissionSets is empty, none that
// it does not list.
func (p *Policy) PermissionSetAllowed(name, path string) bool {
	if p == nil || len(p.PermissionSets) == 0 {
		return true
	}
	ps, listed := p.permissionSet(name)
	here := normalizePath(path)
	return listed && slices.ContainsFunc(ps.OrganizationalUnits, func(ou string) bool { return matches(ou, here) })
}
