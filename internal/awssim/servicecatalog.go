package awssim

import (
	"encoding/json"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Service Catalog, as far as Control Tower's Account Factory uses it: one
// portfolio holding the "AWS Control Tower Account Factory" product, its
// provisioned products (one per managed account) and the records of the
// operations on them. The Control Tower work behind the records is in
// controltower.go.
//
// Errors follow the service model's per-operation error lists (the SDK types
// only those): parameter problems, a taken ProvisionedProductName ("A stack
// named <name> already exists") and a product still UNDER_CHANGE are
// InvalidParametersException; unknown products, versions, paths, records and
// a caller outside the portfolio ("No launch paths found for resource:
// prod-...") are ResourceNotFoundException.

// Status values of provisioned products and records, as Service Catalog spells them.
const (
	ppAvailable   = "AVAILABLE"
	ppUnderChange = "UNDER_CHANGE"
	ppTainted     = "TAINTED"
	ppError       = "ERROR"
	ppPlan        = "PLAN_IN_PROGRESS"

	recCreated           = "CREATED"
	recInProgress        = "IN_PROGRESS"
	recInProgressInError = "IN_PROGRESS_IN_ERROR"
	recSucceeded         = "SUCCEEDED"
	recFailed            = "FAILED"

	recProvision = "PROVISION_PRODUCT"
	recUpdate    = "UPDATE_PROVISIONED_PRODUCT"
	recTerminate = "TERMINATE_PROVISIONED_PRODUCT"

	// scAccountType is the provisioned-product type of Account Factory accounts.
	scAccountType = "CONTROL_TOWER_ACCOUNT"
)

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

// scProductNameRe is Service Catalog's pattern for ProvisionedProductName.
var scProductNameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$`)

// CatalogState is Service Catalog with the Control Tower Account Factory product.
type CatalogState struct {
	PortfolioID    string    `json:"portfolioId"`
	PortfolioName  string    `json:"portfolioName"`
	ProductID      string    `json:"productId"`
	ProductViewID  string    `json:"productViewId"`
	ProductName    string    `json:"productName"`
	ProductOwner   string    `json:"productOwner"`
	ProductCreated time.Time `json:"productCreated"`
	LaunchPathID   string    `json:"launchPathId"`
	// Artifacts are the product's versions, oldest first.
	Artifacts []*CatalogArtifact `json:"artifacts"`
	// Principals are the IAM principal ARNs associated with the portfolio.
	Principals []string `json:"principals"`
	// Provisioned holds the provisioned products by id (pp-...).
	Provisioned map[string]*ProvisionedProduct `json:"provisionedProducts"`
	// Records holds every request's record by id (rec-...); a record with an
	// Operation is still being worked on.
	Records map[string]*CatalogRecord `json:"records"`
	// Tokens maps "Operation|idempotency token" to the record it created.
	Tokens map[string]string `json:"tokens"`
	// KnownAccounts are the accounts Control Tower has worked on before: it
	// answers another operation on them with an UpdateManagedAccount event.
	KnownAccounts map[string]bool `json:"knownAccounts"`
	// SpentFaults are the Faults.FailProvisioning entries that already failed once.
	SpentFaults []string `json:"spentFaults,omitempty"`
	// PeakInFlight is the most account operations Control Tower ever ran at once.
	PeakInFlight int `json:"peakInFlight"`
	// Refused counts operations Control Tower refused because it was busy or full.
	Refused int `json:"refused"`
}

// CatalogArtifact is a provisioning artifact (a version of the product).
type CatalogArtifact struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Active      bool      `json:"active"`
	Guidance    string    `json:"guidance"`
	Created     time.Time `json:"created"`
}

// ProvisionedProduct is an Account Factory provisioned product: one managed account.
type ProvisionedProduct struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Arn              string            `json:"arn"`
	ArtifactID       string            `json:"artifactId"`
	PathID           string            `json:"pathId"`
	Status           string            `json:"status"`
	StatusMessage    string            `json:"statusMessage,omitempty"`
	PhysicalID       string            `json:"physicalId,omitempty"` // the account id, once there is an account
	Parameters       map[string]string `json:"parameters"`
	Tags             map[string]string `json:"tags,omitempty"`
	Created          time.Time         `json:"created"`
	IdempotencyToken string            `json:"idempotencyToken,omitempty"`
	UserArn          string            `json:"userArn"`
	UserArnSession   string            `json:"userArnSession"`
	LastRecordID     string            `json:"lastRecordId"`
	// LastProvisioningRecordID is the last provision, update or terminate request.
	LastProvisioningRecordID string `json:"lastProvisioningRecordId"`
	// LastSuccessfulRecordID is the last of those that succeeded.
	LastSuccessfulRecordID string `json:"lastSuccessfulProvisioningRecordId,omitempty"`
}

// CatalogRecord is the record of one provision, update or terminate request.
type CatalogRecord struct {
	ID                     string               `json:"id"`
	Type                   string               `json:"type"`
	Status                 string               `json:"status"`
	ProvisionedProductID   string               `json:"provisionedProductId"`
	ProvisionedProductName string               `json:"provisionedProductName"`
	ArtifactID             string               `json:"artifactId"`
	PathID                 string               `json:"pathId"`
	UserArn                string               `json:"userArn"`
	UserArnSession         string               `json:"userArnSession"`
	Created                time.Time            `json:"created"`
	Updated                time.Time            `json:"updated"`
	Errors                 []CatalogRecordError `json:"errors,omitempty"`
	Outputs                []CatalogOutput      `json:"outputs,omitempty"`
	Tags                   map[string]string    `json:"tags,omitempty"`
	// Operation is the Control Tower work still to do; nil once the record is final.
	Operation *AccountOperation `json:"operation,omitempty"`
}

// CatalogRecordError is one of a failed record's errors.
type CatalogRecordError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// CatalogOutput is one of a record's outputs.
type CatalogOutput struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// --- wire shapes (the AWS JSON member names) ---

type scTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type scRecordError struct {
	Code        string `json:"Code"`
	Description string `json:"Description"`
}

type scRecordOutput struct {
	OutputKey   string `json:"OutputKey"`
	OutputValue string `json:"OutputValue"`
}

type scRecordDetail struct {
	RecordID               string          `json:"RecordId"`
	ProvisionedProductName string          `json:"ProvisionedProductName"`
	Status                 string          `json:"Status"`
	CreatedTime            Epoch           `json:"CreatedTime"`
	UpdatedTime            Epoch           `json:"UpdatedTime"`
	ProvisionedProductType string          `json:"ProvisionedProductType"`
	RecordType             string          `json:"RecordType"`
	ProvisionedProductID   string          `json:"ProvisionedProductId"`
	ProductID              string          `json:"ProductId"`
	ProvisioningArtifactID string          `json:"ProvisioningArtifactId"`
	PathID                 string          `json:"PathId"`
	RecordErrors           []scRecordError `json:"RecordErrors"`
	RecordTags             []scTag         `json:"RecordTags"`
}

type scProvisionedProductAttribute struct {
	Arn                                string  `json:"Arn"`
	CreatedTime                        Epoch   `json:"CreatedTime"`
	ID                                 string  `json:"Id"`
	IdempotencyToken                   string  `json:"IdempotencyToken,omitempty"`
	LastProvisioningRecordID           string  `json:"LastProvisioningRecordId,omitempty"`
	LastRecordID                       string  `json:"LastRecordId,omitempty"`
	LastSuccessfulProvisioningRecordID string  `json:"LastSuccessfulProvisioningRecordId,omitempty"`
	Name                               string  `json:"Name"`
	PhysicalID                         string  `json:"PhysicalId,omitempty"`
	ProductID                          string  `json:"ProductId"`
	ProductName                        string  `json:"ProductName"`
	ProvisioningArtifactID             string  `json:"ProvisioningArtifactId"`
	ProvisioningArtifactName           string  `json:"ProvisioningArtifactName"`
	Status                             string  `json:"Status"`
	StatusMessage                      string  `json:"StatusMessage,omitempty"`
	Tags                               []scTag `json:"Tags"`
	Type                               string  `json:"Type"`
	UserArn                            string  `json:"UserArn"`
	UserArnSession                     string  `json:"UserArnSession"`
}

type scProvisionedProductDetail struct {
	Arn                                string `json:"Arn"`
	CreatedTime                        Epoch  `json:"CreatedTime"`
	ID                                 string `json:"Id"`
	IdempotencyToken                   string `json:"IdempotencyToken,omitempty"`
	LastProvisioningRecordID           string `json:"LastProvisioningRecordId,omitempty"`
	LastRecordID                       string `json:"LastRecordId,omitempty"`
	LastSuccessfulProvisioningRecordID string `json:"LastSuccessfulProvisioningRecordId,omitempty"`
	Name                               string `json:"Name"`
	ProductID                          string `json:"ProductId"`
	ProvisioningArtifactID             string `json:"ProvisioningArtifactId"`
	Status                             string `json:"Status"`
	StatusMessage                      string `json:"StatusMessage,omitempty"`
	Type                               string `json:"Type"`
}

type scProductViewSummary struct {
	ID                 string `json:"Id"`
	ProductID          string `json:"ProductId"`
	Name               string `json:"Name"`
	Owner              string `json:"Owner"`
	ShortDescription   string `json:"ShortDescription"`
	Type               string `json:"Type"`
	Distributor        string `json:"Distributor"`
	HasDefaultPath     bool   `json:"HasDefaultPath"`
	SupportDescription string `json:"SupportDescription"`
}

type scProductViewDetail struct {
	ProductViewSummary scProductViewSummary `json:"ProductViewSummary"`
	Status             string               `json:"Status"`
	ProductARN         string               `json:"ProductARN"`
	CreatedTime        Epoch                `json:"CreatedTime"`
}

type scArtifactDetail struct {
	ID          string `json:"Id"`
	Name        string `json:"Name"`
	Description string `json:"Description"`
	Type        string `json:"Type"`
	CreatedTime Epoch  `json:"CreatedTime"`
	Active      bool   `json:"Active"`
	Guidance    string `json:"Guidance"`
}

type scLaunchPathSummary struct {
	ID                  string   `json:"Id"`
	Name                string   `json:"Name"`
	ConstraintSummaries []string `json:"ConstraintSummaries"`
	Tags                []scTag  `json:"Tags"`
}

type scAccessLevelFilter struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// --- the operations ---

// catalogOps serves Service Catalog.
func (s *Sim) catalogOps() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"SearchProducts":               s.scSearchProducts,
		"SearchProductsAsAdmin":        s.scSearchProductsAsAdmin,
		"DescribeProduct":              s.scDescribeProduct,
		"DescribeProductAsAdmin":       s.scDescribeProductAsAdmin,
		"ListProvisioningArtifacts":    s.scListProvisioningArtifacts,
		"DescribeProvisioningArtifact": s.scDescribeProvisioningArtifact,
		"ListLaunchPaths":              s.scListLaunchPaths,
		"ProvisionProduct":             s.scProvisionProduct,
		"UpdateProvisionedProduct":     s.scUpdateProvisionedProduct,
		"TerminateProvisionedProduct":  s.scTerminateProvisionedProduct,
		"DescribeRecord":               s.scDescribeRecord,
		"ListRecordHistory":            s.scListRecordHistory,
		"SearchProvisionedProducts":    s.scSearchProvisionedProducts,
		"ScanProvisionedProducts":      s.scScanProvisionedProducts,
		"DescribeProvisionedProduct":   s.scDescribeProvisionedProduct,
		"GetProvisionedProductOutputs": s.scGetProvisionedProductOutputs,
	}
}

// initCatalog creates the Account Factory portfolio and product, and a provisioned
// product for every account the world marks enrolled.
func (s *Sim) initCatalog(w *World) error {
	c := &s.catalog
	c.PortfolioID = "port-" + s.env.RandString(13, protocol.LowerAlnum)
	c.PortfolioName = "AWS Control Tower Account Factory Portfolio"
	c.ProductID = "prod-" + s.env.RandString(13, protocol.LowerAlnum)
	c.ProductViewID = "prodview-" + s.env.RandString(13, protocol.LowerAlnum)
	c.ProductName = "AWS Control Tower Account Factory"
	c.ProductOwner = "AWS Control Tower"
	c.ProductCreated = w.Start.AddDate(-1, 0, 0)
	c.LaunchPathID = "lpv3-" + s.env.RandString(13, protocol.LowerAlnum)
	c.Artifacts = []*CatalogArtifact{
		{ID: "pa-" + s.env.RandString(13, protocol.LowerAlnum), Name: "AWS Control Tower Account Factory Template v3.0",
			Description: "Account Factory template of landing zone 3.0", Active: false, Guidance: "DEPRECATED", Created: w.Start.AddDate(-1, 0, 0)},
		{ID: "pa-" + s.env.RandString(13, protocol.LowerAlnum), Name: "AWS Control Tower Account Factory Template v3.3",
			Description: "Account Factory template of landing zone 3.3", Active: true, Guidance: "DEFAULT", Created: w.Start.AddDate(0, -2, 0)},
	}
	c.Principals = append([]string(nil), w.ControlTower.PortfolioPrincipals...)
	c.Provisioned = map[string]*ProvisionedProduct{}
	c.Records = map[string]*CatalogRecord{}
	c.Tokens = map[string]string{}
	c.KnownAccounts = map[string]bool{}

	// Accounts enrolled before the simulation starts were vended (or enrolled)
	// by an administrator through the console.
	admin := "arn:aws:iam::" + s.org.ManagementAccountID() + ":role/AWSControlTowerAdmin"
	active := c.activeArtifact()
	for _, a := range s.org.SortedAccounts() {
		if !a.Enrolled || a.ID == s.org.ManagementAccountID() {
			continue
		}
		if c.productByName(a.Name) != nil {
			return fmt.Errorf("organization: two enrolled accounts are named %s; Account Factory names provisioned products after accounts", a.Name)
		}
		ou := s.org.OU(a.ParentID)
		if ou == nil {
			return fmt.Errorf("organization: enrolled account %s is not in an OU; Control Tower manages accounts in registered OUs", a.Name)
		}
		params := map[string]string{
			afAccountName: a.Name, afAccountEmail: a.Email, afSSOEmail: a.Email,
			afSSOFirstName: "Admin", afSSOLastName: "User", afManagedOU: ou.Name + " (" + ou.ID + ")",
		}
		pp := s.scNewProduct(a.Name, active.ID, admin, admin, "", a.JoinedTimestamp, params)
		pp.PhysicalID = a.ID
		pp.Status = ppAvailable
		rec := s.scNewRecord(pp, recProvision, admin, admin, a.JoinedTimestamp)
		rec.Status = recSucceeded
		rec.Updated = a.JoinedTimestamp.Add(w.ControlTower.ProvisioningTime.D())
		rec.Outputs = afOutputs(a.ID, params)
		pp.LastSuccessfulRecordID = rec.ID
		c.KnownAccounts[a.ID] = true
	}
	return nil
}

// resumeCatalog reschedules account operations that were in flight when a snapshot was taken.
func (s *Sim) resumeCatalog() {
	for _, id := range sortedKeys(s.catalog.Records) {
		if s.catalog.Records[id].Operation != nil {
			s.afArm(id)
		}
	}
}

// --- lookups ---

func (c *CatalogState) activeArtifact() *CatalogArtifact {
	for i := len(c.Artifacts) - 1; i >= 0; i-- {
		if c.Artifacts[i].Active {
			return c.Artifacts[i]
		}
	}
	return nil
}

func (c *CatalogState) artifact(id string) *CatalogArtifact {
	for _, a := range c.Artifacts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (c *CatalogState) artifactByName(name string) *CatalogArtifact {
	for _, a := range c.Artifacts {
		if a.Name == name {
			return a
		}
	}
	return nil
}

func (c *CatalogState) productByName(name string) *ProvisionedProduct {
	for _, p := range c.Provisioned {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// productOwning returns the provisioned product whose physical id is the account, if any.
func (c *CatalogState) productOwning(accountID string) *ProvisionedProduct {
	for _, id := range sortedKeys(c.Provisioned) {
		if p := c.Provisioned[id]; p.PhysicalID == accountID {
			return p
		}
	}
	return nil
}

func (s *Sim) scProductArn() string {
	return fmt.Sprintf("arn:aws:catalog:%s:%s:product/%s", s.world.Region, s.org.ManagementAccountID(), s.catalog.ProductID)
}

// scPrincipalKey reduces an IAM principal ARN to what portfolio associations
// compare: an assumed-role session counts as its role, and a role's path is
// not part of the session ARN, so it is dropped.
func scPrincipalKey(arn string) string {
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

// scAssociated reports whether the caller is a principal of the Account Factory portfolio.
func (s *Sim) scAssociated(p Principal) bool {
	key := scPrincipalKey(p.Arn)
	for _, a := range s.catalog.Principals {
		if scPrincipalKey(a) == key {
			return true
		}
	}
	return false
}

func (s *Sim) scNoLaunchPath() *APIError {
	return apiErr("ResourceNotFoundException", "No launch paths found for resource: %s", s.catalog.ProductID)
}

// scResolveProduct checks a ProductId/ProductName pair names the Account Factory product.
func (s *Sim) scResolveProduct(id, name string, required bool) *APIError {
	switch {
	case id != "" && name != "":
		return apiErr("InvalidParametersException", "Specify either ProductId or ProductName, not both.")
	case id == "" && name == "":
		if required {
			return apiErr("InvalidParametersException", "Either ProductId or ProductName is required.")
		}
	case id != "" && id != s.catalog.ProductID:
		return apiErr("ResourceNotFoundException", "Product %s not found.", id)
	case name != "" && name != s.catalog.ProductName:
		return apiErr("ResourceNotFoundException", "Product %s not found.", name)
	}
	return nil
}

// scResolveArtifact finds the artifact an Id/Name pair names; with neither, def.
func (s *Sim) scResolveArtifact(id, name string, def *CatalogArtifact) (*CatalogArtifact, *APIError) {
	switch {
	case id != "" && name != "":
		return nil, apiErr("InvalidParametersException", "Specify either ProvisioningArtifactId or ProvisioningArtifactName, not both.")
	case id != "":
		if a := s.catalog.artifact(id); a != nil {
			return a, nil
		}
		return nil, apiErr("ResourceNotFoundException", "Provisioning artifact %s not found for product %s.", id, s.catalog.ProductID)
	case name != "":
		if a := s.catalog.artifactByName(name); a != nil {
			return a, nil
		}
		return nil, apiErr("ResourceNotFoundException", "Provisioning artifact %s not found for product %s.", name, s.catalog.ProductID)
	case def != nil:
		return def, nil
	}
	return nil, apiErr("InvalidParametersException", "Either ProvisioningArtifactId or ProvisioningArtifactName is required.")
}

// scResolvePath checks a PathId/PathName pair; the product has one, default, path.
func (s *Sim) scResolvePath(id, name string) *APIError {
	switch {
	case id != "" && name != "":
		return apiErr("InvalidParametersException", "Specify either PathId or PathName, not both.")
	case id != "" && id != s.catalog.LaunchPathID:
		return apiErr("ResourceNotFoundException", "Launch path %s not found for product %s.", id, s.catalog.ProductID)
	case name != "" && name != s.catalog.PortfolioName:
		return apiErr("ResourceNotFoundException", "Launch path %s not found for product %s.", name, s.catalog.ProductID)
	}
	return nil
}

// scFindProvisioned finds a provisioned product by Id or Name (exactly one of them).
func (s *Sim) scFindProvisioned(id, name string) (*ProvisionedProduct, *APIError) {
	switch {
	case id != "" && name != "":
		return nil, apiErr("InvalidParametersException", "Specify either the provisioned product Id or its Name, not both.")
	case id != "":
		if p := s.catalog.Provisioned[id]; p != nil {
			return p, nil
		}
		return nil, apiErr("ResourceNotFoundException", "Provisioned product %s not found.", id)
	case name != "":
		if p := s.catalog.productByName(name); p != nil {
			return p, nil
		}
		return nil, apiErr("ResourceNotFoundException", "Provisioned product %s not found.", name)
	}
	return nil, apiErr("InvalidParametersException", "Either the provisioned product Id or its Name is required.")
}

// scNotUnderChange refuses a second request on a product that is still
// changing. AWS's service model lets UpdateProvisionedProduct fail only with
// InvalidParametersException or ResourceNotFoundException (and Terminate only
// with the latter), so it is InvalidParametersException, not
// InvalidStateException; the SDK leaves it untyped for Terminate.
func scNotUnderChange(pp *ProvisionedProduct) *APIError {
	if pp.Status == ppUnderChange || pp.Status == ppPlan {
		return apiErr("InvalidParametersException", "Provisioned product %s is in status %s; wait until its current operation completes.", pp.ID, pp.Status)
	}
	return nil
}

func scDecode(body []byte, v any) *APIError {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &APIError{Code: "SerializationException", Message: "Could not parse the request: " + err.Error(), Status: 400}
	}
	return nil
}

// scUserArns returns the UserArn and UserArnSession Service Catalog records for a caller.
func scUserArns(p Principal) (userArn, session string) {
	return scPrincipalKey(p.Arn), p.Arn
}

// scNewProduct adds a provisioned product. s.mu is held.
func (s *Sim) scNewProduct(name, artifactID, userArn, session, token string, at time.Time, params map[string]string) *ProvisionedProduct {
	id := "pp-" + s.env.RandString(13, protocol.LowerAlnum)
	pp := &ProvisionedProduct{
		ID: id, Name: name, ArtifactID: artifactID, PathID: s.catalog.LaunchPathID, Status: ppUnderChange,
		Arn:        fmt.Sprintf("arn:aws:servicecatalog:%s:%s:stack/%s/%s", s.world.Region, s.org.ManagementAccountID(), name, id),
		Parameters: params, Created: at, IdempotencyToken: token, UserArn: userArn, UserArnSession: session,
	}
	s.catalog.Provisioned[id] = pp
	return pp
}

// scNewRecord adds a CREATED record for a request on pp and makes it pp's last. s.mu is held.
func (s *Sim) scNewRecord(pp *ProvisionedProduct, kind, userArn, session string, at time.Time) *CatalogRecord {
	rec := &CatalogRecord{
		ID: "rec-" + s.env.RandString(13, protocol.LowerAlnum), Type: kind, Status: recCreated,
		ProvisionedProductID: pp.ID, ProvisionedProductName: pp.Name, ArtifactID: pp.ArtifactID, PathID: pp.PathID,
		UserArn: userArn, UserArnSession: session, Created: at, Updated: at,
	}
	s.catalog.Records[rec.ID] = rec
	pp.LastRecordID = rec.ID
	pp.LastProvisioningRecordID = rec.ID
	return rec
}

func (s *Sim) scRecordDetail(r *CatalogRecord) scRecordDetail {
	d := scRecordDetail{
		RecordID: r.ID, ProvisionedProductName: r.ProvisionedProductName, Status: r.Status,
		CreatedTime: Epoch(r.Created), UpdatedTime: Epoch(r.Updated), ProvisionedProductType: scAccountType,
		RecordType: r.Type, ProvisionedProductID: r.ProvisionedProductID, ProductID: s.catalog.ProductID,
		ProvisioningArtifactID: r.ArtifactID, PathID: r.PathID,
		RecordErrors: []scRecordError{}, RecordTags: scTags(r.Tags),
	}
	for _, e := range r.Errors {
		d.RecordErrors = append(d.RecordErrors, scRecordError(e))
	}
	return d
}

func (s *Sim) scAttribute(p *ProvisionedProduct) scProvisionedProductAttribute {
	artifactName := ""
	if a := s.catalog.artifact(p.ArtifactID); a != nil {
		artifactName = a.Name
	}
	return scProvisionedProductAttribute{
		Arn: p.Arn, CreatedTime: Epoch(p.Created), ID: p.ID, IdempotencyToken: p.IdempotencyToken,
		LastProvisioningRecordID: p.LastProvisioningRecordID, LastRecordID: p.LastRecordID,
		LastSuccessfulProvisioningRecordID: p.LastSuccessfulRecordID, Name: p.Name, PhysicalID: p.PhysicalID,
		ProductID: s.catalog.ProductID, ProductName: s.catalog.ProductName, ProvisioningArtifactID: p.ArtifactID,
		ProvisioningArtifactName: artifactName, Status: p.Status, StatusMessage: p.StatusMessage, Tags: scTags(p.Tags),
		Type: scAccountType, UserArn: p.UserArn, UserArnSession: p.UserArnSession,
	}
}

func (s *Sim) scDetail(p *ProvisionedProduct) scProvisionedProductDetail {
	return scProvisionedProductDetail{
		Arn: p.Arn, CreatedTime: Epoch(p.Created), ID: p.ID, IdempotencyToken: p.IdempotencyToken,
		LastProvisioningRecordID: p.LastProvisioningRecordID, LastRecordID: p.LastRecordID,
		LastSuccessfulProvisioningRecordID: p.LastSuccessfulRecordID, Name: p.Name, ProductID: s.catalog.ProductID,
		ProvisioningArtifactID: p.ArtifactID, Status: p.Status, StatusMessage: p.StatusMessage, Type: scAccountType,
	}
}

func scTags(m map[string]string) []scTag {
	out := []scTag{}
	for _, k := range sortedKeys(m) {
		out = append(out, scTag{Key: k, Value: m[k]})
	}
	return out
}

func scTagMap(tags []scTag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func (s *Sim) scSummary() scProductViewSummary {
	c := &s.catalog
	return scProductViewSummary{
		ID: c.ProductViewID, ProductID: c.ProductID, Name: c.ProductName, Owner: c.ProductOwner,
		ShortDescription: "Use this product to provision and enroll accounts in AWS Control Tower.",
		Type:             "CLOUD_FORMATION_TEMPLATE", Distributor: "AWS Control Tower", HasDefaultPath: true,
		SupportDescription: "AWS Control Tower Account Factory is managed by AWS Control Tower.",
	}
}

func (s *Sim) scViewDetail() scProductViewDetail {
	return scProductViewDetail{ProductViewSummary: s.scSummary(), Status: "AVAILABLE", ProductARN: s.scProductArn(),
		CreatedTime: Epoch(s.catalog.ProductCreated)}
}

func scArtifactWire(a *CatalogArtifact) scArtifactDetail {
	return scArtifactDetail{ID: a.ID, Name: a.Name, Description: a.Description, Type: "CLOUD_FORMATION_TEMPLATE",
		CreatedTime: Epoch(a.Created), Active: a.Active, Guidance: a.Guidance}
}

// scProductMatches applies SearchProducts filters: values of one key are
// alternatives, keys must all match.
func (s *Sim) scProductMatches(filters map[string][]string) (bool, *APIError) {
	sum := s.scSummary()
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
				return false, apiErr("InvalidParametersException", "Filter key %s is not valid. Valid keys: FullTextSearch, Owner, ProductType, SourceProductId.", key)
			}
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

func scPageSize(n int) *APIError {
	if n < 0 || n > 100 {
		return apiErr("InvalidParametersException", "PageSize %d is not valid; it must be between 0 and 100.", n)
	}
	return nil
}

func (s *Sim) scSearchProducts(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		Filters   map[string][]string `json:"Filters"`
		PageSize  int                 `json:"PageSize"`
		PageToken string              `json:"PageToken"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := scPageSize(in.PageSize); err != nil {
		return nil, err
	}
	ok, err := s.scProductMatches(in.Filters)
	if err != nil {
		return nil, err
	}
	// End users see only the products of portfolios they are a principal of.
	items := []scProductViewSummary{}
	if ok && s.scAssociated(c.Caller) {
		items = append(items, s.scSummary())
	}
	return scPage(items, "ProductViewSummaries", in.PageToken, in.PageSize)
}

