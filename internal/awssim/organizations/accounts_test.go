package organizations_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
)

func TestOrgCloseAccount(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)
	status := func(id string) types.AccountStatus {
		out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
		require.NoError(t, err)
		assert.Equal(t, string(out.Account.Status), string(out.Account.State))
		return out.Account.Status
	}

	_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(orgTestPaymentsPrd)})
	require.NoError(t, err)
	assert.Equal(t, types.AccountStatusPendingClosure, status(orgTestPaymentsPrd))
	clk.Advance(59 * time.Minute)
	assert.Equal(t, types.AccountStatusPendingClosure, status(orgTestPaymentsPrd))
	assert.Empty(t, orgTestEvents(t, s, "AWS Service Event via CloudTrail", "CloseAccountResult"))
	clk.Advance(time.Minute)
	assert.Equal(t, types.AccountStatusSuspended, status(orgTestPaymentsPrd))

	events := orgTestEvents(t, s, "AWS Service Event via CloudTrail", "CloseAccountResult")
	require.Len(t, events, 1)
	detail := events[0]["detail"].(map[string]any)
	assert.Equal(t, "aws.organizations", events[0]["source"])
	assert.Equal(t, "us-east-1", detail["awsRegion"])
	assert.Equal(t, map[string]any{"accountId": orgTestPaymentsPrd, "state": "SUCCEEDED",
		"requestedTimestamp": "Nov 24, 2026 9:00:00 AM", "completedTimestamp": "Nov 24, 2026 10:00:00 AM"},
		detail["serviceEventDetails"].(map[string]any)["closeAccountStatus"])

	tests := []struct {
		name, id string
		check    func(*testing.T, error)
	}{
		{"management account", orgTestMgmt, func(t *testing.T, err error) {
			var e *types.ConstraintViolationException
			require.ErrorAs(t, err, &e)
			assert.Equal(t, types.ConstraintViolationExceptionReasonCannotCloseManagementAccount, e.Reason)
		}},
		{"just closed", orgTestPaymentsPrd, func(t *testing.T, err error) {
			var e *types.AccountAlreadyClosedException
			require.ErrorAs(t, err, &e)
		}},
		{"suspended in the world", orgTestSuspended, func(t *testing.T, err error) {
			var e *types.AccountAlreadyClosedException
			require.ErrorAs(t, err, &e)
		}},
		{"unknown", orgTestMissingAcct, func(t *testing.T, err error) {
			var e *types.AccountNotFoundException
			require.ErrorAs(t, err, &e)
		}},
		{"malformed", "1234", func(t *testing.T, err error) {
			var e *types.InvalidInputException
			require.ErrorAs(t, err, &e)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(tt.id)})
			tt.check(t, err)
		})
	}
}

func TestOrgCloseAccountConcurrencyQuota(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)
	closeAcct := func(id string) error {
		_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)})
		return err
	}
	for _, id := range []string{"941506978324", "952617089435", "830495867213"} {
		require.NoError(t, closeAcct(id))
	}
	err := closeAcct("729384756102")
	var e *types.ConstraintViolationException
	require.ErrorAs(t, err, &e, "a fourth closure while three are in progress")
	assert.Equal(t, types.ConstraintViolationExceptionReasonCloseAccountRequestsLimitExceeded, e.Reason)

	clk.Advance(time.Hour)
	assert.NoError(t, closeAcct("729384756102"), "once the three are suspended another may start")
}

func TestOrgCloseAccountThirtyDayQuota(t *testing.T) {
	// 16 members: 10% is 1, so AWS's floor of 10 closures per 30 days applies.
	s, clk := newTestSim(t, func(w *awssim.World) {
		w.Organization.OrganizationalUnits = nil
		w.IdentityCenter.Assignments = nil
		orgTestWorldWith(14)(w)
	})
	ctx := context.Background()
	org := orgTestClient(s)
	closeAcct := func(i int) error {
		_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(orgTestExtraID(t, s, i))})
		return err
	}
	for i := range 10 {
		require.NoError(t, closeAcct(i), "closure %d", i+1)
		if i%3 == 2 {
			clk.Advance(time.Hour) // stay under three at a time
		}
	}
	clk.Advance(time.Hour)
	err := closeAcct(10)
	var e *types.ConstraintViolationException
	require.ErrorAs(t, err, &e, "the eleventh closure within 30 days")
	assert.Equal(t, types.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded, e.Reason)

	clk.Advance(30 * 24 * time.Hour)
	assert.NoError(t, closeAcct(10), "the rolling window has passed")
}

