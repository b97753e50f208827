package vend_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/vend"
)

// serviceCatalogName is ProvisionedProductName's constraint in Service Catalog's API.
var serviceCatalogName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]*$`)

// decodeProductName inverts the product-name encoding (README, "The request"):
// that it exists and gives every name back is the proof that no two account
// names share a product name. Of a hashed name it decodes the readable head.
func decodeProductName(t *testing.T, pn string) string {
	t.Helper()
	pn, _, _ = strings.Cut(pn, "_x")
	if rest, ok := strings.CutPrefix(pn, "0"); ok && strings.HasPrefix(rest, "_") {
		pn = rest // the leading 0 marks an escaped first character
	}
	var b strings.Builder
	for i := 0; i < len(pn); i++ {
		if pn[i] != '_' {
			b.WriteByte(pn[i])
			continue
		}
		require.Less(t, i+2, len(pn), "%q: a cut escape", pn)
		c, err := strconv.ParseUint(pn[i+1:i+3], 16, 8)
		require.NoError(t, err, "%q: a bad escape", pn)
		b.WriteByte(byte(c))
		i += 2
	}
	return b.String()
}

// Provisioned product names are valid for Service Catalog and one-to-one with
// account names: names that differ only in punctuation, spacing or a leading
// character get different product names, and names that need no escaping
// keep the name they always had.
func TestProductNamesAreValidAndOneToOne(t *testing.T) {
	examples := map[string]string{
		"payments-dev":  "payments-dev",
		"team.a-b":      "team.a-b",
		"team a-b":      "team_20a-b",
		"team a b":      "team_20a_20b",
		"team-a-b":      "team-a-b",
		"team_a_b":      "team_5fa_5fb",
		"team  a-b":     "team_20_20a-b",
		"_sandbox-lab":  "0_5fsandbox-lab",
		"-x":            "0_2dx",
		".x":            "0_2ex",
		"0day":          "0_30day",
		"1st-account":   "1st-account",
		" team":         "0_20team",
		"Team A (prod)": "Team_20A_20_28prod_29",
	}
	for name, want := range examples {
		assert.Equal(t, want, vend.ProductName(name), "%q", name)
	}

	// Every account name AWS Organizations allows: 1-50 printable ASCII
	// characters, punctuation-heavy so that escapes and the length bound matter.
	rng := rand.New(rand.NewPCG(12, 34))
	alphabet := " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~aZ0"
	seen := map[string]string{}
	names := []string{strings.Repeat("!", 50), strings.Repeat("_", 50), strings.Repeat("a", 50), "a"}
	for range 20000 {
		b := make([]byte, 1+rng.IntN(50))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = byte(' ' + rng.IntN(95))
			} else {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			}
		}
		names = append(names, string(b))
	}
	for _, name := range names {
		pn := vend.ProductName(name)
		require.Regexp(t, serviceCatalogName, pn, "%q", name)
		require.LessOrEqual(t, len(pn), 128, "%q", name)
		if head, _, hashed := strings.Cut(pn, "_x"); hashed {
			// Only a name whose escaping is too long is hashed, behind a readable head.
			require.Greater(t, len(name), 42, "%q -> %q", name, pn)
			require.True(t, strings.HasPrefix(name, decodeProductName(t, head)), "%q -> %q", name, pn)
		} else {
			require.Equal(t, name, decodeProductName(t, pn), "%q -> %q", name, pn)
		}
		if other, ok := seen[pn]; ok && other != name {
			t.Fatalf("%q and %q share the product name %q", other, name, pn)
		}
		seen[pn] = name
	}

	// Outside what Organizations allows (longer, or not ASCII) the name is
	// still valid, and still differs from every other.
	long := vend.ProductName(strings.Repeat("é", 80))
	assert.Regexp(t, serviceCatalogName, long)
	assert.LessOrEqual(t, len(long), 128)
	assert.NotEqual(t, long, vend.ProductName(strings.Repeat("é", 81)))
}

// The provision step adopts a provisioned product only when it can prove the
// product is this request's: the exact name, one of this request's own
// idempotency tokens, and outputs that name the request's account. Another
// request's product under the same name is a failure that names the
// conflict, whatever state the product is in; nothing is started, updated
// or granted on it.
func TestProvisionNeverAdoptsAnotherRequestsProduct(t *testing.T) {
	tests := []struct {
		name string
		// world is changed before the run.
		world func(*awssim.World)
		// first brings the first request's product into the state the second finds.
		first func(f *fixture, doc *vend.Doc) *vend.Doc
	}{
		{name: "being built", first: func(f *fixture, doc *vend.Doc) *vend.Doc {
			return f.mustStep("Provision", f.deps.Provision, doc)
		}},
		{name: "finished", first: func(f *fixture, doc *vend.Doc) *vend.Doc {
			doc = f.mustStep("Provision", f.deps.Provision, doc)
			doc, err := f.waitOperation(doc)
			require.NoError(f.t, err)
			return f.finish(doc)
		}},
		{name: "failed", world: func(w *awssim.World) { w.Faults.FailProvisioning = []string{"team-x"} },
			first: func(f *fixture, doc *vend.Doc) *vend.Doc {
				doc = f.mustStep("Provision", f.deps.Provision, doc)
				_, err := f.waitOperation(doc)
				require.Equal(f.t, vend.ErrProvisioningFailed, stepError(f.t, err).Name)
				return doc
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{world: tt.world})
			// Two requests for the same account name, both validated before
			// either has a product (so validate could not see the conflict).
			a := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, "REQA", "team-x")})
			b := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, "REQB", "team-x")})
			require.False(t, b.Plan.Rejected, "%v", b.Plan.Problems)
			tt.first(f, a)
			pps := f.products("name:team-x")
			require.Len(t, pps, 1)
			before := f.calls("servicecatalog", "ProvisionProduct") + f.calls("servicecatalog", "UpdateProvisionedProduct")

			_, err := f.step(f.deps.Provision, b)
			se := stepError(t, err)
			assert.Equal(t, vend.ErrFailed, se.Name, se.Reason)
			assert.False(t, se.Transient(), "retrying cannot make another request's product this one's")
			assert.Contains(t, se.Reason, `provisioned product named "team-x"`)
			assert.Contains(t, se.Reason, aws.ToString(pps[0].Id), "the reason names the product in the way")
			assert.Contains(t, se.Reason, "not request REQB's")
			assert.Equal(t, before, f.calls("servicecatalog", "ProvisionProduct")+f.calls("servicecatalog", "UpdateProvisionedProduct"),
				"nothing was started on the other request's product")
		})
	}
}

// A product that carries this request's token but whose outputs name another
// account email is not this request's account: it is refused, not adopted.
func TestProvisionChecksTheAdoptedProductsOutputs(t *testing.T) {
	f := newFixture(t, setup{})
	doc := f.workflow(newAccountRequest(t, "REQA", "team-x"))
	require.NotEmpty(t, doc.AccountID)

	// The same request id, the same account name, another email: the
	// product's outputs disagree with the plan.
	again := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, "REQA", "team-y")})
	again.Request.Account.Name, again.Plan.AccountName, again.Plan.ProductName = "team-x", "team-x", vend.ProductName("team-x")
	_, err := f.step(f.deps.Provision, again)
	se := stepError(t, err)
	assert.Equal(t, vend.ErrFailed, se.Name, se.Reason)
	assert.Contains(t, se.Reason, "aws+team-x@northwind.example", "the reason names the email the product was made for")
	assert.Contains(t, se.Reason, "aws+team-y@northwind.example")
	assert.Equal(t, 1, f.calls("servicecatalog", "ProvisionProduct"))
}

// A create whose product name another request's product already has is
// rejected at validation, naming the product, before anything changes.
func TestValidateRejectsAProductNameInUse(t *testing.T) {
	f := newFixture(t, setup{})
	a := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, "REQA", "team-x")})
	f.mustStep("Provision", f.deps.Provision, a)
	pps := f.products("name:team-x")
	require.Len(t, pps, 1)

	b := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: newAccountRequest(t, "REQB", "team-x")})
	require.True(t, b.Plan.Rejected)
	require.Len(t, b.Plan.Problems, 1, "%v", b.Plan.Problems)
	p := b.Plan.Problems[0]
	assert.Equal(t, "account.name", p.Field)
	assert.Contains(t, p.Message, `provisioned product named "team-x"`)
	assert.Contains(t, p.Message, aws.ToString(pps[0].Id))
}

// Service Catalog's SearchQuery does not compare a name exactly: "name:team-x"
// also finds "team-x-2" and "Team-X". towervend compares the answer itself,
// so a create never takes another account's product for its own.
func TestProductLookupComparesNamesExactly(t *testing.T) {
	f := newFixture(t, setup{})
	var ids []string
	for i, name := range []string{"team-x-2", "Team-X", "team-x"} {
		doc := f.workflow(decode(t, fmt.Sprintf(`{"requestId": "REQ%d", "action": "create",
			"account": {"name": %q, "email": "aws+req%d@northwind.example", "organizationalUnit": "Sandbox"},
			"owner": {"email": "li.wei@northwind.example", "firstName": "Li", "lastName": "Wei"},
			"tags": {"CostCenter": "9000"}}`, i, name, i)))
		require.NotEmpty(t, doc.AccountID)
		assert.NotContains(t, ids, doc.AccountID, "%s got an account of its own", name)
		ids = append(ids, doc.AccountID)
		accts := f.sim.AccountsNamed(name)
		require.Len(t, accts, 1, name)
		assert.Equal(t, doc.AccountID, accts[0].ID)
	}
	assert.Equal(t, 3, f.calls("servicecatalog", "ProvisionProduct"))
}