func (s *Sim) scSearchProductsAsAdmin(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		Filters     map[string][]string `json:"Filters"`
		PageSize    int                 `json:"PageSize"`
		PageToken   string              `json:"PageToken"`
		PortfolioID string              `json:"PortfolioId"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := scPageSize(in.PageSize); err != nil {
		return nil, err
	}
	if in.PortfolioID != "" && in.PortfolioID != s.catalog.PortfolioID {
		return nil, apiErr("ResourceNotFoundException", "Portfolio %s not found.", in.PortfolioID)
	}
	ok, err := s.scProductMatches(in.Filters)
	if err != nil {
		return nil, err
	}
	items := []scProductViewDetail{}
	if ok {
		items = append(items, s.scViewDetail())
	}
	return scPage(items, "ProductViewDetails", in.PageToken, in.PageSize)
}

func (s *Sim) scDescribeProduct(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ID   string `json:"Id"`
		Name string `json:"Name"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.scResolveProduct(in.ID, in.Name, true); err != nil {
		return nil, err
	}
	if !s.scAssociated(c.Caller) {
		return nil, s.scNoLaunchPath()
	}
	var artifacts []map[string]any
	for _, a := range s.catalog.Artifacts {
		if a.Active { // end users see only active versions
			artifacts = append(artifacts, map[string]any{"Id": a.ID, "Name": a.Name, "Description": a.Description,
				"CreatedTime": Epoch(a.Created), "Guidance": a.Guidance})
		}
	}
	return map[string]any{
		"ProductViewSummary":    s.scSummary(),
		"ProvisioningArtifacts": artifacts,
		"LaunchPaths":           []map[string]string{{"Id": s.catalog.LaunchPathID, "Name": s.catalog.PortfolioName}},
		"Budgets":               []any{},
	}, nil
}

