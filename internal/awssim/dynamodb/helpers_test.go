package dynamodb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

// newTestSim builds the default world on a held Virtual clock: time moves
// only when the test calls clk.Advance.
func newTestSim(t *testing.T) (*awssim.Sim, *clock.Virtual) {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil // the demo world's own happenings are nothing to DynamoDB
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	return s, clk
}

// noDelay makes SDK retries immediate, so tests of retried throttling do not
// wait in real time.
type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// withRetries sets immediate standard retries with the given attempts (1 = none).
func withRetries(cfg aws.Config, attempts int) aws.Config {
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = noDelay{}
			o.RateLimiter = ratelimit.None
		})
	}
	return cfg
}

// newDynamoTest builds a simulator on a held clock and a DynamoDB client for
// it, signed as the world's first principal (towervend's vending role), with
// no retries: every error a call gets is the simulator's answer.
func newDynamoTest(t *testing.T) (*awssim.Sim, *clock.Virtual, *dynamodb.Client) {
	t.Helper()
	s, clk := newTestSim(t)
	return s, clk, dynamodb.NewFromConfig(withRetries(s.Config(), 1))
}

var ctx = context.Background()

// S, N, B, L and M build attribute values.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func N(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
func B(v []byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: v} }
func L(v ...types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberL{Value: v}
}
func M(v map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: v}
}

type item = map[string]types.AttributeValue

// createTable makes an on-demand table keyed by pk (S) and, unless sortType
// is empty, sk of that type.
func createTable(t *testing.T, c *dynamodb.Client, name, sortType string) {
	t.Helper()
	in := &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: types.BillingModePayPerRequest,
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}}}
	if sortType != "" {
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange})
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeType(sortType)})
	}
	_, err := c.CreateTable(ctx, in)
	require.NoError(t, err)
}

func putItem(t *testing.T, c *dynamodb.Client, table string, it item) {
	t.Helper()
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it})
	require.NoError(t, err)
}

// getItem reads an item strongly consistently; nil when there is none.
func getItem(t *testing.T, c *dynamodb.Client, table string, key item) item {
	t.Helper()
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	require.NoError(t, err)
	return out.Item
}

// apiError is the API error a call failed with: its code and message.
func apiError(t *testing.T, err error) (code, message string) {
	t.Helper()
	require.Error(t, err)
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "not an API error: %v", err)
	return api.ErrorCode(), api.ErrorMessage()
}

// strs is the S or N of each named attribute of items, for comparing answers.
func strs(items []item, name string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		switch v := it[name].(type) {
		case *types.AttributeValueMemberS:
			out[i] = v.Value
		case *types.AttributeValueMemberN:
			out[i] = v.Value
		}
	}
	return out
}
