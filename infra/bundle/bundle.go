// Package bundle builds towervend's Lambda functions for the stack: every
// functions/<name> main package compiled for provided.al2023 on arm64, one
// directory per function holding `bootstrap` and the policy as policy.json.
//
// The infra program builds at synth time, so `cdk synth` can never package a
// stale or missing binary: the asset is whatever the source says now.
//
// It may import internal/vend (the policy file name) and the standard library.
package bundle

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/towervend/towervend/internal/vend"
)

// Options say what to build and where.
type Options struct {
	// Root is the repository root (the directory holding go.mod and functions/).
	Root string
	// OutDir receives one directory per function; it must exist.
	OutDir string
	// PolicyFile is copied into every function as policy.json (relative to Root unless absolute).
	PolicyFile string
	// Go is the go command (default "go").
	Go string
}

// Functions builds every function under Root/functions and returns each
// function's asset directory by name. One `go build` compiles them all, so the
// shared packages are compiled once.
func Functions(ctx context.Context, o Options) (map[string]string, error) {
	names, err := functionNames(o.Root)
	if err != nil {
		return nil, err
	}
	policy, err := os.ReadFile(resolve(o.Root, o.PolicyFile))
	if err != nil {
		return nil, fmt.Errorf("read the policy to bundle: %w", err)
	}
	bin := filepath.Join(o.OutDir, ".bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return nil, fmt.Errorf("create build directory: %w", err)
	}
	goCmd := o.Go
	if goCmd == "" {
		goCmd = "go"
	}
	// -trimpath and -buildvcs=false keep the binaries byte-identical across
	// machines and checkouts, so an unchanged function keeps its asset hash and
	// CloudFormation does not redeploy it.
	cmd := exec.CommandContext(ctx, goCmd, "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w", "-o", bin+string(filepath.Separator), "./functions/...")
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build the Lambda functions (%s): %w\n%s", cmd.String(), err, out.String())
	}
	dirs := make(map[string]string, len(names))
	for _, name := range names {
		dir := filepath.Join(o.OutDir, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
		if err := os.Rename(filepath.Join(bin, name), filepath.Join(dir, "bootstrap")); err != nil {
			return nil, fmt.Errorf("place the %s binary: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, vend.DefaultPolicyFile), policy, 0o644); err != nil {
			return nil, fmt.Errorf("bundle the policy with %s: %w", name, err)
		}
		dirs[name] = dir
	}
	if err := os.RemoveAll(bin); err != nil {
		return nil, fmt.Errorf("clean up %s: %w", bin, err)
	}
	return dirs, nil
}

// functionNames lists the directories under functions/ that hold a main.go.
func functionNames(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, fmt.Errorf("list the functions: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "functions", e.Name(), "main.go")); err == nil {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no functions under %s", filepath.Join(root, "functions"))
	}
	sort.Strings(names)
	return names, nil
}

func resolve(root, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(root, p)
}
