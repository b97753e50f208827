package sqs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	simsqs "github.com/towervend/towervend/internal/awssim/sqs"
)

func TestSQSAttributesMD5(t *testing.T) {
	// Digests moto and LocalStack pin as what AWS returns for these attributes.
	tests := []struct {
		name, value, want string
	}{
		{"timestamp", "1493147359900", "235c5c510d26fb653d073faed50ae77c"},
		{"timestamp", "1493147359901", "994258b45346a2cc3f9cbb611aa7af30"},
		{"SOME_Valid.attribute-Name", "1493147359900", "36655e7e9d7c0e8479fa3f3f42247ae7"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			got := simsqs.AttrsMD5(map[string]simsqs.QueueMessageAttribute{tt.name: {DataType: "Number", StringValue: aws.String(tt.value)}})
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Empty(t, simsqs.AttrsMD5(nil), "no attributes, no digest")
}

func TestSQSSendReceiveDelete(t *testing.T) {
	ctx := context.Background()
	s, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)

	sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(url),
		MessageBody: aws.String(`{"account":"sandbox-7","note":"<&>"}`),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"timestamp": {DataType: aws.String("Number"), StringValue: aws.String("1493147359900")},
		},
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793")},
		},
	})
	require.NoError(t, err, "the SDK checks MD5OfMessageBody")
	assert.Equal(t, "235c5c510d26fb653d073faed50ae77c", aws.ToString(sent.MD5OfMessageAttributes))
	assert.NotEmpty(t, aws.ToString(sent.MD5OfMessageSystemAttributes))
	sqsSendBodies(t, c, url, "second", "third")

	clk.Advance(2 * time.Second)
	msgs := sqsReceive(t, c, url, 2)
	require.Len(t, msgs, 2)
	assert.Equal(t, []string{`{"account":"sandbox-7","note":"<&>"}`, "second"}, sqsBodies(msgs), "send order")
	m := msgs[0]
	assert.Equal(t, aws.ToString(sent.MessageId), aws.ToString(m.MessageId))
	assert.Equal(t, "235c5c510d26fb653d073faed50ae77c", aws.ToString(m.MD5OfMessageAttributes))
	assert.Equal(t, "1493147359900", aws.ToString(m.MessageAttributes["timestamp"].StringValue))
	assert.Equal(t, "1", m.Attributes["ApproximateReceiveCount"])
	sentAt := clk.Now().Add(-2 * time.Second).UnixMilli()
	assert.Equal(t, strconv.FormatInt(sentAt, 10), m.Attributes["SentTimestamp"])
	assert.Equal(t, strconv.FormatInt(clk.Now().UnixMilli(), 10), m.Attributes["ApproximateFirstReceiveTimestamp"])
	assert.Equal(t, "Root=1-5759e988-bd862e3fe1be46a994272793", m.Attributes["AWSTraceHeader"])
	assert.Equal(t, vendingPrincipal(t, s).UserID, m.Attributes["SenderId"])

	attrs := sqsAttrs(t, c, url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
	assert.Equal(t, map[string]string{"ApproximateNumberOfMessages": "1", "ApproximateNumberOfMessagesNotVisible": "2"}, attrs)
	visible, inFlight := s.QueueDepth(url)
	assert.Equal(t, [2]int{1, 2}, [2]int{visible, inFlight})

	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
	require.NoError(t, err)
	visible, inFlight = s.QueueDepth(url)
	assert.Equal(t, [2]int{1, 1}, [2]int{visible, inFlight})

	t.Run("only the attributes asked for", func(t *testing.T) {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
		require.NoError(t, err)
		require.Len(t, out.Messages, 1)
		assert.Equal(t, "third", aws.ToString(out.Messages[0].Body))
		assert.Empty(t, out.Messages[0].Attributes)
		assert.Empty(t, out.Messages[0].MessageAttributes)
	})
	t.Run("nothing visible answers at once with no messages", func(t *testing.T) {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		require.NoError(t, err)
		assert.Empty(t, out.Messages)
	})
	t.Run("PurgeQueue once a minute", func(t *testing.T) {
		_, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
		require.NoError(t, err)
		visible, inFlight := s.QueueDepth(url)
		assert.Zero(t, visible+inFlight)
		_, err = c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
		var busy *types.PurgeQueueInProgress
		assert.ErrorAs(t, err, &busy)
	})
}

