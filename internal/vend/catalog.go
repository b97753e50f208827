package vend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
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

// accountFactory finds the Account Factory product, its active provisioning
// artifact and the caller's launch path.
func (d *Deps) accountFactory(ctx context.Context) (*product, error) {
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
	return d.searchOne(ctx, "physicalId:"+accountID)
}

// productNamed returns the provisioned product with that name, or nil.
func (d *Deps) productNamed(ctx context.Context, name string) (*sctypes.ProvisionedProductAttribute, error) {
	return d.searchOne(ctx, "name:"+name)
}

func (d *Deps) searchOne(ctx context.Context, query string) (*sctypes.ProvisionedProductAttribute, error) {
	out, err := d.Catalog.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
		AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")},
		Filters:           map[string][]string{"SearchQuery": {query}},
	})
	if err != nil {
		return nil, awsErr("servicecatalog:SearchProvisionedProducts", err)
	}
	for i := range out.ProvisionedProducts {
		pp := &out.ProvisionedProducts[i]
		if aws.ToString(pp.Type) == "CONTROL_TOWER_ACCOUNT" || pp.Type == nil {
			return pp, nil
		}
	}
	return nil, nil
}

// inFlight counts Account Factory operations in progress from Control Tower's
// own products (the source of truth: operations started by hand in the
// console count too). Which of them are terminations costs a DescribeRecord
// each, so it is counted only when asked (for a termination's gate).
func (d *Deps) inFlight(ctx context.Context, countTerminations bool) (total, terminating int, err error) {
	for _, status := range []string{"UNDER_CHANGE", "PLAN_IN_PROGRESS"} {
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

var productNameUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// productName is the provisioned product's name for an account: stable, so a
// repeat finds the product it made, and valid for Service Catalog.
func productName(accountName string) string {
	n := productNameUnsafe.ReplaceAllString(strings.TrimSpace(accountName), "-")
	if len(n) > 100 {
		n = n[:100]
	}
	return n
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
