package dynamodb

import (
	"slices"
	"strconv"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The parsers, one recursive descent over lex's tokens. A parse error is
// AWS's ValidationException naming the expression ("Invalid
// ConditionExpression: Syntax error; token: …, near: …"); it travels out of
// the descent as a panic of exprError and is recovered by parse, never
// beyond.

type exprError struct{ err *protocol.APIError }

// maxExpression is the longest expression AWS takes, in bytes.
const maxExpression = 4096

type parser struct {
	what string // ConditionExpression, FilterExpression, KeyConditionExpression, UpdateExpression, ProjectionExpression
	src  string
	toks []token
	i    int
	refs *refs
}

// parse runs f over src as the expression what, requiring it to use all of src.
func parse[T any](what, src string, r *refs, f func(p *parser) T) (out T, aerr *protocol.APIError) {
	p := &parser{what: what, src: src, toks: lex(src), refs: r}
	defer func() {
		if x := recover(); x != nil {
			e, ok := x.(exprError)
			if !ok {
				panic(x)
			}
			aerr = e.err
		}
	}()
	if strings.TrimSpace(src) == "" {
		p.fail("The expression can not be empty;")
	}
	if len(src) > maxExpression {
		p.fail("Expression size has exceeded the maximum allowed size; expression size: %d", len(src))
	}
	out = f(p)
	if p.peek().kind != tokEOF {
		p.syntax()
	}
	return out, nil
}

// parseCondition parses a condition, filter or key condition expression.
func parseCondition(what, src string, r *refs) (cond, *protocol.APIError) {
	return parse(what, src, r, (*parser).or)
}

// parseUpdate parses an UpdateExpression.
func parseUpdate(src string, r *refs) (*update, *protocol.APIError) {
	return parse("UpdateExpression", src, r, (*parser).update)
}

// parseProjection parses a ProjectionExpression.
func parseProjection(src string, r *refs) ([]path, *protocol.APIError) {
	return parse("ProjectionExpression", src, r, (*parser).projection)
}

func (p *parser) fail(format string, args ...any) {
	panic(exprError{validation("Invalid "+p.what+": "+format, args...)})
}

// syntax fails at the current token, quoting it and its neighbours as AWS does.
func (p *parser) syntax() {
	t := p.toks[p.i]
	from, to := t.start, t.end
	if p.i > 0 {
		from = p.toks[p.i-1].start
	}
	if p.i+1 < len(p.toks) {
		to = p.toks[p.i+1].end
	}
	p.fail("Syntax error; token: \"%s\", near: \"%s\"", t.text, p.src[from:to])
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// is reports whether the current token is the punctuation text.
func (p *parser) is(text string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == text
}

// isWord reports whether the current token is the keyword w, in any case.
func (p *parser) isWord(w string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, w)
}

// calls reports whether the current token is a name followed by "(".
func (p *parser) calls() bool {
	n := p.toks[min(p.i+1, len(p.toks)-1)]
	return p.peek().kind == tokIdent && n.kind == tokPunct && n.text == "("
}

func (p *parser) expect(text string) {
	if !p.is(text) {
		p.syntax()
	}
	p.next()
}

// --- document paths and values ---

func (p *parser) path() path {
	out := path{{name: p.pathName(), index: -1}}
	for {
		switch {
		case p.is("."):
			p.next()
			out = append(out, step{name: p.pathName(), index: -1})
		case p.is("["):
			p.next()
			t := p.peek()
			n, err := strconv.Atoi(t.text)
			if t.kind != tokNumber || err != nil {
				p.syntax()
			}
			p.next()
			p.expect("]")
			out = append(out, step{index: n})
		default:
			return out
		}
	}
}

func (p *parser) pathName() string {
	t := p.peek()
	switch t.kind {
	case tokIdent:
		if reserved(t.text) {
			p.fail("Attribute name is a reserved keyword; reserved keyword: %s", t.text)
		}
		p.next()
		return t.text
	case tokName:
		name, ok := p.refs.names[t.text]
		if !ok {
			p.fail("An expression attribute name used in the document path is not defined; attribute name: %s", t.text)
		}
		p.refs.usedNames[t.text] = true
		p.next()
		return name
	}
	p.syntax()
	return ""
}

func (p *parser) value() Value {
	t := p.next()
	v, ok := p.refs.values[t.text]
	if !ok {
		p.fail("An expression attribute value used in expression is not defined; attribute value: %s", t.text)
	}
	p.refs.usedValues[t.text] = true
	return v
}

// --- conditions ---

// conditionFunctions are the functions that are conditions by themselves.
var conditionFunctions = map[string]int{ // name -> number of operands
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2,
}

// Precedence, lowest first: OR, AND, NOT, then comparisons, BETWEEN, IN,
// functions and parentheses.
func (p *parser) or() cond {
	c := p.and()
	for p.isWord("OR") {
		p.next()
		c = orCond{c, p.and()}
	}
	return c
}

func (p *parser) and() cond {
	c := p.not()
	for p.isWord("AND") {
		p.next()
		c = andCond{c, p.not()}
	}
	return c
}

func (p *parser) not() cond {
	if p.isWord("NOT") {
		p.next()
		return notCond{p.not()}
	}
	return p.primary()
}

func (p *parser) primary() cond {
	if p.is("(") {
		p.next()
		c := p.or()
		p.expect(")")
		if _, ok := c.(parenCond); ok {
			p.fail("The expression has redundant parentheses;")
		}
		return parenCond{c}
	}
	if p.calls() {
		if _, ok := conditionFunctions[p.peek().text]; ok {
			return p.function()
		}
	}
	a := p.operand()
	switch t := p.peek(); {
	case t.kind == tokPunct && slices.Contains([]string{"=", "<>", "<", "<=", ">", ">="}, t.text):
		p.next()
		return compareCond{t.text, a, p.operand()}
	case p.isWord("BETWEEN"):
		p.next()
		lo := p.operand()
		if !p.isWord("AND") {
			p.syntax()
		}
		p.next()
		hi := p.operand()
		p.checkBounds(lo, hi)
		return betweenCond{a, lo, hi}
	case p.isWord("IN"):
		p.next()
		p.expect("(")
		list := []operand{p.operand()}
		for p.is(",") {
			p.next()
			list = append(list, p.operand())
		}
		p.expect(")")
		if len(list) > 100 {
			p.fail("The IN operator is provided with too many operands; number of operands: %d", len(list))
		}
		return inCond{a, list}
	}
	p.syntax()
	return nil
}

// checkBounds refuses BETWEEN bounds, both given as values, that no value lies between.
func (p *parser) checkBounds(lo, hi operand) {
	l, lok := lo.(valueOp)
	h, hok := hi.(valueOp)
	if !lok || !hok {
		return
	}
	n, ok := compare(l.v, h.v)
	if l.v.t != h.v.t {
		p.fail("The BETWEEN operator requires same data type for lower and upper bounds; lower operand: AttributeValue: %s, upper operand: AttributeValue: %s", l.v.describe(), h.v.describe())
	}
	if ok && n > 0 {
		p.fail("The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower operand: AttributeValue: %s, upper operand: AttributeValue: %s", l.v.describe(), h.v.describe())
	}
}

// operand is a condition's operand: a path, a value or size(path).
func (p *parser) operand() operand {
	t := p.peek()
	switch t.kind {
	case tokValue:
		return valueOp{p.value()}
	case tokName:
		return pathOp{p.path()}
	case tokIdent:
		if !p.calls() {
			return pathOp{p.path()}
		}
		if t.text != "size" {
			p.misused(t.text)
		}
		p.next()
		p.expect("(")
		a := p.operand()
		p.expect(")")
		pa, ok := a.(pathOp)
		if !ok {
			p.fail("Operator or function requires a document path; operator or function: size")
		}
		return sizeOp(pa)
	}
	p.syntax()
	return nil
}

// misused fails on a function where an operand belongs.
func (p *parser) misused(name string) {
	switch name {
	case "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size", "if_not_exists", "list_append":
		p.fail("The function is not allowed to be used this way in an expression; function: %s", name)
	}
	p.fail("Invalid function name; function: %s", name)
}

func (p *parser) function() cond {
	name := p.next().text
	args := p.arguments(p.operand)
	if len(args) != conditionFunctions[name] {
		p.fail("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", name, len(args))
	}
	if _, ok := args[0].(pathOp); !ok {
		p.fail("Operator or function requires a document path; operator or function: %s", name)
	}
	switch name {
	case "attribute_type":
		v, ok := args[1].(valueOp)
		if !ok || v.v.t != typeS || !slices.Contains(attributeTypes, v.v.s) {
			p.fail("Invalid attribute type name found; type: %s, valid types: {%s}", v.v.s, strings.Join(attributeTypes, ","))
		}
	case "begins_with":
		if v, ok := args[1].(valueOp); ok && v.v.t != typeS && v.v.t != typeB {
			p.fail("Incorrect operand type for operator or function; operator or function: begins_with, operand type: %s", v.v.t)
		}
	}
	return funcCond{name, args}
}

// arguments parses a function's parenthesized, comma-separated operands.
func (p *parser) arguments(each func() operand) []operand {
	p.expect("(")
	var args []operand
	if !p.is(")") {
		args = append(args, each())
		for p.is(",") {
			p.next()
			args = append(args, each())
		}
	}
	p.expect(")")
	return args
}

// --- update expressions ---

func (p *parser) update() *update {
	u := &update{}
	seen := map[string]bool{}
	for p.peek().kind != tokEOF {
		t := p.peek()
		clause := strings.ToUpper(t.text)
		if t.kind != tokIdent || !slices.Contains([]string{"SET", "REMOVE", "ADD", "DELETE"}, clause) {
			p.syntax()
		}
		if seen[clause] {
			p.fail("The \"%s\" section can only be used once in an update expression;", clause)
		}
		seen[clause] = true
		p.next()
		for {
			switch clause {
			case "SET":
				target := p.path()
				p.expect("=")
				u.set = append(u.set, setAction{target, p.setValue()})
			case "REMOVE":
				u.remove = append(u.remove, p.path())
			default:
				target := p.path()
				if p.peek().kind != tokValue {
					p.syntax()
				}
				v := p.value()
				if !v.isSet() && (clause == "DELETE" || v.t != typeN) {
					p.fail("Incorrect operand type for operator or function; operator: %s, operand type: %s", clause, typeWord(v.t))
				}
				if clause == "ADD" {
					u.add = append(u.add, setAction{target, valueOp{v}})
				} else {
					u.del = append(u.del, setAction{target, valueOp{v}})
				}
			}
			if !p.is(",") {
				break
			}
			p.next()
		}
	}
	all := u.paths()
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if overlaps(all[i], all[j]) {
				p.fail("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", all[i], all[j])
			}
		}
	}
	return u
}

