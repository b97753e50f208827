package accountfactory

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The controls Control Tower has enabled, as ListEnabledControls and
// GetEnabledControl answer. Registering an OU enables the mandatory
// controls on it (the list a newly registered OU shows in AWS's own
// scenario output, in the controltower:…:control/AWS-GR_… form AWS still
// answers them in); the world may enable more on a registered OU
// (controlTower.enabledControls, Settings.EnabledControls).
//
// LIMITATIONS: no control operation exists (EnableControl, DisableControl
// and the rest are not served, so GetControlOperation finds none); an
// enabled control is always SUCCEEDED; the mandatory ones are NOT_CHECKING
// for drift, as AWS's documented answer shows them, and the world's IN_SYNC;
// the Security OU's extra mandatory controls (its log archive and audit
// buckets) are not listed; includeChildren adds nothing (no control is
// enabled on an account); controls have no parameters.

// mandatoryControls are enabled on every registered OU.
var mandatoryControls = []string{
	"AWS-GR_CLOUDTRAIL_CHANGE_PROHIBITED",
	"AWS-GR_CLOUDTRAIL_CLOUDWATCH_LOGS_ENABLED",
	"AWS-GR_CLOUDTRAIL_ENABLED",
	"AWS-GR_CLOUDTRAIL_VALIDATION_ENABLED",
	"AWS-GR_CLOUDWATCH_EVENTS_CHANGE_PROHIBITED",
	"AWS-GR_CONFIG_AGGREGATION_AUTHORIZATION_POLICY",
	"AWS-GR_CONFIG_AGGREGATION_CHANGE_PROHIBITED",
	"AWS-GR_CONFIG_CHANGE_PROHIBITED",
	"AWS-GR_CONFIG_ENABLED",
	"AWS-GR_CONFIG_RULE_CHANGE_PROHIBITED",
	"AWS-GR_IAM_ROLE_CHANGE_PROHIBITED",
	"AWS-GR_LAMBDA_CHANGE_PROHIBITED",
	"AWS-GR_LOG_GROUP_POLICY",
	"AWS-GR_SNS_CHANGE_PROHIBITED",
	"AWS-GR_SNS_SUBSCRIPTION_CHANGE_PROHIBITED",
}

// controlNameRe is a control's name in the controltower form (AWS-GR_…, or
// the short ids of newer controls); ControlARN expands it.
var controlNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// identifierRe is the pattern of the Control Tower API's ARN members.
var identifierRe = regexp.MustCompile(`^arn:aws[0-9a-zA-Z_\-:\/]+$`)

// ControlARN is the control identifier a world names: an ARN as given
// (arn:aws:controltower:<region>::control/… or arn:aws:controlcatalog:::control/…),
// or a name such as AWS-GR_RESTRICTED_SSH in the home Region's controltower
// form. ok is false for neither.
func ControlARN(region, control string) (string, bool) {
	if strings.HasPrefix(control, "arn:") {
		return control, identifierRe.MatchString(control) && len(control) <= 2048
	}
	if !controlNameRe.MatchString(control) {
		return "", false
	}
	return fmt.Sprintf("arn:aws:controltower:%s::control/%s", region, control), true
}

type enabledControl struct {
	Arn                string            `json:"arn"`
	ControlIdentifier  string            `json:"controlIdentifier"`
	DriftStatusSummary map[string]string `json:"driftStatusSummary"`
	StatusSummary      map[string]string `json:"statusSummary"`
	TargetIdentifier   string            `json:"targetIdentifier"`
}

// enabledControlsOn lists the controls enabled on a registered OU:
// the mandatory ones, then the world's.
func (s *Service) enabledControlsOn(ou OU) []enabledControl {
	target := s.org.OUArn(ou.ID)
	var out []enabledControl
	seen := map[string]bool{}
	add := func(control, drift string) {
		if seen[control] {
			return
		}
		seen[control] = true
		out = append(out, enabledControl{Arn: s.enabledControlArn(ou.ID, control), ControlIdentifier: control,
			DriftStatusSummary: map[string]string{"driftStatus": drift},
			StatusSummary:      map[string]string{"status": "SUCCEEDED"}, TargetIdentifier: target})
	}
	for _, name := range mandatoryControls {
		arn, _ := ControlARN(s.env.Region, name)
		add(arn, "NOT_CHECKING")
	}
	for _, control := range s.set.EnabledControls[ou.ID] {
		add(control, "IN_SYNC")
	}
	return out
}

// allEnabledControls lists the enabled controls of every registered OU.
func (s *Service) allEnabledControls() []enabledControl {
	var out []enabledControl
	for _, ou := range s.org.OUs() {
		if ou.Registered {
			out = append(out, s.enabledControlsOn(ou)...)
		}
	}
	return out
}

// enabledControlArn derives a stable enabled-control ARN
// (…:enabledcontrol/<16 upper-case letters and digits>) for a control on a target.
func (s *Service) enabledControlArn(target, control string) string {
	sum := sha256.Sum256([]byte(target + "|" + control))
	id := base32.StdEncoding.EncodeToString(sum[:])[:16]
	return fmt.Sprintf("arn:aws:controltower:%s:%s:enabledcontrol/%s", s.env.Region, s.env.ManagementAccountID, id)
}

// notRegistered is Control Tower's answer for a target it does not govern.
func notRegistered(target string) *protocol.APIError {
	what := "Target " + target
	if i := strings.LastIndex(target, "/"); i >= 0 && strings.HasPrefix(target[i+1:], "ou-") {
		what = "Organizational unit " + target[i+1:]
	}
	return &protocol.APIError{Code: "ResourceNotFoundException", Message: what + " is not registered with AWS Control Tower.", Status: http.StatusNotFound}
}

