package asl

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// choiceInput is the state input every rule below is evaluated on.
const choiceInput = `{"s": "abc", "n": 10, "f": 2.5, "b": true, "t": "2016-08-18T17:33:00Z", "tz": "2016-08-18T19:33:00+02:00",
	"nul": null, "o": {"x": 1}, "file": "log-2026.txt", "star": "a*b", "other": {"s": "abd", "n": 10, "b": true, "t": "2016-08-18T17:34:00Z"},
	"accented": "é", "emoji": "😀"}`

func evalRule(t *testing.T, rule string) (bool, error) {
	t.Helper()
	v, err := decodeJSON([]byte(rule))
	require.NoError(t, err)
	r, err := parseChoiceRule(v, false, "rule")
	require.NoError(t, err)
	in, err := decodeJSON([]byte(choiceInput))
	require.NoError(t, err)
	return r.eval(&evalEnv{input: in, ctxFn: func() any { return map[string]any{"Execution": map[string]any{"Name": "exec-1"}} }})
}

func TestChoiceOperators(t *testing.T) {
	cases := []struct {
		rule string
		want bool
	}{
		{`{"Variable": "$.s", "StringEquals": "abc"}`, true},
		{`{"Variable": "$.s", "StringEquals": "abd"}`, false},
		{`{"Variable": "$.n", "StringEquals": "10"}`, false},
		{`{"Variable": "$.s", "StringLessThan": "abd"}`, true},
		{`{"Variable": "$.s", "StringGreaterThan": "abd"}`, false},
		{`{"Variable": "$.s", "StringLessThanEquals": "abc"}`, true},
		{`{"Variable": "$.s", "StringGreaterThanEquals": "abc"}`, true},
		{`{"Variable": "$.emoji", "StringGreaterThan": "\uffff"}`, false}, // UTF-16 order, as Java compares
		{`{"Variable": "$.accented", "StringGreaterThan": "z"}`, true},
		{`{"Variable": "$.file", "StringMatches": "log-*.txt"}`, true},
		{`{"Variable": "$.file", "StringMatches": "*.csv"}`, false},
		{`{"Variable": "$.file", "StringMatches": "*"}`, true},
		{`{"Variable": "$.file", "StringMatches": "log-*-*.txt"}`, false},
		{`{"Variable": "$.star", "StringMatches": "a\\*b"}`, true},
		{`{"Variable": "$.s", "StringMatches": "a\\*c"}`, false},
		{`{"Variable": "$.s", "StringMatches": "a*b*c"}`, true},
		{`{"Variable": "$.n", "NumericEquals": 10}`, true},
		{`{"Variable": "$.n", "NumericEquals": 10.0}`, true},
		{`{"Variable": "$.f", "NumericLessThan": 3}`, true},
		{`{"Variable": "$.f", "NumericGreaterThan": 2.5}`, false},
		{`{"Variable": "$.n", "NumericLessThanEquals": 10}`, true},
		{`{"Variable": "$.n", "NumericGreaterThanEquals": 11}`, false},
		{`{"Variable": "$.s", "NumericEquals": 10}`, false},
		{`{"Variable": "$.b", "BooleanEquals": true}`, true},
		{`{"Variable": "$.s", "BooleanEquals": true}`, false},
		{`{"Variable": "$.t", "TimestampEquals": "2016-08-18T17:33:00Z"}`, true},
		{`{"Variable": "$.tz", "TimestampEquals": "2016-08-18T17:33:00Z"}`, true},
		{`{"Variable": "$.t", "TimestampLessThan": "2016-08-18T17:33:01Z"}`, true},
		{`{"Variable": "$.t", "TimestampGreaterThan": "2016-08-18T17:33:00Z"}`, false},
		{`{"Variable": "$.t", "TimestampLessThanEquals": "2016-08-18T17:33:00Z"}`, true},
		{`{"Variable": "$.t", "TimestampGreaterThanEquals": "2017-01-01T00:00:00Z"}`, false},
		{`{"Variable": "$.s", "TimestampEquals": "2016-08-18T17:33:00Z"}`, false},
		{`{"Variable": "$.s", "StringEqualsPath": "$.other.s"}`, false},
		{`{"Variable": "$.s", "StringLessThanPath": "$.other.s"}`, true},
		{`{"Variable": "$.n", "NumericEqualsPath": "$.other.n"}`, true},
		{`{"Variable": "$.n", "NumericGreaterThanPath": "$.other.n"}`, false},
		{`{"Variable": "$.b", "BooleanEqualsPath": "$.other.b"}`, true},
		{`{"Variable": "$.t", "TimestampLessThanPath": "$.other.t"}`, true},
		{`{"Variable": "$.t", "TimestampEqualsPath": "$.s"}`, false},
		{`{"Variable": "$$.Execution.Name", "StringEquals": "exec-1"}`, true},
		{`{"Variable": "$.nul", "IsNull": true}`, true},
		{`{"Variable": "$.s", "IsNull": true}`, false},
		{`{"Variable": "$.s", "IsPresent": true}`, true},
		{`{"Variable": "$.missing", "IsPresent": true}`, false},
		{`{"Variable": "$.missing", "IsPresent": false}`, true},
		{`{"Variable": "$.nul", "IsPresent": true}`, true},
		{`{"Variable": "$.f", "IsNumeric": true}`, true},
		{`{"Variable": "$.s", "IsNumeric": false}`, true},
		{`{"Variable": "$.s", "IsString": true}`, true},
		{`{"Variable": "$.b", "IsBoolean": true}`, true},
		{`{"Variable": "$.o", "IsBoolean": true}`, false},
		{`{"Variable": "$.t", "IsTimestamp": true}`, true},
		{`{"Variable": "$.s", "IsTimestamp": true}`, false},
		{`{"And": [{"Variable": "$.n", "NumericEquals": 10}, {"Variable": "$.s", "StringEquals": "abc"}]}`, true},
		{`{"And": [{"Variable": "$.n", "NumericEquals": 10}, {"Variable": "$.s", "StringEquals": "x"}]}`, false},
		{`{"Or": [{"Variable": "$.n", "NumericEquals": 1}, {"Variable": "$.s", "StringEquals": "abc"}]}`, true},
		{`{"Or": [{"Variable": "$.n", "NumericEquals": 1}, {"Variable": "$.s", "StringEquals": "x"}]}`, false},
		{`{"Not": {"Variable": "$.n", "NumericEquals": 1}}`, true},
		{`{"Not": {"Not": {"Variable": "$.b", "BooleanEquals": true}}}`, true},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			got, err := evalRule(t, tc.rule)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestChoiceMissingVariableIsRuntimeError(t *testing.T) {
	for _, rule := range []string{
		`{"Variable": "$.missing", "StringEquals": "x"}`,
		`{"Variable": "$.missing", "IsNull": true}`,
		`{"Variable": "$.s", "StringEqualsPath": "$.missing"}`,
		`{"And": [{"Variable": "$.s", "IsString": true}, {"Variable": "$.missing", "IsString": true}]}`,
	} {
		t.Run(rule, func(t *testing.T) {
			_, err := evalRule(t, rule)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "$.missing")
			assert.Contains(t, err.Error(), ErrorRuntime)
		})
	}
}

func TestChoiceRuleParseErrors(t *testing.T) {
	cases := []struct {
		rule string
		top  bool
		want string
	}{
		{`{"Variable": "$.a", "Next": "X"}`, true, "exactly one comparison operator"},
		{`{"Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "X"}`, true, "exactly one comparison operator"},
		{`{"Variable": "$.a", "StringEquals": "x"}`, true, `needs "Next"`},
		{`{"Variable": "$.a", "StringEquals": "x", "Next": "X"}`, false, `must not have "Next"`},
		{`{"Variable": "$.a", "StringEquals": 1, "Next": "X"}`, true, `"StringEquals" must be a string`},
		{`{"Variable": "$.a", "NumericEquals": "1", "Next": "X"}`, true, `"NumericEquals" must be a number`},
		{`{"Variable": "$.a", "TimestampEquals": "yesterday", "Next": "X"}`, true, "RFC 3339"},
		{`{"Variable": "$.a", "IsNull": "yes", "Next": "X"}`, true, "true or false"},
		{`{"Variable": "$.a[*]", "IsNull": true, "Next": "X"}`, true, "not a reference path"},
		{`{"Variable": "$.a", "StringEqualsPath": "$..b", "Next": "X"}`, true, "not a reference path"},
		{`{"StringEquals": "x", "Next": "X"}`, true, `needs "Variable"`},
		{`{"And": [], "Next": "X"}`, true, "non-empty array"},
		{`{"And": [{"Variable": "$.a", "IsNull": true, "Next": "Y"}], "Next": "X"}`, true, `must not have "Next"`},
		{`{"Variable": "$.a", "StringMatchesPath": "$.b", "Next": "X"}`, true, `unknown field "StringMatchesPath"`},
		{`{"Variable": "$.a", "Nope": 1, "Next": "X"}`, true, `unknown field "Nope"`},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			v, err := decodeJSON([]byte(tc.rule))
			require.NoError(t, err)
			_, err = parseChoiceRule(v, tc.top, "Choices[0]")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestChoiceNoMatchWithoutDefault(t *testing.T) {
	x := newWorld(t).run(machine("C", `{"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "X"}]},
		"X": {"Type": "Succeed"}}`), `{"a": 2}`)
	assert.Equal(t, StatusFailed, x.Status())
	name, _ := x.Error()
	assert.Equal(t, ErrorNoChoiceMatched, name)
}

func TestChoicePassesInputThroughPaths(t *testing.T) {
	x := newWorld(t).run(machine("C", `{"C": {"Type": "Choice", "InputPath": "$.in", "OutputPath": "$.keep",
		"Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "X"}]}, "X": {"Type": "Succeed"}}`),
		`{"in": {"go": true, "keep": {"k": 1}}, "drop": 1}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.JSONEq(t, `{"k": 1}`, string(x.Output()))
}
