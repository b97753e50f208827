package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Version20121017 is the current IAM policy language version and the only one
// in which policy variables are substituted.
const Version20121017 = "2012-10-17"

// Version20081017 is the legacy policy language version; IAM reads policy
// variables in its documents as literal text.
const Version20081017 = "2008-10-17"

// Effect says whether a statement allows or denies what it matches.
type Effect string

// The two effects a statement may have. IAM spells them exactly so.
const (
	EffectAllow Effect = "Allow"
	EffectDeny  Effect = "Deny"
)

// Policy is an IAM policy document. Go code builds one as a literal:
//
//	iam.Policy{
//		Version: iam.Version20121017,
//		Statement: []iam.Statement{{
//			Effect:   iam.EffectAllow,
//			Action:   []string{"organizations:List*"},
//			Resource: []string{"*"},
//		}},
//	}
//
// and JSON decodes into one from a real document (see Parse).
type Policy struct {
	// Version is the policy language version, normally Version20121017.
	// Without it, policy variables are read as literal text.
	Version string `json:"Version,omitempty"`
	// ID is the optional policy identifier (the Id element).
	ID string `json:"Id,omitempty"`
	// Statement holds the policy's statements; JSON may give one object or a list.
	Statement []Statement `json:"Statement"`
}

// Statement is one element of a policy's Statement list.
type Statement struct {
	Sid         string    `json:"Sid,omitempty"`
	Effect      Effect    `json:"Effect"`
	Action      Strings   `json:"Action,omitempty"`
	NotAction   Strings   `json:"NotAction,omitempty"`
	Resource    Strings   `json:"Resource,omitempty"`
	NotResource Strings   `json:"NotResource,omitempty"`
	Condition   Condition `json:"Condition,omitempty"`
}

// Condition maps a condition operator (e.g. "StringEquals",
// "ForAnyValue:StringLike", "ArnLikeIfExists") to condition keys and the
// values each key is compared with.
type Condition map[string]map[string]Strings

// Strings is a policy element that IAM accepts either as one string or as a
// list of strings. A []string literal converts to it implicitly. Decoding also
// accepts JSON numbers and booleans, as IAM does in condition values
// ("aws:MultiFactorAuthPresent": true), and keeps their text.
type Strings []string

// UnmarshalJSON decodes a string, number, boolean, or a list of them.
func (s *Strings) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("null")) {
		*s = nil
		return nil
	}
	if len(data) > 0 && data[0] == '[' {
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return err
		}
		out := make(Strings, 0, len(raws))
		for _, raw := range raws {
			v, err := scalarText(raw)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		*s = out
		return nil
	}
	v, err := scalarText(data)
	if err != nil {
		return err
	}
	*s = Strings{v}
	return nil
}

// scalarText returns the text of a JSON string, number or boolean.
func scalarText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
	case raw[0] == '"':
		var v string
		err := json.Unmarshal(raw, &v)
		return v, err
	case bytes.Equal(raw, []byte("true")), bytes.Equal(raw, []byte("false")):
		return string(raw), nil
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		var n json.Number
		err := json.Unmarshal(raw, &n)
		return n.String(), err
	}
	return "", fmt.Errorf("iam: %.40s is not a string, number or boolean; give a policy value as one of those or as a list of them", raw)
}

// UnmarshalJSON decodes a policy document whose Statement is one object or a
// list of them.
func (p *Policy) UnmarshalJSON(data []byte) error {
	var doc struct {
		Version   string
		ID        string `json:"Id"`
		Statement json.RawMessage
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	statements, err := decodeStatements(doc.Statement)
	if err != nil {
		return err
	}
	*p = Policy{Version: doc.Version, ID: doc.ID, Statement: statements}
	return nil
}

func decodeStatements(raw json.RawMessage) ([]Statement, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0, bytes.Equal(raw, []byte("null")):
		return nil, nil
	case raw[0] == '[':
		var list []Statement
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
		return list, nil
	case raw[0] == '{':
		var one Statement
		if err := json.Unmarshal(raw, &one); err != nil {
			return nil, err
		}
		return []Statement{one}, nil
	}
	return nil, fmt.Errorf("iam: Statement: %.40s is neither a statement object nor a list of them", raw)
}

