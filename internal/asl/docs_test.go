package asl

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The cases in this file are the examples of the AWS Step Functions Developer
// Guide (input and output processing, ResultPath, InputPath/Parameters/
// ResultSelector, the context object, intrinsic functions, Choice), run through
// the engine and checked against the outputs the guide documents.

const helloARN = "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction"

// docCase runs one state named "S" (plus any helper states) with a Lambda
// HelloFunction answering result, and checks the execution output.
type docCase struct {
	name   string
	states string // the States object; execution starts at "S"
	input  string
	result string // what HelloFunction returns
	want   string // the documented output
	// wantPayload, when set, is what the function must have received.
	wantPayload string
}

func runDocCases(t *testing.T, cases []docCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.result != "" {
				w.lambda.handle(helloARN, returns(tc.result))
			}
			x := w.run(machine("S", tc.states), tc.input)
			name, cause := x.Error()
			require.Equal(t, StatusSucceeded, x.Status(), "error %s: %s", name, cause)
			assert.JSONEq(t, tc.want, string(x.Output()))
			if tc.wantPayload != "" {
				calls := w.lambda.log()
				require.Len(t, calls, 1)
				assert.JSONEq(t, tc.wantPayload, calls[0].payload)
			}
		})
	}
}

// From "InputPath, ResultPath and OutputPath Example" and "Input and Output Processing".
func TestDocsInputResultOutputPath(t *testing.T) {
	runDocCases(t, []docCase{
		{
			name: "InputPath ResultPath OutputPath example",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `",
				"InputPath": "$.lambda", "ResultPath": "$.data.lambdaresult", "OutputPath": "$.data", "End": true}}`,
			input:       `{"comment": "An input comment.", "data": {"val1": 23, "val2": 17}, "extra": "foo", "lambda": {"who": "AWS Step Functions"}}`,
			result:      `"Hello, AWS Step Functions!"`,
			wantPayload: `{"who": "AWS Step Functions"}`,
			want:        `{"val1": 23, "val2": 17, "lambdaresult": "Hello, AWS Step Functions!"}`,
		},
		{
			name: "numbers to add, OutputPath $",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `",
				"InputPath": "$.numbers", "ResultPath": "$.sum", "OutputPath": "$", "End": true}}`,
			input:       `{"title": "Numbers to add", "numbers": {"val1": 3, "val2": 4}}`,
			result:      `7`,
			wantPayload: `{"val1": 3, "val2": 4}`,
			want:        `{"title": "Numbers to add", "numbers": {"val1": 3, "val2": 4}, "sum": 7}`,
		},
		{
			name: "numbers to add, OutputPath $.sum",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `",
				"InputPath": "$.numbers", "ResultPath": "$.sum", "OutputPath": "$.sum", "End": true}}`,
			input:  `{"numbers": {"val1": 3, "val2": 4}}`,
			result: `7`,
			want:   `7`,
		},
		{
			name:   "InputPath null sends an empty object",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "InputPath": null, "ResultPath": null, "End": true}}`,
			input:  `{"a": 1}`, result: `"x"`, wantPayload: `{}`, want: `{"a": 1}`,
		},
		{
			name:   "OutputPath null sends an empty object",
			states: `{"S": {"Type": "Pass", "OutputPath": null, "End": true}}`,
			input:  `{"a": 1}`, want: `{}`,
		},
		{
			name:   "a path can select several values",
			states: `{"S": {"Type": "Pass", "InputPath": "$.a[0:2]", "End": true}}`,
			input:  `{"a": [1, 2, 3, 4]}`, want: `[1, 2]`,
		},
		{
			name:   "dynamic fields inside arrays",
			states: `{"S": {"Type": "Pass", "Parameters": {"list": [{"v.$": "$.a"}, "static", [{"w.$": "States.Format('{}!', $.a)"}]]}, "End": true}}`,
			input:  `{"a": "x"}`, want: `{"list": [{"v": "x"}, "static", [{"w": "x!"}]]}`,
		},
		{
			name:   "reference paths",
			states: `{"S": {"Type": "Pass", "Parameters": {"foo.$": "$.foo", "bar.$": "$.bar", "cdr.$": "$.car.cdr"}, "End": true}}`,
			input:  `{"foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true}}`,
			want:   `{"foo": 123, "bar": ["a", "b", "c"], "cdr": true}`,
		},
	})
}