// orgTestExtraID finds the id of the i-th account orgTestWorldWith added.
func orgTestExtraID(t *testing.T, s *awssim.Sim, i int) string {
	t.Helper()
	accts := s.AccountsNamed(fmt.Sprintf("extra-%02d", i))
	require.Len(t, accts, 1)
	require.Equal(t, fmt.Sprintf("aws+extra-%02d@northwind.example", i), accts[0].Email)
	return accts[0].ID
}

func TestOrgCreateAccount(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	created, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("analytics-sandbox"),
		Email: aws.String("aws+analytics-sandbox@northwind.example"), Tags: []types.Tag{{Key: aws.String("CostCenter"), Value: aws.String("4100")}}})
	require.NoError(t, err)
	st := created.CreateAccountStatus
	assert.Equal(t, types.CreateAccountStateInProgress, st.State)
	assert.Regexp(t, `^car-[a-z0-9]{32}$`, aws.ToString(st.Id))
	assert.Equal(t, "analytics-sandbox", aws.ToString(st.AccountName))
	orgAssertTime(t, s.Clock().Now(), aws.ToTime(st.RequestedTimestamp))
	assert.Nil(t, st.AccountId)

	before, err := org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(orgTestRoot)})
	require.NoError(t, err)
	assert.Len(t, before.Accounts, 3, "the account does not exist while the request is in progress")

	clk.Advance(3 * time.Minute)
	done, err := org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
	require.NoError(t, err)
	assert.Equal(t, types.CreateAccountStateSucceeded, done.CreateAccountStatus.State)
	id := aws.ToString(done.CreateAccountStatus.AccountId)
	assert.Regexp(t, `^\d{12}$`, id)
	orgAssertTime(t, s.Clock().Now(), aws.ToTime(done.CreateAccountStatus.CompletedTimestamp))

	acct, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, types.AccountJoinedMethodCreated, acct.Account.JoinedMethod)
	orgAssertTime(t, s.Clock().Now(), aws.ToTime(acct.Account.JoinedTimestamp))
	parents, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, orgTestRoot, aws.ToString(parents.Parents[0].Id), "accounts made outside Control Tower land in Root")
	tags, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, []types.Tag{{Key: aws.String("CostCenter"), Value: aws.String("4100")}}, tags.Tags)

	events := orgTestEvents(t, s, "AWS Service Event via CloudTrail", "CreateAccountResult")
	require.Len(t, events, 1)
	assert.Equal(t, jsonShape(orgTestSample(t, "organizations-create-account-result.json")), jsonShape(events[0]),
		"the event has exactly the keys of AWS's")
	detail := events[0]["detail"].(map[string]any)
	assert.Equal(t, "aws.organizations", events[0]["source"])
	assert.Equal(t, "organizations.amazonaws.com", detail["eventSource"])
	assert.Equal(t, "us-east-1", detail["awsRegion"])
	assert.Equal(t, "AwsServiceEvent", detail["eventType"])
	assert.Equal(t, orgTestMgmt, detail["recipientAccountId"])
	assert.Equal(t, "2026-11-24T09:03:00Z", detail["eventTime"])
	assert.Equal(t, map[string]any{"id": aws.ToString(st.Id), "state": "SUCCEEDED", "accountName": "****", "accountId": id,
		"requestedTimestamp": "Nov 24, 2026 9:00:00 AM", "completedTimestamp": "Nov 24, 2026 9:03:00 AM"},
		detail["serviceEventDetails"].(map[string]any)["createAccountStatus"])

	joined := orgTestEvents(t, s, "AWS Service Event via CloudTrail", "AccountJoinedOrganization")
	require.Len(t, joined, 1, "CreateAccount's API reference: AccountJoinedOrganization with joinedMethod CREATED")
	assert.Equal(t, map[string]any{"accountId": id, "organizationId": "o-nw7k2m4q9x", "joinedMethod": "CREATED",
		"joinedTime": "Nov 24, 2026 9:03:00 AM"}, joined[0]["detail"].(map[string]any)["serviceEventDetails"])

	sess, err := sts.NewFromConfig(testConfig(s)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("enroll")})
	assert.Error(t, err, "CreateAccount makes OrganizationAccountAccessRole, not Control Tower's role")
	assert.Nil(t, sess)
}

func TestOrgCreateAccountWithExecutionRole(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	created, err := orgTestClient(s).CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("ready-for-ct"),
		Email: aws.String("aws+ready-for-ct@northwind.example"), RoleName: aws.String("AWSControlTowerExecution")})
	require.NoError(t, err)
	clk.Advance(5 * time.Minute)
	done, err := orgTestClient(s).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: created.CreateAccountStatus.Id})
	require.NoError(t, err)
	_, err = sts.NewFromConfig(testConfig(s)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + aws.ToString(done.CreateAccountStatus.AccountId) + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("enroll")})
	assert.NoError(t, err, "RoleName AWSControlTowerExecution makes the role Control Tower needs")
}

