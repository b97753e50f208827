package accountfactory

import (
	"fmt"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The provisioned-product requests: ProvisionProduct, UpdateProvisionedProduct
// and TerminateProvisionedProduct each answer a CREATED record at once and hand
// the work to Control Tower (workflow.go).

// paramInput is one ProvisioningParameter or UpdateProvisioningParameter.
type paramInput struct {
	Key              string  `json:"Key"`
	Value            *string `json:"Value"`
	UsePreviousValue bool    `json:"UsePreviousValue"`
}

// validParameters validates parameters against the Account Factory template the
// way CloudFormation does, and returns them as a map. With previous set (an
// update), UsePreviousValue keeps a value; a parameter that is not given at all
// has no value, since the template has no defaults.
func validParameters(in []paramInput, previous map[string]string) (map[string]string, *protocol.APIError) {
	out := map[string]string{}
	var unknown []string
	for _, p := range in {
		if _, ok := afParameterPatterns[p.Key]; !ok {
			unknown = append(unknown, p.Key)
			continue
		}
		if _, dup := out[p.Key]; dup {
			return nil, protocol.Err("InvalidParametersException", "Parameter %s is specified more than once.", p.Key)
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
		return nil, protocol.Err("InvalidParametersException", "Parameters: [%s] do not exist in the template", strings.Join(unknown, ", "))
	}
	var missing []string
	for _, k := range afParameterKeys {
		if strings.TrimSpace(out[k]) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, protocol.Err("InvalidParametersException", "Parameters: [%s] must have values", strings.Join(missing, ", "))
	}
	for _, k := range afParameterKeys {
		if re := afParameterPatterns[k]; !re.MatchString(out[k]) {
			return nil, protocol.Err("InvalidParametersException", "Parameter '%s' must match pattern %s", k, strings.Trim(re.String(), "^$"))
		}
	}
	return out, nil
}

// newProduct adds a provisioned product. The lock is held.
func (s *Service) newProduct(name, artifactID, userArn, session, token string, at time.Time, params map[string]string) *ProvisionedProduct {
	id := "pp-" + s.env.RandString(13, protocol.LowerAlnum)
	pp := &ProvisionedProduct{
		ID: id, Name: name, ArtifactID: artifactID, PathID: s.state.LaunchPathID, Status: ppUnderChange,
		Arn:        fmt.Sprintf("arn:aws:servicecatalog:%s:%s:stack/%s/%s", s.env.Region, s.env.ManagementAccountID, name, id),
		Parameters: params, Created: at, IdempotencyToken: token, UserArn: userArn, UserArnSession: session,
	}
	s.state.Provisioned[id] = pp
	return pp
}

// newRecord adds a CREATED record for a request on pp and makes it pp's last. The lock is held.
func (s *Service) newRecord(pp *ProvisionedProduct, kind, userArn, session string, at time.Time) *Record {
	rec := &Record{
		ID: "rec-" + s.env.RandString(13, protocol.LowerAlnum), Type: kind, Status: recCreated,
		ProvisionedProductID: pp.ID, ProvisionedProductName: pp.Name, ArtifactID: pp.ArtifactID, PathID: pp.PathID,
		UserArn: userArn, UserArnSession: session, Created: at, Updated: at,
	}
	s.state.Records[rec.ID] = rec
	pp.LastRecordID = rec.ID
	pp.LastProvisioningRecordID = rec.ID
	return rec
}

type provisionProductInput struct {
	ProvisionToken           string       `json:"ProvisionToken"`
	ProvisionedProductName   string       `json:"ProvisionedProductName"`
	ProductID                string       `json:"ProductId"`
	ProductName              string       `json:"ProductName"`
	ProvisioningArtifactID   string       `json:"ProvisioningArtifactId"`
	ProvisioningArtifactName string       `json:"ProvisioningArtifactName"`
	PathID                   string       `json:"PathId"`
	PathName                 string       `json:"PathName"`
	ProvisioningParameters   []paramInput `json:"ProvisioningParameters"`
	Tags                     []scTag      `json:"Tags"`
}

// validProductName checks ProvisionedProductName against the API's
// constraints. AWS checks a request's input against its model before the
// operation runs, so this comes first, and answers as AWS's input validation
// does (ValidationException, "N validation error(s) detected: ...", one
// clause per broken constraint), not as the operation's own
// InvalidParametersException.
func validProductName(name string) *protocol.APIError {
	var broken []string
	clause := func(constraint string) {
		broken = append(broken, fmt.Sprintf("Value '%s' at 'provisionedProductName' failed to satisfy constraint: Member must %s", name, constraint))
	}
	if !productNameRe.MatchString(name) && name != "" {
		clause("satisfy regular expression pattern: " + strings.Trim(productNameRe.String(), "^$"))
	}
	switch {
	case name == "":
		clause("have length greater than or equal to 1")
	case len(name) > 128:
		clause("have length less than or equal to 128")
	}
	switch len(broken) {
	case 0:
		return nil
	case 1:
		return protocol.Err("ValidationException", "1 validation error detected: %s", broken[0])
	}
	return protocol.Err("ValidationException", "%d validation errors detected: %s", len(broken), strings.Join(broken, "; "))
}

func (s *Service) provisionProduct(c *protocol.Call, in provisionProductInput) (any, *protocol.APIError) {
	if err := validProductName(in.ProvisionedProductName); err != nil {
		return nil, err
	}
	if err := s.resolveProduct(in.ProductID, in.ProductName, true); err != nil {
		return nil, err
	}
	if !s.associated(c.Caller) {
		return nil, s.noLaunchPath()
	}
	if in.ProvisionToken == "" {
		return nil, protocol.Err("InvalidParametersException", "ProvisionToken is required.")
	}
	// The same token is the same request: answer with its record, create nothing.
	if id, ok := s.state.Tokens["ProvisionProduct|"+in.ProvisionToken]; ok {
		return map[string]any{"RecordDetail": s.recordDetail(s.state.Records[id])}, nil
	}
	if err := s.resolvePath(in.PathID, in.PathName); err != nil {
		return nil, err
	}
	artifact, err := s.resolveArtifact(in.ProvisioningArtifactID, in.ProvisioningArtifactName, nil)
	if err != nil {
		return nil, err
	}
	if !artifact.Active {
		return nil, protocol.Err("InvalidParametersException", "Provisioning artifact %s of product %s is not active.", artifact.ID, s.state.ProductID)
	}
	if s.state.ProductByName(in.ProvisionedProductName) != nil {
		return nil, protocol.Err("InvalidParametersException", "A stack named %s already exists", in.ProvisionedProductName)
	}
	params, err := validParameters(in.ProvisioningParameters, nil)
	if err != nil {
		return nil, err
	}
	userArn, session := userArns(c.Caller)
	pp := s.newProduct(in.ProvisionedProductName, artifact.ID, userArn, session, in.ProvisionToken, c.Now, params)
	pp.Tags = tagMap(in.Tags)
	rec := s.newRecord(pp, recProvision, userArn, session, c.Now)
	rec.Tags = tagMap(in.Tags)
	s.state.Tokens["ProvisionProduct|"+in.ProvisionToken] = rec.ID
	s.afSubmit(rec, afProvision, params, artifact.ID, c.Now)
	return map[string]any{"RecordDetail": s.recordDetail(rec)}, nil
}

type updateProvisionedProductInput struct {
	UpdateToken              string       `json:"UpdateToken"`
	ProvisionedProductID     string       `json:"ProvisionedProductId"`
	ProvisionedProductName   string       `json:"ProvisionedProductName"`
	ProductID                string       `json:"ProductId"`
	ProductName              string       `json:"ProductName"`
	ProvisioningArtifactID   string       `json:"ProvisioningArtifactId"`
	ProvisioningArtifactName string       `json:"ProvisioningArtifactName"`
	PathID                   string       `json:"PathId"`
	PathName                 string       `json:"PathName"`
	ProvisioningParameters   []paramInput `json:"ProvisioningParameters"`
}

func (s *Service) updateProvisionedProduct(c *protocol.Call, in updateProvisionedProductInput) (any, *protocol.APIError) {
	pp, err := s.findProvisioned(in.ProvisionedProductID, in.ProvisionedProductName)
	if err != nil {
		return nil, err
	}
	if err := s.resolveProduct(in.ProductID, in.ProductName, false); err != nil {
		return nil, err
	}
	if !s.associated(c.Caller) {
		return nil, s.noLaunchPath()
	}
	if in.UpdateToken == "" {
		return nil, protocol.Err("InvalidParametersException", "UpdateToken is required.")
	}
	if id, ok := s.state.Tokens["UpdateProvisionedProduct|"+in.UpdateToken]; ok {
		return map[string]any{"RecordDetail": s.recordDetail(s.state.Records[id])}, nil
	}
	if err := notUnderChange(pp); err != nil {
		return nil, err
	}
	if err := s.resolvePath(in.PathID, in.PathName); err != nil {
		return nil, err
	}
	artifact, err := s.resolveArtifact(in.ProvisioningArtifactID, in.ProvisioningArtifactName, s.state.artifact(pp.ArtifactID))
	if err != nil {
		return nil, err
	}
	if !artifact.Active {
		return nil, protocol.Err("InvalidParametersException", "Provisioning artifact %s of product %s is not active.", artifact.ID, s.state.ProductID)
	}
	params, err := validParameters(in.ProvisioningParameters, pp.Parameters)
	if err != nil {
		return nil, err
	}
	if pp.PhysicalID != "" && !strings.EqualFold(params[afAccountEmail], pp.Parameters[afAccountEmail]) {
		return nil, protocol.Err("InvalidParametersException", "AccountEmail cannot be changed for a provisioned account (it is %s).", pp.Parameters[afAccountEmail])
	}
	userArn, session := userArns(c.Caller)
	pp.Status = ppUnderChange
	pp.StatusMessage = ""
	// The attribute shows the token of the latest operation on the product.
	pp.IdempotencyToken = in.UpdateToken
	rec := s.newRecord(pp, recUpdate, userArn, session, c.Now)
	rec.ArtifactID = artifact.ID
	s.state.Tokens["UpdateProvisionedProduct|"+in.UpdateToken] = rec.ID
	s.afSubmit(rec, afUpdate, params, artifact.ID, c.Now)
	return map[string]any{"RecordDetail": s.recordDetail(rec)}, nil
}

type terminateProvisionedProductInput struct {
	TerminateToken         string `json:"TerminateToken"`
	ProvisionedProductID   string `json:"ProvisionedProductId"`
	ProvisionedProductName string `json:"ProvisionedProductName"`
}

func (s *Service) terminateProvisionedProduct(c *protocol.Call, in terminateProvisionedProductInput) (any, *protocol.APIError) {
	// Once the product is gone every terminate answers ResourceNotFound, token or not.
	pp, err := s.findProvisioned(in.ProvisionedProductID, in.ProvisionedProductName)
	if err != nil {
		return nil, err
	}
	if in.TerminateToken == "" {
		return nil, protocol.Err("InvalidParametersException", "TerminateToken is required.")
	}
	if id, ok := s.state.Tokens["TerminateProvisionedProduct|"+in.TerminateToken]; ok {
		return map[string]any{"RecordDetail": s.recordDetail(s.state.Records[id])}, nil
	}
	if err := notUnderChange(pp); err != nil {
		return nil, err
	}
	userArn, session := userArns(c.Caller)
	pp.Status = ppUnderChange
	pp.StatusMessage = ""
	pp.IdempotencyToken = in.TerminateToken
	rec := s.newRecord(pp, recTerminate, userArn, session, c.Now)
	s.state.Tokens["TerminateProvisionedProduct|"+in.TerminateToken] = rec.ID
	s.afSubmit(rec, afTerminate, pp.Parameters, pp.ArtifactID, c.Now)
	return map[string]any{"RecordDetail": s.recordDetail(rec)}, nil
}