func (s *Sim) scDescribeProductAsAdmin(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ID                string `json:"Id"`
		Name              string `json:"Name"`
		SourcePortfolioID string `json:"SourcePortfolioId"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.scResolveProduct(in.ID, in.Name, true); err != nil {
		return nil, err
	}
	if in.SourcePortfolioID != "" && in.SourcePortfolioID != s.catalog.PortfolioID {
		return nil, apiErr("ResourceNotFoundException", "Portfolio %s not found.", in.SourcePortfolioID)
	}
	var summaries []map[string]any
	for _, a := range s.catalog.Artifacts {
		summaries = append(summaries, map[string]any{"Id": a.ID, "Name": a.Name, "Description": a.Description,
			"CreatedTime": Epoch(a.Created)})
	}
	return map[string]any{
		"ProductViewDetail":             s.scViewDetail(),
		"ProvisioningArtifactSummaries": summaries,
		"Tags":                          []scTag{},
		"TagOptions":                    []any{},
		"Budgets":                       []any{},
	}, nil
}

func (s *Sim) scListProvisioningArtifacts(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ProductID string `json:"ProductId"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if in.ProductID == "" {
		return nil, apiErr("InvalidParametersException", "ProductId is required.")
	}
	if err := s.scResolveProduct(in.ProductID, "", true); err != nil {
		return nil, err
	}
	details := []scArtifactDetail{}
	for _, a := range s.catalog.Artifacts {
		details = append(details, scArtifactWire(a))
	}
	return map[string]any{"ProvisioningArtifactDetails": details}, nil
}

