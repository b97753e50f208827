package organizations_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/iam"
)

// orgTestCreate starts a CreateAccount for name (email aws+name@…) and returns its request id.
func orgTestCreate(t *testing.T, org *organizations.Client, name string) string {
	t.Helper()
	out, err := org.CreateAccount(context.Background(), &organizations.CreateAccountInput{AccountName: aws.String(name),
		Email: aws.String("aws+" + name + "@northwind.example")})
	require.NoError(t, err)
	require.Equal(t, types.CreateAccountStateInProgress, out.CreateAccountStatus.State)
	return aws.ToString(out.CreateAccountStatus.Id)
}

// orgTestCreateStatus is DescribeCreateAccountStatus's answer for a request.
func orgTestCreateStatus(t *testing.T, org *organizations.Client, id string) *types.CreateAccountStatus {
	t.Helper()
	out, err := org.DescribeCreateAccountStatus(context.Background(), &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: aws.String(id)})
	require.NoError(t, err)
	return out.CreateAccountStatus
}

// orgTestListCreate pages through ListCreateAccountStatus, pageSize at a time.
func orgTestListCreate(t *testing.T, org *organizations.Client, pageSize int32, states ...types.CreateAccountState) []string {
	t.Helper()
	var ids []string
	p := organizations.NewListCreateAccountStatusPaginator(org, &organizations.ListCreateAccountStatusInput{States: states, MaxResults: aws.Int32(pageSize)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		assert.LessOrEqual(t, len(page.CreateAccountStatuses), int(pageSize))
		for _, st := range page.CreateAccountStatuses {
			ids = append(ids, aws.ToString(st.Id))
		}
	}
	return ids
}

func TestOrgListCreateAccountStatus(t *testing.T) {
	s, clk := newTestSim(t, func(w *awssim.World) {
		w.Faults.FailCreateAccount = []awssim.CreateAccountFailure{{Name: "doomed", Reason: "INTERNAL_FAILURE"}}
	})
	ctx := context.Background()
	org := orgTestClient(s)
	assert.Empty(t, orgTestListCreate(t, org, 20), "the world's accounts were made before its CreateAccount history")

	first := orgTestCreate(t, org, "list-first")
	clk.Advance(time.Second)
	doomed := orgTestCreate(t, org, "doomed")
	clk.Advance(time.Second)
	third := orgTestCreate(t, org, "list-third")

	assert.Equal(t, []string{first, doomed, third}, orgTestListCreate(t, org, 2), "oldest first, over pages")
	assert.Equal(t, []string{first, doomed, third}, orgTestListCreate(t, org, 20, types.CreateAccountStateInProgress))
	assert.Empty(t, orgTestListCreate(t, org, 20, types.CreateAccountStateSucceeded))

	clk.Advance(3 * time.Minute)
	assert.Equal(t, []string{first, third}, orgTestListCreate(t, org, 1, types.CreateAccountStateSucceeded))
	assert.Equal(t, []string{doomed}, orgTestListCreate(t, org, 20, types.CreateAccountStateFailed))
	assert.Equal(t, []string{first, doomed, third}, orgTestListCreate(t, org, 20, types.CreateAccountStateFailed, types.CreateAccountStateSucceeded))
	assert.Empty(t, orgTestListCreate(t, org, 20, types.CreateAccountStateInProgress))

	out, err := org.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []types.CreateAccountState{types.CreateAccountStateFailed}})
	require.NoError(t, err)
	require.Len(t, out.CreateAccountStatuses, 1)
	st := out.CreateAccountStatuses[0]
	assert.Equal(t, types.CreateAccountFailureReasonInternalFailure, st.FailureReason)
	assert.Equal(t, "doomed", aws.ToString(st.AccountName))
	assert.Nil(t, st.AccountId)
	assert.Nil(t, out.NextToken)

	bad := []struct {
		name   string
		in     *organizations.ListCreateAccountStatusInput
		reason types.InvalidInputExceptionReason
	}{
		{"unknown state", &organizations.ListCreateAccountStatusInput{States: []types.CreateAccountState{"DONE"}}, types.InvalidInputExceptionReasonInvalidEnum},
		{"page too large", &organizations.ListCreateAccountStatusInput{MaxResults: aws.Int32(21)}, types.InvalidInputExceptionReasonMaxValueExceeded},
		{"foreign token", &organizations.ListCreateAccountStatusInput{NextToken: aws.String("not-a-token")}, types.InvalidInputExceptionReasonInvalidPaginationToken},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := org.ListCreateAccountStatus(ctx, tc.in)
			var e *types.InvalidInputException
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.reason, e.Reason)
		})
	}

	t.Run("member accounts may not list", func(t *testing.T) {
		key, err := s.AddRole("Lister", iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{
			{Effect: iam.EffectAllow, Action: []string{"organizations:ListCreateAccountStatus"}, Resource: []string{"*"}}}})
		require.NoError(t, err)
		_, err = organizations.NewFromConfig(withRetries(s.ConfigAs(key), 1)).ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
		require.NoError(t, err, "the management account's role, granted the action")
		denied, err := s.AddRole("NotLister")
		require.NoError(t, err)
		_, err = organizations.NewFromConfig(withRetries(s.ConfigAs(denied), 1)).ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
		var ad *types.AccessDeniedException
		assert.ErrorAs(t, err, &ad)
	})
}

