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

// queryAll runs a query through the SDK's paginator and returns every page's
// sort keys.
func queryAll(t *testing.T, c *dynamodb.Client, in *dynamodb.QueryInput) [][]string {
	t.Helper()
	var pages [][]string
	p := dynamodb.NewQueryPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		pages = append(pages, strs(out.Items, "sk"))
	}
	return pages
}

func TestQueryOrdersBySortKey(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "strs", "S")
	createTable(t, c, "nums", "N")
	for _, sk := range []string{"b", "a10", "a9", "B", "c"} {
		putItem(t, c, "strs", item{"pk": S("p"), "sk": S(sk)})
	}
	for _, sk := range []string{"10", "9", "-1.5", "100", "0.25"} {
		putItem(t, c, "nums", item{"pk": S("p"), "sk": N(sk)})
	}
	putItem(t, c, "nums", item{"pk": S("other"), "sk": N("1")})

	q := func(table string, forward bool) []string {
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: item{":p": S("p")}, ScanIndexForward: aws.Bool(forward)})
		require.NoError(t, err)
		return strs(out.Items, "sk")
	}
	assert.Equal(t, []string{"B", "a10", "a9", "b", "c"}, q("strs", true), "strings by their UTF-8 bytes")
	assert.Equal(t, []string{"-1.5", "0.25", "9", "10", "100"}, q("nums", true), "numbers numerically")
	assert.Equal(t, []string{"100", "10", "9", "0.25", "-1.5"}, q("nums", false), "ScanIndexForward=false: descending")
}

func TestQueryPagesWithLimit(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "line", "N")
	for i := 1; i <= 5; i++ {
		putItem(t, c, "line", item{"pk": S("waiting"), "sk": N(fmt.Sprint(i))})
	}
	in := func(forward bool) *dynamodb.QueryInput {
		return &dynamodb.QueryInput{TableName: aws.String("line"), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: item{":p": S("waiting")}, Limit: aws.Int32(2), ScanIndexForward: aws.Bool(forward)}
	}
	assert.Equal(t, [][]string{{"1", "2"}, {"3", "4"}, {"5"}}, queryAll(t, c, in(true)))
	assert.Equal(t, [][]string{{"5", "4"}, {"3", "2"}, {"1"}}, queryAll(t, c, in(false)))

	first, err := c.Query(ctx, in(true))
	require.NoError(t, err)
	assert.Equal(t, item{"pk": S("waiting"), "sk": N("2")}, first.LastEvaluatedKey)
	exact := in(true)
	exact.Limit = aws.Int32(5)
	out, err := c.Query(ctx, exact)
	require.NoError(t, err)
	assert.Len(t, out.Items, 5)
	assert.NotNil(t, out.LastEvaluatedKey, "a page that stopped at Limit has a LastEvaluatedKey even when nothing is left, as on AWS")
	exact.ExclusiveStartKey = out.LastEvaluatedKey
	out, err = c.Query(ctx, exact)
	require.NoError(t, err)
	assert.Empty(t, out.Items)
	assert.Nil(t, out.LastEvaluatedKey)
}

