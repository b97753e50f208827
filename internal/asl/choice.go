package asl

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
)

// choiceRule is one Choice Rule (top level, with Next) or a nested one (inside And, Or, Not).
type choiceRule struct {
	next     string
	op       string // the operator name as written, e.g. "NumericLessThanPath"
	base     string // the operator without a "Path" suffix
	variable *path
	value    any // literal operand
	ts       time.Time
	glob     []string // StringMatches literal segments between the wildcards
	operand  *path    // operand of a *Path operator
	children []*choiceRule
}

// Operator families: the literal operand type each one takes.
var choiceOps = map[string]string{
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "boolean",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
	"IsBoolean": "boolean", "IsTimestamp": "boolean",
}

// pathOperator reports whether op is a "...Path" variant and its base operator.
func pathOperator(op string) (string, bool) {
	base, ok := strings.CutSuffix(op, "Path")
	if !ok || base == "StringMatches" || strings.HasPrefix(base, "Is") {
		return "", false
	}
	_, known := choiceOps[base]
	return base, known
}

func parseChoiceRule(v any, top bool, where string) (*choiceRule, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a choice rule must be a JSON object, got a %s", where, typeName(v))
	}
	r := &choiceRule{}
	var ops []string
	for _, k := range sortedKeys(obj) {
		switch k {
		case "Variable", "Next", "Comment":
			continue
		}
		if _, ok := choiceOps[k]; ok || k == "And" || k == "Or" || k == "Not" {
			ops = append(ops, k)
			continue
		}
		if _, ok := pathOperator(k); ok {
			ops = append(ops, k)
			continue
		}
		return nil, fmt.Errorf("%s: unknown field %q in a choice rule", where, k)
	}
	if len(ops) != 1 {
		return nil, fmt.Errorf("%s: a choice rule needs exactly one comparison operator or And/Or/Not, found %d (%s)", where, len(ops), strings.Join(ops, ", "))
	}
	r.op = ops[0]
	if c, ok := obj["Comment"]; ok {
		if _, ok := c.(string); !ok {
			return nil, fmt.Errorf("%s: field \"Comment\" must be a string", where)
		}
	}
	if next, ok := obj["Next"]; ok {
		if !top {
			return nil, fmt.Errorf("%s: a nested choice rule (inside And, Or or Not) must not have \"Next\"", where)
		}
		s, ok := next.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%s: field \"Next\" must be a state name", where)
		}
		r.next = s
	} else if top {
		return nil, fmt.Errorf("%s: a top-level choice rule needs \"Next\"", where)
	}

	switch r.op {
	case "And", "Or":
		if _, ok := obj["Variable"]; ok {
			return nil, fmt.Errorf("%s: %s must not be combined with \"Variable\"", where, r.op)
		}
		list, ok := obj[r.op].([]any)
		if !ok || len(list) == 0 {
			return nil, fmt.Errorf("%s: %s must be a non-empty array of choice rules", where, r.op)
		}
		for i, c := range list {
			child, err := parseChoiceRule(c, false, fmt.Sprintf("%s.%s[%d]", where, r.op, i))
			if err != nil {
				return nil, err
			}
			r.children = append(r.children, child)
		}
		return r, nil
	case "Not":
		if _, ok := obj["Variable"]; ok {
			return nil, fmt.Errorf("%s: Not must not be combined with \"Variable\"", where)
		}
		child, err := parseChoiceRule(obj["Not"], false, where+".Not")
		if err != nil {
			return nil, err
		}
		r.children = []*choiceRule{child}
		return r, nil
	}

	vs, ok := obj["Variable"].(string)
	if !ok {
		return nil, fmt.Errorf("%s: %s needs \"Variable\", a reference path string", where, r.op)
	}
	p, err := parseRefPath(vs)
	if err != nil {
		return nil, fmt.Errorf("%s: field \"Variable\": %v", where, err)
	}
	r.variable = p
	operand := obj[r.op]
	if base, ok := pathOperator(r.op); ok {
		r.base = base
		s, ok := operand.(string)
		if !ok {
			return nil, fmt.Errorf("%s: field %q must be a reference path string, got a %s", where, r.op, typeName(operand))
		}
		if r.operand, err = parseRefPath(s); err != nil {
			return nil, fmt.Errorf("%s: field %q: %v", where, r.op, err)
		}
		return r, nil
	}
	r.base = r.op
	switch choiceOps[r.op] {
	case "string":
		s, ok := operand.(string)
		if !ok {
			return nil, fmt.Errorf("%s: field %q must be a string, got a %s", where, r.op, typeName(operand))
		}
		r.value = s
		if r.op == "StringMatches" {
			r.glob = compileGlob(s)
		}
	case "number":
		if _, ok := toFloat(operand); !ok {
			return nil, fmt.Errorf("%s: field %q must be a number, got a %s", where, r.op, typeName(operand))
		}
		r.value = operand
	case "boolean":
		if _, ok := operand.(bool); !ok {
			return nil, fmt.Errorf("%s: field %q must be true or false, got a %s", where, r.op, typeName(operand))
		}
		r.value = operand
	case "timestamp":
		s, _ := operand.(string)
		t, ok := parseTimestamp(s)
		if !ok {
			return nil, fmt.Errorf("%s: field %q must be an RFC 3339 timestamp such as \"2016-03-14T01:59:00Z\", got %s", where, r.op, mustJSON(operand))
		}
		r.ts = t
	}
	return r, nil
}

