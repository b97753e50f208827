package asl

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Intrinsic functions ("States.Format('{}', $.x)") are parsed once, at Parse
// time, into a small tree and evaluated per state. The grammar and the escape
// rules follow the Step Functions documentation: string literals in single
// quotes where \' \{ \} \\ are the only escapes, numbers, true/false/null,
// paths and nested calls (at most 10 deep).

// maxIntrinsicDepth is the nesting AWS allows within one field.
const maxIntrinsicDepth = 10

// iexpr is one argument of an intrinsic call.
type iexpr interface {
	eval(env *evalEnv) (any, error)
}

// ilit is a literal argument. raw keeps a string literal's escapes, because
// States.Format must tell "\{}" (literal braces) from "{}" (a placeholder).
type ilit struct {
	v   any
	raw string
	str bool
}

func (l *ilit) eval(*evalEnv) (any, error) { return l.v, nil }

// ipath is a path argument.
type ipath struct{ p *path }

func (a *ipath) eval(env *evalEnv) (any, error) {
	v, ok := a.p.get(env.input, env.context())
	if !ok {
		return nil, runtimeErr("The JSONPath %s given to an intrinsic function could not be found in the %s", a.p.src, env.source(a.p))
	}
	return v, nil
}

// icall is a call of a States.* function.
type icall struct {
	name string
	fn   *intrinsicSpec
	args []iexpr
}

type intrinsicSpec struct {
	min, max int // max < 0: unlimited
	call     func(env *evalEnv, c *icall, args []any) (any, error)
}

func (c *icall) eval(env *evalEnv) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	return c.fn.call(env, c, args)
}

// parseIntrinsic parses a whole field value such as "States.Array($.a, 'b')".
func parseIntrinsic(s string) (*icall, error) {
	p := &iparser{s: s}
	c, err := p.call(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("intrinsic function %q: unexpected %q after the closing parenthesis", s, p.s[p.pos:])
	}
	return c, nil
}

type iparser struct {
	s   string
	pos int
}

func (p *iparser) skipSpace() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r') {
		p.pos++
	}
}

func (p *iparser) errf(format string, args ...any) error {
	return fmt.Errorf("intrinsic function %q at offset %d: %s", p.s, p.pos, fmt.Sprintf(format, args...))
}

func (p *iparser) call(depth int) (*icall, error) {
	if depth >= maxIntrinsicDepth {
		return nil, p.errf("more than %d nested intrinsic functions", maxIntrinsicDepth)
	}
	start := p.pos
	if !strings.HasPrefix(p.s[p.pos:], "States.") {
		return nil, p.errf("expected a function name starting with \"States.\"")
	}
	p.pos += len("States.")
	for p.pos < len(p.s) && isIdentByte(p.s[p.pos]) {
		p.pos++
	}
	name := p.s[start:p.pos]
	spec, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("intrinsic function %q: unknown function %q", p.s, name)
	}
	p.skipSpace()
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return nil, p.errf("expected \"(\" after %s", name)
	}
	p.pos++
	c := &icall{name: name, fn: spec}
	p.skipSpace()
	if p.pos < len(p.s) && p.s[p.pos] == ')' {
		p.pos++
	} else {
		for {
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipSpace()
			if p.pos >= len(p.s) {
				return nil, p.errf("missing \")\" to close %s", name)
			}
			if p.s[p.pos] == ')' {
				p.pos++
				break
			}
			if p.s[p.pos] != ',' {
				return nil, p.errf("expected \",\" or \")\" in the arguments of %s", name)
			}
			p.pos++
		}
	}
	if len(c.args) < spec.min || (spec.max >= 0 && len(c.args) > spec.max) {
		return nil, fmt.Errorf("intrinsic function %q: %s takes %s, got %d", p.s, name, arity(spec), len(c.args))
	}
	if name == "States.Format" {
		if l, ok := c.args[0].(*ilit); ok {
			if !l.str {
				return nil, fmt.Errorf("intrinsic function %q: the first argument of States.Format must be a string", p.s)
			}
			if n := countPlaceholders(l.raw); n != len(c.args)-1 {
				return nil, fmt.Errorf("intrinsic function %q: the template has %d {} placeholders but %d values follow it", p.s, n, len(c.args)-1)
			}
		}
	}
	return c, nil
}

