package dynamodb

import (
	"slices"
	"strconv"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The expression language (the developer guide's "Using expressions in
// DynamoDB"): document paths, condition / filter / key condition
// expressions, update expressions and projection expressions, with
// expression attribute names (#n) and values (:v). This file holds the
// tokens, the syntax tree and the request's placeholders; parse.go builds
// trees, eval.go and update.go run them.

type tokKind int

const (
	tokEOF     tokKind = iota
	tokIdent           // a bare name, keyword or function name
	tokName            // #name
	tokValue           // :value
	tokNumber          // a list index
	tokPunct           // = <> < <= > >= ( ) [ ] , . + -
	tokInvalid         // a character no expression has
)

type token struct {
	kind       tokKind
	text       string
	start, end int
}

// lex splits an expression into tokens, ending with tokEOF.
func lex(src string) []token {
	var toks []token
	isWord := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(src); {
		c := src[i]
		start := i
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case c == '#' || c == ':':
			i++
			for i < len(src) && isWord(src[i]) {
				i++
			}
			kind := tokName
			if c == ':' {
				kind = tokValue
			}
			if i == start+1 {
				kind = tokInvalid
			}
			toks = append(toks, token{kind, src[start:i], start, i})
			continue
		case c >= '0' && c <= '9':
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			toks = append(toks, token{tokNumber, src[start:i], start, i})
			continue
		case isWord(c):
			for i < len(src) && isWord(src[i]) {
				i++
			}
			toks = append(toks, token{tokIdent, src[start:i], start, i})
			continue
		case c == '<' || c == '>':
			i++
			if i < len(src) && (src[i] == '=' || c == '<' && src[i] == '>') {
				i++
			}
			toks = append(toks, token{tokPunct, src[start:i], start, i})
			continue
		case strings.IndexByte("=()[],.+-", c) >= 0:
			i++
			toks = append(toks, token{tokPunct, src[start:i], start, i})
			continue
		}
		i++
		for i < len(src) && src[i] >= 0x80 && src[i] < 0xC0 { // the rest of a UTF-8 character
			i++
		}
		toks = append(toks, token{tokInvalid, src[start:i], start, i})
	}
	return append(toks, token{tokEOF, "<EOF>", len(src), len(src)})
}

// step is one element of a document path: an attribute name, or a list index.
type step struct {
	name  string
	index int // -1 for a name
}

// path is a document path: a.b[2].c.
type path []step

// String prints a path as AWS's overlap messages do: [a, b, [2]].
func (p path) String() string {
	parts := make([]string, len(p))
	for i, s := range p {
		if s.index >= 0 {
			parts[i] = "[" + strconv.Itoa(s.index) + "]"
		} else {
			parts[i] = s.name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// overlaps reports whether one path is the other or inside it.
func overlaps(a, b path) bool {
	n := min(len(a), len(b))
	return slices.Equal(a[:n], b[:n])
}

// operand is what a comparison or an update's SET compares or assigns.
type operand interface{ operand() }

type (
	pathOp        struct{ p path }
	valueOp       struct{ v Value }
	sizeOp        struct{ p path }
	ifNotExistsOp struct {
		p   path
		def operand
	}
	listAppendOp struct{ a, b operand }
	arithOp      struct {
		minus bool
		a, b  operand
	}
)

func (pathOp) operand()        {}
func (valueOp) operand()       {}
func (sizeOp) operand()        {}
func (ifNotExistsOp) operand() {}
func (listAppendOp) operand()  {}
func (arithOp) operand()       {}

// cond is a condition: a ConditionExpression, FilterExpression or
// KeyConditionExpression.
type cond interface{ cond() }

type (
	compareCond struct {
		op   string // = <> < <= > >=
		a, b operand
	}
	betweenCond struct{ a, lo, hi operand }
	inCond      struct {
		a    operand
		list []operand
	}
	funcCond struct {
		name string // attribute_exists, attribute_not_exists, attribute_type, begins_with, contains
		args []operand
	}
	andCond   struct{ a, b cond }
	orCond    struct{ a, b cond }
	notCond   struct{ a cond }
	parenCond struct{ a cond }
)

func (compareCond) cond() {}
func (betweenCond) cond() {}
func (inCond) cond()      {}
func (funcCond) cond()    {}
func (andCond) cond()     {}
func (orCond) cond()      {}
func (notCond) cond()     {}
func (parenCond) cond()   {}

// update is a parsed UpdateExpression.
type update struct {
	set    []setAction
	remove []path
	add    []setAction // v is a valueOp
	del    []setAction // v is a valueOp
}

type setAction struct {
	p path
	v operand
}

// paths are every path the update writes, in clause order.
func (u *update) paths() []path {
	var out []path
	for _, a := range u.set {
		out = append(out, a.p)
	}
	out = append(out, u.remove...)
	for _, a := range u.add {
		out = append(out, a.p)
	}
	for _, a := range u.del {
		out = append(out, a.p)
	}
	return out
}

// refs are a request's ExpressionAttributeNames and ExpressionAttributeValues,
// and which of them its expressions used: AWS refuses one that none does.
type refs struct {
	names      map[string]string
	values     map[string]Value
	usedNames  map[string]bool
	usedValues map[string]bool
}

// newRefs checks a request's placeholders as AWS does before parsing:
// neither map may be given empty, nor at all without an expression, and
// every value must be an attribute value.
func newRefs(names map[string]string, values map[string]Value, expressions ...*string) (*refs, *protocol.APIError) {
	given := false
	for _, e := range expressions {
		given = given || e != nil
	}
	if names != nil && len(names) == 0 {
		return nil, validation("ExpressionAttributeNames must not be empty")
	}
	if values != nil && len(values) == 0 {
		return nil, validation("ExpressionAttributeValues must not be empty")
	}
	if !given && names != nil {
		return nil, validation("ExpressionAttributeNames can only be specified when using expressions")
	}
	if !given && values != nil {
		return nil, validation("ExpressionAttributeValues can only be specified when using expressions")
	}
	for _, k := range sortedKeys(names) {
		if !strings.HasPrefix(k, "#") {
			return nil, validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"%s\"", k)
		}
	}
	for _, k := range sortedKeys(values) {
		if !strings.HasPrefix(k, ":") {
			return nil, validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"%s\"", k)
		}
		v := values[k]
		if msg := normalize(&v); msg != "" {
			return nil, validation("ExpressionAttributeValues contains invalid value: %s for key %s", msg, k)
		}
		values[k] = v
	}
	return &refs{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}, nil
}

// unused is AWS's refusal of placeholders no expression used, values first.
func (r *refs) unused() *protocol.APIError {
	var values, names []string
	for _, k := range sortedKeys(r.values) {
		if !r.usedValues[k] {
			values = append(values, k)
		}
	}
	for _, k := range sortedKeys(r.names) {
		if !r.usedNames[k] {
			names = append(names, k)
		}
	}
	if len(values) > 0 {
		return validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", strings.Join(values, ", "))
	}
	if len(names) > 0 {
		return validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", strings.Join(names, ", "))
	}
	return nil
}