func TestSQSSendValidation(t *testing.T) {
	_, _, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", map[string]string{"MaximumMessageSize": "1024"})
	tests := []struct {
		name   string
		in     *sqs.SendMessageInput
		expect func(error) bool
	}{
		{"body too long", &sqs.SendMessageInput{MessageBody: aws.String(string(bytes.Repeat([]byte("x"), 1025)))}, isInvalidParameterValue},
		{"control character", &sqs.SendMessageInput{MessageBody: aws.String("bell\x07")},
			func(err error) bool { var e *types.InvalidMessageContents; return errors.As(err, &e) }},
		{"delay out of range", &sqs.SendMessageInput{MessageBody: aws.String("x"), DelaySeconds: 901}, isInvalidParameterValue},
		{"attribute without value", &sqs.SendMessageInput{MessageBody: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String")}}}, isInvalidParameterValue},
		{"reserved attribute name", &sqs.SendMessageInput{MessageBody: aws.String("x"),
			MessageAttributes: map[string]types.MessageAttributeValue{"AWS.x": {DataType: aws.String("String"), StringValue: aws.String("v")}}}, isInvalidParameterValue},
		{"dedup id on a standard queue", &sqs.SendMessageInput{MessageBody: aws.String("x"), MessageDeduplicationId: aws.String("d")}, isInvalidParameterValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.QueueUrl = aws.String(url)
			_, err := c.SendMessage(context.Background(), tt.in)
			require.Error(t, err)
			assert.True(t, tt.expect(err), "unexpected error %v", err)
		})
	}
}

func TestSQSVisibilityTimeout(t *testing.T) {
	ctx := context.Background()
	_, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", map[string]string{"VisibilityTimeout": "30"})
	sqsSendBodies(t, c, url, "job")

	first := sqsReceive(t, c, url, 1)
	require.Len(t, first, 1)
	clk.Advance(29 * time.Second)
	assert.Empty(t, sqsReceive(t, c, url, 1), "still in flight")
	clk.Advance(time.Second)
	second := sqsReceive(t, c, url, 1)
	require.Len(t, second, 1, "visible again once the timeout has passed")
	assert.Equal(t, "2", second[0].Attributes["ApproximateReceiveCount"])
	assert.Equal(t, first[0].Attributes["ApproximateFirstReceiveTimestamp"], second[0].Attributes["ApproximateFirstReceiveTimestamp"])
	assert.NotEqual(t, aws.ToString(first[0].ReceiptHandle), aws.ToString(second[0].ReceiptHandle))

	t.Run("a stale receipt handle does not delete", func(t *testing.T) {
		_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: first[0].ReceiptHandle})
		require.NoError(t, err, "SQS accepts the request")
		attrs := sqsAttrs(t, c, url, "ApproximateNumberOfMessagesNotVisible")
		assert.Equal(t, "1", attrs["ApproximateNumberOfMessagesNotVisible"], "the message is still there")
	})
	t.Run("the receive's own VisibilityTimeout wins", func(t *testing.T) {
		clk.Advance(30 * time.Second)
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 5})
		require.NoError(t, err)
		require.Len(t, out.Messages, 1)
		clk.Advance(5 * time.Second)
		assert.Len(t, sqsReceive(t, c, url, 1), 1)
	})
}

func TestSQSChangeMessageVisibility(t *testing.T) {
	ctx := context.Background()
	_, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)
	sqsSendBodies(t, c, url, "a", "b")
	msgs := sqsReceive(t, c, url, 2)
	require.Len(t, msgs, 2)

	_, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 300})
	require.NoError(t, err)
	clk.Advance(31 * time.Second)
	got := sqsReceive(t, c, url, 10)
	assert.Equal(t, []string{"b"}, sqsBodies(got), "a was extended, b came back")

	_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0})
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, sqsBodies(sqsReceive(t, c, url, 10)), "timeout 0 makes it visible at once")

	t.Run("errors", func(t *testing.T) {
		_, err := c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 10})
		var invalid *types.ReceiptHandleIsInvalid
		assert.ErrorAs(t, err, &invalid)

		_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: msgs[1].ReceiptHandle, VisibilityTimeout: 10})
		assert.True(t, isInvalidParameterValue(err), "b was received again since: %v", err)

		clk.Advance(31 * time.Second)
		_, err = c.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url), ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 10})
		var notInflight *types.MessageNotInflight
		assert.ErrorAs(t, err, &notInflight, "b's timeout ran out")
	})
	t.Run("batch with a partial failure", func(t *testing.T) {
		fresh := sqsReceive(t, c, url, 10)
		require.NotEmpty(t, fresh)
		out, err := c.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(url), Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
			{Id: aws.String("ok"), ReceiptHandle: fresh[0].ReceiptHandle, VisibilityTimeout: 600},
			{Id: aws.String("bad"), ReceiptHandle: aws.String("garbage"), VisibilityTimeout: 600},
		}})
		require.NoError(t, err)
		require.Len(t, out.Successful, 1)
		assert.Equal(t, "ok", aws.ToString(out.Successful[0].Id))
		require.Len(t, out.Failed, 1)
		assert.Equal(t, "bad", aws.ToString(out.Failed[0].Id))
		assert.Equal(t, "ReceiptHandleIsInvalid", aws.ToString(out.Failed[0].Code))
		assert.True(t, out.Failed[0].SenderFault)
	})
}

