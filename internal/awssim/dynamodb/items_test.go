package dynamodb_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A slot is taken once: the second conditional put fails, and shows the
// holder when asked to.
func TestPutIfAbsentSucceedsOnceThenFails(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "slots", "")
	put := func(owner string, returnOld bool) error {
		in := &dynamodb.PutItemInput{TableName: aws.String("slots"),
			Item:                item{"pk": S("slot-1"), "owner": S(owner)},
			ConditionExpression: aws.String("attribute_not_exists(pk)")}
		if returnOld {
			in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		}
		_, err := c.PutItem(ctx, in)
		return err
	}
	require.NoError(t, put("exec-1", false))

	err := put("exec-2", false)
	var failed *types.ConditionalCheckFailedException
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, "The conditional request failed", failed.ErrorMessage())
	assert.Nil(t, failed.Item, "the item only when asked for")

	err = put("exec-2", true)
	require.ErrorAs(t, err, &failed)
	assert.Equal(t, item{"pk": S("slot-1"), "owner": S("exec-1")}, failed.Item)
	assert.Equal(t, item{"pk": S("slot-1"), "owner": S("exec-1")}, getItem(t, c, "slots", item{"pk": S("slot-1")}), "the holder is unchanged")

	old, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("slots"), Item: item{"pk": S("slot-1"), "owner": S("exec-3")},
		ReturnValues: types.ReturnValueAllOld})
	require.NoError(t, err)
	assert.Equal(t, item{"pk": S("slot-1"), "owner": S("exec-1")}, old.Attributes, "an unconditional put replaces, ALL_OLD shows what was")
}

func TestGetItemProjects(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	putItem(t, c, "tbl", item{"pk": S("a"), "token": S("tok"), "meta": M(item{"by": S("me"), "at": N("3")}), "hist": L(S("x"), S("y"), S("z")), "other": S("o")})
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("a")},
		ProjectionExpression:     aws.String("#t, meta.#by, hist[2], hist[0], absent"),
		ExpressionAttributeNames: map[string]string{"#t": "token", "#by": "by"}})
	require.NoError(t, err)
	assert.Equal(t, item{"token": S("tok"), "meta": M(item{"by": S("me")}), "hist": L(S("x"), S("z"))}, out.Item)

	none, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("nobody")}})
	require.NoError(t, err)
	assert.Nil(t, none.Item, "no item: no Item member")
}

func TestUpdateItemSetRemoveAddDelete(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	key := item{"pk": S("q")}
	putItem(t, c, "tbl", item{"pk": S("q"), "count": N("1"), "tags": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"labels": &types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"drop":   S("x"), "lst": L(N("1")), "doc": M(item{"n": N("10")})})

	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: key,
		UpdateExpression: aws.String("SET #c = #c + :one, lst = list_append(lst, :more), doc.n = doc.n - :one, fresh = if_not_exists(fresh, :zero) " +
			"REMOVE #drop ADD tags :c, visits :one DELETE labels :a"),
		ExpressionAttributeNames: map[string]string{"#c": "count", "#drop": "drop"},
		ExpressionAttributeValues: item{":one": N("1"), ":zero": N("0"), ":more": L(N("2"), N("3")),
			":c": &types.AttributeValueMemberSS{Value: []string{"c"}}, ":a": &types.AttributeValueMemberSS{Value: []string{"a"}}},
		ReturnValues: types.ReturnValueUpdatedNew})
	require.NoError(t, err)
	assert.Equal(t, item{"count": N("2"), "lst": L(N("1"), N("2"), N("3")), "doc": M(item{"n": N("9")}), "fresh": N("0"),
		"tags": &types.AttributeValueMemberSS{Value: []string{"a", "b", "c"}}, "labels": &types.AttributeValueMemberSS{Value: []string{"b"}},
		"visits": N("1")}, out.Attributes,
		"UPDATED_NEW: the updated attributes (nested ones as their path), the removed one not at all")

	got := getItem(t, c, "tbl", key)
	assert.NotContains(t, got, "drop")
	assert.Equal(t, N("2"), got["count"])

	out, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: key,
		UpdateExpression:          aws.String("SET lst[0] = :x, lst[9] = :y REMOVE lst[1]"),
		ExpressionAttributeValues: item{":x": S("first"), ":y": S("appended")}, ReturnValues: types.ReturnValueAllNew})
	require.NoError(t, err)
	assert.Equal(t, L(S("first"), N("3"), S("appended")), out.Attributes["lst"], "SET past the end appends; REMOVE takes out by old position")

	out, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: key,
		UpdateExpression: aws.String("SET #c = :ten"), ExpressionAttributeNames: map[string]string{"#c": "count"},
		ExpressionAttributeValues: item{":ten": N("10")}, ReturnValues: types.ReturnValueUpdatedOld})
	require.NoError(t, err)
	assert.Equal(t, item{"count": N("2")}, out.Attributes)

	created, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("new")},
		UpdateExpression: aws.String("ADD hits :one"), ExpressionAttributeValues: item{":one": N("1")}, ReturnValues: types.ReturnValueAllNew})
	require.NoError(t, err)
	assert.Equal(t, item{"pk": S("new"), "hits": N("1")}, created.Attributes, "an update of no item creates it")

	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: key,
		UpdateExpression: aws.String("SET tags = tags + :one"), ExpressionAttributeValues: item{":one": N("1")}})
	code, msg := apiError(t, err)
	assert.Equal(t, "ValidationException", code)
	assert.Equal(t, "An operand in the update expression has an incorrect data type", msg)
}

