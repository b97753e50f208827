package policy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/towervend/towervend/internal/request"
)

// Facts is what the vending logic found out from the organization before the
// policy check; the policy judges the request against them.
type Facts struct {
	// OUPath is the path from Root (e.g. "Workloads/Prod", "Root" for the root
	// itself) of the OU the rules apply to: the target OU for create, enroll and an
	// update that moves the account; the account's current OU for other updates.
	// It is not used for unmanage and close.
	OUPath string
	// Tags are the account's current tags (update only).
	Tags map[string]string
}

// view is Facts plus what is not known, which only CheckOffline lacks.
type view struct {
	ouPath    string
	ouKnown   bool
	tags      map[string]string
	tagsKnown bool
}

// Check judges a schema-valid request against the policy and returns one problem
// per broken rule, none when the request is allowed. A nil or zero Policy allows
// everything it judges. It does not judge who asked (policy.requesters), which
// needs IAM Identity Center: the vending logic checks that against Requesters.
func (p *Policy) Check(req *request.Request, facts Facts) []request.Problem {
	probs, _ := p.check(req, view{ouPath: normalizePath(facts.OUPath), ouKnown: true, tags: facts.Tags, tagsKnown: true})
	return probs
}

// CheckOffline judges a request without an organization to ask, for
// `towervend validate FILE...`. It takes the OU as written when it is a path; when
// it is an OU id or "Name (ou-id)", or when an update does not name an OU, the rules
// that depend on the OU are skipped, as are checks against the account's current
// tags. Of policy.requesters it checks that the request names who asked when
// the rule wants a group member; the membership itself is in IAM Identity
// Center, so a note says it was not checked (CheckOfflineIn checks it against
// a directory). The notes say what was skipped; those rules are still checked
// when the request is processed.
func CheckOffline(req *request.Request, pol *Policy) (problems []request.Problem, notes []string) {
	return CheckOfflineIn(req, pol, nil)
}

// CheckOfflineIn is CheckOffline with the requester's group membership looked
// up in dir (a simulated world's Identity Center, say); a nil dir is CheckOffline.
func CheckOfflineIn(req *request.Request, pol *Policy, dir Directory) (problems []request.Problem, notes []string) {
	v := view{}
	if ref := req.Account.OURef(); ref.IsPath() {
		v.ouPath, v.ouKnown = ref.PathString(), true
	}
	problems, notes = pol.check(req, v)
	by := ""
	if req.Requester != nil {
		by = req.Requester.By
	}
	r := pol.Requesters(req.Action)
	if r.Anyone {
		return problems, notes
	}
	if by != "" && dir == nil {
		return problems, append(notes, r.Note(by))
	}
	if p := r.Judge(by, dir); p != nil {
		problems = append(problems, *p)
	}
	return problems, notes
}

func (p *Policy) check(req *request.Request, v view) ([]request.Problem, []string) {
	if p == nil {
		p = &Policy{}
	}
	c := &checker{p: p, req: req, v: v}
	switch req.Action {
	case request.ActionClose:
		c.allowClose()
	case request.ActionCreate:
		c.organizationalUnit()
		c.emailDomains()
		c.permissionSets()
		c.requiredTagsGiven()
	case request.ActionEnroll:
		// An existing account already carries tags: what counts is the account
		// after enrollment, its current tags with the request's applied.
		c.organizationalUnit()
		c.emailDomains()
		c.permissionSets()
		c.requiredTagsKept()
	case request.ActionUpdate:
		if req.Account.OrganizationalUnit != "" {
			c.organizationalUnit()
		}
		c.emailDomains()
		c.permissionSets()
		c.requiredTagsKept()
	}
	return c.probs, c.notes
}

type checker struct {
	p     *Policy
	req   *request.Request
	v     view
	probs []request.Problem
	notes []string
}

func (c *checker) add(field, value, msg, fix string) {
	c.probs = append(c.probs, request.Problem{Field: field, Value: value, Message: msg, Fix: fix})
}

// ouUnknown handles a rule that needs the OU when it is not known: offline it is
// skipped with a note; online it fails closed, since the vending logic should
// always have resolved the OU.
func (c *checker) ouUnknown(rule string) {
	if c.v.ouKnown {
		c.add("account.organizationalUnit", c.req.Account.OrganizationalUnit,
			"could not be resolved to an OU path, so "+rule+" cannot be checked",
			"give the OU as a path from Root, e.g. \"Workloads/Prod\"")
		return
	}
	if c.req.Account.OrganizationalUnit != "" {
		c.notes = append(c.notes, fmt.Sprintf("account.organizationalUnit %q is not a path, so %s was not checked; it is checked against the organization when the request is processed", c.req.Account.OrganizationalUnit, rule))
		return
	}
	c.notes = append(c.notes, "the account's current OU is not known offline, so "+rule+" was not checked; it is checked against the organization when the request is processed")
}

func (c *checker) allowClose() {
	if c.p.closeAllowed() {
		return
	}
	c.add("action", string(c.req.Action),
		"closing accounts is not allowed (policy.allowClose is false)",
		"use action \"unmanage\" to take the account out of Control Tower without closing it, or ask the platform team to allow closing")
}

