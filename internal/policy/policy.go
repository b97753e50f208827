// Package policy is the organization's rules for account requests: the policy file
// deployed with the stack (internal/policy/default.json, described by schema/policy.schema.json).
//
// A request that passes the request schema is checked against the policy before
// anything changes in AWS. Each rule is optional and a rule that is left out allows
// everything, except requesters: left out, only members of Control Tower's
// AWSAccountFactory group may ask, so the zero Policy (and the file {}) allows
// every request such a member makes:
//
//   - organizationalUnits: the OUs create and enroll may put an account into and
//     update may move one to. Entries are OU paths from Root ("Workloads/Prod"),
//     "Path/*" for every OU below Path, or "*" for every OU.
//   - enrollmentOrganizationalUnit: the OU accounts joining the organization are
//     enrolled into first; it must be one of organizationalUnits.
//   - emailDomains: the domains account.email and owner.email must be at.
//   - permissionSets: which permission sets may be granted, and in which OUs. A
//     permission set that is not listed may not be granted anywhere.
//   - defaultAccess: access every account gets in an OU, on top of the request's.
//   - allowClose: false forbids action close (unmanage stays possible).
//   - requiredTags: tag keys every account must carry with a non-empty value.
//   - defaultTags: values set on accounts adopted from lifecycle events for keys
//     they lack (placeholders for requiredTags).
//   - requesters: per action (or default), the IAM Identity Center groups whose
//     members may ask for it; ["*"] lets anyone the queue accepts ask. Left out:
//     AWSAccountFactory. Membership is checked by the vending logic (it needs
//     Identity Center); see Requesters.
//
// Check reports one request.Problem per broken rule; each message names the rule
// ("policy.permissionSets") and each fix says how to comply.
//
// It may import internal/request and schema.
package policy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/schema"
)

// maxPolicyBytes bounds the policy file; a real one is a few kilobytes.
const maxPolicyBytes = 1 << 20

// Policy is a parsed policy file. Its fields mirror policy.schema.json; an empty
// field is a rule left out. Build one with Parse, which validates and normalizes it;
// a Policy written in Go should use the same forms (OU paths without "Root/").
type Policy struct {
	// OrganizationalUnits lists the OUs that may receive accounts (paths or patterns).
	OrganizationalUnits []string `json:"organizationalUnits,omitempty"`
	// EnrollmentOrganizationalUnit is the OU joining accounts are enrolled into first.
	EnrollmentOrganizationalUnit string `json:"enrollmentOrganizationalUnit,omitempty"`
	// EmailDomains lists the domains account and owner emails must be at.
	EmailDomains []string `json:"emailDomains,omitempty"`
	// PermissionSets lists the permission sets that may be granted and where.
	PermissionSets []PermissionSet `json:"permissionSets,omitempty"`
	// DefaultAccessByOU maps an OU path or pattern to the access every account in it gets.
	DefaultAccessByOU map[string][]request.Access `json:"defaultAccess,omitempty"`
	// AllowClose, when set to false, forbids closing accounts; nil means no rule.
	AllowClose *bool `json:"allowClose,omitempty"`
	// RequiredTags lists tag keys every account must carry with a non-empty value.
	RequiredTags []string `json:"requiredTags,omitempty"`
	// DefaultTags are set on accounts adopted from lifecycle events, for keys they lack.
	DefaultTags map[string]string `json:"defaultTags,omitempty"`
	// RequesterGroups maps an action, or "default", to the groups whose members
	// may ask for it (["*"]: anyone); read it through Requesters.
	RequesterGroups map[string][]string `json:"requesters,omitempty"`
}

// PermissionSet says where one permission set may be granted.
type PermissionSet struct {
	// Name is the permission set's name.
	Name string `json:"name"`
	// OrganizationalUnits are the OU paths or patterns where it may be granted ("*": everywhere).
	OrganizationalUnits []string `json:"organizationalUnits"`
}

// Parse validates a policy file against policy.schema.json, normalizes its OU paths
// (a leading "Root/" is dropped) and checks that its rules agree with each other:
// the enrollment OU may receive accounts, and default access grants only permission
// sets that permissionSets allows where the default applies. Violations are returned
// as a *request.Problems listing all of them.
func Parse(b []byte) (*Policy, error) {
	dec, err := request.NewSchemaDecoder("policy", maxPolicyBytes, schema.Policy, schema.Request)
	if err != nil {
		return nil, fmt.Errorf("parse policy: %w", err)
	}
	var p Policy
	if err := dec.Decode(b, &p); err != nil {
		return nil, err
	}
	p.normalize()
	if probs := p.consistency(); len(probs) > 0 {
		return nil, &request.Problems{List: probs}
	}
	return &p, nil
}

func (p *Policy) normalize() {
	for i, ou := range p.OrganizationalUnits {
		p.OrganizationalUnits[i] = normalizePath(ou)
	}
	p.EnrollmentOrganizationalUnit = normalizePath(p.EnrollmentOrganizationalUnit)
	for _, ps := range p.PermissionSets {
		for i, ou := range ps.OrganizationalUnits {
			ps.OrganizationalUnits[i] = normalizePath(ou)
		}
	}
	if len(p.DefaultAccessByOU) > 0 {
		m := make(map[string][]request.Access, len(p.DefaultAccessByOU))
		// Sorted, so that "Root/X" and "X" merge in the same order every time.
		for _, k := range sortedKeys(p.DefaultAccessByOU) {
			n := normalizePath(k)
			m[n] = append(m[n], p.DefaultAccessByOU[k]...)
		}
		p.DefaultAccessByOU = m
	}
}