// From "Specifying state output using ResultPath in Step Functions".
func TestDocsResultPath(t *testing.T) {
	const input = `{"comment": "This is a test of the input and output of a Task state.", "details": "Default example", "who": "AWS Step Functions"}`
	runDocCases(t, []docCase{
		{
			name:   "default replaces the input with the result",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "End": true}}`,
			input:  input, result: `"Hello, AWS Step Functions!"`, want: `"Hello, AWS Step Functions!"`,
		},
		{
			name:   "$ replaces the input with the result",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "ResultPath": "$", "End": true}}`,
			input:  input, result: `"Hello, AWS Step Functions!"`, want: `"Hello, AWS Step Functions!"`,
		},
		{
			name:   "null discards the result and keeps the input",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "ResultPath": null, "End": true}}`,
			input:  input, result: `"Hello, AWS Step Functions!"`, want: input,
		},
		{
			name:   "include the result with the input",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "ResultPath": "$.taskresult", "End": true}}`,
			input:  input, result: `"Hello, AWS Step Functions!"`,
			want: `{"comment": "This is a test of the input and output of a Task state.", "details": "Default example",
				"who": "AWS Step Functions", "taskresult": "Hello, AWS Step Functions!"}`,
		},
		{
			name:   "insert the result into a child node",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "ResultPath": "$.strings.lambdaresult", "End": true}}`,
			input:  `{"comment": "An input comment.", "strings": {"string1": "foo", "string2": "bar", "string3": "baz"}, "who": "AWS Step Functions"}`,
			result: `"Hello, AWS Step Functions!"`,
			want: `{"comment": "An input comment.", "strings": {"string1": "foo", "string2": "bar", "string3": "baz",
				"lambdaresult": "Hello, AWS Step Functions!"}, "who": "AWS Step Functions"}`,
		},
		{
			name:   "update a node in the input",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "ResultPath": "$.comment", "End": true}}`,
			input:  input, result: `"Hello, AWS Step Functions!"`,
			want: `{"comment": "Hello, AWS Step Functions!", "details": "Default example", "who": "AWS Step Functions"}`,
		},
		{
			name:   "missing intermediate objects are created",
			states: `{"S": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b['c d'].e", "End": true}}`,
			input:  `{"x": 0}`, want: `{"x": 0, "a": {"b": {"c d": {"e": 1}}}}`,
		},
		{
			name: "include error and input in a Catch",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "Next": "Done",
				"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "NextTask", "ResultPath": "$.error"}]},
				"NextTask": {"Type": "Pass", "End": true}, "Done": {"Type": "Succeed"}}`,
			// No result: the fake Lambda service has no HelloFunction and fails.
			input: `{"foo": "bar"}`,
			want:  `{"foo": "bar", "error": {"Error": "Lambda.ResourceNotFoundException", "Cause": "Function not found: ` + helloARN + `"}}`,
		},
	})
}

// The documented Catch output has no Cause when the error has none.
func TestDocsCatchErrorWithoutCause(t *testing.T) {
	w := newWorld(t)
	w.lambda.handle(helloARN, func(context.Context, json.RawMessage) (json.RawMessage, error) {
		return nil, &TaskError{Name: "Error here"}
	})
	x := w.run(machine("S", `{"S": {"Type": "Task", "Resource": "`+helloARN+`", "End": true,
		"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "NextTask", "ResultPath": "$.error"}]},
		"NextTask": {"Type": "Pass", "End": true}}`), `{"foo": "bar"}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.JSONEq(t, `{"foo": "bar", "error": {"Error": "Error here"}}`, string(x.Output()))
}

