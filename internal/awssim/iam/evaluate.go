package iam

import "strings"

// Request is one call to authorize, as IAM's request context sees it.
type Request struct {
	// Action is "service:Operation", e.g. "organizations:ListAccounts".
	Action string
	// Resource is the ARN the call acts on, or "*" for an action that has no
	// resource-level permissions.
	Resource string
	// Context holds the condition keys of the request (aws:PrincipalArn,
	// aws:PrincipalAccount, aws:PrincipalOrgID, aws:ResourceOrgID,
	// aws:SourceArn, aws:username, …). Key names are case-insensitive; a key
	// with no values counts as missing.
	Context map[string][]string
}

// Outcome is what the policies decided. The zero value is ImplicitDeny, so a
// Decision nobody filled in denies.
type Outcome uint8

// The three results of IAM policy evaluation.
const (
	// ImplicitDeny: no statement allowed the request (and none denied it).
	ImplicitDeny Outcome = iota
	// Allow: a statement allowed the request and none denied it.
	Allow
	// ExplicitDeny: a Deny statement matched; no Allow overrides it.
	ExplicitDeny
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// Decision is Evaluate's verdict and the statement that reached it.
type Decision struct {
	Outcome Outcome
	// Policy and Statement index the deciding statement in the policies given
	// to Evaluate (the first matching Deny, else the first matching Allow).
	// They are meaningful only when Outcome is not ImplicitDeny.
	Policy, Statement int
	// Sid is the deciding statement's Sid, if it has one.
	Sid string
}

// Allowed reports whether the request may proceed.
func (d Decision) Allowed() bool { return d.Outcome == Allow }

// Evaluate decides req against the identity-based policies of one principal:
// an explicit Deny in any statement wins, otherwise any Allow allows, otherwise
// the request is implicitly denied ("Policy evaluation logic"). A statement
// applies when its action, resource and every condition match; one that is
// malformed (see Policy.Validate) or names a policy variable the request
// cannot resolve never applies.
func Evaluate(policies []Policy, req Request) Decision {
	e := newEvaluation(req)
	var allow Decision
	for pi, p := range policies {
		e.substitute = p.Version == Version20121017
		for si, s := range p.Statement {
			if !e.applies(s) {
				continue
			}
			if s.Effect == EffectDeny {
				return Decision{Outcome: ExplicitDeny, Policy: pi, Statement: si, Sid: s.Sid}
			}
			if allow.Outcome != Allow {
				allow = Decision{Outcome: Allow, Policy: pi, Statement: si, Sid: s.Sid}
			}
		}
	}
	return allow
}

// evaluation is one request being checked against statements.
type evaluation struct {
	action   string              // lower-cased: actions match case-insensitively
	resource string              // as given: resources match case-sensitively
	context  map[string][]string // keys lower-cased
	// substitute is whether the current policy's Version supports variables.
	substitute bool
}

func newEvaluation(req Request) *evaluation {
	ctx := make(map[string][]string, len(req.Context))
	for k, v := range req.Context {
		k = strings.ToLower(k)
		ctx[k] = append(ctx[k], v...)
	}
	return &evaluation{action: strings.ToLower(req.Action), resource: req.Resource, context: ctx}
}

func (e *evaluation) applies(s Statement) bool {
	if s.Effect != EffectAllow && s.Effect != EffectDeny {
		return false
	}
	if !e.actionMatches(s) {
		return false
	}
	if !e.resourceMatches(s) {
		return false
	}
	for name, keys := range s.Condition {
		op, ok := parseOperator(name)
		if !ok {
			return false
		}
		for key, values := range keys {
			holds, ok := e.keyHolds(op, e.context[strings.ToLower(key)], values)
			if !ok || !holds {
				return false
			}
		}
	}
	return true
}

func (e *evaluation) actionMatches(s Statement) bool {
	matchesAny := func(actions Strings) bool {
		for _, a := range actions {
			if p, _ := compile(strings.ToLower(a), nil); p.match(e.action) {
				return true
			}
		}
		return false
	}
	switch {
	case len(s.Action) > 0 && len(s.NotAction) == 0:
		return matchesAny(s.Action)
	case len(s.NotAction) > 0 && len(s.Action) == 0:
		return !matchesAny(s.NotAction)
	}
	return false
}

// resourceMatches compiles every entry before matching any, so whether an
// unresolvable variable voids the statement does not depend on entry order.
func (e *evaluation) resourceMatches(s Statement) bool {
	var (
		list    Strings
		negated bool
	)
	switch {
	case len(s.Resource) > 0 && len(s.NotResource) == 0:
		list = s.Resource
	case len(s.NotResource) > 0 && len(s.Resource) == 0:
		list, negated = s.NotResource, true
	default:
		return false
	}
	var r resolver
	if e.substitute {
		r = e
	}
	patterns := make([]pattern, 0, len(list))
	for _, raw := range list {
		p, ok := compile(raw, r)
		if !ok {
			return false
		}
		patterns = append(patterns, p)
	}
	for _, p := range patterns {
		if p.match(e.resource) {
			return !negated
		}
	}
	return negated
}

// variable resolves the body of ${…}: a context key, optionally with a quoted
// default (${aws:username, 'anonymous'}), or one of the escapes ${*}, ${?}
// and ${$}. A multivalued key cannot be a variable.
func (e *evaluation) variable(body string) (string, bool) {
	body = strings.TrimSpace(body)
	switch body {
	case "*", "?", "$":
		return body, true
	}
	name, fallback, hasFallback := body, "", false
	if key, def, found := strings.Cut(body, ","); found {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return "", false
		}
		name, fallback, hasFallback = strings.TrimSpace(key), def[1:len(def)-1], true
	}
	if values := e.context[strings.ToLower(name)]; len(values) == 1 {
		return values[0], true
	}
	return fallback, hasFallback
}
