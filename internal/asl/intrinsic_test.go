package asl

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func evalIntrinsic(t *testing.T, expr, input string, seed uint64) (any, error) {
	t.Helper()
	c, err := parseIntrinsic(expr)
	require.NoError(t, err)
	in, err := decodeJSON([]byte(input))
	require.NoError(t, err)
	env := &evalEnv{input: in, rand: &lockedRand{r: rand.New(rand.NewPCG(seed, seed))},
		ctxFn: func() any { return map[string]any{"Execution": map[string]any{"Name": "exec-1"}} }}
	return c.eval(env)
}

func TestIntrinsicValues(t *testing.T) {
	cases := []struct {
		name, expr, input, want string
	}{
		{"escaped quote and braces", `States.Format('It\'s \{not\} {}', 'a placeholder')`, `{}`, `"It's {not} a placeholder"`},
		{"escaped backslash", `States.Format('C:\\dir\\{}', 'f')`, `{}`, `"C:\\dir\\f"`},
		{"literals of every kind", `States.Array('a', 1, -2.5, true, false, null)`, `{}`, `["a", 1, -2.5, true, false, null]`},
		{"no arguments", `States.Array()`, `{}`, `[]`},
		{"Format renders numbers, booleans and null", `States.Format('{} {} {} {}', 3, 1.5, true, null)`, `{}`, `"3 1.5 true null"`},
		{"context path", `States.Format('run {}', $$.Execution.Name)`, `{}`, `"run exec-1"`},
		{"path with a quoted name", `States.Array($['a b'], $.c[1])`, `{"a b": 1, "c": [5, 6]}`, `[1, 6]`},
		{"indefinite path yields an array", `States.ArrayLength($.items[*].id)`, `{"items": [{"id": 1}, {"id": 2}]}`, `2`},
		{"filter path", `States.Array($.items[?(@.n > 1)].id)`, `{"items": [{"id": "a", "n": 1}, {"id": "b", "n": 2}]}`, `[["b"]]`},
		{"ArrayPartition rounds the chunk size", `States.ArrayPartition($.a, 2.6)`, `{"a": [1, 2, 3, 4]}`, `[[1, 2, 3], [4]]`},
		{"ArrayRange descending", `States.ArrayRange(5, 1, -2)`, `{}`, `[5, 3, 1]`},
		{"ArrayRange in the wrong direction", `States.ArrayRange(1, 5, -1)`, `{}`, `[]`},
		{"ArrayContains compares structure", `States.ArrayContains($.a, $.b)`, `{"a": [{"x": [1, 2]}], "b": {"x": [1.0, 2]}}`, `true`},
		{"ArrayUnique keeps the first of equal objects", `States.ArrayUnique($.a)`, `{"a": [{"k": 1}, 2, {"k": 1}, "2"]}`, `[{"k": 1}, 2, "2"]`},
		{"StringSplit drops empty pieces", `States.StringSplit('a,,b,', ',')`, `{}`, `["a", "b"]`},
		{"Hash SHA-256", `States.Hash('input data', 'SHA-256')`, `{}`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"Hash MD5", `States.Hash($.d, 'MD5')`, `{"d": "input data"}`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{"JsonToString of a number", `States.JsonToString($.n)`, `{"n": 42}`, `"42"`},
		{"MathAdd rounds", `States.MathAdd(1.6, 1)`, `{}`, `3`},
		{"nested StringToJson of JsonToString", `States.StringToJson(States.JsonToString($.o))`, `{"o": {"a": [1]}}`, `{"a": [1]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := evalIntrinsic(t, tc.expr, tc.input, 1)
			require.NoError(t, err)
			assert.JSONEq(t, tc.want, mustJSON(v))
		})
	}
}

func TestIntrinsicRandomness(t *testing.T) {
	t.Run("MathRandom stays within [start, end)", func(t *testing.T) {
		seen := map[int64]bool{}
		for seed := range uint64(200) {
			v, err := evalIntrinsic(t, `States.MathRandom(1, 4)`, `{}`, seed)
			require.NoError(t, err)
			n := v.(int64)
			assert.True(t, n >= 1 && n < 4, "got %d", n)
			seen[n] = true
		}
		assert.Len(t, seen, 3, "every value in range comes up")
	})
	t.Run("MathRandom with a seed repeats", func(t *testing.T) {
		a, err := evalIntrinsic(t, `States.MathRandom(1, 999, 7)`, `{}`, 1)
		require.NoError(t, err)
		b, err := evalIntrinsic(t, `States.MathRandom(1, 999, 7)`, `{}`, 2)
		require.NoError(t, err)
		assert.Equal(t, a, b)
	})
	t.Run("UUID is a version 4 UUID from the injected source", func(t *testing.T) {
		a, err := evalIntrinsic(t, `States.UUID()`, `{}`, 1)
		require.NoError(t, err)
		b, err := evalIntrinsic(t, `States.UUID()`, `{}`, 1)
		require.NoError(t, err)
		c, err := evalIntrinsic(t, `States.UUID()`, `{}`, 2)
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), a)
		assert.Equal(t, a, b, "same seed, same UUID")
		assert.NotEqual(t, a, c)
	})
}

func TestIntrinsicParseErrors(t *testing.T) {
	cases := []struct{ expr, want string }{
		{`States.Nope($.a)`, `unknown function "States.Nope"`},
		{`States.Format('a\b')`, `open escape`},
		{`States.Format('abc`, `unterminated string literal`},
		{`States.Array($.a`, `missing ")"`},
		{`States.Array($.a) extra`, `unexpected "extra" after the closing parenthesis`},
		{`States.ArrayLength()`, `States.ArrayLength takes 1 arguments, got 0`},
		{`States.MathRandom(1)`, `States.MathRandom takes 2 to 3 arguments, got 1`},
		{`States.Format('{} {}', 1)`, `the template has 2 {} placeholders but 1 values follow it`},
		{`States.Format(1)`, `the first argument of States.Format must be a string`},
		{`States.Array(bogus)`, `argument "bogus" is not a string in single quotes`},
		{`States.Array($.a b)`, `expected "," or ")"`},
		{`States.Array($[)`, `is not a valid JSONPath`},
		{nested(11), `more than 10 nested intrinsic functions`},
		{`Format('x')`, `expected a function name starting with "States."`},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := parseIntrinsic(tc.expr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	t.Run("ten nested functions are allowed", func(t *testing.T) {
		_, err := parseIntrinsic(nested(10))
		assert.NoError(t, err)
	})
}

// nested returns n States.Array calls nested in one another.
func nested(n int) string {
	return strings.Repeat("States.Array(", n) + strings.Repeat(")", n)
}

func TestIntrinsicRuntimeErrors(t *testing.T) {
	cases := []struct{ expr, input, want string }{
		{`States.ArrayGetItem($.a, 3)`, `{"a": [1]}`, `index 3 is out of range`},
		{`States.ArrayLength($.a)`, `{"a": "x"}`, `must be an array, got a string`},
		{`States.StringToJson($.s)`, `{"s": "{nope"}`, `not valid JSON`},
		{`States.JsonMerge($.a, $.b, true)`, `{"a": {}, "b": {}}`, `only the shallow merge`},
		{`States.MathAdd(2147483648, 1)`, `{}`, `outside the range`},
		{`States.MathRandom(5, 5)`, `{}`, `must be greater than the start`},
		{`States.ArrayRange(1, 2000, 1)`, `{}`, `more than 1000 items`},
		{`States.ArrayRange(1, 2, 0)`, `{}`, `must not be 0`},
		{`States.ArrayPartition($.a, 0)`, `{"a": [1]}`, `positive integer`},
		{`States.Base64Decode('***')`, `{}`, `not valid Base64`},
		{`States.Hash('x', 'SHA-3')`, `{}`, `must be one of MD5`},
		{`States.Format($.t, 1)`, `{"t": "no placeholders"}`, `0 {} placeholders but 1 values`},
		{`States.Array($.missing)`, `{}`, `$.missing`},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := evalIntrinsic(t, tc.expr, tc.input, 1)
			require.Error(t, err)
			f, ok := err.(*failure)
			require.True(t, ok)
			assert.Equal(t, ErrorRuntime, f.name)
			assert.Contains(t, f.cause, tc.want)
		})
	}
}
