package accountfactory_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
)

// The default world's enrolled member accounts, each with an Account Factory product.
const catalogSeededProducts = 9

// catalogAF is how a caller addresses the Account Factory product.
type catalogAF struct {
	productID, artifactID, pathID string
}

func catalogClient(s *awssim.Sim) *servicecatalog.Client {
	return servicecatalog.NewFromConfig(testConfig(s))
}

// catalogFindAF looks the product up the way idealo's provider does.
func catalogFindAF(t *testing.T, sc *servicecatalog.Client) catalogAF {
	t.Helper()
	ctx := context.Background()
	found, err := sc.SearchProducts(ctx, &servicecatalog.SearchProductsInput{
		Filters: map[string][]string{"FullTextSearch": {"AWS Control Tower Account Factory"}}})
	require.NoError(t, err)
	require.Len(t, found.ProductViewSummaries, 1)
	productID := aws.ToString(found.ProductViewSummaries[0].ProductId)
	arts, err := sc.ListProvisioningArtifacts(ctx, &servicecatalog.ListProvisioningArtifactsInput{ProductId: aws.String(productID)})
	require.NoError(t, err)
	var af catalogAF
	af.productID = productID
	for _, a := range arts.ProvisioningArtifactDetails {
		if aws.ToBool(a.Active) {
			af.artifactID = aws.ToString(a.Id)
		}
	}
	paths, err := sc.ListLaunchPaths(ctx, &servicecatalog.ListLaunchPathsInput{ProductId: aws.String(productID)})
	require.NoError(t, err)
	require.Len(t, paths.LaunchPathSummaries, 1)
	af.pathID = aws.ToString(paths.LaunchPathSummaries[0].Id)
	return af
}

// catalogParams are Account Factory parameters in AWS's documented shape.
func catalogParams(name, email, ou string) []types.ProvisioningParameter {
	return []types.ProvisioningParameter{
		{Key: aws.String("AccountName"), Value: aws.String(name)},
		{Key: aws.String("AccountEmail"), Value: aws.String(email)},
		{Key: aws.String("ManagedOrganizationalUnit"), Value: aws.String(ou)},
		{Key: aws.String("SSOUserEmail"), Value: aws.String(email)},
		{Key: aws.String("SSOUserFirstName"), Value: aws.String("Admin")},
		{Key: aws.String("SSOUserLastName"), Value: aws.String("User")},
	}
}

func catalogProvisionInput(af catalogAF, product string, params []types.ProvisioningParameter, token string) *servicecatalog.ProvisionProductInput {
	return &servicecatalog.ProvisionProductInput{
		ProductId: aws.String(af.productID), ProvisioningArtifactId: aws.String(af.artifactID), PathId: aws.String(af.pathID),
		ProvisionedProductName: aws.String(product), ProvisioningParameters: params, ProvisionToken: aws.String(token),
	}
}

// catalogProvision asks for an account and returns the record AWS answers with.
func catalogProvision(t *testing.T, sc *servicecatalog.Client, af catalogAF, product, name, email, ou string) *types.RecordDetail {
	t.Helper()
	out, err := sc.ProvisionProduct(context.Background(), catalogProvisionInput(af, product, catalogParams(name, email, ou), "token-"+product))
	require.NoError(t, err)
	return out.RecordDetail
}

func catalogRecord(t *testing.T, sc *servicecatalog.Client, id string) *servicecatalog.DescribeRecordOutput {
	t.Helper()
	out, err := sc.DescribeRecord(context.Background(), &servicecatalog.DescribeRecordInput{Id: aws.String(id)})
	require.NoError(t, err)
	return out
}

func catalogProduct(t *testing.T, sc *servicecatalog.Client, name string) *types.ProvisionedProductDetail {
	t.Helper()
	out, err := sc.DescribeProvisionedProduct(context.Background(), &servicecatalog.DescribeProvisionedProductInput{Name: aws.String(name)})
	require.NoError(t, err)
	return out.ProvisionedProductDetail
}

