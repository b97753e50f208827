package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/infra/bundle"
)

// fakeGo stands in for the go command: it records its arguments and
// environment and writes one "binary" per function into the -o directory, so
// the test checks what bundle asks for without compiling anything (the stack
// tests build the real functions).
const fakeGo = `#!/bin/sh
echo "$@" > "$RECORD"
env | grep -E '^(GOOS|GOARCH|CGO_ENABLED)=' | sort >> "$RECORD"
out=""
prev=""
for a in "$@"; do
  if [ "$prev" = "-o" ]; then out="$a"; fi
  prev="$a"
done
for d in functions/*/main.go; do
  n=$(basename "$(dirname "$d")")
  printf 'binary %s' "$n" > "$out$n"
done
`

// repo makes a repository with the given functions and a policy file.
func repo(t *testing.T, functions ...string) string {
	t.Helper()
	root := t.TempDir()
	for _, f := range functions {
		require.NoError(t, os.MkdirAll(filepath.Join(root, "functions", f), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, "functions", f, "main.go"), []byte("package main\n"), 0o644))
	}
	// A directory without main.go is not a function.
	require.NoError(t, os.MkdirAll(filepath.Join(root, "functions", "testdata"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "internal", "policy"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "internal", "policy", "default.json"), []byte(`{"organizationalUnits":["Sandbox"]}`), 0o644))
	return root
}

func fakeGoCommand(t *testing.T) (cmd, record string) {
	t.Helper()
	dir := t.TempDir()
	cmd = filepath.Join(dir, "go")
	require.NoError(t, os.WriteFile(cmd, []byte(fakeGo), 0o755))
	record = filepath.Join(dir, "record")
	t.Setenv("RECORD", record)
	return cmd, record
}

func TestFunctionsBuildsEveryFunctionForLambda(t *testing.T) {
	root := repo(t, "validate", "intake")
	goCmd, record := fakeGoCommand(t)
	out := t.TempDir()

	dirs, err := bundle.Functions(context.Background(), bundle.Options{Root: root, OutDir: out, PolicyFile: "internal/policy/default.json", Go: goCmd})
	require.NoError(t, err)

	assert.Equal(t, map[string]string{"intake": filepath.Join(out, "intake"), "validate": filepath.Join(out, "validate")}, dirs)
	for name, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "bootstrap"))
		require.NoError(t, err)
		assert.Equal(t, "binary "+name, string(b), "the function's own binary is its bootstrap")
		p, err := os.ReadFile(filepath.Join(dir, "policy.json"))
		require.NoError(t, err)
		assert.JSONEq(t, `{"organizationalUnits":["Sandbox"]}`, string(p), "the policy sits beside bootstrap")
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "nothing but the function directories is left")

	rec, err := os.ReadFile(record)
	require.NoError(t, err)
	got := string(rec)
	for _, want := range []string{"build -trimpath -buildvcs=false -tags lambda.norpc -ldflags -s -w -o ", "./functions/...",
		"CGO_ENABLED=0", "GOARCH=arm64", "GOOS=linux"} {
		assert.Contains(t, got, want)
	}
}

func TestFunctionsErrors(t *testing.T) {
	goCmd, _ := fakeGoCommand(t)
	tests := []struct {
		name   string
		root   func(t *testing.T) string
		policy string
		goCmd  string
		want   string
	}{
		{"no functions", func(t *testing.T) string { return repo(t) }, "internal/policy/default.json", goCmd, "no functions under"},
		{"no policy", func(t *testing.T) string { return repo(t, "tag") }, "config/missing.json", goCmd, "read the policy to bundle"},
		{"build fails", func(t *testing.T) string { return repo(t, "tag") }, "internal/policy/default.json", "false", "build the Lambda functions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bundle.Functions(context.Background(), bundle.Options{Root: tt.root(t), OutDir: t.TempDir(), PolicyFile: tt.policy, Go: tt.goCmd})
			require.Error(t, err)
			assert.True(t, strings.Contains(err.Error(), tt.want), "%q does not mention %q", err.Error(), tt.want)
		})
	}
}
