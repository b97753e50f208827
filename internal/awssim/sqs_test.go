package awssim

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

	"github.com/towervend/towervend/internal/clock"
)

// newSQSTest builds a simulator on a held clock and an SQS client for it.
func newSQSTest(t *testing.T) (*Sim, *clock.Virtual, *sqs.Client) {
	t.Helper()
	s, clk := newTestSim(t, nil)
	return s, clk, sqs.NewFromConfig(testConfig(s))
}

func sqsCreate(t *testing.T, c *sqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	require.NoError(t, err)
	return aws.ToString(out.QueueUrl)
}

func sqsAttrs(t *testing.T, c *sqs.Client, url string, names ...types.QueueAttributeName) map[string]string {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: names})
	require.NoError(t, err)
	return out.Attributes
}

func sqsArn(t *testing.T, c *sqs.Client, url string) string {
	t.Helper()
	return sqsAttrs(t, c, url, types.QueueAttributeNameQueueArn)["QueueArn"]
}

func sqsSendBodies(t *testing.T, c *sqs.Client, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		_, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b)})
		require.NoError(t, err)
	}
}

func sqsReceive(t *testing.T, c *sqs.Client, url string, max int32) []types.Message {
	t.Helper()
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: max,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	require.NoError(t, err)
	return out.Messages
}

func sqsBodies(msgs []types.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = aws.ToString(m.Body)
	}
	return out
}

func TestSQSQueueLifecycle(t *testing.T) {
	ctx := context.Background()
	s, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "vend-requests", map[string]string{"VisibilityTimeout": "60", "KmsMasterKeyId": "alias/aws/sqs"})
	assert.Equal(t, Endpoint+"/"+s.keys[s.world.Principals[0].AccessKeyID].AccountID+"/vend-requests", url)

	t.Run("create is idempotent for the same attributes", func(t *testing.T) {
		again := sqsCreate(t, c, "vend-requests", map[string]string{"VisibilityTimeout": "60", "DelaySeconds": "0"})
		assert.Equal(t, url, again)
	})
	t.Run("create with a different attribute value fails", func(t *testing.T) {
		_, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("vend-requests"), Attributes: map[string]string{"VisibilityTimeout": "61"}})
		var exists *types.QueueNameExists
		require.ErrorAs(t, err, &exists)
		assert.Equal(t, "QueueAlreadyExists", exists.ErrorCode(), "the query-compatible code comes from x-amzn-query-error")
	})
	t.Run("GetQueueUrl", func(t *testing.T) {
		out, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("vend-requests")})
		require.NoError(t, err)
		assert.Equal(t, url, aws.ToString(out.QueueUrl))
		_, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
		var missing *types.QueueDoesNotExist
		require.ErrorAs(t, err, &missing)
		assert.Equal(t, "AWS.SimpleQueueService.NonExistentQueue", missing.ErrorCode())
	})
	t.Run("GetQueueAttributes All", func(t *testing.T) {
		attrs := sqsAttrs(t, c, url, types.QueueAttributeNameAll)
		assert.Equal(t, "60", attrs["VisibilityTimeout"])
		assert.Equal(t, "345600", attrs["MessageRetentionPeriod"])
		assert.Equal(t, "1048576", attrs["MaximumMessageSize"])
		assert.Equal(t, "alias/aws/sqs", attrs["KmsMasterKeyId"])
		assert.Equal(t, "false", attrs["SqsManagedSseEnabled"], "SSE-KMS replaces SSE-SQS")
		assert.Equal(t, "0", attrs["ApproximateNumberOfMessages"])
		assert.Equal(t, strconv.FormatInt(clk.Now().Unix(), 10), attrs["CreatedTimestamp"])
		assert.Regexp(t, `^arn:aws:sqs:`+s.Region()+`:\d{12}:vend-requests$`, attrs["QueueArn"])
		assert.NotContains(t, attrs, "RedrivePolicy")
	})
	t.Run("GetQueueAttributes of an unknown name", func(t *testing.T) {
		_, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"Colour"}})
		var bad *types.InvalidAttributeName
		assert.ErrorAs(t, err, &bad)
	})
	t.Run("SetQueueAttributes", func(t *testing.T) {
		clk.Advance(time.Minute)
		_, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"DelaySeconds": "5", "Policy": `{"Version":"2012-10-17"}`}})
		require.NoError(t, err)
		attrs := sqsAttrs(t, c, url, "DelaySeconds", "Policy", "LastModifiedTimestamp")
		assert.Equal(t, map[string]string{"DelaySeconds": "5", "Policy": `{"Version":"2012-10-17"}`,
			"LastModifiedTimestamp": strconv.FormatInt(clk.Now().Unix(), 10)}, attrs)
	})
	t.Run("tags", func(t *testing.T) {
		_, err := c.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: aws.String(url), Tags: map[string]string{"team": "platform", "env": "dev"}})
		require.NoError(t, err)
		_, err = c.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: aws.String(url), TagKeys: []string{"env"}})
		require.NoError(t, err)
		out, err := c.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(url)})
		require.NoError(t, err)
		assert.Equal(t, map[string]string{"team": "platform"}, out.Tags)
	})
	t.Run("ListQueues with prefix and pages", func(t *testing.T) {
		for i := range 3 {
			sqsCreate(t, c, fmt.Sprintf("other-%d", i), nil)
		}
		out, err := c.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("vend")})
		require.NoError(t, err)
		assert.Equal(t, []string{url}, out.QueueUrls)
		assert.Nil(t, out.NextToken, "no NextToken without MaxResults")

		var all []string
		pages := sqs.NewListQueuesPaginator(c, &sqs.ListQueuesInput{MaxResults: aws.Int32(2)})
		n := 0
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			require.NoError(t, err)
			all = append(all, page.QueueUrls...)
			n++
		}
		assert.Len(t, all, 4)
		assert.Equal(t, 2, n)
	})
	t.Run("DeleteQueue and recreating too soon", func(t *testing.T) {
		_, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(url)})
		require.NoError(t, err)
		_, err = c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []types.QueueAttributeName{"All"}})
		var missing *types.QueueDoesNotExist
		require.ErrorAs(t, err, &missing)
		_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("vend-requests")})
		var recently *types.QueueDeletedRecently
		require.ErrorAs(t, err, &recently)
		clk.Advance(61 * time.Second)
		assert.Equal(t, url, sqsCreate(t, c, "vend-requests", nil))
	})
}