func TestOrgCreateAccountFailures(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	t.Run("email already in the organization", func(t *testing.T) {
		created, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("dup"), Email: aws.String("AWS+Audit@northwind.example")})
		require.NoError(t, err, "AWS accepts the request and fails it later")
		clk.Advance(3 * time.Minute)
		done, err := org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: created.CreateAccountStatus.Id})
		require.NoError(t, err)
		assert.Equal(t, types.CreateAccountStateFailed, done.CreateAccountStatus.State)
		assert.Equal(t, types.CreateAccountFailureReasonEmailAlreadyExists, done.CreateAccountStatus.FailureReason)
		assert.Nil(t, done.CreateAccountStatus.AccountId)
		events := orgTestEvents(t, s, "AWS Service Event via CloudTrail", "CreateAccountResult")
		require.Len(t, events, 1)
		st := events[0]["detail"].(map[string]any)["serviceEventDetails"].(map[string]any)["createAccountStatus"].(map[string]any)
		assert.Equal(t, "FAILED", st["state"])
		assert.Equal(t, "EMAIL_ALREADY_EXISTS", st["failureReason"])
		assert.NotContains(t, st, "accountId")
	})

	t.Run("five creations at a time", func(t *testing.T) {
		var last error
		for i := range 6 {
			_, last = org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprintf("batch-%d", i)),
				Email: aws.String(fmt.Sprintf("aws+batch-%d@northwind.example", i))})
			if i < 5 {
				require.NoError(t, last)
			}
		}
		var e *types.ConstraintViolationException
		require.ErrorAs(t, last, &e)
		assert.Equal(t, types.ConstraintViolationExceptionReasonAccountCreationRateLimitExceeded, e.Reason)
		clk.Advance(3 * time.Minute)
		_, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("batch-5"), Email: aws.String("aws+batch-5@northwind.example")})
		assert.NoError(t, err)
	})

	tests := []struct {
		name   string
		in     *organizations.CreateAccountInput
		reason types.InvalidInputExceptionReason
	}{
		{"email without domain", &organizations.CreateAccountInput{AccountName: aws.String("x"), Email: aws.String("nobody@nowhere")}, types.InvalidInputExceptionReasonInvalidPattern},
		{"name too long", &organizations.CreateAccountInput{AccountName: aws.String(strings.Repeat("n", 51)), Email: aws.String("aws+long@northwind.example")}, types.InvalidInputExceptionReasonMaxLengthExceeded},
		{"bad role name", &organizations.CreateAccountInput{AccountName: aws.String("x"), Email: aws.String("aws+x@northwind.example"), RoleName: aws.String("bad role")}, types.InvalidInputExceptionReasonInvalidPattern},
		{"system tag", &organizations.CreateAccountInput{AccountName: aws.String("x"), Email: aws.String("aws+x@northwind.example"),
			Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("y")}}}, types.InvalidInputExceptionReasonInvalidSystemTagsParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := org.CreateAccount(ctx, tt.in)
			var e *types.InvalidInputException
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.reason, e.Reason)
		})
	}

	t.Run("DescribeCreateAccountStatus errors", func(t *testing.T) {
		_, err := org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("car-00000000000000000000000000000000")})
		var nf *types.CreateAccountStatusNotFoundException
		assert.ErrorAs(t, err, &nf)
		_, err = org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String("request-1")})
		var invalid *types.InvalidInputException
		assert.ErrorAs(t, err, &invalid)
	})
}

func TestOrgCreateAccountOutsideControlTower(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	id, err := s.CreateAccountOutsideControlTower("side-project", "aws+side-project@northwind.example")
	require.NoError(t, err)
	clk.Advance(3 * time.Minute)
	out, err := orgTestClient(s).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, types.CreateAccountStateSucceeded, out.CreateAccountStatus.State)
	assert.Len(t, orgTestEvents(t, s, "AWS Service Event via CloudTrail", "CreateAccountResult"), 1)

	_, err = s.CreateAccountOutsideControlTower("bad", "not-an-email")
	assert.Error(t, err)
}

