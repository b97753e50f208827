package accountfactory

import (
	"regexp"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Service Catalog, as far as Control Tower's Account Factory uses it: one
// portfolio holding the "AWS Control Tower Account Factory" product, its
// provisioned products (one per managed account) and the records of the
// operations on them. The Control Tower work behind the records is in
// workflow.go.
//
// Errors follow the service model's per-operation error lists (the SDK types
// only those): parameter problems, a taken ProvisionedProductName ("A stack
// named <name> already exists") and a product still UNDER_CHANGE are
// InvalidParametersException; unknown products, versions, paths, records and
// a caller outside the portfolio ("No launch paths found for resource:
// prod-...") are ResourceNotFoundException.

// The Account Factory product's parameters.
const (
	afAccountName  = "AccountName"
	afAccountEmail = "AccountEmail"
	afSSOEmail     = "SSOUserEmail"
	afSSOFirstName = "SSOUserFirstName"
	afSSOLastName  = "SSOUserLastName"
	afManagedOU    = "ManagedOrganizationalUnit"
)

// afParameterKeys are the Account Factory template's parameters, in the order
// error messages list them.
var afParameterKeys = []string{afAccountName, afAccountEmail, afSSOFirstName, afSSOLastName, afSSOEmail, afManagedOU}

// afParameterPatterns are the template's AllowedPattern constraints.
var afParameterPatterns = map[string]*regexp.Regexp{
	afAccountName:  regexp.MustCompile(`^.+$`),
	afAccountEmail: regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`),
	afSSOEmail:     regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`),
	afSSOFirstName: regexp.MustCompile(`^.+$`),
	afSSOLastName:  regexp.MustCompile(`^.+$`),
	afManagedOU:    regexp.MustCompile(`^.+$`),
}

