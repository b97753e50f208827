package vend_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// newAccountRequest is a create request for a sandbox account.
func newAccountRequest(t *testing.T, id, name string) request.Request {
	t.Helper()
	return decode(t, fmt.Sprintf(`{"requestId": %q, "action": "create",
		"account": {"name": %q, "email": "aws+%s@northwind.example", "organizationalUnit": "Sandbox"},
		"owner": {"email": "li.wei@northwind.example", "firstName": "Li", "lastName": "Wei"},
		"tags": {"CostCenter": "9000"}}`, id, name, name))
}

// caught is what the workflow's Catch stores for a failed Lambda task: the
// error name, and Lambda's error JSON as the cause.
func caught(t *testing.T, se *vend.StepError) *vend.CaughtError {
	t.Helper()
	cause, err := json.Marshal(map[string]string{"errorType": se.Name, "errorMessage": se.Reason})
	require.NoError(t, err)
	return &vend.CaughtError{Error: se.Name, Cause: string(cause)}
}

// Enrolling an account whose AWSControlTowerExecution role is missing or does
// not trust the management account fails at CheckRole, before Account
// Factory, with the exact remedy; once the role is fixed the check passes.
func TestCheckRoleRefusesAnAccountWithoutTheRole(t *testing.T) {
	tests := []struct {
		name      string
		config    func(*vend.Config)
		body      string
		accountID string
	}{
		{
			name:      "role missing",
			body:      func() string { b, _ := sampleBody("04-enroll-missing-role"); return b }(),
			accountID: acquiredRetailID,
		},
		{
			name: "role trusts another account",
			// Without a configured management account, CheckRole asks STS who it is.
			config: func(c *vend.Config) { c.ManagementAccountID = "" },
			body: `{"requestId": "CHG4001", "action": "enroll", "account": {"id": "163728394051", "organizationalUnit": "Workloads/NonProd"},
				"tags": {"CostCenter": "3100"}}`,
			accountID: dataLakeDevID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{config: tt.config})
			doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, tt.body)})
			require.False(t, doc.Plan.Rejected, "%v", doc.Plan.Problems)
			require.True(t, doc.Plan.CheckRole, "an enrollment checks the role first")

			_, err := f.step(f.deps.CheckRole, doc)
			se := stepError(t, err)
			assert.Equal(t, vend.ErrRoleMissing, se.Name)
			assert.False(t, se.Transient(), "retrying does not help; a person must fix the account")
			assert.Contains(t, se.Reason, "account "+tt.accountID+" cannot be enrolled")
			assert.Contains(t, se.Reason, "arn:aws:iam::"+tt.accountID+":role/AWSControlTowerExecution")
			assert.Contains(t, se.Reason, "create the IAM role AWSControlTowerExecution with the AWS managed policy AdministratorAccess")
			assert.Contains(t, se.Reason, "trust policy allowing arn:aws:iam::111122223333:root to call sts:AssumeRole")
			assert.Contains(t, se.Reason, "redrive")
			assert.Zero(t, f.calls("servicecatalog", "ProvisionProduct"), "Account Factory was not asked")

			require.NoError(t, f.sim.SetExecutionRole(tt.accountID, awssim.RoleTrusted))
			f.mustStep("CheckRole", f.deps.CheckRole, doc)
		})
	}
}