func (s *Sim) scDescribeProvisioningArtifact(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ProductID                string `json:"ProductId"`
		ProductName              string `json:"ProductName"`
		ProvisioningArtifactID   string `json:"ProvisioningArtifactId"`
		ProvisioningArtifactName string `json:"ProvisioningArtifactName"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.scResolveProduct(in.ProductID, in.ProductName, true); err != nil {
		return nil, err
	}
	a, err := s.scResolveArtifact(in.ProvisioningArtifactID, in.ProvisioningArtifactName, nil)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ProvisioningArtifactDetail": scArtifactWire(a), "Status": "AVAILABLE", "Info": map[string]string{}}, nil
}

func (s *Sim) scListLaunchPaths(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ProductID string `json:"ProductId"`
		PageSize  int    `json:"PageSize"`
		PageToken string `json:"PageToken"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if in.ProductID == "" {
		return nil, apiErr("InvalidParametersException", "ProductId is required.")
	}
	if err := s.scResolveProduct(in.ProductID, "", true); err != nil {
		return nil, err
	}
	if !s.scAssociated(c.Caller) {
		return nil, s.scNoLaunchPath()
	}
	items := []scLaunchPathSummary{{ID: s.catalog.LaunchPathID, Name: s.catalog.PortfolioName, ConstraintSummaries: []string{}, Tags: []scTag{}}}
	return scPage(items, "LaunchPathSummaries", in.PageToken, in.PageSize)
}

