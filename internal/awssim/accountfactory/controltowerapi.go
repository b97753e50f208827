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
		"/get-baseline-operation": protocol.OpOn(s.getBaselineOperation, anyResource[getOperationInput]("controltower:GetBaselineOperation")),
		"/reset-enabled-baseline": protocol.OpOn(s.resetEnabledBaseline, s.onResetEnabledBaseline),
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
		ParentIdentifiers   []string `json:"parentIdentifiers"`
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
	f := in.Filter
	if err := checkBaselineFilter(f.TargetIdentifiers, f.ParentIdentifiers, f.Statuses); err != nil {
		return nil, err
	}
	if !s.hasBaselines() {
		return nil, s.noBaselines()
	}
	var out []enabledBaseline
	for _, b := range s.enabledBaselines(in.IncludeChildren) {
		if len(f.BaselineIdentifiers) > 0 && !slices.Contains(f.BaselineIdentifiers, b.BaselineIdentifier) ||
			len(f.TargetIdentifiers) > 0 && !slices.Contains(f.TargetIdentifiers, b.TargetIdentifier) ||
			len(f.ParentIdentifiers) > 0 && !slices.Contains(f.ParentIdentifiers, b.ParentIdentifier) ||
			len(f.Statuses) > 0 && !slices.Contains(f.Statuses, b.StatusSummary["status"]) {
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

// checkBaselineFilter applies the model's limits to ListEnabledBaselines'
// filter: at most five target and parent identifiers, at most one status,
// and statuses of the EnablementStatus enum.
func checkBaselineFilter(targets, parents, statuses []string) *protocol.APIError {
	const tooLong = "1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d"
	switch {
	case len(targets) > 5:
		return protocol.Err("ValidationException", tooLong, targets, "filter.targetIdentifiers", 5)
	case len(parents) > 5:
		return protocol.Err("ValidationException", tooLong, parents, "filter.parentIdentifiers", 5)
	case len(statuses) > 1:
		return protocol.Err("ValidationException", tooLong, statuses, "filter.statuses", 1)
	}
	for _, st := range statuses {
		if st != ebSucceeded && st != ebFailed && st != ebUnderChange {
			return protocol.Err("ValidationException",
				"1 validation error detected: Value '%s' at 'filter.statuses.1.member' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, FAILED, UNDER_CHANGE]", st)
		}
	}
	return nil
}

// enabledBaselines are AWSControlTowerBaseline on each registered OU
// (SUCCEEDED, UNDER_CHANGE while a reset runs on it) and, with children, on
// its accounts: each enrolled account's, SUCCEEDED, unless auto-enrollment
// or a reset has worked on the account (AccountBaselines): then its status
// is that of its last baseline operation, under the OU that operation was
// for (the OU it left, while an unenrollment runs).
func (s *Service) enabledBaselines(children bool) []enabledBaseline {
	baseline := s.BaselineARN()
	child := func(accountID, parent, status, lastOp string) enabledBaseline {
		summary := map[string]string{"status": status}
		if lastOp != "" {
			summary["lastOperationIdentifier"] = lastOp
		}
		return enabledBaseline{Arn: s.enabledBaselineArn(accountID), BaselineIdentifier: baseline, BaselineVersion: "4.0",
			TargetIdentifier: s.org.AccountArn(accountID), ParentIdentifier: parent, StatusSummary: summary}
	}
	var all []enabledBaseline
	listed := map[string]bool{}
	reset := s.ouOperation()
	for _, ou := range s.org.OUs() {
		if !ou.Registered {
			continue
		}
		parent := s.enabledBaselineArn(ou.ID)
		summary := map[string]string{"status": ebSucceeded}
		if reset != nil && reset.OUID == ou.ID {
			summary = map[string]string{"status": ebUnderChange, "lastOperationIdentifier": reset.ID}
		}
		all = append(all, enabledBaseline{Arn: parent, BaselineIdentifier: baseline, BaselineVersion: "4.0",
			TargetIdentifier: s.org.OUArn(ou.ID), StatusSummary: summary})
		if !children {
			continue
		}
		for _, a := range s.org.AccountsIn(ou.ID) {
			if a.Enrolled && s.state.AccountBaselines[a.ID] == nil {
				all = append(all, child(a.ID, parent, ebSucceeded, ""))
			}
		}
		for _, id := range sortedKeys(s.state.AccountBaselines) {
			if b := s.state.AccountBaselines[id]; b.OUID == ou.ID {
				all = append(all, child(id, parent, b.Status, b.LastOperationID))
				listed[id] = true
			}
		}
	}
	if children {
		// An unenrollment from an OU that is no longer registered: no parent.
		for _, id := range sortedKeys(s.state.AccountBaselines) {
			if b := s.state.AccountBaselines[id]; !listed[id] {
				all = append(all, child(id, "", b.Status, b.LastOperationID))
			}
		}
	}
	return all
}

// enabledBaselineArn derives a stable enabled-baseline ARN for a target.
func (s *Service) enabledBaselineArn(target string) string {
	suffix := strings.ToUpper(strings.NewReplacer("ou-", "", "-", "").Replace(target))
	return fmt.Sprintf("arn:aws:controltower:%s:%s:enabledbaseline/XO%s", s.env.Region, s.env.ManagementAccountID, suffix)
}
