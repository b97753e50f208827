package vend_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/vend"
)

// autoEnrollment is a fixture whose landing zone enrolls accounts moved into
// its registered OUs and whose towervend vends that way; edit changes its
// world further (faults, say).
func autoEnrollment(t *testing.T, edit ...func(*awssim.World)) *fixture {
	return newFixture(t, setup{
		world: func(w *awssim.World) {
			w.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"}
			for _, e := range edit {
				e(w)
			}
		},
		config: func(c *vend.Config) { c.Provisioning = vend.ProvisioningAutoEnrollment },
	})
}

// A create with auto-enrollment: Organizations CreateAccount in the root, a
// move into the OU, Control Tower's baseline on the account; no Account
// Factory product. The owner, an Identity Center user, gets the administrator
// access Account Factory would have given.
func TestAutoEnrollmentCreates(t *testing.T) {
	f := autoEnrollment(t)
	doc := f.workflow(sampleRequest(t, "01-create"))
	assert.Equal(t, vend.OpCreateAccount, doc.Plan.Operation)
	require.NotEmpty(t, doc.AccountID)
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	acct, _ := f.sim.Account(doc.AccountID)
	assert.True(t, acct.Enrolled, "Control Tower enrolled it after the move")
	assert.Empty(t, f.products("physicalId:"+doc.AccountID), "no Account Factory product")
	assert.Zero(t, f.calls("servicecatalog", "ProvisionProduct"))
	assert.Equal(t, 1, f.calls("organizations", "CreateAccount"))
	have := f.assignments(doc.AccountID)
	assert.Contains(t, have, "user raj.patel: AWSAdministratorAccess", "the owner")
	assert.Contains(t, have, "group payments-developers: AWSPowerUserAccess")
	assert.Equal(t, "2100", acct.Tags["CostCenter"])
	assert.Equal(t, []string{vend.StateAccepted, vend.StateSucceeded}, f.states("CHG1001"))
}

// A create that crashed after CreateAccount, before its document was kept,
// is repeated from the document it started with: it finds its own request
// (ListCreateAccountStatus) and ends with one account, in its OU.
func TestAutoEnrollmentCreateRepeatedAfterACrashMakesOneAccount(t *testing.T) {
	f := autoEnrollment(t)
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create"),
		Execution: &vend.ExecutionRef{StateMachineArn: "arn:aws:states:eu-west-1:111122223333:stateMachine:towervend-vending", Name: "CHG1001",
			StartTime: f.clk.Now().UTC().Format("2006-01-02T15:04:05.000Z")}})
	before := cloneDoc(t, doc)
	f.mustStep("Provision", f.deps.Provision, doc) // its result is lost with the crash
	doc = f.mustStep("Provision", f.deps.Provision, before)
	require.True(t, doc.Operation.Adopted, "the second try adopted the first's CreateAccount")
	doc, err := f.waitOperation(doc)
	require.NoError(t, err)
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	assert.Equal(t, 1, f.calls("organizations", "CreateAccount"))
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
}

// Enroll, move between OUs and unmanage are moves; unmanaging moves the
// account to the root, where Control Tower unenrolls it.
func TestAutoEnrollmentMoves(t *testing.T) {
	f := autoEnrollment(t)
	doc := f.workflow(decode(t, `{"requestId": "CHG5101", "action": "enroll", "account": {"id": "730335518842", "organizationalUnit": "Workloads/Prod"}, "tags": {"CostCenter": "4100"}}`))
	assert.Equal(t, vend.OpMoveAccount, doc.Plan.Operation)
	assert.False(t, doc.Plan.CheckRole, "Control Tower deploys its role when it auto-enrolls")
	acct, _ := f.sim.Account(marketingID)
	assert.True(t, acct.Enrolled)
	assert.Equal(t, "Workloads/Prod", f.ouPath(marketingID))

	f.workflow(decode(t, `{"requestId": "CHG5102", "action": "update", "account": {"id": "730335518842", "organizationalUnit": "Sandbox"}}`))
	assert.Equal(t, "Sandbox", f.ouPath(marketingID))

	doc = f.workflow(decode(t, `{"requestId": "CHG5103", "action": "unmanage", "account": {"id": "730335518842"}}`))
	assert.Equal(t, vend.OpMoveAccount, doc.Plan.Operation)
	assert.Empty(t, f.ouPath(marketingID), "in the root")
	acct, _ = f.sim.Account(marketingID)
	assert.False(t, acct.Enrolled, "moved out, unenrolled")
	assert.Zero(t, f.calls("servicecatalog", "TerminateProvisionedProduct"))
}