// Control Tower refuses an operation while another of its operations runs.
// The record fails with its busy message, ProvisionStatus reports the
// retryable TowerVend.ControlTowerBusy, and Provision, started again by the
// workflow, makes a new attempt that succeeds, with one account in the end.
func TestControlTowerBusyIsRetried(t *testing.T) {
	f := newFixture(t, setup{world: func(w *awssim.World) {
		w.Faults.ControlTowerBusy = []awssim.Window{{From: 0, Until: awssim.Duration(3 * time.Minute)}}
	}})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	doc = f.mustStep("Provision", f.deps.Provision, doc)
	first := doc.Operation.RecordID

	doc, err := f.waitOperation(doc)
	se := stepError(t, err)
	require.Equal(t, vend.ErrControlTowerBusy, se.Name, se.Reason)
	assert.True(t, se.Transient())
	assert.Contains(t, se.Reason, "another AWS Control Tower operation is in progress")

	for restarts := 1; ; restarts++ {
		require.Less(t, restarts, 10, "Provision never made a new attempt")
		// The Catch keeps the state's input and adds the error; WaitToRestart
		// waits a minute and goes back to Provision.
		doc.Error = caught(t, se)
		f.advance(time.Minute)
		doc = f.mustStep("Provision", f.deps.Provision, doc)
		next, err := f.waitOperation(doc)
		if err == nil {
			doc = next
			break
		}
		se = stepError(t, err)
		require.Equal(t, vend.ErrControlTowerBusy, se.Name, se.Reason)
	}
	assert.NotEqual(t, first, doc.Operation.RecordID, "a new attempt, not the refused record")
	doc = f.finish(doc)

	require.NotEmpty(t, doc.AccountID)
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	assert.Len(t, f.products("name:payments-dev"), 1)
	_, _, refused := f.sim.AccountOperations()
	assert.Positive(t, refused, "Control Tower did refuse the first attempt")
}

// towervend's gate keeps at most ConcurrencyLimit Account Factory operations
// in flight, and unmanages one account at a time: a Provision over the limit
// starts nothing and returns the document with its place in the queue.
func TestProvisionWaitsForASlot(t *testing.T) {
	t.Run("concurrency limit", func(t *testing.T) {
		f := newFixture(t, setup{config: func(c *vend.Config) { c.ConcurrencyLimit = 2 }})
		var running []*vend.Doc
		for i, name := range []string{"sandbox-a", "sandbox-b"} {
			doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, fmt.Sprintf("CHG500%d", i), name)})
			running = append(running, f.mustStep("Provision", f.deps.Provision, doc))
		}
		waiting := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, "CHG5009", "sandbox-c")})
		queuedAt := f.clk.Now().UTC().Format(time.RFC3339)
		waiting = f.mustStep("Provision", f.deps.Provision, waiting)
		q := waiting.Queue
		require.NotNil(t, q, "a full gate queues the request")
		assert.Nil(t, waiting.Operation)
		assert.Contains(t, q.Reason, "2 of 2 Control Tower account operations are in flight")
		assert.Equal(t, 2, q.InFlight)
		assert.Equal(t, 0, q.Ahead, "nobody waits before it")
		assert.Equal(t, 1, q.Checks)
		assert.Equal(t, queuedAt, q.Since)
		assert.GreaterOrEqual(t, q.WaitSeconds, 300, "first in line: woken when a slot frees, else asks again after five minutes")
		assert.LessOrEqual(t, q.WaitSeconds, 400)
		assert.Equal(t, 2, f.calls("servicecatalog", "ProvisionProduct"), "the third operation was not started")
		assert.Empty(t, f.products("name:sandbox-c"))

		f.advance(time.Duration(q.WaitSeconds) * time.Second)
		waiting = f.mustStep("Provision", f.deps.Provision, waiting)
		require.NotNil(t, waiting.Queue)
		assert.Equal(t, 2, waiting.Queue.Checks)
		assert.Equal(t, queuedAt, waiting.Queue.Since, "the queue time runs from the first refusal")

		for _, doc := range running {
			_, err := f.waitOperation(doc)
			require.NoError(t, err)
		}
		waiting = f.mustStep("Provision", f.deps.Provision, waiting)
		assert.Nil(t, waiting.Queue, "a started request leaves the queue")
		require.NotNil(t, waiting.Operation)
		since, err := time.Parse(time.RFC3339, queuedAt)
		require.NoError(t, err)
		assert.InDelta(t, f.clk.Now().Sub(since).Seconds(), waiting.Operation.QueuedSeconds, 2)
		_, err = f.waitOperation(waiting)
		require.NoError(t, err)
		assert.Len(t, f.sim.AccountsNamed("sandbox-c"), 1)
		_, peak, refused := f.sim.AccountOperations()
		assert.LessOrEqual(t, peak, 2)
		assert.Zero(t, refused)
	})
	t.Run("one unmanage at a time", func(t *testing.T) {
		f := newFixture(t, setup{})
		first := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "06-unmanage")})
		first = f.mustStep("Provision", f.deps.Provision, first)
		f.advance(time.Minute) // Control Tower takes it

		second := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, `{"requestId": "CHG5010", "action": "unmanage", "account": {"id": "941506978324"}}`)})
		second = f.mustStep("Provision", f.deps.Provision, second)
		require.NotNil(t, second.Queue)
		assert.Contains(t, second.Queue.Reason, "Control Tower unmanages one account at a time")
		assert.Equal(t, 0, second.Queue.Ahead)
		assert.GreaterOrEqual(t, second.Queue.WaitSeconds, 300)
		assert.LessOrEqual(t, second.Queue.WaitSeconds, 400)
		assert.Equal(t, 1, f.calls("servicecatalog", "TerminateProvisionedProduct"))

		_, err := f.waitOperation(first)
		require.NoError(t, err)
		second = f.mustStep("Provision", f.deps.Provision, second)
		assert.Nil(t, second.Queue)
		_, err = f.waitOperation(second)
		require.NoError(t, err)
		acct, _ := f.sim.Account(sandboxJdoeID)
		assert.False(t, acct.Enrolled)
	})
}

