package vend_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
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

// busEvents are the events on the default buses the lifecycle rules see:
// the home Region's and us-east-1's, where Organizations puts its events.
func (f *fixture) busEvents() []json.RawMessage {
	evs := f.sim.BusEvents("default")
	if f.sim.Region() != awssim.OrganizationsRegion {
		evs = append(evs, f.sim.RegionBusEvents(awssim.OrganizationsRegion, "default")...)
	}
	return evs
}

// busEvent finds the last event the simulated AWS put on a default bus with
// that eventName.
func (f *fixture) busEvent(eventName string) lambdaevents.CloudWatchEvent {
	f.t.Helper()
	evs := f.busEvents()
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
			doc := f.workflowOf(&vend.Doc{Request: req, Origin: in.Origin})
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
			name: "AccountJoinedOrganization sample",
			event: func(t *testing.T, f *fixture) (lambdaevents.CloudWatchEvent, string) {
				id, err := f.sim.InviteAccount("analytics-partner", "aws+analytics-partner@northwind.example")
				require.NoError(t, err)
				return sampleEvent(t, "organizations-account-joined-organization", "222222222222", id), id
			},
		},
		{
			name: "an invitation accepted in the simulated organization",
			event: func(t *testing.T, f *fixture) (lambdaevents.CloudWatchEvent, string) {
				id, err := f.sim.InviteAccount("analytics-partner", "aws+analytics-partner@northwind.example")
				require.NoError(t, err)
				return f.busEvent("AccountJoinedOrganization"), id
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
			assert.False(t, doc.Plan.Deferred, "no Account Factory create is in flight")
			assert.True(t, doc.Plan.CheckRole)
			assert.Equal(t, "Enrollment", doc.Plan.OU.Path)
		})
	}
}

// busEventFor finds the last event the simulated AWS put on a default bus
// with that eventName and the account's id in its detail.
func (f *fixture) busEventFor(eventName, accountID string) lambdaevents.CloudWatchEvent {
	f.t.Helper()
	evs := f.busEvents()
	for i := len(evs) - 1; i >= 0; i-- {
		var ev lambdaevents.CloudWatchEvent
		require.NoError(f.t, json.Unmarshal(evs[i], &ev))
		var d struct {
			EventName string `json:"eventName"`
		}
		if json.Unmarshal(ev.Detail, &d) == nil && d.EventName == eventName && strings.Contains(string(ev.Detail), `"`+accountID+`"`) {
			return ev
		}
	}
	f.t.Fatalf("no %s event about %s on the default bus", eventName, accountID)
	return lambdaevents.CloudWatchEvent{}
}

// consoleAccount is an account an administrator creates in Account Factory's
// console (not through towervend), in Workloads/Prod.
var consoleAccount = awssim.ConsoleAccount{Name: "analytics-prod", Email: "aws+analytics-prod@northwind.example", OU: "Workloads/Prod",
	OwnerEmail: "maria.garcia@northwind.example", OwnerFirstName: "Maria", OwnerLastName: "Garcia"}

// validateUntilSettled runs Validate the way the workflow's deferral loop
// does (Validate, wait as long as it asks, Validate again) until the plan is
// no longer deferred, and returns the plan and how many looks it took.
func (f *fixture) validateUntilSettled(doc *vend.Doc) (*vend.Doc, int) {
	f.t.Helper()
	doc = f.mustStep("Validate", f.deps.Validate, doc)
	looks := 1
	for ; doc.Plan.Deferred; looks++ {
		require.Less(f.t, looks, 30, "the wait is bounded")
		f.advance(time.Duration(doc.Deferral.WaitSeconds) * time.Second)
		doc = f.mustStep("Validate", f.deps.Validate, doc)
	}
	return doc, looks
}

