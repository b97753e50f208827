package accountfactory_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ProvisionProduct refuses a ProvisionedProductName outside the API's
// constraint (pattern [a-zA-Z0-9][a-zA-Z0-9._-]*, length 1-128) the way AWS
// does: the request is rejected before the operation runs, with AWS's input
// validation error (ValidationException, "1 validation error detected: Value
// 'My Test Sandbox1' at 'provisionedProductName' failed to satisfy
// constraint: ...", as AWS answered AFT, aws-ia/terraform-aws-control_tower_account_factory#103).
func TestCatalogRefusesAnInvalidProvisionedProductName(t *testing.T) {
	const pattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9][a-zA-Z0-9._-]*"
	const length = "Member must have length less than or equal to 128"
	s, _ := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()
	af := catalogFindAF(t, sc)
	accounts := ctAccountCount(s)

	cases := []struct {
		name, product, message string
	}{
		{"a space", "team x", "1 validation error detected: Value 'team x' at 'provisionedProductName' failed to satisfy constraint: " + pattern},
		{"a leading underscore", "_lab", "1 validation error detected: Value '_lab' at 'provisionedProductName' failed to satisfy constraint: " + pattern},
		{"a leading hyphen", "-lab", "failed to satisfy constraint: " + pattern},
		{"a leading dot", ".lab", "failed to satisfy constraint: " + pattern},
		{"129 characters", strings.Repeat("a", 129), "1 validation error detected: Value '" + strings.Repeat("a", 129) + "' at 'provisionedProductName' failed to satisfy constraint: " + length},
		{"both", strings.Repeat("_", 129), "2 validation errors detected: "},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := catalogProvisionInput(af, tc.product, catalogParams("team-x", "team-x@northwind.example", "Sandbox (ou-nw7k-sbx00001)"), fmt.Sprintf("bad-name-%d", i))
			_, err := sc.ProvisionProduct(ctx, in)
			var api smithy.APIError
			require.True(t, errors.As(err, &api), "%v", err)
			assert.Equal(t, "ValidationException", api.ErrorCode())
			assert.Contains(t, api.ErrorMessage(), tc.message)
		})
	}

	t.Run("before anything else", func(t *testing.T) {
		in := catalogProvisionInput(af, "team x", catalogParams("team-x", "team-x@northwind.example", "Sandbox (ou-nw7k-sbx00001)"), "bad-name-first")
		in.ProductId = aws.String("prod-nothere")
		_, err := sc.ProvisionProduct(ctx, in)
		var api smithy.APIError
		require.True(t, errors.As(err, &api), "%v", err)
		assert.Equal(t, "ValidationException", api.ErrorCode(), "input validation comes before the product is looked up")
	})
	assert.Len(t, catalogSearch(t, sc), catalogSeededProducts, "no provisioned product was created")
	assert.Equal(t, accounts, ctAccountCount(s), "no account was created")

	for i, product := range []string{"0_5flab", "team_20a-b", "a." + strings.Repeat("b", 126)} {
		_, err := sc.ProvisionProduct(ctx, catalogProvisionInput(af, product,
			catalogParams(product, fmt.Sprintf("team-ok-%d@northwind.example", i), "Sandbox (ou-nw7k-sbx00001)"), fmt.Sprintf("good-name-%d", i)))
		assert.NoError(t, err, "%q is a valid name", product)
	}
}

// SearchProvisionedProducts' SearchQuery searches; it does not look a name
// up: "name:team-a" answers every product whose name contains team-a, in
// any case. A caller that wants one product compares the answer itself.
func TestCatalogSearchQueryNameIsNotExact(t *testing.T) {
	s, _ := newTestSim(t, nil)
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	for _, name := range []string{"team-a-b", "Team-A", "team-a"} {
		catalogProvision(t, sc, af, name, name, strings.ToLower(name)+"-"+fmt.Sprint(len(name))+"@northwind.example", "Sandbox (ou-nw7k-sbx00001)")
	}
	var names []string
	for _, pp := range catalogSearch(t, sc, "name:team-a") {
		names = append(names, aws.ToString(pp.Name))
	}
	assert.ElementsMatch(t, []string{"team-a-b", "Team-A", "team-a"}, names)
	assert.Len(t, catalogSearch(t, sc, "name:payments"), 2, "payments-prod and payments-staging")
	assert.Len(t, catalogSearch(t, sc, "name:team-a-b"), 1)
}
