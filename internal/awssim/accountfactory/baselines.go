package accountfactory

import (
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The baselines Control Tower offers (ListBaselines, GetBaseline) and the
// enabled baselines GetEnabledBaseline describes. The catalogue is AWS's:
// each baseline's id, name and description as ListBaselines answers them in
// AWS's documented example; ARNs are in the home Region.
//
// GetBaselineOperation describes the baseline operations auto-enrollment
// runs on accounts (autoenroll.go) and ResetEnabledBaseline's on OUs
// (reset.go).
//
// LIMITATIONS: only AWSControlTowerBaseline is ever enabled (on registered
// OUs and, as children, their enrolled accounts); the shared accounts'
// AuditBaseline, LogArchiveBaseline and the management account's
// IdentityCenterBaseline are not; the only baseline operations are
// auto-enrollment's, on accounts, and ResetEnabledBaseline's, on registered
// OUs (Account Factory's operations show in Service Catalog, not here;
// EnableBaseline, DisableBaseline, UpdateEnabledBaseline and the tagging
// calls are not served); no drift is reported (driftStatusSummary,
// inheritanceDriftStatuses).

type baseline struct{ id, name, description string }

// baselines are Control Tower's, in ListBaselines' order.
var baselines = []baseline{
	{"4T4HA1KMO10S6311", "AuditBaseline", "Sets up resources to monitor security and compliance of accounts in your organization."},
	{"J8HX46AHS5MIKQPD", "LogArchiveBaseline", "Sets up a central repository for logs of API activities and resource configurations from accounts in your organization."},
	{"LN25R72TTG6IGPTQ", "IdentityCenterBaseline", "Sets up shared resources for AWS Identity Center, which prepares the AWSControlTowerBaseline to set up Identity Center access for accounts."},
	{controlTowerBaselineID, "AWSControlTowerBaseline", "Sets up resources and mandatory controls for member accounts within the target OU, required for AWS Control Tower governance."},
	{"3WPD0NA6TJ9AOMU2", "BackupCentralVaultBaseline", "Sets up a central AWS Backup vault in your organization."},
	{"H6C5JFCJJ3CPU3J5", "BackupAdminBaseline", "Sets up AWS Backup Audit Manager."},
	{"APO9ATVPBKFRRGLK", "BackupBaseline", "Sets up a local AWS Backup vault and attaches multiple AWS Backup plans."},
}

// controlTowerBaselineID is AWSControlTowerBaseline's id, the baseline that registers an OU.
const controlTowerBaselineID = "17BSJV3IGJ2QSGA2"

func (s *Service) baselineArn(id string) string {
	return fmt.Sprintf("arn:aws:controltower:%s::baseline/%s", s.env.Region, id)
}

type baselineSummary struct {
	Arn         string `json:"arn"`
	Description string `json:"description"`
	Name        string `json:"name"`
}

type listBaselinesInput struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

func (s *Service) listBaselines(_ *protocol.Call, in listBaselinesInput) (any, *protocol.APIError) {
	if in.MaxResults != 0 && (in.MaxResults < 1 || in.MaxResults > 100) {
		return nil, protocol.Err("ValidationException", "maxResults must be between 1 and 100")
	}
	all := make([]baselineSummary, len(baselines))
	for i, b := range baselines {
		all[i] = baselineSummary{Arn: s.baselineArn(b.id), Description: b.description, Name: b.name}
	}
	page, next, ok := protocol.PageOf(all, in.NextToken, in.MaxResults, 100)
	if !ok {
		return nil, protocol.Err("ValidationException", "The nextToken is not valid.")
	}
	res := map[string]any{"baselines": page}
	if next != "" {
		res["nextToken"] = next
	}
	return res, nil
}

// baselineArnRe is GetBaseline's pattern for baselineIdentifier.
var baselineArnRe = regexp.MustCompile(`^arn:[a-z-]+:controltower:[a-z0-9-]*:[0-9]{0,12}:baseline/[A-Z0-9]{16}$`)

type getBaselineInput struct {
	BaselineIdentifier string `json:"baselineIdentifier"`
}

func (s *Service) getBaseline(_ *protocol.Call, in getBaselineInput) (any, *protocol.APIError) {
	if !baselineArnRe.MatchString(in.BaselineIdentifier) {
		return nil, protocol.Err("ValidationException",
			"1 validation error detected: Value '%s' at 'baselineIdentifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ^arn:[a-z-]+:controltower:[a-z0-9-]*:[0-9]{0,12}:baseline/[A-Z0-9]{16}$",
			in.BaselineIdentifier)
	}
	for _, b := range baselines {
		if s.baselineArn(b.id) == in.BaselineIdentifier {
			return baselineSummary{Arn: in.BaselineIdentifier, Description: b.description, Name: b.name}, nil
		}
	}
	// Not quoted from AWS.
	return nil, &protocol.APIError{Code: "ResourceNotFoundException", Message: "Baseline " + in.BaselineIdentifier + " does not exist.", Status: http.StatusNotFound}
}

type getEnabledBaselineInput struct {
	EnabledBaselineIdentifier string `json:"enabledBaselineIdentifier"`
}

func (s *Service) getEnabledBaseline(_ *protocol.Call, in getEnabledBaselineInput) (any, *protocol.APIError) {
	if !identifierRe.MatchString(in.EnabledBaselineIdentifier) {
		return nil, invalidIdentifier("enabledBaselineIdentifier", in.EnabledBaselineIdentifier)
	}
	if !s.hasBaselines() {
		return nil, s.noBaselines()
	}
	for _, b := range s.enabledBaselines(true) {
		if b.Arn == in.EnabledBaselineIdentifier {
			return map[string]any{"enabledBaselineDetails": b}, nil
		}
	}
	// Not quoted from AWS.
	return nil, &protocol.APIError{Code: "ResourceNotFoundException", Message: "Enabled baseline " + in.EnabledBaselineIdentifier + " does not exist.", Status: http.StatusNotFound}
}

type baselineOperationDetail struct {
	OperationIdentifier string `json:"operationIdentifier"`
	OperationType       string `json:"operationType"`
	Status              string `json:"status"`
	StatusMessage       string `json:"statusMessage,omitempty"`
	StartTime           string `json:"startTime"`
	EndTime             string `json:"endTime,omitempty"`
}

// getBaselineOperation describes one of auto-enrollment's or a reset's
// baseline operations; its timestamps are ISO 8601, as the API's model says.
func (s *Service) getBaselineOperation(_ *protocol.Call, in getOperationInput) (any, *protocol.APIError) {
	if err := checkOperationID(in.OperationIdentifier); err != nil {
		return nil, err
	}
	op := s.state.BaselineOperations[in.OperationIdentifier]
	if op == nil {
		return nil, noOperation("Baseline", in.OperationIdentifier)
	}
	d := baselineOperationDetail{OperationIdentifier: op.ID, OperationType: op.Type, Status: op.Status,
		StatusMessage: op.StatusMessage, StartTime: op.Started.UTC().Format(time.RFC3339)}
	if !op.Ended.IsZero() {
		d.EndTime = op.Ended.UTC().Format(time.RFC3339)
	}
	return map[string]any{"baselineOperation": d}, nil
}
