package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
)

// With auto-enrollment and the requests spread over more OUs than Control
// Tower has slots, every account is created with Organizations CreateAccount
// and enrolled by its move, Service Catalog provisions nothing, the five slots
// fill and are never exceeded, and no OU ever has two moves at once.
func TestRunAutoEnrollmentVendsWithCreateAccount(t *testing.T) {
	rep, err := Run(context.Background(), Options{Accounts: 12, Concurrency: 5, ProvisioningTime: 30 * time.Minute,
		Provisioning: "autoEnrollment", OUs: 6})
	require.NoError(t, err)

	assert.Equal(t, "autoEnrollment", rep.Provisioning)
	assert.Equal(t, map[string]int{"SUCCEEDED": 12}, rep.Outcomes)
	assert.Empty(t, rep.LifecycleOutcomes, "towervend's own creates start no enrollment of their own")
	assert.Empty(t, rep.Misplaced, "every account is in the OU it asked for")
	assert.Equal(t, 12, rep.APICalls["organizations"]["CreateAccount"], "one CreateAccount per account")
	assert.Equal(t, 12, rep.APICalls["organizations"]["MoveAccount"], "one move per account, out of the root into its OU")
	assert.Zero(t, rep.APICalls["servicecatalog"]["ProvisionProduct"], "no Account Factory product")
	assert.Zero(t, rep.LifecycleEvents.Delivered, "auto-enrollment has no lifecycle event")

	assert.Equal(t, 5, rep.PeakRunning, "six OUs fill the five slots")
	assert.Zero(t, rep.Refused, "Control Tower refused no move")
	assert.Equal(t, 12, rep.Moves.Started, "every account enrolled once")
	assert.Equal(t, map[string]int{"Sandbox": 2, "Workloads/NonProd": 2, "Workloads/Prod": 2,
		"Workloads/Bench01": 2, "Workloads/Bench02": 2, "Workloads/Bench03": 2}, rep.Moves.ByOU)
	assert.Equal(t, 1, rep.Moves.PeakPerOU, "one move at a time into an OU")
	assert.Empty(t, rep.Moves.Refused)
	assert.Zero(t, rep.Moves.Stopped)

	assert.Equal(t, 90*time.Minute, rep.Bound, "three waves of 30 minutes: an enrollment takes -t")
	assert.Equal(t, time.Hour, rep.OUBound, "two moves into the fullest OU")
	assert.GreaterOrEqual(t, rep.Ratio, 1.0)
	assert.GreaterOrEqual(t, rep.Makespan, rep.OUBound)

	var out strings.Builder
	require.NoError(t, rep.WriteText(&out))
	assert.Contains(t, out.String(), "provisioning backend: autoEnrollment; requests over 6 OUs")
	assert.Contains(t, out.String(), "most moves at once into one OU             1")
}

// On the bench's three OUs the creates share OUs, so each OU's moves take
// turns: never two at once, none refused, and the batch takes at least its
// fullest OU's turns. auto runs auto-enrollment (the bench's landing zone has
// it on).
func TestRunAutoEnrollmentMovesOneAtATimePerOU(t *testing.T) {
	rep, err := Run(context.Background(), Options{Accounts: 6, Concurrency: 5, ProvisioningTime: 30 * time.Minute, Provisioning: "auto"})
	require.NoError(t, err)

	assert.Equal(t, "autoEnrollment", rep.Provisioning, "auto finds auto-enrollment on")
	assert.Equal(t, 3, rep.OUs)
	assert.Equal(t, map[string]int{"SUCCEEDED": 6}, rep.Outcomes)
	assert.Empty(t, rep.Misplaced)
	assert.Equal(t, 6, rep.APICalls["organizations"]["CreateAccount"])
	assert.Zero(t, rep.APICalls["servicecatalog"]["ProvisionProduct"])
	assert.Equal(t, map[string]int{"Sandbox": 2, "Workloads/NonProd": 2, "Workloads/Prod": 2}, rep.Moves.ByOU)
	assert.Equal(t, 1, rep.Moves.PeakPerOU, "an OU's second move waits for its first")
	assert.Zero(t, rep.Refused, "towervend never asks for a move into a busy OU")
	assert.LessOrEqual(t, rep.PeakRunning, 3, "three OUs, three moves at once at most")
	assert.Equal(t, time.Hour, rep.OUBound, "two turns in each OU")
	assert.GreaterOrEqual(t, rep.Makespan, rep.OUBound)
}

// Bad options are refused, naming the option and the fix.
func TestRunRefusesBadBackendOptions(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want string
	}{
		{Options{Accounts: 1, Provisioning: "serviceCatalog"}, `provisioning "serviceCatalog": write accountFactory, autoEnrollment or auto`},
		{Options{Accounts: 1, OUs: 2}, "ous 2: spread the requests over 3 to 20 OUs"},
		{Options{Accounts: 1, OUs: 21}, "ous 21: spread the requests over 3 to 20 OUs"},
	} {
		_, err := Run(context.Background(), c.opts)
		require.Error(t, err, "%+v", c.opts)
		assert.Contains(t, err.Error(), c.want)
	}
	_, err := Soak(context.Background(), SoakOptions{Requests: 1, Provisioning: "AutoEnrollment"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `provisioning "AutoEnrollment": write accountFactory, autoEnrollment or auto`)
}

