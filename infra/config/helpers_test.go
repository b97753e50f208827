package config_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// contextOf returns the "context" object of a cdk.json file.
func contextOf(t *testing.T, cdkJSON []byte) map[string]any {
	t.Helper()
	var f struct {
		Context map[string]any `json:"context"`
	}
	require.NoError(t, json.Unmarshal(cdkJSON, &f))
	require.NotEmpty(t, f.Context, "cdk.json has a context")
	return f.Context
}
