// Command infra is towervend's CDK app (cdk.json runs it): configuration from
// the CDK context, checked; the Lambda functions built from source; the stacks;
// synth. See infra/README.md.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/towervend/towervend/infra/bundle"
	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/infra/stack"
)

func main() {
	err := run(context.Background())
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	// The CDK CLI runs the app from the directory holding cdk.json: the repository root.
	root, err := os.Getwd()
	if err != nil {
		return fmt.Errorf("find the repository root: %w", err)
	}
	app := awscdk.NewApp(nil)
	cfg, err := config.Load(contextLookup(app), func(p string) ([]byte, error) {
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		return os.ReadFile(p)
	})
	if err != nil {
		return err
	}
	out, err := os.MkdirTemp("", "towervend-functions-")
	if err != nil {
		return fmt.Errorf("create the build directory: %w", err)
	}
	// Synth copies each asset into cdk.out, so the build directory can go.
	defer os.RemoveAll(out)
	assets, err := bundle.Functions(ctx, bundle.Options{Root: root, OutDir: out, PolicyFile: cfg.PolicyFile})
	if err != nil {
		return err
	}
	if _, err := stack.New(app, stack.Props{Config: cfg, Functions: assets}); err != nil {
		return err
	}
	app.Synth(nil)
	return nil
}

// contextLookup reads a context value as plain JSON values (string, float64,
// []any, map[string]any), whatever form jsii hands it over in.
func contextLookup(app awscdk.App) func(string) any {
	return func(key string) any {
		v := app.Node().TryGetContext(jsii.String(key))
		if v == nil {
			return nil
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		var plain any
		if err := json.Unmarshal(b, &plain); err != nil {
			return fmt.Sprint(v)
		}
		return plain
	}
}
