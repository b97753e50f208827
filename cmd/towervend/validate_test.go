package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const notPermitted = "../../events/requests/12-not-permitted.json"

// Offline, validate cannot see IAM Identity Center: it says so for a named
// requester, and refuses a request that names nobody.
func TestValidateRequesterOffline(t *testing.T) {
	code, out, _ := runCLI(t, "validate", notPermitted)
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, `note: requester.by "maria.garcia@northwind.example" must be a member of AWSAccountFactory to create accounts (policy.requesters.default); `+
		"group membership is in IAM Identity Center, so it was not checked offline")

	nobody := filepath.Join(t.TempDir(), "nobody.json")
	require.NoError(t, os.WriteFile(nobody, []byte(`{"requestId": "CHG77", "action": "close", "account": {"id": "941506978324"}}`), 0o600))
	code, out, _ = runCLI(t, "validate", nobody)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "requester.by: is required: only members of AWSAccountFactory may close accounts (policy.requesters.default)")
}

// Against a world, validate gives the refusal the validate step gives, and
// lets members through without a note.
func TestValidateRequesterAgainstAWorld(t *testing.T) {
	code, out, _ := runCLI(t, "validate", "--world", "default", "--json", notPermitted, "../../events/requests/01-create.json")
	assert.Equal(t, 1, code)
	var res []validation
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	require.Len(t, res, 2)
	require.False(t, res[0].Valid)
	require.Len(t, res[0].Problems, 1)
	p := res[0].Problems[0]
	assert.Equal(t, "requester.by", p.Field)
	assert.Equal(t, "maria.garcia@northwind.example", p.Value)
	assert.Equal(t, "maria.garcia@northwind.example may not create accounts: only members of AWSAccountFactory may (policy.requesters.default), and maria.garcia@northwind.example is in none of them", p.Message)
	assert.Equal(t, "ask a member of AWSAccountFactory to make the request, or add maria.garcia@northwind.example to AWSAccountFactory in IAM Identity Center", p.Fix)
	assert.True(t, res[1].Valid, "raj.patel is in AWSAccountFactory: %+v", res[1])
	assert.Empty(t, res[1].Notes)

	// A world file of one's own: here nobody is in the group.
	b, err := os.ReadFile("../../internal/awssim/world/default.json")
	require.NoError(t, err)
	var w map[string]any
	require.NoError(t, json.Unmarshal(b, &w))
	ic := w["identityCenter"].(map[string]any)
	var groups []any
	for _, g := range ic["groups"].([]any) {
		if g.(map[string]any)["displayName"] != "AWSAccountFactory" {
			groups = append(groups, g)
		}
	}
	ic["groups"] = groups
	file := filepath.Join(t.TempDir(), "world.json")
	b, err = json.Marshal(w)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, b, 0o600))
	code, out, _ = runCLI(t, "validate", "--world", file, "../../events/requests/01-create.json")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "the policy names AWSAccountFactory, which IAM Identity Center does not have")

	code, _, stderr := runCLI(t, "validate", "--world", filepath.Join(t.TempDir(), "missing.json"), notPermitted)
	assert.NotEqual(t, 0, code)
	assert.NotEmpty(t, stderr, "a world that cannot be read is an error")
}
