package vend_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// lifecycle hands an EventBridge event to the lifecycle function.
func (f *fixture) lifecycle(ev lambdaevents.CloudWatchEvent) vend.LifecycleResult {
	f.t.Helper()
	res, err := run(f, func(ctx context.Context) (vend.LifecycleResult, error) { return f.deps.Lifecycle(ctx, ev) })
	require.NoError(f.t, err)
	return res
}

// busEvent finds the last event the simulated AWS put on the default bus with
// that eventName.
func (f *fixture) busEvent(eventName string) lambdaevents.CloudWatchEvent {
	f.t.Helper()
	evs := f.sim.BusEvents("default")
	for i := len(evs) - 1; i >= 0; i-- {
		var ev lambdaevents.CloudWatchEvent
		require.NoError(f.t, json.Unmarshal(evs[i], &ev))
		var d struct {
			EventName string `json:"eventName"`
		}
		if json.Unmarshal(ev.Detail, &d) == nil && d.EventName == eventName {
			return ev
		}
	}
	f.t.Fatalf("no %s event on the default bus", eventName)
	return lambdaevents.CloudWatchEvent{}
}

// The account id and OU of a Control Tower sample event, replaced by
// payments-prod's: an account an administrator vended in the console.
var paymentsProdInSample = []string{
	"XXXXXXXXXXXX", paymentsProdID, "624281831893", paymentsProdID,
	`"organizationalUnitName": "Custom"`, `"organizationalUnitName": "Prod"`,
	"ou-XXXX-l3zc8b3h", "ou-nw7k-wklprod1",
}

// Control Tower finished creating or updating an account that towervend did
// not vend: towervend starts an update that grants the OU's default access,
// once per event, and the update does grant it.
func TestLifecycleGrantsDefaultAccessToAccountsVendedElsewhere(t *testing.T) {
	for _, sample := range []string{"controltower-create-managed-account", "controltower-update-managed-account"} {
		t.Run(sample, func(t *testing.T) {
			f := newFixture(t, setup{})
			ev := sampleEvent(t, sample, paymentsProdInSample...)
			res := f.lifecycle(ev)
			require.Equal(t, "started", res.Action, res.Reason)

			execs := f.executions()
			require.Len(t, execs, 1)
			in, ok := execs[res.Execution]
			require.True(t, ok)
			assert.Equal(t, "lifecycle", in.Origin)
			req := in.Request
			assert.Equal(t, request.ActionUpdate, req.Action)
			assert.Equal(t, paymentsProdID, req.Account.ID)
			assert.Equal(t, []request.Access{
				{Group: "security-auditors", PermissionSet: "ViewOnlyAccess"},
				{Group: "platform-admins", PermissionSet: "AWSReadOnlyAccess"},
			}, req.Access, "Workloads/Prod's default access")
			assert.Equal(t, res.Execution, req.RequestID)

			again := f.lifecycle(ev)
			assert.Equal(t, "duplicate", again.Action, "the same event is handled once")
			assert.Equal(t, res.Execution, again.Execution)
			assert.Len(t, f.executions(), 1)

			// The execution's request is one the steps carry out.
			assert.NotContains(t, f.assignments(paymentsProdID), "group platform-admins: AWSReadOnlyAccess")
			doc := f.workflow(req)
			assert.Equal(t, vend.OpNone, doc.Plan.Operation)
			assert.Contains(t, f.assignments(paymentsProdID), "group platform-admins: AWSReadOnlyAccess")
		})
	}
}

