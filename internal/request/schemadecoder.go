package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// maxProblems bounds the list a single document can produce: a 256 KiB body of
// broken items would otherwise yield tens of thousands of near-identical lines.
const maxProblems = 100

// SchemaDecoder validates JSON documents against one JSON Schema and decodes the
// valid ones into Go values. Every violation becomes a Problem whose text comes
// from the x-message and x-fix annotations next to the rule in the schema, so the
// rules live only in the schema. A SchemaDecoder is immutable once built and safe
// for concurrent use. The request Validator and policy.Parse are built on it.
type SchemaDecoder struct {
	schema   *jsonschema.Schema
	docs     map[string]any // $id -> schema document, read for annotations only
	name     string         // the main schema's file name, for messages
	root     string
	maxBytes int
}

// NewSchemaDecoder compiles the schema main, which may refer to the schemas in refs
// by their $id. root is the field name problems use for the whole document
// ("request", "policy"); documents longer than maxBytes are refused unread.
func NewSchemaDecoder(root string, maxBytes int, main []byte, refs ...[]byte) (*SchemaDecoder, error) {
	d := &SchemaDecoder{docs: map[string]any{}, root: root, maxBytes: maxBytes}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	var mainID string
	for i, raw := range append([][]byte{main}, refs...) {
		id, err := d.addSchema(c, raw)
		if err != nil {
			return nil, fmt.Errorf("compile schema %d: %w", i, err)
		}
		if i == 0 {
			mainID = id
		}
	}
	d.name = mainID[strings.LastIndexByte(mainID, '/')+1:]
	sch, err := c.Compile(mainID)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", mainID, err)
	}
	d.schema = sch
	return d, nil
}

func (d *SchemaDecoder) addSchema(c *jsonschema.Compiler, raw []byte) (string, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	obj, _ := doc.(map[string]any)
	id, _ := obj["$id"].(string)
	if id == "" {
		return "", errors.New("the schema has no $id")
	}
	if err := c.AddResource(id, doc); err != nil {
		return "", fmt.Errorf("add %s: %w", id, err)
	}
	// A second copy for annotations, so nothing the compiler keeps is shared.
	annotated, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	d.docs[id] = annotated
	return id, nil
}

// Decode validates body and, when it is valid, unmarshals it into v (a pointer).
// Every error it returns is a *Problems listing all violations found.
func (d *SchemaDecoder) Decode(body []byte, v any) error {
	doc, p := d.parse(body)
	if p != nil {
		return &Problems{List: []Problem{*p}}
	}
	if err := d.schema.Validate(doc); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return &Problems{List: []Problem{{Field: d.root, Message: "could not be validated: " + err.Error(), Fix: "report this to the towervend team"}}}
		}
		return &Problems{List: d.problems(doc, verr)}
	}
	if err := json.Unmarshal(body, v); err != nil {
		// The schema admits only what the Go types hold; reaching here is a bug in one of them.
		return &Problems{List: []Problem{{Field: d.root, Message: "passed the schema but could not be decoded: " + err.Error(), Fix: "report this to the towervend team"}}}
	}
	return nil
}

// parse reads body as one JSON value, numbers kept exact, the way the validator wants it.
func (d *SchemaDecoder) parse(body []byte) (any, *Problem) {
	if d.maxBytes > 0 && len(body) > d.maxBytes {
		return nil, &Problem{
			Field:   d.root,
			Message: fmt.Sprintf("is %d bytes, more than the %d bytes towervend reads", len(body), d.maxBytes),
			Fix:     "send a smaller document: a request or a policy needs only a few kilobytes",
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, &Problem{Field: d.root, Message: "is empty", Fix: "send a JSON object as described in " + d.name}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, &Problem{Field: d.root, Message: "is not valid JSON: " + syntaxMessage(body, err), Fix: "send a single JSON object as described in " + d.name}
	}
	end := int(dec.InputOffset())
	if rest := bytes.TrimLeft(body[end:], " \t\r\n"); len(rest) > 0 {
		off := len(body) - len(rest)
		return nil, &Problem{Field: d.root, Message: "is not valid JSON: there is more after the JSON value, at " + position(body, off), Fix: "send a single JSON object, nothing before or after it"}
	}
	return doc, nil
}

func syntaxMessage(body []byte, err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the offending one included.
		return plainSyntax(body, syn)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "it ends before the JSON value is complete"
	default:
		return err.Error()
	}
}

