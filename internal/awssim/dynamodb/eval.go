package dynamodb

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Running conditions and projections against an item. An item that does not
// exist is a nil Item: every path is missing from it.

// resolve finds the value a document path names in an item.
func resolve(it Item, p path) (Value, bool) {
	v := mapOf(it)
	for _, s := range p {
		if s.index < 0 {
			if v.t != typeM {
				return Value{}, false
			}
			c, ok := v.m[s.name]
			if !ok {
				return Value{}, false
			}
			v = c
			continue
		}
		if v.t != typeL || s.index >= len(v.l) {
			return Value{}, false
		}
		v = v.l[s.index]
	}
	return v, true
}

// operandValue is a condition operand's value; ok is false when it has
// none (a missing attribute, the size of a type that has no size).
func operandValue(it Item, o operand) (Value, bool) {
	switch o := o.(type) {
	case pathOp:
		return resolve(it, o.p)
	case valueOp:
		return o.v, true
	case sizeOp:
		v, ok := resolve(it, o.p)
		if !ok {
			return Value{}, false
		}
		var n int
		switch v.t {
		case typeS, typeB:
			n = len(v.s)
		case typeSS, typeNS, typeBS:
			n = len(v.set)
		case typeL:
			n = len(v.l)
		case typeM:
			n = len(v.m)
		default:
			return Value{}, false
		}
		return num(strconv.Itoa(n)), true
	}
	return Value{}, false
}

// holds evaluates a condition on an item. Comparing values of different
// types, or a missing attribute, is false, not an error; "<>" is the
// negation of "=", so it holds for a missing attribute.
func holds(it Item, c cond) bool {
	switch c := c.(type) {
	case parenCond:
		return holds(it, c.a)
	case andCond:
		return holds(it, c.a) && holds(it, c.b)
	case orCond:
		return holds(it, c.a) || holds(it, c.b)
	case notCond:
		return !holds(it, c.a)
	case compareCond:
		a, aok := operandValue(it, c.a)
		b, bok := operandValue(it, c.b)
		if c.op == "<>" {
			return !aok || !bok || !equal(a, b)
		}
		if !aok || !bok {
			return false
		}
		if c.op == "=" {
			return equal(a, b)
		}
		n, ok := compare(a, b)
		if !ok {
			return false
		}
		switch c.op {
		case "<":
			return n < 0
		case "<=":
			return n <= 0
		case ">":
			return n > 0
		default:
			return n >= 0
		}
	case betweenCond:
		a, aok := operandValue(it, c.a)
		lo, lok := operandValue(it, c.lo)
		hi, hok := operandValue(it, c.hi)
		if !aok || !lok || !hok {
			return false
		}
		n1, ok1 := compare(a, lo)
		n2, ok2 := compare(a, hi)
		return ok1 && ok2 && n1 >= 0 && n2 <= 0
	case inCond:
		a, ok := operandValue(it, c.a)
		if !ok {
			return false
		}
		for _, o := range c.list {
			if b, ok := operandValue(it, o); ok && equal(a, b) {
				return true
			}
		}
		return false
	case funcCond:
		return holdsFunction(it, c)
	}
	return false
}

func holdsFunction(it Item, c funcCond) bool {
	v, ok := operandValue(it, c.args[0])
	switch c.name {
	case "attribute_exists":
		return ok
	case "attribute_not_exists":
		return !ok
	}
	x, xok := operandValue(it, c.args[1])
	if !ok || !xok {
		return false
	}
	switch c.name {
	case "attribute_type":
		return x.t == typeS && v.t == x.s
	case "begins_with":
		return (v.t == typeS || v.t == typeB) && v.t == x.t && strings.HasPrefix(v.s, x.s)
	default: // contains
		switch {
		case v.t == typeS && x.t == typeS:
			return strings.Contains(v.s, x.s)
		case v.isSet():
			return setElem(v.t) == x.t && slices.Contains(v.set, x.s)
		case v.t == typeL:
			return slices.ContainsFunc(v.l, func(e Value) bool { return equal(e, x) })
		}
		return false
	}
}

// condPaths lists every document path a condition reads.
func condPaths(c cond) []path {
	var out []path
	walkOperand := func(o operand) {
		switch o := o.(type) {
		case pathOp:
			out = append(out, o.p)
		case sizeOp:
			out = append(out, o.p)
		}
	}
	var walk func(c cond)
	walk = func(c cond) {
		switch c := c.(type) {
		case parenCond:
			walk(c.a)
		case andCond:
			walk(c.a)
			walk(c.b)
		case orCond:
			walk(c.a)
			walk(c.b)
		case notCond:
			walk(c.a)
		case compareCond:
			walkOperand(c.a)
			walkOperand(c.b)
		case betweenCond:
			walkOperand(c.a)
			walkOperand(c.lo)
			walkOperand(c.hi)
		case inCond:
			walkOperand(c.a)
			for _, o := range c.list {
				walkOperand(o)
			}
		case funcCond:
			for _, o := range c.args {
				walkOperand(o)
			}
		}
	}
	walk(c)
	return out
}

// project keeps only the paths of an item, as a ProjectionExpression does:
// nested maps keep the named members, lists the named elements in index
// order. Missing paths are left out; nil when nothing is left.
func project(it Item, paths []path) Item {
	root := &projNode{}
	for _, p := range paths {
		v, ok := resolve(it, p)
		if !ok {
			continue
		}
		n := root
		for _, s := range p {
			n = n.child(s)
		}
		n.leaf = &v
	}
	if len(root.names) == 0 {
		return nil
	}
	return root.value().m
}

// projNode is a projection being built: a value, or the members and
// elements kept of one.
type projNode struct {
	leaf    *Value
	names   map[string]*projNode
	indexes map[int]*projNode
}

func (n *projNode) child(s step) *projNode {
	if s.index < 0 {
		if n.names == nil {
			n.names = map[string]*projNode{}
		}
		if n.names[s.name] == nil {
			n.names[s.name] = &projNode{}
		}
		return n.names[s.name]
	}
	if n.indexes == nil {
		n.indexes = map[int]*projNode{}
	}
	if n.indexes[s.index] == nil {
		n.indexes[s.index] = &projNode{}
	}
	return n.indexes[s.index]
}

func (n *projNode) value() Value {
	if n.leaf != nil {
		return n.leaf.clone()
	}
	if n.indexes != nil {
		keys := make([]int, 0, len(n.indexes))
		for k := range n.indexes {
			keys = append(keys, k)
		}
		sort.Ints(keys)
		l := make([]Value, len(keys))
		for i, k := range keys {
			l[i] = n.indexes[k].value()
		}
		return list(l)
	}
	m := make(Item, len(n.names))
	for k, c := range n.names {
		m[k] = c.value()
	}
	return mapOf(m)
}