func TestSQSCreateQueueValidation(t *testing.T) {
	_, _, c := newSQSTest(t)
	dlqURL := sqsCreate(t, c, "dlq", nil)
	dlqArn := sqsArn(t, c, dlqURL)
	fifoDLQ := sqsArn(t, c, sqsCreate(t, c, "dlq.fifo", map[string]string{"FifoQueue": "true"}))
	denyArn := sqsArn(t, c, sqsCreate(t, c, "closed-dlq", map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`}))
	tests := []struct {
		name   string
		queue  string
		attrs  map[string]string
		expect func(error) bool
	}{
		{"visibility out of range", "q1", map[string]string{"VisibilityTimeout": "43201"},
			func(err error) bool { var e *types.InvalidAttributeValue; return errors.As(err, &e) }},
		{"retention too short", "q1", map[string]string{"MessageRetentionPeriod": "59"},
			func(err error) bool { var e *types.InvalidAttributeValue; return errors.As(err, &e) }},
		{"unknown attribute", "q1", map[string]string{"Colour": "blue"},
			func(err error) bool { var e *types.InvalidAttributeName; return errors.As(err, &e) }},
		{"read-only attribute", "q1", map[string]string{"QueueArn": "arn"},
			func(err error) bool { var e *types.InvalidAttributeName; return errors.As(err, &e) }},
		{"content-based dedup on a standard queue", "q1", map[string]string{"ContentBasedDeduplication": "true"},
			func(err error) bool { var e *types.InvalidAttributeName; return errors.As(err, &e) }},
		{"bad queue name", "no spaces", nil, isInvalidParameterValue},
		{"FIFO name without FifoQueue", "q.fifo", nil, isInvalidParameterValue},
		{"dead-letter target missing", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111122223333:nope","maxReceiveCount":3}`}, isInvalidParameterValue},
		{"maxReceiveCount out of range", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":0}`}, isInvalidParameterValue},
		{"FIFO dead-letter queue for a standard queue", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + fifoDLQ + `","maxReceiveCount":3}`}, isInvalidParameterValue},
		{"dead-letter queue denies all sources", "q1", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + denyArn + `","maxReceiveCount":3}`}, isInvalidParameterValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(tt.queue), Attributes: tt.attrs})
			require.Error(t, err)
			assert.True(t, tt.expect(err), "unexpected error %v", err)
		})
	}
	t.Run("redrive policy is stored in AWS's form", func(t *testing.T) {
		url := sqsCreate(t, c, "src", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `","maxReceiveCount":"4"}`})
		assert.Equal(t, `{"deadLetterTargetArn":"`+dlqArn+`","maxReceiveCount":4}`, sqsAttrs(t, c, url, "RedrivePolicy")["RedrivePolicy"])
	})
}

