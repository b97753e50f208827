package iam

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// valueKind is what an operator compares, for validation and for which
// operators take policy variables.
type valueKind uint8

const (
	kindString valueKind = iota
	kindNumeric
	kindDate
	kindBool
	kindIP
	kindARN
	kindNull
)

// baseOperator is a condition operator without its set qualifier or IfExists.
type baseOperator struct {
	kind valueKind
	// negated operators (StringNotEquals, ArnNotLike, …) hold when no policy
	// value matches; a missing key makes them true.
	negated bool
	// variables says whether policy variables are substituted in the values
	// ("IAM policy elements: Variables": String, ARN and Boolean operators).
	variables bool
	// match compares one policy value with one request value.
	match func(policy pattern, request string) bool
}

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAllValues
	setForAnyValue
)

// operator is a parsed condition operator name such as
// "ForAnyValue:StringLikeIfExists".
type operator struct {
	base     baseOperator
	set      setQualifier
	ifExists bool
}

// parseOperator reads a condition operator name, case-insensitively. Null takes
// neither IfExists nor a set qualifier ("IAM JSON policy elements: Condition
// operators").
func parseOperator(name string) (operator, bool) {
	var op operator
	rest := name
	if qualifier, after, found := strings.Cut(name, ":"); found {
		switch strings.ToLower(qualifier) {
		case "forallvalues":
			op.set = setForAllValues
		case "foranyvalue":
			op.set = setForAnyValue
		default:
			return operator{}, false
		}
		rest = after
	}
	lower := strings.ToLower(rest)
	if trimmed, found := strings.CutSuffix(lower, "ifexists"); found {
		op.ifExists = true
		lower = trimmed
	}
	base, ok := lookupBase(lower)
	if !ok || base.kind == kindNull && (op.ifExists || op.set != setNone) {
		return operator{}, false
	}
	op.base = base
	return op, true
}

// lookupBase finds a base operator by its lower-cased name.
func lookupBase(name string) (baseOperator, bool) {
	switch name {
	case "stringequals":
		return baseOperator{kind: kindString, variables: true, match: stringEquals}, true
	case "stringnotequals":
		return baseOperator{kind: kindString, variables: true, negated: true, match: stringEquals}, true
	case "stringequalsignorecase":
		return baseOperator{kind: kindString, variables: true, match: stringEqualsFold}, true
	case "stringnotequalsignorecase":
		return baseOperator{kind: kindString, variables: true, negated: true, match: stringEqualsFold}, true
	case "stringlike":
		return baseOperator{kind: kindString, variables: true, match: pattern.match}, true
	case "stringnotlike":
		return baseOperator{kind: kindString, variables: true, negated: true, match: pattern.match}, true
	case "numericequals":
		return numeric(func(p, r float64) bool { return r == p }, false), true
	case "numericnotequals":
		return numeric(func(p, r float64) bool { return r == p }, true), true
	case "numericlessthan":
		return numeric(func(p, r float64) bool { return r < p }, false), true
	case "numericlessthanequals":
		return numeric(func(p, r float64) bool { return r <= p }, false), true
	case "numericgreaterthan":
		return numeric(func(p, r float64) bool { return r > p }, false), true
	case "numericgreaterthanequals":
		return numeric(func(p, r float64) bool { return r >= p }, false), true
	case "dateequals":
		return date(func(p, r time.Time) bool { return r.Equal(p) }, false), true
	case "datenotequals":
		return date(func(p, r time.Time) bool { return r.Equal(p) }, true), true
	case "datelessthan":
		return date(func(p, r time.Time) bool { return r.Before(p) }, false), true
	case "datelessthanequals":
		return date(func(p, r time.Time) bool { return !r.After(p) }, false), true
	case "dategreaterthan":
		return date(func(p, r time.Time) bool { return r.After(p) }, false), true
	case "dategreaterthanequals":
		return date(func(p, r time.Time) bool { return !r.Before(p) }, false), true
	case "bool":
		return baseOperator{kind: kindBool, variables: true, match: stringEqualsFold}, true
	case "ipaddress":
		return baseOperator{kind: kindIP, match: ipInRange}, true
	case "notipaddress":
		return baseOperator{kind: kindIP, negated: true, match: ipInRange}, true
	case "arnequals", "arnlike": // "ArnEquals and ArnLike behave identically"
		return baseOperator{kind: kindARN, variables: true, match: pattern.matchARN}, true
	case "arnnotequals", "arnnotlike":
		return baseOperator{kind: kindARN, variables: true, negated: true, match: pattern.matchARN}, true
	case "null":
		return baseOperator{kind: kindNull}, true
	}
	return baseOperator{}, false
}