func TestSQSDelay(t *testing.T) {
	ctx := context.Background()
	_, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", map[string]string{"DelaySeconds": "10"})
	sqsSendBodies(t, c, url, "queue delay")
	_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("own delay"), DelaySeconds: 60})
	require.NoError(t, err)

	assert.Equal(t, "2", sqsAttrs(t, c, url, "ApproximateNumberOfMessagesDelayed")["ApproximateNumberOfMessagesDelayed"])
	assert.Empty(t, sqsReceive(t, c, url, 10))
	clk.Advance(10 * time.Second)
	got := sqsReceive(t, c, url, 10)
	require.Equal(t, []string{"queue delay"}, sqsBodies(got))
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: got[0].ReceiptHandle})
	require.NoError(t, err)
	clk.Advance(50 * time.Second)
	assert.Equal(t, []string{"own delay"}, sqsBodies(sqsReceive(t, c, url, 10)))
}

func TestSQSRetention(t *testing.T) {
	_, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "short", map[string]string{"MessageRetentionPeriod": "60"})
	sqsSendBodies(t, c, url, "old")
	clk.Advance(30 * time.Second)
	sqsSendBodies(t, c, url, "young")
	clk.Advance(30 * time.Second)
	assert.Equal(t, []string{"young"}, sqsBodies(sqsReceive(t, c, url, 10)), "old outlived the retention period")
}

// sqsRedrivePair makes a source queue whose messages go to a dead-letter queue
// after maxReceiveCount receives.

func TestSQSBatches(t *testing.T) {
	ctx := context.Background()
	_, _, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)
	entry := func(id, body string) types.SendMessageBatchRequestEntry {
		return types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(body)}
	}

	t.Run("partial failure", func(t *testing.T) {
		bad := entry("bad", "x")
		bad.MessageAttributes = map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("not a number")}}
		out, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.SendMessageBatchRequestEntry{
			entry("one", "first"), bad, entry("two", "second"),
		}})
		require.NoError(t, err, "the SDK checks every successful entry's MD5")
		require.Len(t, out.Successful, 2)
		assert.Equal(t, "one", aws.ToString(out.Successful[0].Id))
		assert.Equal(t, "two", aws.ToString(out.Successful[1].Id))
		require.Len(t, out.Failed, 1)
		assert.Equal(t, "bad", aws.ToString(out.Failed[0].Id))
		assert.Equal(t, "InvalidParameterValue", aws.ToString(out.Failed[0].Code))
		assert.Equal(t, []string{"first", "second"}, sqsBodies(sqsReceive(t, c, url, 10)))
	})

	tooMany := make([]types.SendMessageBatchRequestEntry, 11)
	for i := range tooMany {
		tooMany[i] = entry(fmt.Sprintf("e%d", i), "x")
	}
	tests := []struct {
		name    string
		entries []types.SendMessageBatchRequestEntry
		expect  func(error) bool
	}{
		{"ids not distinct", []types.SendMessageBatchRequestEntry{entry("a", "1"), entry("a", "2")},
			func(err error) bool { var e *types.BatchEntryIdsNotDistinct; return errors.As(err, &e) }},
		{"too many entries", tooMany,
			func(err error) bool { var e *types.TooManyEntriesInBatchRequest; return errors.As(err, &e) }},
		{"empty", []types.SendMessageBatchRequestEntry{},
			func(err error) bool { var e *types.EmptyBatchRequest; return errors.As(err, &e) }},
		{"bad entry id", []types.SendMessageBatchRequestEntry{entry("no spaces", "1")},
			func(err error) bool { var e *types.InvalidBatchEntryId; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: tt.entries})
			require.Error(t, err)
			assert.True(t, tt.expect(err), "unexpected error %v", err)
		})
	}

	t.Run("DeleteMessageBatch", func(t *testing.T) {
		url := sqsCreate(t, c, "deletes", nil)
		sqsSendBodies(t, c, url, "d1", "d2")
		clkMsgs := sqsReceive(t, c, url, 10)
		require.Len(t, clkMsgs, 2)
		otherURL := sqsCreate(t, c, "other", nil)
		sqsSendBodies(t, c, otherURL, "elsewhere")
		foreign := sqsReceive(t, c, otherURL, 1)
		require.Len(t, foreign, 1)
		out, err := c.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: []types.DeleteMessageBatchRequestEntry{
			{Id: aws.String("a"), ReceiptHandle: clkMsgs[0].ReceiptHandle},
			{Id: aws.String("b"), ReceiptHandle: foreign[0].ReceiptHandle},
			{Id: aws.String("c"), ReceiptHandle: clkMsgs[1].ReceiptHandle},
		}})
		require.NoError(t, err)
		assert.Len(t, out.Successful, 2)
		require.Len(t, out.Failed, 1)
		assert.Equal(t, "b", aws.ToString(out.Failed[0].Id))
		assert.Equal(t, "ReceiptHandleIsInvalid", aws.ToString(out.Failed[0].Code), "a handle from another queue")
		assert.Equal(t, "0", sqsAttrs(t, c, url, "ApproximateNumberOfMessagesNotVisible")["ApproximateNumberOfMessagesNotVisible"])
	})
}