func isInvalidParameterValue(err error) bool {
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "InvalidParameterValue"
}

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
			got := sqsAttrsMD5(map[string]QueueMessageAttribute{tt.name: {DataType: "Number", StringValue: aws.String(tt.value)}})
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Empty(t, sqsAttrsMD5(nil), "no attributes, no digest")
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
	assert.Equal(t, s.keys[s.world.Principals[0].AccessKeyID].UserID, m.Attributes["SenderId"])

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
func sqsRedrivePair(t *testing.T, c *sqs.Client, maxReceives int) (src, dlq, srcArn, dlqArn string) {
	t.Helper()
	dlq = sqsCreate(t, c, "work-dlq", nil)
	dlqArn = sqsArn(t, c, dlq)
	src = sqsCreate(t, c, "work", map[string]string{"VisibilityTimeout": "30",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, dlqArn, maxReceives)})
	return src, dlq, sqsArn(t, c, src), dlqArn
}

func TestSQSDeadLetterQueue(t *testing.T) {
	ctx := context.Background()
	_, clk, c := newSQSTest(t)
	src, dlq, srcArn, _ := sqsRedrivePair(t, c, 2)
	sqsSendBodies(t, c, src, "poison", "fine")

	for i := 1; i <= 2; i++ {
		got := sqsReceive(t, c, src, 1)
		require.Len(t, got, 1)
		assert.Equal(t, "poison", aws.ToString(got[0].Body))
		assert.Equal(t, strconv.Itoa(i), got[0].Attributes["ApproximateReceiveCount"])
		clk.Advance(30 * time.Second)
	}
	got := sqsReceive(t, c, src, 1)
	assert.Equal(t, []string{"fine"}, sqsBodies(got), "the third receive of poison moves it to the dead-letter queue")

	dead := sqsReceive(t, c, dlq, 10)
	require.Len(t, dead, 1)
	assert.Equal(t, "poison", aws.ToString(dead[0].Body))
	assert.Equal(t, srcArn, dead[0].Attributes["DeadLetterQueueSourceArn"])

	out, err := c.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: aws.String(dlq)})
	require.NoError(t, err)
	assert.Equal(t, []string{src}, out.QueueUrls)
}

func TestSQSMessageMoveTask(t *testing.T) {
	ctx := context.Background()
	_, clk, c := newSQSTest(t)
	src, dlq, _, dlqArn := sqsRedrivePair(t, c, 1)
	sqsSendBodies(t, c, src, "m1", "m2", "m3")
	require.Len(t, sqsReceive(t, c, src, 10), 3)
	clk.Advance(30 * time.Second)
	require.Empty(t, sqsReceive(t, c, src, 10), "all three go to the dead-letter queue")
	require.Equal(t, "3", sqsAttrs(t, c, dlq, "ApproximateNumberOfMessages")["ApproximateNumberOfMessages"])

	t.Run("only a dead-letter queue can be a source", func(t *testing.T) {
		_, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(sqsArn(t, c, src))})
		assert.True(t, isInvalidParameterValue(err), "%v", err)
		_, err = c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqArn + "-nope")})
		var notFound *types.ResourceNotFoundException
		assert.ErrorAs(t, err, &notFound)
	})

	t.Run("at a rate, over simulated time", func(t *testing.T) {
		start, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqArn), MaxNumberOfMessagesPerSecond: aws.Int32(1)})
		require.NoError(t, err)
		_, err = c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqArn)})
		assert.True(t, isInvalidParameterValue(err), "one running task per queue: %v", err)

		clk.Advance(time.Second)
		list, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqArn)})
		require.NoError(t, err)
		require.Len(t, list.Results, 1)
		task := list.Results[0]
		assert.Equal(t, "RUNNING", aws.ToString(task.Status))
		assert.Equal(t, aws.ToString(start.TaskHandle), aws.ToString(task.TaskHandle))
		assert.Equal(t, int64(1), task.ApproximateNumberOfMessagesMoved)
		assert.Equal(t, int64(3), aws.ToInt64(task.ApproximateNumberOfMessagesToMove))
		assert.Equal(t, int32(1), aws.ToInt32(task.MaxNumberOfMessagesPerSecond))
		assert.Equal(t, clk.Now().Add(-time.Second).UnixMilli(), task.StartedTimestamp)

		back := sqsReceive(t, c, src, 10)
		assert.Equal(t, []string{"m1"}, sqsBodies(back), "moved back to its source, in order")
		assert.Equal(t, "1", back[0].Attributes["ApproximateReceiveCount"], "the receive count starts again")
		_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(src), ReceiptHandle: back[0].ReceiptHandle})
		require.NoError(t, err)

		cancel, err := c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle})
		require.NoError(t, err)
		assert.Equal(t, int64(1), cancel.ApproximateNumberOfMessagesMoved)
		clk.Advance(10 * time.Second)
		assert.Equal(t, "2", sqsAttrs(t, c, dlq, "ApproximateNumberOfMessages")["ApproximateNumberOfMessages"], "a cancelled task moves no more")
		_, err = c.CancelMessageMoveTask(ctx, &sqs.CancelMessageMoveTaskInput{TaskHandle: start.TaskHandle})
		var notFound *types.ResourceNotFoundException
		assert.ErrorAs(t, err, &notFound)
	})

	t.Run("without a rate, at once", func(t *testing.T) {
		_, err := c.StartMessageMoveTask(ctx, &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(dlqArn)})
		require.NoError(t, err)
		list, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(dlqArn), MaxResults: aws.Int32(10)})
		require.NoError(t, err)
		require.Len(t, list.Results, 2, "most recent first")
		assert.Equal(t, "COMPLETED", aws.ToString(list.Results[0].Status))
		assert.Nil(t, list.Results[0].TaskHandle, "only running tasks show their handle")
		assert.Equal(t, int64(2), list.Results[0].ApproximateNumberOfMessagesMoved)
		assert.Equal(t, "CANCELLED", aws.ToString(list.Results[1].Status))
		assert.Equal(t, []string{"m2", "m3"}, sqsBodies(sqsReceive(t, c, src, 10)))
	})
}

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

