package vend_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// Validate announces its verdict on the notification bus (as notify does the
// later states) with what the requester needs (requestId, ticket, account,
// OU), as schema/notification.schema.json describes (every collected
// notification is checked against it).
func TestNotifyAnnouncesTheRequestState(t *testing.T) {
	f := newFixture(t, setup{})
	before := f.clk.Now()
	f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "03-enroll")})

	ns := f.notifications()
	require.Len(t, ns, 1)
	n := ns[0]
	assert.Equal(t, vend.StateAccepted, n.State)
	assert.Equal(t, "CHG1003", n.RequestID)
	assert.Equal(t, "enroll", n.Action)
	assert.Equal(t, "RITM0012350", n.Ticket)
	require.NotNil(t, n.Requester)
	assert.Equal(t, "servicenow", n.Requester.System)
	assert.Equal(t, marketingID, n.AccountID)
	assert.Equal(t, "Workloads/Prod", n.OrganizationalUnit)
	at, err := time.Parse(time.RFC3339, n.Time)
	require.NoError(t, err)
	assert.False(t, at.Before(before.Truncate(time.Second)) || at.After(f.clk.Now()), "the simulated time of the change: %s", n.Time)
	assert.Empty(t, n.Reason)
}

// ReportFailure is where every caught failure goes. The first time it
// announces the failure (step and reason) and fails with an error of its own,
// ErrRequestFailed, carrying the original error's name and the reason in the
// message, so the execution fails where it can be redriven and the state's
// Retry (which does not match ErrRequestFailed) never announces it twice. A
// failure the step had retried reads as final: it says it failed after
// retries and what to do. Run again by a redrive, it announces the retry and
// sends the workflow back to the step to run again.
func TestReportFailure(t *testing.T) {
	roleMissing := &vend.StepError{Name: vend.ErrRoleMissing, Reason: "account 604829118370 cannot be enrolled: the role is missing"}
	provFailed := &vend.StepError{Name: vend.ErrProvisioningFailed, Reason: "Account Factory provision failed (record rec-1): boom"}
	throttled := &vend.StepError{Name: vend.ErrTransient, Reason: "organizations:TagResource: operation error Organizations: TagResource, " +
		"exceeded maximum number of attempts, 8, TooManyRequestsException: AWS Organizations can't complete your request because another request is already in progress. Try again later."}
	tests := []struct {
		name     string
		failure  *vend.FailurePoint
		err      func(t *testing.T) *vend.CaughtError
		redrive  int
		original string // the error name a first failure carries
		reason   string // the reason given, exactly; or, for a final failure after retries, its beginning
		final    []string
		resumeAt string
	}{
		{
			name:     "a step's error",
			failure:  &vend.FailurePoint{Step: "CheckRole"},
			err:      func(t *testing.T) *vend.CaughtError { return caught(t, roleMissing) },
			original: vend.ErrRoleMissing,
			reason:   roleMissing.Reason,
		},
		{
			name:    "a Step Functions error with a plain cause",
			failure: &vend.FailurePoint{Step: "AssignSSO"},
			err: func(*testing.T) *vend.CaughtError {
				return &vend.CaughtError{Error: "States.Timeout", Cause: "the task timed out"}
			},
			original: "States.Timeout",
			reason:   "the task timed out",
		},
		{
			name:     "no error recorded",
			original: vend.ErrFailed,
			reason:   "unknown failure",
		},
		{
			name:     "throttling that outlasted the step's retries",
			failure:  &vend.FailurePoint{Step: "Tag"},
			err:      func(t *testing.T) *vend.CaughtError { return caught(t, throttled) },
			original: vend.ErrTransient,
			reason:   "Tag failed after retries: " + strings.TrimSuffix(throttled.Reason, "."),
			final:    []string{"AWS throttled or failed the call on every attempt", "then run: towervend redrive CHG1004"},
		},
		{
			name:    "a Lambda service error that outlasted the step's retries",
			failure: &vend.FailurePoint{Step: "AssignSSO"},
			err: func(*testing.T) *vend.CaughtError {
				return &vend.CaughtError{Error: "Lambda.ServiceException", Cause: "Lambda could not run the function (Service: Lambda, Status Code: 500)"}
			},
			original: "Lambda.ServiceException",
			reason:   "AssignSSO failed after retries: Lambda could not run the function (Service: Lambda, Status Code: 500)",
			final:    []string{"Lambda could not run the step's function", "then run: towervend redrive CHG1004"},
		},
		{
			name:    "Control Tower busy for longer than the step retries",
			failure: &vend.FailurePoint{Step: "Provision"},
			err: func(t *testing.T) *vend.CaughtError {
				return caught(t, &vend.StepError{Name: vend.ErrControlTowerBusy, Reason: "servicecatalog:ProvisionProduct: Control Tower is busy with another operation"})
			},
			original: vend.ErrControlTowerBusy,
			reason:   "Provision failed after retries: servicecatalog:ProvisionProduct: Control Tower is busy with another operation",
			final:    []string{"let that operation finish", "then run: towervend redrive CHG1004"},
		},
		{
			name:     "redriven after Control Tower failed the operation",
			failure:  &vend.FailurePoint{Step: "ProvisionStatus"},
			err:      func(t *testing.T) *vend.CaughtError { return caught(t, provFailed) },
			redrive:  1,
			resumeAt: "Provision",
		},
		{
			name:     "redriven after a role was fixed",
			failure:  &vend.FailurePoint{Step: "CheckRole"},
			err:      func(t *testing.T) *vend.CaughtError { return caught(t, roleMissing) },
			redrive:  1,
			resumeAt: "CheckRole",
		},
		{
			name:     "redriven after throttling",
			failure:  &vend.FailurePoint{Step: "Tag"},
			err:      func(t *testing.T) *vend.CaughtError { return caught(t, throttled) },
			redrive:  1,
			resumeAt: "Tag",
		},
		{
			name:     "redriven a second time",
			failure:  &vend.FailurePoint{Step: "ProvisionStatus", RedriveCount: 1},
			err:      func(t *testing.T) *vend.CaughtError { return caught(t, provFailed) },
			redrive:  2,
			resumeAt: "Provision",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{})
			doc := &vend.Doc{Request: sampleRequest(t, "04-enroll-missing-role"), AccountID: acquiredRetailID, Failure: tt.failure}
			if tt.err != nil {
				doc.Error = tt.err(t)
			}
			out, err := run(f, func(ctx context.Context) (*vend.Doc, error) {
				return f.deps.ReportFailure(ctx, vend.NotifyInput{State: vend.StateFailed, Doc: *cloneDoc(t, doc), RedriveCount: tt.redrive})
			})
			ns := f.notifications()
			require.Len(t, ns, 1)
			n := ns[0]
			assert.Equal(t, "CHG1004", n.RequestID)
			assert.Equal(t, "RITM0012351", n.Ticket)
			assert.Equal(t, acquiredRetailID, n.AccountID)

			if tt.resumeAt == "" {
				se := stepError(t, err)
				assert.Equal(t, vend.ErrRequestFailed, se.Name, "the execution fails with ReportFailure's own error")
				assert.False(t, statemachine.Retries(statemachine.StateReportFailure, se.Name), "which ReportFailure's Retry does not match")
				assert.Equal(t, tt.original+": "+n.Reason, se.Reason, "the cause names the original error and gives the reason")
				assert.Equal(t, vend.StateFailed, n.State)
				assert.NotContains(t, n.Reason, "towervend retries", "a final failure promises no retry")
				if tt.final == nil {
					assert.Equal(t, tt.reason, n.Reason)
				} else {
					assert.True(t, strings.HasPrefix(n.Reason, tt.reason+". "), "the reason says the step failed after retries and what failed: %s", n.Reason)
					for _, s := range tt.final {
						assert.Contains(t, n.Reason, s, "and what to do")
					}
				}
				if tt.failure != nil {
					assert.Equal(t, tt.failure.Step, n.FailedStep)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.resumeAt, out.Failure.Step)
			assert.True(t, out.Failure.Resume)
			assert.Equal(t, tt.redrive, out.RedriveCount, "tokens of the new attempt differ from the failed one's")
			assert.Nil(t, out.Error)
			assert.Equal(t, vend.StateAccepted, n.State, "the requester learns the request is being retried")
			assert.Contains(t, n.Notes, "redriven: resuming at "+tt.resumeAt)
		})
	}
}