func TestQuerySortKeyConditionsAndFilter(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "S")
	for i, sk := range []string{"task#001", "task#002", "task#010", "wait#001", "wait#002"} {
		putItem(t, c, "tbl", item{"pk": S("q"), "sk": S(sk), "prio": N(fmt.Sprint(i % 3)), "kind": S(sk[:4])})
	}
	tests := []struct {
		name   string
		key    string
		filter string
		values item
		want   []string
	}{
		{"begins_with", "pk = :p AND begins_with(sk, :pre)", "", item{":pre": S("wait#")}, []string{"wait#001", "wait#002"}},
		{"between", "pk = :p AND sk BETWEEN :lo AND :hi", "", item{":lo": S("task#002"), ":hi": S("wait#001")}, []string{"task#002", "task#010", "wait#001"}},
		{"less than", "pk = :p AND sk < :hi", "", item{":hi": S("task#010")}, []string{"task#001", "task#002"}},
		{"sort key first", "sk >= :lo AND pk = :p", "", item{":lo": S("wait#002")}, []string{"wait#002"}},
		{"filter", "pk = :p", "prio > :zero AND kind IN (:task, :none)", item{":zero": N("0"), ":task": S("task"), ":none": S("none")}, []string{"task#002", "task#010"}},
		{"filter NOT", "pk = :p", "NOT (prio = :zero OR contains(kind, :w))", item{":zero": N("0"), ":w": S("wa")}, []string{"task#002", "task#010"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := item{":p": S("q")}
			for k, v := range tt.values {
				values[k] = v
			}
			in := &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String(tt.key), ExpressionAttributeValues: values}
			if tt.filter != "" {
				in.FilterExpression = aws.String(tt.filter)
			}
			out, err := c.Query(ctx, in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, strs(out.Items, "sk"))
		})
	}

	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("pk = :p"),
		FilterExpression: aws.String("kind = :w"), ExpressionAttributeValues: item{":p": S("q"), ":w": S("wait")}, Limit: aws.Int32(3)})
	require.NoError(t, err)
	assert.Empty(t, out.Items, "Limit counts items read, before the filter")
	assert.Equal(t, int32(3), out.ScannedCount)
	assert.NotNil(t, out.LastEvaluatedKey)

	count, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("pk = :p"),
		FilterExpression: aws.String("kind = :w"), ExpressionAttributeValues: item{":p": S("q"), ":w": S("wait")}, Select: types.SelectCount})
	require.NoError(t, err)
	assert.Equal(t, int32(2), count.Count)
	assert.Equal(t, int32(5), count.ScannedCount)
	assert.Nil(t, count.Items)

	proj, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: item{":p": S("q")}, ProjectionExpression: aws.String("sk"), Limit: aws.Int32(1)})
	require.NoError(t, err)
	assert.Equal(t, []item{{"sk": S("task#001")}}, proj.Items)
}

func TestQueryRefusesWhatAWSRefuses(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "N")
	tests := []struct {
		key, filter string
		values      item
		msg         string
	}{
		{"sk = :n", "", item{":n": N("1")}, "Query condition missed key schema element: pk"},
		{"pk = :p OR sk = :n", "", item{":p": S("a"), ":n": N("1")}, "Invalid operator used in KeyConditionExpression: OR"},
		{"pk = :p AND begins_with(sk, :s)", "", item{":p": S("a"), ":s": S("1")}, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"pk = :n", "", item{":n": N("1")}, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"pk = :p AND note = :p", "", item{":p": S("a")}, "Query key condition not supported"},
		{"pk = :p", "sk > :n", item{":p": S("a"), ":n": N("1")}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
	}
	for _, tt := range tests {
		t.Run(tt.key+" "+tt.filter, func(t *testing.T) {
			in := &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String(tt.key), ExpressionAttributeValues: tt.values}
			if tt.filter != "" {
				in.FilterExpression = aws.String(tt.filter)
			}
			_, err := c.Query(ctx, in)
			code, msg := apiError(t, err)
			assert.Equal(t, "ValidationException", code)
			assert.Equal(t, tt.msg, msg)
		})
	}
}

func TestScanPagesAndFilters(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "N")
	for _, pk := range []string{"a", "b", "c"} {
		for i := 1; i <= 3; i++ {
			putItem(t, c, "tbl", item{"pk": S(pk), "sk": N(fmt.Sprint(i)), "odd": &types.AttributeValueMemberBOOL{Value: i%2 == 1}})
		}
	}
	var all []item
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("tbl"), Limit: aws.Int32(4),
		FilterExpression: aws.String("odd = :t"), ExpressionAttributeValues: item{":t": &types.AttributeValueMemberBOOL{Value: true}}})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		require.NoError(t, err)
		all = append(all, out.Items...)
		pages++
	}
	assert.Equal(t, 3, pages, "9 items, 4 read a page")
	assert.Len(t, all, 6, "every odd item once")

	seen := map[string]bool{}
	for seg := range 3 {
		out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tbl"), Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(3)})
		require.NoError(t, err)
		for _, it := range out.Items {
			k := strs([]item{it}, "pk")[0] + "/" + strs([]item{it}, "sk")[0]
			assert.False(t, seen[k], "an item is in one segment")
			seen[k] = true
		}
	}
	assert.Len(t, seen, 9, "the segments cover the table")
}
