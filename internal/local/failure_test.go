package local

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
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

func statesOf(rt *Runtime, id string) []string {
	var out []string
	for _, n := range rt.Notifications() {
		if n.RequestID == id {
			out = append(out, n.State)
		}
	}
	return out
}

func failedNotification(t *testing.T, rt *Runtime, id string) vend.Notification {
	t.Helper()
	var failed []vend.Notification
	for _, n := range rt.Notifications() {
		if n.RequestID == id && n.State == vend.StateFailed {
			failed = append(failed, n)
		}
	}
	require.Len(t, failed, 1, "one failure, one failed notification (states: %v)", statesOf(rt, id))
	return failed[0]
}

// One failure publishes exactly one failed notification, whatever the error:
// ReportFailure fails the execution with an error of its own, which its Retry
// does not match, so a retryable original error (throttling, a Lambda service
// error) does not make it announce the failure again. The execution still
// carries the original error name, `towervend status` still reads the
// original reason, a final failure reads as final, and the request can be
// redriven once the cause is gone.
func TestOneFailureOneFailedNotification(t *testing.T) {
	tests := []struct {
		name     string
		world    func(*awssim.World)
		request  string
		id       string
		breakIt  func(t *testing.T, rt *Runtime) (fix func())
		original string // the error the failed step ended with
		step     string
		retried  bool // the failed step retried the error before it gave up
	}{
		{
			name:     "throttling that outlasts every retry",
			world:    func(w *awssim.World) { w.Faults.Throttle = map[string]float64{"organizations": 1} },
			request:  "01-create",
			id:       "CHG1001",
			breakIt:  func(_ *testing.T, rt *Runtime) func() { return func() { rt.Sim.SetFaults(awssim.Faults{}) } },
			original: vend.ErrTransient,
			step:     "Validate",
			retried:  true,
		},
		{
			name:    "a Lambda service error that outlasts every retry",
			request: "01-create",
			id:      "CHG1001",
			breakIt: func(t *testing.T, rt *Runtime) func() {
				return failFunction(t, rt, "tag", "Lambda.ServiceException", -1)
			},
			original: "Lambda.ServiceException",
			step:     "Tag",
			retried:  true,
		},
		{
			name:    "Lambda throttling that outlasts every retry",
			request: "06-unmanage",
			id:      "CHG1006",
			breakIt: func(t *testing.T, rt *Runtime) func() {
				return failFunction(t, rt, "moveou", "Lambda.TooManyRequestsException", -1)
			},
			original: "Lambda.TooManyRequestsException",
			step:     "MoveOU",
			retried:  true,
		},
		{
			name:    "a permanent error",
			request: "04-enroll-missing-role",
			id:      "CHG1004",
			breakIt: func(_ *testing.T, rt *Runtime) func() {
				return func() { require.NoError(t, rt.Sim.SetExecutionRole("604829118370", awssim.RoleTrusted)) }
			},
			original: vend.ErrRoleMissing,
			step:     "CheckRole",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			rt := newRuntime(t, tt.world)
			fix := tt.breakIt(t, rt)
			require.NoError(t, rt.Submit(ctx, sampleRequest(t, tt.request)))
			require.NoError(t, rt.Run(ctx))

			n := failedNotification(t, rt, tt.id)
			announced := []string{vend.StateAccepted} // the request was valid
			if tt.step == "Validate" {
				announced = nil // it failed before anything was announced
			}
			assert.Equal(t, append(announced, vend.StateFailed), statesOf(rt, tt.id))
			assert.Equal(t, tt.step, n.FailedStep)
			assert.NotContains(t, n.Reason, "towervend retries", "a final failure does not promise a retry")
			if tt.retried {
				assert.Contains(t, n.Reason, tt.step+" failed after retries", "a final failure says it is final")
				assert.Contains(t, n.Reason, "towervend redrive "+tt.id, "and what to do")
			}

			c := sfn.NewFromConfig(rt.Sim.Config())
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: execArn(rt, tt.id)})
			require.NoError(t, err)
			assert.Equal(t, sfntypes.ExecutionStatusFailed, d.Status)
			assert.Equal(t, vend.ErrRequestFailed, aws.ToString(d.Error), "ReportFailure fails with its own name")
			assert.Contains(t, aws.ToString(d.Cause), tt.original, "the cause carries the original error")

			rep, err := vend.ReadRequestStatus(ctx, c, rt.StateMachineArn, tt.id)
			require.NoError(t, err)
			assert.Equal(t, "failed", rep.Outcome)
			assert.Equal(t, tt.step, rep.FailedStep)
			assert.Equal(t, tt.original, rep.Error, "status names the original error")
			assert.Equal(t, n.Reason, rep.Reason, "status shows the reason the requester was given")
			assert.True(t, rep.Redrivable)

			fix()
			_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execArn(rt, tt.id)})
			require.NoError(t, err)
			require.NoError(t, rt.Run(ctx))
			res := resultsByID(rt)[tt.id]
			require.Equal(t, "SUCCEEDED", res.Status, res.Reason)
			redriven := []string{vend.StateAccepted} // "redriven: resuming at <step>"
			if tt.step == "Validate" {
				redriven = append(redriven, vend.StateAccepted) // and then validated, for the first time
			}
			assert.Equal(t, slices.Concat(announced, []string{vend.StateFailed}, redriven, []string{vend.StateSucceeded}), statesOf(rt, tt.id),
				"the redrive resumes at the failed step and the failure is not announced again")
		})
	}
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
