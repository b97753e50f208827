package vend_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/vend"
)

// The stack configures every function through TOWERVEND_* variables; what is
// left out gets Control Tower's defaults, and a concurrency outside Control
// Tower's quota is refused with the range.
func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    func(t *testing.T, c vend.Config)
		wantErr string
	}{
		{
			name: "defaults",
			env:  map[string]string{},
			want: func(t *testing.T, c vend.Config) {
				assert.Equal(t, 5, c.ConcurrencyLimit)
				assert.Equal(t, "AWS Control Tower Account Factory", c.ProductName)
				assert.Equal(t, "towervend", c.NotificationBus)
				assert.Equal(t, 120*time.Minute, c.WaitBudget)
			},
		},
		{
			name: "set",
			env: map[string]string{vend.EnvConcurrency: "10", vend.EnvNotificationBus: "tickets", vend.EnvRegion: "eu-west-1",
				vend.EnvStateMachineArn: "arn:aws:states:eu-west-1:111122223333:stateMachine:towervend", vend.EnvRejectedQueueURL: "https://sqs/x"},
			want: func(t *testing.T, c vend.Config) {
				assert.Equal(t, 10, c.ConcurrencyLimit)
				assert.Equal(t, "tickets", c.NotificationBus)
				assert.Equal(t, "eu-west-1", c.Region)
				assert.Equal(t, "arn:aws:states:eu-west-1:111122223333:stateMachine:towervend", c.StateMachineArn)
				assert.Equal(t, "https://sqs/x", c.RejectedQueueURL)
			},
		},
		{name: "concurrency above the quota", env: map[string]string{vend.EnvConcurrency: "11"}, wantErr: "want a number from 1 to 10"},
		{name: "concurrency not a number", env: map[string]string{vend.EnvConcurrency: "five"}, wantErr: vend.EnvConcurrency + `="five"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := vend.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.want(t, c)
		})
	}
}

// A role that is not a principal of the Account Factory portfolio cannot
// provision; the error says what to associate.
func TestProvisionWithoutPortfolioAccessSaysWhatToFix(t *testing.T) {
	f := newFixture(t, setup{})
	auditor := vend.NewDeps(f.sim.ConfigAs("AKIAAUDITOR000000001"), f.deps.Policy, f.deps.Config, f.clk, slog.New(slog.DiscardHandler),
		vend.ClientOptions{Backoff: vend.ClockBackoff{Clock: f.clk}})
	doc := f.mustStep("Validate", auditor.Validate, &vend.Doc{Request: sampleRequest(t, "01-create")})
	_, err := f.step(auditor.Provision, doc)
	se := stepError(t, err)
	assert.Equal(t, vend.ErrFailed, se.Name)
	assert.False(t, se.Transient())
	assert.Contains(t, se.Reason, "associate the towervend provisioning role with the Account Factory portfolio")
	assert.Zero(t, f.calls("servicecatalog", "ProvisionProduct"))
}

// An account moved by hand while its request ran is put back into the
// planned OU by the moveou step, which says so.
func TestPlaceAccountCorrectsAnAccountMovedByHand(t *testing.T) {
	f := newFixture(t, setup{})
	doc := f.workflow(sampleRequest(t, "01-create"))
	org := organizations.NewFromConfig(f.cfg)
	f.must(func(ctx context.Context) error {
		_, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(doc.AccountID),
			SourceParentId: aws.String("ou-nw7k-wklnonp1"), DestinationParentId: aws.String("ou-nw7k-sbx00001")})
		return err
	})
	require.Equal(t, "Sandbox", f.ouPath(doc.AccountID))

	doc = f.mustStep("MoveOU", f.deps.MoveOU, doc)
	assert.Equal(t, "Workloads/NonProd", f.ouPath(doc.AccountID))
	assert.Contains(t, doc.Notes, "moved the account from ou-nw7k-sbx00001 to Workloads/NonProd")

	again := f.mustStep("MoveOU", f.deps.MoveOU, doc)
	assert.Equal(t, doc.Notes, again.Notes, "an account in place is left alone")
}