// wakeSFN records the tokens the steps wake (SendTaskSuccess) and answers
// as Step Functions does for a live token, or TaskTimedOut for one in gone.
type wakeSFN struct {
	vend.SFNAPI
	woken []string
	gone  map[string]bool
}

func (w *wakeSFN) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	tok := aws.ToString(in.TaskToken)
	if w.gone[tok] {
		return nil, &sfntypes.TaskTimedOut{Message: aws.String("Task Timed Out")}
	}
	w.woken = append(w.woken, tok)
	return &sfn.SendTaskSuccessOutput{}, nil
}

// The waiting line for Control Tower's slots (the waits table): a request's
// place is its execution's start time, its fallback wait grows with the
// requests ahead of it (logarithmic checks however long the line), a newcomer
// behind others queues without counting Control Tower's operations, and a
// freed slot wakes the longest waiter, skipping the dead.
func TestProvisionWaitingLine(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f := newFixture(t, setup{})
	var running []*vend.Doc
	for i := range 5 {
		doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, fmt.Sprintf("CHG600%d", i), fmt.Sprintf("sandbox-%d", i))})
		running = append(running, f.mustStep("Provision", f.deps.Provision, doc))
	}
	wakes := &wakeSFN{SFNAPI: f.deps.SFN, gone: map[string]bool{}}
	f.deps.SFN = wakes
	base := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, "CHG6100", "sandbox-late")})
	at := func(i int) *vend.Doc {
		doc := cloneDoc(t, base)
		doc.Request.RequestID = fmt.Sprintf("REQ%04d", i)
		doc.Execution = &vend.ExecutionRef{Name: doc.Request.RequestID, StartTime: t0.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano)}
		name := fmt.Sprintf("sandbox-late-%d", i)
		doc.Plan.AccountName, doc.Plan.ProductName, doc.Plan.AccountEmail = name, name, "aws+"+name+"@northwind.example"
		return doc
	}
	// 200 requests queue and wait in line, each with its token.
	for i := range 200 {
		doc := f.mustStep("Provision", f.deps.Provision, at(i))
		require.NotNil(t, doc.Queue, "REQ%04d", i)
		_, err := run(f, func(ctx context.Context) (vend.AwaitResult, error) {
			return f.deps.Await(ctx, vend.AwaitInput{Wait: vend.AwaitSlot, TaskToken: fmt.Sprintf("tok-%04d", i), Doc: doc})
		})
		require.NoError(t, err)
	}
	wait := func(q *vend.QueueStatus) time.Duration { return time.Duration(q.WaitSeconds) * time.Second }
	again := func(i int) *vend.QueueStatus {
		t.Helper()
		doc := at(i)
		doc.Queue = &vend.QueueStatus{Since: t0.Format(time.RFC3339), Checks: 1}
		out := f.mustStep("Provision", f.deps.Provision, doc)
		require.NotNil(t, out.Queue, "REQ%04d", i)
		return out.Queue
	}

	first := again(0)
	assert.Equal(t, 0, first.Ahead)
	assert.Equal(t, 5, first.InFlight)
	assert.GreaterOrEqual(t, wait(first), 5*time.Minute)
	assert.LessOrEqual(t, wait(first), 5*time.Minute*4/3)
	// 20 ahead, 5 slots, a typical operation of 20 minutes: twice 80 minutes.
	twentieth := again(20)
	assert.Equal(t, 20, twentieth.Ahead)
	assert.GreaterOrEqual(t, wait(twentieth), 160*time.Minute)
	assert.LessOrEqual(t, wait(twentieth), 160*time.Minute*4/3)
	// 190 ahead: twice 12h40m.
	last := again(190)
	assert.Equal(t, 190, last.Ahead)
	assert.GreaterOrEqual(t, wait(last), 2*760*time.Minute)
	assert.LessOrEqual(t, wait(last), 2*760*time.Minute*4/3)

	// A newcomer behind the line queues without counting Control Tower's operations.
	searches := f.calls("servicecatalog", "SearchProvisionedProducts")
	late := f.mustStep("Provision", f.deps.Provision, at(500))
	require.NotNil(t, late.Queue)
	assert.Equal(t, 200, late.Queue.Ahead)
	assert.Equal(t, -1, late.Queue.InFlight, "not counted")
	assert.Equal(t, searches, f.calls("servicecatalog", "SearchProvisionedProducts"))
	assert.Empty(t, wakes.woken, "nothing freed a slot yet")

	// An operation ends: the longest waiter is woken, a dead one skipped and dropped.
	wakes.gone["tok-0000"] = true
	_, err := f.waitOperation(running[0])
	require.NoError(t, err)
	assert.Equal(t, []string{"tok-0001"}, wakes.woken, "REQ0000's wait had ended: dropped, and REQ0001 woken")

	// REQ0001, woken, takes the slot and leaves the line. Control Tower
	// finished the other four meanwhile (no event here), which REQ0001's count
	// shows: it hands those four slots on to the next four.
	doc := at(1)
	doc.Queue = &vend.QueueStatus{Since: t0.Format(time.RFC3339), Checks: 3}
	doc.Wake = &vend.Wake{Source: "slot"}
	started := f.mustStep("Provision", f.deps.Provision, doc)
	require.Nil(t, started.Queue, "woken at the head of the line with a free slot: started")
	require.NotNil(t, started.Operation)
	assert.Equal(t, []string{"tok-0001", "tok-0002", "tok-0003", "tok-0004", "tok-0005"}, wakes.woken)

	// REQ0002 takes its slot; the three left are claimed by REQ0003..5, so it
	// wakes nobody.
	wakes.woken = nil
	doc = at(2)
	doc.Queue = &vend.QueueStatus{Since: t0.Format(time.RFC3339), Checks: 2}
	require.Nil(t, f.mustStep("Provision", f.deps.Provision, doc).Queue)
	assert.Empty(t, wakes.woken)

	// REQ0030 asks by itself (its fallback): three slots are free but
	// claimed by the woken ones ahead, so it keeps its place and wakes nobody.
	q := again(30)
	assert.Equal(t, 27, q.Ahead)
	assert.Empty(t, wakes.woken)
	// Ten minutes on, the claims have lapsed (those executions never came):
	// the slots go to the next live waiters, the lapsed ones are woken again
	// (and dropped if they cannot be).
	wakes.gone["tok-0003"] = true
	f.advance(11 * time.Minute)
	again(30)
	assert.Equal(t, []string{"tok-0004", "tok-0005", "tok-0006"}, wakes.woken)

	// A request that must wait for those ahead hands free slots to them
	// only, never to those behind it: they would see it ahead and hand the
	// slots back, over and over while the slots stay free. With the claims
	// lapsed again, REQ0005 asks: only REQ0004 is ahead of it and live.
	wakes.woken = nil
	f.advance(11 * time.Minute)
	q = again(5)
	assert.Equal(t, 1, q.Ahead)
	assert.Equal(t, []string{"tok-0004"}, wakes.woken, "three slots free, but only REQ0004 is ahead")
}