func TestOrgInviteAccount(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	id, err := s.InviteAccount("partner-shop", "aws-root@partner-shop.example")
	require.NoError(t, err)
	out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, types.AccountJoinedMethodInvited, out.Account.JoinedMethod)
	assert.Equal(t, types.AccountStatusActive, out.Account.Status)
	orgAssertTime(t, s.Clock().Now(), aws.ToTime(out.Account.JoinedTimestamp))
	assert.Equal(t, []string{"o-nw7k2m4q9x/r-nw7k/" + id + "/"}, out.Account.Paths)

	// The invited account calls AcceptHandshake: CloudTrail records the call
	// there, so the management account's bus never sees it (aws-facts §11).
	assert.Empty(t, orgTestEvents(t, s, "AWS API Call via CloudTrail", "AcceptHandshake"), "not on the management account's bus")
	var accepted []map[string]any
	for _, raw := range s.AccountBusEvents(id) {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(raw, &ev))
		if ev["detail"].(map[string]any)["eventName"] == "AcceptHandshake" {
			accepted = append(accepted, ev)
		}
	}
	require.Len(t, accepted, 1, "on the invited account's own bus")
	assert.Equal(t, id, accepted[0]["account"])
	hsDetail := accepted[0]["detail"].(map[string]any)
	assert.Equal(t, id, hsDetail["recipientAccountId"])
	assert.Equal(t, id, hsDetail["userIdentity"].(map[string]any)["accountId"])
	hs := hsDetail["responseElements"].(map[string]any)["handshake"].(map[string]any)
	assert.Equal(t, "ACCEPTED", hs["state"])
	assert.Regexp(t, `^h-[0-9a-z]{8,32}$`, hs["id"])

	// What the management account receives is Organizations' service event.
	events := orgTestEvents(t, s, "AWS Service Event via CloudTrail", "AccountJoinedOrganization")
	require.Len(t, events, 1)
	assert.Equal(t, jsonShape(orgTestSample(t, "organizations-account-joined-organization.json")), jsonShape(events[0]),
		"the event has exactly the keys of the sample")
	assert.Equal(t, orgTestMgmt, events[0]["account"])
	detail := events[0]["detail"].(map[string]any)
	assert.Equal(t, "AwsServiceEvent", detail["eventType"])
	assert.Equal(t, "us-east-1", detail["awsRegion"])
	assert.Equal(t, orgTestMgmt, detail["recipientAccountId"])
	assert.Equal(t, map[string]any{"accountId": id, "organizationId": "o-nw7k2m4q9x", "joinedMethod": "INVITED",
		"joinedTime": "Nov 24, 2026 9:00:00 AM"}, detail["serviceEventDetails"])

	_, err = sts.NewFromConfig(testConfig(s)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("enroll")})
	assert.Error(t, err, "an invited account has no AWSControlTowerExecution role")

	_, err = s.InviteAccount("again", "AWS-ROOT@partner-shop.example")
	assert.ErrorContains(t, err, "already belongs to account "+id)
	_, err = s.InviteAccount("", "x@y.example")
	assert.Error(t, err)
}

func TestOrgEventSamplesAreAWSShaped(t *testing.T) {
	tests := []struct {
		file, detailType, eventName, eventType string
	}{
		{"organizations-create-account-result.json", "AWS Service Event via CloudTrail", "CreateAccountResult", "AwsServiceEvent"},
		{"organizations-account-joined-organization.json", "AWS Service Event via CloudTrail", "AccountJoinedOrganization", "AwsServiceEvent"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ev := orgTestSample(t, tt.file)
			assert.Equal(t, "aws.organizations", ev["source"])
			assert.Equal(t, tt.detailType, ev["detail-type"])
			detail := ev["detail"].(map[string]any)
			assert.Equal(t, tt.eventName, detail["eventName"])
			assert.Equal(t, tt.eventType, detail["eventType"])
			assert.Equal(t, "organizations.amazonaws.com", detail["eventSource"])
		})
	}
}

func TestOrgRetriesThrottling(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	s.SetFaults(awssim.Faults{Throttle: map[string]float64{"organizations": 0.3}})
	org := organizations.NewFromConfig(withRetries(s.Config(), 10))
	const calls = 20
	for range calls {
		out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgTestPaymentsPrd)})
		require.NoError(t, err)
		assert.Equal(t, "payments-prod", aws.ToString(out.Account.Name))
	}
	assert.Greater(t, s.Calls()["organizations"]["DescribeAccount"], calls, "throttled calls were retried")

	s.SetFaults(awssim.Faults{Throttle: map[string]float64{"organizations": 1}})
	_, err := organizations.NewFromConfig(withRetries(s.Config(), 1)).DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgTestPaymentsPrd)})
	var throttled *types.TooManyRequestsException
	assert.ErrorAs(t, err, &throttled, "without retries the throttling shows")
}