func TestSQSTypedErrors(t *testing.T) {
	ctx := context.Background()
	_, _, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)
	gone := Endpoint + "/111122223333/gone"
	tests := []struct {
		name      string
		call      func() error
		target    any
		queryCode string
	}{
		{"send to a missing queue", func() error {
			_, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(gone), MessageBody: aws.String("x")})
			return err
		}, new(*types.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue"},
		{"receive from a missing queue", func() error {
			_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(gone)})
			return err
		}, new(*types.QueueDoesNotExist), "AWS.SimpleQueueService.NonExistentQueue"},
		{"delete with a made-up handle", func() error {
			_, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String("not-a-handle")})
			return err
		}, new(*types.ReceiptHandleIsInvalid), "ReceiptHandleIsInvalid"},
		{"a URL that is not a queue URL", func() error {
			_, err := c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String("http://awssim.local/")})
			return err
		}, new(*types.InvalidAddress), "InvalidAddress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			assert.ErrorAs(t, err, tt.target)
			var api smithy.APIError
			require.ErrorAs(t, err, &api)
			assert.Equal(t, tt.queryCode, api.ErrorCode())
		})
	}
	t.Run("parameter ranges", func(t *testing.T) {
		_, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 11})
		assert.True(t, isInvalidParameterValue(err), "%v", err)
		_, err = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 21})
		assert.True(t, isInvalidParameterValue(err), "%v", err)
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

func TestSQSRetriesThrottling(t *testing.T) {
	s, _, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)
	s.SetFaults(Faults{Throttle: map[string]float64{"sqs": 0.5}})
	for i := range 10 {
		sqsSendBodies(t, c, url, fmt.Sprintf("m%d", i))
	}
	s.SetFaults(Faults{})
	assert.Greater(t, s.Calls()["sqs"]["SendMessage"], 10, "throttled calls were retried")
	visible, _ := s.QueueDepth(url)
	assert.Equal(t, 10, visible, "every message arrived once")
}

func TestSQSSnapshotRoundTrip(t *testing.T) {
	s, clk, c := newSQSTest(t)
	src, dlq, _, _ := sqsRedrivePair(t, c, 5)
	sqsSendBodies(t, c, src, "first", "second")
	sqsSendBodies(t, c, dlq, "dead")
	_, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(src), MaxNumberOfMessages: 1})
	require.NoError(t, err)
	clk.Advance(10 * time.Second)

	var buf bytes.Buffer
	require.NoError(t, s.Snapshot(&buf))
	at, err := SnapshotTime(buf.Bytes())
	require.NoError(t, err)
	clk2 := clock.NewVirtual(at, 0)
	restored, err := Restore(&buf, Options{Clock: clk2})
	require.NoError(t, err)
	c2 := sqs.NewFromConfig(testConfig(restored))

	visible, inFlight := restored.QueueDepth(src)
	assert.Equal(t, [2]int{1, 1}, [2]int{visible, inFlight}, "the received message is still in flight")
	clk2.Advance(20 * time.Second)
	got := sqsReceive(t, c2, src, 10)
	assert.Equal(t, []string{"first", "second"}, sqsBodies(got), "first's visibility timeout ran out on the restored clock")
	assert.Equal(t, "2", got[0].Attributes["ApproximateReceiveCount"], "first was received once before the snapshot")
	assert.Equal(t, []string{"dead"}, sqsBodies(sqsReceive(t, c2, dlq, 10)))
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