func arity(s *intrinsicSpec) string {
	switch {
	case s.max < 0:
		return fmt.Sprintf("at least %d arguments", s.min)
	case s.min == s.max:
		return fmt.Sprintf("%d arguments", s.min)
	default:
		return fmt.Sprintf("%d to %d arguments", s.min, s.max)
	}
}

func isIdentByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (p *iparser) arg(depth int) (iexpr, error) {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return nil, p.errf("missing argument")
	}
	switch c := p.s[p.pos]; {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.pathArg()
	case strings.HasPrefix(p.s[p.pos:], "States."):
		return p.call(depth + 1)
	default:
		start := p.pos
		for p.pos < len(p.s) && !strings.ContainsRune(",) \t\r\n", rune(p.s[p.pos])) {
			p.pos++
		}
		tok := p.s[start:p.pos]
		switch tok {
		case "true":
			return &ilit{v: true}, nil
		case "false":
			return &ilit{v: false}, nil
		case "null":
			return &ilit{v: nil}, nil
		case "":
			return nil, p.errf("missing argument")
		}
		if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
			return &ilit{v: i}, nil
		}
		if f, err := strconv.ParseFloat(tok, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return &ilit{v: f}, nil
		}
		return nil, fmt.Errorf("intrinsic function %q: argument %q is not a string in single quotes, a number, true, false, null, a path or a function", p.s, tok)
	}
}