// A provisioning that Control Tower fails stops the request with Control
// Tower's reason. Redriven, the request re-runs the operation with
// UpdateProvisionedProduct on the same provisioned product: no second account.
func TestFailedProvisioningIsRerunWithoutASecondAccount(t *testing.T) {
	f := newFixture(t, setup{world: func(w *awssim.World) { w.Faults.FailProvisioning = []string{"payments-dev"} }})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")}) // announces accepted
	doc = f.mustStep("Provision", f.deps.Provision, doc)

	doc, err := f.waitOperation(doc)
	se := stepError(t, err)
	require.Equal(t, vend.ErrProvisioningFailed, se.Name)
	assert.False(t, se.Transient())
	assert.Contains(t, se.Reason, "a stack set instance operation failed", "Control Tower's reason")
	assert.Contains(t, se.Reason, "try again. Fix the cause", "one sentence ends before the remedy")
	assert.Contains(t, se.Reason, "redrive")
	failed := f.sim.AccountsNamed("payments-dev")
	require.Len(t, failed, 1, "Control Tower created the account before it failed")

	// Catch -> ProvisionStatusFailed -> ReportFailure.
	doc.Error = caught(t, se)
	doc.Failure = &vend.FailurePoint{Step: "ProvisionStatus", RedriveCount: 0}
	_, err = run(f, func(ctx context.Context) (*vend.Doc, error) {
		return f.deps.ReportFailure(ctx, vend.NotifyInput{State: vend.StateFailed, Doc: *cloneDoc(t, doc)})
	})
	failedWith := stepError(t, err)
	assert.Equal(t, vend.ErrRequestFailed, failedWith.Name, "the execution fails as reported")
	assert.True(t, strings.HasPrefix(failedWith.Reason, vend.ErrProvisioningFailed+": "), "carrying the step's error: %s", failedWith.Reason)
	ns := f.notifications()
	require.Equal(t, vend.StateFailed, ns[len(ns)-1].State)
	assert.Equal(t, failed[0].ID, ns[len(ns)-1].AccountID, "the failure names the account Control Tower made")

	// An operator redrives the execution: ReportFailure runs again and resumes at Provision.
	resumed, err := run(f, func(ctx context.Context) (*vend.Doc, error) {
		return f.deps.ReportFailure(ctx, vend.NotifyInput{State: vend.StateFailed, Doc: *cloneDoc(t, doc), RedriveCount: 1})
	})
	require.NoError(t, err)
	require.Equal(t, "Provision", resumed.Failure.Step)
	doc = f.mustStep("Provision", f.deps.Provision, resumed)
	doc, err = f.waitOperation(doc)
	require.NoError(t, err)
	doc = f.finish(doc)

	assert.Equal(t, failed[0].ID, doc.AccountID, "the account of the failed attempt")
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1, "no second account")
	assert.Len(t, f.products("name:payments-dev"), 1)
	assert.Equal(t, 1, f.calls("servicecatalog", "ProvisionProduct"))
	assert.Equal(t, 1, f.calls("servicecatalog", "UpdateProvisionedProduct"), "re-run as an update")
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	acct, _ := f.sim.Account(doc.AccountID)
	assert.True(t, acct.Enrolled)
	assert.Equal(t, []string{vend.StateAccepted, vend.StateFailed, vend.StateAccepted, vend.StateSucceeded}, f.states("CHG1001"))
}