func TestUpdateItemConditionGuardsTheWrite(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	putItem(t, c, "tbl", item{"pk": S("job"), "state": S("WAITING"), "version": N("1")})
	complete := func(from string) error {
		_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("job")},
			UpdateExpression:                    aws.String("SET #s = :done, version = version + :one"),
			ConditionExpression:                 aws.String("#s = :from AND version = :v"),
			ExpressionAttributeNames:            map[string]string{"#s": "state"},
			ExpressionAttributeValues:           item{":done": S("DONE"), ":one": N("1"), ":from": S(from), ":v": N("1")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
		return err
	}
	var failed *types.ConditionalCheckFailedException
	require.ErrorAs(t, complete("RUNNING"), &failed)
	assert.Equal(t, S("WAITING"), failed.Item["state"])
	require.NoError(t, complete("WAITING"))
	require.ErrorAs(t, complete("WAITING"), &failed, "the version moved on: a second completion fails")
	assert.Equal(t, item{"pk": S("job"), "state": S("DONE"), "version": N("2")}, getItem(t, c, "tbl", item{"pk": S("job")}))
}

func TestDeleteItemWithCondition(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	putItem(t, c, "tbl", item{"pk": S("tok"), "owner": S("exec-1")})
	del := func(owner string) (*dynamodb.DeleteItemOutput, error) {
		return c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("tok")},
			ConditionExpression: aws.String("#o = :me"), ExpressionAttributeNames: map[string]string{"#o": "owner"},
			ExpressionAttributeValues: item{":me": S(owner)}, ReturnValues: types.ReturnValueAllOld})
	}
	_, err := del("exec-2")
	var failed *types.ConditionalCheckFailedException
	require.ErrorAs(t, err, &failed)
	require.NotNil(t, getItem(t, c, "tbl", item{"pk": S("tok")}), "a failed condition deletes nothing")

	out, err := del("exec-1")
	require.NoError(t, err)
	assert.Equal(t, item{"pk": S("tok"), "owner": S("exec-1")}, out.Attributes)
	assert.Nil(t, getItem(t, c, "tbl", item{"pk": S("tok")}))

	_, err = del("exec-1")
	require.ErrorAs(t, err, &failed, "no item: the condition on its attribute fails")
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("tok")}})
	require.NoError(t, err, "an unconditional delete of no item succeeds")
}

