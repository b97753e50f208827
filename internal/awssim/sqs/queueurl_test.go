package sqs_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueueURLIsBuiltOnTheHostTheCallerReached(t *testing.T) {
	s, _ := newTestSim(t)
	srv := httptest.NewServer(s)
	defer srv.Close()
	cfg := testConfig(s)
	cfg.HTTPClient = srv.Client()
	cfg.BaseEndpoint = aws.String(srv.URL)
	c := sqs.NewFromConfig(cfg)

	url := sqsCreate(t, c, "reachable", nil)
	mgmt := vendingPrincipal(t, s).AccountID
	assert.Equal(t, srv.URL+"/"+mgmt+"/reachable", url, "a client that sends to the queue URL reaches the simulator again")

	got, err := c.GetQueueUrl(context.Background(), &sqs.GetQueueUrlInput{QueueName: aws.String("reachable")})
	require.NoError(t, err)
	assert.Equal(t, url, aws.ToString(got.QueueUrl))
	list, err := c.ListQueues(context.Background(), &sqs.ListQueuesInput{})
	require.NoError(t, err)
	assert.Contains(t, list.QueueUrls, url)
}

func TestQueueURLTakesAWSFormWhenAskedAsAWS(t *testing.T) {
	s, _ := newTestSim(t)
	cfg := testConfig(s)
	cfg.BaseEndpoint = aws.String("http://sqs.eu-west-1.amazonaws.com")
	c := sqs.NewFromConfig(cfg)

	url := sqsCreate(t, c, "as-aws", nil)
	assert.Equal(t, "https://sqs.eu-west-1.amazonaws.com/"+vendingPrincipal(t, s).AccountID+"/as-aws", url)
	sqsSendBodies(t, c, url, "hello")
	assert.Equal(t, []string{"hello"}, sqsBodies(sqsReceive(t, c, url, 1)), "any host's URL names the same queue")
}
