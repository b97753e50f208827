package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `towervend local --scenario FILE --json` prints every step and expectation
// with its actual value, the requests and the notifications, and exits 0
// when every expectation held.
func TestLocalScenarioJSON(t *testing.T) {
	code, out, stderr := runCLI(t, "local", "--scenario", "../../events/scenarios/01-create-then-update.json", "--json")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		Passed bool `json:"passed"`
		Steps  []struct {
			Step    int    `json:"step"`
			Kind    string `json:"kind"`
			Status  string `json:"status"`
			Elapsed string `json:"elapsed"`
		} `json:"steps"`
		Expectations []struct {
			What, Expected, Actual string
			Pass                   bool
		} `json:"expectations"`
		Requests      []map[string]any `json:"requests"`
		Notifications []map[string]any `json:"notifications"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc), "stdout is only JSON")
	assert.True(t, doc.Passed)
	require.Len(t, doc.Steps, 4)
	assert.Equal(t, "submit", doc.Steps[0].Kind)
	assert.Equal(t, "0s", doc.Steps[0].Elapsed)
	for _, s := range doc.Steps {
		assert.Equal(t, "done", s.Status)
	}
	require.NotEmpty(t, doc.Expectations)
	for _, e := range doc.Expectations {
		assert.True(t, e.Pass, e.What)
		assert.Equal(t, e.Expected, e.Actual, e.What)
	}
	require.Len(t, doc.Requests, 2)
	assert.Equal(t, doc.Requests[0]["accountId"], doc.Requests[1]["accountId"], "the update found the created account by reference")
	assert.NotEmpty(t, doc.Notifications)
}

// A failing expectation is printed with expected and actual and exits 1; a
// bad scenario file exits 2 naming the step and the field.
func TestLocalScenarioFailures(t *testing.T) {
	dir := t.TempDir()
	failing := filepath.Join(dir, "failing.json")
	require.NoError(t, os.WriteFile(failing, []byte(`{"steps": [
	  {"at": "1m", "aws": {"tagResource": {"account": "941506978324", "tags": {"Team": "blue"}}}},
	  {"after": {"delay": "1m"}, "expect": {"account": "941506978324", "tags": {"Team": "red"}, "organizationalUnit": "Sandbox"}}]}`), 0o600))
	code, out, stderr := runCLI(t, "local", "--scenario", failing)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "step 1: aws tagResource 941506978324 {\"Team\":\"blue\"}")
	assert.Contains(t, out, `FAIL  step 2: account 941506978324 tag Team: expected "red", got "blue"`)
	assert.Contains(t, out, "PASS  step 2: account 941506978324 organizationalUnit: Sandbox")
	assert.Contains(t, out, "1 of 2 expectations passed; the scenario FAILED.")
	assert.Contains(t, stderr, "failed: 1 problem(s), listed above")

	code, out, stderr = runCLI(t, "local", "--scenario", failing, "--json")
	assert.Equal(t, 1, code)
	assert.True(t, json.Valid([]byte(out)), "stdout is only JSON")
	assert.Contains(t, stderr, `step 2: account 941506978324 tag Team: expected "red", got "blue"`)

	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"steps": [{"at": "soon", "fault": {}}]}`), 0o600))
	code, _, stderr = runCLI(t, "local", "--scenario", bad)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `step 1.at: "soon" is not a duration; write one like "90m"`)

	code, _, stderr = runCLI(t, "local", "--scenario", failing, "--requests", "../../events/requests")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "drop --requests")
}
