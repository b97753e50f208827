package organizations_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
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

// Ids from world/default.json.
const (
	orgTestMgmt        = "111122223333"
	orgTestRoot        = "r-nw7k"
	orgTestPaymentsPrd = "618273645091" // Workloads/Prod, enrolled
	orgTestDataLake    = "163728394051" // Legacy, untrusted role
	orgTestAcquired    = "604829118370" // Root, invited, no role
	orgTestSuspended   = "174839405162" // Suspended OU, SUSPENDED
	orgTestSandboxOU   = "ou-nw7k-sbx00001"
	orgTestWorkloadsOU = "ou-nw7k-wkl00001"
	orgTestWklProdOU   = "ou-nw7k-wklprod1"
	orgTestLegacyOU    = "ou-nw7k-leg00001"
	orgTestMissingAcct = "999988887777"
	orgTestMissingOU   = "ou-nw7k-zzzzzzzz"
)

func orgTestClient(s *awssim.Sim) *organizations.Client {
	return organizations.NewFromConfig(testConfig(s))
}

// orgTestWorldWith adds n member accounts under Root.
func orgTestWorldWith(n int) func(*awssim.World) {
	return func(w *awssim.World) {
		for i := range n {
			w.Organization.Accounts = append(w.Organization.Accounts, awssim.AccountSpec{
				Name: fmt.Sprintf("extra-%02d", i), Email: fmt.Sprintf("aws+extra-%02d@northwind.example", i)})
		}
	}
}

// orgTestEvents returns the events with the given detail-type and eventName on
// us-east-1's default bus, where Organizations delivers them.
func orgTestEvents(t *testing.T, s *awssim.Sim, detailType, eventName string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, raw := range s.RegionBusEvents(awssim.OrganizationsRegion, "default") {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(raw, &ev))
		assert.Equal(t, awssim.OrganizationsRegion, ev["region"], "the envelope names the Region the bus is in")
		detail, _ := ev["detail"].(map[string]any)
		if ev["detail-type"] == detailType && detail["eventName"] == eventName {
			out = append(out, ev)
		}
	}
	return out
}

// jsonShape reduces a decoded JSON value to its keys and value kinds, recursively.
func jsonShape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			m[k] = jsonShape(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = jsonShape(e)
		}
		return l
	case nil:
		return "null"
	default:
		return fmt.Sprintf("%T", x)
	}
}

func orgTestSample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../../events/aws/" + name)
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(b, &ev))
	return ev
}

func TestOrgDescribeOrganizationAndRoots(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	out, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	require.NoError(t, err)
	assert.Equal(t, "o-nw7k2m4q9x", aws.ToString(out.Organization.Id))
	assert.Equal(t, "arn:aws:organizations::111122223333:organization/o-nw7k2m4q9x", aws.ToString(out.Organization.Arn))
	assert.Equal(t, orgTestMgmt, aws.ToString(out.Organization.MasterAccountId))
	assert.Equal(t, "aws-management@northwind.example", aws.ToString(out.Organization.MasterAccountEmail))
	assert.Equal(t, types.OrganizationFeatureSetAll, out.Organization.FeatureSet)

	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	require.NoError(t, err)
	require.Len(t, roots.Roots, 1)
	assert.Equal(t, orgTestRoot, aws.ToString(roots.Roots[0].Id))
	assert.Equal(t, "Root", aws.ToString(roots.Roots[0].Name))
	assert.Equal(t, "arn:aws:organizations::111122223333:root/o-nw7k2m4q9x/r-nw7k", aws.ToString(roots.Roots[0].Arn))
	assert.Nil(t, roots.NextToken)
}

func TestOrgMemberAccountCallers(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	creds, err := sts.NewFromConfig(testConfig(s)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + orgTestPaymentsPrd + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("check")})
	require.NoError(t, err)
	member := organizations.NewFromConfig(withRetries(s.ConfigAs(aws.ToString(creds.Credentials.AccessKeyId)), 1))

	out, err := member.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	require.NoError(t, err, "members may describe their organization")
	assert.Equal(t, orgTestMgmt, aws.ToString(out.Organization.MasterAccountId))

	_, err = member.ListAccounts(ctx, &organizations.ListAccountsInput{})
	var denied *types.AccessDeniedException
	require.ErrorAs(t, err, &denied, "only the management account lists accounts")
	assert.Equal(t, "You don't have permissions to access this resource.", denied.ErrorMessage())
}

