package authz

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/iam"
)

// Report is what the simulator checked of the principals with policies.
type Report struct {
	// Checked counts the calls principals with policies made; each was authorized.
	Checked int `json:"checked"`
	// Denials are the calls IAM refused, in order.
	Denials []Denial `json:"denials,omitempty"`
	// Roles are the roles with policies, by name.
	Roles []RoleUsage `json:"roles,omitempty"`
}

// Denial is one refused call.
type Denial struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	Message   string `json:"message"`
}

// RoleUsage is one role's calls and the grants they never needed.
type RoleUsage struct {
	Role  string `json:"role"`
	Calls int    `json:"calls"`
	// Unused are the action patterns of the role's Allow statements that
	// allowed no call: permissions it could do without.
	Unused []string `json:"unused,omitempty"`
}

// String renders the report for a person, one line a fact.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "IAM: %d calls checked, %d denied\n", r.Checked, len(r.Denials))
	for _, d := range r.Denials {
		fmt.Fprintf(&b, "  denied %s %s: %s\n", d.Action, d.Resource, d.Message)
	}
	for _, u := range r.Roles {
		fmt.Fprintf(&b, "  role %s: %d calls", u.Role, u.Calls)
		if len(u.Unused) > 0 {
			fmt.Fprintf(&b, ", unused grants: %s", strings.Join(u.Unused, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Report returns what was checked: the calls of principals with policies,
// the denials, and each role's grants no call used.
func (reg *Registry) Report() Report {
	out := Report{Checked: reg.checked, Denials: slices.Clone(reg.denials)}
	for _, name := range slices.Sorted(maps.Keys(reg.roles)) {
		r := reg.roles[name]
		out.Roles = append(out.Roles, RoleUsage{Role: name, Calls: r.calls, Unused: r.unused()})
	}
	return out
}

// unused lists, in policy order, the action patterns of Allow statements
// that allowed no call.
func (r *role) unused() []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range r.policies {
		for _, st := range p.Statement {
			if st.Effect != iam.EffectAllow {
				continue
			}
			for _, pat := range st.Action {
				if !r.used[pat] && !seen[pat] {
					seen[pat] = true
					out = append(out, pat)
				}
			}
		}
	}
	return out
}
