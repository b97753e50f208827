package scenario

import (
	"fmt"
	"strconv"
	"strings"
)

// check evaluates an expect step now. The error is for a check that could
// not be made (a reference unresolved, a read AWS refused), not for one that
// failed: those are expectations with Pass false.
func (e *engine) check(step int, x Expect) ([]Expectation, error) {
	var out []Expectation
	add := func(what, expected, actual string, pass bool) {
		out = append(out, Expectation{Step: step, What: what, Expected: expected, Actual: actual, Pass: pass})
	}
	if x.Request != "" {
		r := e.result(x.Request)
		actual := r.Status
		if r.Status != x.Status && r.Reason != "" {
			actual += " (" + r.Reason + ")"
		}
		add(x.Request+" status", x.Status, actual, r.Status == x.Status)
		if x.ReasonContains != "" {
			reason := r.Reason
			if reason == "" {
				reason = "no reason"
			}
			add(x.Request+" reason", "a reason containing "+strconv.Quote(x.ReasonContains), strconv.Quote(reason),
				strings.Contains(r.Reason, x.ReasonContains))
		}
	}
	if x.Account == "" {
		return out, nil
	}
	id, err := e.resolve(x.Account)
	if err != nil {
		return out, err
	}
	ctx, op := e.ctx, e.op
	who := "account " + id
	path, parent, found, err := op.placement(ctx, id)
	if err != nil {
		return out, err
	}
	if !found {
		// Every check of an account that is not there fails, saying so.
		missing := "no account " + id + " in the organization"
		for _, what := range accountChecks(x) {
			add(who+" "+what[0], what[1], missing, false)
		}
		return out, nil
	}
	if x.OrganizationalUnit != "" {
		want := x.OrganizationalUnit
		actual := path
		if actual == "" {
			actual = "Root"
		}
		var pass bool
		switch {
		case strings.HasPrefix(want, "ou-") || strings.HasPrefix(want, "r-"):
			pass = parent == want
			actual += " (" + parent + ")"
		case want == "Root":
			pass = path == ""
		default:
			pass = path == want
		}
		add(who+" organizationalUnit", want, actual, pass)
	}
	if x.Managed != nil {
		a, _ := e.rt.Sim.Account(id)
		add(who+" managed by Control Tower", strconv.FormatBool(*x.Managed), strconv.FormatBool(a.Enrolled), a.Enrolled == *x.Managed)
	}
	if x.Tags != nil {
		tags, err := op.tags(ctx, id)
		if err != nil {
			return out, err
		}
		for _, k := range sortedKeys(x.Tags) {
			want, actual := "absent", "absent"
			if v := x.Tags[k]; v != nil {
				want = strconv.Quote(*v)
			}
			if v, ok := tags[k]; ok {
				actual = strconv.Quote(v)
			}
			add(who+" tag "+k, want, actual, want == actual)
		}
	}
	if len(x.Assignments) > 0 {
		has, err := op.assignments(ctx, id)
		if err != nil {
			return out, err
		}
		var all []string
		for _, a := range has {
			all = append(all, a.String())
		}
		listing := "the account has none"
		if len(all) > 0 {
			listing = "the account has: " + strings.Join(all, ", ")
		}
		for _, want := range x.Assignments {
			kind, name := "group", want.Group
			if want.User != "" {
				kind, name = "user", want.User
			}
			present := false
			for _, a := range has {
				if a.Kind == kind && a.PermissionSet == want.PermissionSet && (a.Name == name || (kind == "user" && strings.EqualFold(a.Email, name))) {
					present = true
				}
			}
			expected, actual := "present", "absent"
			if want.Absent {
				expected = "absent"
			}
			if present {
				actual = "present"
			}
			pass := expected == actual
			if !pass {
				actual += " (" + listing + ")"
			}
			add(fmt.Sprintf("%s assignment %s %s: %s", who, kind, name, want.PermissionSet), expected, actual, pass)
		}
	}
	return out, nil
}

// accountChecks lists an expect step's account checks as (what, expected).
func accountChecks(x Expect) [][2]string {
	var out [][2]string
	if x.OrganizationalUnit != "" {
		out = append(out, [2]string{"organizationalUnit", x.OrganizationalUnit})
	}
	if x.Managed != nil {
		out = append(out, [2]string{"managed by Control Tower", strconv.FormatBool(*x.Managed)})
	}
	for _, k := range sortedKeys(x.Tags) {
		want := "absent"
		if v := x.Tags[k]; v != nil {
			want = strconv.Quote(*v)
		}
		out = append(out, [2]string{"tag " + k, want})
	}
	for _, a := range x.Assignments {
		kind, name := "group", a.Group
		if a.User != "" {
			kind, name = "user", a.User
		}
		want := "present"
		if a.Absent {
			want = "absent"
		}
		out = append(out, [2]string{fmt.Sprintf("assignment %s %s: %s", kind, name, a.PermissionSet), want})
	}
	return out
}