func TestOrgListAccountsPaginates(t *testing.T) {
	s, _ := newTestSim(t, orgTestWorldWith(45))
	ctx := context.Background()
	org := orgTestClient(s)

	var ids, sizes = []string{}, []int{}
	p := organizations.NewListAccountsPaginator(org, &organizations.ListAccountsInput{MaxResults: aws.Int32(20)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		sizes = append(sizes, len(page.Accounts))
		for _, a := range page.Accounts {
			ids = append(ids, aws.ToString(a.Id))
		}
	}
	total := 45 + 14 // the default world has 14 accounts
	assert.Equal(t, []int{20, 20, 19}, sizes)
	assert.Len(t, ids, total)
	assert.True(t, sort.StringsAreSorted(ids), "accounts come in a stable order")

	defaultPage, err := org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	require.NoError(t, err)
	assert.Len(t, defaultPage.Accounts, 20, "AWS's page size is 20 without MaxResults")
	require.NotNil(t, defaultPage.NextToken)

	var forRoot int
	rp := organizations.NewListAccountsForParentPaginator(org, &organizations.ListAccountsForParentInput{ParentId: aws.String(orgTestRoot), MaxResults: aws.Int32(7)})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		require.NoError(t, err)
		forRoot += len(page.Accounts)
	}
	assert.Equal(t, 45+3, forRoot, "the added accounts plus management, marketing-analytics and acquired-retail")

	tests := []struct {
		name   string
		in     *organizations.ListAccountsInput
		reason types.InvalidInputExceptionReason
	}{
		{"MaxResults above 20", &organizations.ListAccountsInput{MaxResults: aws.Int32(21)}, types.InvalidInputExceptionReasonMaxValueExceeded},
		{"MaxResults below 1", &organizations.ListAccountsInput{MaxResults: aws.Int32(0)}, types.InvalidInputExceptionReasonMinValueExceeded},
		{"NextToken not handed out", &organizations.ListAccountsInput{NextToken: aws.String("garbage")}, types.InvalidInputExceptionReasonInvalidPaginationToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := org.ListAccounts(ctx, tt.in)
			var invalid *types.InvalidInputException
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, tt.reason, invalid.Reason)
		})
	}
}

func TestOrgDescribeAccount(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	t.Run("enrolled account", func(t *testing.T) {
		out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgTestPaymentsPrd)})
		require.NoError(t, err)
		a := out.Account
		assert.Equal(t, "payments-prod", aws.ToString(a.Name))
		assert.Equal(t, "aws+payments-prod@northwind.example", aws.ToString(a.Email))
		assert.Equal(t, "arn:aws:organizations::111122223333:account/o-nw7k2m4q9x/618273645091", aws.ToString(a.Arn))
		assert.Equal(t, types.AccountStatusActive, a.Status)
		assert.Equal(t, types.AccountStateActive, a.State)
		assert.Equal(t, types.AccountJoinedMethodCreated, a.JoinedMethod)
		require.NotNil(t, a.JoinedTimestamp)
		assert.True(t, a.JoinedTimestamp.Before(s.Clock().Now()))
		assert.Equal(t, []string{"o-nw7k2m4q9x/r-nw7k/ou-nw7k-wkl00001/ou-nw7k-wklprod1/618273645091/"}, a.Paths)
	})
	t.Run("invited account", func(t *testing.T) {
		out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgTestAcquired)})
		require.NoError(t, err)
		assert.Equal(t, types.AccountJoinedMethodInvited, out.Account.JoinedMethod)
		assert.Equal(t, []string{"o-nw7k2m4q9x/r-nw7k/604829118370/"}, out.Account.Paths)
	})
	t.Run("suspended account", func(t *testing.T) {
		out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgTestSuspended)})
		require.NoError(t, err)
		assert.Equal(t, types.AccountStatusSuspended, out.Account.Status)
		assert.Equal(t, types.AccountStateSuspended, out.Account.State)
	})

	tests := []struct {
		name, id string
		check    func(t *testing.T, err error)
	}{
		{"unknown account", orgTestMissingAcct, func(t *testing.T, err error) {
			var nf *types.AccountNotFoundException
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, "You specified an account that doesn't exist.", nf.ErrorMessage())
		}},
		{"eleven digits", "61827364509", func(t *testing.T, err error) {
			var invalid *types.InvalidInputException
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, types.InvalidInputExceptionReasonInvalidPattern, invalid.Reason)
			assert.Equal(t, "You provided a value that does not match the required pattern.", invalid.ErrorMessage())
		}},
		{"an OU id", orgTestSandboxOU, func(t *testing.T, err error) {
			var invalid *types.InvalidInputException
			require.ErrorAs(t, err, &invalid)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(tt.id)})
			tt.check(t, err)
		})
	}
}