func (p *iparser) stringLit() (iexpr, error) {
	p.pos++ // opening quote
	start := p.pos
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.s) || !strings.ContainsRune(`'{}\`, rune(p.s[p.pos+1])) {
				return nil, p.errf("open escape: a backslash must be followed by ' { } or \\")
			}
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		case '\'':
			raw := p.s[start:p.pos]
			p.pos++
			return &ilit{v: b.String(), raw: raw, str: true}, nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return nil, p.errf("unterminated string literal")
}

// pathArg reads a path up to the "," or ")" that ends it, minding brackets,
// filter parentheses and quoted names.
func (p *iparser) pathArg() (iexpr, error) {
	start := p.pos
	depth := 0
	var quote byte
loop:
	for ; p.pos < len(p.s); p.pos++ {
		c := p.s[p.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || (c == ')' && depth > 0):
			depth--
		case depth == 0 && (c == ',' || c == ')' || c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			break loop
		}
	}
	pp, err := parsePath(p.s[start:p.pos])
	if err != nil {
		return nil, fmt.Errorf("intrinsic function %q: %v", p.s, err)
	}
	return &ipath{p: pp}, nil
}

// countPlaceholders counts unescaped "{}" in a raw States.Format template.
func countPlaceholders(raw string) int {
	n := 0
	for i := 0; i < len(raw); i++ {
		switch {
		case raw[i] == '\\':
			i++
		case raw[i] == '{' && i+1 < len(raw) && raw[i+1] == '}':
			n++
			i++
		}
	}
	return n
}

// intrinsics is the read-only table of supported functions.
var intrinsics = map[string]*intrinsicSpec{
	"States.Format":         {min: 1, max: -1, call: fnFormat},
	"States.StringToJson":   {min: 1, max: 1, call: fnStringToJSON},
	"States.JsonToString":   {min: 1, max: 1, call: fnJSONToString},
	"States.Array":          {min: 0, max: -1, call: fnArray},
	"States.ArrayPartition": {min: 2, max: 2, call: fnArrayPartition},
	"States.ArrayContains":  {min: 2, max: 2, call: fnArrayContains},
	"States.ArrayRange":     {min: 3, max: 3, call: fnArrayRange},
	"States.ArrayGetItem":   {min: 2, max: 2, call: fnArrayGetItem},
	"States.ArrayLength":    {min: 1, max: 1, call: fnArrayLength},
	"States.ArrayUnique":    {min: 1, max: 1, call: fnArrayUnique},
	"States.Base64Encode":   {min: 1, max: 1, call: fnBase64Encode},
	"States.Base64Decode":   {min: 1, max: 1, call: fnBase64Decode},
	"States.Hash":           {min: 2, max: 2, call: fnHash},
	"States.JsonMerge":      {min: 3, max: 3, call: fnJSONMerge},
	"States.MathRandom":     {min: 2, max: 3, call: fnMathRandom},
	"States.MathAdd":        {min: 2, max: 2, call: fnMathAdd},
	"States.StringSplit":    {min: 2, max: 2, call: fnStringSplit},
	"States.UUID":           {min: 0, max: 0, call: fnUUID},
}

func intrinsicErr(c *icall, format string, args ...any) error {
	return runtimeErr("%s: %s", c.name, fmt.Sprintf(format, args...))
}

func fnFormat(_ *evalEnv, c *icall, args []any) (any, error) {
	tmpl, ok := args[0].(string)
	if !ok {
		return nil, intrinsicErr(c, "the template must be a string, got a %s", typeName(args[0]))
	}
	escaped := false
	if l, ok := c.args[0].(*ilit); ok {
		tmpl, escaped = l.raw, true
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		switch {
		case escaped && ch == '\\' && i+1 < len(tmpl):
			b.WriteByte(tmpl[i+1])
			i++
		case ch == '{' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			if next >= len(args) {
				return nil, intrinsicErr(c, "the template has more {} placeholders than the %d values given", len(args)-1)
			}
			b.WriteString(formatArg(args[next]))
			next++
			i++
		default:
			b.WriteByte(ch)
		}
	}
	if next != len(args) {
		return nil, intrinsicErr(c, "the template has %d {} placeholders but %d values were given", next-1, len(args)-1)
	}
	return b.String(), nil
}

func formatArg(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return mustJSON(v)
}

func fnStringToJSON(_ *evalEnv, c *icall, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, intrinsicErr(c, "the argument must be a string, got a %s", typeName(args[0]))
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return nil, intrinsicErr(c, "the string is not valid JSON: %v", err)
	}
	return v, nil
}

func fnJSONToString(_ *evalEnv, c *icall, args []any) (any, error) {
	b, err := encodeJSON(args[0])
	if err != nil {
		return nil, intrinsicErr(c, "%v", err)
	}
	return string(b), nil
}

func fnArray(_ *evalEnv, _ *icall, args []any) (any, error) {
	out := make([]any, len(args))
	copy(out, args)
	return out, nil
}

func arrayArg(c *icall, v any) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, intrinsicErr(c, "the first argument must be an array, got a %s", typeName(v))
	}
	return a, nil
}

// roundArg reads a number argument, rounding it to the nearest integer as the
// documentation says AWS does.
func roundArg(c *icall, v any, what string) (int64, error) {
	f, ok := toFloat(v)
	if !ok {
		return 0, intrinsicErr(c, "the %s must be a number, got a %s", what, typeName(v))
	}
	r := math.Round(f)
	if math.Abs(r) > 1<<53 {
		return 0, intrinsicErr(c, "the %s %v is out of range", what, f)
	}
	return int64(r), nil
}

func fnArrayPartition(_ *evalEnv, c *icall, args []any) (any, error) {
	a, err := arrayArg(c, args[0])
	if err != nil {
		return nil, err
	}
	size, err := roundArg(c, args[1], "chunk size")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, intrinsicErr(c, "the chunk size must be a positive integer, got %d", size)
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		end := min(i+int(size), len(a))
		chunk := make([]any, end-i)
		copy(chunk, a[i:end])
		out = append(out, chunk)
	}
	return out, nil
}

func fnArrayContains(_ *evalEnv, c *icall, args []any) (any, error) {
	a, err := arrayArg(c, args[0])
	if err != nil {
		return nil, err
	}
	for _, v := range a {
		if jsonEqual(v, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func fnArrayRange(_ *evalEnv, c *icall, args []any) (any, error) {
	var n [3]int64
	for i, what := range []string{"start", "end", "step"} {
		v, err := roundArg(c, args[i], what)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, intrinsicErr(c, "the step must not be 0")
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out) == 1000 {
			return nil, intrinsicErr(c, "the range has more than 1000 items")
		}
		out = append(out, v)
	}
	return out, nil
}

func fnArrayGetItem(_ *evalEnv, c *icall, args []any) (any, error) {
	a, err := arrayArg(c, args[0])
	if err != nil {
		return nil, err
	}
	i, err := roundArg(c, args[1], "index")
	if err != nil {
		return nil, err
	}
	if i < 0 || i >= int64(len(a)) {
		return nil, intrinsicErr(c, "index %d is out of range for an array of %d items", i, len(a))
	}
	return a[i], nil
}

func fnArrayLength(_ *evalEnv, c *icall, args []any) (any, error) {
	a, err := arrayArg(c, args[0])
	if err != nil {
		return nil, err
	}
	return int64(len(a)), nil
}

func fnArrayUnique(_ *evalEnv, c *icall, args []any) (any, error) {
	a, err := arrayArg(c, args[0])
	if err != nil {
		return nil, err
	}
	out := []any{}
next:
	for _, v := range a {
		for _, w := range out {
			if jsonEqual(v, w) {
				continue next
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// maxEncodeChars is AWS's limit on Base64Encode/Base64Decode/Hash input.
const maxEncodeChars = 10000

func stringArg(c *icall, v any, what string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", intrinsicErr(c, "the %s must be a string, got a %s", what, typeName(v))
	}
	if utf8.RuneCountInString(s) > maxEncodeChars {
		return "", intrinsicErr(c, "the %s is longer than %d characters", what, maxEncodeChars)
	}
	return s, nil
}

func fnBase64Encode(_ *evalEnv, c *icall, args []any) (any, error) {
	s, err := stringArg(c, args[0], "data")
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(_ *evalEnv, c *icall, args []any) (any, error) {
	s, err := stringArg(c, args[0], "data")
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, intrinsicErr(c, "the data is not valid Base64: %v", err)
	}
	return string(b), nil
}

func fnHash(_ *evalEnv, c *icall, args []any) (any, error) {
	var data string
	if s, ok := args[0].(string); ok {
		data = s
	} else {
		data = mustJSON(args[0])
	}
	if utf8.RuneCountInString(data) > maxEncodeChars {
		return nil, intrinsicErr(c, "the data is longer than %d characters", maxEncodeChars)
	}
	alg, _ := args[1].(string)
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, intrinsicErr(c, "the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, got %s", mustJSON(args[1]))
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnJSONMerge(_ *evalEnv, c *icall, args []any) (any, error) {
	a, ok1 := args[0].(map[string]any)
	b, ok2 := args[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, intrinsicErr(c, "the first two arguments must be objects, got a %s and a %s", typeName(args[0]), typeName(args[1]))
	}
	if deep, ok := args[2].(bool); !ok || deep {
		return nil, intrinsicErr(c, "the third argument must be false: Step Functions supports only the shallow merge")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func fnMathRandom(env *evalEnv, c *icall, args []any) (any, error) {
	start, err := roundArg(c, args[0], "start")
	if err != nil {
		return nil, err
	}
	end, err := roundArg(c, args[1], "end")
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, intrinsicErr(c, "the end (%d) must be greater than the start (%d)", end, start)
	}
	span := uint64(end - start)
	if len(args) == 3 {
		seed, err := roundArg(c, args[2], "seed")
		if err != nil {
			return nil, err
		}
		// The same seed gives the same number, as documented.
		r := rand.New(rand.NewPCG(uint64(seed), uint64(seed)))
		return start + int64(r.Uint64N(span)), nil
	}
	return start + int64(env.rand.uint64N(span)), nil
}

func fnMathAdd(_ *evalEnv, c *icall, args []any) (any, error) {
	var sum int64
	for i, what := range []string{"first value", "second value"} {
		v, err := roundArg(c, args[i], what)
		if err != nil {
			return nil, err
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, intrinsicErr(c, "the %s %d is outside the range -2147483648 to 2147483647", what, v)
		}
		sum += v
	}
	return sum, nil
}

func fnStringSplit(_ *evalEnv, c *icall, args []any) (any, error) {
	s, ok1 := args[0].(string)
	sep, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, intrinsicErr(c, "both arguments must be strings, got a %s and a %s", typeName(args[0]), typeName(args[1]))
	}
	// Every character of the second argument is a delimiter (the documented
	// ".+,=" example), and empty pieces are dropped.
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(sep, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func fnUUID(env *evalEnv, _ *icall, _ []any) (any, error) {
	return env.rand.uuid(), nil
}
