package eventbridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/wiretest"
)

// EventBridge answers as AWS does on the wire: a list it always returns is
// [] when empty, never null, and a member a resource lacks is left out.
func TestEventsEmptyListsAreEmptyArrays(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	cfg, wire := wiretest.Record(testConfig(s))
	eb := eventbridge.NewFromConfig(cfg)
	_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("quiet")})
	require.NoError(t, err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("lonely"), EventPattern: aws.String(`{"source":["towervend"]}`)})
	require.NoError(t, err)

	tests := []struct {
		op, member string
		call       func() error
	}{
		{"ListTargetsByRule", "Targets", func() error {
			_, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("lonely")})
			return err
		}},
		{"ListRules", "Rules", func() error {
			_, err := eb.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String("quiet")})
			return err
		}},
		{"ListEventBuses", "EventBuses", func() error {
			_, err := eb.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{NamePrefix: aws.String("nothing-")})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			require.NoError(t, tt.call())
			got := wire.Answer(t, tt.op)
			assert.Equal(t, []any{}, got[tt.member], "%s: %s is an empty array", tt.op, tt.member)
			assert.NotContains(t, got, "NextToken", "the only page has no NextToken")
		})
	}
}

// DescribeRule says which account created the rule: for a rule the caller
// put on its own account's bus, that account.
func TestEventsDescribeRuleSaysWhoCreatedIt(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(testConfig(s))
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["towervend"]}`)})
	require.NoError(t, err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["towervend"]}`), State: types.RuleStateDisabled})
	require.NoError(t, err, "putting it again updates it")

	rule, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r")})
	require.NoError(t, err)
	assert.Equal(t, s.ManagementAccountID(), aws.ToString(rule.CreatedBy))
	assert.Equal(t, types.RuleStateDisabled, rule.State)
}

// DescribeEventBus and ListEventBuses carry when a bus was created and last
// modified, as epoch seconds; Description, KmsKeyIdentifier and
// DeadLetterConfig only when set.
func TestEventsBusTimesAndConfiguration(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	cfg, wire := wiretest.Record(testConfig(s))
	eb := eventbridge.NewFromConfig(cfg)
	start := s.World().Start

	def, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{})
	require.NoError(t, err)
	assert.True(t, start.Equal(aws.ToTime(def.CreationTime)), "the default bus was there when the world started: %v", def.CreationTime)
	assert.True(t, start.Equal(aws.ToTime(def.LastModifiedTime)), "and has not changed since: %v", def.LastModifiedTime)
	raw := wire.Answer(t, "DescribeEventBus")
	assert.IsType(t, float64(0), raw["CreationTime"], "a timestamp is a JSON number")
	assert.IsType(t, float64(0), raw["LastModifiedTime"])
	for _, member := range []string{"Description", "KmsKeyIdentifier", "DeadLetterConfig", "Policy"} {
		assert.NotContains(t, raw, member, "the default bus has no %s", member)
	}

	clk.Advance(time.Hour)
	created := clk.Now()
	_, err = eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("towervend")})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"EventBusArn": "arn:aws:events:eu-west-1:111122223333:event-bus/towervend"}, wire.Answer(t, "CreateEventBus"),
		"nothing but the ARN for a bus with no configuration")

	clk.Advance(time.Hour)
	modified := clk.Now()
	dlq := "arn:aws:sqs:eu-west-1:111122223333:towervend-bus-dlq"
	_, err = eb.UpdateEventBus(ctx, &eventbridge.UpdateEventBusInput{Name: aws.String("towervend"), Description: aws.String("vending events"),
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(dlq)}})
	require.NoError(t, err)

	bus, err := eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("towervend")})
	require.NoError(t, err)
	assert.True(t, created.Equal(aws.ToTime(bus.CreationTime)), "created %v", bus.CreationTime)
	assert.True(t, modified.Equal(aws.ToTime(bus.LastModifiedTime)), "modified %v", bus.LastModifiedTime)
	assert.Equal(t, "vending events", aws.ToString(bus.Description))
	require.NotNil(t, bus.DeadLetterConfig)
	assert.Equal(t, dlq, aws.ToString(bus.DeadLetterConfig.Arn))
	assert.NotContains(t, wire.Answer(t, "DescribeEventBus"), "KmsKeyIdentifier", "no customer managed key was set")

	list, err := eb.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{NamePrefix: aws.String("towervend")})
	require.NoError(t, err)
	require.Len(t, list.EventBuses, 1)
	assert.Equal(t, "vending events", aws.ToString(list.EventBuses[0].Description))
	assert.True(t, modified.Equal(aws.ToTime(list.EventBuses[0].LastModifiedTime)))
}