// Every FailureReason the API documents can be reached with the
// failCreateAccount fault, by name or by email, and each entry fails one
// request only: the retry succeeds.
func TestOrgCreateAccountFailureFault(t *testing.T) {
	var faults []awssim.CreateAccountFailure
	for i, reason := range awssim.CreateAccountFailureReasons {
		f := awssim.CreateAccountFailure{Reason: reason}
		if i%2 == 0 {
			f.Name = fmt.Sprintf("Fail-%02d", i) // names compare case-insensitively too
		} else {
			f.Email = fmt.Sprintf("AWS+fail-%02d@northwind.example", i)
		}
		faults = append(faults, f)
	}
	s, clk := newTestSim(t, func(w *awssim.World) { w.Faults.FailCreateAccount = faults })
	org := orgTestClient(s)
	for i, reason := range awssim.CreateAccountFailureReasons {
		t.Run(reason, func(t *testing.T) {
			name := fmt.Sprintf("fail-%02d", i)
			id := orgTestCreate(t, org, name)
			assert.Equal(t, types.CreateAccountStateInProgress, orgTestCreateStatus(t, org, id).State, "accepted as usual")
			clk.Advance(3 * time.Minute)
			st := orgTestCreateStatus(t, org, id)
			assert.Equal(t, types.CreateAccountStateFailed, st.State)
			assert.Equal(t, types.CreateAccountFailureReason(reason), st.FailureReason)
			assert.Nil(t, st.AccountId)
			assert.Empty(t, s.AccountsNamed(name), "no account")

			retry := orgTestCreate(t, org, name)
			clk.Advance(3 * time.Minute)
			assert.Equal(t, types.CreateAccountStateSucceeded, orgTestCreateStatus(t, org, retry).State, "the fault is spent")
		})
	}
	events := orgTestEvents(t, s, "AWS Service Event via CloudTrail", "CreateAccountResult")
	require.Len(t, events, 2*len(awssim.CreateAccountFailureReasons))
	st := events[0]["detail"].(map[string]any)["serviceEventDetails"].(map[string]any)["createAccountStatus"].(map[string]any)
	assert.Equal(t, "FAILED", st["state"])
	assert.Equal(t, awssim.CreateAccountFailureReasons[0], st["failureReason"], "CloudTrail tells the reason too")
}

