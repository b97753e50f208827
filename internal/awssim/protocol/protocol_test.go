package protocol_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/protocol"
	"github.com/towervend/towervend/internal/clock"
)

func TestOpDecodesOnceWithOneError(t *testing.T) {
	type in struct {
		Name string
		Max  int
	}
	var got in
	h := protocol.Op(func(c *protocol.Call, v in) (any, *protocol.APIError) {
		got = v
		return map[string]string{"ok": v.Name}, nil
	})
	out, aerr := h(&protocol.Call{}, []byte(`{"Name":"a","Max":3}`))
	require.Nil(t, aerr)
	assert.Equal(t, in{Name: "a", Max: 3}, got)
	assert.Equal(t, map[string]string{"ok": "a"}, out)

	_, aerr = h(&protocol.Call{}, nil)
	require.Nil(t, aerr, "an empty body is the zero input")
	assert.Equal(t, in{}, got)

	_, aerr = h(&protocol.Call{}, []byte(`{"Max":"three"}`))
	require.NotNil(t, aerr)
	assert.Equal(t, "SerializationException", aerr.Code)
	assert.Equal(t, http.StatusBadRequest, aerr.Status)
	assert.True(t, strings.HasPrefix(aerr.Message, "Could not parse the request body: "), aerr.Message)
}

func TestPageOf(t *testing.T) {
	items := []int{1, 2, 3, 4, 5}
	page, next, ok := protocol.PageOf(items, "", 2, 20)
	require.True(t, ok)
	assert.Equal(t, []int{1, 2}, page)
	page, next, ok = protocol.PageOf(items, next, 2, 20)
	require.True(t, ok)
	assert.Equal(t, []int{3, 4}, page)
	page, next, ok = protocol.PageOf(items, next, 2, 20)
	require.True(t, ok)
	assert.Equal(t, []int{5}, page)
	assert.Empty(t, next, "the last page has no token")
	for _, bad := range []string{"x", "-1", "6"} {
		_, _, ok = protocol.PageOf(items, bad, 2, 20)
		assert.False(t, ok, bad)
	}
	page, _, _ = protocol.PageOf(items, "", 0, 3)
	assert.Len(t, page, 3, "no MaxResults: the service's default")
}

func TestEpochRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 24, 9, 0, 0, 250_000_000, time.UTC)
	b, err := json.Marshal(protocol.Epoch(at))
	require.NoError(t, err)
	assert.Equal(t, "1795510800.250", string(b))
	var e protocol.Epoch
	require.NoError(t, json.Unmarshal(b, &e))
	assert.True(t, at.Equal(e.Time()))
	require.NoError(t, json.Unmarshal([]byte(`"2026-11-24T09:00:00Z"`), &e), "a string timestamp is accepted too")
	assert.True(t, at.Truncate(time.Second).Equal(e.Time()))
}

func TestFaultsInject(t *testing.T) {
	env := protocol.NewEnv(clock.NewVirtual(time.Unix(0, 0), 0), "eu-west-1", time.Unix(0, 0), 7, protocol.Faults{})
	throttle := &protocol.APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400}
	f := protocol.Faults{Throttle: map[string]float64{"sqs": 1}, ServerErrors: map[string]float64{"states": 1}}
	aerr := f.Inject(env.Rand(), "sqs", throttle)
	require.NotNil(t, aerr)
	assert.Equal(t, "ThrottlingException", aerr.Code)
	assert.NotSame(t, throttle, aerr, "each throttled call gets its own error")
	aerr = f.Inject(env.Rand(), "states", throttle)
	require.NotNil(t, aerr)
	assert.Equal(t, 500, aerr.Status)
	assert.Nil(t, f.Inject(env.Rand(), "organizations", throttle))
}