// syntaxContexts rephrase what encoding/json says it was reading when it met
// a byte it did not expect ("invalid character 'o' in literal null (expecting
// 'u')") as what a person sending a ticket can act on.
var syntaxContexts = []struct{ prefix, plain string }{
	{"looking for beginning of object key string", "where a key in double quotes should start"},
	{"looking for beginning of value", `where a value should start: {…}, […], "text", a number, true, false or null`},
	{"after object key:value pair", "where ',' or '}' should follow a value"},
	{"after object key", "where ':' should follow a key"},
	{"after array element", "where ',' or ']' should follow an element"},
	{"in literal", "in a bare word: only true, false and null may be written without double quotes"},
	{"in string literal", `inside a string: a control character (a line break, a tab) must be escaped, e.g. \n`},
	{"in string escape code", `in an escape: use \", \\, \/, \b, \f, \n, \r, \t or \uXXXX`},
	{`in \u hexadecimal character escape`, `in a \uXXXX escape: it takes four hex digits`},
	{"in numeric literal", "in a number"},
	{"after decimal point in numeric literal", "in a number: a digit must follow the decimal point"},
	{"in exponent of numeric literal", "in a number's exponent"},
}

// plainSyntax says what was wrong and where: the byte (counted from 1, and
// as line and column) and what JSON allows there.
func plainSyntax(body []byte, syn *json.SyntaxError) string {
	off := int(syn.Offset) - 1
	msg := syn.Error()
	rest, ok := strings.CutPrefix(msg, "invalid character ")
	if !ok || off < 0 || off >= len(body) {
		return fmt.Sprintf("%s at %s", msg, position(body, off))
	}
	// rest is the quoted character, a space, then the context.
	char, context := rest, ""
	if i := strings.Index(rest[1:], "' "); i >= 0 {
		char, context = rest[:i+2], rest[i+3:]
	}
	where := fmt.Sprintf("unexpected %s at byte %d (%s)", char, off+1, position(body, off))
	for _, c := range syntaxContexts {
		if strings.HasPrefix(context, c.prefix) {
			return where + ", " + c.plain
		}
	}
	if context == "" {
		return where
	}
	return where + ", " + context
}

