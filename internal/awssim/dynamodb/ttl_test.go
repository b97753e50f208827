package dynamodb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An expired item is still read until the next ten-minute sweep on the
// simulator's clock deletes it; an item without a numeric TTL never expires.
func TestTTLDeletesExpiredItemsOnTheClock(t *testing.T) {
	_, clk, c := newDynamoTest(t)
	createTable(t, c, "tokens", "")
	_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("tokens"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}})
	require.NoError(t, err)
	d, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("tokens")})
	require.NoError(t, err)
	assert.Equal(t, types.TimeToLiveStatusEnabled, d.TimeToLiveDescription.TimeToLiveStatus)
	assert.Equal(t, "expiresAt", aws.ToString(d.TimeToLiveDescription.AttributeName))

	epoch := func(d time.Duration) types.AttributeValue { return N(fmt.Sprint(clk.Now().Add(d).Unix())) }
	putItem(t, c, "tokens", item{"pk": S("soon"), "expiresAt": epoch(time.Minute)})
	putItem(t, c, "tokens", item{"pk": S("later"), "expiresAt": epoch(time.Hour)})
	putItem(t, c, "tokens", item{"pk": S("text"), "expiresAt": S("not a number")})
	putItem(t, c, "tokens", item{"pk": S("ancient"), "expiresAt": epoch(-6 * 365 * 24 * time.Hour)})
	left := func() []string {
		out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("tokens")})
		require.NoError(t, err)
		return strs(out.Items, "pk")
	}

	clk.Advance(2 * time.Minute)
	assert.ElementsMatch(t, []string{"soon", "later", "text", "ancient"}, left(), "expired, but no sweep yet: still read, as on AWS")
	clk.Advance(10 * time.Minute)
	assert.ElementsMatch(t, []string{"later", "text", "ancient"}, left(), "a sweep deleted the expired item")
	clk.Advance(time.Hour)
	assert.ElementsMatch(t, []string{"text", "ancient"}, left(),
		"a string TTL is ignored, and one over five years past, as AWS leaves them")

	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("tokens"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("other"), Enabled: aws.Bool(true)}})
	_, msg := apiError(t, err)
	assert.Equal(t, "TimeToLive is active on a different AttributeName: current AttributeName is expiresAt", msg)
}

func TestTTLDisabledKeepsItems(t *testing.T) {
	_, clk, c := newDynamoTest(t)
	createTable(t, c, "tokens", "")
	putItem(t, c, "tokens", item{"pk": S("a"), "expiresAt": N(fmt.Sprint(clk.Now().Unix()))})
	clk.Advance(time.Hour)
	assert.NotNil(t, getItem(t, c, "tokens", item{"pk": S("a")}), "no TTL on the table: nothing expires")

	_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("tokens"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true)}})
	require.NoError(t, err)
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("tokens"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(false)}})
	_, msg := apiError(t, err)
	assert.Equal(t, "Time to live has been modified multiple times within a fixed interval", msg)
	clk.Advance(10 * time.Minute)
	assert.Nil(t, getItem(t, c, "tokens", item{"pk": S("a")}), "enabled: the next sweep deletes what had expired before")
}
