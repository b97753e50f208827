package sqs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

// newTestSim builds the default world on a held Virtual clock: time moves
// only when the test calls clk.Advance.
func newTestSim(t *testing.T) (*awssim.Sim, *clock.Virtual) {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil // the demo world's own happenings would add accounts the test does not expect
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	return s, clk
}

// noDelay makes SDK retries immediate, so tests of retried throttling do not
// wait in real time.
type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// testConfig is an in-process SDK config for the world's first principal
// (towervend's vending role): standard retries, 5 attempts, no waiting.
func testConfig(s *awssim.Sim) aws.Config {
	cfg := s.Config()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 5
			o.Backoff = noDelay{}
			o.RateLimiter = ratelimit.None
		})
	}
	return cfg
}

// vendingPrincipal is the principal testConfig signs as: the default world's first.
func vendingPrincipal(t *testing.T, s *awssim.Sim) awssim.Principal {
	t.Helper()
	p, ok := s.PrincipalOf(awssim.DefaultWorld().Principals[0].AccessKeyID)
	require.True(t, ok)
	return p
}

// newSQSTest builds a simulator on a held clock and an SQS client for it.
func newSQSTest(t *testing.T) (*awssim.Sim, *clock.Virtual, *sqs.Client) {
	t.Helper()
	s, clk := newTestSim(t)
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

func sqsRedrivePair(t *testing.T, c *sqs.Client, maxReceives int) (src, dlq, srcArn, dlqArn string) {
	t.Helper()
	dlq = sqsCreate(t, c, "work-dlq", nil)
	dlqArn = sqsArn(t, c, dlq)
	src = sqsCreate(t, c, "work", map[string]string{"VisibilityTimeout": "30",
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, dlqArn, maxReceives)})
	return src, dlq, sqsArn(t, c, src), dlqArn
}