func catalogSearch(t *testing.T, sc *servicecatalog.Client, query ...string) []types.ProvisionedProductAttribute {
	t.Helper()
	var all []types.ProvisionedProductAttribute
	in := &servicecatalog.SearchProvisionedProductsInput{}
	if len(query) > 0 { // the SDK cannot send a map entry whose list is nil
		in.Filters = map[string][]string{"SearchQuery": query}
	}
	p := servicecatalog.NewSearchProvisionedProductsPaginator(sc, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		all = append(all, page.ProvisionedProducts...)
	}
	return all
}

func catalogOutputs(outs []types.RecordOutput) map[string]string {
	m := map[string]string{}
	for _, o := range outs {
		m[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return m
}

func TestCatalogFindsTheAccountFactoryProduct(t *testing.T) {
	s, _ := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()

	af := catalogFindAF(t, sc)
	assert.Regexp(t, `^prod-[a-z0-9]{13}$`, af.productID)
	assert.Regexp(t, `^pa-[a-z0-9]{13}$`, af.artifactID)
	assert.Regexp(t, `^lpv3-[a-z0-9]{13}$`, af.pathID)

	arts, err := sc.ListProvisioningArtifacts(ctx, &servicecatalog.ListProvisioningArtifactsInput{ProductId: aws.String(af.productID)})
	require.NoError(t, err)
	require.Len(t, arts.ProvisioningArtifactDetails, 2, "an active version and an older inactive one")
	assert.False(t, aws.ToBool(arts.ProvisioningArtifactDetails[0].Active))

	// AFT's lookup: DescribeProductAsAdmin by name, then the active artifact.
	admin, err := sc.DescribeProductAsAdmin(ctx, &servicecatalog.DescribeProductAsAdminInput{Name: aws.String("AWS Control Tower Account Factory")})
	require.NoError(t, err)
	assert.Equal(t, "AWS Control Tower", aws.ToString(admin.ProductViewDetail.ProductViewSummary.Owner))
	require.Len(t, admin.ProvisioningArtifactSummaries, 2)
	var active []string
	for _, sum := range admin.ProvisioningArtifactSummaries {
		pa, err := sc.DescribeProvisioningArtifact(ctx, &servicecatalog.DescribeProvisioningArtifactInput{
			ProductId: aws.String(af.productID), ProvisioningArtifactId: sum.Id})
		require.NoError(t, err)
		if aws.ToBool(pa.ProvisioningArtifactDetail.Active) {
			active = append(active, aws.ToString(pa.ProvisioningArtifactDetail.Id))
		}
	}
	assert.Equal(t, []string{af.artifactID}, active)

	// The enroll script's lookup: SearchProductsAsAdmin by owner.
	asAdmin, err := sc.SearchProductsAsAdmin(ctx, &servicecatalog.SearchProductsAsAdminInput{
		Filters: map[string][]string{"Owner": {"AWS Control Tower"}}})
	require.NoError(t, err)
	require.Len(t, asAdmin.ProductViewDetails, 1)
	assert.Equal(t, af.productID, aws.ToString(asAdmin.ProductViewDetails[0].ProductViewSummary.ProductId))

	desc, err := sc.DescribeProduct(ctx, &servicecatalog.DescribeProductInput{Id: aws.String(af.productID)})
	require.NoError(t, err)
	require.Len(t, desc.ProvisioningArtifacts, 1, "end users see only the active version")
	assert.Equal(t, af.artifactID, aws.ToString(desc.ProvisioningArtifacts[0].Id))
	assert.Equal(t, af.pathID, aws.ToString(desc.LaunchPaths[0].Id))

	none, err := sc.SearchProducts(ctx, &servicecatalog.SearchProductsInput{Filters: map[string][]string{"FullTextSearch": {"Jenkins"}}})
	require.NoError(t, err)
	assert.Empty(t, none.ProductViewSummaries)
}

func TestCatalogPortfolioPrincipals(t *testing.T) {
	// An STS session of the associated role counts as the role.
	s, _ := newTestSim(t, func(w *awssim.World) {
		w.Principals = append(w.Principals, awssim.PrincipalSpec{AccessKeyID: "ASIASESSION000000001",
			Arn: "arn:aws:sts::111122223333:assumed-role/towervend-vending/vend-42"})
	})
	af := catalogFindAF(t, catalogClient(s))
	ctx := context.Background()

	t.Run("assumed role of an associated role has launch paths", func(t *testing.T) {
		sc := servicecatalog.NewFromConfig(withRetries(s.ConfigAs("ASIASESSION000000001"), 1))
		paths, err := sc.ListLaunchPaths(ctx, &servicecatalog.ListLaunchPathsInput{ProductId: aws.String(af.productID)})
		require.NoError(t, err)
		assert.Len(t, paths.LaunchPathSummaries, 1)
	})

	t.Run("a principal not in the portfolio gets no launch paths", func(t *testing.T) {
		sc := servicecatalog.NewFromConfig(withRetries(s.ConfigAs("AKIAAUDITOR000000001"), 1))
		want := "No launch paths found for resource: " + af.productID

		found, err := sc.SearchProducts(ctx, &servicecatalog.SearchProductsInput{})
		require.NoError(t, err)
		assert.Empty(t, found.ProductViewSummaries)

		calls := map[string]func() error{
			"ListLaunchPaths": func() error {
				_, err := sc.ListLaunchPaths(ctx, &servicecatalog.ListLaunchPathsInput{ProductId: aws.String(af.productID)})
				return err
			},
			"ProvisionProduct": func() error {
				_, err := sc.ProvisionProduct(ctx, catalogProvisionInput(af, "audit-x", catalogParams("audit-x", "audit-x@northwind.example", "Sandbox"), "t1"))
				return err
			},
			"UpdateProvisionedProduct": func() error {
				_, err := sc.UpdateProvisionedProduct(ctx, &servicecatalog.UpdateProvisionedProductInput{
					ProvisionedProductName: aws.String("sandbox-jdoe"), UpdateToken: aws.String("t2")})
				return err
			},
		}
		for name, call := range calls {
			t.Run(name, func(t *testing.T) {
				err := call()
				var nf *types.ResourceNotFoundException
				require.ErrorAs(t, err, &nf)
				assert.Equal(t, want, aws.ToString(nf.Message))
			})
		}
		assert.Equal(t, catalogSeededProducts, len(catalogSearch(t, catalogClient(s))), "nothing was provisioned")
	})
}

func TestCatalogSeededProvisionedProducts(t *testing.T) {
	s, _ := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()

	all := catalogSearch(t, sc, "type:CONTROL_TOWER_ACCOUNT")
	require.Len(t, all, catalogSeededProducts, "every enrolled member account, not the management account")
	for _, p := range all {
		assert.Equal(t, types.ProvisionedProductStatusAvailable, p.Status, aws.ToString(p.Name))
		assert.NotEmpty(t, aws.ToString(p.LastSuccessfulProvisioningRecordId))
		assert.NotEqual(t, "111122223333", aws.ToString(p.PhysicalId))
	}

	// AFT finds an account's product by physical id.
	hits := catalogSearch(t, sc, "physicalId:618273645091")
	require.Len(t, hits, 1)
	p := hits[0]
	assert.Equal(t, "payments-prod", aws.ToString(p.Name))
	assert.Equal(t, "CONTROL_TOWER_ACCOUNT", aws.ToString(p.Type))
	assert.Equal(t, "AWS Control Tower Account Factory", aws.ToString(p.ProductName))

	outs, err := sc.GetProvisionedProductOutputs(ctx, &servicecatalog.GetProvisionedProductOutputsInput{
		ProvisionedProductId: p.Id, OutputKeys: []string{"AccountEmail"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"AccountEmail": "aws+payments-prod@northwind.example"}, catalogOutputs(outs.Outputs))

	rec := catalogRecord(t, sc, aws.ToString(p.LastSuccessfulProvisioningRecordId))
	assert.Equal(t, types.RecordStatusSucceeded, rec.RecordDetail.Status)
	assert.Equal(t, "PROVISION_PRODUCT", aws.ToString(rec.RecordDetail.RecordType))
	assert.Equal(t, map[string]string{"AccountId": "618273645091", "AccountEmail": "aws+payments-prod@northwind.example",
		"SSOUserEmail": "aws+payments-prod@northwind.example"}, catalogOutputs(rec.RecordOutputs))

	state := s.AccountFactory()
	params := state.ProductByName("payments-prod").Parameters
	assert.Equal(t, "Prod (ou-nw7k-wklprod1)", params["ManagedOrganizationalUnit"])
	assert.Equal(t, "Admin", params["SSOUserFirstName"])
}

func TestCatalogSearchProvisionedProducts(t *testing.T) {
	s, _ := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()
	af := catalogFindAF(t, sc)

	queries := []struct {
		name  string
		query []string
		want  int
	}{
		{"status", []string{"status:AVAILABLE"}, catalogSeededProducts},
		{"name", []string{"name:audit"}, 1},
		{"product id", []string{"productId:" + af.productID}, catalogSeededProducts},
		{"unknown physical id", []string{"physicalId:999999999999"}, 0},
		{"free text", []string{"sandbox"}, 2},
		{"terms all apply", []string{"status:AVAILABLE", "name:network"}, 1},
		{"terms that exclude each other", []string{"name:network", "name:audit"}, 0},
		{"no query", nil, catalogSeededProducts},
	}
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			assert.Len(t, catalogSearch(t, sc, q.query...), q.want)
		})
	}

	t.Run("pages", func(t *testing.T) {
		p := servicecatalog.NewSearchProvisionedProductsPaginator(sc, &servicecatalog.SearchProvisionedProductsInput{PageSize: 4})
		seen := map[string]bool{}
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			require.NoError(t, err)
			pages++
			assert.Equal(t, int32(catalogSeededProducts), page.TotalResultsCount)
			for _, pp := range page.ProvisionedProducts {
				seen[aws.ToString(pp.Id)] = true
			}
		}
		assert.Equal(t, 3, pages)
		assert.Len(t, seen, catalogSeededProducts)
	})

	t.Run("sorted by name, descending", func(t *testing.T) {
		out, err := sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
			SortBy: aws.String("name"), SortOrder: types.SortOrderDescending, PageSize: 2})
		require.NoError(t, err)
		require.Len(t, out.ProvisionedProducts, 2)
		assert.Equal(t, "storefront-prod", aws.ToString(out.ProvisionedProducts[0].Name))
		assert.Equal(t, "shared-services", aws.ToString(out.ProvisionedProducts[1].Name))
	})

	t.Run("access level User shows only the caller's own", func(t *testing.T) {
		out, err := sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
			AccessLevelFilter: &types.AccessLevelFilter{Key: types.AccessLevelFilterKeyUser, Value: aws.String("self")}})
		require.NoError(t, err)
		assert.Empty(t, out.ProvisionedProducts, "an administrator provisioned the seeded accounts")

		scan, err := sc.ScanProvisionedProducts(ctx, &servicecatalog.ScanProvisionedProductsInput{
			AccessLevelFilter: &types.AccessLevelFilter{Key: types.AccessLevelFilterKeyAccount, Value: aws.String("self")}, PageSize: 20})
		require.NoError(t, err)
		assert.Len(t, scan.ProvisionedProducts, catalogSeededProducts)
	})

	bad := []struct {
		name string
		in   *servicecatalog.SearchProvisionedProductsInput
	}{
		{"unknown field", &servicecatalog.SearchProvisionedProductsInput{Filters: map[string][]string{"SearchQuery": {"colour:blue"}}}},
		{"unknown filter key", &servicecatalog.SearchProvisionedProductsInput{Filters: map[string][]string{"Owner": {"x"}}}},
		{"page token not handed out", &servicecatalog.SearchProvisionedProductsInput{PageToken: aws.String("nope")}},
		{"access level value", &servicecatalog.SearchProvisionedProductsInput{
			AccessLevelFilter: &types.AccessLevelFilter{Key: types.AccessLevelFilterKeyUser, Value: aws.String("someone")}}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := sc.SearchProvisionedProducts(ctx, b.in)
			var ip *types.InvalidParametersException
			assert.ErrorAs(t, err, &ip)
		})
	}
}