// Control Tower creates accounts through Organizations CreateAccount, so an
// account made in Account Factory (here in the console) announces itself with
// CreateAccountResult and AccountJoinedOrganization minutes before Control
// Tower finishes, while its provisioned product has no PhysicalId yet.
// towervend must not enroll it: the enrollment waits for Account Factory, then
// ends skipped, and Control Tower's own CreateManagedAccount brings the OU's
// default access.
func TestLifecycleDoesNotEnrollAnAccountAccountFactoryIsBuilding(t *testing.T) {
	f := newFixture(t, setup{})
	_, err := f.sim.ProvisionInConsole(consoleAccount)
	require.NoError(t, err)
	f.advance(5 * time.Minute)
	accts := f.sim.AccountsNamed("analytics-prod")
	require.Len(t, accts, 1, "Control Tower created the account through Organizations")
	id := accts[0].ID
	require.Empty(t, f.products("physicalId:"+id), "Control Tower is not done: its product has no PhysicalId yet")

	res := f.lifecycle(f.busEventFor("CreateAccountResult", id))
	require.Equal(t, "started", res.Action, res.Reason)
	req := f.executions()[res.Execution].Request
	assert.Equal(t, request.ActionEnroll, req.Action)
	joined := f.lifecycle(f.busEventFor("AccountJoinedOrganization", id))
	assert.Equal(t, "ignored", joined.Action, "a created account's join is its CreateAccountResult again")
	assert.Contains(t, joined.Reason, "CreateAccountResult")

	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: req, Origin: vend.OriginLifecycle})
	require.True(t, doc.Plan.Deferred, "the account may be Account Factory's: wait, do not enroll")
	assert.False(t, doc.Plan.Rejected)
	assert.Equal(t, vend.OpNone, doc.Plan.Operation)
	assert.Equal(t, 300, doc.Deferral.WaitSeconds, "checks every 5 minutes")
	assert.Equal(t, []string{"analytics-prod"}, doc.Deferral.Products)
	assert.Contains(t, doc.Deferral.Reason, "analytics-prod")

	doc, looks := f.validateUntilSettled(doc)
	assert.Greater(t, looks, 3, "Control Tower takes about half an hour")
	assert.True(t, doc.Plan.Skipped)
	assert.Equal(t, "skipped", doc.Outcome)
	assert.Contains(t, doc.Plan.SkipReason, "Control Tower already manages account "+id)
	assert.False(t, doc.Plan.Rejected, "nothing is wrong")
	assert.Equal(t, vend.OpNone, doc.Plan.Operation)

	res = f.lifecycle(f.busEventFor("CreateManagedAccount", id))
	require.Equal(t, "started", res.Action, res.Reason)
	upd := f.executions()[res.Execution].Request
	assert.Equal(t, request.ActionUpdate, upd.Action)
	assert.Equal(t, id, upd.Account.ID)
	assert.Equal(t, []request.Access{
		{Group: "security-auditors", PermissionSet: "ViewOnlyAccess"},
		{Group: "platform-admins", PermissionSet: "AWSReadOnlyAccess"},
	}, upd.Access, "Workloads/Prod's default access")
}

// An account made outside Control Tower while Account Factory is building
// another one cannot be told apart at first: its enrollment waits until Account
// Factory is done, and then goes ahead.
func TestLifecycleEnrollsAnOutsideAccountOnceAccountFactoryIsDone(t *testing.T) {
	f := newFixture(t, setup{})
	_, err := f.sim.ProvisionInConsole(consoleAccount)
	require.NoError(t, err)
	f.advance(time.Minute)
	_, err = f.sim.CreateAccountOutsideControlTower("ops-tools", "aws+ops-tools@northwind.example")
	require.NoError(t, err)
	f.advance(4 * time.Minute)
	accts := f.sim.AccountsNamed("ops-tools")
	require.Len(t, accts, 1)

	res := f.lifecycle(f.busEventFor("CreateAccountResult", accts[0].ID))
	require.Equal(t, "started", res.Action, res.Reason)
	req := f.executions()[res.Execution].Request
	doc, looks := f.validateUntilSettled(&vend.Doc{Request: req, Origin: vend.OriginLifecycle})
	assert.Greater(t, looks, 1, "it waited for Account Factory")
	assert.False(t, doc.Plan.Skipped)
	require.False(t, doc.Plan.Rejected, "%v", doc.Plan.Problems)
	assert.Equal(t, vend.OpProvision, doc.Plan.Operation, "enrolled")
	assert.Equal(t, "Enrollment", doc.Plan.OU.Path)
}