func TestSQSFifo(t *testing.T) {
	ctx := context.Background()
	_, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "orders.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	send := func(group, body string) *sqs.SendMessageOutput {
		out, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body), MessageGroupId: aws.String(group)})
		require.NoError(t, err)
		return out
	}
	a1 := send("a", "a1")
	send("a", "a2")
	send("b", "b1")
	dup := send("a", "a1")
	assert.Equal(t, aws.ToString(a1.MessageId), aws.ToString(dup.MessageId), "content-based deduplication within five minutes")
	assert.Len(t, aws.ToString(a1.SequenceNumber), 20)

	first := sqsReceive(t, c, url, 1)
	assert.Equal(t, []string{"a1"}, sqsBodies(first))
	assert.Equal(t, "a", first[0].Attributes["MessageGroupId"])
	assert.Equal(t, []string{"b1"}, sqsBodies(sqsReceive(t, c, url, 10)), "group a is held while a1 is in flight")

	clk.Advance(30 * time.Second)
	assert.Equal(t, []string{"a1", "a2", "b1"}, sqsBodies(sqsReceive(t, c, url, 10)), "send order once nothing is in flight")

	t.Run("a group id is required", func(t *testing.T) {
		_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x")})
		var api smithy.APIError
		require.ErrorAs(t, err, &api)
		assert.Equal(t, "MissingParameter", api.ErrorCode())
	})
	t.Run("after five minutes a duplicate is a new message", func(t *testing.T) {
		clk.Advance(5 * time.Minute)
		again := send("a", "a1")
		assert.NotEqual(t, aws.ToString(a1.MessageId), aws.ToString(again.MessageId))
	})
}

func TestSQSBinaryAndCustomAttributes(t *testing.T) {
	ctx := context.Background()
	_, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)
	attrs := map[string]types.MessageAttributeValue{
		"blob":      {DataType: aws.String("Binary"), BinaryValue: []byte{0x00, 0x02, 0xff}},
		"kind":      {DataType: aws.String("String.AccountKind"), StringValue: aws.String("sandbox")},
		"trace.id":  {DataType: aws.String("String"), StringValue: aws.String("abc")},
		"trace.hop": {DataType: aws.String("Number"), StringValue: aws.String("2")},
	}
	sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("x"), MessageAttributes: attrs})
	require.NoError(t, err)

	out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}, VisibilityTimeout: 1})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1)
	m := out.Messages[0]
	assert.Equal(t, []byte{0x00, 0x02, 0xff}, m.MessageAttributes["blob"].BinaryValue)
	assert.Equal(t, "String.AccountKind", aws.ToString(m.MessageAttributes["kind"].DataType))
	assert.Equal(t, aws.ToString(sent.MD5OfMessageAttributes), aws.ToString(m.MD5OfMessageAttributes), "the same digest on the way in and out")

	t.Run("a prefix selects a family of attributes", func(t *testing.T) {
		clk.Advance(time.Second)
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"trace.*"}})
		require.NoError(t, err)
		require.Len(t, out.Messages, 1)
		assert.ElementsMatch(t, []string{"trace.id", "trace.hop"}, slices.Collect(maps.Keys(out.Messages[0].MessageAttributes)))
	})
}