// position turns the offset of a byte into "line L, column C" (both from 1) for
// people reading a ticket.
func position(body []byte, off int) string {
	off = min(max(off, 0), len(body))
	line := 1 + bytes.Count(body[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(body[:off], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// problems turns the validator's error tree into one Problem per violation,
// ordered by field, unknown fields first.
func (d *SchemaDecoder) problems(doc any, verr *jsonschema.ValidationError) []Problem {
	c := &collector{d: d, doc: doc, seen: map[string]bool{}}
	c.walk(verr, nil)
	slices.SortFunc(c.found, func(a, b found) int {
		if a.unknown != b.unknown {
			if a.unknown {
				return -1
			}
			return 1
		}
		if n := strings.Compare(a.key, b.key); n != 0 {
			return n
		}
		return strings.Compare(a.p.Message, b.p.Message)
	})
	list := make([]Problem, 0, min(len(c.found), maxProblems+1))
	for i, f := range c.found {
		if i == maxProblems {
			list = append(list, Problem{
				Field:   d.root,
				Message: fmt.Sprintf("has %d more problems not listed here", len(c.found)-maxProblems),
				Fix:     "fix the problems above and send it again",
			})
			break
		}
		list = append(list, f.p)
	}
	return list
}

type found struct {
	key string // sortKey of the instance location
	p   Problem
	// unknown marks a field the schema does not know: most often a typo,
	// which explains the problems that follow from it ("an update must change
	// something" when "tagz" was meant as "tags"), so it is listed first.
	unknown bool
}

type collector struct {
	d     *SchemaDecoder
	doc   any
	found []found
	seen  map[string]bool
}

// propName is set while walking the errors of a propertyNames schema: the value
// under test is then the property's name, not a value in the document.
type propName struct {
	path []string
	name string
}

func (c *collector) walk(e *jsonschema.ValidationError, pn *propName) {
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference:
		for _, cause := range e.Causes {
			c.walk(cause, pn)
		}
	case *kind.PropertyNames:
		obj := c.objectWithKey(e.InstanceLocation, k.Property)
		inner := &propName{path: append(obj, k.Property), name: k.Property}
		for _, cause := range e.Causes {
			c.walk(cause, inner)
		}
	default:
		c.leaf(e, pn)
	}
}

// objectWithKey finds the object whose property name broke a propertyNames rule.
// jsonschema v6.0.3 reports such errors with an InstanceLocation that shares its
// backing array with the validator's later work, so its tokens may have been
// overwritten (its length stays right). Among the objects at that depth holding
// the key, take the one whose path agrees with the most surviving tokens.
func (c *collector) objectWithKey(reported []string, key string) []string {
	var best []string
	bestScore := -1
	var visit func(v any, path []string)
	visit = func(v any, path []string) {
		if len(path) == len(reported) {
			if obj, ok := v.(map[string]any); ok {
				if _, has := obj[key]; has {
					score := 0
					for i := range path {
						if path[i] == reported[i] {
							score++
						}
					}
					if score > bestScore {
						best, bestScore = slices.Clone(path), score
					}
				}
			}
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				visit(child, append(path, k))
			}
		case []any:
			for i, child := range v {
				visit(child, append(path, strconv.Itoa(i)))
			}
		}
	}
	visit(c.doc, make([]string, 0, len(reported)))
	if best == nil {
		return slices.Clone(reported)
	}
	return best
}

// at is the value a problem is about.
type at struct {
	path  []string
	value any
	ok    bool // the value exists (false for a missing property)
}

func (c *collector) leaf(e *jsonschema.ValidationError, pn *propName) {
	node := c.d.node(e.SchemaURL)
	here := at{path: e.InstanceLocation}
	if pn != nil {
		here = at{path: pn.path, value: pn.name, ok: true}
	} else {
		here.value, here.ok = lookup(c.doc, here.path)
	}
	child := func(tok string) at {
		p := append(slices.Clone(here.path), tok)
		v, ok := lookup(c.doc, p)
		return at{path: p, value: v, ok: ok}
	}

	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		for _, m := range k.Missing {
			c.add(child(m), node, "required", "is required", "add it")
		}
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			c.add(child(m), node, "dependentRequired", "is required when "+k.Prop+" is given", "add it, or remove "+k.Prop)
		}
	case *kind.AdditionalProperties:
		known := propertyNames(node)
		for _, name := range k.Properties {
			fix := "remove it"
			if s := closest(name, known); s != "" {
				fix = fmt.Sprintf("remove it or correct its spelling: did you mean %q?", s)
			}
			if len(known) > 0 {
				fix += "; the fields allowed here are " + strings.Join(known, ", ")
			}
			c.add(child(name), node, "additionalProperties", "is not a field towervend knows", fix)
		}
	case *kind.UniqueItems:
		first := c.field(child(strconv.Itoa(k.Duplicates[0])).path)
		c.add(child(strconv.Itoa(k.Duplicates[1])), node, "uniqueItems", "repeats "+first, "remove the repeated item")
	default:
		keyword, msg, fix := describe(e.ErrorKind, here.value, node)
		c.add(here, node, keyword, msg, fix)
	}
}

