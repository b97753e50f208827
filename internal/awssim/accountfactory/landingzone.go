package accountfactory

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The landing zone, as the Control Tower API's ListLandingZones and
// GetLandingZone describe it: one per organization, in the home Region, at the
// version the world sets. Baselines (and so ListEnabledBaselines) came with
// landing zone 3.0.
//
// The manifest is the landing zone's as GetLandingZone returns it:
// governedRegions, organizationStructure (before 4.0: the Security OU, and
// the Sandbox OU where the organization has one at its root),
// centralizedLogging (the log archive account, Control Tower's default
// retention), securityRoles (the audit account) and accessManagement. The
// shared accounts are found by name, as Control Tower names them ("Log
// Archive" or log-archive, "Audit"), in the Security OU first.
//
// remediationTypes is the world's (controlTower.remediationTypes): with
// INHERITANCE_DRIFT, auto-enrollment is on (autoenroll.go).
//
// LIMITATIONS: governedRegions is the home Region; no KMS key, backup or
// config section (4.0); the landing zone is always ACTIVE and IN_SYNC, and
// no landing zone operation (update, reset) is simulated.

// LatestLandingZoneVersion is the version GetLandingZone offers as
// latestAvailableVersion (4.0, November 2025).
const LatestLandingZoneVersion = "4.0"

// baselinesSince is the landing zone version that introduced baselines.
const baselinesSince = "3.0"

// LandingZoneARN is the organization's landing zone, derived from the
// management account so it is stable across runs.
func (s *Service) LandingZoneARN() string {
	h := fnv.New64a()
	h.Write([]byte(s.env.ManagementAccountID))
	return fmt.Sprintf("arn:aws:controltower:%s:%s:landingzone/%016X", s.env.Region, s.env.ManagementAccountID, h.Sum64())
}

// versionBefore reports whether landing zone version v ("major.minor") is
// older than version than; one that does not parse counts as older.
func versionBefore(v, than string) bool {
	vm, vn, ok1 := splitVersion(v)
	tm, tn, ok2 := splitVersion(than)
	if !ok1 || !ok2 {
		return true
	}
	return vm < tm || vm == tm && vn < tn
}

func splitVersion(v string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(v, ".")
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	return major, minor, found && err1 == nil && err2 == nil
}

// hasBaselines reports whether the landing zone serves the baseline APIs.
func (s *Service) hasBaselines() bool {
	return !versionBefore(s.set.LandingZoneVersion, baselinesSince)
}

type listLandingZonesInput struct {
	MaxResults int    `json:"maxResults"`
	NextToken  string `json:"nextToken"`
}

func (s *Service) listLandingZones(_ *protocol.Call, in listLandingZonesInput) (any, *protocol.APIError) {
	if in.MaxResults != 0 && in.MaxResults != 1 {
		return nil, protocol.Err("ValidationException", "maxResults must be 1")
	}
	if in.NextToken != "" {
		return nil, protocol.Err("ValidationException", "The nextToken is not valid.")
	}
	return map[string]any{"landingZones": []map[string]string{{"arn": s.LandingZoneARN()}}}, nil
}

type getLandingZoneInput struct {
	LandingZoneIdentifier string `json:"landingZoneIdentifier"`
}

func (s *Service) getLandingZone(_ *protocol.Call, in getLandingZoneInput) (any, *protocol.APIError) {
	if in.LandingZoneIdentifier == "" {
		return nil, protocol.Err("ValidationException", "landingZoneIdentifier is required")
	}
	if in.LandingZoneIdentifier != s.LandingZoneARN() {
		return nil, &protocol.APIError{Code: "ResourceNotFoundException", Message: "The landing zone " + in.LandingZoneIdentifier + " does not exist.", Status: 404}
	}
	v := s.set.LandingZoneVersion
	lz := s.layout()
	logging := map[string]any{
		"configurations": map[string]any{
			"loggingBucket":       map[string]int{"retentionDays": 365},
			"accessLoggingBucket": map[string]int{"retentionDays": 3650},
		},
		"enabled": true,
	}
	security := map[string]any{}
	if lz.logArchive != "" {
		logging["accountId"] = lz.logArchive
	}
	if lz.audit != "" {
		security["accountId"] = lz.audit
	}
	manifest := map[string]any{
		"accessManagement":   map[string]any{"enabled": true},
		"securityRoles":      security,
		"governedRegions":    []string{s.env.Region},
		"centralizedLogging": logging,
	}
	if versionBefore(v, "4.0") {
		structure := map[string]any{"security": map[string]string{"name": lz.securityOU}}
		if lz.sandboxOU != "" {
			structure["sandbox"] = map[string]string{"name": lz.sandboxOU}
		}
		manifest["organizationStructure"] = structure
	}
	detail := map[string]any{
		"arn": s.LandingZoneARN(), "version": v, "latestAvailableVersion": LatestLandingZoneVersion,
		"status": "ACTIVE", "driftStatus": map[string]string{"status": "IN_SYNC"}, "manifest": manifest,
	}
	if len(s.set.RemediationTypes) > 0 {
		// Only a landing zone that opted in has them (the model's list has at least one).
		detail["remediationTypes"] = s.set.RemediationTypes
	}
	return map[string]any{"landingZone": detail}, nil
}

// landingZoneLayout is where the landing zone's shared parts are.
type landingZoneLayout struct {
	securityOU, sandboxOU string // names; sandboxOU empty without one
	logArchive, audit     string // account ids; empty when not found
}

// layout finds the Security and Sandbox OUs at the root and the shared
// accounts by their names, looking in the Security OU first.
func (s *Service) layout() landingZoneLayout {
	lz := landingZoneLayout{securityOU: "Security"}
	securityID := ""
	for _, ou := range s.org.ChildOUs(s.org.RootID()) {
		switch {
		case strings.EqualFold(ou.Name, "Security") && securityID == "":
			lz.securityOU, securityID = ou.Name, ou.ID
		case strings.EqualFold(ou.Name, "Sandbox") && lz.sandboxOU == "":
			lz.sandboxOU = ou.Name
		}
	}
	var candidates []Account
	if securityID != "" {
		candidates = s.org.AccountsIn(securityID)
	}
	candidates = append(candidates, s.org.Accounts()...)
	for _, a := range candidates {
		switch sharedName(a.Name) {
		case "logarchive":
			if lz.logArchive == "" {
				lz.logArchive = a.ID
			}
		case "audit":
			if lz.audit == "" {
				lz.audit = a.ID
			}
		}
	}
	return lz
}

// sharedName folds an account name for comparison with Control Tower's
// shared accounts' ("Log Archive", "log-archive" and "log_archive" alike).
func sharedName(name string) string {
	return strings.NewReplacer(" ", "", "-", "", "_", "").Replace(strings.ToLower(name))
}