func TestNumbersAreExactDecimals(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	big := "12345678901234567890123456789012345678" // 38 digits: a float64 keeps 17
	putItem(t, c, "tbl", item{"pk": S("n"), "big": N(big), "cents": N("0.10"), "exp": N("15E-1"), "bin": B([]byte{0, 1, 0xfe})})
	out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("n")},
		UpdateExpression: aws.String("SET big = big + :one, cents = cents + :cents"), ExpressionAttributeValues: item{":one": N("-1"), ":cents": N("0.20")},
		ReturnValues: types.ReturnValueAllNew})
	require.NoError(t, err)
	assert.Equal(t, N("12345678901234567890123456789012345677"), out.Attributes["big"])
	assert.Equal(t, N("0.3"), out.Attributes["cents"], "0.10 + 0.20 is 0.3 exactly, in DynamoDB's canonical form")
	assert.Equal(t, N("1.5"), out.Attributes["exp"])
	assert.Equal(t, B([]byte{0, 1, 0xfe}), out.Attributes["bin"], "binary travels as base64 and comes back as bytes")

	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("m"), "n": N(big + "1")}})
	_, msg := apiError(t, err)
	assert.Equal(t, "Attempting to store more than 38 significant digits in a Number", msg)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("m"), "n": N("twelve")}})
	_, msg = apiError(t, err)
	assert.Equal(t, "The parameter cannot be converted to a numeric value: twelve", msg)
}

func TestItemValidation(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "N")
	tests := []struct {
		name string
		it   item
		msg  string
	}{
		{"missing key", item{"pk": S("a")}, "One or more parameter values were invalid: Missing the key sk in the item"},
		{"key type", item{"pk": S("a"), "sk": S("1")}, "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"},
		{"empty key", item{"pk": S(""), "sk": N("1")}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"empty set", item{"pk": S("a"), "sk": N("1"), "s": &types.AttributeValueMemberSS{Value: []string{}}},
			"One or more parameter values were invalid: An string set  may not be empty"},
		{"duplicates", item{"pk": S("a"), "sk": N("1"), "s": &types.AttributeValueMemberNS{Value: []string{"1", "1.0"}}},
			"One or more parameter values were invalid: Input collection [1, 1] contains duplicates."},
		{"too large", item{"pk": S("a"), "sk": N("1"), "blob": S(strings.Repeat("x", 400*1024))}, "Item size has exceeded the maximum allowed size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: tt.it})
			code, msg := apiError(t, err)
			assert.Equal(t, "ValidationException", code)
			assert.Equal(t, tt.msg, msg)
		})
	}
	for name, key := range map[string]item{"missing sort key": {"pk": S("a")}, "extra attribute": {"pk": S("a"), "sk": N("1"), "x": S("y")},
		"sort key type": {"pk": S("a"), "sk": S("1")}} {
		t.Run(name, func(t *testing.T) {
			_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: key})
			_, msg := apiError(t, err)
			assert.Equal(t, "The provided key element does not match the schema", msg)
		})
	}
	putItem(t, c, "tbl", item{"pk": S("a"), "sk": N("1.0")})
	assert.NotNil(t, getItem(t, c, "tbl", item{"pk": S("a"), "sk": N("1")}), "1.0 and 1 are one key")
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("a"), "sk": N("1")},
		UpdateExpression: aws.String("SET sk = :two"), ExpressionAttributeValues: item{":two": N("2")}})
	_, msg := apiError(t, err)
	assert.Equal(t, "One or more parameter values were invalid: Cannot update attribute sk. This attribute is part of the key", msg)
}

func TestConsumedCapacityWhenAsked(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: item{"pk": S("a"), "blob": S(strings.Repeat("x", 1500))},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	require.NoError(t, err)
	require.NotNil(t, out.ConsumedCapacity)
	assert.Equal(t, "tbl", aws.ToString(out.ConsumedCapacity.TableName))
	assert.Equal(t, 2.0, aws.ToFloat64(out.ConsumedCapacity.CapacityUnits), "1.5 KB is two write units")

	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("a")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	require.NoError(t, err)
	assert.Equal(t, 0.5, aws.ToFloat64(got.ConsumedCapacity.CapacityUnits), "an eventually consistent read of up to 4 KB is half a unit")
	assert.Equal(t, 0.5, aws.ToFloat64(got.ConsumedCapacity.Table.CapacityUnits))

	none, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("a")}})
	require.NoError(t, err)
	assert.Nil(t, none.ConsumedCapacity, "not asked: not answered")
}
