package sqs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

func TestSQSQueueLifecycle(t *testing.T) {
	ctx := context.Background()
	s, clk, c := newSQSTest(t)
	url := sqsCreate(t, c, "vend-requests", map[string]string{"VisibilityTimeout": "60", "KmsMasterKeyId": "alias/aws/sqs"})
	assert.Equal(t, awssim.Endpoint+"/"+vendingPrincipal(t, s).AccountID+"/vend-requests", url)

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

func TestSQSTypedErrors(t *testing.T) {
	ctx := context.Background()
	_, _, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)
	gone := awssim.Endpoint + "/111122223333/gone"
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

func TestSQSRetriesThrottling(t *testing.T) {
	s, _, c := newSQSTest(t)
	url := sqsCreate(t, c, "work", nil)
	s.SetFaults(awssim.Faults{Throttle: map[string]float64{"sqs": 0.5}})
	for i := range 10 {
		sqsSendBodies(t, c, url, fmt.Sprintf("m%d", i))
	}
	s.SetFaults(awssim.Faults{})
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
	at, err := awssim.SnapshotTime(buf.Bytes())
	require.NoError(t, err)
	clk2 := clock.NewVirtual(at, 0)
	restored, err := awssim.Restore(&buf, awssim.Options{Clock: clk2})
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
