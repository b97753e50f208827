package request

import (
	"fmt"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a request (or a policy file): the field in
// dotted and indexed form ("account.email", "access[1].permissionSet",
// `tags["aws:x"]`), the offending value as text, what is wrong and how to fix it.
// Its JSON form is the problems item of notification.schema.json.
type Problem struct {
	// Field names the value, e.g. "account.email"; the whole document is "request" (or "policy").
	Field string `json:"field"`
	// Value is the offending value as text (strings as they are, other values as JSON),
	// shortened when long; empty when the field is missing.
	Value string `json:"value,omitempty"`
	// Message says what is wrong, e.g. `"x@y" is longer than 64 characters`.
	Message string `json:"message"`
	// Fix says what to do about it.
	Fix string `json:"fix,omitempty"`
}

// String renders the problem as "field: message; fix", with the offending
// value after the field when the message does not already quote it
// (`access[0].group "nobody": no group with this display name …`; objects
// and arrays are left out), so a one-line reason says what was wrong without
// the problem list.
func (p Problem) String() string {
	s := p.Field
	if p.Value != "" && !strings.Contains(p.Message, p.Value) && !strings.ContainsAny(p.Value[:1], "{[") {
		s += " " + strconv.Quote(p.Value)
	}
	s += ": " + p.Message
	if p.Fix != "" {
		s += "; " + p.Fix
	}
	return s
}

// Problems is the error Decode and policy.Parse return for a document that breaks
// its schema: it lists every violation found, not just the first, so the sender can
// fix them all at once. Use errors.As to get at the list.
type Problems struct {
	// List holds the problems, at least one, ordered by field, fields the schema does not know (likely typos) first.
	List []Problem
}

// Error lists the problems: one on a line of its own after a count when there are several.
func (p *Problems) Error() string {
	switch len(p.List) {
	case 0:
		return "no problems"
	case 1:
		return p.List[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems:", len(p.List))
	for _, pr := range p.List {
		b.WriteString("\n  ")
		b.WriteString(pr.String())
	}
	return b.String()
}