func TestCatalogProvisionProductValidation(t *testing.T) {
	s, _ := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()
	af := catalogFindAF(t, sc)
	inactive := s.AccountFactory().Artifacts[0].ID
	accounts := ctAccountCount(s)

	good := func() *servicecatalog.ProvisionProductInput {
		return catalogProvisionInput(af, "team-x", catalogParams("team-x", "team-x@northwind.example", "Sandbox (ou-nw7k-sbx00001)"), "tok")
	}
	cases := []struct {
		name    string
		edit    func(in *servicecatalog.ProvisionProductInput)
		invalid bool // InvalidParametersException, else ResourceNotFoundException
		message string
	}{
		{"missing parameter", func(in *servicecatalog.ProvisionProductInput) {
			in.ProvisioningParameters = in.ProvisioningParameters[:5]
		},
			true, "Parameters: [SSOUserLastName] must have values"},
		{"empty parameter", func(in *servicecatalog.ProvisionProductInput) { in.ProvisioningParameters[0].Value = aws.String("") },
			true, "Parameters: [AccountName] must have values"},
		{"parameter not in the template", func(in *servicecatalog.ProvisionProductInput) {
			in.ProvisioningParameters = append(in.ProvisioningParameters, types.ProvisioningParameter{Key: aws.String("VPCOptions"), Value: aws.String("x")})
		}, true, "Parameters: [VPCOptions] do not exist in the template"},
		{"email pattern", func(in *servicecatalog.ProvisionProductInput) {
			in.ProvisioningParameters[1].Value = aws.String("team-x")
		},
			true, "Parameter 'AccountEmail' must match pattern"},
		{"duplicate provisioned product name", func(in *servicecatalog.ProvisionProductInput) {
			in.ProvisionedProductName = aws.String("payments-prod")
		},
			true, "A stack named payments-prod already exists"},
		{"inactive version", func(in *servicecatalog.ProvisionProductInput) { in.ProvisioningArtifactId = aws.String(inactive) },
			true, "is not active"},
		{"no version", func(in *servicecatalog.ProvisionProductInput) { in.ProvisioningArtifactId = nil },
			true, "ProvisioningArtifactId"},
		{"unknown version", func(in *servicecatalog.ProvisionProductInput) { in.ProvisioningArtifactId = aws.String("pa-nothere") },
			false, "pa-nothere"},
		{"unknown product", func(in *servicecatalog.ProvisionProductInput) { in.ProductId = aws.String("prod-nothere") },
			false, "prod-nothere"},
		{"unknown launch path", func(in *servicecatalog.ProvisionProductInput) { in.PathId = aws.String("lpv3-nothere") },
			false, "lpv3-nothere"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			in.ProvisionToken = aws.String(fmt.Sprintf("validation-%d", i))
			tc.edit(in)
			_, err := sc.ProvisionProduct(ctx, in)
			require.Error(t, err)
			if tc.invalid {
				var ip *types.InvalidParametersException
				require.ErrorAs(t, err, &ip)
				assert.Contains(t, aws.ToString(ip.Message), tc.message)
			} else {
				var nf *types.ResourceNotFoundException
				require.ErrorAs(t, err, &nf)
				assert.Contains(t, aws.ToString(nf.Message), tc.message)
			}
		})
	}
	assert.Len(t, catalogSearch(t, sc), catalogSeededProducts, "no provisioned product was created")
	assert.Equal(t, accounts, ctAccountCount(s), "no account was created")
}