func TestOrgOrganizationalUnits(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	var names []string
	p := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(orgTestRoot), MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		for _, u := range page.OrganizationalUnits {
			names = append(names, aws.ToString(u.Name))
		}
	}
	assert.Equal(t, []string{"Enrollment", "Infrastructure", "Legacy", "Sandbox", "Security", "Suspended", "Workloads"}, names)

	out, err := org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(orgTestWklProdOU)})
	require.NoError(t, err)
	assert.Equal(t, "Prod", aws.ToString(out.OrganizationalUnit.Name))
	assert.Equal(t, "arn:aws:organizations::111122223333:ou/o-nw7k2m4q9x/ou-nw7k-wklprod1", aws.ToString(out.OrganizationalUnit.Arn))
	assert.Equal(t, "o-nw7k2m4q9x/r-nw7k/ou-nw7k-wkl00001/ou-nw7k-wklprod1/", aws.ToString(out.OrganizationalUnit.Path))

	t.Run("DescribeOrganizationalUnit errors", func(t *testing.T) {
		_, err := org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(orgTestMissingOU)})
		var nf *types.OrganizationalUnitNotFoundException
		assert.ErrorAs(t, err, &nf)
		_, err = org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(orgTestRoot)})
		var invalid *types.InvalidInputException
		assert.ErrorAs(t, err, &invalid)
	})
	t.Run("ListOrganizationalUnitsForParent errors", func(t *testing.T) {
		_, err := org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(orgTestMissingOU)})
		var nf *types.ParentNotFoundException
		assert.ErrorAs(t, err, &nf)
		_, err = org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String("Workloads")})
		var invalid *types.InvalidInputException
		assert.ErrorAs(t, err, &invalid)
	})
}

func TestOrgChildrenAndParents(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	children := func(parent string, kind types.ChildType) []string {
		out, err := org.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(parent), ChildType: kind})
		require.NoError(t, err)
		var ids []string
		for _, c := range out.Children {
			assert.Equal(t, kind, c.Type)
			ids = append(ids, aws.ToString(c.Id))
		}
		return ids
	}
	assert.Equal(t, []string{"ou-nw7k-wklnonp1", orgTestWklProdOU}, children(orgTestWorkloadsOU, types.ChildTypeOrganizationalUnit), "NonProd sorts before Prod")
	assert.Equal(t, []string{orgTestPaymentsPrd, "729384756102"}, children(orgTestWklProdOU, types.ChildTypeAccount))
	assert.Empty(t, children(orgTestWorkloadsOU, types.ChildTypeAccount))

	parents := func(child string) []types.Parent {
		out, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(child)})
		require.NoError(t, err)
		return out.Parents
	}
	assert.Equal(t, []types.Parent{{Id: aws.String(orgTestWklProdOU), Type: types.ParentTypeOrganizationalUnit}}, parents(orgTestPaymentsPrd))
	assert.Equal(t, []types.Parent{{Id: aws.String(orgTestWorkloadsOU), Type: types.ParentTypeOrganizationalUnit}}, parents(orgTestWklProdOU))
	assert.Equal(t, []types.Parent{{Id: aws.String(orgTestRoot), Type: types.ParentTypeRoot}}, parents(orgTestAcquired))

	tests := []struct {
		name string
		call func() error
		is   func(error) bool
	}{
		{"ListChildren of unknown parent", func() error {
			_, err := org.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(orgTestMissingOU), ChildType: types.ChildTypeAccount})
			return err
		}, orgIs[*types.ParentNotFoundException]},
		{"ListChildren with a bad ChildType", func() error {
			_, err := org.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(orgTestRoot), ChildType: "POLICY"})
			return err
		}, orgIs[*types.InvalidInputException]},
		{"ListParents of unknown account", func() error {
			_, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(orgTestMissingAcct)})
			return err
		}, orgIs[*types.ChildNotFoundException]},
		{"ListParents of unknown OU", func() error {
			_, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(orgTestMissingOU)})
			return err
		}, orgIs[*types.ChildNotFoundException]},
		{"ListParents of a root", func() error {
			_, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(orgTestRoot)})
			return err
		}, orgIs[*types.InvalidInputException]},
		{"ListAccountsForParent of unknown parent", func() error {
			_, err := org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("r-zzzz")})
			return err
		}, orgIs[*types.ParentNotFoundException]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.True(t, tt.is(err), "unexpected error %v", err)
		})
	}
}