// scParamInput is one ProvisioningParameter or UpdateProvisioningParameter.
type scParamInput struct {
	Key              string  `json:"Key"`
	Value            *string `json:"Value"`
	UsePreviousValue bool    `json:"UsePreviousValue"`
}

// scParameters validates parameters against the Account Factory template the
// way CloudFormation does, and returns them as a map. With previous set (an
// update), UsePreviousValue keeps a value; a parameter that is not given at all
// has no value, since the template has no defaults.
func scParameters(in []scParamInput, previous map[string]string) (map[string]string, *APIError) {
	out := map[string]string{}
	var unknown []string
	for _, p := range in {
		if _, ok := afParameterPatterns[p.Key]; !ok {
			unknown = append(unknown, p.Key)
			continue
		}
		if _, dup := out[p.Key]; dup {
			return nil, apiErr("InvalidParametersException", "Parameter %s is specified more than once.", p.Key)
		}
		switch {
		case p.UsePreviousValue && previous != nil:
			if v, ok := previous[p.Key]; ok {
				out[p.Key] = v
			}
		case p.Value != nil:
			out[p.Key] = *p.Value
		}
	}
	if len(unknown) > 0 {
		return nil, apiErr("InvalidParametersException", "Parameters: [%s] do not exist in the template", strings.Join(unknown, ", "))
	}
	var missing []string
	for _, k := range afParameterKeys {
		if strings.TrimSpace(out[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, apiErr("InvalidParametersException", "Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	for _, k := range afParameterKeys {
		if re := afParameterPatterns[k]; !re.MatchString(out[k]) {
			return nil, apiErr("InvalidParametersException", "Parameter '%s' must match pattern %s", k, strings.Trim(re.String(), "^$"))
		}
	}
	return out, nil
}

func (s *Sim) scProvisionProduct(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ProvisionToken           string         `json:"ProvisionToken"`
		ProvisionedProductName   string         `json:"ProvisionedProductName"`
		ProductID                string         `json:"ProductId"`
		ProductName              string         `json:"ProductName"`
		ProvisioningArtifactID   string         `json:"ProvisioningArtifactId"`
		ProvisioningArtifactName string         `json:"ProvisioningArtifactName"`
		PathID                   string         `json:"PathId"`
		PathName                 string         `json:"PathName"`
		ProvisioningParameters   []scParamInput `json:"ProvisioningParameters"`
		Tags                     []scTag        `json:"Tags"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.scResolveProduct(in.ProductID, in.ProductName, true); err != nil {
		return nil, err
	}
	if !s.scAssociated(c.Caller) {
		return nil, s.scNoLaunchPath()
	}
	if in.ProvisionToken == "" {
		return nil, apiErr("InvalidParametersException", "ProvisionToken is required.")
	}
	// The same token is the same request: answer with its record, create nothing.
	if id, ok := s.catalog.Tokens["ProvisionProduct|"+in.ProvisionToken]; ok {
		return map[string]any{"RecordDetail": s.scRecordDetail(s.catalog.Records[id])}, nil
	}
	if err := s.scResolvePath(in.PathID, in.PathName); err != nil {
		return nil, err
	}
	artifact, err := s.scResolveArtifact(in.ProvisioningArtifactID, in.ProvisioningArtifactName, nil)
	if err != nil {
		return nil, err
	}
	if !artifact.Active {
		return nil, apiErr("InvalidParametersException", "Provisioning artifact %s of product %s is not active.", artifact.ID, s.catalog.ProductID)
	}
	if !scProductNameRe.MatchString(in.ProvisionedProductName) {
		return nil, apiErr("InvalidParametersException", "ProvisionedProductName %q is not valid: it must match [a-zA-Z0-9][a-zA-Z0-9._-]* and be at most 128 characters.", in.ProvisionedProductName)
	}
	if s.catalog.productByName(in.ProvisionedProductName) != nil {
		return nil, apiErr("InvalidParametersException", "A stack named %s already exists", in.ProvisionedProductName)
	}
	params, err := scParameters(in.ProvisioningParameters, nil)
	if err != nil {
		return nil, err
	}
	userArn, session := scUserArns(c.Caller)
	pp := s.scNewProduct(in.ProvisionedProductName, artifact.ID, userArn, session, in.ProvisionToken, c.Now, params)
	pp.Tags = scTagMap(in.Tags)
	rec := s.scNewRecord(pp, recProvision, userArn, session, c.Now)
	rec.Tags = scTagMap(in.Tags)
	s.catalog.Tokens["ProvisionProduct|"+in.ProvisionToken] = rec.ID
	s.afSubmit(rec, afProvision, params, artifact.ID, c.Now)
	return map[string]any{"RecordDetail": s.scRecordDetail(rec)}, nil
}

func (s *Sim) scUpdateProvisionedProduct(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		UpdateToken              string         `json:"UpdateToken"`
		ProvisionedProductID     string         `json:"ProvisionedProductId"`
		ProvisionedProductName   string         `json:"ProvisionedProductName"`
		ProductID                string         `json:"ProductId"`
		ProductName              string         `json:"ProductName"`
		ProvisioningArtifactID   string         `json:"ProvisioningArtifactId"`
		ProvisioningArtifactName string         `json:"ProvisioningArtifactName"`
		PathID                   string         `json:"PathId"`
		PathName                 string         `json:"PathName"`
		ProvisioningParameters   []scParamInput `json:"ProvisioningParameters"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	pp, err := s.scFindProvisioned(in.ProvisionedProductID, in.ProvisionedProductName)
	if err != nil {
		return nil, err
	}
	if err := s.scResolveProduct(in.ProductID, in.ProductName, false); err != nil {
		return nil, err
	}
	if !s.scAssociated(c.Caller) {
		return nil, s.scNoLaunchPath()
	}
	if in.UpdateToken == "" {
		return nil, apiErr("InvalidParametersException", "UpdateToken is required.")
	}
	if id, ok := s.catalog.Tokens["UpdateProvisionedProduct|"+in.UpdateToken]; ok {
		return map[string]any{"RecordDetail": s.scRecordDetail(s.catalog.Records[id])}, nil
	}
	if err := scNotUnderChange(pp); err != nil {
		return nil, err
	}
	if err := s.scResolvePath(in.PathID, in.PathName); err != nil {
		return nil, err
	}
	artifact, err := s.scResolveArtifact(in.ProvisioningArtifactID, in.ProvisioningArtifactName, s.catalog.artifact(pp.ArtifactID))
	if err != nil {
		return nil, err
	}
	if !artifact.Active {
		return nil, apiErr("InvalidParametersException", "Provisioning artifact %s of product %s is not active.", artifact.ID, s.catalog.ProductID)
	}
	params, err := scParameters(in.ProvisioningParameters, pp.Parameters)
	if err != nil {
		return nil, err
	}
	if pp.PhysicalID != "" && !strings.EqualFold(params[afAccountEmail], pp.Parameters[afAccountEmail]) {
		return nil, apiErr("InvalidParametersException", "AccountEmail cannot be changed for a provisioned account (it is %s).", pp.Parameters[afAccountEmail])
	}
	userArn, session := scUserArns(c.Caller)
	pp.Status = ppUnderChange
	pp.StatusMessage = ""
	// The attribute shows the token of the latest operation on the product.
	pp.IdempotencyToken = in.UpdateToken
	rec := s.scNewRecord(pp, recUpdate, userArn, session, c.Now)
	rec.ArtifactID = artifact.ID
	s.catalog.Tokens["UpdateProvisionedProduct|"+in.UpdateToken] = rec.ID
	s.afSubmit(rec, afUpdate, params, artifact.ID, c.Now)
	return map[string]any{"RecordDetail": s.scRecordDetail(rec)}, nil
}

func (s *Sim) scTerminateProvisionedProduct(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		TerminateToken         string `json:"TerminateToken"`
		ProvisionedProductID   string `json:"ProvisionedProductId"`
		ProvisionedProductName string `json:"ProvisionedProductName"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	// Once the product is gone every terminate answers ResourceNotFound, token or not.
	pp, err := s.scFindProvisioned(in.ProvisionedProductID, in.ProvisionedProductName)
	if err != nil {
		return nil, err
	}
	if in.TerminateToken == "" {
		return nil, apiErr("InvalidParametersException", "TerminateToken is required.")
	}
	if id, ok := s.catalog.Tokens["TerminateProvisionedProduct|"+in.TerminateToken]; ok {
		return map[string]any{"RecordDetail": s.scRecordDetail(s.catalog.Records[id])}, nil
	}
	if err := scNotUnderChange(pp); err != nil {
		return nil, err
	}
	userArn, session := scUserArns(c.Caller)
	pp.Status = ppUnderChange
	pp.StatusMessage = ""
	pp.IdempotencyToken = in.TerminateToken
	rec := s.scNewRecord(pp, recTerminate, userArn, session, c.Now)
	s.catalog.Tokens["TerminateProvisionedProduct|"+in.TerminateToken] = rec.ID
	s.afSubmit(rec, afTerminate, pp.Parameters, pp.ArtifactID, c.Now)
	return map[string]any{"RecordDetail": s.scRecordDetail(rec)}, nil
}

func (s *Sim) scDescribeRecord(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ID string `json:"Id"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	rec := s.catalog.Records[in.ID]
	if rec == nil {
		return nil, apiErr("ResourceNotFoundException", "Record %s not found.", in.ID)
	}
	outputs := []scRecordOutput{}
	for _, o := range rec.Outputs {
		outputs = append(outputs, scRecordOutput{OutputKey: o.Key, OutputValue: o.Value})
	}
	return map[string]any{"RecordDetail": s.scRecordDetail(rec), "RecordOutputs": outputs}, nil
}

// scAccessFilter returns who may be seen: Account shows everything in the
// account, Role what the caller's role provisioned, User what the caller
// (this session) provisioned.
func scAccessFilter(f *scAccessLevelFilter, def string, caller Principal) (func(userArn, session string) bool, *APIError) {
	key := def
	if f != nil && f.Key != "" {
		key = f.Key
		if f.Value != "self" {
			return nil, apiErr("InvalidParametersException", "AccessLevelFilter value %q is not valid; the only supported value is self.", f.Value)
		}
	}
	userArn, session := scUserArns(caller)
	switch key {
	case "Account":
		return func(string, string) bool { return true }, nil
	case "Role":
		return func(u, _ string) bool { return u == userArn }, nil
	case "User":
		return func(_, sess string) bool { return sess == session }, nil
	}
	return nil, apiErr("InvalidParametersException", "AccessLevelFilter key %q is not valid; use Account, Role or User.", key)
}

// scSearchField is a provisioned product's value for a SearchQuery field.
func (s *Sim) scSearchField(p *ProvisionedProduct, field string) (string, bool) {
	a := s.scAttribute(p)
	switch strings.ToLower(field) {
	case "arn":
		return a.Arn, true
	case "createdtime":
		return p.Created.UTC().Format(time.RFC3339), true
	case "id":
		return a.ID, true
	case "lastrecordid":
		return a.LastRecordID, true
	case "idempotencytoken":
		return a.IdempotencyToken, true
	case "name":
		return a.Name, true
	case "physicalid":
		return a.PhysicalID, true
	case "productid":
		return a.ProductID, true
	case "provisioningartifactid":
		return a.ProvisioningArtifactID, true
	case "type":
		return a.Type, true
	case "status":
		return a.Status, true
	case "userarn":
		return a.UserArn, true
	case "userarnsession":
		return a.UserArnSession, true
	case "lastprovisioningrecordid":
		return a.LastProvisioningRecordID, true
	case "lastsuccessfulprovisioningrecordid":
		return a.LastSuccessfulProvisioningRecordID, true
	case "productname":
		return a.ProductName, true
	case "provisioningartifactname":
		return a.ProvisioningArtifactName, true
	}
	return "", false
}

// scQueryMatches applies SearchQuery terms: "field:value" compares one field
// (case-insensitively), a bare word looks in every field; all terms must match.
func (s *Sim) scQueryMatches(p *ProvisionedProduct, terms []string) (bool, *APIError) {
	for _, term := range terms {
		term = strings.TrimSpace(term)
		if term == "" {
			continue
		}
		if field, value, ok := strings.Cut(term, ":"); ok {
			got, known := s.scSearchField(p, field)
			if !known {
				return false, apiErr("InvalidParametersException", "SearchQuery field %q is not valid.", field)
			}
			if !strings.EqualFold(got, value) {
				return false, nil
			}
			continue
		}
		hit := false
		for _, f := range []string{"arn", "id", "name", "physicalId", "productName", "status", "type", "userArn"} {
			v, _ := s.scSearchField(p, f)
			if strings.Contains(strings.ToLower(v), strings.ToLower(term)) {
				hit = true
				break
			}
		}
		if !hit {
			return false, nil
		}
	}
	return true, nil
}

// scSortedProducts lists provisioned products oldest first (ties by id), the
// order the simulator answers in when no sort is asked for.
func (s *Sim) scSortedProducts() []*ProvisionedProduct {
	out := make([]*ProvisionedProduct, 0, len(s.catalog.Provisioned))
	for _, id := range sortedKeys(s.catalog.Provisioned) {
		out = append(out, s.catalog.Provisioned[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out
}

func (s *Sim) scSearchProvisionedProducts(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccessLevelFilter *scAccessLevelFilter `json:"AccessLevelFilter"`
		Filters           map[string][]string  `json:"Filters"`
		PageSize          int                  `json:"PageSize"`
		PageToken         string               `json:"PageToken"`
		SortBy            string               `json:"SortBy"`
		SortOrder         string               `json:"SortOrder"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := scPageSize(in.PageSize); err != nil {
		return nil, err
	}
	visible, err := scAccessFilter(in.AccessLevelFilter, "Account", c.Caller)
	if err != nil {
		return nil, err
	}
	for k := range in.Filters {
		if k != "SearchQuery" {
			return nil, apiErr("InvalidParametersException", "Filter key %s is not valid; the only key is SearchQuery.", k)
		}
	}
	items := []scProvisionedProductAttribute{} // an empty answer is [], not null
	for _, p := range s.scSortedProducts() {
		if !visible(p.UserArn, p.UserArnSession) {
			continue
		}
		ok, err := s.scQueryMatches(p, in.Filters["SearchQuery"])
		if err != nil {
			return nil, err
		}
		if ok {
			items = append(items, s.scAttribute(p))
		}
	}
	if in.SortBy != "" {
		key := map[string]func(a scProvisionedProductAttribute) string{
			"arn": func(a scProvisionedProductAttribute) string { return a.Arn },
			"id":  func(a scProvisionedProductAttribute) string { return a.ID },
			"name": func(a scProvisionedProductAttribute) string {
				return a.Name
			},
			"lastRecordId": func(a scProvisionedProductAttribute) string { return a.LastRecordID },
		}[in.SortBy]
		if key == nil {
			return nil, apiErr("InvalidParametersException", "SortBy %q is not valid; use arn, id, name or lastRecordId.", in.SortBy)
		}
		desc := in.SortOrder == "DESCENDING"
		sort.SliceStable(items, func(i, j int) bool {
			if desc {
				return key(items[i]) > key(items[j])
			}
			return key(items[i]) < key(items[j])
		})
	}
	out, err := scPage(items, "ProvisionedProducts", in.PageToken, in.PageSize)
	if err != nil {
		return nil, err
	}
	out["TotalResultsCount"] = len(items)
	return out, nil
}

func (s *Sim) scScanProvisionedProducts(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccessLevelFilter *scAccessLevelFilter `json:"AccessLevelFilter"`
		PageSize          int                  `json:"PageSize"`
		PageToken         string               `json:"PageToken"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := scPageSize(in.PageSize); err != nil {
		return nil, err
	}
	visible, err := scAccessFilter(in.AccessLevelFilter, "User", c.Caller)
	if err != nil {
		return nil, err
	}
	items := []scProvisionedProductDetail{}
	for _, p := range s.scSortedProducts() {
		if visible(p.UserArn, p.UserArnSession) {
			items = append(items, s.scDetail(p))
		}
	}
	return scPage(items, "ProvisionedProducts", in.PageToken, in.PageSize)
}

func (s *Sim) scDescribeProvisionedProduct(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ID   string `json:"Id"`
		Name string `json:"Name"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	pp, err := s.scFindProvisioned(in.ID, in.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ProvisionedProductDetail": s.scDetail(pp), "CloudWatchDashboards": []any{}}, nil
}

func (s *Sim) scGetProvisionedProductOutputs(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ProvisionedProductID   string   `json:"ProvisionedProductId"`
		ProvisionedProductName string   `json:"ProvisionedProductName"`
		OutputKeys             []string `json:"OutputKeys"`
		PageSize               int      `json:"PageSize"`
		PageToken              string   `json:"PageToken"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := scPageSize(in.PageSize); err != nil {
		return nil, err
	}
	pp, err := s.scFindProvisioned(in.ProvisionedProductID, in.ProvisionedProductName)
	if err != nil {
		return nil, err
	}
	items := []scRecordOutput{}
	if rec := s.catalog.Records[pp.LastSuccessfulRecordID]; rec != nil {
		for _, o := range rec.Outputs {
			if len(in.OutputKeys) == 0 || scContains(in.OutputKeys, o.Key) {
				items = append(items, scRecordOutput{OutputKey: o.Key, OutputValue: o.Value})
			}
		}
	}
	return scPage(items, "Outputs", in.PageToken, in.PageSize)
}

func scContains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Sim) scListRecordHistory(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccessLevelFilter *scAccessLevelFilter `json:"AccessLevelFilter"`
		SearchFilter      *struct {
			Key   string `json:"Key"`
			Value string `json:"Value"`
		} `json:"SearchFilter"`
		PageSize  int    `json:"PageSize"`
		PageToken string `json:"PageToken"`
	}
	if err := scDecode(body, &in); err != nil {
		return nil, err
	}
	if err := scPageSize(in.PageSize); err != nil {
		return nil, err
	}
	visible, err := scAccessFilter(in.AccessLevelFilter, "User", c.Caller)
	if err != nil {
		return nil, err
	}
	var recs []*CatalogRecord
	for _, id := range sortedKeys(s.catalog.Records) {
		r := s.catalog.Records[id]
		if !visible(r.UserArn, r.UserArnSession) {
			continue
		}
		if f := in.SearchFilter; f != nil && f.Key != "" {
			switch f.Key {
			case "product":
				if f.Value != s.catalog.ProductID {
					continue
				}
			case "provisionedproduct":
				if f.Value != r.ProvisionedProductID {
					continue
				}
			default:
				return nil, apiErr("InvalidParametersException", "SearchFilter key %q is not valid; use product or provisionedproduct.", f.Key)
			}
		}
		recs = append(recs, r)
	}
	// Newest first, as AWS lists them.
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Created.After(recs[j].Created) })
	items := make([]scRecordDetail, 0, len(recs))
	for _, r := range recs {
		items = append(items, s.scRecordDetail(r))
	}
	return scPage(items, "RecordDetails", in.PageToken, in.PageSize)
}

// scPage answers a Service Catalog list call: one page of items (20 unless
// PageSize says otherwise) under key, with NextPageToken when more remain.
func scPage[T any](items []T, key, token string, size int) (map[string]any, *APIError) {
	page, next, ok := protocol.PageOf(items, token, size, 20)
	if !ok {
		return nil, apiErr("InvalidParametersException", "The page token is not valid.")
	}
	out := map[string]any{key: page}
	if next != "" {
		out["NextPageToken"] = next
	}
	return out, nil
}
