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
	s.productsGen++
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

// scRequest is a kind of provisioned-product request: its operation, which
// also keys its idempotency tokens, the token's input member, its record type,
// and the work it asks of Control Tower.
type scRequest struct{ op, tokenMember, record, kind string }

var (
	provisioning = scRequest{"ProvisionProduct", "ProvisionToken", recProvision, afProvision}
	updating     = scRequest{"UpdateProvisionedProduct", "UpdateToken", recUpdate, afUpdate}
	terminating  = scRequest{"TerminateProvisionedProduct", "TerminateToken", recTerminate, afTerminate}
)

// replay answers a request with the token of an earlier one of its kind with
// that one's record: the same token is the same request, and creates nothing.
// done is false for a token not seen before; the token is required. The lock
// is held.
func (s *Service) replay(r scRequest, token string) (out any, done bool, err *protocol.APIError) {
	if token == "" {
		return nil, true, protocol.Err("InvalidParametersException", "%s is required.", r.tokenMember)
	}
	if id, ok := s.state.Tokens[r.op+"|"+token]; ok {
		return s.recordAnswer(s.state.Records[id]), true, nil
	}
	return nil, false, nil
}

// launchArtifact checks the launch path a request names and resolves the
// artifact it names (current when it names none), which must be active.
func (s *Service) launchArtifact(in launchInput, current *Artifact) (*Artifact, *protocol.APIError) {
	if err := s.resolvePath(in.PathID, in.PathName); err != nil {
		return nil, err
	}
	artifact, err := s.resolveArtifact(in.ProvisioningArtifactID, in.ProvisioningArtifactName, current)
	if err != nil {
		return nil, err
	}
	if !artifact.Active {
		return nil, protocol.Err("InvalidParametersException", "Provisioning artifact %s of product %s is not active.", artifact.ID, s.state.ProductID)
	}
	return artifact, nil
}

// submit puts pp under change by a new request of its kind, records the
// request (with tags) under its token, and hands the work on params and the
// artifact to Control Tower. It answers with the record. The lock is held.
func (s *Service) submit(c *protocol.Call, r scRequest, token string, pp *ProvisionedProduct, params map[string]string, artifactID string, tags map[string]string) any {
	pp.Status, pp.StatusMessage = ppUnderChange, ""
	// The attribute shows the token of the latest operation on the product.
	pp.IdempotencyToken = token
	userArn, session := userArns(c.Caller)
	rec := s.newRecord(pp, r.record, userArn, session, c.Now)
	rec.ArtifactID, rec.Tags = artifactID, tags
	s.state.Tokens[r.op+"|"+token] = rec.ID
	s.afSubmit(rec, r.kind, params, artifactID, c.Now)
	return s.recordAnswer(rec)
}

// recordAnswer is the output of the three requests: the record's detail.
func (s *Service) recordAnswer(rec *Record) any {
	return map[string]any{"RecordDetail": s.recordDetail(rec)}
}

// launchInput is what ProvisionProduct and UpdateProvisionedProduct launch:
// the product, its artifact and launch path (each by id or name), and the
// parameters.
type launchInput struct {
	ProductID                string       `json:"ProductId"`
	ProductName              string       `json:"ProductName"`
	ProvisioningArtifactID   string       `json:"ProvisioningArtifactId"`
	ProvisioningArtifactName string       `json:"ProvisioningArtifactName"`
	PathID                   string       `json:"PathId"`
	PathName                 string       `json:"PathName"`
	ProvisioningParameters   []paramInput `json:"ProvisioningParameters"`
}

type provisionProductInput struct {
	ProvisionToken         string `json:"ProvisionToken"`
	ProvisionedProductName string `json:"ProvisionedProductName"`
	launchInput
	Tags []scTag `json:"Tags"`
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
	if out, done, err := s.replay(provisioning, in.ProvisionToken); done {
		return out, err
	}
	artifact, err := s.launchArtifact(in.launchInput, nil)
	if err != nil {
		return nil, err
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
	return s.submit(c, provisioning, in.ProvisionToken, pp, params, artifact.ID, tagMap(in.Tags)), nil
}

type updateProvisionedProductInput struct {
	UpdateToken            string `json:"UpdateToken"`
	ProvisionedProductID   string `json:"ProvisionedProductId"`
	ProvisionedProductName string `json:"ProvisionedProductName"`
	launchInput
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
	if out, done, err := s.replay(updating, in.UpdateToken); done {
		return out, err
	}
	if err := notUnderChange(pp); err != nil {
		return nil, err
	}
	artifact, err := s.launchArtifact(in.launchInput, s.state.artifact(pp.ArtifactID))
	if err != nil {
		return nil, err
	}
	params, err := validParameters(in.ProvisioningParameters, pp.Parameters)
	if err != nil {
		return nil, err
	}
	if pp.PhysicalID != "" && !strings.EqualFold(params[afAccountEmail], pp.Parameters[afAccountEmail]) {
		return nil, protocol.Err("InvalidParametersException", "AccountEmail cannot be changed for a provisioned account (it is %s).", pp.Parameters[afAccountEmail])
	}
	return s.submit(c, updating, in.UpdateToken, pp, params, artifact.ID, nil), nil
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
	if out, done, err := s.replay(terminating, in.TerminateToken); done {
		return out, err
	}
	if err := notUnderChange(pp); err != nil {
		return nil, err
	}
	return s.submit(c, terminating, in.TerminateToken, pp, pp.Parameters, pp.ArtifactID, nil), nil
}
