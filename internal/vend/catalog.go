package vend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
)

// product is the Account Factory product with what provisioning needs.
type product struct {
	id, artifactID, pathID string
}

// accountFactory finds (at most every lookupTTL) the Account Factory product, its active provisioning
// artifact and the caller's launch path.
func (d *Deps) accountFactory(ctx context.Context) (*product, error) {
	return cached(d, "accountFactory", func() (*product, error) { return d.findAccountFactory(ctx) })
}

// findAccountFactory looks the product, its artifact and launch path up.
func (d *Deps) findAccountFactory(ctx context.Context) (*product, error) {
	out, err := d.Catalog.SearchProducts(ctx, &servicecatalog.SearchProductsInput{
		Filters: map[string][]string{"FullTextSearch": {d.Config.ProductName}},
	})
	if err != nil {
		return nil, awsErr("servicecatalog:SearchProducts", err)
	}
	var p product
	for _, v := range out.ProductViewSummaries {
		if aws.ToString(v.Name) == d.Config.ProductName {
			p.id = aws.ToString(v.ProductId)
		}
	}
	if p.id == "" {
		return nil, stepErr(ErrFailed, "Service Catalog shows no product named %q to this role: associate the towervend provisioning role with the Account Factory portfolio (the stack's portfolioId setting)", d.Config.ProductName)
	}
	arts, err := d.Catalog.ListProvisioningArtifacts(ctx, &servicecatalog.ListProvisioningArtifactsInput{ProductId: aws.String(p.id)})
	if err != nil {
		return nil, awsErr("servicecatalog:ListProvisioningArtifacts", err)
	}
	for _, a := range arts.ProvisioningArtifactDetails {
		if aws.ToBool(a.Active) {
			p.artifactID = aws.ToString(a.Id)
		}
	}
	if p.artifactID == "" {
		return nil, stepErr(ErrFailed, "the Account Factory product %s has no active provisioning artifact; repair the landing zone in the Control Tower console", p.id)
	}
	paths, err := d.Catalog.ListLaunchPaths(ctx, &servicecatalog.ListLaunchPathsInput{ProductId: aws.String(p.id)})
	if err != nil {
		return nil, awsErr("servicecatalog:ListLaunchPaths", err)
	}
	if len(paths.LaunchPathSummaries) > 0 {
		p.pathID = aws.ToString(paths.LaunchPathSummaries[0].Id)
	}
	return &p, nil
}

// productFor returns the account's provisioned product, or nil when Control
// Tower does not manage the account through Account Factory.
func (d *Deps) productFor(ctx context.Context, accountID string) (*sctypes.ProvisionedProductAttribute, error) {
	return d.searchExact(ctx, "physicalId:"+accountID, func(pp *sctypes.ProvisionedProductAttribute) bool {
		return aws.ToString(pp.PhysicalId) == accountID
	})
}

// productNamed returns the Account Factory product with exactly that name,
// or nil. A provisioned product's name is unique in the account, so this is
// a lookup (DescribeProvisionedProduct by Name), not a search: no other
// product's name can answer, and no search quota is spent. The answer has
// no PhysicalId (DescribeProvisionedProduct does not return it).
func (d *Deps) productNamed(ctx context.Context, name string) (*sctypes.ProvisionedProductAttribute, error) {
	out, err := d.Catalog.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Name: aws.String(name)})
	var missing *sctypes.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		return nil, nil
	case err != nil:
		return nil, awsErr("servicecatalog:DescribeProvisionedProduct", err)
	case out.ProvisionedProductDetail == nil:
		return nil, nil
	}
	pd := out.ProvisionedProductDetail
	if t := aws.ToString(pd.Type); t != "" && t != "CONTROL_TOWER_ACCOUNT" {
		return nil, nil
	}
	return &sctypes.ProvisionedProductAttribute{Id: pd.Id, Name: pd.Name, Arn: pd.Arn, Type: pd.Type, Status: pd.Status,
		StatusMessage: pd.StatusMessage, CreatedTime: pd.CreatedTime, IdempotencyToken: pd.IdempotencyToken,
		LastRecordId: pd.LastRecordId, LastProvisioningRecordId: pd.LastProvisioningRecordId,
		LastSuccessfulProvisioningRecordId: pd.LastSuccessfulProvisioningRecordId,
		ProductId:                          pd.ProductId, ProvisioningArtifactId: pd.ProvisioningArtifactId}, nil
}