// Organizations' failure reasons are said plainly.
func TestAutoEnrollmentCreateFailureIsExplained(t *testing.T) {
	f := autoEnrollment(t, func(w *awssim.World) {
		w.Faults.FailCreateAccount = []awssim.CreateAccountFailure{{Name: "payments-dev", Reason: "ACCOUNT_LIMIT_EXCEEDED"}}
	})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	doc = f.mustStep("Provision", f.deps.Provision, doc)
	_, err := f.waitOperation(doc)
	se := stepError(t, err)
	assert.Equal(t, vend.ErrProvisioningFailed, se.Name)
	assert.Contains(t, se.Reason, "the organization has as many accounts as its quota allows")
	assert.Contains(t, se.Reason, "Fix: ask AWS Support")
	out, err := run(f, func(ctx context.Context) (*organizations.ListAccountsOutput, error) {
		return organizations.NewFromConfig(f.cfg).ListAccounts(ctx, &organizations.ListAccountsInput{})
	})
	require.NoError(t, err)
	for _, a := range out.Accounts {
		assert.NotEqual(t, "payments-dev", aws.ToString(a.Name))
	}
}

// A create that failed between CreateAccount and MoveAccount (the move's
// Provision lost, or the execution failed there and was redriven) resumes at
// the move: one account, in its OU.
func TestAutoEnrollmentCreateResumesAtTheMove(t *testing.T) {
	f := autoEnrollment(t)
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	doc = f.mustStep("Provision", f.deps.Provision, doc)
	for !doc.Operation.Restart {
		f.advance(time.Duration(doc.Operation.WaitSeconds) * time.Second)
		doc = f.mustStep("ProvisionStatus", f.deps.ProvisionStatus, doc)
	}
	require.Equal(t, vend.PhaseMove, doc.Operation.Phase)
	created := doc.AccountID
	assert.Empty(t, f.ouPath(created), "created in the root")
	atMove := cloneDoc(t, doc)
	f.mustStep("Provision", f.deps.Provision, doc) // moved; this step's result is lost
	doc = f.mustStep("Provision", f.deps.Provision, atMove)
	assert.Equal(t, vend.PhaseEnroll, doc.Operation.Phase)
	doc, err := f.waitOperation(doc)
	require.NoError(t, err)
	assert.Equal(t, created, doc.AccountID)
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	assert.Equal(t, "Workloads/NonProd", f.ouPath(created))
	acct, _ := f.sim.Account(created)
	assert.True(t, acct.Enrolled)
}

// auto follows the landing zone; autoEnrollment on a landing zone that does
// not auto-enroll vends through Organizations too (enrolled by baseline reset).
func TestProvisioningFollowsTheLandingZone(t *testing.T) {
	plan := func(remediation []string, provisioning string) *vend.Doc {
		f := newFixture(t, setup{
			world:  func(w *awssim.World) { w.ControlTower.RemediationTypes = remediation },
			config: func(c *vend.Config) { c.Provisioning = provisioning },
		})
		return f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	}
	assert.Equal(t, vend.OpCreateAccount, plan([]string{"INHERITANCE_DRIFT"}, vend.ProvisioningAuto).Plan.Operation)
	assert.Equal(t, vend.OpProvision, plan(nil, vend.ProvisioningAuto).Plan.Operation)
	assert.Equal(t, vend.OpProvision, plan([]string{"INHERITANCE_DRIFT"}, vend.ProvisioningAccountFactory).Plan.Operation)
	assert.Equal(t, vend.OpCreateAccount, plan(nil, vend.ProvisioningAutoEnrollment).Plan.Operation)
}

// An account towervend created in the root, not yet moved into its OU, is
// the create's own: the hourly sweep leaves it to its request.
func TestSweepLeavesAnAutoEnrollmentCreateToItsRequest(t *testing.T) {
	f := autoEnrollment(t)
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	doc = f.mustStep("Provision", f.deps.Provision, doc)
	for !doc.Operation.Restart {
		f.advance(time.Duration(doc.Operation.WaitSeconds) * time.Second)
		doc = f.mustStep("ProvisionStatus", f.deps.ProvisionStatus, doc)
	}
	require.Empty(t, f.ouPath(doc.AccountID), "created, still in the root")
	res := f.lifecycle(sampleEvent(t, "eventbridge-scheduled-event"))
	require.Equal(t, "reconciled", res.Action, res.Reason)
	assert.Empty(t, res.Executions, "the account is CHG1001's, not a stranger's")
	assert.Empty(t, f.executions())
}

