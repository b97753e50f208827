package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type doc struct {
	name string
	id   string
	raw  []byte
}

func docs() []doc {
	return []doc{{"request", RequestID, Request}, {"policy", PolicyID, Policy}, {"notification", NotificationID, Notification}}
}

// compile compiles every schema (each is checked against the draft 2020-12 metaschema).
func compile(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	for _, d := range docs() {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(d.raw))
		require.NoError(t, err, d.name)
		require.NoError(t, c.AddResource(d.id, v), d.name)
	}
	out := map[string]*jsonschema.Schema{}
	for _, d := range docs() {
		sch, err := c.Compile(d.id)
		require.NoError(t, err, d.name)
		out[d.name] = sch
	}
	return out
}

func unmarshal(t *testing.T, s string) any {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(s)))
	require.NoError(t, err)
	return v
}

func TestSchemasCompileAndCarryTheirIDs(t *testing.T) {
	compile(t)
	for _, d := range docs() {
		var head struct {
			Schema string `json:"$schema"`
			ID     string `json:"$id"`
		}
		require.NoError(t, json.Unmarshal(d.raw, &head), d.name)
		assert.Equal(t, "https://json-schema.org/draft/2020-12/schema", head.Schema, d.name)
		assert.Equal(t, d.id, head.ID, d.name)
	}
}

func TestSchemaExamplesAreValid(t *testing.T) {
	schemas := compile(t)
	for _, d := range docs() {
		var top struct {
			Examples []json.RawMessage `json:"examples"`
		}
		require.NoError(t, json.Unmarshal(d.raw, &top))
		for i, ex := range top.Examples {
			t.Run(fmt.Sprintf("%s/%d", d.name, i), func(t *testing.T) {
				assert.NoError(t, schemas[d.name].Validate(unmarshal(t, string(ex))))
			})
		}
	}
}

func TestDefaultPolicyIsValid(t *testing.T) {
	b, err := os.ReadFile("../internal/policy/default.json")
	require.NoError(t, err)
	assert.NoError(t, compile(t)["policy"].Validate(unmarshal(t, string(b))))
}

func TestNotificationRules(t *testing.T) {
	sch := compile(t)["notification"]
	tests := []struct {
		name  string
		event string
		valid bool
	}{
		{"accepted", `{"requestId":"CHG1","action":"create","state":"accepted","time":"2026-05-04T09:30:00Z"}`, true},
		{"rejected body without request id", `{"state":"rejected","reason":"not JSON","problems":[{"field":"request","message":"is not valid JSON"}],"time":"2026-05-04T09:30:00Z"}`, true},
		{"rejected needs problems", `{"requestId":"CHG1","state":"rejected","time":"2026-05-04T09:30:00Z"}`, false},
		{"failed needs reason and step", `{"requestId":"CHG1","state":"failed","reason":"x","time":"2026-05-04T09:30:00Z"}`, false},
		{"failed", `{"requestId":"CHG1","state":"failed","reason":"x","failedStep":"ProvisionProduct","time":"2026-05-04T09:30:00Z"}`, true},
		{"unknown state", `{"state":"done","time":"2026-05-04T09:30:00Z"}`, false},
		{"unknown field", `{"state":"accepted","time":"2026-05-04T09:30:00Z","extra":1}`, false},
		{"no time", `{"state":"accepted"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := sch.Validate(unmarshal(t, tt.event))
			if tt.valid {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

// TestAnnotationsNameTheirKeywords catches an x-message or x-fix keyed by a
// keyword that is not in the same schema object, whose text would never be shown.
func TestAnnotationsNameTheirKeywords(t *testing.T) {
	for _, d := range docs() {
		var v any
		require.NoError(t, json.Unmarshal(d.raw, &v))
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for _, ann := range []string{"x-message", "x-fix"} {
					byKeyword, ok := v[ann].(map[string]any)
					if !ok {
						continue
					}
					for kw := range byKeyword {
						_, present := v[kw]
						assert.True(t, present, "%s %s%s names %q, which that object does not use", d.name, path, ann, kw)
					}
				}
				for k, child := range v {
					if !slices.Contains([]string{"x-message", "x-fix", "examples"}, k) {
						walk(path+k+"/", child)
					}
				}
			case []any:
				for i, child := range v {
					walk(fmt.Sprintf("%s%d/", path, i), child)
				}
			}
		}
		walk("#/", v)
	}
}
