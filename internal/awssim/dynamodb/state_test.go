package dynamodb_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/clock"
)

// A role may read the table but not write it: PutItem is denied with
// DynamoDB's AccessDeniedException naming the action and the table.
func TestRoleWithoutPutItemIsDenied(t *testing.T) {
	s, _, admin := newDynamoTest(t)
	createTable(t, admin, "tokens", "")
	putItem(t, admin, "tokens", item{"pk": S("a")})
	arn := "arn:aws:dynamodb:eu-west-1:" + s.ManagementAccountID() + ":table/tokens"
	key, err := s.AddRole("Waiter", iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{
		{Effect: iam.EffectAllow, Action: []string{"dynamodb:GetItem", "dynamodb:Query"}, Resource: []string{arn}},
	}})
	require.NoError(t, err)
	c := dynamodb.NewFromConfig(withRetries(s.ConfigAs(key), 1))

	assert.NotNil(t, getItem(t, c, "tokens", item{"pk": S("a")}), "GetItem is allowed")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tokens"), Item: item{"pk": S("b")}})
	code, msg := apiError(t, err)
	assert.Equal(t, "AccessDeniedException", code)
	assert.Equal(t, "User: arn:aws:sts::"+s.ManagementAccountID()+":assumed-role/Waiter/Waiter is not authorized to perform: dynamodb:PutItem on resource: "+
		arn+" because no identity-based policy allows the dynamodb:PutItem action", msg)
	assert.Nil(t, getItem(t, admin, "tokens", item{"pk": S("b")}), "a denied call writes nothing")

	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tokens"), Key: item{"pk": S("a")}, ConditionExpression: aws.String("attribute_exists(pk)")}}}})
	_, msg = apiError(t, err)
	assert.Contains(t, msg, "dynamodb:ConditionCheckItem on resource: "+arn, "a transaction is authorized action by action")

	_, err = c.ListTables(ctx, &dynamodb.ListTablesInput{})
	_, msg = apiError(t, err)
	assert.Contains(t, msg, "not authorized to perform: dynamodb:ListTables because", "ListTables is on no resource")
}

func TestDynamoDBSnapshotRoundTrip(t *testing.T) {
	s, clk, c := newDynamoTest(t)
	createTable(t, c, "tokens", "N")
	_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("tokens"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}})
	require.NoError(t, err)
	soon := fmt.Sprint(clk.Now().Add(5 * time.Minute).Unix())
	putItem(t, c, "tokens", item{"pk": S("q"), "sk": N("1"), "bin": B([]byte{0xff, 0}), "set": &types.AttributeValueMemberNS{Value: []string{"1.5", "2"}}})
	putItem(t, c, "tokens", item{"pk": S("q"), "sk": N("2"), "expiresAt": N(soon)})
	putItem(t, c, "tokens", item{"pk": S("r"), "sk": N("1"), "doc": M(item{"l": L(S("x"), &types.AttributeValueMemberNULL{Value: true})})})

	var buf bytes.Buffer
	require.NoError(t, s.Snapshot(&buf))
	at, err := awssim.SnapshotTime(buf.Bytes())
	require.NoError(t, err)
	clk2 := clock.NewVirtual(at, 0)
	restored, err := awssim.Restore(&buf, awssim.Options{Clock: clk2})
	require.NoError(t, err)
	c2 := dynamodb.NewFromConfig(withRetries(restored.Config(), 1))

	for _, key := range []item{{"pk": S("q"), "sk": N("1")}, {"pk": S("q"), "sk": N("2")}, {"pk": S("r"), "sk": N("1")}} {
		assert.Equal(t, getItem(t, c, "tokens", key), getItem(t, c2, "tokens", key), "every item survives as it was")
	}
	d, err := c2.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("tokens")})
	require.NoError(t, err)
	assert.Equal(t, types.TimeToLiveStatusEnabled, d.TimeToLiveDescription.TimeToLiveStatus)

	clk2.Advance(10 * time.Minute)
	assert.Nil(t, getItem(t, c2, "tokens", item{"pk": S("q"), "sk": N("2")}), "TTL goes on on the restored clock")
	_, err = c2.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tokens"), Item: item{"pk": S("r"), "sk": N("1")},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var failed *types.ConditionalCheckFailedException
	assert.ErrorAs(t, err, &failed, "the restored item is there for conditions too")
}