// From "Manipulate parameters in Step Functions workflows" (InputPath, Parameters, ResultSelector).
func TestDocsInputPathParametersResultSelector(t *testing.T) {
	emrResult := `{"resourceType": "elasticmapreduce", "resource": "createCluster.sync",
		"output": {"SdkHttpMetadata": {"HttpHeaders": {"Content-Length": "1112", "Content-Type": "application/x-amz-JSON-1.1",
			"Date": "Mon, 25 Nov 2019 19:41:29 GMT", "x-amzn-RequestId": "1234-5678-9012"}, "HttpStatusCode": 200},
			"SdkResponseMetadata": {"RequestId": "1234-5678-9012"}, "ClusterId": "AKIAIOSFODNN7EXAMPLE"}}`
	runDocCases(t, []docCase{
		{
			name:   "InputPath selects a portion of the input",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `", "InputPath": "$.dataset2", "ResultPath": null, "End": true}}`,
			input:  `{"comment": "Example for InputPath.", "dataset1": {"val1": 1, "val2": 2, "val3": 3}, "dataset2": {"val1": "a", "val2": "b", "val3": "c"}}`,
			result: `{}`, wantPayload: `{"val1": "a", "val2": "b", "val3": "c"}`,
			want: `{"comment": "Example for InputPath.", "dataset1": {"val1": 1, "val2": 2, "val3": 3}, "dataset2": {"val1": "a", "val2": "b", "val3": "c"}}`,
		},
		{
			name: "Parameters key-value pairs",
			states: `{"S": {"Type": "Pass", "Parameters": {"comment": "Selecting what I care about.",
				"MyDetails": {"size.$": "$.product.details.size", "exists.$": "$.product.availability", "StaticValue": "foo"}}, "End": true}}`,
			input: `{"comment": "Example for Parameters.", "product": {"details": {"color": "blue", "size": "small", "material": "cotton"},
				"availability": "in stock", "sku": "2317", "cost": "$23"}}`,
			want: `{"comment": "Selecting what I care about.", "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"}}`,
		},
		{
			name: "ResultSelector picks from the task result",
			states: `{"S": {"Type": "Task", "Resource": "` + helloARN + `",
				"ResultSelector": {"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"},
				"ResultPath": "$.EMROutput", "End": true}}`,
			input: `{"OtherDataFromInput": {}}`, result: emrResult,
			want: `{"OtherDataFromInput": {}, "EMROutput": {"ResourceType": "elasticmapreduce", "ClusterId": "AKIAIOSFODNN7EXAMPLE"}}`,
		},
		{
			name: "ResultSelector flattens an array of arrays",
			states: `{"S": {"Type": "Parallel", "ResultSelector": {"flattenArray.$": "$[*][*]"}, "End": true, "Branches": [
				{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Result": [{"resourceArn": "a1"}, {"resourceArn": "a2"}], "End": true}}},
				{"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Result": [{"resourceArn": "b1"}], "End": true}}}]}}`,
			input: `{}`,
			want:  `{"flattenArray": [{"resourceArn": "a1"}, {"resourceArn": "a2"}, {"resourceArn": "b1"}]}`,
		},
	})
}

// From "Configure output using the ResultSelector, ResultPath, and OutputPath
// filters": lambda:invoke wraps the function output in Payload, and
// ResultSelector parses the body with States.StringToJson.
func TestDocsLambdaInvokeResultSelector(t *testing.T) {
	w := newWorld(t)
	w.lambda.handle("check-identity", returns(`{"statusCode": 200, "body": "{\"approved\":true,\"message\":\"identity validation passed\"}"}`))
	x := w.run(machine("Verify identity", `{"Verify identity": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
		"Parameters": {"FunctionName": "check-identity", "Payload.$": "$"},
		"ResultSelector": {"identity.$": "States.StringToJson($.Payload.body)"}, "End": true}}`), `{"data": {"firstname": "Jane"}}`)
	require.Equal(t, StatusSucceeded, x.Status())
	assert.JSONEq(t, `{"identity": {"approved": true, "message": "identity validation passed"}}`, string(x.Output()))
	calls := w.lambda.log()
	require.Len(t, calls, 1)
	assert.Equal(t, "check-identity", calls[0].function)
	assert.JSONEq(t, `{"data": {"firstname": "Jane"}}`, calls[0].payload)
}