func (c *checker) organizationalUnit() {
	if len(c.p.OrganizationalUnits) == 0 {
		return
	}
	if !c.v.ouKnown || c.v.ouPath == "" {
		c.ouUnknown("policy.organizationalUnits")
		return
	}
	if c.p.ouAllowed(c.v.ouPath) {
		return
	}
	c.add("account.organizationalUnit", c.req.Account.OrganizationalUnit,
		"OU "+c.v.ouPath+" may not receive accounts (policy.organizationalUnits)",
		"choose "+describeOUs(c.p.OrganizationalUnits))
}

func (c *checker) emailDomains() {
	if len(c.p.EmailDomains) == 0 {
		return
	}
	check := func(field, email string) {
		_, domain, _ := strings.Cut(email, "@")
		if slices.ContainsFunc(c.p.EmailDomains, func(d string) bool { return strings.EqualFold(d, domain) }) {
			return
		}
		c.add(field, email,
			strconv.Quote(email)+" is not at an allowed domain (policy.emailDomains)",
			"use an address at "+joinOr(c.p.EmailDomains))
	}
	if c.req.Account.Email != "" {
		check("account.email", c.req.Account.Email)
	}
	if c.req.Owner != nil {
		check("owner.email", c.req.Owner.Email)
	}
}

func (c *checker) permissionSets() {
	if len(c.p.PermissionSets) == 0 || len(c.req.Access) == 0 {
		return
	}
	if !c.v.ouKnown || c.v.ouPath == "" {
		c.ouUnknown("policy.permissionSets")
		return
	}
	here := c.v.ouPath
	var allowedHere []string
	for _, ps := range c.p.PermissionSets {
		if slices.ContainsFunc(ps.OrganizationalUnits, func(ou string) bool { return matches(ou, here) }) {
			allowedHere = append(allowedHere, ps.Name)
		}
	}
	move := "put the account in "
	if c.req.Action == request.ActionUpdate {
		move = "move the account to "
	}
	for i, a := range c.req.Access {
		if a.Revoke {
			continue // taking access away is never against the policy
		}
		field := fmt.Sprintf("access[%d].permissionSet", i)
		ps, listed := c.p.permissionSet(a.PermissionSet)
		if !listed {
			fix := "no permission set may be granted in " + here
			if len(allowedHere) > 0 {
				fix = "request " + joinOr(allowedHere)
			}
			c.add(field, a.PermissionSet, a.PermissionSet+" may not be granted anywhere: it is not listed in policy.permissionSets", fix)
			continue
		}
		if slices.Contains(allowedHere, a.PermissionSet) {
			continue
		}
		fix := move + describeOUs(ps.OrganizationalUnits)
		if len(allowedHere) > 0 {
			// permissionSets lists the most powerful first, so the first one allowed
			// here is the closest substitute.
			fix = "request " + allowedHere[0] + " or " + fix
		}
		c.add(field, a.PermissionSet,
			fmt.Sprintf("%s may be granted only in %s (policy.permissionSets)", a.PermissionSet, describeOUs(ps.OrganizationalUnits)),
			fix)
	}
}

// requiredTagsGiven is the requiredTags rule for create: the request itself
// must carry every required tag.
func (c *checker) requiredTagsGiven() {
	for _, key := range c.p.RequiredTags {
		field := tagField(key)
		val, ok := c.req.Tags[key]
		switch {
		case !ok || val == nil:
			c.add(field, "", "is required on every account (policy.requiredTags)", "add "+field+" with a value")
		case *val == "":
			c.add(field, "", "is empty, but every account needs a value for it (policy.requiredTags)", "give "+field+" a value")
		}
	}
}

// requiredTagsKept is the requiredTags rule for update and enroll: the account's
// tags after the request must still carry every required tag.
func (c *checker) requiredTagsKept() {
	if len(c.p.RequiredTags) == 0 {
		return
	}
	for _, key := range c.p.RequiredTags {
		field := tagField(key)
		val, inRequest := c.req.Tags[key]
		switch {
		case inRequest && val == nil:
			c.add(field, "null", "would remove "+key+", which every account must carry (policy.requiredTags)",
				"remove "+field+" from the request or give it a new value")
		case inRequest && *val == "":
			c.add(field, "", "is empty, but every account needs a value for it (policy.requiredTags)", "give "+field+" a value")
		case inRequest:
		case !c.v.tagsKnown:
		case c.v.tags[key] == "":
			c.add(field, "", "the account has no "+key+" tag, which every account must carry (policy.requiredTags)",
				"add "+field+" with a value to this request")
		}
	}
	if !c.v.tagsKnown {
		c.notes = append(c.notes, "the account's current tags are not known offline, so policy.requiredTags was checked only against the tags this request sets or removes")
	}
}

// tagField writes a tag's field the way request problems do: tags.CostCenter, tags["cost center"].
func tagField(key string) string {
	for i, r := range key {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || i > 0 && (r >= '0' && r <= '9' || r == '-')
		if !ok {
			return "tags[" + strconv.Quote(key) + "]"
		}
	}
	return "tags." + key
}
