package vend_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// Every action of the request contract, carried through the steps in the
// state machine's order on the simulated world, leaves the world as the
// requester asked.
func TestEveryActionThroughTheSteps(t *testing.T) {
	tests := []struct {
		name  string
		world func(*awssim.World)
		req   func(t *testing.T) request.Request
		check func(t *testing.T, f *fixture, doc *vend.Doc)
	}{
		{
			name: "create",
			req:  func(t *testing.T) request.Request { return sampleRequest(t, "01-create") },
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				require.NotEmpty(t, doc.AccountID, "the new account's id is known after provisioning")
				acct, ok := f.sim.Account(doc.AccountID)
				require.True(t, ok)
				assert.Equal(t, "payments-dev", acct.Name)
				assert.Equal(t, "aws+payments-dev@northwind.example", acct.Email)
				assert.True(t, acct.Enrolled, "Control Tower manages the new account")
				assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
				assert.Equal(t, map[string]string{"CostCenter": "2100", "DataClassification": "internal"}, acct.Tags)
				assert.Equal(t, []string{
					"group payments-developers: AWSPowerUserAccess",
					"group security-auditors: ViewOnlyAccess", // the OU's default access (policy)
					"user raj.patel: AWSAdministratorAccess",  // Account Factory's owner
				}, f.assignments(doc.AccountID))
				pps := f.products("physicalId:" + doc.AccountID)
				require.Len(t, pps, 1)
				assert.Equal(t, "payments-dev", aws.ToString(pps[0].Name))

				ns := f.notifications()
				require.Len(t, ns, 2)
				assert.Equal(t, vend.StateAccepted, ns[0].State)
				done := ns[1]
				assert.Equal(t, vend.StateSucceeded, done.State)
				assert.Equal(t, "CHG1001", done.RequestID)
				assert.Equal(t, "RITM0012345", done.Ticket)
				assert.Equal(t, doc.AccountID, done.AccountID)
				assert.Equal(t, "Workloads/NonProd", done.OrganizationalUnit)
				assert.ElementsMatch(t, []string{"group payments-developers: AWSPowerUserAccess", "group security-auditors: ViewOnlyAccess"}, done.Access)
			},
		},
		{
			name: "create in the sandbox with a user's access",
			req:  func(t *testing.T) request.Request { return sampleRequest(t, "02-create-sandbox") },
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				assert.Equal(t, "Sandbox", f.ouPath(doc.AccountID))
				assert.Equal(t, []string{
					"group finops-readers: BillingReadOnly",
					"user li.wei: AWSAdministratorAccess",
				}, f.assignments(doc.AccountID))
				assert.Equal(t, []string{vend.StateAccepted, vend.StateSucceeded}, f.states("CHG1002"))
			},
		},
		{
			name: "enroll",
			req:  func(t *testing.T) request.Request { return sampleRequest(t, "03-enroll") },
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				assert.Equal(t, marketingID, doc.AccountID)
				acct, _ := f.sim.Account(marketingID)
				assert.True(t, acct.Enrolled)
				assert.Equal(t, "Workloads/Prod", f.ouPath(marketingID))
				assert.Len(t, f.sim.AccountsNamed("marketing-analytics"), 1, "enrolling creates no account")
				assert.Equal(t, "4100", acct.Tags["CostCenter"])
				assert.Equal(t, []string{
					"group platform-admins: AWSReadOnlyAccess",
					"group security-auditors: ViewOnlyAccess",
					"user maria.garcia: AWSAdministratorAccess",
				}, f.assignments(marketingID))
				assert.Len(t, f.products("physicalId:"+marketingID), 1)
				assert.Equal(t, []string{vend.StateAccepted, vend.StateSucceeded}, f.states("CHG1003"))
			},
		},
		{
			name: "update: move, new owner revoking the old one, tags and access",
			// Control Tower made an Identity Center user for the account's email
			// when it enrolled the account, with AWSAdministratorAccess on it.
			world: func(w *awssim.World) {
				ic := &w.IdentityCenter
				ic.Users = append(ic.Users, awssim.UserSpec{UserName: stagingOwnerEmail, Email: stagingOwnerEmail, GivenName: "Admin", FamilyName: "User"})
				ic.Assignments = append(ic.Assignments, awssim.AssignmentSpec{Account: "payments-staging", User: stagingOwnerEmail, PermissionSet: "AWSAdministratorAccess"})
			},
			req: func(t *testing.T) request.Request {
				return decode(t, `{"requestId": "CHG2001", "action": "update",
					"account": {"id": "830495867213", "organizationalUnit": "Workloads/Prod"},
					"owner": {"email": "maria.garcia@northwind.example", "firstName": "Maria", "lastName": "Garcia"},
					"revokePreviousOwner": true, "revokeDisallowedAccess": true,
					"access": [{"group": "payments-admins", "permissionSet": "AWSReadOnlyAccess"}],
					"tags": {"Legacy": null, "DataClassification": "confidential"},
					"requester": {"system": "servicenow", "ticket": "RITM0020001", "by": "raj.patel@northwind.example"}}`)
			},
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				assert.Equal(t, vend.OpUpdate, doc.Plan.Operation)
				assert.Equal(t, "Workloads/Prod", f.ouPath(paymentsStagingID), "moved by UpdateProvisionedProduct")
				acct, _ := f.sim.Account(paymentsStagingID)
				assert.Equal(t, map[string]string{"CostCenter": "2100", "DataClassification": "confidential"}, acct.Tags,
					"Legacy removed, DataClassification set, CostCenter kept")
				assert.Equal(t, []string{
					"group payments-admins: AWSReadOnlyAccess",
					// payments-developers' AWSPowerUserAccess is gone: Workloads/Prod's policy does not allow it
					"group platform-admins: AWSReadOnlyAccess", // Workloads/Prod's default access
					"group security-auditors: ViewOnlyAccess",
					"user maria.garcia: AWSAdministratorAccess", // the new owner, by Account Factory
				}, f.assignments(paymentsStagingID), "the previous owner's access is gone")
				pps := f.products("physicalId:" + paymentsStagingID)
				require.Len(t, pps, 1, "the same provisioned product, updated")
				assert.Equal(t, "maria.garcia@northwind.example", f.recordOutput(aws.ToString(pps[0].LastSuccessfulProvisioningRecordId), "SSOUserEmail"))
				assert.Len(t, f.sim.AccountsNamed("payments-staging"), 1)
				assert.Zero(t, f.calls("servicecatalog", "ProvisionProduct"))
				assert.Equal(t, []string{vend.StateAccepted, vend.StateSucceeded}, f.states("CHG2001"))
			},
		},
		{
			name: "update without an OU or owner changes only access and tags",
			req: func(t *testing.T) request.Request {
				return decode(t, `{"requestId": "CHG2002", "action": "update", "account": {"id": "618273645091"},
					"access": [{"user": "li.wei@northwind.example", "permissionSet": "ViewOnlyAccess"}],
					"tags": {"Team": "payments"}}`)
			},
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				assert.Equal(t, vend.OpNone, doc.Plan.Operation, "no Account Factory operation")
				assert.Zero(t, f.calls("servicecatalog", "UpdateProvisionedProduct"))
				assert.Equal(t, "Workloads/Prod", f.ouPath(paymentsProdID))
				acct, _ := f.sim.Account(paymentsProdID)
				assert.Equal(t, "payments", acct.Tags["Team"])
				assert.Contains(t, f.assignments(paymentsProdID), "user li.wei: ViewOnlyAccess")
			},
		},
		{
			name: "update the access of an account in Root",
			req: func(t *testing.T) request.Request {
				return decode(t, `{"requestId": "CHG2003", "action": "update", "account": {"id": "730335518842"},
					"access": [{"group": "finops-readers", "permissionSet": "BillingReadOnly"}]}`)
			},
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				assert.Equal(t, "", f.ouPath(marketingID))
				assert.Equal(t, []string{"group finops-readers: BillingReadOnly"}, f.assignments(marketingID))
			},
		},
		{
			name: "unmanage",
			req:  func(t *testing.T) request.Request { return sampleRequest(t, "06-unmanage") },
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				acct, _ := f.sim.Account(hackathonID)
				assert.False(t, acct.Enrolled)
				assert.Equal(t, "", f.ouPath(hackathonID), "the account is left in Root")
				assert.Equal(t, "ACTIVE", acct.Status, "unmanaging does not close")
				assert.Empty(t, f.products("physicalId:"+hackathonID), "the provisioned product is terminated")
				assert.Equal(t, []string{vend.StateAccepted, vend.StateSucceeded}, f.states("CHG1006"))
			},
		},
		{
			name: "close",
			req:  func(t *testing.T) request.Request { return sampleRequest(t, "07-close") },
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				acct, _ := f.sim.Account(sandboxJdoeID)
				assert.Equal(t, "PENDING_CLOSURE", acct.Status)
				assert.False(t, acct.Enrolled, "unmanaged before it was closed")
				assert.Empty(t, f.products("physicalId:"+sandboxJdoeID))
				ns := f.notifications()
				require.Len(t, ns, 2)
				assert.Equal(t, vend.StateSucceeded, ns[1].State)
				assert.Equal(t, sandboxJdoeID, ns[1].AccountID)
				assert.Contains(t, ns[1].Notes, "the account is closing: AWS suspends it now and closes it for good after 90 days")
			},
		},
		{
			name: "close an account Control Tower does not manage",
			req: func(t *testing.T) request.Request {
				return decode(t, `{"requestId": "CHG2004", "action": "close", "account": {"id": "730335518842"}}`)
			},
			check: func(t *testing.T, f *fixture, doc *vend.Doc) {
				assert.Equal(t, vend.OpNone, doc.Plan.Operation, "nothing to unmanage first")
				assert.Zero(t, f.calls("servicecatalog", "TerminateProvisionedProduct"))
				acct, _ := f.sim.Account(marketingID)
				assert.Equal(t, "PENDING_CLOSURE", acct.Status)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{world: tt.world})
			doc := f.workflow(tt.req(t))
			assert.Empty(t, doc.Error)
			tt.check(t, f, doc)
		})
	}
}

