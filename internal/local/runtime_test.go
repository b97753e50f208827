package local

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/vend"
)

func sampleRequests(t *testing.T) [][]byte {
	t.Helper()
	files, err := fs.Glob(events.FS, "requests/*.json")
	require.NoError(t, err)
	var out [][]byte
	for _, f := range files {
		b, err := fs.ReadFile(events.FS, f)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func resultsByID(rt *Runtime) map[string]Result {
	out := map[string]Result{}
	for _, r := range rt.Results() {
		out[r.RequestID] = r
	}
	return out
}

// userAccess lists the permission sets a user (by userName) is assigned
// directly on an account.
func userAccess(rt *Runtime, accountID, userName string) []string {
	return principalAccess(rt, accountID, "USER", userName)
}

// groupAccess lists the permission sets a group (by display name) is
// assigned on an account.
func groupAccess(rt *Runtime, accountID, group string) []string {
	return principalAccess(rt, accountID, "GROUP", group)
}

func principalAccess(rt *Runtime, accountID, kind, name string) []string {
	idc := rt.Sim.IdentityCenter()
	var out []string
	for _, a := range idc.Assignments {
		if a.AccountID != accountID || a.PrincipalType != kind {
			continue
		}
		if u := idc.Users[a.PrincipalID]; kind == "USER" && u != nil && u.UserName == name ||
			kind == "GROUP" && idc.Groups[a.PrincipalID] != nil && idc.Groups[a.PrincipalID].DisplayName == name {
			out = append(out, idc.PermissionSets[a.PermissionSetArn].Name)
		}
	}
	return out
}

func newRuntime(t *testing.T, edit func(*awssim.World)) *Runtime {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil // the demo world's own happenings would add accounts the test does not expect
	if edit != nil {
		edit(w)
	}
	rt, err := New(context.Background(), Options{World: w})
	require.NoError(t, err)
	return rt
}

// The real state machine file runs every action of the request contract end
// to end on the simulated world.
func TestEveryActionThroughTheStateMachine(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	require.NoError(t, rt.Submit(ctx, sampleRequests(t)...))
	require.NoError(t, rt.Run(ctx))
	res := resultsByID(rt)

	create := res["CHG1001"]
	require.Equal(t, "SUCCEEDED", create.Status, create.Reason)
	acct, ok := rt.Sim.Account(create.AccountID)
	require.True(t, ok, "the new account exists")
	assert.Equal(t, "payments-dev", acct.Name)
	assert.Equal(t, "Workloads/NonProd", rt.Sim.OUPath(acct.ParentID))
	assert.Equal(t, "2100", acct.Tags["CostCenter"])
	assert.True(t, acct.Enrolled)
	assert.Contains(t, create.Access, "group payments-developers: AWSPowerUserAccess")
	assert.Contains(t, create.Access, "group security-auditors: ViewOnlyAccess", "the OU's default access from the policy")

	enroll := res["CHG1003"]
	require.Equal(t, "SUCCEEDED", enroll.Status, enroll.Reason)
	acct, _ = rt.Sim.Account("730335518842")
	assert.True(t, acct.Enrolled)
	assert.Equal(t, "Workloads/Prod", rt.Sim.OUPath(acct.ParentID))

	noRole := res["CHG1004"]
	assert.Equal(t, "FAILED", noRole.Status)
	assert.Contains(t, noRole.Reason, "AWSControlTowerExecution")
	assert.Contains(t, noRole.Reason, "trust policy allowing arn:aws:iam::111122223333:root", "the reason says how to fix it")

	update := res["CHG1005"]
	require.Equal(t, "SUCCEEDED", update.Status, update.Reason)
	acct, _ = rt.Sim.Account("830495867213")
	assert.Equal(t, "Workloads/Prod", rt.Sim.OUPath(acct.ParentID), "moved by UpdateProvisionedProduct")
	assert.NotContains(t, acct.Tags, "Legacy", "a null tag removes it")
	assert.Equal(t, "confidential", acct.Tags["DataClassification"])

	unmanage := res["CHG1006"]
	require.Equal(t, "SUCCEEDED", unmanage.Status, unmanage.Reason)
	acct, _ = rt.Sim.Account("952617089435")
	assert.False(t, acct.Enrolled)
	assert.Equal(t, "", rt.Sim.OUPath(acct.ParentID), "terminating the product leaves the account in Root")
	assert.Equal(t, "ACTIVE", acct.Status, "unmanage does not close")

	closed := res["CHG1007"]
	require.Equal(t, "SUCCEEDED", closed.Status, closed.Reason)
	acct, _ = rt.Sim.Account("941506978324")
	assert.Contains(t, []string{"PENDING_CLOSURE", "SUSPENDED"}, acct.Status)
	assert.False(t, acct.Enrolled, "closed only after it was unmanaged")

	policy := res["CHG1008"]
	assert.Equal(t, "REJECTED", policy.Status)
	assert.Contains(t, policy.Reason, "policy.permissionSets")
	assert.Empty(t, rt.Sim.AccountsNamed("storefront-analytics"), "a rejected request changes nothing")

	invalid := res["CHG1009"]
	assert.Equal(t, "REJECTED", invalid.Status)
	assert.Contains(t, invalid.Reason, `did you mean "organizationalUnit"?`, "the typo heads the reason: it explains the missing OU")
	revoke := res["CHG1013"]
	require.Equal(t, "SUCCEEDED", revoke.Status, revoke.Reason)
	assert.Equal(t, []string{"ViewOnlyAccess"}, groupAccess(rt, "618273645091", "security-auditors"))
	assert.Empty(t, groupAccess(rt, "618273645091", "payments-admins"), "the one grant revoked, the rest kept")
	assert.Empty(t, groupAccess(rt, "830495867213", "payments-developers"), "CHG1005's move revoked what Workloads/Prod does not allow")
	owner := res["CHG1010"]
	require.Equal(t, "SUCCEEDED", owner.Status, owner.Reason)
	assert.Equal(t, []string{"AWSAdministratorAccess"}, userAccess(rt, "729384756102", "sam.okafor"), "Account Factory gives the new owner administrator access")
	assert.Empty(t, userAccess(rt, "729384756102", "li.wei"), "revokePreviousOwner removed the old owner's access")

	var reused []vend.Notification
	for _, n := range rt.Notifications() {
		if n.RequestID == "CHG1005" && n.State == vend.StateRejected {
			reused = append(reused, n)
		}
	}
	require.Len(t, reused, 1, "the second message reusing CHG1005 is rejected, once")
	assert.Contains(t, reused[0].Reason, "requestId CHG1005 was already used by a different request")
	assert.Equal(t, "RITM0012366", reused[0].Ticket, "the rejection goes to the ticket that sent it")

	visible, inFlight := rt.Sim.QueueDepth(rt.RejectedURL)
	assert.Equal(t, 2, visible+inFlight, "the invalid message and the one reusing a requestId are kept in the rejected queue for audit")
	visible, inFlight = rt.Sim.QueueDepth(rt.DeadLetterURL)
	assert.Zero(t, visible+inFlight, "a rejection is not a dead letter: the dead-letter alarm stays quiet")

	_, peak, refused := rt.Sim.AccountOperations()
	assert.LessOrEqual(t, peak, 5)
	assert.Zero(t, refused, "towervend's gate never made Control Tower refuse an operation")
}

func execArn(rt *Runtime, id string) *string {
	return aws.String(strings.Replace(rt.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + id)
}

// A failed request is fixed and redriven: it resumes at the failed step (the
// steps before it are not run again) and succeeds without a second account.
func TestFailureThenRedriveSucceeds(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	b, err := fs.ReadFile(events.FS, "requests/04-enroll-missing-role.json")
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, b))
	require.NoError(t, rt.Run(ctx))
	require.Equal(t, "FAILED", resultsByID(rt)["CHG1004"].Status)

	c := sfn.NewFromConfig(rt.Sim.Config())
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: execArn(rt, "CHG1004")})
	require.NoError(t, err)
	assert.Equal(t, sfntypes.ExecutionStatusFailed, d.Status)
	assert.Equal(t, vend.ErrRequestFailed, aws.ToString(d.Error), "the execution fails as reported")
	assert.Contains(t, aws.ToString(d.Cause), vend.ErrRoleMissing+": ", "the cause names the step's error")
	assert.Equal(t, sfntypes.ExecutionRedriveStatusRedrivable, d.RedriveStatus)

	require.NoError(t, rt.Sim.SetExecutionRole("604829118370", awssim.RoleTrusted))
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execArn(rt, "CHG1004")})
	require.NoError(t, err)
	require.NoError(t, rt.Run(ctx))

	res := resultsByID(rt)["CHG1004"]
	require.Equal(t, "SUCCEEDED", res.Status, res.Reason)
	acct, _ := rt.Sim.Account("604829118370")
	assert.True(t, acct.Enrolled)
	assert.Len(t, rt.Sim.AccountsNamed("acquired-retail"), 1)

	entered := map[string]int{}
	hist, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: execArn(rt, "CHG1004"), MaxResults: 1000})
	require.NoError(t, err)
	for _, ev := range hist.Events {
		if ev.StateEnteredEventDetails != nil {
			entered[aws.ToString(ev.StateEnteredEventDetails.Name)]++
		}
	}
	assert.Equal(t, 1, entered["Validate"], "redrive does not validate again")
	assert.Equal(t, 2, entered["CheckRole"], "it resumes at the step that failed")
	assert.Equal(t, 2, entered["ReportFailure"])
	states := []string{}
	for _, n := range rt.Notifications() {
		if n.RequestID == "CHG1004" {
			states = append(states, n.State)
		}
	}
	assert.Equal(t, []string{"accepted", "failed", "accepted", "succeeded"}, states, "the requester hears of the failure and of the retry")
}