// invalidIdentifier is the ValidationException for an ARN member that does
// not have the API's pattern.
func invalidIdentifier(member, value string) *protocol.APIError {
	return protocol.Err("ValidationException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:aws[0-9a-zA-Z_\\-:\\/]+$", value, member)
}

type listEnabledControlsInput struct {
	TargetIdentifier string `json:"targetIdentifier"`
	Filter           struct {
		ControlIdentifiers []string `json:"controlIdentifiers"`
		DriftStatuses      []string `json:"driftStatuses"`
		Statuses           []string `json:"statuses"`
	} `json:"filter"`
	IncludeChildren bool   `json:"includeChildren"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

func (s *Service) listEnabledControls(_ *protocol.Call, in listEnabledControlsInput) (any, *protocol.APIError) {
	if in.MaxResults != 0 && (in.MaxResults < 1 || in.MaxResults > 200) {
		return nil, protocol.Err("ValidationException", "maxResults must be between 1 and 200")
	}
	var all []enabledControl
	if in.TargetIdentifier == "" {
		all = s.allEnabledControls()
	} else {
		if !identifierRe.MatchString(in.TargetIdentifier) || len(in.TargetIdentifier) < 20 {
			return nil, invalidIdentifier("targetIdentifier", in.TargetIdentifier)
		}
		ou, ok := s.ouByArn(in.TargetIdentifier)
		if !ok || !ou.Registered {
			return nil, notRegistered(in.TargetIdentifier)
		}
		all = s.enabledControlsOn(ou)
	}
	f := in.Filter
	out := []enabledControl{}
	for _, c := range all {
		if len(f.ControlIdentifiers) > 0 && !slices.Contains(f.ControlIdentifiers, c.ControlIdentifier) ||
			len(f.DriftStatuses) > 0 && !slices.Contains(f.DriftStatuses, c.DriftStatusSummary["driftStatus"]) ||
			len(f.Statuses) > 0 && !slices.Contains(f.Statuses, c.StatusSummary["status"]) {
			continue
		}
		out = append(out, c)
	}
	page, next, ok := protocol.PageOf(out, in.NextToken, in.MaxResults, 100)
	if !ok {
		return nil, protocol.Err("ValidationException", "The nextToken is not valid.")
	}
	if page == nil {
		page = []enabledControl{}
	}
	res := map[string]any{"enabledControls": page}
	if next != "" {
		res["nextToken"] = next
	}
	return res, nil
}

// ouByArn finds the OU an ARN names.
func (s *Service) ouByArn(arn string) (OU, bool) {
	i := strings.LastIndex(arn, "/")
	if i < 0 {
		return OU{}, false
	}
	ou, ok := s.org.OU(arn[i+1:])
	if !ok || s.org.OUArn(ou.ID) != arn {
		return OU{}, false
	}
	return ou, true
}

type getEnabledControlInput struct {
	EnabledControlIdentifier string `json:"enabledControlIdentifier"`
}

func (s *Service) getEnabledControl(_ *protocol.Call, in getEnabledControlInput) (any, *protocol.APIError) {
	if !identifierRe.MatchString(in.EnabledControlIdentifier) {
		return nil, invalidIdentifier("enabledControlIdentifier", in.EnabledControlIdentifier)
	}
	for _, c := range s.allEnabledControls() {
		if c.Arn != in.EnabledControlIdentifier {
			continue
		}
		return map[string]any{"enabledControlDetails": map[string]any{
			"arn": c.Arn, "controlIdentifier": c.ControlIdentifier, "driftStatusSummary": c.DriftStatusSummary,
			"parameters": []any{}, "statusSummary": c.StatusSummary, "targetIdentifier": c.TargetIdentifier,
			"targetRegions": []map[string]string{{"name": s.env.Region}},
		}}, nil
	}
	// Not quoted from AWS: the modelled error for an identifier nothing has.
	return nil, &protocol.APIError{Code: "ResourceNotFoundException", Message: "Enabled control " + in.EnabledControlIdentifier + " does not exist.", Status: http.StatusNotFound}
}

type getOperationInput struct {
	OperationIdentifier string `json:"operationIdentifier"`
}

// operationIDRe is the API's pattern for an operation identifier (a UUID).
var operationIDRe = regexp.MustCompile(`^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`)

// getOperation answers GetControlOperation: the simulator runs no control
// operation, so every well-formed identifier is one it does not have.
func getOperation(kind string) func(*protocol.Call, getOperationInput) (any, *protocol.APIError) {
	return func(_ *protocol.Call, in getOperationInput) (any, *protocol.APIError) {
		if err := checkOperationID(in.OperationIdentifier); err != nil {
			return nil, err
		}
		return nil, noOperation(kind, in.OperationIdentifier)
	}
}

// checkOperationID refuses an operation identifier that is not a UUID.
func checkOperationID(id string) *protocol.APIError {
	if operationIDRe.MatchString(id) {
		return nil
	}
	return protocol.Err("ValidationException",
		"1 validation error detected: Value '%s' at 'operationIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$", id)
}

// noOperation is the answer for an operation identifier nothing has (not quoted from AWS).
func noOperation(kind, id string) *protocol.APIError {
	return &protocol.APIError{Code: "ResourceNotFoundException", Message: kind + " operation " + id + " does not exist.", Status: http.StatusNotFound}
}