// The requests cycle over every OU asked for, the added ones included, and
// the default policy takes each of them.
func TestRequestsOverMoreOUs(t *testing.T) {
	pol, err := policy.Parse(policy.Default())
	require.NoError(t, err)
	ous := requestOUs(7)
	assert.Equal(t, []string{"Sandbox", "Workloads/NonProd", "Workloads/Prod", "Workloads/Bench01", "Workloads/Bench02", "Workloads/Bench03", "Workloads/Bench04"}, ous)
	seen := map[string]int{}
	for _, b := range createRequestsIn("unit", 14, ous) {
		req, err := request.Decode(b)
		require.NoError(t, err)
		problems, _ := policy.CheckOffline(req, pol)
		assert.Empty(t, problems, string(b))
		seen[req.Account.OrganizationalUnit]++
	}
	for _, ou := range ous {
		assert.Equal(t, 2, seen[ou], ou)
	}
	assert.Equal(t, CreateRequests("unit", 5), createRequestsIn("unit", 5, requestOUs(3)), "three OUs are the bench's own")

	w := World(5, 30*time.Minute, 0, 0)
	require.NoError(t, addOUs(w, 5))
	var names []string
	for _, ou := range w.Organization.OrganizationalUnits {
		if ou.Name == "Workloads" {
			for _, c := range ou.Children {
				if c.Registered {
					names = append(names, c.Name)
				}
			}
		}
	}
	assert.Equal(t, []string{"Prod", "NonProd", "Bench01", "Bench02"}, names)
}

// A succeeded request whose account was moved elsewhere afterwards is
// reported as misplaced, with where it is.
func TestMisplacedFindsAMovedAccount(t *testing.T) {
	ctx := context.Background()
	rt, err := newRuntime(ctx, World(5, 5*time.Minute, 0, 0), "accountFactory", 10*time.Hour)
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, CreateRequests("mv", 2)...))
	require.NoError(t, rt.Run(ctx))
	batch, ous := requestNames("mv", 2), requestOUsByID("mv", 2, benchOUs)
	require.Empty(t, misplaced(rt, rt.Results(), batch, ous))

	var acct string
	for _, r := range rt.Results() {
		if r.RequestID == requestID("mv", 1) {
			acct = r.AccountID
		}
	}
	require.NotEmpty(t, acct)
	a, _ := rt.Sim.Account(acct)
	org := organizations.NewFromConfig(rt.Sim.Config())
	_, err = org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(acct), SourceParentId: aws.String(a.ParentID),
		DestinationParentId: aws.String("ou-nw7k-sbx00001")})
	require.NoError(t, err)
	assert.Equal(t, []string{"mv-REQ-00001: in Sandbox, asked for Workloads/NonProd"}, misplaced(rt, rt.Results(), batch, ous))
}

// Control Tower's refusals of a move are told apart by their statusMessage.
func TestRefusalKind(t *testing.T) {
	for msg, want := range map[string]string{
		"AWS Control Tower cannot enroll account 1 in organizational unit Sandbox (ou-x): a move account operation (op, account 2) is in progress on that OU, and only one ...": "ouBusy",
		"AWS Control Tower cannot enroll account 1 now: 5 account operations, the limit of concurrent account operations, are in progress.":                                     "quota",
		"AWS Control Tower cannot enroll account 1 now: another AWS Control Tower operation is in progress.":                                                                    "busy",
		"AWS Control Tower cannot enroll the management account.":                                                                                                               "other",
	} {
		assert.Equal(t, want, refusalKind(msg), msg)
	}
}

// Failures group by their kind, auto-enrollment's by Control Tower's reason.
func TestFailureKind(t *testing.T) {
	for reason, want := range map[string]string{
		"Control Tower could not enroll account 1 in Sandbox: AWS Control Tower could not apply the AWSControlTowerBaseline to account 1: ...":                    "enrollment failed part-way",
		"Control Tower could not enroll account 1 in Sandbox: AWS Control Tower cannot enroll account 1 now: another AWS Control Tower operation is in progress.": "enrollment refused: Control Tower busy",
		"Account Factory operation failed: ...": "Account Factory operation failed",
	} {
		assert.Equal(t, want, failureKind(reason), reason)
	}
}

// On a landing zone that does not auto-enroll, autoEnrollment enrolls by
// resetting each OU's baseline: one reset at a time, each enrolling the
// accounts moved into its OU, none through a move or Account Factory.
func TestRunEnrollsByBaselineReset(t *testing.T) {
	rep, err := Run(context.Background(), Options{Accounts: 10, Concurrency: 5, ProvisioningTime: 30 * time.Minute,
		Provisioning: "autoEnrollment", ByReset: true, OUs: 5})
	require.NoError(t, err)
	assert.True(t, rep.ByReset)
	assert.Equal(t, map[string]int{"SUCCEEDED": 10}, rep.Outcomes)
	assert.Empty(t, rep.Misplaced)
	assert.Zero(t, rep.Moves.Started, "no move enrolled anything")
	assert.Positive(t, rep.Moves.Resets)
	assert.Less(t, rep.Moves.Resets, 10, "accounts waiting in one OU share its reset")
	assert.Equal(t, 1, rep.Moves.ResetPeak, "one OU operation at a time")
	assert.Equal(t, 10, rep.APICalls["organizations"]["CreateAccount"])
	assert.Zero(t, rep.APICalls["servicecatalog"]["ProvisionProduct"])
	assert.Zero(t, rep.OUBound, "resets enroll an OU's accounts together")

	_, err = Run(context.Background(), Options{Accounts: 1, ByReset: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "set provisioning autoEnrollment")
}