// Control Tower that never finishes ends in a clear timeout failure, not a
// silent hang; once it does finish, a redrive picks up the result.
func TestControlTowerTimeoutFailsClearly(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, func(w *awssim.World) {
		w.ControlTower.ProvisioningTime = awssim.Duration(4 * time.Hour)
		w.ControlTower.Spread = 0
	})
	b, err := fs.ReadFile(events.FS, "requests/01-create.json")
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, b))
	require.NoError(t, rt.Run(ctx))
	res := resultsByID(rt)["CHG1001"]
	require.Equal(t, "FAILED", res.Status)
	assert.Contains(t, res.Reason, "has not finished")
	assert.Contains(t, res.Reason, "redrive")
	assert.Less(t, res.Duration, 3*time.Hour, "the wait budget (120 minutes) ends the wait")

	// Control Tower finishes later; the operator redrives and towervend adopts the result.
	rt.Clock.(interface{ Advance(time.Duration) }).Advance(3 * time.Hour)
	c := sfn.NewFromConfig(rt.Sim.Config())
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: execArn(rt, "CHG1001")})
	require.NoError(t, err)
	require.NoError(t, rt.Run(ctx))
	res = resultsByID(rt)["CHG1001"]
	require.Equal(t, "SUCCEEDED", res.Status, res.Reason)
	assert.Len(t, rt.Sim.AccountsNamed("payments-dev"), 1, "no second account")
}

