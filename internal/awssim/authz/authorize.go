package authz

import (
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Authorizer is the protocol.Authorizer for one call: calls of a principal
// without policies pass; those of a role with policies are evaluated, and a
// denied one is answered with denied (the service's AccessDenied shape; nil
// means AccessDeniedException, 400). authorization is the request's
// Authorization header, whose credential scope names the Region it was signed
// for (aws:RequestedRegion). The lock is held when the Authorizer runs.
func (reg *Registry) Authorizer(authorization string, denied func(action, message string) *protocol.APIError) protocol.Authorizer {
	if denied == nil {
		denied = func(_, message string) *protocol.APIError {
			return protocol.Err("AccessDeniedException", "%s", message)
		}
	}
	return func(c *protocol.Call, access []protocol.Access) *protocol.APIError {
		r := reg.session[c.Caller.Arn]
		if r == nil {
			return nil
		}
		r.calls++
		reg.checked++
		base := reg.requestContext(c, r, protocol.SignedRegion(authorization))
		reqs := make([]iam.Request, 0, len(access))
		for _, a := range access {
			req := reg.request(c, a, base)
			if d := iam.Evaluate(r.policies, req); !d.Allowed() {
				msg := iam.DeniedMessage(c.Caller.Arn, req, d)
				reg.denials = append(reg.denials, Denial{Principal: c.Caller.Arn, Action: req.Action, Resource: req.Resource, Message: msg})
				reg.log.Debug("iam denied", "principal", c.Caller.Arn, "action", req.Action, "resource", req.Resource, "request", c.RequestID)
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
func (reg *Registry) request(c *protocol.Call, a protocol.Access, base map[string][]string) iam.Request {
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
		if reg.org.HasAccount(acct) {
			req.Context["aws:ResourceOrgID"] = []string{reg.org.ID()}
		}
	}
	for k, v := range a.Context {
		req.Context[k] = v
	}
	return req
}

// requestContext holds the global condition keys of a call by r's session.
func (reg *Registry) requestContext(c *protocol.Call, r *role, region string) map[string][]string {
	ctx := map[string][]string{
		"aws:PrincipalArn":     {r.arn},
		"aws:PrincipalAccount": {c.Caller.AccountID},
		"aws:PrincipalType":    {"AssumedRole"},
		"aws:userid":           {c.Caller.UserID},
		"aws:CurrentTime":      {c.Now.UTC().Format(time.RFC3339)},
		"aws:EpochTime":        {strconv.FormatInt(c.Now.Unix(), 10)},
	}
	if reg.org.HasAccount(c.Caller.AccountID) {
		ctx["aws:PrincipalOrgID"] = []string{reg.org.ID()}
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

// markUsed records the action patterns of the Allow statements that allow req.
func (r *role) markUsed(req iam.Request) {
	for _, p := range r.policies {
		for _, st := range p.Statement {
			if st.Effect != iam.EffectAllow {
				continue
			}
			for _, pat := range st.Action {
				if r.used[pat] || !actionMayMatch(pat, req.Action) {
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

// actionMayMatch is a quick look whether an action pattern can match the
// action (IAM compares actions case-insensitively; '*' and '?' are its
// wildcards, and actions hold no '/'), so only those are evaluated in full.
// A pattern it cannot read is evaluated.
func actionMayMatch(pattern, action string) bool {
	ok, err := path.Match(strings.ToLower(pattern), strings.ToLower(action))
	return ok || err != nil
}
