package asl

import (
	"fmt"
	"strings"
)

// evalEnv is what paths and intrinsic functions read while a state runs.
type evalEnv struct {
	input   any
	ctxFn   func() any // builds the context object on first use
	ctxObj  any
	ctxDone bool
	rand    *lockedRand
}

func (e *evalEnv) context() any {
	if !e.ctxDone {
		e.ctxDone = true
		if e.ctxFn != nil {
			e.ctxObj = e.ctxFn()
		}
	}
	return e.ctxObj
}

// source describes where a path looked, for error causes.
func (e *evalEnv) source(p *path) string {
	if p.context {
		return "context object"
	}
	return "input '" + truncate(mustJSON(e.input)) + "'"
}

// tnode is a compiled Payload Template (Parameters, ResultSelector,
// ItemSelector): fields whose names end in ".$" take their value from a path or
// an intrinsic function; everything else is copied as is.
type tnode interface {
	eval(env *evalEnv) (any, error)
}

type tstatic struct{ v any }

func (t tstatic) eval(*evalEnv) (any, error) { return t.v, nil }

type tfield struct {
	key  string
	node tnode
}

type tobject struct{ fields []tfield }

func (t *tobject) eval(env *evalEnv) (any, error) {
	out := make(map[string]any, len(t.fields))
	for _, f := range t.fields {
		v, err := f.node.eval(env)
		if err != nil {
			return nil, err
		}
		out[f.key] = v
	}
	return out, nil
}

type tarray struct{ elems []tnode }

func (t *tarray) eval(env *evalEnv) (any, error) {
	out := make([]any, len(t.elems))
	for i, e := range t.elems {
		v, err := e.eval(env)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type tpath struct {
	p     *path
	field string
}

func (t *tpath) eval(env *evalEnv) (any, error) {
	v, ok := t.p.get(env.input, env.context())
	if !ok {
		return nil, runtimeErr("The JSONPath '%s' specified for the field '%s' could not be found in the %s", t.p.src, t.field, env.source(t.p))
	}
	return v, nil
}

type tcall struct {
	c     *icall
	field string
}

func (t *tcall) eval(env *evalEnv) (any, error) {
	v, err := t.c.eval(env)
	if f, ok := err.(*failure); ok {
		return nil, &failure{name: f.name, cause: fmt.Sprintf("The function '%s' specified for the field '%s' failed: %s", t.c.name, t.field, f.cause)}
	}
	return v, err
}

// parseTemplate compiles a Payload Template, which must be a JSON object.
func parseTemplate(v any) (tnode, error) {
	if _, ok := v.(map[string]any); !ok {
		return nil, fmt.Errorf("must be a JSON object (a payload template), got a %s", typeName(v))
	}
	return compileTemplate(v, "")
}

func compileTemplate(v any, where string) (tnode, error) {
	switch t := v.(type) {
	case map[string]any:
		obj := &tobject{}
		dynamic := false
		seen := map[string]string{}
		for _, k := range sortedKeys(t) {
			key, node := k, tnode(nil)
			if strings.HasSuffix(k, ".$") {
				key = strings.TrimSuffix(k, ".$")
				dn, err := compileDynamic(t[k], where+k)
				if err != nil {
					return nil, err
				}
				node, dynamic = dn, true
			} else {
				n, err := compileTemplate(t[k], where+k+".")
				if err != nil {
					return nil, err
				}
				if _, ok := n.(tstatic); !ok {
					dynamic = true
				}
				node = n
			}
			if key == "" {
				return nil, fmt.Errorf("field %q: the name before \".$\" must not be empty", where+k)
			}
			if other, dup := seen[key]; dup {
				return nil, fmt.Errorf("fields %q and %q both set %q", where+other, where+k, where+key)
			}
			seen[key] = k
			obj.fields = append(obj.fields, tfield{key: key, node: node})
		}
		if !dynamic {
			return tstatic{v: v}, nil
		}
		return obj, nil
	case []any:
		arr := &tarray{}
		dynamic := false
		for i, e := range t {
			n, err := compileTemplate(e, fmt.Sprintf("%s[%d].", strings.TrimSuffix(where, "."), i))
			if err != nil {
				return nil, err
			}
			if _, ok := n.(tstatic); !ok {
				dynamic = true
			}
			arr.elems = append(arr.elems, n)
		}
		if !dynamic {
			return tstatic{v: v}, nil
		}
		return arr, nil
	default:
		return tstatic{v: v}, nil
	}
}

// compileDynamic compiles the value of a "name.$" field: a path or an intrinsic function.
func compileDynamic(v any, field string) (tnode, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("field %q: the value of a field ending in \".$\" must be a string (a path or an intrinsic function), got a %s", field, typeName(v))
	}
	switch {
	case strings.HasPrefix(s, "$"):
		p, err := parsePath(s)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", field, err)
		}
		return &tpath{p: p, field: field}, nil
	case strings.HasPrefix(s, "States."):
		c, err := parseIntrinsic(s)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", field, err)
		}
		return &tcall{c: c, field: field}, nil
	}
	return nil, fmt.Errorf("field %q: %q is neither a path (starting with \"$\") nor an intrinsic function (starting with \"States.\")", field, s)
}