// consistency finds rules that contradict each other, which no schema can express.
func (p *Policy) consistency() []request.Problem {
	var probs []request.Problem
	if e := p.EnrollmentOrganizationalUnit; e != "" && !p.ouAllowed(e) {
		probs = append(probs, request.Problem{
			Field:   "enrollmentOrganizationalUnit",
			Value:   e,
			Message: e + " may not receive accounts (policy.organizationalUnits)",
			Fix:     "add " + e + " to organizationalUnits, or choose one of " + describeOUs(p.OrganizationalUnits),
		})
	}
	for _, key := range sortedKeys(p.DefaultAccessByOU) {
		for i, a := range p.DefaultAccessByOU[key] {
			ps, listed := p.permissionSet(a.PermissionSet)
			field := fmt.Sprintf("defaultAccess[%q][%d].permissionSet", key, i)
			switch {
			case len(p.PermissionSets) == 0:
			case !listed:
				probs = append(probs, request.Problem{
					Field:   field,
					Value:   a.PermissionSet,
					Message: a.PermissionSet + " may not be granted anywhere: it is not listed in policy.permissionSets",
					Fix:     "add " + a.PermissionSet + " to permissionSets with " + key + " among its organizationalUnits, or grant another permission set",
				})
			case !slices.ContainsFunc(ps.OrganizationalUnits, func(ou string) bool { return covers(ou, key) }):
				probs = append(probs, request.Problem{
					Field:   field,
					Value:   a.PermissionSet,
					Message: fmt.Sprintf("%s may be granted only in %s, not everywhere %s covers (policy.permissionSets)", a.PermissionSet, describeOUs(ps.OrganizationalUnits), describeOU(key)),
					Fix:     "add " + key + " to the organizationalUnits of " + a.PermissionSet + " in permissionSets, or grant another permission set",
				})
			}
		}
	}
	return append(probs, p.requestersConsistency()...)
}

// EnrollmentOU is the OU accounts joining the organization are enrolled into
// first, as a path; "" when the policy names none.
func (p *Policy) EnrollmentOU() string {
	if p == nil {
		return ""
	}
	return p.EnrollmentOrganizationalUnit
}

// DefaultAccess is the access every account in the OU at ouPath gets: the grants of
// every defaultAccess key that matches it, without repeats, in key order.
func (p *Policy) DefaultAccess(ouPath string) []request.Access {
	if p == nil {
		return nil
	}
	ouPath = normalizePath(ouPath)
	var out []request.Access
	for _, key := range sortedKeys(p.DefaultAccessByOU) {
		if !matches(key, ouPath) {
			continue
		}
		for _, a := range p.DefaultAccessByOU[key] {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

func (p *Policy) ouAllowed(path string) bool {
	return len(p.OrganizationalUnits) == 0 || slices.ContainsFunc(p.OrganizationalUnits, func(pat string) bool { return matches(pat, path) })
}

func (p *Policy) permissionSet(name string) (PermissionSet, bool) {
	i := slices.IndexFunc(p.PermissionSets, func(ps PermissionSet) bool { return ps.Name == name })
	if i < 0 {
		return PermissionSet{}, false
	}
	return p.PermissionSets[i], true
}

// closeAllowed is the allowClose rule; left out it allows closing.
func (p *Policy) closeAllowed() bool { return p.AllowClose == nil || *p.AllowClose }

// normalizePath drops the optional "Root/" that paths may start with.
func normalizePath(s string) string {
	if rest, ok := strings.CutPrefix(s, "Root/"); ok && rest != "" {
		return rest
	}
	return s
}

// matches reports whether the OU at path is one the pattern names: the same path,
// one below "Base/*", or any for "*".
func matches(pattern, path string) bool {
	if pattern == "*" {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/*"); ok {
		return strings.HasPrefix(path, base+"/")
	}
	return pattern == path
}

// covers reports whether every OU the pattern inner names is also named by outer.
func covers(outer, inner string) bool {
	if outer == "*" {
		return true
	}
	if inner == "*" {
		return false
	}
	innerBase, innerWild := strings.CutSuffix(inner, "/*")
	if outerBase, ok := strings.CutSuffix(outer, "/*"); ok {
		return strings.HasPrefix(innerBase, outerBase+"/") || (innerWild && innerBase == outerBase)
	}
	return !innerWild && outer == inner
}

// describeOU says in words which OUs a pattern names.
func describeOU(pattern string) string {
	if pattern == "*" {
		return "any OU"
	}
	if base, ok := strings.CutSuffix(pattern, "/*"); ok {
		return "any OU below " + base
	}
	return pattern
}

func describeOUs(patterns []string) string {
	words := make([]string, len(patterns))
	for i, p := range patterns {
		words[i] = describeOU(p)
	}
	return joinOr(words)
}

// joinOr writes "a", "a or b", "a, b or c".
func joinOr(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