// Running a finished request's steps again changes nothing more: the
// operation is adopted, assignments and tags that exist are success.
func TestRepeatedStepsAreNoOps(t *testing.T) {
	f := newFixture(t, setup{})
	req := sampleRequest(t, "01-create")
	doc := f.workflow(req)
	before := f.assignments(doc.AccountID)

	again := f.mustStep("Provision", f.deps.Provision, &vend.Doc{Request: req, Plan: doc.Plan})
	require.NotNil(t, again.Operation)
	assert.True(t, again.Operation.Adopted, "the finished operation is adopted, not started again")
	again, err := f.waitOperation(again)
	require.NoError(t, err)
	assert.Equal(t, doc.AccountID, again.AccountID)
	again.Access = nil
	again = f.finish(again)
	for _, it := range again.Access.Items {
		assert.Equal(t, "SUCCEEDED", it.Status, it.String())
	}
	assert.Equal(t, before, f.assignments(doc.AccountID))
	assert.Len(t, f.sim.AccountsNamed("payments-dev"), 1)
	assert.Equal(t, 1, f.calls("servicecatalog", "ProvisionProduct"))
	assert.Equal(t, 2, f.calls("sso", "CreateAccountAssignment"), "no assignment is created twice")
}

// Granting many assignments at once stays within Identity Center's limits
// (20 calls a second, 10 creations outstanding): no creation is refused and
// made again.
func TestManyAssignmentsStayWithinIdentityCenterLimits(t *testing.T) {
	f := newFixture(t, setup{})
	var access []string
	var want []string
	for _, g := range []string{"finops-readers", "payments-admins", "payments-developers", "platform-admins", "security-auditors"} {
		for _, ps := range []string{"AWSReadOnlyAccess", "BillingReadOnly", "ViewOnlyAccess"} {
			access = append(access, fmt.Sprintf(`{"group": %q, "permissionSet": %q}`, g, ps))
			want = append(want, "group "+g+": "+ps)
		}
	}
	want = append(want, "user li.wei: AWSAdministratorAccess")
	doc := f.workflow(decode(t, `{"requestId": "CHG2100", "action": "create",
		"account": {"name": "sandbox-team", "email": "aws+sandbox-team@northwind.example", "organizationalUnit": "Sandbox"},
		"owner": {"email": "li.wei@northwind.example", "firstName": "Li", "lastName": "Wei"},
		"access": [`+strings.Join(access, ", ")+`], "tags": {"CostCenter": "9000"}}`))

	require.Len(t, doc.Plan.Grant, 15, "the OU's default access is one of the requested")
	assert.Greater(t, doc.Access.Polls, 1, "more than ten creations take more than one call")
	assert.Equal(t, want, f.assignments(doc.AccountID))
	assert.Equal(t, 15, f.calls("sso", "CreateAccountAssignment"), "no creation was refused")
}

