package eventbridge_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Each Region has its own buses: a client signed for us-east-1 sees and
// changes us-east-1's, and Organizations' events are put there, not in the
// home Region (eu-west-1), until a rule whose target is the home Region's
// default bus forwards them, unchanged.
func TestEventsBusesArePerRegion(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	homeCfg := testConfig(s)
	eastCfg := testConfig(s)
	eastCfg.Region = awssim.OrganizationsRegion
	home, east := eventbridge.NewFromConfig(homeCfg), eventbridge.NewFromConfig(eastCfg)

	bus, err := east.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:events:us-east-1:111122223333:event-bus/default", aws.ToString(bus.Arn))

	var got []json.RawMessage
	fn := "arn:aws:lambda:eu-west-1:111122223333:function:lifecycle"
	s.RegisterFunction(fn, func(_ context.Context, p []byte) ([]byte, error) {
		got = append(got, p)
		return nil, nil
	})
	pattern := aws.String(`{"source":["aws.organizations"]}`)
	_, err = home.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("orgs"), EventPattern: pattern})
	require.NoError(t, err)
	_, err = home.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("orgs"), Targets: []types.Target{{Id: aws.String("fn"), Arn: aws.String(fn)}}})
	require.NoError(t, err)
	rules, err := east.ListRules(ctx, &eventbridge.ListRulesInput{})
	require.NoError(t, err)
	assert.Empty(t, rules.Rules, "the home Region's rule is not on us-east-1's bus")

	joined := protocol.Event{Source: "aws.organizations", DetailType: "AWS Service Event via CloudTrail", Detail: map[string]any{"eventName": "AccountJoinedOrganization"}}
	s.PublishEvent(joined)
	clk.Advance(time.Second)
	assert.Empty(t, got, "nothing forwards us-east-1's events yet")
	require.Len(t, s.RegionBusEvents(awssim.OrganizationsRegion, "default"), 1)
	assert.Empty(t, s.BusEvents("default"))

	forward, err := east.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("forward"), EventPattern: pattern})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:events:us-east-1:111122223333:rule/forward", aws.ToString(forward.RuleArn))
	_, err = east.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("forward"),
		Targets: []types.Target{{Id: aws.String("home"), Arn: aws.String("arn:aws:events:eu-west-1:111122223333:event-bus/default")}}})
	require.NoError(t, err)
	s.PublishEvent(joined)
	clk.Advance(time.Second)

	require.Len(t, got, 1, "forwarded to the home Region's default bus, where the rule sends it on")
	east2 := s.RegionBusEvents(awssim.OrganizationsRegion, "default")
	require.Len(t, east2, 2)
	assert.JSONEq(t, string(east2[1]), string(got[0]), "the forwarded event is the one put in us-east-1")
	var ev struct{ Region string }
	require.NoError(t, json.Unmarshal(got[0], &ev))
	assert.Equal(t, "us-east-1", ev.Region)
	assert.Len(t, s.BusEvents("default"), 1)
}
