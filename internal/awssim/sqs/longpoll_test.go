package sqs_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

// newWallClockSQS builds the standalone simulator's arrangement: the world on
// a held virtual clock, SQS on the wall clock.
func newWallClockSQS(t *testing.T) (*clock.Virtual, *sqs.Client) {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk, QueueClock: clock.NewReal(1)})
	require.NoError(t, err)
	return clk, sqs.NewFromConfig(testConfig(s))
}

func TestLongPollAnswersWithAMessageSentDuringTheWait(t *testing.T) {
	_, c := newWallClockSQS(t)
	url := sqsCreate(t, c, "tickets", nil)

	go func() {
		time.Sleep(200 * time.Millisecond)
		_, _ = c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String("late")})
	}()
	started := time.Now()
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
	require.NoError(t, err)
	require.Equal(t, []string{"late"}, sqsBodies(out.Messages), "the message sent while the poll waited is its answer")
	assert.Less(t, time.Since(started), 20*time.Second, "the poll answers when the message arrives, not at the end of its wait")
}

func TestLongPollWaitsItsTimeWhenNothingArrives(t *testing.T) {
	_, c := newWallClockSQS(t)
	url := sqsCreate(t, c, "quiet", map[string]string{"ReceiveMessageWaitTimeSeconds": "1"})

	started := time.Now()
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	require.NoError(t, err)
	assert.Empty(t, out.Messages)
	assert.GreaterOrEqual(t, time.Since(started), 900*time.Millisecond, "the queue's ReceiveMessageWaitTimeSeconds makes every receive a long poll")
}

func TestLongPollGetsAMessageWhoseVisibilityTimeoutEnds(t *testing.T) {
	_, c := newWallClockSQS(t)
	url := sqsCreate(t, c, "retry", nil)
	sqsSendBodies(t, c, url, "again")
	first, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 1})
	require.NoError(t, err)
	require.Len(t, first.Messages, 1)

	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 5})
	require.NoError(t, err)
	require.Equal(t, []string{"again"}, sqsBodies(out.Messages), "the message came back when its visibility timeout ended, within the wait")
	assert.NotEqual(t, aws.ToString(first.Messages[0].ReceiptHandle), aws.ToString(out.Messages[0].ReceiptHandle))
}

func TestLongPollEndsWhenTheCallerGoesAway(t *testing.T) {
	_, c := newWallClockSQS(t)
	url := sqsCreate(t, c, "abandoned", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, _ = c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
	assert.Less(t, time.Since(started), 20*time.Second, "the wait ends with its caller's context")
	// The simulator is free again: another call is served at once.
	_, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("abandoned")})
	require.NoError(t, err)
}

func TestSQSTimersKeepWallTimeWhateverTheWorldsSpeed(t *testing.T) {
	clk, c := newWallClockSQS(t)
	url := sqsCreate(t, c, "consumer", nil)
	sqsSendBodies(t, c, url, "work")
	got, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 30})
	require.NoError(t, err)
	require.Len(t, got.Messages, 1)

	clk.Advance(2 * time.Hour) // the simulated world races ahead
	again, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url)})
	require.NoError(t, err)
	assert.Empty(t, again.Messages, "a 30-second visibility timeout lasts 30 seconds for a real consumer, not 30 simulated seconds")
	_, err = c.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: got.Messages[0].ReceiptHandle})
	require.NoError(t, err, "the consumer that took its time still holds a valid receipt handle")
}

func TestLongPollOnTheSimulatedClockAnswersAtOnce(t *testing.T) {
	_, _, c := newSQSTest(t)
	url := sqsCreate(t, c, "simulated", nil)
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
	require.NoError(t, err, "a held virtual clock never ends a wait: the poll must not block")
	assert.Empty(t, out.Messages)
}