// searchExact returns the Account Factory product a SearchQuery finds that is
// the one asked for. Service Catalog's SearchQuery is a search, not a lookup:
// "name:team-a" also answers team-a-b and Team-A, so every page is read and
// each answer compared exactly; taking the first hit would take another
// account's product for this one.
func (d *Deps) searchExact(ctx context.Context, query string, is func(*sctypes.ProvisionedProductAttribute) bool) (*sctypes.ProvisionedProductAttribute, error) {
	p := servicecatalog.NewSearchProvisionedProductsPaginator(d.Catalog, &servicecatalog.SearchProvisionedProductsInput{
		AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")},
		Filters:           map[string][]string{"SearchQuery": {query}},
		PageSize:          100, // the most Service Catalog answers: a short name matches many
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, awsErr("servicecatalog:SearchProvisionedProducts", err)
		}
		for i := range page.ProvisionedProducts {
			pp := &page.ProvisionedProducts[i]
			if t := aws.ToString(pp.Type); (t == "" || t == "CONTROL_TOWER_ACCOUNT") && is(pp) {
				return pp, nil
			}
		}
	}
	return nil, nil
}

// inFlight counts Account Factory operations in progress from Control Tower's
// own products (the source of truth: operations started by hand in the
// console count too). Which of them are terminations costs a DescribeRecord
// each, so it is counted only when asked (for a termination's gate). Once
// full of them (limit or more UNDER_CHANGE) the gate is shut whatever else is
// in flight, so PLAN_IN_PROGRESS is not searched then.
func (d *Deps) inFlight(ctx context.Context, countTerminations bool, full int) (total, terminating int, err error) {
	for _, status := range []string{"UNDER_CHANGE", "PLAN_IN_PROGRESS"} {
		if full > 0 && total >= full {
			break
		}
		p := servicecatalog.NewSearchProvisionedProductsPaginator(d.Catalog, &servicecatalog.SearchProvisionedProductsInput{
			AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")},
			Filters:           map[string][]string{"SearchQuery": {"status:" + status}},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return 0, 0, awsErr("servicecatalog:SearchProvisionedProducts", err)
			}
			for _, pp := range page.ProvisionedProducts {
				if t := aws.ToString(pp.Type); t != "" && t != "CONTROL_TOWER_ACCOUNT" {
					continue
				}
				total++
				if !countTerminations {
					continue
				}
				rec, err := d.Catalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: pp.LastRecordId})
				if err != nil {
					return 0, 0, awsErr("servicecatalog:DescribeRecord", err)
				}
				if rec.RecordDetail != nil && aws.ToString(rec.RecordDetail.RecordType) == "TERMINATE_PROVISIONED_PRODUCT" {
					terminating++
				}
			}
		}
	}
	return total, terminating, nil
}

// building lists the Account Factory operations in flight that may be
// building the account that joined the organization at joined: products under
// change without a PhysicalId (Control Tower sets it only when it finishes),
// made no later than the account joined. Control Tower creates accounts
// through Organizations CreateAccount, so such an account announces itself
// (CreateAccountResult, AccountJoinedOrganization) while its product does not
// name it yet; nothing in either links the two.
func (d *Deps) building(ctx context.Context, joined time.Time) ([]sctypes.ProvisionedProductAttribute, error) {
	var out []sctypes.ProvisionedProductAttribute
	for _, status := range []string{"UNDER_CHANGE", "PLAN_IN_PROGRESS"} {
		p := servicecatalog.NewSearchProvisionedProductsPaginator(d.Catalog, &servicecatalog.SearchProvisionedProductsInput{
			AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")},
			Filters:           map[string][]string{"SearchQuery": {"status:" + status}},
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, awsErr("servicecatalog:SearchProvisionedProducts", err)
			}
			for _, pp := range page.ProvisionedProducts {
				if t := aws.ToString(pp.Type); t != "" && t != "CONTROL_TOWER_ACCOUNT" {
					continue
				}
				if aws.ToString(pp.PhysicalId) == "" && !aws.ToTime(pp.CreatedTime).After(joined) {
					out = append(out, pp)
				}
			}
		}
	}
	return out, nil
}

