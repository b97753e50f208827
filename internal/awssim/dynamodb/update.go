package dynamodb

import (
	"slices"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Applying an UpdateExpression. As on AWS, every operand reads the item as
// it was before the update; then SET, REMOVE, ADD and DELETE apply in that
// order. A SET of a list index past the end appends; removing list elements
// removes them all by their old positions.

const tombstone = "\x00removed" // a list element REMOVE takes out once all are marked

// apply runs the update on old (nil: the item does not exist yet, and the
// update starts from its key) and returns the new item.
func (u *update) apply(old, key Item) (Item, *protocol.APIError) {
	base := old
	if base == nil {
		base = key
	}
	values := make([]Value, len(u.set))
	for i, a := range u.set {
		v, aerr := assigned(base, a.v)
		if aerr != nil {
			return nil, aerr
		}
		values[i] = v.clone()
	}
	root := mapOf(base.clone())
	invalidPath := validation("The document path provided in the update expression is invalid for update")
	var ok bool
	for i, a := range u.set {
		if root, ok = setIn(root, a.p, values[i]); !ok {
			return nil, invalidPath
		}
	}
	for _, p := range u.remove {
		root = removeIn(root, p)
	}
	root = compact(root)
	for _, a := range u.add {
		x := a.v.(valueOp).v
		cur, exists := resolve(root.m, a.p)
		next := x.clone()
		switch {
		case !exists:
		case cur.t == typeN && x.t == typeN:
			sum, msg := addNumbers(cur.s, x.s, false)
			if msg != "" {
				return nil, validation("%s", msg)
			}
			next = num(sum)
		case cur.isSet() && cur.t == x.t:
			next = cur.clone()
			for _, e := range x.set {
				if !slices.Contains(next.set, e) {
					next.set = append(next.set, e)
				}
			}
		default:
			return nil, validation("An operand in the update expression has an incorrect data type")
		}
		if root, ok = setIn(root, a.p, next); !ok {
			return nil, invalidPath
		}
	}
	for _, a := range u.del {
		x := a.v.(valueOp).v
		cur, exists := resolve(root.m, a.p)
		if !exists {
			continue
		}
		if cur.t != x.t {
			return nil, validation("An operand in the update expression has an incorrect data type")
		}
		next := cur.clone()
		next.set = slices.DeleteFunc(next.set, func(e string) bool { return slices.Contains(x.set, e) })
		if len(next.set) == 0 {
			root = removeIn(root, a.p)
			continue
		}
		root, _ = setIn(root, a.p, next)
	}
	return root.m, nil
}

// assigned is the value a SET operand stands for.
func assigned(it Item, o operand) (Value, *protocol.APIError) {
	wrongType := validation("An operand in the update expression has an incorrect data type")
	switch o := o.(type) {
	case valueOp:
		return o.v, nil
	case pathOp:
		v, ok := resolve(it, o.p)
		if !ok {
			return Value{}, validation("The provided expression refers to an attribute that does not exist in the item")
		}
		return v, nil
	case ifNotExistsOp:
		if v, ok := resolve(it, o.p); ok {
			return v, nil
		}
		return assigned(it, o.def)
	case listAppendOp:
		a, aerr := assigned(it, o.a)
		if aerr != nil {
			return Value{}, aerr
		}
		b, aerr := assigned(it, o.b)
		if aerr != nil {
			return Value{}, aerr
		}
		if a.t != typeL || b.t != typeL {
			return Value{}, wrongType
		}
		return list(append(slices.Clone(a.l), b.l...)), nil
	case arithOp:
		a, aerr := assigned(it, o.a)
		if aerr != nil {
			return Value{}, aerr
		}
		b, aerr := assigned(it, o.b)
		if aerr != nil {
			return Value{}, aerr
		}
		if a.t != typeN || b.t != typeN {
			return Value{}, wrongType
		}
		n, msg := addNumbers(a.s, b.s, o.minus)
		if msg != "" {
			return Value{}, validation("%s", msg)
		}
		return num(n), nil
	}
	return Value{}, wrongType
}

// setIn sets the value at p inside v (a map or list); ok is false when p
// leads through something missing or of the wrong type.
func setIn(v Value, p path, nv Value) (Value, bool) {
	s := p[0]
	if s.index < 0 {
		if v.t != typeM {
			return v, false
		}
		if v.m == nil {
			v.m = Item{}
		}
		if len(p) == 1 {
			v.m[s.name] = nv
			return v, true
		}
		child, ok := v.m[s.name]
		if !ok {
			return v, false
		}
		child, ok = setIn(child, p[1:], nv)
		v.m[s.name] = child
		return v, ok
	}
	if v.t != typeL {
		return v, false
	}
	if len(p) == 1 {
		if s.index >= len(v.l) {
			v.l = append(v.l, nv)
		} else {
			v.l[s.index] = nv
		}
		return v, true
	}
	if s.index >= len(v.l) {
		return v, false
	}
	child, ok := setIn(v.l[s.index], p[1:], nv)
	v.l[s.index] = child
	return v, ok
}

// removeIn removes what p names inside v, if it is there; list elements are
// only marked, for compact to take out.
func removeIn(v Value, p path) Value {
	s := p[0]
	if s.index < 0 {
		child, ok := v.m[s.name]
		if v.t != typeM || !ok {
			return v
		}
		if len(p) == 1 {
			delete(v.m, s.name)
		} else {
			v.m[s.name] = removeIn(child, p[1:])
		}
		return v
	}
	if v.t != typeL || s.index >= len(v.l) {
		return v
	}
	if len(p) == 1 {
		v.l[s.index] = Value{t: tombstone}
	} else {
		v.l[s.index] = removeIn(v.l[s.index], p[1:])
	}
	return v
}

// compact takes the elements removeIn marked out of every list.
func compact(v Value) Value {
	switch v.t {
	case typeM:
		for k, e := range v.m {
			v.m[k] = compact(e)
		}
	case typeL:
		v.l = slices.DeleteFunc(v.l, func(e Value) bool { return e.t == tombstone })
		for i, e := range v.l {
			v.l[i] = compact(e)
		}
	}
	return v
}