func createRequest(i int) []byte {
	b, _ := json.Marshal(map[string]any{
		"requestId": fmt.Sprintf("BULK%03d", i),
		"action":    "create",
		"account": map[string]string{
			"name": fmt.Sprintf("bulk-%03d", i), "email": fmt.Sprintf("aws+bulk-%03d@northwind.example", i),
			"organizationalUnit": "Sandbox",
		},
		"owner":     map[string]string{"email": "jane.doe@northwind.example", "firstName": "Jane", "lastName": "Doe"},
		"tags":      map[string]string{"CostCenter": "9000"},
		"requester": map[string]string{"system": "jira", "ticket": fmt.Sprintf("T-%03d", i), "by": "jane.doe@northwind.example"}, // in AWSAccountFactory
	})
	return b
}

// With 30 requests queued, towervend never has more than the limit in flight,
// queued requests wait instead of failing, and all of them are vended.
func TestConcurrencyGateWith30Queued(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	var bodies [][]byte
	for i := range 30 {
		bodies = append(bodies, createRequest(i))
	}
	require.NoError(t, rt.Submit(ctx, bodies...))
	require.NoError(t, rt.Run(ctx))
	joins := 0
	for _, r := range rt.Results() {
		if strings.HasPrefix(r.RequestID, "join-") {
			joins++
			continue
		}
		assert.Equal(t, "SUCCEEDED", r.Status, "%s: %s", r.RequestID, r.Reason)
	}
	// Each new account announced itself through Organizations while Control
	// Tower was still building it; the lifecycle function knew it for a
	// towervend request's own create and started nothing.
	assert.Zero(t, joins)
	_, peak, refused := rt.Sim.AccountOperations()
	assert.Equal(t, 5, peak, "the five Control Tower slots were used")
	assert.Zero(t, refused, "never a sixth operation")
	// Six waves of ~30 minutes: the slots were kept busy.
	var longest time.Duration
	for _, r := range rt.Results() {
		if strings.HasPrefix(r.RequestID, "BULK") {
			longest = max(longest, r.Duration)
		}
	}
	assert.Less(t, longest, 6*30*time.Minute+45*time.Minute, "queued requests took the freed slots quickly")
}

