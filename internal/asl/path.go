package asl

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// path is a parsed JSONPath as ASL uses it: "$..." selects from the state's
// (effective) input, "$$..." from the context object. jp evaluates it; the ASL
// rules (definite vs indefinite results, reference paths, setting a ResultPath)
// are here.
type path struct {
	src     string
	context bool    // "$$" path on the context object
	expr    jp.Expr // always starts with jp.Root
	// definite paths (only child names and indexes) select one node or fail;
	// indefinite ones (wildcards, slices, filters, unions, descent) yield an
	// array of all matches, possibly empty, as Jayway JsonPath does in AWS.
	definite bool
}

// parsePath parses a Path: any JSONPath starting with "$", or "$$" for the context object.
func parsePath(s string) (*path, error) {
	if !strings.HasPrefix(s, "$") {
		return nil, fmt.Errorf("%q is not a JSONPath: it must start with \"$\"", s)
	}
	p := &path{src: s}
	expr := s
	if strings.HasPrefix(s, "$$") {
		p.context = true
		expr = s[1:]
	}
	x, err := jp.ParseString(expr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid JSONPath: %v", s, err)
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("%q is not a valid JSONPath", s)
	}
	if _, ok := x[0].(jp.Root); !ok {
		return nil, fmt.Errorf("%q is not a valid JSONPath: it must start with \"$\"", s)
	}
	p.expr = x
	p.definite = true
	for _, f := range x[1:] {
		switch f.(type) {
		case jp.Child, jp.Nth, jp.Bracket:
		default:
			p.definite = false
		}
	}
	return p, nil
}

// parseRefPath parses a Reference Path: a path that can identify only a single
// node, so only names and indexes ("@ .. , : ? *" are not allowed).
func parseRefPath(s string) (*path, error) {
	p, err := parsePath(s)
	if err != nil {
		return nil, err
	}
	if !p.definite {
		return nil, fmt.Errorf("%q is not a reference path: only .name, ['name'] and [index] steps are allowed (no * .. , : ? @)", s)
	}
	return p, nil
}

// get selects from input (or the context object for "$$" paths). found is false
// only when a definite path matches nothing.
func (p *path) get(input, ctxObj any) (v any, found bool) {
	data := input
	if p.context {
		data = ctxObj
	}
	if len(p.expr) == 1 {
		return data, true
	}
	if p.definite {
		return p.expr.FirstFound(data)
	}
	matches := p.expr.Get(data)
	if matches == nil {
		matches = []any{}
	}
	return matches, true
}

// set returns a copy of root with value placed at the reference path p, creating
// missing objects on the way, as ResultPath does. Only the containers on the path
// are copied; everything else is shared.
func (p *path) set(root, value any) (any, error) {
	var steps []jp.Frag
	for _, f := range p.expr[1:] {
		if _, ok := f.(jp.Bracket); !ok {
			steps = append(steps, f)
		}
	}
	return setAt(root, true, steps, value)
}

func setAt(cur any, present bool, steps []jp.Frag, value any) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	switch f := steps[0].(type) {
	case jp.Child:
		var m map[string]any
		switch c := cur.(type) {
		case map[string]any:
			m = make(map[string]any, len(c)+1)
			for k, v := range c {
				m[k] = v
			}
		default:
			if present {
				return nil, fmt.Errorf("cannot add field %q to a %s", string(f), typeName(cur))
			}
			m = map[string]any{}
		}
		child, ok := m[string(f)]
		nv, err := setAt(child, ok, steps[1:], value)
		if err != nil {
			return nil, err
		}
		m[string(f)] = nv
		return m, nil
	case jp.Nth:
		a, ok := cur.([]any)
		if !ok {
			if !present {
				return nil, fmt.Errorf("cannot set index [%d]: there is no array", int(f))
			}
			return nil, fmt.Errorf("cannot set index [%d] in a %s", int(f), typeName(cur))
		}
		i := int(f)
		if i < 0 {
			i += len(a)
		}
		if i < 0 || i >= len(a) {
			return nil, fmt.Errorf("index [%d] is out of range for an array of %d items", int(f), len(a))
		}
		c := make([]any, len(a))
		copy(c, a)
		nv, err := setAt(a[i], true, steps[1:], value)
		if err != nil {
			return nil, err
		}
		c[i] = nv
		return c, nil
	}
	return nil, errors.New("unsupported step in reference path")
}

// optPath is an InputPath or OutputPath: absent means "$" (nil path), JSON null
// means the empty object.
type optPath struct {
	p    *path
	null bool
}

// apply selects the effective value. A definite path matching nothing is a
// runtime error, as in AWS.
func (o optPath) apply(field string, v any, env *evalEnv) (any, error) {
	if o.null {
		return map[string]any{}, nil
	}
	if o.p == nil {
		return v, nil
	}
	var ctxObj any
	if o.p.context {
		ctxObj = env.context()
	}
	out, ok := o.p.get(v, ctxObj)
	if !ok {
		return nil, runtimeErr("Invalid path '%s' : No results for path (%s) in the input '%s'", o.p.src, field, truncate(mustJSON(v)))
	}
	return out, nil
}

// resultPath is a ResultPath: absent means "$" (result replaces input), null
// discards the result.
type resultPath struct {
	p    *path
	null bool
}

func (r resultPath) apply(rawInput, result any) (any, error) {
	if r.null {
		return rawInput, nil
	}
	if r.p == nil || len(r.p.expr) == 1 {
		return result, nil
	}
	out, err := r.p.set(rawInput, result)
	if err != nil {
		return nil, runtimeErr("Unable to apply ResultPath %q to input %s: %v", r.p.src, truncate(mustJSON(rawInput)), err)
	}
	return out, nil
}

// truncate keeps error causes readable when an input is large.
func truncate(s string) string {
	const max = 512
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
