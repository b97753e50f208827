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
// LIMITATIONS: the manifest holds governedRegions, organizationStructure
// (before 4.0) and accessManagement only; the landing zone is always ACTIVE
// and IN_SYNC, and no landing zone operation (update, reset) is simulated.

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
	manifest := map[string]any{
		"governedRegions":  []string{s.env.Region},
		"accessManagement": map[string]any{"enabled": true},
	}
	if versionBefore(v, "4.0") {
		manifest["organizationStructure"] = map[string]any{"security": map[string]string{"name": "Security"}, "sandbox": map[string]string{"name": "Sandbox"}}
	}
	return map[string]any{"landingZone": map[string]any{
		"arn": s.LandingZoneARN(), "version": v, "latestAvailableVersion": LatestLandingZoneVersion,
		"status": "ACTIVE", "driftStatus": map[string]string{"status": "IN_SYNC"}, "manifest": manifest,
	}}, nil
}
