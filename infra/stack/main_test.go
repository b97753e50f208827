package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/infra/bundle"
	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/infra/stack"
)

// The function binaries are built once per test process (one `go build` of
// every function) and every synth in this package uses them.
var (
	repoRoot string
	assets   map[string]string
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	repoRoot = filepath.Join(wd, "..", "..")
	out, err := os.MkdirTemp("", "towervend-stack-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(out)
	assets, err = bundle.Functions(context.Background(), bundle.Options{Root: repoRoot, OutDir: out, PolicyFile: config.DefaultPolicyFile})
	if err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// exampleContext is the working example configuration in cdk.json.
func exampleContext(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "cdk.json"))
	require.NoError(t, err)
	var f struct {
		Context map[string]any `json:"context"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	return f.Context
}

// loadConfig is cdk.json's example with some keys changed.
func loadConfig(t *testing.T, set map[string]any) config.Config {
	t.Helper()
	ctx := exampleContext(t)
	for k, v := range set {
		ctx[k] = v
	}
	cfg, err := config.Load(func(k string) any { return ctx[k] }, func(p string) ([]byte, error) {
		return os.ReadFile(filepath.Join(repoRoot, p))
	})
	require.NoError(t, err)
	return cfg
}

// synthesized is one synth of the app.
type synthesized struct {
	stacks    *stack.Stacks
	home      tmpl
	forwarder tmpl // nil without a forwarder stack
}

// synth builds the app for cfg; extend may add constructs before synthesis.
func synth(t *testing.T, cfg config.Config, extend func(*stack.Stacks)) synthesized {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir: jsii.String(t.TempDir()),
		// The assets are hashed but not copied: the tests read templates only.
		Context: &map[string]any{"aws:cdk:disable-asset-staging": true},
	})
	s, err := stack.New(app, stack.Props{Config: cfg, Functions: assets})
	require.NoError(t, err)
	if extend != nil {
		extend(s)
	}
	out := synthesized{stacks: s, home: toTmpl(assertions.Template_FromStack(s.Home, nil))}
	if s.Forwarder != nil {
		out.forwarder = toTmpl(assertions.Template_FromStack(s.Forwarder, nil))
	}
	return out
}

// tmpl is a synthesized CloudFormation template as plain JSON values.
type tmpl map[string]any

func toTmpl(t assertions.Template) tmpl {
	b, err := json.Marshal(t.ToJSON())
	if err != nil {
		panic(err)
	}
	var m tmpl
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// resources returns the resources of a type by logical id.
func (m tmpl) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range m["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// props returns the properties of the resource with that logical id.
func (m tmpl) props(id string) map[string]any {
	r := m["Resources"].(map[string]any)[id].(map[string]any)
	p, _ := r["Properties"].(map[string]any)
	return p
}

// functionID finds the logical id of a function by name (constructs "Fn-<name>").
func (m tmpl) functionID(t *testing.T, name string) string {
	t.Helper()
	re := regexp.MustCompile("^Fn" + name + "[0-9A-F]{8}$")
	for id := range m.resources("AWS::Lambda::Function") {
		if re.MatchString(id) {
			return id
		}
	}
	t.Fatalf("no function %q", name)
	return ""
}

// roleID finds the logical id of a function's role.
func (m tmpl) roleID(t *testing.T, name string) string {
	t.Helper()
	role := m.props(m.functionID(t, name))["Role"].(map[string]any)["Fn::GetAtt"].([]any)
	return role[0].(string)
}

// statements returns the statements of every AWS::IAM::Policy attached to a role.
func (m tmpl) statements(roleID string) []map[string]any {
	var out []map[string]any
	for _, p := range m.resources("AWS::IAM::Policy") {
		props := p["Properties"].(map[string]any)
		attached := false
		for _, r := range props["Roles"].([]any) {
			if ref, ok := r.(map[string]any)["Ref"]; ok && ref == roleID {
				attached = true
			}
		}
		if !attached {
			continue
		}
		for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	return out
}

// strs turns a string or list of strings into a sorted []string; other
// values (tokens) are rendered as JSON.
func strs(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		out = []string{t}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			} else {
				b, _ := json.Marshal(e)
				out = append(out, string(b))
			}
		}
	default:
		b, _ := json.Marshal(t)
		out = []string{string(b)}
	}
	sort.Strings(out)
	return out
}

func getAtt(id string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, "Arn"}} }

// newApp is an app for tests that synthesize nothing.
func newApp(t *testing.T) awscdk.App {
	t.Helper()
	return awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
}

// messages renders synthesis messages (cdk-nag findings) for a failure message.
func messages(msgs *[]*cxapi.SynthesisMessage) []string {
	var out []string
	if msgs == nil {
		return out
	}
	for _, m := range *msgs {
		b, _ := json.Marshal(m.Entry)
		out = append(out, *m.Id+": "+string(b))
	}
	return out
}
