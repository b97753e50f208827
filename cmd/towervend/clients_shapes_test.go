//go:build clients

package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// needBoto3 is the message for a machine without the image's Python.
const needBoto3 = "the image's python3 with boto3/botocore 1.43 is needed"

// requireBoto3 finds python3 and checks it imports boto3 with botocore 1.43,
// whose service models the shape check is against.
func requireBoto3(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	require.NoError(t, err, "python3 is missing: %s", needBoto3)
	out, err := exec.Command(python, "-c", "import boto3, botocore; print(botocore.__version__)").CombinedOutput()
	require.NoError(t, err, "%s cannot import boto3: %s\n%s", python, needBoto3, out)
	version := strings.TrimSpace(string(out))
	require.True(t, strings.HasPrefix(version, "1.43."), "%s has botocore %s: %s", python, version, needBoto3)
	return python
}

// Every answer the simulator gives, to boto3 calls across each service it
// serves, has the shape AWS's botocore 1.43 models say: member names, types,
// required members and no nulls for the JSON protocols; the envelope,
// namespace and flattened lists for the Query protocol (STS, SQS as Debian's
// awscli model speaks it); error codes the operation can answer with the
// model's HTTP status. testdata/shapecheck.py makes the calls and checks the
// raw bodies; operations the simulator does not serve yet are listed, not
// failed.
func TestClientShapesMatchTheModels(t *testing.T) {
	python := requireBoto3(t)
	s := startSim(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, filepath.Join("testdata", "shapecheck.py"), s.endpoint)
	// The caller's AWS settings (a profile, an endpoint, a data path with
	// other models) must not reach the check.
	home := t.TempDir()
	cmd.Env = append(withoutAWS(os.Environ()), "AWS_CONFIG_FILE="+filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"), "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		t.Log("\n" + string(out))
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		t.Fatalf("the simulator's answers differ from AWS's models (testdata/shapecheck.py):\n%s", out)
	default:
		t.Fatalf("testdata/shapecheck.py could not check the simulator (%v):\n%s", err, out)
	}
}

func withoutAWS(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}