func stringEquals(p pattern, r string) bool     { return p.text() == r }
func stringEqualsFold(p pattern, r string) bool { return strings.EqualFold(p.text(), r) }

func numeric(cmp func(policy, request float64) bool, negated bool) baseOperator {
	return baseOperator{kind: kindNumeric, negated: negated, match: func(p pattern, r string) bool {
		pv, err := strconv.ParseFloat(p.text(), 64)
		if err != nil {
			return false
		}
		rv, err := strconv.ParseFloat(r, 64)
		return err == nil && cmp(pv, rv)
	}}
}

func date(cmp func(policy, request time.Time) bool, negated bool) baseOperator {
	return baseOperator{kind: kindDate, negated: negated, match: func(p pattern, r string) bool {
		pv, ok := parseTime(p.text())
		if !ok {
			return false
		}
		rv, ok := parseTime(r)
		return ok && cmp(pv, rv)
	}}
}

// parseTime reads the W3C ISO 8601 forms IAM accepts, or epoch seconds.
func parseTime(s string) (time.Time, bool) {
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func ipInRange(p pattern, r string) bool {
	prefix, ok := parsePrefix(p.text())
	if !ok {
		return false
	}
	addr, err := netip.ParseAddr(r)
	return err == nil && prefix.Contains(addr.Unmap())
}

// parsePrefix reads a CIDR range; a bare address is its own /32 (or /128).
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		prefix, err := netip.ParsePrefix(s)
		return prefix.Masked(), err == nil
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	addr = addr.Unmap()
	return netip.PrefixFrom(addr, addr.BitLen()), true
}

// keyHolds evaluates one condition key: the request's values for it against
// the policy's. ok is false when a policy variable cannot be resolved.
func (e *evaluation) keyHolds(op operator, request []string, policy Strings) (holds, ok bool) {
	present := len(request) > 0
	if op.base.kind == kindNull {
		// "true": the key must be absent; "false": present. Values are ORed.
		for _, v := range policy {
			if strings.EqualFold(v, "true") && !present || strings.EqualFold(v, "false") && present {
				return true, true
			}
		}
		return false, true
	}
	if !present {
		switch {
		case op.ifExists:
			return true, true
		case op.set == setForAllValues:
			return true, true // AWS: ForAllValues "also returns true if there are no context keys in the request"
		case op.set == setForAnyValue:
			return false, true
		}
		return op.base.negated, true
	}
	var r resolver
	if op.base.variables && e.substitute {
		r = e
	}
	patterns := make([]pattern, 0, len(policy))
	for _, v := range policy {
		p, ok := compile(v, r)
		if !ok {
			return false, false
		}
		patterns = append(patterns, p)
	}
	matchesAny := func(value string) bool {
		for _, p := range patterns {
			if op.base.match(p, value) {
				return true
			}
		}
		return false
	}
	// A value holds when it matches a policy value (OR), or for a negated
	// operator when it matches none (NOR).
	valueHolds := func(value string) bool { return matchesAny(value) != op.base.negated }
	every := op.set == setForAllValues || op.set == setNone && op.base.negated
	for _, value := range request {
		if valueHolds(value) != every {
			return !every, true
		}
	}
	return every, true
}