// orgAssertTime compares instants, whatever their locations.
func orgAssertTime(t *testing.T, want, got time.Time) {
	t.Helper()
	assert.True(t, want.Equal(got), "want %s, got %s", want, got)
}

// orgIs reports whether err is (or wraps) the typed error T.
func orgIs[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

func TestOrgMoveAccount(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	_, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(orgTestAcquired),
		SourceParentId: aws.String(orgTestRoot), DestinationParentId: aws.String(orgTestSandboxOU)})
	require.NoError(t, err)
	out, err := org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(orgTestAcquired)})
	require.NoError(t, err)
	assert.Equal(t, orgTestSandboxOU, aws.ToString(out.Parents[0].Id))
	acct, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(orgTestAcquired)})
	require.NoError(t, err)
	assert.Equal(t, []string{"o-nw7k2m4q9x/r-nw7k/ou-nw7k-sbx00001/604829118370/"}, acct.Account.Paths)

	move := func(account, source, dest string) error {
		_, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(account),
			SourceParentId: aws.String(source), DestinationParentId: aws.String(dest)})
		return err
	}
	tests := []struct {
		name                  string
		account, source, dest string
		is                    func(error) bool
	}{
		{"source is not the current parent", orgTestAcquired, orgTestRoot, orgTestLegacyOU, orgIs[*types.SourceParentNotFoundException]},
		{"source does not exist", orgTestAcquired, orgTestMissingOU, orgTestLegacyOU, orgIs[*types.SourceParentNotFoundException]},
		{"destination does not exist", orgTestAcquired, orgTestSandboxOU, orgTestMissingOU, orgIs[*types.DestinationParentNotFoundException]},
		{"account does not exist", orgTestMissingAcct, orgTestRoot, orgTestLegacyOU, orgIs[*types.AccountNotFoundException]},
		{"already there", orgTestAcquired, orgTestSandboxOU, orgTestSandboxOU, orgIs[*types.DuplicateAccountException]},
		{"bad account id", "acquired-retail", orgTestSandboxOU, orgTestLegacyOU, orgIs[*types.InvalidInputException]},
		{"bad destination id", orgTestAcquired, orgTestSandboxOU, "Legacy", orgIs[*types.InvalidInputException]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := move(tt.account, tt.source, tt.dest)
			require.Error(t, err)
			assert.True(t, tt.is(err), "unexpected error %v", err)
		})
	}
	out, err = org.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(orgTestAcquired)})
	require.NoError(t, err)
	assert.Equal(t, orgTestSandboxOU, aws.ToString(out.Parents[0].Id), "failed moves change nothing")
}

