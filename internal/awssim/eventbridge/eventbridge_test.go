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
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
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

// putTestRule makes rule r on the default bus send towervend's events to target.
func putTestRule(t *testing.T, eb *eventbridge.Client, target types.Target) {
	t.Helper()
	ctx := context.Background()
	_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["towervend"]}`)})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []types.Target{target}})
	require.NoError(t, err)
	_, err = eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []types.PutEventsRequestEntry{{Source: aws.String("towervend"), DetailType: aws.String("x"), Detail: aws.String(`{"n":1}`)}}})
	require.NoError(t, err)
}

func newTestQueue(t *testing.T, s *awssim.Sim, name string) (url, arn string) {
	t.Helper()
	q := sqs.NewFromConfig(testConfig(s))
	out, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	require.NoError(t, err)
	attrs, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	require.NoError(t, err)
	return aws.ToString(out.QueueUrl), attrs.Attributes["QueueArn"]
}

func receiveAll(t *testing.T, s *awssim.Sim, url string) []string {
	t.Helper()
	out, err := sqs.NewFromConfig(testConfig(s)).ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	require.NoError(t, err)
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
	}
	return bodies
}

// EventBridge invokes a Lambda target asynchronously: Lambda runs a failing
// function three times in all (then one and two minutes later) and, with no
// destination, drops the event — the simulator keeps it in DroppedEvents.
func TestEventsFailingFunctionIsRetriedByLambdaThenDropped(t *testing.T) {
	s, clk := newTestSim(t, nil)
	var at []time.Time
	s.RegisterFunction("arn:fn", func(context.Context, []byte) ([]byte, error) {
		at = append(at, clk.Now())
		return nil, errors.New("boom")
	})
	putTestRule(t, eventbridge.NewFromConfig(testConfig(s)), types.Target{Id: aws.String("t"), Arn: aws.String("arn:fn")})
	clk.Advance(2 * time.Hour)
	require.Len(t, at, 3)
	assert.Equal(t, time.Minute, at[1].Sub(at[0]))
	assert.Equal(t, 2*time.Minute, at[2].Sub(at[1]))
	assert.Empty(t, s.FailedDeliveries(), "EventBridge delivered the event: Lambda accepted it")
	require.Len(t, s.DroppedEvents(), 1)
	assert.Equal(t, "boom", s.DroppedEvents()[0].Error)
}

// With an on-failure destination the invocation record goes to the queue, in
// Lambda's documented shape.
func TestEventsFailingFunctionGoesToItsOnFailureDestination(t *testing.T) {
	s, clk := newTestSim(t, nil)
	url, arn := newTestQueue(t, s, "lost")
	calls := 0
	s.RegisterFunction("arn:fn", func(context.Context, []byte) ([]byte, error) { calls++; return nil, errors.New("boom") })
	require.NoError(t, s.ConfigureFunction("arn:fn", awssim.AsyncConfig{MaximumRetryAttempts: 1, OnFailure: arn}))
	putTestRule(t, eventbridge.NewFromConfig(testConfig(s)), types.Target{Id: aws.String("t"), Arn: aws.String("arn:fn")})
	clk.Advance(2 * time.Hour)
	assert.Equal(t, 2, calls, "MaximumRetryAttempts 1: two attempts")
	assert.Empty(t, s.DroppedEvents())
	bodies := receiveAll(t, s, url)
	require.Len(t, bodies, 1)
	var rec struct {
		Version        string
		RequestContext struct {
			FunctionArn            string `json:"functionArn"`
			Condition              string `json:"condition"`
			ApproximateInvokeCount int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		RequestPayload  map[string]any `json:"requestPayload"`
		ResponsePayload struct {
			ErrorMessage string `json:"errorMessage"`
		} `json:"responsePayload"`
	}
	require.NoError(t, json.Unmarshal([]byte(bodies[0]), &rec))
	assert.Equal(t, "1.0", rec.Version)
	assert.Equal(t, "arn:fn:$LATEST", rec.RequestContext.FunctionArn)
	assert.Equal(t, "RetriesExhausted", rec.RequestContext.Condition)
	assert.Equal(t, 2, rec.RequestContext.ApproximateInvokeCount)
	assert.Equal(t, "towervend", rec.RequestPayload["source"], "the record carries the event")
	assert.Equal(t, "boom", rec.ResponsePayload.ErrorMessage)
}

// A target Lambda does not accept (no such function) is retried by
// EventBridge, then the event goes to the target's dead-letter queue, or is
// recorded as a failed delivery when there is none.
func TestEventsUndeliverableEventGoesToTheTargetsDeadLetterQueue(t *testing.T) {
	s, clk := newTestSim(t, nil)
	url, arn := newTestQueue(t, s, "dlq")
	putTestRule(t, eventbridge.NewFromConfig(testConfig(s)), types.Target{Id: aws.String("t"), Arn: aws.String("arn:missing"),
		DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String(arn)}})
	clk.Advance(2 * time.Hour)
	assert.Empty(t, s.FailedDeliveries())
	bodies := receiveAll(t, s, url)
	require.Len(t, bodies, 1)
	assert.Contains(t, bodies[0], `"source":"towervend"`)

	s2, clk2 := newTestSim(t, nil)
	putTestRule(t, eventbridge.NewFromConfig(testConfig(s2)), types.Target{Id: aws.String("t"), Arn: aws.String("arn:missing")})
	clk2.Advance(2 * time.Hour)
	require.Len(t, s2.FailedDeliveries(), 1)
	assert.Contains(t, s2.FailedDeliveries()[0].Error, "function not found")
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

// A scheduled rule sends its targets a Scheduled Event every interval, as
// EventBridge does for rate() expressions; a disabled one sends nothing.
func TestEventsScheduledRule(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(testConfig(s))
	const fn = "arn:aws:lambda:eu-west-1:111122223333:function:sweep"
	var got []json.RawMessage
	s.RegisterFunction(fn, func(_ context.Context, p []byte) ([]byte, error) {
		got = append(got, p)
		return nil, nil
	})
	rule, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("sweep"), ScheduleExpression: aws.String("rate(1 hour)")})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("sweep"), Targets: []types.Target{{Id: aws.String("fn"), Arn: aws.String(fn)}}})
	require.NoError(t, err)
	desc, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("sweep")})
	require.NoError(t, err)
	assert.Equal(t, "rate(1 hour)", aws.ToString(desc.ScheduleExpression))

	clk.Advance(59 * time.Minute)
	assert.Empty(t, got, "the first run is one interval after the rule is made")
	clk.Advance(time.Minute + time.Second) // the delivery runs just after
	require.Len(t, got, 1)
	var ev struct {
		Source     string         `json:"source"`
		DetailType string         `json:"detail-type"`
		Resources  []string       `json:"resources"`
		Detail     map[string]any `json:"detail"`
	}
	require.NoError(t, json.Unmarshal(got[0], &ev))
	assert.Equal(t, "aws.events", ev.Source)
	assert.Equal(t, "Scheduled Event", ev.DetailType)
	assert.Equal(t, []string{aws.ToString(rule.RuleArn)}, ev.Resources)
	assert.Empty(t, ev.Detail)
	clk.Advance(2 * time.Hour)
	assert.Len(t, got, 3, "every hour")

	_, err = eb.DisableRule(ctx, &eventbridge.DisableRuleInput{Name: aws.String("sweep")})
	require.NoError(t, err)
	clk.Advance(2 * time.Hour)
	assert.Len(t, got, 3, "a disabled rule does not run")

	for _, bad := range []string{"cron(0 * * * ? *)", "rate(1 hours)", "rate(5 minute)", "rate(0 minutes)"} {
		_, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("bad"), ScheduleExpression: aws.String(bad)})
		assert.Error(t, err, bad)
	}
	_, err = eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("custom")})
	require.NoError(t, err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("sweep"), EventBusName: aws.String("custom"), ScheduleExpression: aws.String("rate(1 hour)")})
	assert.Error(t, err, "schedules run on the default bus only")
}