// eval decides the rule. A Variable that is not present is a runtime error for
// every operator but IsPresent, as in AWS.
func (r *choiceRule) eval(env *evalEnv) (bool, error) {
	switch r.op {
	case "And":
		for _, c := range r.children {
			ok, err := c.eval(env)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case "Or":
		for _, c := range r.children {
			ok, err := c.eval(env)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case "Not":
		ok, err := r.children[0].eval(env)
		return !ok, err
	}
	v, found := r.variable.get(env.input, env.context())
	if r.op == "IsPresent" {
		return found == r.value.(bool), nil
	}
	if !found {
		return false, runtimeErr("Invalid path '%s': The choice state's condition path references an invalid value.", r.variable.src)
	}
	switch r.op {
	case "IsNull":
		return (v == nil) == r.value.(bool), nil
	case "IsNumeric":
		_, ok := toFloat(v)
		return ok == r.value.(bool), nil
	case "IsString":
		_, ok := v.(string)
		return ok == r.value.(bool), nil
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == r.value.(bool), nil
	case "IsTimestamp":
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == r.value.(bool), nil
	}

	operand, ts := r.value, r.ts
	if r.operand != nil {
		o, ok := r.operand.get(env.input, env.context())
		if !ok {
			return false, runtimeErr("Invalid path '%s': The choice state's condition path references an invalid value.", r.operand.src)
		}
		operand = o
		if choiceOps[r.base] == "timestamp" {
			s, _ := o.(string)
			t, ok := parseTimestamp(s)
			if !ok {
				return false, nil
			}
			ts = t
		}
	}
	switch choiceOps[r.base] {
	case "string":
		s, ok1 := v.(string)
		o, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false, nil
		}
		if r.base == "StringMatches" {
			return matchGlob(r.glob, s), nil
		}
		return compareResult(r.base, compareUTF16(s, o)), nil
	case "number":
		c, ok := compareNumbers(v, operand)
		if !ok {
			return false, nil
		}
		return compareResult(r.base, c), nil
	case "boolean":
		b, ok1 := v.(bool)
		o, ok2 := operand.(bool)
		return ok1 && ok2 && b == o, nil
	case "timestamp":
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		t, ok := parseTimestamp(s)
		if !ok {
			return false, nil
		}
		return compareResult(r.base, t.Compare(ts)), nil
	}
	return false, nil
}

// compareResult applies an operator's suffix to a three-way comparison.
func compareResult(op string, c int) bool {
	switch {
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	default: // ...Equals
		return c == 0
	}
}

// compareNumbers compares two JSON numbers: exactly when both are integers,
// as floats otherwise. ok is false unless both are numbers.
func compareNumbers(a, b any) (c int, ok bool) {
	if x, ok := a.(int64); ok {
		if y, ok := b.(int64); ok {
			return compare3(x, y), true
		}
	}
	x, ok1 := toFloat(a)
	y, ok2 := toFloat(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return compare3(x, y), true
}

// compare3 is -1, 0 or 1 as x is less than, neither less nor greater than, or
// greater than y. Unlike cmp.Compare it does not order NaN before all numbers,
// which keeps the comparisons as they were.
func compare3[T int64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// compareUTF16 orders strings as Java's String.compareTo does (by UTF-16 code
// unit), which is what the ASL specification refers to.
func compareUTF16(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return strings.Compare(a, b)
	}
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			if x[i] < y[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(x) < len(y):
		return -1
	case len(x) > len(y):
		return 1
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseTimestamp accepts RFC 3339 timestamps with an uppercase T and Z, as the
// ASL specification requires.
func parseTimestamp(s string) (time.Time, bool) {
	if !strings.Contains(s, "T") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// compileGlob splits a StringMatches pattern at its unescaped "*" wildcards.
// "\*" is a literal star and "\\" a literal backslash; nothing else is special.
func compileGlob(pattern string) []string {
	var segs []string
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern) && (pattern[i+1] == '*' || pattern[i+1] == '\\'):
			b.WriteByte(pattern[i+1])
			i++
		case c == '*':
			segs = append(segs, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(segs, b.String())
}

// matchGlob matches s against segments separated by wildcards: the first must
// be a prefix, the last a suffix, and the middle ones appear in order.
func matchGlob(segs []string, s string) bool {
	if len(segs) == 1 {
		return s == segs[0]
	}
	first, last := segs[0], segs[len(segs)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	rest := s[len(first) : len(s)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		i := strings.Index(rest, seg)
		if i < 0 {
			return false
		}
		rest = rest[i+len(seg):]
	}
	return true
}
