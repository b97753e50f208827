package stack

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/internal/deploy"
)

func TestEveryWildcardHasItsReason(t *testing.T) {
	a := arns{
		cfg: config.Config{HomeRegion: "eu-west-1", ManagementAccountID: "111122223333",
			InstanceArn: "arn:aws:sso:::instance/ssoins-0123456789abcdef", IdentityStoreID: "d-0123456789"},
		bus: "arn:aws:events:eu-west-1:111122223333:event-bus/towervend", stateMachine: "arn:aws:states:eu-west-1:111122223333:stateMachine:towervend-vending",
		stateMachineName: "towervend-vending", rejected: "arn:aws:sqs:eu-west-1:111122223333:towervend-rejected",
	}
	for _, f := range deploy.Functions {
		t.Run(f.Name, func(t *testing.T) {
			grants := a.grantsFor(f.Name)
			assert.NotEmpty(t, grants, "every function calls something")
			for _, g := range grants {
				assert.NotEmpty(t, g.actions)
				assert.NotEmpty(t, g.resources)
				if len(g.wildcards()) > 0 {
					assert.GreaterOrEqual(t, len(g.why), 20, "%v on %v needs a reason", g.actions, g.wildcards())
				}
			}
		})
	}
}

func TestPartitionFollowsTheHomeRegion(t *testing.T) {
	tests := []struct{ region, want string }{
		{"eu-west-1", "arn:aws:organizations::111122223333:account/o-*/*"},
		{"cn-north-1", "arn:aws-cn:organizations::111122223333:account/o-*/*"},
		{"us-gov-west-1", "arn:aws-us-gov:organizations::111122223333:account/o-*/*"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			a := arns{cfg: config.Config{HomeRegion: tt.region, ManagementAccountID: "111122223333"}}
			assert.Equal(t, tt.want, a.orgAccounts())
		})
	}
}
