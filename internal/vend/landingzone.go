package vend

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"

	"github.com/towervend/towervend/internal/request"
)

// baselinesSince is the landing zone version that introduced baselines:
// before it no OU has AWSControlTowerBaseline, so ListEnabledBaselines cannot
// say which OUs are registered.
const baselinesSince = "3.0"

// landingZone is the Control Tower landing zone of the management account.
type landingZone struct {
	arn, version, latest string
	// shared names the landing zone's own accounts by id ("the log archive
	// account", "the audit account"), from its manifest: Control Tower's
	// guidance is never to move, close or unmanage them.
	shared map[string]string
	// securityOU is the Security OU's name where the manifest names no shared
	// account (then the accounts directly in it are the shared ones).
	securityOU string
	// remediation are the landing zone's remediation types (INHERITANCE_DRIFT
	// turns on account auto-enrollment).
	remediation []string
}

// manifest is the part of a landing zone manifest towervend reads (the
// Control Tower guide's manifest: centralizedLogging.accountId is the log
// archive account, securityRoles.accountId the audit account; landing zones
// before 4.0 also name the Security OU under organizationStructure).
type manifest struct {
	CentralizedLogging struct {
		AccountID string `json:"accountId"`
	} `json:"centralizedLogging"`
	SecurityRoles struct {
		AccountID string `json:"accountId"`
	} `json:"securityRoles"`
	OrganizationStructure struct {
		Security struct {
			Name string `json:"name"`
		} `json:"security"`
	} `json:"organizationStructure"`
}

// landingZoneProblem reads the landing zone and says why towervend cannot
// work with it: none at all, or one older than baselinesSince. A landing zone
// that is new enough is cached for the container's lifetime (versions only go
// up); an old one is read again each time, so an update takes effect at once.
func (d *Deps) landingZoneProblem(ctx context.Context) (*request.Problem, error) {
	d.mu.Lock()
	cached := d.landingZone
	d.mu.Unlock()
	if cached != nil {
		return nil, nil
	}
	list, err := d.ControlTower.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
	if err != nil {
		return nil, awsErr("controltower:ListLandingZones", err)
	}
	if len(list.LandingZones) == 0 {
		return &request.Problem{Field: "request", Message: "this account has no Control Tower landing zone (controltower:ListLandingZones returned none)",
			Fix: "set up a landing zone (version " + baselinesSince + " or later) in the Control Tower console, " +
				"or run towervend in the management account of the landing zone's home Region"}, nil
	}
	arn := aws.ToString(list.LandingZones[0].Arn)
	out, err := d.ControlTower.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: aws.String(arn)})
	if err != nil {
		return nil, awsErr("controltower:GetLandingZone", err)
	}
	lz := &landingZone{arn: arn, shared: map[string]string{}}
	if out.LandingZone != nil {
		lz.version, lz.latest = aws.ToString(out.LandingZone.Version), aws.ToString(out.LandingZone.LatestAvailableVersion)
		for _, r := range out.LandingZone.RemediationTypes {
			lz.remediation = append(lz.remediation, string(r))
		}
		var m manifest
		if out.LandingZone.Manifest != nil && out.LandingZone.Manifest.UnmarshalSmithyDocument(&m) == nil {
			if id := m.CentralizedLogging.AccountID; id != "" {
				lz.shared[id] = "the landing zone's log archive account"
			}
			if id := m.SecurityRoles.AccountID; id != "" {
				lz.shared[id] = "the landing zone's audit account"
			}
			if len(lz.shared) == 0 {
				lz.securityOU = m.OrganizationStructure.Security.Name
			}
		}
	}
	if versionBefore(lz.version, baselinesSince) {
		fix := "update the landing zone in the Control Tower console (Landing zone settings → Update) to " + baselinesSince + " or later"
		if lz.latest != "" {
			fix += " (latest available: " + lz.latest + ")"
		}
		return &request.Problem{Field: "request", Value: lz.version,
			Message: fmt.Sprintf("Control Tower landing zone version %s has no baselines: towervend needs %s or later, where registered OUs have AWSControlTowerBaseline (landing zone %s)",
				lz.version, baselinesSince, arn),
			Fix: fix}, nil
	}
	d.mu.Lock()
	d.landingZone = lz
	d.mu.Unlock()
	return nil, nil
}

// sharedAccount says which of the landing zone's own accounts id is ("the
// landing zone's audit account"), or "" for any other account. The
// management account is one too. An account directly in the Security OU
// counts where the manifest names no shared account. The landing zone was read
// by landingZoneProblem.
func (d *Deps) sharedAccount(org *orgView, id, parentID string) string {
	if id == d.Config.ManagementAccountID {
		return "the organization's management account"
	}
	d.mu.Lock()
	lz := d.landingZone
	d.mu.Unlock()
	if lz == nil {
		return ""
	}
	if what := lz.shared[id]; what != "" {
		return what
	}
	if lz.securityOU != "" && org != nil {
		if ou := org.ouOfParent(parentID); ou != nil && ou.Path == lz.securityOU {
			return "an account of the landing zone's Security OU (" + ou.Path + ")"
		}
	}
	return ""
}

// needsParentForShared reports whether telling a shared account needs its
// parent OU (the manifest named no shared account, only the Security OU).
func (d *Deps) needsParentForShared() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.landingZone != nil && d.landingZone.securityOU != ""
}

// versionBefore reports whether landing zone version v ("major.minor") is
// older than version than. A version that does not parse is not held against
// the landing zone: AWS's format changing is no reason to stop vending.
func versionBefore(v, than string) bool {
	vm, vn, ok1 := splitVersion(v)
	tm, tn, ok2 := splitVersion(than)
	if !ok1 || !ok2 {
		return false
	}
	return vm < tm || vm == tm && vn < tn
}

func splitVersion(v string) (major, minor int, ok bool) {
	a, b, found := strings.Cut(v, ".")
	major, err1 := strconv.Atoi(a)
	minor, err2 := strconv.Atoi(b)
	return major, minor, found && err1 == nil && err2 == nil
}
