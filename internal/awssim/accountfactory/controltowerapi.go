package accountfactory

import (
	"fmt"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The Control Tower API (REST JSON). towervend asks it which OUs are
// registered: a registered OU has the AWSControlTowerBaseline enabled on it,
// and its enrolled accounts inherit it as child enabled baselines. An
// operator checking a deployment reads the landing zone (landingzone.go),
// the baselines (baselines.go) and the controls enabled on each OU
// (controls.go).

// BaselineARN is AWSControlTowerBaseline's identifier in the home Region,
// the one callers filter on.
func (s *Service) BaselineARN() string { return s.baselineArn(controlTowerBaselineID) }

// ControlTowerOps are the Control Tower API's operations, by REST path.
func (s *Service) ControlTowerOps() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"/list-enabled-baselines": protocol.OpOn(s.listEnabledBaselines, s.onListEnabledBaselines),
		"/get-enabled-baseline":   protocol.OpOn(s.getEnabledBaseline, s.onGetEnabledBaseline),
		"/list-baselines":         protocol.OpOn(s.listBaselines, anyResource[listBaselinesInput]("controltower:ListBaselines")),
		"/get-baseline":           protocol.OpOn(s.getBaseline, s.onGetBaseline),
		"/get-baseline-operation": protocol.OpOn(getOperation("Baseline"), anyResource[getOperationInput]("controltower:GetBaselineOperation")),
		"/list-enabled-controls":  protocol.OpOn(s.listEnabledControls, anyResource[listEnabledControlsInput]("controltower:ListEnabledControls")),
		"/get-enabled-control":    protocol.OpOn(s.getEnabledControl, s.onGetEnabledControl),
		"/get-control-operation":  protocol.OpOn(getOperation("Control"), anyResource[getOperationInput]("controltower:GetControlOperation")),
		"/list-landingzones":      protocol.OpOn(s.listLandingZones, s.onListLandingZones),
		"/get-landingzone":        protocol.OpOn(s.getLandingZone, s.onGetLandingZone),
	}
}

type enabledBaseline struct {
	Arn                string            `json:"arn"`
	BaselineIdentifier string            `json:"baselineIdentifier"`
	BaselineVersion    string            `json:"baselineVersion"`
	TargetIdentifier   string            `json:"targetIdentifier"`
	ParentIdentifier   string            `json:"parentIdentifier,omitempty"`
	StatusSummary      map[string]string `json:"statusSummary"`
}

type listEnabledBaselinesInput struct {
	Filter struct {
		BaselineIdentifiers []string `json:"baselineIdentifiers"`
		TargetIdentifiers   []string `json:"targetIdentifiers"`
		Statuses            []string `json:"statuses"`
	} `json:"filter"`
	IncludeChildren bool   `json:"includeChildren"`
	MaxResults      int    `json:"maxResults"`
	NextToken       string `json:"nextToken"`
}

func (s *Service) listEnabledBaselines(c *protocol.Call, in listEnabledBaselinesInput) (any, *protocol.APIError) {
	if in.MaxResults != 0 && (in.MaxResults < 5 || in.MaxResults > 100) {
		return nil, protocol.Err("ValidationException", "maxResults must be between 5 and 100")
	}
	if !s.hasBaselines() {
		return nil, s.noBaselines()
	}
	var out []enabledBaseline
	for _, b := range s.enabledBaselines(in.IncludeChildren) {
		if len(in.Filter.BaselineIdentifiers) > 0 && !slices.Contains(in.Filter.BaselineIdentifiers, b.BaselineIdentifier) {
			continue
		}
		if len(in.Filter.TargetIdentifiers) > 0 && !slices.Contains(in.Filter.TargetIdentifiers, b.TargetIdentifier) {
			continue
		}
		if len(in.Filter.Statuses) > 0 && !slices.Contains(in.Filter.Statuses, b.StatusSummary["status"]) {
			continue
		}
		out = append(out, b)
	}
	page, next, ok := protocol.PageOf(out, in.NextToken, in.MaxResults, 100)
	if !ok {
		return nil, protocol.Err("ValidationException", "The nextToken is not valid.")
	}
	if page == nil {
		page = []enabledBaseline{}
	}
	res := map[string]any{"enabledBaselines": page}
	if next != "" {
		res["nextToken"] = next
	}
	return res, nil
}

// noBaselines is the answer of the baseline APIs before landing zone 3.0.
func (s *Service) noBaselines() *protocol.APIError {
	// Not quoted from AWS: ValidationException is the modelled error that fits.
	return protocol.Err("ValidationException", "Baseline APIs require landing zone version %s or later; this landing zone is version %s.",
		baselinesSince, s.set.LandingZoneVersion)
}

// enabledBaselines are AWSControlTowerBaseline on each registered OU and,
// with children, on each enrolled account in it.
func (s *Service) enabledBaselines(children bool) []enabledBaseline {
	baseline := s.BaselineARN()
	var all []enabledBaseline
	for _, ou := range s.org.OUs() {
		if !ou.Registered {
			continue
		}
		parent := s.enabledBaselineArn(ou.ID)
		all = append(all, enabledBaseline{Arn: parent, BaselineIdentifier: baseline, BaselineVersion: "4.0",
			TargetIdentifier: s.org.OUArn(ou.ID), StatusSummary: map[string]string{"status": "SUCCEEDED"}})
		if !children {
			continue
		}
		for _, a := range s.org.AccountsIn(ou.ID) {
			if !a.Enrolled {
				continue
			}
			all = append(all, enabledBaseline{Arn: s.enabledBaselineArn(a.ID), BaselineIdentifier: baseline, BaselineVersion: "4.0",
				TargetIdentifier: s.org.AccountArn(a.ID), ParentIdentifier: parent, StatusSummary: map[string]string{"status": "SUCCEEDED"}})
		}
	}
	return all
}

// enabledBaselineArn derives a stable enabled-baseline ARN for a target.
func (s *Service) enabledBaselineArn(target string) string {
	suffix := strings.ToUpper(strings.NewReplacer("ou-", "", "-", "").Replace(target))
	return fmt.Sprintf("arn:aws:controltower:%s:%s:enabledbaseline/XO%s", s.env.Region, s.env.ManagementAccountID, suffix)
}
