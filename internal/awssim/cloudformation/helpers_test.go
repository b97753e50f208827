package cloudformation_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/wiretest"
	"github.com/towervend/towervend/internal/clock"
)

const (
	mgmt       = "111122223333"
	region     = "eu-west-1" // world/default.json's home Region
	vendingKey = "AKIATOWERVEND0000001"
)

// newTestSim builds the default world (changed by edit, if given) on a held
// Virtual clock: time moves only when the test calls clk.Advance.
func newTestSim(t *testing.T, edit func(*awssim.World)) (*awssim.Sim, *clock.Virtual) {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	if edit != nil {
		edit(w)
	}
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	return s, clk
}

type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// cfnFor is a CloudFormation client over cfg, without retries.
func cfnFor(cfg aws.Config) *cloudformation.Client {
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 1
			o.Backoff = noDelay{}
			o.RateLimiter = ratelimit.None
		})
	}
	return cloudformation.NewFromConfig(cfg)
}

// cfnAs is a CloudFormation client signing with key in the home Region.
func cfnAs(s *awssim.Sim, key string) *cloudformation.Client { return cfnFor(s.ConfigAs(key)) }

// apiError is err's AWS error code and message, or fails the test.
func apiError(t *testing.T, err error) (code, message string) {
	t.Helper()
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "want an AWS error, got %v", err)
	return ae.ErrorCode(), ae.ErrorMessage()
}

// towervendStack is a deployment as the local runtime records it, in small.
func towervendStack() awssim.StackSpec {
	return awssim.StackSpec{Name: "TowerVend", Description: "towervend: event-driven AWS Control Tower account vending",
		Outputs: map[string]string{
			"RequestQueueUrl":     awssim.Endpoint + "/" + mgmt + "/towervend-requests",
			"StateMachineArn":     "arn:aws:states:" + region + ":" + mgmt + ":stateMachine:towervend-vending",
			"NotificationBusName": "towervend",
		},
		Resources: []awssim.StackResource{
			{LogicalID: "RequestsQueue", PhysicalID: awssim.Endpoint + "/" + mgmt + "/towervend-requests", Type: "AWS::SQS::Queue"},
			{LogicalID: "Workflow", PhysicalID: "arn:aws:states:" + region + ":" + mgmt + ":stateMachine:towervend-vending", Type: "AWS::StepFunctions::StateMachine"},
		},
		Tags: map[string]string{"app": "towervend"}, TerminationProtection: true}
}

// rawQuery posts a Query-protocol form signed for CloudFormation with key,
// as any AWS client would, and returns the answer.
func rawQuery(t *testing.T, s *awssim.Sim, key string, form url.Values) *http.Response {
	t.Helper()
	return wiretest.Query(t, s, "cloudformation", region, key, form)
}
