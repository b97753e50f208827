package accountfactory

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The read side of the provisioned products and their records: the calls a
// caller polls (DescribeRecord, SearchProvisionedProducts, ...) while Control
// Tower works.

type describeRecordInput struct {
	ID string `json:"Id"`
}

func (s *Service) describeRecord(c *protocol.Call, in describeRecordInput) (any, *protocol.APIError) {
	rec := s.state.Records[in.ID]
	if rec == nil {
		return nil, protocol.Err("ResourceNotFoundException", "Record %s not found.", in.ID)
	}
	outputs := []scRecordOutput{}
	for _, o := range rec.Outputs {
		outputs = append(outputs, scRecordOutput{OutputKey: o.Key, OutputValue: o.Value})
	}
	return map[string]any{"RecordDetail": s.recordDetail(rec), "RecordOutputs": outputs}, nil
}

// accessFilter returns who may be seen: Account shows everything in the
// account, Role what the caller's role provisioned, User what the caller
// (this session) provisioned.
func accessFilter(f *scAccessLevelFilter, def string, caller protocol.Principal) (func(userArn, session string) bool, *protocol.APIError) {
	key := def
	if f != nil && f.Key != "" {
		key = f.Key
		if f.Value != "self" {
			return nil, protocol.Err("InvalidParametersException", "AccessLevelFilter value %q is not valid; the only supported value is self.", f.Value)
		}
	}
	userArn, session := userArns(caller)
	switch key {
	case "Account":
		return func(string, string) bool { return true }, nil
	case "Role":
		return func(u, _ string) bool { return u == userArn }, nil
	case "User":
		return func(_, sess string) bool { return sess == session }, nil
	}
	return nil, protocol.Err("InvalidParametersException", "AccessLevelFilter key %q is not valid; use Account, Role or User.", key)
}