// productNameRe is Service Catalog's pattern for ProvisionedProductName (its
// length, 1-128, is checked apart: AWS reports each constraint on its own).
var productNameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]*$`)

// --- lookups ---

// principalKey reduces an IAM principal ARN to what portfolio associations
// compare: an assumed-role session counts as its role, and a role's path is
// not part of the session ARN, so it is dropped.
func principalKey(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return arn
	}
	res := parts[5]
	switch {
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		role, _, _ := strings.Cut(strings.TrimPrefix(res, "assumed-role/"), "/")
		return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + role
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"):
		return "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + res[strings.LastIndex(res, "/")+1:]
	}
	return arn
}

// associated reports whether the caller is a principal of the Account Factory portfolio.
func (s *Service) associated(p protocol.Principal) bool {
	key := principalKey(p.Arn)
	for _, a := range s.state.Principals {
		if principalKey(a) == key {
			return true
		}
	}
	return false
}

func (s *Service) noLaunchPath() *protocol.APIError {
	return protocol.Err("ResourceNotFoundException", "No launch paths found for resource: %s", s.state.ProductID)
}

// resolveProduct checks a ProductId/ProductName pair names the Account Factory product.
func (s *Service) resolveProduct(id, name string, required bool) *protocol.APIError {
	switch {
	case id != "" && name != "":
		return protocol.Err("InvalidParametersException", "Specify either ProductId or ProductName, not both.")
	case id == "" && name == "":
		if required {
			return protocol.Err("InvalidParametersException", "Either ProductId or ProductName is required.")
		}
	case id != "" && id != s.state.ProductID:
		return protocol.Err("ResourceNotFoundException", "Product %s not found.", id)
	case name != "" && name != s.state.ProductName:
		return protocol.Err("ResourceNotFoundException", "Product %s not found.", name)
	}
	return nil
}

// resolveArtifact finds the artifact an Id/Name pair names; with neither, def.
func (s *Service) resolveArtifact(id, name string, def *Artifact) (*Artifact, *protocol.APIError) {
	switch {
	case id != "" && name != "":
		return nil, protocol.Err("InvalidParametersException", "Specify either ProvisioningArtifactId or ProvisioningArtifactName, not both.")
	case id != "":
		if a := s.state.artifact(id); a != nil {
			return a, nil
		}
		return nil, protocol.Err("ResourceNotFoundException", "Provisioning artifact %s not found for product %s.", id, s.state.ProductID)
	case name != "":
		if a := s.state.artifactByName(name); a != nil {
			return a, nil
		}
		return nil, protocol.Err("ResourceNotFoundException", "Provisioning artifact %s not found for product %s.", name, s.state.ProductID)
	case def != nil:
		return def, nil
	}
	return nil, protocol.Err("InvalidParametersException", "Either ProvisioningArtifactId or ProvisioningArtifactName is required.")
}

// resolvePath checks a PathId/PathName pair; the product has one, default, path.
func (s *Service) resolvePath(id, name string) *protocol.APIError {
	switch {
	case id != "" && name != "":
		return protocol.Err("InvalidParametersException", "Specify either PathId or PathName, not both.")
	case id != "" && id != s.state.LaunchPathID:
		return protocol.Err("ResourceNotFoundException", "Launch path %s not found for product %s.", id, s.state.ProductID)
	case name != "" && name != s.state.PortfolioName:
		return protocol.Err("ResourceNotFoundException", "Launch path %s not found for product %s.", name, s.state.ProductID)
	}
	return nil
}

// findProvisioned finds a provisioned product by Id or Name (exactly one of them).
func (s *Service) findProvisioned(id, name string) (*ProvisionedProduct, *protocol.APIError) {
	switch {
	case id != "" && name != "":
		return nil, protocol.Err("InvalidParametersException", "Specify either the provisioned product Id or its Name, not both.")
	case id != "":
		if p := s.state.Provisioned[id]; p != nil {
			return p, nil
		}
		return nil, protocol.Err("ResourceNotFoundException", "Provisioned product %s not found.", id)
	case name != "":
		if p := s.state.ProductByName(name); p != nil {
			return p, nil
		}
		return nil, protocol.Err("ResourceNotFoundException", "Provisioned product %s not found.", name)
	}
	return nil, protocol.Err("InvalidParametersException", "Either the provisioned product Id or its Name is required.")
}

// notUnderChange refuses a second request on a product that is still
// changing. AWS's service model lets UpdateProvisionedProduct fail only with
// InvalidParametersException or ResourceNotFoundException (and Terminate only
// with the latter), so it is InvalidParametersException, not
// InvalidStateException; the SDK leaves it untyped for Terminate.
func notUnderChange(pp *ProvisionedProduct) *protocol.APIError {
	if pp.Status == ppUnderChange || pp.Status == ppPlan {
		return protocol.Err("InvalidParametersException", "Provisioned product %s is in status %s; wait until its current operation completes.", pp.ID, pp.Status)
	}
	return nil
}

// userArns returns the UserArn and UserArnSession Service Catalog records for a caller.
func userArns(p protocol.Principal) (userArn, session string) {
	return principalKey(p.Arn), p.Arn
}

// productMatches applies SearchProducts filters: values of one key are
// alternatives, keys must all match.
func (s *Service) productMatches(filters map[string][]string) (bool, *protocol.APIError) {
	sum := s.summary()
	for _, key := range sortedKeys(filters) {
		values := filters[key]
		if len(values) == 0 {
			continue
		}
		hit := false
		for _, v := range values {
			switch key {
			case "FullTextSearch":
				lv := strings.ToLower(v)
				for _, f := range []string{sum.Name, sum.Owner, sum.ShortDescription, sum.Distributor} {
					if strings.Contains(strings.ToLower(f), lv) {
						hit = true
					}
				}
			case "Owner":
				hit = hit || v == sum.Owner
			case "ProductType":
				hit = hit || v == sum.Type
			case "SourceProductId":
				hit = hit || v == sum.ProductID
			default:
				return false, protocol.Err("InvalidParametersException", "Filter key %s is not valid. Valid keys: FullTextSearch, Owner, ProductType, SourceProductId.", key)
			}
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

// --- the product operations ---

type searchProductsInput struct {
	Filters   map[string][]string `json:"Filters"`
	PageSize  int                 `json:"PageSize"`
	PageToken string              `json:"PageToken"`
}

func (s *Service) searchProducts(c *protocol.Call, in searchProductsInput) (any, *protocol.APIError) {
	if err := checkPageSize(in.PageSize); err != nil {
		return nil, err
	}
	ok, err := s.productMatches(in.Filters)
	if err != nil {
		return nil, err
	}
	// End users see only the products of portfolios they are a principal of.
	items := []scProductViewSummary{}
	if ok && s.associated(c.Caller) {
		items = append(items, s.summary())
	}
	return listPage(items, "ProductViewSummaries", in.PageToken, in.PageSize)
}

type searchProductsAsAdminInput struct {
	Filters     map[string][]string `json:"Filters"`
	PageSize    int                 `json:"PageSize"`
	PageToken   string              `json:"PageToken"`
	PortfolioID string              `json:"PortfolioId"`
}

func (s *Service) searchProductsAsAdmin(c *protocol.Call, in searchProductsAsAdminInput) (any, *protocol.APIError) {
	if err := checkPageSize(in.PageSize); err != nil {
		return nil, err
	}
	if in.PortfolioID != "" && in.PortfolioID != s.state.PortfolioID {
		return nil, protocol.Err("ResourceNotFoundException", "Portfolio %s not found.", in.PortfolioID)
	}
	ok, err := s.productMatches(in.Filters)
	if err != nil {
		return nil, err
	}
	items := []scProductViewDetail{}
	if ok {
		items = append(items, s.viewDetail())
	}
	return listPage(items, "ProductViewDetails", in.PageToken, in.PageSize)
}

type describeProductInput struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

func (s *Service) describeProduct(c *protocol.Call, in describeProductInput) (any, *protocol.APIError) {
	if err := s.resolveProduct(in.ID, in.Name, true); err != nil {
		return nil, err
	}
	if !s.associated(c.Caller) {
		return nil, s.noLaunchPath()
	}
	var artifacts []map[string]any
	for _, a := range s.state.Artifacts {
		if a.Active { // end users see only active versions
			artifacts = append(artifacts, map[string]any{"Id": a.ID, "Name": a.Name, "Description": a.Description,
				"CreatedTime": protocol.Epoch(a.Created), "Guidance": a.Guidance})
		}
	}
	return map[string]any{
		"ProductViewSummary":    s.summary(),
		"ProvisioningArtifacts": artifacts,
		"LaunchPaths":           []map[string]string{{"Id": s.state.LaunchPathID, "Name": s.state.PortfolioName}},
		"Budgets":               []any{},
	}, nil
}

type describeProductAsAdminInput struct {
	ID                string `json:"Id"`
	Name              string `json:"Name"`
	SourcePortfolioID string `json:"SourcePortfolioId"`
}

func (s *Service) describeProductAsAdmin(c *protocol.Call, in describeProductAsAdminInput) (any, *protocol.APIError) {
	if err := s.resolveProduct(in.ID, in.Name, true); err != nil {
		return nil, err
	}
	if in.SourcePortfolioID != "" && in.SourcePortfolioID != s.state.PortfolioID {
		return nil, protocol.Err("ResourceNotFoundException", "Portfolio %s not found.", in.SourcePortfolioID)
	}
	var summaries []map[string]any
	for _, a := range s.state.Artifacts {
		summaries = append(summaries, map[string]any{"Id": a.ID, "Name": a.Name, "Description": a.Description,
			"CreatedTime": protocol.Epoch(a.Created)})
	}
	return map[string]any{
		"ProductViewDetail":             s.viewDetail(),
		"ProvisioningArtifactSummaries": summaries,
		"Tags":                          []scTag{},
		"TagOptions":                    []any{},
		"Budgets":                       []any{},
	}, nil
}

type listProvisioningArtifactsInput struct {
	ProductID string `json:"ProductId"`
}

func (s *Service) listProvisioningArtifacts(c *protocol.Call, in listProvisioningArtifactsInput) (any, *protocol.APIError) {
	if in.ProductID == "" {
		return nil, protocol.Err("InvalidParametersException", "ProductId is required.")
	}
	if err := s.resolveProduct(in.ProductID, "", true); err != nil {
		return nil, err
	}
	details := []scArtifactDetail{}
	for _, a := range s.state.Artifacts {
		details = append(details, artifactWire(a))
	}
	return map[string]any{"ProvisioningArtifactDetails": details}, nil
}

type describeProvisioningArtifactInput struct {
	ProductID                string `json:"ProductId"`
	ProductName              string `json:"ProductName"`
	ProvisioningArtifactID   string `json:"ProvisioningArtifactId"`
	ProvisioningArtifactName string `json:"ProvisioningArtifactName"`
}

func (s *Service) describeProvisioningArtifact(c *protocol.Call, in describeProvisioningArtifactInput) (any, *protocol.APIError) {
	if err := s.resolveProduct(in.ProductID, in.ProductName, true); err != nil {
		return nil, err
	}
	a, err := s.resolveArtifact(in.ProvisioningArtifactID, in.ProvisioningArtifactName, nil)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ProvisioningArtifactDetail": artifactWire(a), "Status": "AVAILABLE", "Info": map[string]string{}}, nil
}

type listLaunchPathsInput struct {
	ProductID string `json:"ProductId"`
	PageSize  int    `json:"PageSize"`
	PageToken string `json:"PageToken"`
}

func (s *Service) listLaunchPaths(c *protocol.Call, in listLaunchPathsInput) (any, *protocol.APIError) {
	if in.ProductID == "" {
		return nil, protocol.Err("InvalidParametersException", "ProductId is required.")
	}
	if err := s.resolveProduct(in.ProductID, "", true); err != nil {
		return nil, err
	}
	if !s.associated(c.Caller) {
		return nil, s.noLaunchPath()
	}
	items := []scLaunchPathSummary{{ID: s.state.LaunchPathID, Name: s.state.PortfolioName, ConstraintSummaries: []string{}, Tags: []scTag{}}}
	return listPage(items, "LaunchPathSummaries", in.PageToken, in.PageSize)
}
