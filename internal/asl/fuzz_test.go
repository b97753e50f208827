package asl

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/towervend/towervend/internal/clock"
)

// FuzzParse checks that any definition and input give an error or a finished
// execution, never a panic: Parse must refuse what it cannot run, and what it
// accepts must run to a final status.
func FuzzParse(f *testing.F) {
	seeds := []struct{ def, input string }{
		{machine("P", `{"P": {"Type": "Pass", "Parameters": {"a.$": "States.Format('{}', $.x)"}, "End": true}}`), `{"x": 1}`},
		{machine("C", `{"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericLessThanPath": "$.m", "Next": "W"}], "Default": "F"},
			"W": {"Type": "Wait", "SecondsPath": "$.n", "Next": "S"}, "S": {"Type": "Succeed"}, "F": {"Type": "Fail", "ErrorPath": "$.e"}}`), `{"n": 1, "m": 2}`},
		{machine("M", `{"M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"i.$": "$$.Map.Item.Index"},
			"ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "f", "Payload.$": "$"}, "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": true}}}, "End": true}}`), `{"items": [1, 2]}`},
		{machine("P", `{"P": {"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": [1], "ResultPath": "$.r[0]", "End": true}}}], "End": true}}`), `{"r": [0]}`},
		{`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}}`, `null`},
		{`{"QueryLanguage": "JSONata", "StartAt": "A", "States": {}}`, `{}`},
	}
	for _, s := range seeds {
		f.Add(s.def, s.input)
	}
	f.Fuzz(func(t *testing.T, def, input string) {
		m, err := Parse([]byte(def))
		if err != nil {
			if strings.Contains(err.Error(), "internal error") {
				t.Fatalf("Parse panicked: %v", err)
			}
			return
		}
		clk := clock.NewVirtual(epoch, 0)
		e := &Engine{Clock: clk, Rand: rand.New(rand.NewPCG(1, 1)),
			Invoker: InvokerFunc(func(_ context.Context, _ string, p json.RawMessage) (json.RawMessage, error) { return p, nil })}
		x, err := e.Start(context.Background(), m, testInfo, json.RawMessage(input))
		if err != nil {
			return
		}
		clk.Advance(5 * 366 * 24 * time.Hour)
		if x.Status() == StatusRunning {
			// Only a Wait longer than five years can still be running.
			return
		}
		if name, cause := x.Error(); strings.Contains(cause, "internal error") {
			t.Fatalf("the engine panicked: %s: %s", name, cause)
		}
	})
}

// FuzzIntrinsic evaluates arbitrary intrinsic function text outside the
// runner's safety net, so a panic in the parser or a function shows.
func FuzzIntrinsic(f *testing.F) {
	for _, s := range []string{
		`States.Format('{} and \{\}', $.a)`, `States.ArrayRange(1, $.n, 0.6)`, `States.ArrayPartition($.list, 2)`,
		`States.JsonMerge($.o, States.StringToJson('{"b":1}'), false)`, `States.Hash($.a, 'SHA-512')`, `States.MathRandom(0, 10, 3)`,
		`States.Base64Decode(States.Base64Encode($.a))`, `States.StringSplit($.a, ', ')`, `States.ArrayGetItem($.list[?(@ > 1)], 0)`,
	} {
		f.Add(s)
	}
	input := map[string]any{"a": "text", "n": int64(5), "list": []any{int64(1), int64(2), int64(3)}, "o": map[string]any{"a": 1.5}}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := parseIntrinsic(expr)
		if err != nil {
			return
		}
		env := &evalEnv{input: input, rand: &lockedRand{r: rand.New(rand.NewPCG(1, 1))}, ctxFn: func() any { return map[string]any{} }}
		_, _ = c.eval(env)
	})
}
