package dynamodb_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// takeSlot is "take a slot" as towervend's waiting line would: in one
// transaction, count the slot as taken if one is free, and record the holder.
func takeSlot(c *dynamodb.Client, holder, token string) error {
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("line"), Key: item{"pk": S("gate")},
			UpdateExpression:                    aws.String("ADD taken :one"),
			ConditionExpression:                 aws.String("attribute_not_exists(taken) OR taken < :max"),
			ExpressionAttributeValues:           item{":one": N("1"), ":max": N("2")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Put: &types.Put{TableName: aws.String("line"), Item: item{"pk": S("holder#" + holder)},
			ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}}
	if token != "" {
		in.ClientRequestToken = aws.String(token)
	}
	_, err := c.TransactWriteItems(ctx, in)
	return err
}

func TestTransactWriteIsAllOrNothing(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "line", "")
	require.NoError(t, takeSlot(c, "a", ""))
	require.NoError(t, takeSlot(c, "b", ""))

	err := takeSlot(c, "c", "")
	var cancelled *types.TransactionCanceledException
	require.ErrorAs(t, err, &cancelled)
	assert.Equal(t, "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]", cancelled.ErrorMessage())
	require.Len(t, cancelled.CancellationReasons, 2)
	assert.Equal(t, "ConditionalCheckFailed", aws.ToString(cancelled.CancellationReasons[0].Code))
	assert.Equal(t, "The conditional request failed", aws.ToString(cancelled.CancellationReasons[0].Message))
	assert.Equal(t, item{"pk": S("gate"), "taken": N("2")}, cancelled.CancellationReasons[0].Item, "the old item, as asked")
	assert.Equal(t, "None", aws.ToString(cancelled.CancellationReasons[1].Code))
	assert.Nil(t, getItem(t, c, "line", item{"pk": S("holder#c")}), "the put that could have succeeded did not happen")

	err = takeSlot(c, "a", "")
	require.ErrorAs(t, err, &cancelled)
	assert.Equal(t, "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, ConditionalCheckFailed]", cancelled.ErrorMessage())
	assert.Equal(t, item{"pk": S("gate"), "taken": N("2")}, getItem(t, c, "line", item{"pk": S("gate")}), "the count did not move")
}

func TestTransactWriteTokenMakesARetryHarmless(t *testing.T) {
	_, clk, c := newDynamoTest(t)
	createTable(t, c, "line", "")
	require.NoError(t, takeSlot(c, "a", "req-1"))
	require.NoError(t, takeSlot(c, "a", "req-1"), "a repeat with its token succeeds without writing again")
	assert.Equal(t, N("1"), getItem(t, c, "line", item{"pk": S("gate")})["taken"])

	err := takeSlot(c, "b", "req-1")
	var mismatch *types.IdempotentParameterMismatchException
	require.ErrorAs(t, err, &mismatch, "another request with the same token is refused")

	clk.Advance(11 * time.Minute)
	var cancelled *types.TransactionCanceledException
	require.ErrorAs(t, takeSlot(c, "a", "req-1"), &cancelled, "past ten minutes the token is forgotten: it runs again and a's put fails")
}

func TestTransactRefusesTwoActionsOnOneItem(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "line", "")
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("line"), Item: item{"pk": S("x")}}},
		{Delete: &types.Delete{TableName: aws.String("line"), Key: item{"pk": S("x")}}},
	}})
	code, msg := apiError(t, err)
	assert.Equal(t, "ValidationException", code)
	assert.Equal(t, "Transaction request cannot include multiple operations on one item", msg)
}

func TestTransactGetAndBatches(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "line", "")
	_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"line": {
		{PutRequest: &types.PutRequest{Item: item{"pk": S("a"), "v": N("1")}}},
		{PutRequest: &types.PutRequest{Item: item{"pk": S("b"), "v": N("2")}}},
		{PutRequest: &types.PutRequest{Item: item{"pk": S("c"), "v": N("3")}}},
	}}})
	require.NoError(t, err)
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"line": {
		{DeleteRequest: &types.DeleteRequest{Key: item{"pk": S("c")}}},
	}}})
	require.NoError(t, err)

	got, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"line": {
		Keys: []item{{"pk": S("a")}, {"pk": S("b")}, {"pk": S("c")}}, ProjectionExpression: aws.String("v")}}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"1", "2"}, strs(got.Responses["line"], "v"))
	assert.Empty(t, got.UnprocessedKeys)

	tg, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("line"), Key: item{"pk": S("b")}}},
		{Get: &types.Get{TableName: aws.String("line"), Key: item{"pk": S("c")}}},
	}})
	require.NoError(t, err)
	require.Len(t, tg.Responses, 2)
	assert.Equal(t, item{"pk": S("b"), "v": N("2")}, tg.Responses[0].Item)
	assert.Nil(t, tg.Responses[1].Item, "a missing item answers an empty response in its place")

	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"line": {
		Keys: []item{{"pk": S("a")}, {"pk": S("a")}}}}})
	_, msg := apiError(t, err)
	assert.Equal(t, "Provided list of item keys contains duplicates", msg)
}