// A duplicate delivery of the same request (SQS is at-least-once) starts one execution.
func TestDuplicateDeliveryStartsOneExecution(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, nil)
	b, err := fs.ReadFile(events.FS, "requests/01-create.json")
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, b, b))
	require.NoError(t, rt.Run(ctx))
	var named []string
	for _, x := range rt.Sim.Executions() {
		if x.Info().Name == "CHG1001" {
			named = append(named, x.Info().Name)
		}
	}
	assert.Len(t, named, 1)
	assert.Len(t, rt.Sim.AccountsNamed("payments-dev"), 1)
	q := sqs.NewFromConfig(rt.Sim.Config())
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(rt.RejectedURL)})
	require.NoError(t, err)
	assert.Empty(t, out.Messages, "a duplicate is not a rejection")
}

// The run repeats exactly for a world seed.
func TestRunsAreDeterministic(t *testing.T) {
	run := func() []Result {
		ctx := context.Background()
		rt := newRuntime(t, nil)
		require.NoError(t, rt.Submit(ctx, sampleRequests(t)...))
		require.NoError(t, rt.Run(ctx))
		return rt.Results()
	}
	assert.Equal(t, run(), run())
}

// The demo world's happenings (default.json), handled as each event says: the account an
// administrator makes in Account Factory's console is not enrolled a second
// time (its CreateAccountResult starts an enrollment that waits for Account
// Factory and is skipped) and gets its OU's default access from Control
// Tower's CreateManagedAccount; the invited account, which the management
// account learns of only through AccountJoinedOrganization, is enrolled.
func TestLifecycleDemo(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, func(w *awssim.World) { w.Happenings = awssim.DefaultWorld().Happenings })
	require.NoError(t, rt.Run(ctx))

	console := rt.Sim.AccountsNamed("analytics-prod")
	require.Len(t, console, 1, "one account, made by Control Tower")
	assert.True(t, console[0].Enrolled)
	assert.Equal(t, "Workloads/Prod", rt.Sim.OUPath(console[0].ParentID))
	invited := rt.Sim.AccountsNamed("partner-insights")
	require.Len(t, invited, 1)
	assert.True(t, invited[0].Enrolled, "the invited account is enrolled")
	assert.Equal(t, "Enrollment", rt.Sim.OUPath(invited[0].ParentID))
	assert.Equal(t, "unassigned", invited[0].Tags["CostCenter"], "policy.defaultTags")

	byAccount := map[string][]Result{}
	for _, r := range rt.Results() {
		byAccount[r.AccountID] = append(byAccount[r.AccountID], r)
	}
	var consoleRows []string
	for _, r := range byAccount[console[0].ID] {
		consoleRows = append(consoleRows, r.Action+" "+r.Status)
		if r.Action == "update" {
			assert.Contains(t, r.Access, "group platform-admins: AWSReadOnlyAccess", "Workloads/Prod's default access")
		}
	}
	assert.ElementsMatch(t, []string{"enroll SKIPPED", "update SUCCEEDED"}, consoleRows)
	require.Len(t, byAccount[invited[0].ID], 1)
	assert.Equal(t, "SUCCEEDED", byAccount[invited[0].ID][0].Status)

	for _, raw := range rt.Sim.BusEvents("default") {
		assert.NotContains(t, string(raw), `"AcceptHandshake"`, "the invited account's own call stays in that account")
	}
	assert.NotEmpty(t, rt.Sim.AccountBusEvents(invited[0].ID))
}
