package local

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/handler"
)

// failFunction makes the deployed function name fail with a Lambda service
// error named errorType, as Lambda itself would (the function never runs), the
// first times invocations; times < 0 fails every invocation. It returns a
// func that puts the real function back.
func failFunction(t *testing.T, rt *Runtime, name, errorType string, times int) (restore func()) {
	t.Helper()
	arn := rt.FunctionARNs[name]
	real := rt.Sim.Function(arn)
	require.NotNil(t, real, name)
	failed := 0
	rt.Sim.RegisterFunction(arn, func(ctx context.Context, payload []byte) ([]byte, error) {
		if times < 0 || failed < times {
			failed++
			return nil, &handler.Error{Type: errorType, Message: errorType + ": injected by the test"}
		}
		return real(ctx, payload)
	})
	return func() { rt.Sim.RegisterFunction(arn, real) }
}

func sampleRequest(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(events.FS, "requests/"+name+".json")
	require.NoError(t, err)
	return b
}

// Every Lambda Task retries the Lambda service errors of Step Functions'
// best-practice list, and Lambda's throttling: one such error does not fail
// the request.
func TestLambdaServiceErrorsAreRetried(t *testing.T) {
	for _, name := range []string{
		"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
		"Lambda.ClientExecutionTimeoutException", "Lambda.TooManyRequestsException",
	} {
		for _, fn := range []string{"validate", "tag", "notify", "reportfailure"} {
			t.Run(name+"/"+fn, func(t *testing.T) {
				ctx := context.Background()
				rt := newRuntime(t, nil)
				request, id := "01-create", "CHG1001"
				if fn == "reportfailure" {
					request, id = "04-enroll-missing-role", "CHG1004"
				}
				failFunction(t, rt, fn, name, 1)
				require.NoError(t, rt.Submit(ctx, sampleRequest(t, request)))
				require.NoError(t, rt.Run(ctx))
				res := resultsByID(rt)[id]
				if fn == "reportfailure" {
					require.Equal(t, "FAILED", res.Status)
					assert.True(t, strings.Contains(res.Reason, "AWSControlTowerExecution"), "the failure is reported: %s", res.Reason)
					return
				}
				assert.Equal(t, "SUCCEEDED", res.Status, res.Reason)
			})
		}
	}
}