// searchField is a provisioned product's value for a SearchQuery field.
func (s *Service) searchField(p *ProvisionedProduct, field string) (string, bool) {
	a := s.attribute(p)
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

// queryMatches applies SearchQuery terms: "field:value" looks in one field, a
// bare word in every field; all terms must match. AWS documents the fields,
// not how a value matches, and its answer is a search, not a lookup: callers
// that want one product compare the Name they get back. So a value matches
// wherever it occurs, in any case ("name:team-a" finds team-a-b and Team-A
// too): the loosest reading, so code that trusts the first hit fails here.
func (s *Service) queryMatches(p *ProvisionedProduct, terms []string) (bool, *protocol.APIError) {
	for _, term := range terms {
		term = strings.TrimSpace(term)
		if term == "" {
			continue
		}
		if field, value, ok := strings.Cut(term, ":"); ok {
			got, known := s.searchField(p, field)
			if !known {
				return false, protocol.Err("InvalidParametersException", "SearchQuery field %q is not valid.", field)
			}
			if !strings.Contains(strings.ToLower(got), strings.ToLower(value)) {
				return false, nil
			}
			continue
		}
		hit := false
		for _, f := range []string{"arn", "id", "name", "physicalId", "productName", "status", "type", "userArn"} {
			v, _ := s.searchField(p, f)
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

// sortedProducts lists provisioned products oldest first (ties by id), the
// order the simulator answers in when no sort is asked for.
func (s *Service) sortedProducts() []*ProvisionedProduct {
	if c := s.sorted; c.list != nil && c.gen == s.productsGen && len(c.list) == len(s.state.Provisioned) {
		return c.list
	}
	out := make([]*ProvisionedProduct, 0, len(s.state.Provisioned))
	for _, id := range sortedKeys(s.state.Provisioned) {
		out = append(out, s.state.Provisioned[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	s.sorted = sortedCache{list: out, gen: s.productsGen}
	return out
}

// sortedCache is sortedProducts' last answer, for as long as no product was
// made or removed (productsGen, and the count as a second check). Callers
// only read it.
type sortedCache struct {
	list []*ProvisionedProduct
	gen  int
}

type searchProvisionedProductsInput struct {
	AccessLevelFilter *scAccessLevelFilter `json:"AccessLevelFilter"`
	Filters           map[string][]string  `json:"Filters"`
	PageSize          int                  `json:"PageSize"`
	PageToken         string               `json:"PageToken"`
	SortBy            string               `json:"SortBy"`
	SortOrder         string               `json:"SortOrder"`
}

func (s *Service) searchProvisionedProducts(c *protocol.Call, in searchProvisionedProductsInput) (any, *protocol.APIError) {
	if err := checkPageSize(in.PageSize); err != nil {
		return nil, err
	}
	visible, err := accessFilter(in.AccessLevelFilter, "Account", c.Caller)
	if err != nil {
		return nil, err
	}
	for k := range in.Filters {
		if k != "SearchQuery" {
			return nil, protocol.Err("InvalidParametersException", "Filter key %s is not valid; the only key is SearchQuery.", k)
		}
	}
	items := []scProvisionedProductAttribute{} // an empty answer is [], not null
	for _, p := range s.sortedProducts() {
		if !visible(p.UserArn, p.UserArnSession) {
			continue
		}
		ok, err := s.queryMatches(p, in.Filters["SearchQuery"])
		if err != nil {
			return nil, err
		}
		if ok {
			items = append(items, s.attribute(p))
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
			return nil, protocol.Err("InvalidParametersException", "SortBy %q is not valid; use arn, id, name or lastRecordId.", in.SortBy)
		}
		desc := in.SortOrder == "DESCENDING"
		sort.SliceStable(items, func(i, j int) bool {
			if desc {
				return key(items[i]) > key(items[j])
			}
			return key(items[i]) < key(items[j])
		})
	}
	out, err := listPage(items, "ProvisionedProducts", in.PageToken, in.PageSize)
	if err != nil {
		return nil, err
	}
	out["TotalResultsCount"] = len(items)
	return out, nil
}

type scanProvisionedProductsInput struct {
	AccessLevelFilter *scAccessLevelFilter `json:"AccessLevelFilter"`
	PageSize          int                  `json:"PageSize"`
	PageToken         string               `json:"PageToken"`
}

func (s *Service) scanProvisionedProducts(c *protocol.Call, in scanProvisionedProductsInput) (any, *protocol.APIError) {
	if err := checkPageSize(in.PageSize); err != nil {
		return nil, err
	}
	visible, err := accessFilter(in.AccessLevelFilter, "User", c.Caller)
	if err != nil {
		return nil, err
	}
	items := []scProvisionedProductDetail{}
	for _, p := range s.sortedProducts() {
		if visible(p.UserArn, p.UserArnSession) {
			items = append(items, s.detail(p))
		}
	}
	return listPage(items, "ProvisionedProducts", in.PageToken, in.PageSize)
}

type describeProvisionedProductInput struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

func (s *Service) describeProvisionedProduct(c *protocol.Call, in describeProvisionedProductInput) (any, *protocol.APIError) {
	pp, err := s.findProvisioned(in.ID, in.Name)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ProvisionedProductDetail": s.detail(pp), "CloudWatchDashboards": []any{}}, nil
}

type getProvisionedProductOutputsInput struct {
	ProvisionedProductID   string   `json:"ProvisionedProductId"`
	ProvisionedProductName string   `json:"ProvisionedProductName"`
	OutputKeys             []string `json:"OutputKeys"`
	PageSize               int      `json:"PageSize"`
	PageToken              string   `json:"PageToken"`
}

func (s *Service) getProvisionedProductOutputs(c *protocol.Call, in getProvisionedProductOutputsInput) (any, *protocol.APIError) {
	if err := checkPageSize(in.PageSize); err != nil {
		return nil, err
	}
	pp, err := s.findProvisioned(in.ProvisionedProductID, in.ProvisionedProductName)
	if err != nil {
		return nil, err
	}
	items := []scRecordOutput{}
	if rec := s.state.Records[pp.LastSuccessfulRecordID]; rec != nil {
		for _, o := range rec.Outputs {
			if len(in.OutputKeys) == 0 || slices.Contains(in.OutputKeys, o.Key) {
				items = append(items, scRecordOutput{OutputKey: o.Key, OutputValue: o.Value})
			}
		}
	}
	return listPage(items, "Outputs", in.PageToken, in.PageSize)
}

type listRecordHistoryInput struct {
	AccessLevelFilter *scAccessLevelFilter `json:"AccessLevelFilter"`
	SearchFilter      *struct {
		Key   string `json:"Key"`
		Value string `json:"Value"`
	} `json:"SearchFilter"`
	PageSize  int    `json:"PageSize"`
	PageToken string `json:"PageToken"`
}

func (s *Service) listRecordHistory(c *protocol.Call, in listRecordHistoryInput) (any, *protocol.APIError) {
	if err := checkPageSize(in.PageSize); err != nil {
		return nil, err
	}
	visible, err := accessFilter(in.AccessLevelFilter, "User", c.Caller)
	if err != nil {
		return nil, err
	}
	var recs []*Record
	for _, id := range sortedKeys(s.state.Records) {
		r := s.state.Records[id]
		if !visible(r.UserArn, r.UserArnSession) {
			continue
		}
		if f := in.SearchFilter; f != nil && f.Key != "" {
			switch f.Key {
			case "product":
				if f.Value != s.state.ProductID {
					continue
				}
			case "provisionedproduct":
				if f.Value != r.ProvisionedProductID {
					continue
				}
			default:
				return nil, protocol.Err("InvalidParametersException", "SearchFilter key %q is not valid; use product or provisionedproduct.", f.Key)
			}
		}
		recs = append(recs, r)
	}
	// Newest first, as AWS lists them.
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Created.After(recs[j].Created) })
	items := make([]scRecordDetail, 0, len(recs))
	for _, r := range recs {
		items = append(items, s.recordDetail(r))
	}
	return listPage(items, "RecordDetails", in.PageToken, in.PageSize)
}
