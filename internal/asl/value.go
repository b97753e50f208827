package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// Values flowing through an execution are plain Go JSON values: map[string]any,
// []any, string, bool, nil, and numbers as int64 (integral and in range) or
// float64. The jp package evaluates JSONPath on exactly these types. Values are
// never mutated once built: every transformation (ResultPath, JsonMerge, ...)
// copies what it changes, so a value can be shared between states, the history
// and the context object without defensive copies.

// maxPayload is Step Functions' 256 KiB limit on a state's input or output.
const maxPayload = 256 * 1024

// decodeJSON parses one JSON text into a value, keeping integers exact.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return normalize(v)
}

// normalize replaces json.Number by int64 or float64, in place (v is fresh from the decoder).
func normalize(v any) (any, error) {
	switch t := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("number %s is out of range", t)
		}
		return f, nil
	case map[string]any:
		for k, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[k] = n
		}
	case []any:
		for i, e := range t {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			t[i] = n
		}
	}
	return v, nil
}

// encodeJSON renders a value as compact JSON with object keys sorted, without
// HTML escaping (Step Functions shows "<" as is).
func encodeJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	// A copy of exactly the encoding's size: histories keep payloads, and the
	// buffer's spare capacity (up to as much again) would be kept with them.
	return bytes.Clone(bytes.TrimRight(buf.Bytes(), "\n")), nil
}

// mustJSON renders a value known to be encodable (built from decoded JSON).
func mustJSON(v any) string {
	b, err := encodeJSON(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	return string(b)
}

// toFloat reports a JSON number as float64.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

// toInteger accepts an integral JSON number (1 or 1.0).
func toInteger(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<62 {
			return int64(n), true
		}
	}
	return 0, false
}

// jsonEqual compares two values structurally; numbers compare by value (1 == 1.0).
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case int64, float64:
		if p, ok := x.(int64); ok {
			if q, ok := b.(int64); ok {
				return p == q
			}
		}
		f, _ := toFloat(x)
		g, ok := toFloat(b)
		return ok && f == g
	default:
		return a == b
	}
}

// typeName names a value's JSON type for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64, float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
