package stack

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/internal/deploy"
)

// The grants' ARNs name the home Region's partition, which the stack takes
// from configuration.
func TestPartitionFollowsTheHomeRegion(t *testing.T) {
	tests := []struct{ region, want string }{
		{"eu-west-1", "arn:aws:organizations::111122223333:account/o-*/*"},
		{"cn-north-1", "arn:aws-cn:organizations::111122223333:account/o-*/*"},
		{"us-gov-west-1", "arn:aws-us-gov:organizations::111122223333:account/o-*/*"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			cfg := config.Config{HomeRegion: tt.region, ManagementAccountID: "111122223333",
				InstanceArn: "arn:aws:sso:::instance/ssoins-0123456789abcdef"}
			grants := deploy.Grants("close", grantResources(cfg, "bus", "workflow", "rejected", "lifecycle-failed"))
			if assert.Len(t, grants, 2, "CloseAccount, and the closure ledger") {
				assert.Equal(t, []string{tt.want}, grants[0].Resources)
			}
		})
	}
}

// The functions' grants follow the provisioning backend: auto-enrollment's
// Organizations and Control Tower calls only where it is chosen.
func TestGrantsFollowTheProvisioningBackend(t *testing.T) {
	actions := func(provisioning, function string) []string {
		cfg := config.Config{HomeRegion: "eu-west-1", ManagementAccountID: "111122223333", Provisioning: provisioning,
			InstanceArn: "arn:aws:sso:::instance/ssoins-0123456789abcdef"}
		var out []string
		for _, g := range deploy.Grants(function, grantResources(cfg, "bus", "workflow", "rejected", "lifecycle-failed")) {
			out = append(out, g.Actions...)
		}
		return out
	}
	for _, p := range []string{"autoEnrollment", "auto"} {
		assert.Contains(t, actions(p, "provision"), "organizations:CreateAccount", p)
		assert.Contains(t, actions(p, "provision"), "organizations:MoveAccount", p)
		assert.Contains(t, actions(p, "provisionstatus"), "organizations:DescribeCreateAccountStatus", p)
		assert.Contains(t, actions(p, "provisionstatus"), "controltower:GetBaselineOperation", p)
	}
	assert.NotContains(t, actions("accountFactory", "provision"), "organizations:MoveAccount")
	assert.NotContains(t, actions("accountFactory", "provision"), "organizations:ListCreateAccountStatus")
	assert.NotContains(t, actions("accountFactory", "provisionstatus"), "controltower:ListEnabledBaselines")
}