// Events towervend does not act on are ignored, saying why.
func TestLifecycleIgnores(t *testing.T) {
	tests := []struct {
		name   string
		event  func(t *testing.T, f *fixture) lambdaevents.CloudWatchEvent
		reason string
	}{
		{
			name: "an account towervend vended",
			event: func(t *testing.T, f *fixture) lambdaevents.CloudWatchEvent {
				f.workflow(sampleRequest(t, "01-create"))
				return f.busEvent("CreateManagedAccount") // as Control Tower sent it
			},
			reason: "towervend vended this account",
		},
		{
			name: "a failed Control Tower operation",
			event: func(t *testing.T, _ *fixture) lambdaevents.CloudWatchEvent {
				return sampleEvent(t, "controltower-create-managed-account", append(paymentsProdInSample, `"state": "SUCCEEDED"`, `"state": "FAILED"`)...)
			},
			reason: "not a successful managed-account event",
		},
		{
			name: "an OU without default access",
			event: func(t *testing.T, _ *fixture) lambdaevents.CloudWatchEvent {
				return sampleEvent(t, "controltower-create-managed-account", "XXXXXXXXXXXX", networkID,
					`"organizationalUnitName": "Custom"`, `"organizationalUnitName": "Prod"`, "ou-XXXX-l3zc8b3h", "ou-nw7k-infprod1")
			},
			reason: "the policy has no default access for Infrastructure/Prod",
		},
		{
			name: "an account joining that Control Tower already manages",
			event: func(t *testing.T, _ *fixture) lambdaevents.CloudWatchEvent {
				return sampleEvent(t, "organizations-create-account-result") // its account is network's
			},
			reason: "Control Tower already manages the account",
		},
		{
			name: "an account creation that failed",
			event: func(t *testing.T, _ *fixture) lambdaevents.CloudWatchEvent {
				return sampleEvent(t, "organizations-create-account-result", "444455556666", marketingID, `"state": "SUCCEEDED"`, `"state": "FAILED"`)
			},
			reason: "account creation did not succeed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{})
			res := f.lifecycle(tt.event(t, f))
			assert.Equal(t, "ignored", res.Action)
			assert.Contains(t, res.Reason, tt.reason)
			assert.Empty(t, f.executions())
		})
	}
}

// An account that joins the organization outside Control Tower (created with
// Organizations, or invited) is enrolled into the policy's enrollment OU.
func TestLifecycleEnrollsAccountsJoiningTheOrganization(t *testing.T) {
	tests := []struct {
		name  string
		event func(t *testing.T, f *fixture) (lambdaevents.CloudWatchEvent, string)
		// ownTag: the account carries the policy's required tag itself; a new
		// account gets the policy's default tag (CostCenter=unassigned) instead.
		ownTag bool
	}{
		{
			name: "CreateAccountResult sample",
			event: func(t *testing.T, _ *fixture) (lambdaevents.CloudWatchEvent, string) {
				return sampleEvent(t, "organizations-create-account-result", "444455556666", marketingID), marketingID
			},
			ownTag: true,
		},
		{
			name: "AcceptHandshake sample",
			event: func(t *testing.T, f *fixture) (lambdaevents.CloudWatchEvent, string) {
				id, err := f.sim.InviteAccount("analytics-partner", "aws+analytics-partner@northwind.example")
				require.NoError(t, err)
				return sampleEvent(t, "organizations-accept-handshake", "222222222222", id), id
			},
		},
		{
			name: "an invitation accepted in the simulated organization",
			event: func(t *testing.T, f *fixture) (lambdaevents.CloudWatchEvent, string) {
				id, err := f.sim.InviteAccount("analytics-partner", "aws+analytics-partner@northwind.example")
				require.NoError(t, err)
				return f.busEvent("AcceptHandshake"), id
			},
		},
		{
			name: "an account created with Organizations in the simulated organization",
			event: func(t *testing.T, f *fixture) (lambdaevents.CloudWatchEvent, string) {
				_, err := f.sim.CreateAccountOutsideControlTower("ops-tools", "aws+ops-tools@northwind.example")
				require.NoError(t, err)
				f.advance(10 * time.Minute)
				accts := f.sim.AccountsNamed("ops-tools")
				require.Len(t, accts, 1)
				return f.busEvent("CreateAccountResult"), accts[0].ID
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{})
			ev, id := tt.event(t, f)
			res := f.lifecycle(ev)
			require.Equal(t, "started", res.Action, res.Reason)

			execs := f.executions()
			require.Len(t, execs, 1)
			req := execs[res.Execution].Request
			assert.Equal(t, request.ActionEnroll, req.Action)
			assert.Equal(t, id, req.Account.ID)
			assert.Equal(t, "Enrollment", req.Account.OrganizationalUnit, "the policy's enrollmentOrganizationalUnit")

			assert.Equal(t, "duplicate", f.lifecycle(ev).Action)
			assert.Len(t, f.executions(), 1)

			doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: req, Origin: "lifecycle"})
			require.False(t, doc.Plan.Rejected, "the required tag is the account's own or the policy's default: %v", doc.Plan.Problems)
			if tt.ownTag {
				assert.Empty(t, req.Tags, "an account's own tags are kept")
			} else {
				require.Contains(t, req.Tags, "CostCenter")
				assert.Equal(t, "unassigned", *req.Tags["CostCenter"], "policy.defaultTags fills a missing required tag")
			}
			assert.True(t, doc.Plan.CheckRole)
			assert.Equal(t, "Enrollment", doc.Plan.OU.Path)
		})
	}
}