// From "Accessing execution data from the Context object in Step Functions".
func TestDocsContextObject(t *testing.T) {
	t.Run("execution id in Parameters", func(t *testing.T) {
		w := newWorld(t)
		x := w.run(machine("S", `{"S": {"Type": "Pass", "Parameters": {"MessageBody": {"From": "YVR", "To": "SEA", "Execution.$": "$$.Execution.Id"}}, "End": true}}`), `{}`)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"MessageBody": {"From": "YVR", "To": "SEA", "Execution": "`+testInfo.ARN+`"}}`, string(x.Output()))
	})
	t.Run("Map item index and value", func(t *testing.T) {
		w := newWorld(t)
		x := w.run(`{"StartAt": "ExampleMapState", "States": {"ExampleMapState": {"Type": "Map",
			"Parameters": {"ContextIndex.$": "$$.Map.Item.Index", "ContextValue.$": "$$.Map.Item.Value"},
			"Iterator": {"StartAt": "TestPass", "States": {"TestPass": {"Type": "Pass", "End": true}}}, "End": true}}}`,
			`[{"who": "bob"}, {"who": "meg"}, {"who": "joe"}]`)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `[{"ContextValue": {"who": "bob"}, "ContextIndex": 0}, {"ContextValue": {"who": "meg"}, "ContextIndex": 1},
			{"ContextValue": {"who": "joe"}, "ContextIndex": 2}]`, string(x.Output()))
	})
	t.Run("every documented field", func(t *testing.T) {
		w := newWorld(t)
		x := w.start(machine("Wait", `{"Wait": {"Type": "Wait", "Seconds": 90, "Next": "Test"},
			"Test": {"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": true}}`), `{"key": "value"}`)
		w.clk.Advance(time.Hour)
		require.Equal(t, StatusSucceeded, x.Status())
		assert.JSONEq(t, `{"ctx": {
			"Execution": {"Id": "`+testInfo.ARN+`", "Input": {"key": "value"}, "Name": "exec-1", "RoleArn": "`+testInfo.RoleARN+`",
				"StartTime": "2026-11-24T09:00:00.000Z", "RedriveCount": 0},
			"State": {"EnteredTime": "2026-11-24T09:01:30.000Z", "Name": "Test", "RetryCount": 0},
			"StateMachine": {"Id": "`+testInfo.StateMachineARN+`", "Name": "vend"}}}`, string(x.Output()))
	})
}

// From "Intrinsic functions for JSONPath states in Step Functions": every
// example, with its documented input and result.
func TestDocsIntrinsicFunctions(t *testing.T) {
	cases := []struct {
		name, input, params, want string
	}{
		{"States.Format literal", `{"name": "Arnav", "template": "Hello, my name is {}."}`,
			`{"out.$": "States.Format('Hello, my name is {}.', $.name)"}`, `{"out": "Hello, my name is Arnav."}`},
		{"States.Format template from a path", `{"name": "Arnav", "template": "Hello, my name is {}."}`,
			`{"out.$": "States.Format($.template, $.name)"}`, `{"out": "Hello, my name is Arnav."}`},
		{"States.StringToJson", `{"escapedJsonString": "{\"foo\": \"bar\"}"}`,
			`{"out.$": "States.StringToJson($.escapedJsonString)"}`, `{"out": {"foo": "bar"}}`},
		{"States.JsonToString", `{"unescapedJson": {"foo": "bar"}}`,
			`{"out.$": "States.JsonToString($.unescapedJson)"}`, `{"out": "{\"foo\":\"bar\"}"}`},
		{"States.Array", `{"Id": 123456}`, `{"BuildId.$": "States.Array($.Id)"}`, `{"BuildId": [123456]}`},
		{"States.ArrayPartition", `{"inputArray": [1,2,3,4,5,6,7,8,9]}`,
			`{"inputArray.$": "States.ArrayPartition($.inputArray,4)"}`, `{"inputArray": [[1,2,3,4], [5,6,7,8], [9]]}`},
		{"States.ArrayContains", `{"inputArray": [1,2,3,4,5,6,7,8,9], "lookingFor": 5}`,
			`{"contains.$": "States.ArrayContains($.inputArray, $.lookingFor)"}`, `{"contains": true}`},
		{"States.ArrayRange", `{}`, `{"array.$": "States.ArrayRange(1, 9, 2)"}`, `{"array": [1,3,5,7,9]}`},
		{"States.ArrayGetItem", `{"inputArray": [1,2,3,4,5,6,7,8,9], "index": 5}`,
			`{"item.$": "States.ArrayGetItem($.inputArray, $.index)"}`, `{"item": 6}`},
		{"States.ArrayLength", `{"inputArray": [1,2,3,4,5,6,7,8,9]}`,
			`{"length.$": "States.ArrayLength($.inputArray)"}`, `{"length": 9}`},
		{"States.ArrayUnique", `{"inputArray": [1,2,3,3,3,3,3,3,4]}`,
			`{"array.$": "States.ArrayUnique($.inputArray)"}`, `{"array": [1,2,3,4]}`},
		{"States.Base64Encode", `{"input": "Data to encode"}`,
			`{"base64.$": "States.Base64Encode($.input)"}`, `{"base64": "RGF0YSB0byBlbmNvZGU="}`},
		// The guide prints "Decoded data" here; the Base64 text decodes to "Data to encode".
		{"States.Base64Decode", `{"base64": "RGF0YSB0byBlbmNvZGU="}`,
			`{"data.$": "States.Base64Decode($.base64)"}`, `{"data": "Data to encode"}`},
		// The guide prints the SHA-1 with one digit missing (39 characters).
		{"States.Hash", `{"Data": "input data", "Algorithm": "SHA-1"}`,
			`{"output.$": "States.Hash($.Data, $.Algorithm)"}`, `{"output": "aaff4a450a104cd177d28d18d74485e8cae074b7"}`},
		{"States.JsonMerge", `{"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}}`,
			`{"output.$": "States.JsonMerge($.json1, $.json2, false)"}`, `{"output": {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}}`},
		{"States.MathAdd", `{"value1": 111, "step": -1}`,
			`{"value1.$": "States.MathAdd($.value1, $.step)"}`, `{"value1": 110}`},
		{"States.StringSplit one delimiter", `{"inputString": "1,2,3,4,5", "splitter": ","}`,
			`{"array.$": "States.StringSplit($.inputString, $.splitter)"}`, `{"array": ["1","2","3","4","5"]}`},
		{"States.StringSplit several delimiters", `{"inputString": "This.is+a,test=string", "splitter": ".+,="}`,
			`{"myStringArray.$": "States.StringSplit($.inputString, $.splitter)"}`, `{"myStringArray": ["This","is","a","test","string"]}`},
		// The guide's nine-function example, with as many {} as values: as
		// printed ('{}.{}.{}' with two values) Parse refuses it, see below.
		{"nested functions", `{"ImageRecipe": {"Arn": "arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.0.0"}}`,
			`{"myArn.$": "States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))"}`,
			`{"myArn": "1.0"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			x := w.run(machine("S", `{"S": {"Type": "Pass", "Parameters": `+tc.params+`, "End": true}}`), tc.input)
			name, cause := x.Error()
			require.Equal(t, StatusSucceeded, x.Status(), "error %s: %s", name, cause)
			assert.JSONEq(t, tc.want, string(x.Output()))
		})
	}
	t.Run("nine nested functions as printed", func(t *testing.T) {
		_, err := Parse([]byte(machine("S", `{"S": {"Type": "Pass", "End": true, "Parameters": {"myArn.$": "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.ImageRecipe.Arn, '/'), 2), '.'), 1))"}}}`)))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the template has 3 {} placeholders but 2 values follow it")
	})
}

// From "Choice workflow state": with {"type": "Private", "value": 22} the
// example transitions to ValueInTwenties.
func TestDocsChoiceExample(t *testing.T) {
	states := `{
		"ChoiceStateX": {"Type": "Choice", "Choices": [
			{"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
			{"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
			{"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}], "Next": "ValueInTwenties"}
		], "Default": "DefaultState"},
		"Public": {"Type": "Pass", "Result": "Public", "End": true},
		"ValueIsZero": {"Type": "Pass", "Result": "ValueIsZero", "End": true},
		"ValueInTwenties": {"Type": "Pass", "Result": "ValueInTwenties", "End": true},
		"DefaultState": {"Type": "Fail", "Cause": "No Matches!"}}`
	cases := []struct{ input, want string }{
		{`{"type": "Private", "value": 22}`, `"ValueInTwenties"`},
		{`{"type": "Public", "value": 22}`, `"Public"`},
		{`{"type": "Private", "value": 0}`, `"ValueIsZero"`},
	}
	for _, tc := range cases {
		t.Run(tc.input, func(t *testing.T) {
			x := newWorld(t).run(machine("ChoiceStateX", states), tc.input)
			require.Equal(t, StatusSucceeded, x.Status())
			assert.JSONEq(t, tc.want, string(x.Output()))
		})
	}
	t.Run("no match goes to Default", func(t *testing.T) {
		x := newWorld(t).run(machine("ChoiceStateX", states), `{"type": "Private", "value": 42}`)
		assert.Equal(t, StatusFailed, x.Status())
		_, cause := x.Error()
		assert.Equal(t, "No Matches!", cause)
	})
	t.Run("the Variable must exist", func(t *testing.T) {
		x := newWorld(t).run(machine("ChoiceStateX", states), `{"value": 22}`)
		assert.Equal(t, StatusFailed, x.Status())
		name, cause := x.Error()
		assert.Equal(t, ErrorRuntime, name)
		assert.Contains(t, cause, "$.type")
	})
}