// describe gives the default text for a violation of a single value; the schema's
// annotations override it.
func describe(k jsonschema.ErrorKind, v any, node map[string]any) (keyword, msg, fix string) {
	q := func() string { return quote(v) }
	switch k := k.(type) {
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = typeName(w)
		}
		fix = "give " + strings.Join(want, " or ")
		if ex := example(node); ex != "" {
			fix += " such as " + ex
		}
		return "type", fmt.Sprintf("is %s, but must be %s", typeName(k.Got), strings.Join(want, " or ")), fix
	case *kind.Enum:
		var want []string
		for _, w := range k.Want {
			want = append(want, quote(w))
		}
		fix = "use one of " + strings.Join(want, ", ")
		if s, ok := v.(string); ok {
			var names []string
			for _, w := range k.Want {
				if ws, ok := w.(string); ok {
					names = append(names, ws)
				}
			}
			if c := closest(s, names); c != "" {
				fix = fmt.Sprintf("did you mean %q? %s", c, fix)
			}
		}
		return "enum", q() + " is not one of " + strings.Join(want, ", "), fix
	case *kind.Const:
		return "const", q() + " is not allowed here; it must be " + quote(k.Want), "use " + quote(k.Want)
	case *kind.MinLength:
		if k.Got == 0 {
			return "minLength", "is empty", fmt.Sprintf("give at least %d characters", k.Want)
		}
		return "minLength", fmt.Sprintf("%s is shorter than %d characters", q(), k.Want), fmt.Sprintf("give at least %d characters", k.Want)
	case *kind.MaxLength:
		return "maxLength", fmt.Sprintf("%s is longer than %d characters", q(), k.Want), fmt.Sprintf("use at most %d characters", k.Want)
	case *kind.Pattern:
		what, _ := node["title"].(string)
		if what == "" {
			what = "value"
		}
		return "pattern", fmt.Sprintf("%s is not a valid %s", q(), what), "make it match the pattern " + k.Want
	case *kind.MinItems:
		return "minItems", fmt.Sprintf("has %d items; at least %d are needed", k.Got, k.Want), fmt.Sprintf("give at least %d", k.Want)
	case *kind.MaxItems:
		return "maxItems", fmt.Sprintf("has %d items; at most %d are allowed", k.Got, k.Want), fmt.Sprintf("give at most %d", k.Want)
	case *kind.MinProperties:
		return "minProperties", fmt.Sprintf("has %d entries; at least %d are needed", k.Got, k.Want), fmt.Sprintf("give at least %d", k.Want)
	case *kind.MaxProperties:
		return "maxProperties", fmt.Sprintf("has %d entries; at most %d are allowed", k.Got, k.Want), fmt.Sprintf("give at most %d", k.Want)
	case *kind.Not:
		return "not", "is not allowed here", "remove it"
	case *kind.FalseSchema:
		return "false", "is not allowed here", "remove it"
	case *kind.AnyOf:
		return "anyOf", "matches none of the allowed forms", "see the field's description in the schema"
	case *kind.OneOf:
		if len(k.Subschemas) == 0 {
			return "oneOf", "matches none of the allowed forms", "see the field's description in the schema"
		}
		return "oneOf", "matches more than one of the forms of which it must match exactly one", "see the field's description in the schema"
	default:
		kw := k.KeywordPath()
		name := "a"
		if len(kw) > 0 {
			name = "the " + kw[0]
		}
		return strings.Join(kw, "/"), "breaks " + name + " rule of the schema", "see the field's description in the schema"
	}
}

func (c *collector) add(a at, node map[string]any, keyword, msg, fix string) {
	if s := annotation(node, "x-message", keyword); s != "" {
		msg = s
	}
	if s := annotation(node, "x-fix", keyword); s != "" {
		fix = s
	}
	if strings.Contains(msg+fix, "{value}") {
		q := quote(a.value)
		msg = strings.ReplaceAll(msg, "{value}", q)
		fix = strings.ReplaceAll(fix, "{value}", q)
	}
	p := Problem{Field: c.field(a.path), Message: msg, Fix: fix}
	if a.ok {
		p.Value = render(a.value)
	}
	// if/then branches and $refs can report one mistake twice.
	key := p.Field + "\x00" + p.Message
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.found = append(c.found, found{key: sortKey(a.path), p: p, unknown: keyword == "additionalProperties"})
}

// field renders an instance location in the dotted form people write:
// account.email, access[1].permissionSet, tags["aws:x"].
func (c *collector) field(path []string) string {
	if len(path) == 0 {
		return c.d.root
	}
	var b strings.Builder
	var cur any = c.doc
	for i, tok := range path {
		if arr, ok := cur.([]any); ok {
			b.WriteString("[" + tok + "]")
			if n, err := strconv.Atoi(tok); err == nil && n >= 0 && n < len(arr) {
				cur = arr[n]
			} else {
				cur = nil
			}
			continue
		}
		switch {
		case isIdent(tok) && i == 0:
			b.WriteString(tok)
		case isIdent(tok):
			b.WriteString("." + tok)
		default:
			b.WriteString("[" + strconv.Quote(tok) + "]")
		}
		obj, _ := cur.(map[string]any)
		cur = obj[tok]
	}
	return b.String()
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_':
		case i > 0 && (r >= '0' && r <= '9' || r == '-'):
		default:
			return false
		}
	}
	return true
}

