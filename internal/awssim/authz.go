package awssim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Principals with identity policies, and the authorization of every call they
// make. Each operation declares the IAM action, resources and condition keys
// it needs (protocol.OpOn); the router hands it an Authorizer that evaluates
// them against the caller's policies (package iam) and answers a denied call
// in the service's own protocol with AWS's message. The world's principals
// have no policies and stay unrestricted, as before.
//
// Every call of a role with policies carries aws:PrincipalArn (the role's
// ARN), aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalType,
// aws:userid, aws:CurrentTime, aws:EpochTime and aws:RequestedRegion (from
// the signature); every access to an ARN with an account carries
// aws:ResourceAccount and, for an account of the organization,
// aws:ResourceOrgID. Services add their own keys.
//
// Limitations, besides those of package iam:
//   - only roles AddRole adds have policies; such a role cannot itself be
//     assumed with sts:AssumeRole (its key is its one session);
//   - PutEvents with one entry denied refuses the whole call
//     (AccessDeniedException); the per-entry NotAuthorizedForSourceException
//     EventBridge documents is not simulated;
//   - CreateAccount with Tags is not also checked for organizations:TagResource,
//     and PutRule does not set events:source / events:detail-type from its
//     pattern;
//   - aws:ResourceTag/… is set for Organizations' accounts, OUs and root and for
//     SQS queues only; aws:SecureTransport, aws:SourceIp and the other network
//     keys are never set;
//   - a service's own caller checks (Organizations' management-account check,
//     Identity Center's rate) come before IAM's;
//   - sts:GetCallerIdentity is never checked, as on AWS.

// authz holds the roles with policies and what their calls were checked for.
// The Env's lock guards it.
type authz struct {
	roles   map[string]*policyRole // by role name
	session map[string]*policyRole // by the session ARN that signs
	checked int
	denials []IAMDenial
}

// policyRole is a role added with AddRole: one session signs for it.
type policyRole struct {
	name, arn, session string
	key                string
	policies           []iam.Policy
	calls              int
	// used holds the action patterns of Allow statements that allowed an
	// access of a call that was allowed.
	used map[string]bool
}

// IAMReport is what the simulator checked of the principals with policies.
type IAMReport struct {
	// Checked counts the calls principals with policies made; each was authorized.
	Checked int `json:"checked"`
	// Denials are the calls IAM refused, in order.
	Denials []IAMDenial `json:"denials,omitempty"`
	// Roles are the roles with policies, by name.
	Roles []IAMRoleUsage `json:"roles,omitempty"`
}

// IAMDenial is one refused call.
type IAMDenial struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	Message   string `json:"message"`
}

// IAMRoleUsage is one role's calls and the grants they never needed.
type IAMRoleUsage struct {
	Role  string `json:"role"`
	Calls int    `json:"calls"`
	// Unused are the action patterns of the role's Allow statements that
	// allowed no call: permissions it could do without.
	Unused []string `json:"unused,omitempty"`
}

