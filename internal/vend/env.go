package vend

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/towervend/towervend/internal/clock"
	"github.com/towervend/towervend/internal/policy"
)

// DefaultPolicyFile is where the stack puts the policy, next to the function's binary.
const DefaultPolicyFile = "policy.json"

// FromEnvironment builds Deps for a Lambda function: AWS configuration from the
// standard chain, towervend's settings from TOWERVEND_* variables and the
// policy file the stack bundled.
func FromEnvironment(ctx context.Context) (*Deps, error) {
	conf, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	path := os.Getenv(EnvPolicyFile)
	if path == "" {
		path = DefaultPolicyFile
	}
	pol, err := LoadPolicy(path)
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	return NewDeps(cfg, pol, conf, clock.NewReal(1), log, ClientOptions{}), nil
}

// LoadPolicy reads and checks a policy file.
func LoadPolicy(path string) (*policy.Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	pol, err := policy.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return pol, nil
}