// node finds the schema object a validation error points at, for its annotations.
func (d *SchemaDecoder) node(schemaURL string) map[string]any {
	base, frag, _ := strings.Cut(schemaURL, "#")
	cur := d.docs[base]
	for _, tok := range strings.Split(frag, "/")[1:] {
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(v) {
				return nil
			}
			cur = v[n]
		default:
			return nil
		}
	}
	obj, _ := cur.(map[string]any)
	return obj
}

// annotation reads an x-message or x-fix: a string for every keyword, or an
// object keyed by keyword.
func annotation(node map[string]any, name, keyword string) string {
	switch v := node[name].(type) {
	case string:
		return v
	case map[string]any:
		s, _ := v[keyword].(string)
		return s
	}
	return ""
}

func propertyNames(node map[string]any) []string {
	props, _ := node["properties"].(map[string]any)
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func example(node map[string]any) string {
	if ex, ok := node["examples"].([]any); ok && len(ex) > 0 {
		b, err := json.Marshal(ex[0])
		if err == nil && len(b) <= 60 {
			return string(b)
		}
	}
	return ""
}

func lookup(doc any, path []string) (any, bool) {
	cur := doc
	for _, tok := range path {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(v) {
				return nil, false
			}
			cur = v[n]
		default:
			return nil, false
		}
	}
	return cur, true
}

func typeName(t string) string {
	switch t {
	case "object", "array", "integer":
		return "an " + t
	case "null":
		return "null"
	default:
		return "a " + t
	}
}

// quote renders a value for a message: strings quoted, others as JSON, both shortened.
func quote(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(shorten(s, 80))
	}
	return shorten(render(v), 80)
}

// render gives the text of Problem.Value: strings as they are, other values as
// compact JSON, cut short without encoding more of a huge value than is shown.
func render(v any) string {
	if s, ok := v.(string); ok {
		return shorten(s, 200)
	}
	w := &limitedWriter{limit: 200}
	writeJSON(w, v)
	if w.full {
		return shorten(w.b.String(), 200)
	}
	return w.b.String()
}

type limitedWriter struct {
	b     strings.Builder
	limit int
	full  bool
}

func (w *limitedWriter) write(s string) {
	if w.full {
		return
	}
	w.b.WriteString(s)
	if w.b.Len() > w.limit {
		w.full = true
	}
}

// writeJSON writes v as compact JSON with object keys sorted, as encoding/json
// would, and stops once the writer is full.
func writeJSON(w *limitedWriter, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		writeList(w, "{", "}", len(keys), func(i int) {
			writeJSON(w, keys[i])
			w.write(":")
			writeJSON(w, v[keys[i]])
		})
	case []any:
		writeList(w, "[", "]", len(v), func(i int) { writeJSON(w, v[i]) })
	default:
		b, err := json.Marshal(v)
		if err != nil {
			w.write(fmt.Sprint(v))
			return
		}
		w.write(string(b))
	}
}

// writeList writes an object's or an array's n members between its brackets,
// comma-separated, and stops once the writer is full.
func writeList(w *limitedWriter, left, right string, n int, member func(i int)) {
	w.write(left)
	for i := range n {
		if w.full {
			return
		}
		if i > 0 {
			w.write(",")
		}
		member(i)
	}
	w.write(right)
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// sortKey orders instance locations the way people read them: by field, with
// array indexes compared as numbers (access[2] before access[10]).
func sortKey(path []string) string {
	var b strings.Builder
	for _, tok := range path {
		if n, err := strconv.Atoi(tok); err == nil && n >= 0 {
			fmt.Fprintf(&b, "%020d", n)
		} else {
			b.WriteString(tok)
		}
		b.WriteByte(0)
	}
	return b.String()
}

// closest suggests the candidate a misspelt name was probably meant to be: the
// same letters in another case, or close enough that a typo explains the difference.
func closest(s string, candidates []string) string {
	limit := 1
	if len(s) > 5 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if strings.EqualFold(s, c) {
			return c
		}
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance counts insertions, deletions, substitutions and swaps of
// neighbours (optimal string alignment), the usual shapes of a typo.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99 // not worth comparing; keeps the cost bounded on hostile input
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
