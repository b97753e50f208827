package dynamodb_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateDescribeDeleteTable(t *testing.T) {
	s, clk, c := newDynamoTest(t)
	created, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String("towervend-tokens"),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN}},
		SSESpecification: &types.SSESpecification{Enabled: aws.Bool(true)},
		Tags:             []types.Tag{{Key: aws.String("app"), Value: aws.String("towervend")}},
	})
	require.NoError(t, err)
	arn := "arn:aws:dynamodb:eu-west-1:" + s.ManagementAccountID() + ":table/towervend-tokens"
	assert.Equal(t, types.TableStatusCreating, created.TableDescription.TableStatus, "CreateTable answers CREATING, as AWS does")
	assert.Equal(t, arn, aws.ToString(created.TableDescription.TableArn))

	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("towervend-tokens")})
	require.NoError(t, err)
	tbl := d.Table
	assert.Equal(t, types.TableStatusActive, tbl.TableStatus)
	assert.Equal(t, arn, aws.ToString(tbl.TableArn))
	assert.NotEmpty(t, aws.ToString(tbl.TableId))
	assert.Equal(t, types.BillingModePayPerRequest, tbl.BillingModeSummary.BillingMode)
	assert.Equal(t, types.SSEStatusEnabled, tbl.SSEDescription.Status)
	assert.Equal(t, types.SSETypeKms, tbl.SSEDescription.SSEType)
	assert.Regexp(t, `^arn:aws:kms:eu-west-1:\d{12}:key/[0-9a-f-]{36}$`, aws.ToString(tbl.SSEDescription.KMSMasterKeyArn))
	assert.Equal(t, clk.Now().Unix(), tbl.CreationDateTime.Unix())
	require.Len(t, tbl.KeySchema, 2)
	assert.Equal(t, "sk", aws.ToString(tbl.KeySchema[1].AttributeName))
	assert.Equal(t, types.KeyTypeRange, tbl.KeySchema[1].KeyType)
	assert.Zero(t, aws.ToInt64(tbl.ItemCount))

	putItem(t, c, "towervend-tokens", item{"pk": S("a"), "sk": N("1")})
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(arn)})
	require.NoError(t, err, "a table ARN names the table too")
	assert.Equal(t, int64(1), aws.ToInt64(d.Table.ItemCount))

	tags, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
	require.NoError(t, err)
	assert.Equal(t, []types.Tag{{Key: aws.String("app"), Value: aws.String("towervend")}}, tags.Tags)

	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("towervend-tokens"), BillingMode: types.BillingModePayPerRequest,
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}}})
	var inUse *types.ResourceInUseException
	require.ErrorAs(t, err, &inUse)
	assert.Equal(t, "Table already exists: towervend-tokens", inUse.ErrorMessage())

	deleted, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("towervend-tokens")})
	require.NoError(t, err)
	assert.Equal(t, types.TableStatusDeleting, deleted.TableDescription.TableStatus)

	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("towervend-tokens")})
	var notFound *types.ResourceNotFoundException
	require.ErrorAs(t, err, &notFound)
	assert.Equal(t, "Requested resource not found: Table: towervend-tokens not found", notFound.ErrorMessage())
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("towervend-tokens"), Key: item{"pk": S("a"), "sk": N("1")}})
	require.ErrorAs(t, err, &notFound)
	assert.Equal(t, "Requested resource not found", notFound.ErrorMessage(), "item calls do not name the table")
}

func TestCreateTableRefusesWhatAWSRefuses(t *testing.T) {
	_, _, c := newDynamoTest(t)
	pk := []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}
	pkS := []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}}
	tests := []struct {
		name string
		in   dynamodb.CreateTableInput
		msg  string
	}{
		{"provisioned without throughput", dynamodb.CreateTableInput{KeySchema: pk, AttributeDefinitions: pkS},
			"One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		{"on demand with throughput", dynamodb.CreateTableInput{KeySchema: pk, AttributeDefinitions: pkS, BillingMode: types.BillingModePayPerRequest,
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}},
			"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"key not defined", dynamodb.CreateTableInput{KeySchema: pk, BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}}},
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [id]"},
		{"definition not a key", dynamodb.CreateTableInput{KeySchema: pk, BillingMode: types.BillingModePayPerRequest,
			AttributeDefinitions: append(pkS, types.AttributeDefinition{AttributeName: aws.String("x"), AttributeType: types.ScalarAttributeTypeN})},
			"One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"range first", dynamodb.CreateTableInput{BillingMode: types.BillingModePayPerRequest, AttributeDefinitions: pkS,
			KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeRange}}},
			"Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.TableName = aws.String(fmt.Sprintf("bad-%d", i))
			_, err := c.CreateTable(ctx, &tt.in)
			code, msg := apiError(t, err)
			assert.Equal(t, "ValidationException", code)
			assert.Equal(t, tt.msg, msg)
		})
	}
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("ab"), KeySchema: pk, AttributeDefinitions: pkS, BillingMode: types.BillingModePayPerRequest})
	_, msg := apiError(t, err)
	assert.Equal(t, "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3", msg)
}

func TestListTablesPages(t *testing.T) {
	_, _, c := newDynamoTest(t)
	for _, name := range []string{"delta", "alpha", "charlie", "bravo", "echo"} {
		createTable(t, c, name, "")
	}
	var pages [][]string
	p := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages = append(pages, out.TableNames)
	}
	assert.Equal(t, [][]string{{"alpha", "bravo"}, {"charlie", "delta"}, {"echo"}}, pages)

	out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Len(t, out.TableNames, 5)
	assert.Nil(t, out.LastEvaluatedTableName, "no more tables: no LastEvaluatedTableName")
}

func TestTablesBelongToTheirRegion(t *testing.T) {
	s, _, c := newDynamoTest(t)
	createTable(t, c, "home", "")
	other := dynamodb.NewFromConfig(withRetries(s.Config(), 1), func(o *dynamodb.Options) { o.Region = "us-east-1" })
	out, err := other.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Empty(t, out.TableNames, "a table is in the Region its CreateTable was signed for")
	createTable(t, other, "home", "")
	d, err := other.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("home")})
	require.NoError(t, err)
	assert.Contains(t, aws.ToString(d.Table.TableArn), ":us-east-1:")
}