// String renders the report for a person, one line a fact.
func (r IAMReport) String() string {
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

// roleNameRe is IAM's pattern for a role name (and STS's for a session name).
var roleNameRe = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// AddRole registers the role roleName of the management account
// (arn:aws:iam::<mgmt>:role/<roleName>) with identity policies, and returns a
// fresh access key that signs as its session
// arn:aws:sts::<mgmt>:assumed-role/<roleName>/<roleName>; ConfigAs(key) gives
// an SDK config for it. Every call the session makes is authorized as AWS
// does: an explicit Deny wins, and without an Allow for each resource the
// call answers the service's AccessDenied. It fails for a role name IAM would
// refuse or one already added, and for a malformed policy.
func (s *Sim) AddRole(roleName string, policies ...iam.Policy) (string, error) {
	if !roleNameRe.MatchString(roleName) {
		return "", fmt.Errorf("add role %q: a role name is 1 to 64 of letters, digits and +=,.@_-", roleName)
	}
	if err := validPolicies(policies); err != nil {
		return "", fmt.Errorf("add role %s: %w", roleName, err)
	}
	s.env.Lock()
	defer s.env.Unlock()
	if s.iam.roles[roleName] != nil {
		return "", fmt.Errorf("add role %s: the role exists; change its policies with SetPolicies", roleName)
	}
	key, p := s.sts.AddSession(s.org.ManagementAccountID(), roleName, roleName)
	s.iam.add(s.newPolicyRole(roleName, p.Arn, key, slices.Clone(policies)))
	return key, nil
}

// SetPolicies replaces the identity policies of a role AddRole added, from
// the next call on (to revoke a grant, say).
func (s *Sim) SetPolicies(roleName string, policies ...iam.Policy) error {
	if err := validPolicies(policies); err != nil {
		return fmt.Errorf("set policies of %s: %w", roleName, err)
	}
	s.env.Lock()
	defer s.env.Unlock()
	r := s.iam.roles[roleName]
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

// IAMReport returns what the simulator checked: the calls of principals with
// policies, the denials, and each role's grants no call used.
func (s *Sim) IAMReport() IAMReport {
	s.env.Lock()
	defer s.env.Unlock()
	out := IAMReport{Checked: s.iam.checked, Denials: slices.Clone(s.iam.denials)}
	for _, name := range sortedKeys(s.iam.roles) {
		r := s.iam.roles[name]
		out.Roles = append(out.Roles, IAMRoleUsage{Role: name, Calls: r.calls, Unused: r.unused()})
	}
	return out
}

// newPolicyRole is the role roleName of the management account, signing as
// session with key. The lock is held.
func (s *Sim) newPolicyRole(roleName, session, key string, policies []iam.Policy) *policyRole {
	return &policyRole{name: roleName, arn: "arn:aws:iam::" + s.org.ManagementAccountID() + ":role/" + roleName,
		session: session, key: key, policies: policies, used: map[string]bool{}}
}

func (a *authz) add(r *policyRole) {
	if a.roles == nil {
		a.roles, a.session = map[string]*policyRole{}, map[string]*policyRole{}
	}
	a.roles[r.name] = r
	a.session[r.session] = r
}

// unused lists, in policy order, the action patterns of Allow statements
// that allowed no call.
func (r *policyRole) unused() []string {
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

// markUsed records the action patterns of the Allow statements that allow req.
func (r *policyRole) markUsed(req iam.Request) {
	for _, p := range r.policies {
		for _, st := range p.Statement {
			if st.Effect != iam.EffectAllow {
				continue
			}
			for _, pat := range st.Action {
				if r.used[pat] {
					continue
				}
				one := st
				one.Action = iam.Strings{pat}
				if iam.Evaluate([]iam.Policy{{Version: p.Version, Statement: []iam.Statement{one}}}, req).Allowed() {
					r.used[pat] = true
				}
			}
		}
	}
}

// signedRegionRe finds the Region in a SigV4 credential scope
// (Credential=<key>/<date>/<region>/<service>/aws4_request).
var signedRegionRe = regexp.MustCompile(`Credential=[^/,\s]+/\d{8}/([^/,\s]+)/`)

// authorizer is the Authorizer the router gives every call: calls of a
// principal without policies pass; those of a role with policies are
// evaluated, and a denied one is answered with denied (the service's
// AccessDenied shape). authorization is the request's Authorization header,
// whose credential scope names the Region it was signed for
// (aws:RequestedRegion). The lock is held when it runs.
func (s *Sim) authorizer(authorization string, denied func(action, message string) *APIError) protocol.Authorizer {
	if denied == nil {
		denied = func(_, message string) *APIError { return apiErr("AccessDeniedException", "%s", message) }
	}
	return func(c *protocol.Call, access []protocol.Access) *APIError {
		r := s.iam.session[c.Caller.Arn]
		if r == nil {
			return nil
		}
		r.calls++
		s.iam.checked++
		region := ""
		if m := signedRegionRe.FindStringSubmatch(authorization); m != nil {
			region = m[1]
		}
		base := s.requestContext(c, r, region)
		reqs := make([]iam.Request, 0, len(access))
		for _, a := range access {
			req := s.request(c, a, base)
			if d := iam.Evaluate(r.policies, req); !d.Allowed() {
				msg := iam.DeniedMessage(c.Caller.Arn, req, d)
				s.iam.denials = append(s.iam.denials, IAMDenial{Principal: c.Caller.Arn, Action: req.Action, Resource: req.Resource, Message: msg})
				s.log.Debug("iam denied", "principal", c.Caller.Arn, "action", req.Action, "resource", req.Resource, "request", c.RequestID)
				return denied(req.Action, msg)
			}
			reqs = append(reqs, req)
		}
		for _, req := range reqs {
			r.markUsed(req)
		}
		return nil
	}
}

// request is one access as IAM sees it: the call's action unless the access
// names its own, "*" for no resource, and the global keys under the
// service's (which win) plus the resource's account and organization.
func (s *Sim) request(c *protocol.Call, a protocol.Access, base map[string][]string) iam.Request {
	req := iam.Request{Action: a.Action, Resource: a.Resource, Context: make(map[string][]string, len(base)+len(a.Context)+2)}
	if req.Action == "" {
		req.Action = c.Action
	}
	if req.Resource == "" {
		req.Resource = protocol.AnyResource
	}
	for k, v := range base {
		req.Context[k] = v
	}
	if acct := arnAccount(req.Resource); acct != "" {
		req.Context["aws:ResourceAccount"] = []string{acct}
		if s.org.Account(acct) != nil {
			req.Context["aws:ResourceOrgID"] = []string{s.org.ID()}
		}
	}
	for k, v := range a.Context {
		req.Context[k] = v
	}
	return req
}

// requestContext holds the global condition keys of a call by r's session.
func (s *Sim) requestContext(c *protocol.Call, r *policyRole, region string) map[string][]string {
	ctx := map[string][]string{
		"aws:PrincipalArn":     {r.arn},
		"aws:PrincipalAccount": {c.Caller.AccountID},
		"aws:PrincipalType":    {"AssumedRole"},
		"aws:userid":           {c.Caller.UserID},
		"aws:CurrentTime":      {c.Now.UTC().Format(time.RFC3339)},
		"aws:EpochTime":        {strconv.FormatInt(c.Now.Unix(), 10)},
	}
	if s.org.Account(c.Caller.AccountID) != nil {
		ctx["aws:PrincipalOrgID"] = []string{s.org.ID()}
	}
	if region != "" {
		ctx["aws:RequestedRegion"] = []string{region}
	}
	return ctx
}

// arnAccount is the account field of an ARN, if it is an account id.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || len(parts[4]) != 12 {
		return ""
	}
	for _, r := range parts[4] {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return parts[4]
}

// roleState is a role with policies as a snapshot holds it.
type roleState struct {
	Name     string       `json:"name"`
	Key      string       `json:"accessKeyId"`
	Policies []iam.Policy `json:"policies"`
}

func (a *authz) state() []roleState {
	var out []roleState
	for _, name := range sortedKeys(a.roles) {
		r := a.roles[name]
		out = append(out, roleState{Name: r.name, Key: r.key, Policies: r.policies})
	}
	return out
}

// restoreRoles gives back the roles a snapshot held; their sessions' keys come
// back with STS's.
func (s *Sim) restoreRoles(roles []roleState) {
	for _, rs := range roles {
		p, _ := s.sts.Principal(rs.Key)
		s.iam.add(s.newPolicyRole(rs.Name, p.Arn, rs.Key, rs.Policies))
	}
}