// The provision function crashes after ProvisionProduct went through, before
// its result reached the workflow; Lambda runs it again with the same input.
// The retry adopts the first call's record: one account, one provisioned product.
func TestCrashAfterProvisionProductAdoptsTheFirstCall(t *testing.T) {
	f := newFixture(t, setup{})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})

	lost := f.mustStep("Provision", f.deps.Provision, doc) // its output dies with the function
	retried := f.mustStep("Provision", f.deps.Provision, doc)
	require.NotNil(t, retried.Operation)
	assert.True(t, retried.Operation.Adopted)
	assert.Equal(t, lost.Operation.RecordID, retried.Operation.RecordID, "the retry follows the first call's record")
	assert.Equal(t, 1, f.calls("servicecatalog", "ProvisionProduct"))

	retried, err := f.waitOperation(retried)
	require.NoError(t, err)
	retried = f.finish(retried)
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	pps := f.products("name:payments-dev")
	require.Len(t, pps, 1)
	assert.Equal(t, retried.AccountID, aws.ToString(pps[0].PhysicalId))
}

// With 30% of the calls to every service throttled, a whole create still
// succeeds: the SDK retries, waiting on the clock.
func TestThrottlingEverywhereStillVends(t *testing.T) {
	f := newFixture(t, setup{})
	throttle := map[string]float64{}
	for _, svc := range []string{"organizations", "servicecatalog", "controltower", "sso", "identitystore", "sts", "sqs", "events", "states"} {
		throttle[svc] = 0.3
	}
	f.sim.SetFaults(awssim.Faults{Throttle: throttle})
	doc := f.workflow(sampleRequest(t, "01-create"))

	require.NotEmpty(t, doc.AccountID)
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	acct, _ := f.sim.Account(doc.AccountID)
	assert.Equal(t, "2100", acct.Tags["CostCenter"])
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	assert.Contains(t, f.assignments(doc.AccountID), "group payments-developers: AWSPowerUserAccess")
	assert.Equal(t, []string{vend.StateAccepted, vend.StateSucceeded}, f.states("CHG1001"))
}