// Parse decodes an IAM policy document and validates it, so a simulated
// PutRolePolicy can refuse what IAM would call a MalformedPolicyDocument.
func Parse(document []byte) (Policy, error) {
	var p Policy
	if err := json.Unmarshal(document, &p); err != nil {
		return Policy{}, fmt.Errorf("iam: decode policy document: %w", err)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// Validate reports every element of p that IAM would reject, one error per
// problem, each naming the statement, the element, the value and the fix.
// Evaluate never applies a statement Validate rejects.
func (p Policy) Validate() error {
	var errs []error
	switch p.Version {
	case "", Version20121017, Version20081017:
	default:
		errs = append(errs, fmt.Errorf("iam: Version: %q is not a policy language version; use %q", p.Version, Version20121017))
	}
	if len(p.Statement) == 0 {
		errs = append(errs, errors.New("iam: Statement: the policy has no statements; add at least one"))
	}
	for i, s := range p.Statement {
		where := fmt.Sprintf("Statement[%d]", i)
		if s.Sid != "" {
			where += fmt.Sprintf(" (Sid %q)", s.Sid)
		}
		for _, problem := range s.problems() {
			errs = append(errs, fmt.Errorf("iam: %s.%s", where, problem))
		}
	}
	return errors.Join(errs...)
}

// problems lists what is wrong with s, each as "Element: what; fix".
func (s Statement) problems() []string {
	var out []string
	if s.Effect != EffectAllow && s.Effect != EffectDeny {
		out = append(out, fmt.Sprintf("Effect: %q is not an effect; use %q or %q", s.Effect, EffectAllow, EffectDeny))
	}
	out = append(out, exactlyOne("Action", s.Action, "NotAction", s.NotAction)...)
	out = append(out, exactlyOne("Resource", s.Resource, "NotResource", s.NotResource)...)
	for _, list := range []struct {
		name   string
		values Strings
	}{{"Action", s.Action}, {"NotAction", s.NotAction}} {
		for _, a := range list.values {
			if a != "*" && !strings.Contains(a, ":") {
				out = append(out, fmt.Sprintf("%s: %q is not an action; write it as \"service:Operation\" or \"*\"", list.name, a))
			}
		}
	}
	for name, keys := range s.Condition {
		op, ok := parseOperator(name)
		if !ok {
			out = append(out, fmt.Sprintf("Condition: %q is not a condition operator; use one such as StringEquals, ArnLike or ForAnyValue:StringLike", name))
			continue
		}
		for key, values := range keys {
			if key == "" {
				out = append(out, fmt.Sprintf("Condition.%s: a condition key is empty; name one such as aws:PrincipalOrgID", name))
			}
			for _, v := range values {
				if err := op.base.checkValue(v); err != nil {
					out = append(out, fmt.Sprintf("Condition.%s.%s: %q %v", name, key, v, err))
				}
			}
		}
	}
	return out
}

func exactlyOne(name string, v Strings, notName string, notV Strings) []string {
	switch {
	case len(v) > 0 && len(notV) > 0:
		return []string{fmt.Sprintf("%s: a statement may not have both %s and %s; keep one", name, name, notName)}
	case len(v) == 0 && len(notV) == 0:
		return []string{fmt.Sprintf("%s: the statement has neither %s nor %s; add one", name, name, notName)}
	}
	return nil
}

// checkValue reports whether v is a value the operator can compare with.
func (b baseOperator) checkValue(v string) error {
	if b.variables && strings.Contains(v, "${") {
		return nil // resolved per request
	}
	switch b.kind {
	case kindNumeric:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return errors.New("is not a number; give an integer or decimal")
		}
	case kindDate:
		if _, ok := parseTime(v); !ok {
			return errors.New("is not a date; give an ISO 8601 time such as 2024-01-02T15:04:05Z or epoch seconds")
		}
	case kindIP:
		if _, ok := parsePrefix(v); !ok {
			return errors.New("is not an IP address or CIDR range; give one such as 203.0.113.0/24")
		}
	case kindBool, kindNull:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			return errors.New("is not a boolean; use \"true\" or \"false\"")
		}
	}
	return nil
}