// Identity Center failing some assignments fails assignsso with a report of
// what was and was not granted. Redriven, towervend asks again only for the
// failed ones.
func TestPartlyFailedAccessIsReportedAndRetried(t *testing.T) {
	f := newFixture(t, setup{})
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, `{"requestId": "CHG2200", "action": "update",
		"account": {"id": "618273645091"}, "access": [
			{"group": "security-auditors", "permissionSet": "ViewOnlyAccess"},
			{"group": "platform-admins", "permissionSet": "AWSReadOnlyAccess"}]}`)})
	require.Len(t, doc.Plan.Grant, 2)
	doc = f.mustStep("AssignSSO", f.deps.AssignSSO, doc)
	require.False(t, doc.Access.Complete)
	require.Equal(t, 1, f.calls("sso", "CreateAccountAssignment"), "security-auditors already has its access")

	// While Identity Center works, the account starts closing: the assignment fails.
	org := organizations.NewFromConfig(f.cfg)
	f.must(func(ctx context.Context) error {
		_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(paymentsProdID)})
		return err
	})
	f.advance(5 * time.Second)
	doc, err := f.assignAccess(doc)
	se := stepError(t, err)
	assert.Equal(t, vend.ErrAccessFailed, se.Name)
	assert.False(t, se.Transient())
	assert.Contains(t, se.Reason, "1 of 2 assignments done (group security-auditors: ViewOnlyAccess)")
	assert.Contains(t, se.Reason, "failed: group platform-admins: AWSReadOnlyAccess (Account 618273645091 is PENDING_CLOSURE")
	assert.Contains(t, se.Reason, "redrive")

	doc.Error = caught(t, se)
	doc.Failure = &vend.FailurePoint{Step: "AssignSSO"}
	resumed, err := run(f, func(ctx context.Context) (*vend.Doc, error) {
		return f.deps.ReportFailure(ctx, vend.NotifyInput{State: vend.StateFailed, Doc: *cloneDoc(t, doc), RedriveCount: 1})
	})
	require.NoError(t, err)
	require.Equal(t, "AssignSSO", resumed.Failure.Step)
	_, err = f.assignAccess(resumed)
	assert.Equal(t, vend.ErrAccessFailed, stepError(t, err).Name, "the account is still closing")
	assert.Equal(t, 2, f.calls("sso", "CreateAccountAssignment"), "the failed assignment was asked for again, and only it")
}
