package eventbridge_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	evsim "github.com/towervend/towervend/internal/awssim/eventbridge"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

const lifecyclePattern = `{"source":["aws.controltower"],"detail-type":["AWS Service Event via CloudTrail"],"detail":{"eventName":["CreateManagedAccount","UpdateManagedAccount"]}}`

func TestEventsRuleDeliversMatchingEventsToFunction(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(testConfig(s))
	var got []json.RawMessage
	s.RegisterFunction("arn:aws:lambda:eu-west-1:111122223333:function:lifecycle", func(_ context.Context, p []byte) ([]byte, error) {
		got = append(got, p)
		return nil, nil
	})
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("lifecycle"), EventPattern: aws.String(lifecyclePattern)})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("lifecycle"),
		Targets: []types.Target{{Id: aws.String("fn"), Arn: aws.String("arn:aws:lambda:eu-west-1:111122223333:function:lifecycle")}}})
	require.NoError(t, err)

	s.PublishEvent(protocol.Event{Source: "aws.controltower", DetailType: "AWS Service Event via CloudTrail", Detail: map[string]any{"eventName": "CreateManagedAccount"}})
	s.PublishEvent(protocol.Event{Source: "aws.controltower", DetailType: "AWS Service Event via CloudTrail", Detail: map[string]any{"eventName": "EnableGuardrail"}})
	s.PublishEvent(protocol.Event{Source: "aws.controltower", DetailType: "AWS API Call via CloudTrail", Detail: map[string]any{"eventName": "CreateManagedAccount"}})
	clk.Advance(time.Second)

	require.Len(t, got, 1, "only the completed CreateManagedAccount matches")
	var ev struct {
		Source string         `json:"source"`
		Detail map[string]any `json:"detail"`
		Region string         `json:"region"`
	}
	require.NoError(t, json.Unmarshal(got[0], &ev))
	assert.Equal(t, "aws.controltower", ev.Source)
	assert.Equal(t, "eu-west-1", ev.Region)
	assert.Len(t, s.BusEvents("default"), 3, "every event is logged on its bus")
}

func TestEventsPatternMatching(t *testing.T) {
	s, _ := newTestSim(t, nil)
	eb := eventbridge.NewFromConfig(testConfig(s))
	event := `{"source":"towervend","detail-type":"Account Request State Change","detail":{"state":"failed","requestId":"CHG0042","account":{"id":"123456789012"}}}`
	tests := []struct {
		name, pattern string
		want          bool
	}{
		{"exact", `{"source":["towervend"]}`, true},
		{"exact mismatch", `{"source":["aws.organizations"]}`, false},
		{"prefix", `{"detail":{"requestId":[{"prefix":"CHG"}]}}`, true},
		{"anything-but", `{"detail":{"state":[{"anything-but":["succeeded","accepted"]}]}}`, true},
		{"anything-but excludes", `{"detail":{"state":[{"anything-but":["failed"]}]}}`, false},
		{"exists", `{"detail":{"requestId":[{"exists":true}]}}`, true},
		{"not exists", `{"detail":{"reason":[{"exists":false}]}}`, true},
		{"nested", `{"detail":{"account":{"id":["123456789012"]}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := eb.TestEventPattern(context.Background(), &eventbridge.TestEventPatternInput{EventPattern: aws.String(tt.pattern), Event: aws.String(event)})
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Result)
		})
	}
}

func TestEventsPutEventsOnCustomBus(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(testConfig(s))
	_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("towervend")})
	require.NoError(t, err)
	out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{
		{Source: aws.String("towervend"), DetailType: aws.String("Account Request State Change"), Detail: aws.String(`{"state":"accepted"}`), EventBusName: aws.String("towervend")},
		{Source: aws.String("towervend"), DetailType: aws.String("x"), Detail: aws.String(`not json`), EventBusName: aws.String("towervend")},
		{Source: aws.String("aws.controltower"), DetailType: aws.String("x"), Detail: aws.String(`{}`), EventBusName: aws.String("towervend")},
		{Source: aws.String("towervend"), DetailType: aws.String("x"), Detail: aws.String(`{}`), EventBusName: aws.String("missing")},
	}})
	require.NoError(t, err)
	assert.Equal(t, int32(3), out.FailedEntryCount)
	assert.NotEmpty(t, aws.ToString(out.Entries[0].EventId))
	assert.Equal(t, "MalformedDetail", aws.ToString(out.Entries[1].ErrorCode))
	assert.Equal(t, "NotAuthorizedForSourceException", aws.ToString(out.Entries[2].ErrorCode))
	assert.Equal(t, "ResourceNotFoundException", aws.ToString(out.Entries[3].ErrorCode))
	assert.Len(t, s.BusEvents("towervend"), 1)
}

func TestEventsErrorsAreTyped(t *testing.T) {
	s, _ := newTestSim(t, nil)
	eb := eventbridge.NewFromConfig(testConfig(s))
	_, err := eb.PutRule(context.Background(), &eventbridge.PutRuleInput{Name: aws.String("bad"), EventPattern: aws.String(`{"source":"not-an-array"}`)})
	var invalid *types.InvalidEventPatternException
	assert.True(t, errors.As(err, &invalid), "got %v", err)
	_, err = eb.DescribeRule(context.Background(), &eventbridge.DescribeRuleInput{Name: aws.String("nope")})
	var notFound *types.ResourceNotFoundException
	assert.True(t, errors.As(err, &notFound), "got %v", err)
}

func TestEventsFailingTargetIsRetriedThenRecorded(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(testConfig(s))
	calls := 0
	s.RegisterFunction("arn:fn", func(context.Context, []byte) ([]byte, error) { calls++; return nil, errors.New("boom") })
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["towervend"]}`)})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{{Id: aws.String("t"), Arn: aws.String("arn:fn")}}})
	require.NoError(t, err)
	_, err = eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String("towervend"), DetailType: aws.String("x"), Detail: aws.String(`{}`)}}})
	require.NoError(t, err)
	clk.Advance(2 * time.Hour)
	assert.Equal(t, evsim.DeliveryAttempts, calls)
	require.Len(t, s.FailedDeliveries(), 1)
	assert.Equal(t, "boom", s.FailedDeliveries()[0].Error)
}

func TestEventsThrottlingIsRetriedBySDK(t *testing.T) {
	s, _ := newTestSim(t, nil)
	s.SetFaults(awssim.Faults{Throttle: map[string]float64{"events": 0.5}})
	eb := eventbridge.NewFromConfig(withRetries(s.Config(), 20))
	for range 10 {
		_, err := eb.ListEventBuses(context.Background(), &eventbridge.ListEventBusesInput{})
		require.NoError(t, err)
	}
	assert.Greater(t, s.Calls()["events"]["ListEventBuses"], 10, "some calls were throttled and retried")
}