// Control Tower taking longer than the wait budget fails the request with
// TowerVend.Timeout rather than waiting forever; redriven, towervend waits
// for the same operation afresh and picks up its result.
func TestSlowOperationTimesOutAndIsWaitedForAgain(t *testing.T) {
	f := newFixture(t, setup{config: func(c *vend.Config) { c.WaitBudget = 60 * time.Minute },
		world: func(w *awssim.World) { w.ControlTower.ProvisioningTime = awssim.Duration(100 * time.Minute) }})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	doc = f.mustStep("Provision", f.deps.Provision, doc)

	doc, err := f.waitOperation(doc)
	se := stepError(t, err)
	require.Equal(t, vend.ErrTimeout, se.Name, se.Reason)
	assert.False(t, se.Transient())
	assert.Contains(t, se.Reason, "has not finished record "+doc.Operation.RecordID)
	assert.Contains(t, se.Reason, "redrive this request")

	doc.Error = caught(t, se)
	doc.Failure = &vend.FailurePoint{Step: "ProvisionStatus"}
	resumed, err := run(f, func(ctx context.Context) (*vend.Doc, error) {
		return f.deps.ReportFailure(ctx, vend.NotifyInput{State: vend.StateFailed, Doc: *cloneDoc(t, doc), RedriveCount: 1})
	})
	require.NoError(t, err)
	require.Equal(t, "ProvisionStatus", resumed.Failure.Step, "the operation is waited for, not started again")
	assert.Greater(t, resumed.Operation.StartedAt, doc.Operation.StartedAt, "the wait budget starts afresh")

	doc, err = f.waitOperation(resumed)
	require.NoError(t, err)
	assert.Equal(t, doc.Operation.RecordID, resumed.Operation.RecordID)
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	assert.Equal(t, 1, f.calls("servicecatalog", "ProvisionProduct"))
}

// An operation on a product that is still changing (started by hand, or by
// a request that took no turn) is waited for, never failed: Service
// Catalog's InvalidParametersException for UNDER_CHANGE becomes
// TowerVend.ControlTowerBusy, which the Provision state retries.
func TestAProductStillChangingIsWaitedFor(t *testing.T) {
	f := newFixture(t, setup{})
	move := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t,
		`{"requestId": "CHG5001", "action": "update", "account": {"id": "952617089435", "organizationalUnit": "Workloads/NonProd"}`+byJane+`}`)})
	f.mustStep("Provision", f.deps.Provision, move)
	unmanage := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t,
		`{"requestId": "CHG5002", "action": "unmanage", "account": {"id": "952617089435"}`+byJane+`}`)})
	_, err := f.step(f.deps.Provision, unmanage)
	se := stepError(t, err)
	assert.Equal(t, vend.ErrControlTowerBusy, se.Name)
	assert.Contains(t, se.Reason, "still changing under another operation")
}