// Control Tower refuses an enrollment it cannot start (busy here): the
// account is moved out of the OU and back in, and enrolled; one account.
func TestAutoEnrollmentRefusedIsMovedOutAndBackIn(t *testing.T) {
	f := autoEnrollment(t, func(w *awssim.World) {
		w.Faults.ControlTowerBusy = []awssim.Window{{From: 0, Until: awssim.Duration(20 * time.Minute)}}
	})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	doc = f.mustStep("Provision", f.deps.Provision, doc)
	doc, err := f.waitOperation(doc)
	require.NoError(t, err)
	assert.Positive(t, doc.Operation.Retries, "the refused enrollment was tried again")
	require.NotEmpty(t, doc.Notes)
	assert.Contains(t, doc.Notes[0], "towervend moves it out of the OU and back in")
	acct, _ := f.sim.Account(doc.AccountID)
	assert.True(t, acct.Enrolled)
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	_, _, refused := f.sim.AccountOperations()
	assert.Positive(t, refused, "Control Tower did refuse the first move")
}

// An enrollment that fails part-way fails the request with Control Tower's
// reason; a redrive moves the account out and back in, which enrolls it.
func TestAutoEnrollmentFailedPartWayIsRedriven(t *testing.T) {
	f := autoEnrollment(t, func(w *awssim.World) { w.Faults.FailProvisioning = []string{"payments-dev"} })
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	doc = f.mustStep("Provision", f.deps.Provision, doc)
	failedAt, err := f.waitOperation(doc)
	se := stepError(t, err)
	assert.Equal(t, vend.ErrProvisioningFailed, se.Name)
	assert.Contains(t, se.Reason, "stack set instance operation failed")
	assert.Contains(t, se.Reason, "A redrive moves the account out of the OU and back in")
	acct, _ := f.sim.Account(failedAt.AccountID)
	assert.False(t, acct.Enrolled)

	// The redrive: the workflow's Catch kept ProvisionStatus' input; it goes
	// back to Provision.
	failedAt.RedriveCount = 1
	doc = f.mustStep("Provision", f.deps.Provision, failedAt)
	assert.Equal(t, vend.PhaseOut, doc.Operation.Phase)
	assert.Empty(t, f.ouPath(doc.AccountID), "moved out to the root")
	sweep := f.lifecycle(sampleEvent(t, "eventbridge-scheduled-event"))
	assert.Empty(t, sweep.Executions, "out in the root, the account is still CHG1001's: the sweep leaves it")
	doc, err = f.waitOperation(doc)
	require.NoError(t, err)
	acct, _ = f.sim.Account(doc.AccountID)
	assert.True(t, acct.Enrolled)
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	assert.Equal(t, 1, f.calls("organizations", "CreateAccount"))
}

// A create holds its OU's line until its account moves in, so the OU's next
// create waits; the hold of an execution that died lapses after an hour, and
// the next create's own fallback then finds the way free.
func TestAutoEnrollmentCreateHoldsItsOUAndTheHoldLapses(t *testing.T) {
	f := autoEnrollment(t)
	exec := func(name string) *vend.ExecutionRef {
		return &vend.ExecutionRef{StateMachineArn: "arn:aws:states:eu-west-1:111122223333:stateMachine:towervend-vending", Name: name,
			StartTime: f.clk.Now().UTC().Format("2006-01-02T15:04:05.000Z")}
	}
	first := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: sampleRequest(t, "01-create"), Execution: exec("CHG1001")})
	first = f.mustStep("Provision", f.deps.Provision, first)
	require.NotNil(t, first.Operation, "the first create started") // its execution dies here

	f.advance(time.Second)
	second := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Execution: exec("CHG5201"), Request: decode(t, `{"requestId": "CHG5201", "action": "create",
		"account": {"name": "payments-qa", "email": "aws+payments-qa@northwind.example", "organizationalUnit": "Workloads/NonProd"},
		"owner": {"email": "raj.patel@northwind.example", "firstName": "Raj", "lastName": "Patel"}, "tags": {"CostCenter": "2100"}}`)})
	require.False(t, second.Plan.Rejected, "%v", second.Plan.Problems)
	second = f.mustStep("Provision", f.deps.Provision, second)
	require.NotNil(t, second.Queue, "the OU's line is held by the first create")
	assert.Equal(t, first.Plan.MoveTo, second.Queue.OU)
	assert.Contains(t, second.Queue.Reason, "creating accounts for OU")
	assert.Nil(t, second.Operation)

	f.advance(time.Duration(second.Queue.WaitSeconds) * time.Second) // no wake comes: the first never moves in
	second.Wake = &vend.Wake{Error: "States.Timeout"}
	second = f.mustStep("Provision", f.deps.Provision, second)
	assert.Nil(t, second.Queue, "the dead create's hold lapsed")
	require.NotNil(t, second.Operation)
	assert.Equal(t, vend.OpCreateAccount, second.Operation.Kind)
}