func TestEnvIDsRepeatForASeed(t *testing.T) {
	ids := func() []string {
		env := protocol.NewEnv(clock.NewVirtual(time.Unix(0, 0), 0), "eu-west-1", time.Unix(0, 0), 42, protocol.Faults{})
		return []string{env.UUID(), env.RandString(12, protocol.Digits), env.UUID()}
	}
	a, b := ids(), ids()
	assert.Equal(t, a, b)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`, a[0])
}

func TestEnvIDOrDrawsOnlyForAnEmptyID(t *testing.T) {
	env := protocol.NewEnv(clock.NewVirtual(time.Unix(0, 0), 0), "eu-west-1", time.Unix(0, 0), 42, protocol.Faults{})
	fresh := protocol.NewEnv(clock.NewVirtual(time.Unix(0, 0), 0), "eu-west-1", time.Unix(0, 0), 42, protocol.Faults{})

	assert.Equal(t, "o-given", env.IDOr("o-given", "o-", 10, protocol.LowerAlnum))
	drawn := env.IDOr("", "o-", 10, protocol.LowerAlnum)
	assert.Regexp(t, `^o-[a-z0-9]{10}$`, drawn)
	assert.Equal(t, "o-"+fresh.RandString(10, protocol.LowerAlnum), drawn, "a given id draws nothing from the rand")
}

func TestWriteJSONErrorCarriesTheQueryCode(t *testing.T) {
	rec := httptest.NewRecorder()
	protocol.WriteJSONError(rec, "application/x-amz-json-1.0", &protocol.APIError{Code: "QueueDoesNotExist", Message: "gone",
		QueryCode: "AWS.SimpleQueueService.NonExistentQueue", Fields: map[string]any{"Extra": 1}})
	assert.Equal(t, 400, rec.Code)
	assert.Equal(t, "AWS.SimpleQueueService.NonExistentQueue;Sender", rec.Header().Get("X-Amzn-Query-Error"))
	var body map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, map[string]any{"__type": "QueueDoesNotExist", "message": "gone", "Extra": 1.0}, body)

	rec = httptest.NewRecorder()
	protocol.WriteJSONError(rec, "application/x-amz-json-1.0", &protocol.APIError{Code: "TransactionCanceledException", Message: "cancelled",
		Fields: map[string]any{"Message": "cancelled"}})
	body = nil
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	assert.Equal(t, map[string]any{"__type": "TransactionCanceledException", "Message": "cancelled"}, body,
		"a shape whose member is Message gets no second, lower-case message")
}

func TestBeforeRunsAheadOfEveryOperation(t *testing.T) {
	var calls []string
	ops := protocol.Before(map[string]protocol.Handler{
		"A": func(c *protocol.Call, body []byte) (any, *protocol.APIError) {
			calls = append(calls, "A")
			return "a", nil
		},
		"B": func(c *protocol.Call, body []byte) (any, *protocol.APIError) {
			calls = append(calls, "B")
			return "b", nil
		},
	}, func(c *protocol.Call) *protocol.APIError {
		calls = append(calls, "first")
		if c.RequestID == "refused" {
			return protocol.Err("ThrottlingException", "Rate exceeded")
		}
		return nil
	})

	out, aerr := ops["A"](&protocol.Call{}, nil)
	require.Nil(t, aerr)
	assert.Equal(t, "a", out)
	out, aerr = ops["B"](&protocol.Call{RequestID: "refused"}, nil)
	require.NotNil(t, aerr)
	assert.Nil(t, out)
	assert.Equal(t, "ThrottlingException", aerr.Code, "first's error answers the call")
	assert.Equal(t, []string{"first", "A", "first"}, calls, "B never ran")
}

func TestPublishCloudTrailLeavesOutWhatARecordLacks(t *testing.T) {
	env := protocol.NewEnv(clock.NewVirtual(time.Unix(0, 0), 0), "eu-west-1", time.Unix(0, 0), 42, protocol.Faults{})
	var got []protocol.Event
	env.SetPublisher(func(ev protocol.Event) { got = append(got, ev) })
	at := time.Date(2026, 11, 24, 9, 3, 0, 0, time.FixedZone("CET", 3600))

	env.PublishCloudTrail("aws.controltower", at, protocol.CloudTrailRecord{EventVersion: "1.05",
		UserIdentity: protocol.CloudTrailIdentity{AccountID: "111122223333", InvokedBy: "AWS Internal"},
		EventName:    "CreateManagedAccount", EventType: "AwsServiceEvent", ServiceEventDetails: map[string]int{"n": 1}})
	env.PublishCloudTrail("aws.organizations", at, protocol.CloudTrailRecord{EventVersion: "1.08",
		UserIdentity: protocol.CloudTrailIdentity{Type: "Root", AccountID: "444455556666"},
		EventName:    "AcceptHandshake", EventType: "AwsApiCall",
		RequestParameters: json.RawMessage("null"), RequestID: "r-1", ManagementEvent: true})

	require.Len(t, got, 2)
	assert.Equal(t, "AWS Service Event via CloudTrail", got[0].DetailType)
	assert.Equal(t, "AWS API Call via CloudTrail", got[1].DetailType)
	service, err := json.Marshal(got[0].Detail)
	require.NoError(t, err)
	assert.Regexp(t, `^\{"eventVersion":"1.05","userIdentity":\{"accountId":"111122223333","invokedBy":"AWS Internal"\},`+
		`"eventTime":"2026-11-24T08:03:00Z","eventSource":"","eventName":"CreateManagedAccount","awsRegion":"","sourceIPAddress":"","userAgent":"",`+
		`"eventID":"[0-9a-f-]{36}","readOnly":false,"eventType":"AwsServiceEvent","serviceEventDetails":\{"n":1\}\}$`, string(service))
	call, err := json.Marshal(got[1].Detail)
	require.NoError(t, err)
	assert.Regexp(t, `^\{"eventVersion":"1.08","userIdentity":\{"type":"Root","accountId":"444455556666"\},.*`+
		`"userAgent":"","requestParameters":null,"requestID":"r-1","eventID":"[0-9a-f-]{36}","readOnly":false,"eventType":"AwsApiCall","managementEvent":true\}$`, string(call))
}
