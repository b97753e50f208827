package accountfactory

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of Service Catalog and the Control Tower API, as
// "Actions, resources, and condition keys for AWS Service Catalog" and "… for
// AWS Control Tower" list it. The product (arn:aws:catalog:<region>:<account>:
// product/<id>) is the resource of the calls that name it; provisioned
// products and records are no resource type, so the calls on them (Update,
// Terminate, DescribeRecord, the searches) are authorized on "*", as are
// the Control Tower API's lists and Get*Operation; GetLandingZone is
// authorized on the landing zone
// (arn:aws:controltower:<region>:<account>:landingzone/<id>), GetBaseline,
// GetEnabledBaseline, ResetEnabledBaseline and GetEnabledControl on the
// resource they name.

// AccessDenied is Service Catalog's answer to a call IAM denied; no
// AccessDenied shape is modelled, so the SDK surfaces the generic code.
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDeniedException", Message: message, Status: http.StatusBadRequest}
}

// ControlTowerAccessDenied is the Control Tower API's answer (REST JSON, the
// modelled AccessDeniedException with status 403).
func ControlTowerAccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDeniedException", Message: message, Status: http.StatusForbidden}
}

// product is the access to the product an Id or Name names; a name the
// catalog does not hold cannot become an ARN and is authorized on "*".
func (s *Service) product(id, name string) []protocol.Access {
	if id == "" && name == s.state.ProductName {
		id = s.state.ProductID
	}
	if id == "" {
		return nil
	}
	return []protocol.Access{protocol.On(fmt.Sprintf("arn:aws:catalog:%s:%s:product/%s", s.env.Region, s.env.ManagementAccountID, id))}
}

func (s *Service) onDescribeProduct(_ *protocol.Call, in describeProductInput) []protocol.Access {
	return s.product(in.ID, in.Name)
}

func (s *Service) onDescribeProductAsAdmin(_ *protocol.Call, in describeProductAsAdminInput) []protocol.Access {
	return s.product(in.ID, in.Name)
}

func (s *Service) onListArtifacts(_ *protocol.Call, in listProvisioningArtifactsInput) []protocol.Access {
	return s.product(in.ProductID, "")
}

func (s *Service) onDescribeArtifact(_ *protocol.Call, in describeProvisioningArtifactInput) []protocol.Access {
	return s.product(in.ProductID, in.ProductName)
}

func (s *Service) onListLaunchPaths(_ *protocol.Call, in listLaunchPathsInput) []protocol.Access {
	return s.product(in.ProductID, "")
}

func (s *Service) onProvision(_ *protocol.Call, in provisionProductInput) []protocol.Access {
	return s.product(in.ProductID, in.ProductName)
}

// onListEnabledBaselines names the action: the REST operation is routed by
// path, so the call's own action is the path's.
func (s *Service) onListEnabledBaselines(_ *protocol.Call, _ listEnabledBaselinesInput) []protocol.Access {
	return []protocol.Access{{Action: "controltower:ListEnabledBaselines", Resource: protocol.AnyResource}}
}

func (s *Service) onListLandingZones(_ *protocol.Call, _ listLandingZonesInput) []protocol.Access {
	return []protocol.Access{{Action: "controltower:ListLandingZones", Resource: protocol.AnyResource}}
}

// onGetLandingZone authorizes on the identifier the caller names, which is
// the landing zone's ARN.
func (s *Service) onGetLandingZone(_ *protocol.Call, in getLandingZoneInput) []protocol.Access {
	resource := in.LandingZoneIdentifier
	if !strings.HasPrefix(resource, "arn:") {
		resource = protocol.AnyResource
	}
	return []protocol.Access{{Action: "controltower:GetLandingZone", Resource: resource}}
}

// anyResource is the access of a Control Tower operation without resource
// types, named by its action (the REST operation is routed by path).
func anyResource[In any](action string) func(*protocol.Call, In) []protocol.Access {
	return func(*protocol.Call, In) []protocol.Access {
		return []protocol.Access{{Action: action, Resource: protocol.AnyResource}}
	}
}

// arnOrAny is the resource an identifier member names: the ARN, or "*" for
// one that is not an ARN (refused after authorization).
func arnOrAny(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return protocol.AnyResource
	}
	return id
}

// onGetBaseline authorizes on the baseline (arn:aws:controltower:<region>::baseline/<id>).
func (s *Service) onGetBaseline(_ *protocol.Call, in getBaselineInput) []protocol.Access {
	return []protocol.Access{{Action: "controltower:GetBaseline", Resource: arnOrAny(in.BaselineIdentifier)}}
}

// onGetEnabledBaseline authorizes on the enabled baseline.
func (s *Service) onGetEnabledBaseline(_ *protocol.Call, in getEnabledBaselineInput) []protocol.Access {
	return []protocol.Access{{Action: "controltower:GetEnabledBaseline", Resource: arnOrAny(in.EnabledBaselineIdentifier)}}
}

// onResetEnabledBaseline authorizes on the enabled baseline the reset names.
func (s *Service) onResetEnabledBaseline(_ *protocol.Call, in resetEnabledBaselineInput) []protocol.Access {
	return []protocol.Access{{Action: "controltower:ResetEnabledBaseline", Resource: arnOrAny(in.EnabledBaselineIdentifier)}}
}

// onGetEnabledControl authorizes on the enabled control.
func (s *Service) onGetEnabledControl(_ *protocol.Call, in getEnabledControlInput) []protocol.Access {
	return []protocol.Access{{Action: "controltower:GetEnabledControl", Resource: arnOrAny(in.EnabledControlIdentifier)}}
}