// setValue is what SET assigns: an operand, or two added or subtracted.
func (p *parser) setValue() operand {
	a := p.setOperand()
	if !p.is("+") && !p.is("-") {
		return a
	}
	sign := p.next().text
	b := p.setOperand()
	for _, o := range []operand{a, b} {
		if v, ok := o.(valueOp); ok && v.v.t != typeN {
			p.fail("Incorrect operand type for operator or function; operator or function: %s, operand type: %s", sign, v.v.t)
		}
	}
	return arithOp{sign == "-", a, b}
}

// setOperand is a path, a value, if_not_exists(path, operand) or
// list_append(operand, operand).
func (p *parser) setOperand() operand {
	t := p.peek()
	switch t.kind {
	case tokValue:
		return valueOp{p.value()}
	case tokName:
		return pathOp{p.path()}
	case tokIdent:
		if !p.calls() {
			return pathOp{p.path()}
		}
		switch t.text {
		case "if_not_exists", "list_append":
		case "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size":
			p.fail("The function is not allowed in an update expression; function: %s", t.text)
		default:
			p.fail("Invalid function name; function: %s", t.text)
		}
		p.next()
		args := p.arguments(p.setOperand)
		if len(args) != 2 {
			p.fail("Incorrect number of operands for operator or function; operator or function: %s, number of operands: %d", t.text, len(args))
		}
		if t.text == "if_not_exists" {
			pa, ok := args[0].(pathOp)
			if !ok {
				p.fail("Operator or function requires a document path; operator or function: if_not_exists")
			}
			return ifNotExistsOp{pa.p, args[1]}
		}
		for _, o := range args {
			if v, ok := o.(valueOp); ok && v.v.t != typeL {
				p.fail("Incorrect operand type for operator or function; operator or function: list_append, operand type: %s", v.v.t)
			}
		}
		return listAppendOp{args[0], args[1]}
	}
	p.syntax()
	return nil
}

// --- projection expressions ---

func (p *parser) projection() []path {
	out := []path{p.path()}
	for p.is(",") {
		p.next()
		out = append(out, p.path())
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if overlaps(out[i], out[j]) {
				p.fail("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", out[i], out[j])
			}
		}
	}
	return out
}
