package asl

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:provision"

func TestParseRefusals(t *testing.T) {
	task := func(extra string) string {
		return machine("T", `{"T": {"Type": "Task", "Resource": "`+fnARN+`", "End": true`+extra+`}}`)
	}
	cases := []struct {
		name, def, want string
	}{
		{"not JSON", `{"StartAt":`, "not valid JSON"},
		{"not an object", `[]`, "must be a JSON object"},
		{"JSONata", `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}`,
			`field "QueryLanguage": "JSONata" is not supported`},
		{"JSONata on a state", machine("A", `{"A": {"Type": "Succeed", "QueryLanguage": "JSONata"}}`),
			`state "A": field "QueryLanguage": "JSONata" is not supported`},
		{"unknown top-level field", `{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "Timeout": 5}`, `field "Timeout": unknown top-level field`},
		{"missing StartAt", `{"States": {"A": {"Type": "Succeed"}}}`, `field "StartAt": must name the first state`},
		{"StartAt not a state", machine("B", `{"A": {"Type": "Succeed"}}`), `field "StartAt": state "B" does not exist`},
		{"empty States", machine("A", `{}`), `field "States": must be a non-empty object`},
		{"bad TimeoutSeconds", `{"StartAt": "A", "TimeoutSeconds": 0, "States": {"A": {"Type": "Succeed"}}}`, `field "TimeoutSeconds": must be an integer from 1`},
		{"unknown type", machine("A", `{"A": {"Type": "Sleep"}}`), `state "A": field "Type": "Sleep" is not a state type`},
		{"missing type", machine("A", `{"A": {"End": true}}`), `state "A": field "Type": is required`},
		{"unknown field", machine("A", `{"A": {"Type": "Pass", "End": true, "Resullt": 1}}`), `state "A": field "Resullt": unknown field for a Pass state`},
		{"field of another state type", machine("A", `{"A": {"Type": "Pass", "End": true, "ResultSelector": {}}}`), `field "ResultSelector": unknown field for a Pass state`},
		{"Next on a Succeed", machine("A", `{"A": {"Type": "Succeed", "Next": "A"}}`), `state "A": field "Next": a Succeed state cannot have Next`},
		{"no Next nor End", machine("A", `{"A": {"Type": "Pass"}}`), `state "A": a Pass state needs "Next" or "End": true`},
		{"Next and End", machine("A", `{"A": {"Type": "Pass", "Next": "A", "End": true}}`), `cannot have both "Next" and "End": true`},
		{"Next to nowhere", machine("A", `{"A": {"Type": "Pass", "Next": "B"}}`), `state "A": field "Next": state "B" does not exist`},
		{"Catch to nowhere", task(`, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}]`), `field "Catch[0].Next": state "Z" does not exist`},
		{"Default to nowhere", machine("C", `{"C": {"Type": "Choice", "Default": "Z", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "C"}]}}`), `field "Default": state "Z" does not exist`},
		{"Next into a branch", machine("P", `{"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "P"}}}]}}`),
			`state "P" > Branches[0] > state "B": field "Next": state "P" does not exist`},
		{"duplicate state names", machine("P", `{"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}]}}`),
			`the name is already used`},
		{"long state name", machine(strings.Repeat("x", 81), `{"`+strings.Repeat("x", 81)+`": {"Type": "Succeed"}}`), "1 to 80 characters"},
		{"unsupported resource", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": true}}`),
			`state "T": field "Resource": "arn:aws:states:::sqs:sendMessage" is not supported by the local engine`},
		{"callback pattern of another service", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}`),
			`"arn:aws:states:::sqs:sendMessage.waitForTaskToken" is not supported by the local engine: its only callback task is "arn:aws:states:::lambda:invoke.waitForTaskToken"`},
		{"callback lambda:invoke Qualifier", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "Parameters": {"FunctionName": "f", "Qualifier": "1"}, "End": true}}`),
			`field "Parameters.Qualifier": is not supported`},
		{"callback heartbeat not below timeout", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "Parameters": {"FunctionName": "f"},
			"TimeoutSeconds": 60, "HeartbeatSeconds": 60, "End": true}}`), `field "HeartbeatSeconds": must be smaller than TimeoutSeconds`},
		{"sync pattern", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync", "End": true}}`), "is not supported by the local engine"},
		{"activity", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:x", "End": true}}`), "is not supported"},
		{"lambda:invoke without Parameters", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}`),
			`field "Parameters": lambda:invoke needs Parameters`},
		{"lambda:invoke without FunctionName", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"Payload.$": "$"}, "End": true}}`),
			`field "Parameters.FunctionName": is required`},
		{"lambda:invoke Qualifier", machine("T", `{"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f", "Qualifier": "1"}, "End": true}}`),
			`field "Parameters.Qualifier": is not supported`},
		{"Credentials", task(`, "Credentials": {}`), `field "Credentials": cross-account`},
		{"Assign", task(`, "Assign": {"x": 1}`), `field "Assign": workflow variables`},
		{"Arguments", task(`, "Arguments": {}`), `field "Arguments": Arguments belongs to JSONata`},
		{"TimeoutSecondsPath beside TimeoutSeconds", task(`, "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t"`), `cannot be used together with TimeoutSeconds`},
		{"heartbeat not below timeout", task(`, "TimeoutSeconds": 10, "HeartbeatSeconds": 10`), `field "HeartbeatSeconds": must be smaller`},
		{"Parameters not an object", task(`, "Parameters": "x"`), `field "Parameters": must be a JSON object`},
		{"dynamic field not a path", task(`, "Parameters": {"a.$": "hello"}`), `field "Parameters": field "a.$": "hello" is neither a path`},
		{"dynamic field not a string", task(`, "Parameters": {"a": {"b.$": 1}}`), `field "a.b.$": the value of a field ending in ".$" must be a string`},
		{"dynamic field in an array", task(`, "Parameters": {"a": [{"b.$": "nope"}]}`), `field "a[0].b.$"`},
		{"two fields set one key", task(`, "Parameters": {"a": 1, "a.$": "$.a"}`), `both set "a"`},
		{"unknown intrinsic", task(`, "Parameters": {"a.$": "States.Nope()"}`), `unknown function "States.Nope"`},
		{"bad path", task(`, "InputPath": "$.a["`), `field "InputPath": "$.a[" is not a valid JSONPath`},
		{"path without $", task(`, "OutputPath": "a.b"`), `field "OutputPath": "a.b" is not a JSONPath`},
		{"ResultPath not a reference path", task(`, "ResultPath": "$.a[*]"`), `field "ResultPath": "$.a[*]" is not a reference path`},
		{"ResultPath into the context", task(`, "ResultPath": "$$.a"`), `cannot write to the context object`},
		{"States.ALL not alone", task(`, "Retry": [{"ErrorEquals": ["States.ALL", "X"]}]`), `field "Retry[0].ErrorEquals": States.ALL must appear alone`},
		{"States.ALL not last", task(`, "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]`), `States.ALL must be in the last Retry`},
		{"States.ALL not last catcher", task(`, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "T"}, {"ErrorEquals": ["X"], "Next": "T"}]`), `States.ALL must be in the last Catch`},
		{"empty ErrorEquals", task(`, "Retry": [{"ErrorEquals": []}]`), `field "Retry[0].ErrorEquals": must be a non-empty array`},
		{"BackoffRate below 1", task(`, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}]`), `field "Retry[0].BackoffRate": must be a number of at least 1.0`},
		{"IntervalSeconds 0", task(`, "Retry": [{"ErrorEquals": ["X"], "IntervalSeconds": 0}]`), `field "IntervalSeconds": must be an integer from 1`},
		{"negative MaxAttempts", task(`, "Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}]`), `field "MaxAttempts": must be an integer from 0`},
		{"bad JitterStrategy", task(`, "Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}]`), `field "Retry[0].JitterStrategy": must be "FULL" or "NONE"`},
		{"unknown retrier field", task(`, "Retry": [{"ErrorEquals": ["X"], "Interval": 1}]`), `field "Retry[0].Interval": unknown retrier field`},
		{"catcher without Next", task(`, "Catch": [{"ErrorEquals": ["X"]}]`), `field "Catch[0].Next": is required`},
		{"Wait with two durations", machine("W", `{"W": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}}`), "exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"},
		{"Wait with a bad timestamp", machine("W", `{"W": {"Type": "Wait", "Timestamp": "2026-01-01 10:00", "End": true}}`), `field "Timestamp": must be an RFC 3339 timestamp`},
		{"Wait with negative seconds", machine("W", `{"W": {"Type": "Wait", "Seconds": -1, "End": true}}`), `field "Seconds": must be an integer from 0`},
		{"Fail with Error and ErrorPath", machine("F", `{"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}`), `field "ErrorPath": cannot be combined with Error`},
		{"Fail CausePath with a disallowed function", machine("F", `{"F": {"Type": "Fail", "CausePath": "States.Array('x')"}}`), `field "CausePath": States.Array is not allowed here`},
		{"Choice without rules", machine("C", `{"C": {"Type": "Choice", "Choices": []}}`), `field "Choices": must be a non-empty array`},
		{"Choice rule error", machine("C", `{"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "Next": "C"}]}}`), `state "C": Choices[0]: a choice rule needs exactly one`},
		{"Distributed Map", machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
			"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}}`), `Distributed Map is not supported by the local engine`},
		{"ItemReader", machine("M", `{"M": {"Type": "Map", "End": true, "ItemReader": {}, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}}`),
			`field "ItemReader": Distributed Map (ItemReader) is not supported`},
		{"Map without processor", machine("M", `{"M": {"Type": "Map", "End": true}}`), `field "ItemProcessor": is required`},
		{"Map with ItemSelector and Parameters", machine("M", `{"M": {"Type": "Map", "End": true, "ItemSelector": {}, "Parameters": {},
			"Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}}`), `field "ItemSelector": cannot be combined with Parameters`},
		{"Map ItemsPath not a reference path", machine("M", `{"M": {"Type": "Map", "End": true, "ItemsPath": "$..a",
			"Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}}`), `field "ItemsPath": "$..a" is not a reference path`},
		{"Map inner error", machine("M", `{"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass"}}}}}`),
			`state "M" > ItemProcessor > state "I": a Pass state needs "Next" or "End": true`},
		{"Parallel without branches", machine("P", `{"P": {"Type": "Parallel", "End": true, "Branches": []}}`), `field "Branches": must be a non-empty array`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.def))
			require.Error(t, err)
			assert.Nil(t, m)
			var de *DefinitionError
			require.True(t, errors.As(err, &de), "error type %T", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseAccepts(t *testing.T) {
	def := `{
		"Comment": "every supported construct", "Version": "1.0", "QueryLanguage": "JSONPath", "TimeoutSeconds": 3600,
		"StartAt": "Invoke",
		"States": {
			"Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "QueryLanguage": "JSONPath",
				"Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:validate:$LATEST", "Payload.$": "$"},
				"ResultSelector": {"body.$": "$.Payload"}, "ResultPath": "$.validated", "TimeoutSeconds": 30, "HeartbeatSeconds": 10,
				"Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 1.5,
					"MaxDelaySeconds": 60, "JitterStrategy": "FULL", "Comment": "throttling"}, {"ErrorEquals": ["States.ALL"]}],
				"Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed", "Comment": "all"}],
				"Next": "Plain"},
			"Plain": {"Type": "Task", "Resource": "` + fnARN + `", "Next": "Dynamic"},
			"Dynamic": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName.$": "$.fn"}, "Next": "Route"},
			"Route": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanPath": "$.m", "Next": "Fan", "Comment": "c"}], "Default": "Wait"},
			"Wait": {"Type": "Wait", "TimestampPath": "$.until", "Next": "Fan"},
			"Fan": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 5, "ItemSelector": {"i.$": "$$.Map.Item.Index"},
				"ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": true}}},
				"ResultPath": "$.fanned", "Next": "Both"},
			"Both": {"Type": "Parallel", "Branches": [{"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}},
				{"StartAt": "R", "States": {"R": {"Type": "Wait", "Seconds": 1, "End": true}}}], "Next": "Done"},
			"Done": {"Type": "Succeed"},
			"Failed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "States.Format('failed: {}', $.error.Cause)"}
		}}`
	m, err := Parse([]byte(def))
	require.NoError(t, err)
	assert.Equal(t, "Invoke", m.StartAt())
	assert.Equal(t, int64(3600), m.TimeoutSeconds())
	assert.Equal(t, "every supported construct", m.Comment())
	assert.JSONEq(t, def, string(m.Definition()))
	assert.Equal(t, []string{fnARN, "arn:aws:lambda:us-east-1:123456789012:function:validate:$LATEST"}, m.LambdaFunctions())
}

func TestSubstitute(t *testing.T) {
	def := []byte(`{"Resource": "${ProvisionArn}", "Parameters": {"FunctionName": "${Notify}", "Payload.$": "$$.Execution.Input"}}`)
	t.Run("replaces every name", func(t *testing.T) {
		out, err := Substitute(def, map[string]string{"ProvisionArn": fnARN, "Notify": "notify", "Unused": "x"})
		require.NoError(t, err)
		assert.JSONEq(t, `{"Resource": "`+fnARN+`", "Parameters": {"FunctionName": "notify", "Payload.$": "$$.Execution.Input"}}`, string(out))
	})
	t.Run("names every unknown substitution", func(t *testing.T) {
		_, err := Substitute(def, map[string]string{"ProvisionArn": fnARN})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no value for ${Notify}")
		assert.Contains(t, err.Error(), "known: ProvisionArn")
	})
	t.Run("refuses an unclosed substitution", func(t *testing.T) {
		_, err := Substitute([]byte(`{"a": "${Oops"}`), map[string]string{"Oops": "x"})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "never closed")
	})
	t.Run("leaves JSONPath alone", func(t *testing.T) {
		in := []byte(`{"a.$": "$.x", "b.$": "$$.Execution.Id", "c": "$"}`)
		out, err := Substitute(in, nil)
		require.NoError(t, err)
		assert.Equal(t, string(in), string(out))
	})
}
