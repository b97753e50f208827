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