// The wait for Account Factory is bounded: after two hours the enrollment goes
// ahead, saying so.
func TestLifecycleJoinWaitIsBounded(t *testing.T) {
	f := newFixture(t, setup{})
	_, err := f.sim.ProvisionInConsole(consoleAccount)
	require.NoError(t, err)
	f.advance(time.Minute)
	_, err = f.sim.CreateAccountOutsideControlTower("ops-tools", "aws+ops-tools@northwind.example")
	require.NoError(t, err)
	f.advance(4 * time.Minute)
	res := f.lifecycle(f.busEventFor("CreateAccountResult", f.sim.AccountsNamed("ops-tools")[0].ID))
	require.Equal(t, "started", res.Action, res.Reason)

	doc := &vend.Doc{Request: f.executions()[res.Execution].Request, Origin: vend.OriginLifecycle,
		Deferral: &vend.Deferral{Since: f.clk.Now().Add(-2 * time.Hour).Format(time.RFC3339), Checks: 24}}
	doc = f.mustStep("Validate", f.deps.Validate, doc)
	assert.False(t, doc.Plan.Deferred, "two hours is the limit")
	require.False(t, doc.Plan.Rejected, "%v", doc.Plan.Problems)
	assert.Equal(t, vend.OpProvision, doc.Plan.Operation)
	require.NotEmpty(t, doc.Notes)
	assert.Contains(t, doc.Notes[len(doc.Notes)-1], "waited 2h0m0s for Account Factory (analytics-prod)")
}

// Where no event reaches towervend, the hourly sweep finds accounts that
// joined the organization recently and that Control Tower does not manage, and
// enrolls them under the execution name their join event would have started.
func TestLifecycleSweepEnrollsAccountsNoEventAnnounced(t *testing.T) {
	f := newFixture(t, setup{})
	id, err := f.sim.InviteAccount("analytics-partner", "aws+analytics-partner@northwind.example")
	require.NoError(t, err) // its AccountJoinedOrganization never reaches the lifecycle function
	sweep := sampleEvent(t, "eventbridge-scheduled-event")

	res := f.lifecycle(sweep)
	require.Equal(t, "reconciled", res.Action, res.Reason)
	require.Len(t, res.Executions, 1, "marketing-analytics and acquired-retail have sat in Root for months: an administrator's choice")
	req := f.executions()[res.Executions[0]].Request
	assert.Equal(t, request.ActionEnroll, req.Action)
	assert.Equal(t, id, req.Account.ID)
	assert.Equal(t, "Enrollment", req.Account.OrganizationalUnit)

	assert.Equal(t, "duplicate", f.lifecycle(f.busEventFor("AccountJoinedOrganization", id)).Action, "the event, late, names the same execution")
	again := f.lifecycle(sweep)
	assert.Equal(t, res.Executions, again.Executions)
	assert.Len(t, f.executions(), 1, "an account is enrolled once however often it is noticed")

	// An account that may be Account Factory's is left for a later sweep.
	_, err = f.sim.ProvisionInConsole(consoleAccount)
	require.NoError(t, err)
	f.advance(time.Minute)
	_, err = f.sim.CreateAccountOutsideControlTower("ops-tools", "aws+ops-tools@northwind.example")
	require.NoError(t, err)
	f.advance(4 * time.Minute)
	opsTools := f.sim.AccountsNamed("ops-tools")[0].ID
	res = f.lifecycle(sweep)
	assert.Contains(t, res.Reason, "waiting for Account Factory to finish before deciding on "+opsTools)
	assert.Len(t, f.executions(), 1)
	f.advance(time.Hour)
	res = f.lifecycle(sweep)
	require.Len(t, res.Executions, 2, res.Reason)
	assert.Len(t, f.executions(), 2, "once Account Factory is done the account is enrolled")
}