// Provisioned product names. Service Catalog requires
// [a-zA-Z0-9][a-zA-Z0-9._-]*, at most 128 characters; account names may hold
// any printable character. The product name must be one-to-one with the
// account name: a product found under an account's product name is that
// account's candidate, so two names that shared one (as "team a-b" and
// "team a b" did when every other character became "-") would hand one
// request the other's account.
const (
	productNameMax = 128
	// productNameHashed marks a name too long to escape in full; an escaped
	// name never holds it ('_' is always followed by two hex digits there).
	productNameHashed = "_x"
)

// productName is the provisioned product's name for an account: stable, so a
// repeat finds the product it made, valid for Service Catalog, and different
// for every account name. Letters, digits, '.' and '-' stand for themselves;
// every other byte is '_' and its two hex digits ("team a b" ->
// "team_20a_20b"). A name that does not start with a letter or a digit 1-9
// has its first character escaped too, behind a '0' ("_lab" -> "0_5flab",
// "0day" -> "0_30day"), so the product name starts with a digit. That is a
// code that can be read back, hence one-to-one. Only a name whose escaping
// exceeds 128 characters (more than 38 escaped characters in Organizations'
// 50) is cut to a readable head and the SHA-256 of the exact name.
func productName(accountName string) string {
	var parts []string
	for i := 0; i < len(accountName); i++ {
		c := accountName[i]
		switch {
		case i == 0 && !(isAlnum(c) && c != '0'):
			parts = append(parts, fmt.Sprintf("0_%02x", c))
		case isAlnum(c) || c == '.' || c == '-':
			parts = append(parts, string(c))
		default:
			parts = append(parts, fmt.Sprintf("_%02x", c))
		}
	}
	if n := strings.Join(parts, ""); len(n) <= productNameMax && n != "" {
		return n
	}
	sum := sha256.Sum256([]byte(accountName))
	tail := productNameHashed + hex.EncodeToString(sum[:])
	var head strings.Builder
	for _, p := range parts {
		if head.Len()+len(p)+len(tail) > productNameMax {
			break
		}
		head.WriteString(p)
	}
	if head.Len() == 0 {
		head.WriteString("0")
	}
	return head.String() + tail
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// token derives an idempotency token (at most 128 characters of
// [A-Za-z0-9_-]) from the request id, the operation and the attempt, so a
// retried call is the same call and a redrive is a new attempt.
func token(requestID, op string, attempt int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s|%s|%d", requestID, op, attempt)))
	return "tv-" + hex.EncodeToString(sum[:16])
}

// parameters builds Account Factory's provisioning parameters.
func parameters(name, email string, ou OURef, owner ownerParams) []sctypes.ProvisioningParameter {
	return []sctypes.ProvisioningParameter{
		{Key: aws.String("AccountName"), Value: aws.String(name)},
		{Key: aws.String("AccountEmail"), Value: aws.String(email)},
		{Key: aws.String("ManagedOrganizationalUnit"), Value: aws.String(ou.AccountFactoryValue())},
		{Key: aws.String("SSOUserEmail"), Value: aws.String(owner.email)},
		{Key: aws.String("SSOUserFirstName"), Value: aws.String(owner.first)},
		{Key: aws.String("SSOUserLastName"), Value: aws.String(owner.last)},
	}
}

type ownerParams struct{ email, first, last string }