// With auto-enrollment a move into an unregistered OU would unenroll the
// account: it is refused, and the fix names unmanage for doing that on purpose.
func TestAutoEnrollmentRefusesAMoveThatWouldUnenroll(t *testing.T) {
	f := autoEnrollment(t)
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t,
		`{"requestId": "CHG5301", "action": "update", "account": {"id": "730335518842", "organizationalUnit": "Legacy"}}`)})
	require.True(t, doc.Plan.Rejected)
	p := doc.Plan.Problems[0]
	assert.Equal(t, "account.organizationalUnit", p.Field)
	assert.Contains(t, p.Message, "an account moved there is unenrolled")
	assert.Contains(t, p.Fix, "send action unmanage")
	assert.Zero(t, f.calls("organizations", "MoveAccount"))
}

// byReset is a fixture whose landing zone does not auto-enroll and whose
// towervend vends through Organizations: accounts are enrolled by resetting
// their OU's baseline.
func byReset(t *testing.T) *fixture {
	return newFixture(t, setup{config: func(c *vend.Config) { c.Provisioning = vend.ProvisioningAutoEnrollment }})
}

// Where the landing zone does not auto-enroll, a create moves the account
// into its OU and resets the OU's baseline, which enrolls it.
func TestCreateEnrolledByBaselineReset(t *testing.T) {
	f := byReset(t)
	doc := f.workflow(sampleRequest(t, "01-create"))
	assert.Equal(t, vend.OpCreateAccount, doc.Plan.Operation)
	assert.NotEmpty(t, doc.Operation.BaselineOperationID)
	acct, _ := f.sim.Account(doc.AccountID)
	assert.True(t, acct.Enrolled, "the OU's reset enrolled it")
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	assert.Equal(t, 1, f.calls("organizations", "CreateAccount"))
	assert.Equal(t, 1, f.calls("controltower", "/reset-enabled-baseline"))
	assert.Zero(t, f.calls("servicecatalog", "ProvisionProduct"))
	assert.Equal(t, []string{vend.StateAccepted, vend.StateSucceeded}, f.states("CHG1001"))
}

// Without auto-enrollment a move out would not unenroll an account enrolled
// through its OU's baseline: unmanage is refused, saying what to turn on.
func TestUnmanageWithoutAutoEnrollmentIsRefused(t *testing.T) {
	f := byReset(t)
	doc := f.workflow(sampleRequest(t, "01-create"))
	un := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t,
		`{"requestId": "CHG5401", "action": "unmanage", "account": {"id": "`+doc.AccountID+`"}}`)})
	require.True(t, un.Plan.Rejected)
	assert.Contains(t, un.Plan.Problems[0].Message, "would leave it drifted, not unmanaged")
	assert.Contains(t, un.Plan.Problems[0].Fix, "INHERITANCE_DRIFT")
}

// A reset applies the baseline to every account in the OU, which can take
// hours: towervend waits for it past its usual budget for one operation.
func TestBaselineResetOutlastsTheUsualWaitBudget(t *testing.T) {
	f := newFixture(t, setup{config: func(c *vend.Config) {
		c.Provisioning = vend.ProvisioningAutoEnrollment
		c.WaitBudget = 10 * time.Minute // shorter than the reset's 30 minutes
	}})
	doc := f.workflow(sampleRequest(t, "01-create"))
	acct, _ := f.sim.Account(doc.AccountID)
	assert.True(t, acct.Enrolled)
	assert.True(t, doc.Plan.ByReset)
}