func TestCatalogProvisionTokenIsIdempotent(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()
	af := catalogFindAF(t, sc)
	accounts := ctAccountCount(s)

	in := catalogProvisionInput(af, "team-idem", catalogParams("team-idem", "team-idem@northwind.example", "Sandbox (ou-nw7k-sbx00001)"), "request-7f3a")
	first, err := sc.ProvisionProduct(ctx, in)
	require.NoError(t, err)
	again, err := sc.ProvisionProduct(ctx, in)
	require.NoError(t, err, "a retry with the same token is not a duplicate name")
	assert.Equal(t, aws.ToString(first.RecordDetail.RecordId), aws.ToString(again.RecordDetail.RecordId))
	assert.Equal(t, aws.ToString(first.RecordDetail.ProvisionedProductId), aws.ToString(again.RecordDetail.ProvisionedProductId))

	clk.Advance(time.Hour)
	late, err := sc.ProvisionProduct(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(first.RecordDetail.RecordId), aws.ToString(late.RecordDetail.RecordId))
	assert.Equal(t, types.RecordStatusSucceeded, late.RecordDetail.Status, "the answer is the record as it is now")

	assert.Len(t, catalogSearch(t, sc, "name:team-idem"), 1)
	assert.Equal(t, accounts+1, ctAccountCount(s), "one account, however often the request is sent")

	// A new token for the same name is a new request, and the name is taken.
	in.ProvisionToken = aws.String("request-other")
	_, err = sc.ProvisionProduct(ctx, in)
	var ip *types.InvalidParametersException
	assert.ErrorAs(t, err, &ip)
}