func TestOrgCreateAccountFailureFaultIsChecked(t *testing.T) {
	cases := []struct {
		fault awssim.CreateAccountFailure
		want  string
	}{
		{awssim.CreateAccountFailure{Name: "x", Reason: "NO_LUCK"}, `faults.failCreateAccount[0].reason: "NO_LUCK" is not a CreateAccount FailureReason`},
		{awssim.CreateAccountFailure{Reason: "INTERNAL_FAILURE"}, "faults.failCreateAccount[0]: give the account's name or its email"},
		{awssim.CreateAccountFailure{Name: "x", Email: "x@example.com", Reason: "INTERNAL_FAILURE"}, "faults.failCreateAccount[0]: give the account's name or its email (one of them)"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			f := awssim.Faults{FailCreateAccount: []awssim.CreateAccountFailure{tc.fault}}
			err := f.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// A second request for an email while the first is in progress fails with
// CONCURRENT_ACCOUNT_MODIFICATION ("You already submitted a request with the
// same information"); the first creates the account.
func TestOrgCreateAccountTwiceAtOnce(t *testing.T) {
	s, clk := newTestSim(t, nil)
	org := orgTestClient(s)
	first := orgTestCreate(t, org, "twice")
	clk.Advance(time.Minute)
	second := orgTestCreate(t, org, "twice")
	clk.Advance(2 * time.Minute)
	assert.Equal(t, types.CreateAccountStateSucceeded, orgTestCreateStatus(t, org, first).State)
	clk.Advance(time.Minute)
	st := orgTestCreateStatus(t, org, second)
	assert.Equal(t, types.CreateAccountStateFailed, st.State)
	assert.Equal(t, types.CreateAccountFailureReasonConcurrentAccountModification, st.FailureReason)
	assert.Len(t, s.AccountsNamed("twice"), 1)

	again := orgTestCreate(t, org, "twice")
	clk.Advance(3 * time.Minute)
	assert.Equal(t, types.CreateAccountFailureReasonEmailAlreadyExists, orgTestCreateStatus(t, org, again).FailureReason, "once the account exists")
}

// IamUserAccessToBilling defaults to ALLOW, as the API reference says; the
// request keeps what was asked (the snapshot shows it).
func TestOrgCreateAccountBillingAccess(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)
	byDefault := orgTestCreate(t, org, "billing-default")
	denied, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("billing-deny"),
		Email: aws.String("aws+billing-deny@northwind.example"), IamUserAccessToBilling: types.IAMUserAccessToBillingDeny})
	require.NoError(t, err)
	_, err = org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("billing-bad"),
		Email: aws.String("aws+billing-bad@northwind.example"), IamUserAccessToBilling: "MAYBE"})
	var invalid *types.InvalidInputException
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, types.InvalidInputExceptionReasonInvalidEnum, invalid.Reason)

	var snap bytes.Buffer
	require.NoError(t, s.Snapshot(&snap))
	var state struct {
		Requests struct {
			CreateAccount map[string]struct {
				IamUserAccessToBilling string `json:"iamUserAccessToBilling"`
			} `json:"createAccount"`
		} `json:"organizationsRequests"`
	}
	require.NoError(t, json.Unmarshal(snap.Bytes(), &state))
	assert.Equal(t, "ALLOW", state.Requests.CreateAccount[byDefault].IamUserAccessToBilling)
	assert.Equal(t, "DENY", state.Requests.CreateAccount[aws.ToString(denied.CreateAccountStatus.Id)].IamUserAccessToBilling)
	assert.Len(t, state.Requests.CreateAccount, 2, "the refused request left nothing")
}

// CreateAccount with Tags needs organizations:TagResource as well, as its API
// reference says.
func TestOrgCreateAccountWithTagsNeedsTagResource(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	grant := func(actions ...string) *organizations.Client {
		key, err := s.AddRole("Creator-"+fmt.Sprint(len(actions)), iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{
			{Effect: iam.EffectAllow, Action: actions, Resource: []string{"*"}}}})
		require.NoError(t, err)
		return organizations.NewFromConfig(withRetries(s.ConfigAs(key), 1))
	}
	in := func(name string) *organizations.CreateAccountInput {
		return &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String("aws+" + name + "@northwind.example"),
			Tags: []types.Tag{{Key: aws.String("CostCenter"), Value: aws.String("4100")}}}
	}

	createOnly := grant("organizations:CreateAccount")
	_, err := createOnly.CreateAccount(ctx, in("tagged-denied"))
	var denied *types.AccessDeniedException
	require.ErrorAs(t, err, &denied)
	assert.Contains(t, denied.ErrorMessage(), "organizations:TagResource")
	_, err = createOnly.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("untagged"), Email: aws.String("aws+untagged@northwind.example")})
	assert.NoError(t, err, "without tags CreateAccount alone will do")

	_, err = grant("organizations:CreateAccount", "organizations:TagResource").CreateAccount(ctx, in("tagged"))
	require.NoError(t, err)
	clk.Advance(3 * time.Minute)
	accts := s.AccountsNamed("tagged")
	require.Len(t, accts, 1)
	assert.Equal(t, map[string]string{"CostCenter": "4100"}, accts[0].Tags)
	assert.Empty(t, s.AccountsNamed("tagged-denied"))
}
