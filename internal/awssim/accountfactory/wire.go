package accountfactory

import (
	"fmt"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

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
	CreatedTime            protocol.Epoch  `json:"CreatedTime"`
	UpdatedTime            protocol.Epoch  `json:"UpdatedTime"`
	ProvisionedProductType string          `json:"ProvisionedProductType"`
	RecordType             string          `json:"RecordType"`
	ProvisionedProductID   string          `json:"ProvisionedProductId"`
	ProductID              string          `json:"ProductId"`
	ProvisioningArtifactID string          `json:"ProvisioningArtifactId"`
	PathID                 string          `json:"PathId"`
	RecordErrors           []scRecordError `json:"RecordErrors"`
	RecordTags             []scTag         `json:"RecordTags"`
}

// scProvisionedProductDetail is the ProvisionedProductDetail shape.
type scProvisionedProductDetail struct {
	Arn                                string         `json:"Arn"`
	CreatedTime                        protocol.Epoch `json:"CreatedTime"`
	ID                                 string         `json:"Id"`
	IdempotencyToken                   string         `json:"IdempotencyToken,omitempty"`
	LastProvisioningRecordID           string         `json:"LastProvisioningRecordId,omitempty"`
	LastRecordID                       string         `json:"LastRecordId,omitempty"`
	LastSuccessfulProvisioningRecordID string         `json:"LastSuccessfulProvisioningRecordId,omitempty"`
	Name                               string         `json:"Name"`
	ProductID                          string         `json:"ProductId"`
	ProvisioningArtifactID             string         `json:"ProvisioningArtifactId"`
	Status                             string         `json:"Status"`
	StatusMessage                      string         `json:"StatusMessage,omitempty"`
	Type                               string         `json:"Type"`
}

// scProvisionedProductAttribute is the ProvisionedProductAttribute shape: the
// detail's members (first, in JSON) and those only the search answers carry.
type scProvisionedProductAttribute struct {
	scProvisionedProductDetail
	PhysicalID               string  `json:"PhysicalId,omitempty"`
	ProductName              string  `json:"ProductName"`
	ProvisioningArtifactName string  `json:"ProvisioningArtifactName"`
	Tags                     []scTag `json:"Tags"`
	UserArn                  string  `json:"UserArn"`
	UserArnSession           string  `json:"UserArnSession"`
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
	CreatedTime        protocol.Epoch       `json:"CreatedTime"`
}

type scArtifactDetail struct {
	ID          string         `json:"Id"`
	Name        string         `json:"Name"`
	Description string         `json:"Description"`
	Type        string         `json:"Type"`
	CreatedTime protocol.Epoch `json:"CreatedTime"`
	Active      bool           `json:"Active"`
	Guidance    string         `json:"Guidance"`
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

// --- state to wire ---

func (s *Service) productArn() string {
	return fmt.Sprintf("arn:aws:catalog:%s:%s:product/%s", s.env.Region, s.env.ManagementAccountID, s.state.ProductID)
}

func (s *Service) recordDetail(r *Record) scRecordDetail {
	d := scRecordDetail{
		RecordID: r.ID, ProvisionedProductName: r.ProvisionedProductName, Status: r.Status,
		CreatedTime: protocol.Epoch(r.Created), UpdatedTime: protocol.Epoch(r.Updated), ProvisionedProductType: scAccountType,
		RecordType: r.Type, ProvisionedProductID: r.ProvisionedProductID, ProductID: s.state.ProductID,
		ProvisioningArtifactID: r.ArtifactID, PathID: r.PathID,
		RecordErrors: []scRecordError{}, RecordTags: wireTags(r.Tags),
	}
	for _, e := range r.Errors {
		d.RecordErrors = append(d.RecordErrors, scRecordError(e))
	}
	return d
}

func (s *Service) detail(p *ProvisionedProduct) scProvisionedProductDetail {
	return scProvisionedProductDetail{
		Arn: p.Arn, CreatedTime: protocol.Epoch(p.Created), ID: p.ID, IdempotencyToken: p.IdempotencyToken,
		LastProvisioningRecordID: p.LastProvisioningRecordID, LastRecordID: p.LastRecordID,
		LastSuccessfulProvisioningRecordID: p.LastSuccessfulRecordID, Name: p.Name, ProductID: s.state.ProductID,
		ProvisioningArtifactID: p.ArtifactID, Status: p.Status, StatusMessage: p.StatusMessage, Type: scAccountType,
	}
}

func (s *Service) attribute(p *ProvisionedProduct) scProvisionedProductAttribute {
	artifactName := ""
	if a := s.state.artifact(p.ArtifactID); a != nil {
		artifactName = a.Name
	}
	return scProvisionedProductAttribute{
		scProvisionedProductDetail: s.detail(p), PhysicalID: p.PhysicalID, ProductName: s.state.ProductName,
		ProvisioningArtifactName: artifactName, Tags: wireTags(p.Tags), UserArn: p.UserArn, UserArnSession: p.UserArnSession,
	}
}

func wireTags(m map[string]string) []scTag {
	out := []scTag{}
	for _, k := range sortedKeys(m) {
		out = append(out, scTag{Key: k, Value: m[k]})
	}
	return out
}

func tagMap(tags []scTag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

func (s *Service) summary() scProductViewSummary {
	c := &s.state
	return scProductViewSummary{
		ID: c.ProductViewID, ProductID: c.ProductID, Name: c.ProductName, Owner: c.ProductOwner,
		ShortDescription: "Use this product to provision and enroll accounts in AWS Control Tower.",
		Type:             "CLOUD_FORMATION_TEMPLATE", Distributor: "AWS Control Tower", HasDefaultPath: true,
		SupportDescription: "AWS Control Tower Account Factory is managed by AWS Control Tower.",
	}
}

func (s *Service) viewDetail() scProductViewDetail {
	return scProductViewDetail{ProductViewSummary: s.summary(), Status: "AVAILABLE", ProductARN: s.productArn(),
		CreatedTime: protocol.Epoch(s.state.ProductCreated)}
}

func artifactWire(a *Artifact) scArtifactDetail {
	return scArtifactDetail{ID: a.ID, Name: a.Name, Description: a.Description, Type: "CLOUD_FORMATION_TEMPLATE",
		CreatedTime: protocol.Epoch(a.Created), Active: a.Active, Guidance: a.Guidance}
}

func checkPageSize(n int) *protocol.APIError {
	if n < 0 || n > 100 {
		return protocol.Err("InvalidParametersException", "PageSize %d is not valid; it must be between 0 and 100.", n)
	}
	return nil
}

// listPage answers a Service Catalog list call: one page of items (20 unless
// PageSize says otherwise) under key, with NextPageToken when more remain.
func listPage[T any](items []T, key, token string, size int) (map[string]any, *protocol.APIError) {
	page, next, ok := protocol.PageOf(items, token, size, 20)
	if !ok {
		return nil, protocol.Err("InvalidParametersException", "The page token is not valid.")
	}
	out := map[string]any{key: page}
	if next != "" {
		out["NextPageToken"] = next
	}
	return out, nil
}