func TestOrgTags(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	org := orgTestClient(s)

	list := func(id string) map[string]string {
		out, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
		require.NoError(t, err)
		m := map[string]string{}
		for _, tag := range out.Tags {
			m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		return m
	}
	for _, id := range []string{orgTestPaymentsPrd, orgTestSandboxOU, orgTestRoot} {
		t.Run("add and remove on "+id, func(t *testing.T) {
			before := list(id)
			_, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(id), Tags: []types.Tag{
				{Key: aws.String("Owner"), Value: aws.String("platform@northwind.example")},
				{Key: aws.String("Empty"), Value: aws.String("")},
			}})
			require.NoError(t, err)
			after := list(id)
			assert.Equal(t, "platform@northwind.example", after["Owner"])
			assert.Contains(t, after, "Empty")
			assert.Len(t, after, len(before)+2)

			_, err = org.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(id), TagKeys: []string{"Owner", "Empty", "NotThere"}})
			require.NoError(t, err)
			assert.Equal(t, before, list(id))
		})
	}
	assert.Equal(t, map[string]string{"CostCenter": "2100", "DataClassification": "confidential"}, list(orgTestPaymentsPrd), "the world's tags")

	tag := func(id string, tags ...types.Tag) error {
		_, err := org.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(id), Tags: tags})
		return err
	}
	kv := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	many := func(n int) []types.Tag {
		var out []types.Tag
		for i := range n {
			out = append(out, kv(fmt.Sprintf("k%02d", i), "v"))
		}
		return out
	}
	invalid := func(reason types.InvalidInputExceptionReason) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var e *types.InvalidInputException
			require.ErrorAs(t, err, &e)
			assert.Equal(t, reason, e.Reason)
		}
	}
	tests := []struct {
		name  string
		err   error
		check func(*testing.T, error)
	}{
		{"aws: prefix is reserved", tag(orgTestPaymentsPrd, kv("aws:owner", "x")), invalid(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
		{"AWS: prefix in any case", tag(orgTestPaymentsPrd, kv("AWS:Owner", "x")), invalid(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
		{"empty key", tag(orgTestPaymentsPrd, kv("", "x")), invalid(types.InvalidInputExceptionReasonMinLengthExceeded)},
		{"key of 129 characters", tag(orgTestPaymentsPrd, kv(strings.Repeat("k", 129), "x")), invalid(types.InvalidInputExceptionReasonMaxLengthExceeded)},
		{"value of 257 characters", tag(orgTestPaymentsPrd, kv("k", strings.Repeat("v", 257))), invalid(types.InvalidInputExceptionReasonMaxLengthExceeded)},
		{"value with characters AWS refuses", tag(orgTestPaymentsPrd, kv("Link", "https://x.example/?a=1&b=2")), invalid(types.InvalidInputExceptionReasonInvalidPattern)},
		{"duplicate keys", tag(orgTestPaymentsPrd, kv("k", "1"), kv("k", "2")), invalid(types.InvalidInputExceptionReasonDuplicateTagKey)},
		{"more than 50 tags on the resource", tag(orgTestPaymentsPrd, many(49)...), func(t *testing.T, err error) {
			var e *types.ConstraintViolationException
			require.ErrorAs(t, err, &e, "49 new plus the 2 it has")
			assert.Equal(t, types.ConstraintViolationExceptionReasonMaxTagLimitExceeded, e.Reason)
		}},
		{"unknown account", tag(orgTestMissingAcct, kv("k", "v")), func(t *testing.T, err error) {
			var e *types.TargetNotFoundException
			require.ErrorAs(t, err, &e)
		}},
		{"unknown root", tag("r-zzzz", kv("k", "v")), func(t *testing.T, err error) {
			var e *types.TargetNotFoundException
			require.ErrorAs(t, err, &e)
		}},
		{"malformed id", tag("payments-prod", kv("k", "v")), invalid(types.InvalidInputExceptionReasonInvalidPattern)},
		{"untag a system key", func() error {
			_, err := org.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(orgTestPaymentsPrd), TagKeys: []string{"aws:cloudformation:stack-name"}})
			return err
		}(), invalid(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
		{"list tags of unknown OU", func() error {
			_, err := org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(orgTestMissingOU)})
			return err
		}(), func(t *testing.T, err error) {
			var e *types.TargetNotFoundException
			require.ErrorAs(t, err, &e)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, tt.err) })
	}
	assert.Equal(t, map[string]string{"CostCenter": "2100", "DataClassification": "confidential"}, list(orgTestPaymentsPrd), "refused requests change nothing")

	require.NoError(t, tag(orgTestPaymentsPrd, many(48)...), "exactly 50 is allowed")
	assert.Len(t, list(orgTestPaymentsPrd), 50)
}
