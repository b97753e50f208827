package stack_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/towervend/towervend/internal/deploy"
)

// The settings the local runtime describes its functions with (deploy's)
// are the ones the stack deploys them with.
func TestFunctionsAreDeployedWithDeploysSettings(t *testing.T) {
	m := synth(t, loadConfig(t, nil), nil).home
	for _, f := range deploy.Functions {
		p := m.props(m.functionID(t, f.Name))
		assert.Equal(t, deploy.FunctionRuntime, p["Runtime"], f.Name)
		assert.Equal(t, deploy.FunctionHandler, p["Handler"], f.Name)
		assert.Equal(t, []any{deploy.FunctionArchitecture}, p["Architectures"], f.Name)
		assert.Equal(t, map[string]any{"Mode": deploy.FunctionTracing}, p["TracingConfig"], f.Name)
		assert.Equal(t, f.DeployedDescription(), p["Description"], f.Name)
	}
}