func TestCatalogListRecordHistory(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()
	af := catalogFindAF(t, sc)
	rec := catalogProvision(t, sc, af, "team-hist", "team-hist", "team-hist@northwind.example", "Sandbox")
	clk.Advance(time.Minute)

	mine, err := sc.ListRecordHistory(ctx, &servicecatalog.ListRecordHistoryInput{})
	require.NoError(t, err)
	require.Len(t, mine.RecordDetails, 1, "by default only the caller's own records")
	assert.Equal(t, aws.ToString(rec.RecordId), aws.ToString(mine.RecordDetails[0].RecordId))

	all, err := sc.ListRecordHistory(ctx, &servicecatalog.ListRecordHistoryInput{
		AccessLevelFilter: &types.AccessLevelFilter{Key: types.AccessLevelFilterKeyAccount, Value: aws.String("self")}, PageSize: 100})
	require.NoError(t, err)
	require.Len(t, all.RecordDetails, catalogSeededProducts+1)
	assert.Equal(t, aws.ToString(rec.RecordId), aws.ToString(all.RecordDetails[0].RecordId), "newest first")
}

func TestCatalogThrottlingIsRetriedBySDK(t *testing.T) {
	s, _ := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()
	af := catalogFindAF(t, sc)
	before := catalogCalls(s)
	s.SetFaults(awssim.Faults{Throttle: map[string]float64{"servicecatalog": 0.3}})

	const ops = 20
	for i := range ops - 1 {
		_, err := sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
			Filters: map[string][]string{"SearchQuery": {fmt.Sprintf("name:probe-%d", i)}}})
		require.NoError(t, err)
	}
	_, err := sc.ProvisionProduct(ctx, catalogProvisionInput(af, "team-throttled",
		catalogParams("team-throttled", "team-throttled@northwind.example", "Sandbox"), "throttled-1"))
	require.NoError(t, err)

	assert.Greater(t, catalogCalls(s)-before, ops, "throttled calls were retried")
	assert.Len(t, catalogSearch(t, sc, "name:team-throttled"), 1, "retries of ProvisionProduct create one product")
}

func catalogCalls(s *awssim.Sim) int {
	n := 0
	for _, c := range s.Calls()["servicecatalog"] {
		n += c
	}
	return n
}

// catalogErrCode returns the AWS error code of err ("" for none), typed by
// the SDK or not: the service model does not list every error an operation
// returns.
func catalogErrCode(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
