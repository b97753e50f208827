package cloudformation_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	cfnsim "github.com/towervend/towervend/internal/awssim/cloudformation"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/wiretest"
	"github.com/towervend/towervend/internal/clock"
)

func outputsOf(st cfntypes.Stack) map[string]string {
	out := map[string]string{}
	for _, o := range st.Outputs {
		out[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return out
}

// A simulator nothing was deployed into (`towervend sim --bare`) has no stack.
func TestABareSimulatorHasNoStack(t *testing.T) {
	s, _ := newTestSim(t, nil)
	c := cfnAs(s, vendingKey)
	ctx := context.Background()

	all, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	require.NoError(t, err)
	assert.Empty(t, all.Stacks)
	list, err := c.ListStacks(ctx, &cloudformation.ListStacksInput{})
	require.NoError(t, err)
	assert.Empty(t, list.StackSummaries)

	_, err = c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
	code, msg := apiError(t, err)
	assert.Equal(t, "ValidationError", code)
	assert.Equal(t, "Stack with id TowerVend does not exist", msg)

	resp := rawQuery(t, s, vendingKey, url.Values{"Action": {"DescribeStacks"}, "Version": {cfnsim.Version}, "StackName": {"TowerVend"}})
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	doc := wiretest.ParseXML(t, resp.Body)
	assert.Equal(t, cfnsim.Namespace, doc.Space)
	assert.Equal(t, "Sender", doc.Child("Error").Child("Type").Text)
}

func TestARecordedStackIsDescribed(t *testing.T) {
	s, clk := newTestSim(t, nil)
	clk.Advance(3 * time.Minute)
	require.NoError(t, s.PutStack(towervendStack()))
	created := clk.Now()
	c := cfnAs(s, vendingKey)
	ctx := context.Background()

	out, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
	require.NoError(t, err)
	require.Len(t, out.Stacks, 1)
	st := out.Stacks[0]
	assert.Equal(t, "TowerVend", aws.ToString(st.StackName))
	assert.Regexp(t, `^arn:aws:cloudformation:eu-west-1:111122223333:stack/TowerVend/[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, aws.ToString(st.StackId))
	assert.Equal(t, cfntypes.StackStatusCreateComplete, st.StackStatus)
	assert.True(t, created.Equal(aws.ToTime(st.CreationTime)), "%v", st.CreationTime)
	assert.Nil(t, st.LastUpdatedTime)
	assert.Equal(t, "towervend: event-driven AWS Control Tower account vending", aws.ToString(st.Description))
	assert.True(t, aws.ToBool(st.EnableTerminationProtection))
	assert.False(t, aws.ToBool(st.DisableRollback))
	assert.Equal(t, []cfntypes.Tag{{Key: aws.String("app"), Value: aws.String("towervend")}}, st.Tags)
	assert.Equal(t, towervendStack().Outputs, outputsOf(st))

	t.Run("by its id", func(t *testing.T) {
		byID, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: st.StackId})
		require.NoError(t, err)
		require.Len(t, byID.Stacks, 1)
		assert.Equal(t, st.StackId, byID.Stacks[0].StackId)
	})
	t.Run("all of them", func(t *testing.T) {
		all, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
		require.NoError(t, err)
		require.Len(t, all.Stacks, 1)
	})
	t.Run("listed, filtered by status", func(t *testing.T) {
		list, err := c.ListStacks(ctx, &cloudformation.ListStacksInput{StackStatusFilter: []cfntypes.StackStatus{cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete}})
		require.NoError(t, err)
		require.Len(t, list.StackSummaries, 1)
		sum := list.StackSummaries[0]
		assert.Equal(t, st.StackId, sum.StackId)
		assert.Equal(t, st.Description, sum.TemplateDescription)
		none, err := c.ListStacks(ctx, &cloudformation.ListStacksInput{StackStatusFilter: []cfntypes.StackStatus{cfntypes.StackStatusDeleteComplete}})
		require.NoError(t, err)
		assert.Empty(t, none.StackSummaries)
		_, err = c.ListStacks(ctx, &cloudformation.ListStacksInput{StackStatusFilter: []cfntypes.StackStatus{"DONE"}})
		code, _ := apiError(t, err)
		assert.Equal(t, "ValidationError", code)
	})
	t.Run("its resources", func(t *testing.T) {
		res, err := c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("TowerVend")})
		require.NoError(t, err)
		require.Len(t, res.StackResources, 2)
		r := res.StackResources[0]
		assert.Equal(t, "RequestsQueue", aws.ToString(r.LogicalResourceId))
		assert.Equal(t, "AWS::SQS::Queue", aws.ToString(r.ResourceType))
		assert.Equal(t, cfntypes.ResourceStatusCreateComplete, r.ResourceStatus)
		assert.Equal(t, st.StackId, r.StackId)

		one, err := c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("TowerVend"), LogicalResourceId: aws.String("Workflow")})
		require.NoError(t, err)
		require.Len(t, one.StackResources, 1)
		byPhysical, err := c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{PhysicalResourceId: one.StackResources[0].PhysicalResourceId})
		require.NoError(t, err)
		assert.Len(t, byPhysical.StackResources, 2, "a physical id finds its stack's resources")
		_, err = c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{})
		code, _ := apiError(t, err)
		assert.Equal(t, "ValidationError", code)
	})
	t.Run("recorded again, it is updated", func(t *testing.T) {
		clk.Advance(time.Hour)
		require.NoError(t, s.PutStack(towervendStack()))
		again, err := c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
		require.NoError(t, err)
		up := again.Stacks[0]
		assert.Equal(t, st.StackId, up.StackId)
		assert.Equal(t, cfntypes.StackStatusUpdateComplete, up.StackStatus)
		assert.Equal(t, st.CreationTime, up.CreationTime)
		assert.True(t, clk.Now().Equal(aws.ToTime(up.LastUpdatedTime)))
	})
	t.Run("a restored snapshot keeps it", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, s.Snapshot(&buf))
		at, err := awssim.SnapshotTime(buf.Bytes())
		require.NoError(t, err)
		restored, err := awssim.Restore(&buf, awssim.Options{Clock: clock.NewVirtual(at, 0)})
		require.NoError(t, err)
		back, err := cfnAs(restored, vendingKey).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
		require.NoError(t, err)
		assert.Equal(t, st.StackId, back.Stacks[0].StackId)
		assert.Equal(t, towervendStack().Outputs, outputsOf(back.Stacks[0]))
	})
}

// A deployment that began earlier is a stack created when it began, before
// the resources it made.
func TestARecordedStackIsCreatedWhenItsDeploymentBegan(t *testing.T) {
	s, clk := newTestSim(t, nil)
	began := clk.Now()
	clk.Advance(40 * time.Second)
	spec := towervendStack()
	spec.Created = began
	require.NoError(t, s.PutStack(spec))
	out, err := cfnAs(s, vendingKey).DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
	require.NoError(t, err)
	assert.True(t, began.Equal(aws.ToTime(out.Stacks[0].CreationTime)), "%v", out.Stacks[0].CreationTime)
}

func TestAStackIsSeenOnlyInItsAccountAndRegion(t *testing.T) {
	s, _ := newTestSim(t, func(w *awssim.World) {
		w.Principals = append(w.Principals, awssim.PrincipalSpec{AccessKeyID: "AKIAMEMBER0000000001", Arn: "arn:aws:iam::618273645091:role/Developer"})
	})
	require.NoError(t, s.PutStack(towervendStack()))
	ctx := context.Background()

	cfg := s.ConfigAs(vendingKey)
	cfg.Region = "us-east-1"
	other, err := cfnFor(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	require.NoError(t, err)
	assert.Empty(t, other.Stacks, "stacks are regional")

	member, err := cfnAs(s, "AKIAMEMBER0000000001").DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	require.NoError(t, err)
	assert.Empty(t, member.Stacks, "the stack is the management account's")
}

// A queue URL output is answered on the host the caller reached, as SQS
// answers queue URLs, so an operator can use it.
func TestAQueueURLOutputIsOnTheHostTheCallerReached(t *testing.T) {
	s, _ := newTestSim(t, nil)
	require.NoError(t, s.PutStack(towervendStack()))
	srv := httptest.NewServer(s)
	defer srv.Close()
	cfg := s.ConfigAs(vendingKey)
	cfg.HTTPClient = srv.Client()
	cfg.BaseEndpoint = aws.String(srv.URL)
	out, err := cfnFor(cfg).DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
	require.NoError(t, err)
	got := outputsOf(out.Stacks[0])
	assert.Equal(t, srv.URL+"/"+mgmt+"/towervend-requests", got["RequestQueueUrl"])
	assert.Equal(t, "towervend", got["NotificationBusName"], "other values as recorded")
}

func TestStackIdsAreStablePerWorld(t *testing.T) {
	id := func(s *awssim.Sim) string {
		require.NoError(t, s.PutStack(towervendStack()))
		out, err := cfnAs(s, vendingKey).DescribeStacks(context.Background(), &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
		require.NoError(t, err)
		return aws.ToString(out.Stacks[0].StackId)
	}
	a, _ := newTestSim(t, nil)
	b, _ := newTestSim(t, nil)
	_, err := b.AddRole("something-first")
	require.NoError(t, err)
	assert.Equal(t, id(a), id(b))
	other, _ := newTestSim(t, func(w *awssim.World) { w.Seed++ })
	assert.NotEqual(t, id(a), id(other))

	assert.Error(t, a.PutStack(awssim.StackSpec{Name: "1-not-a-name"}), "CloudFormation's stack name pattern")
}

func TestCloudFormationCallsAreAuthorizedOnTheStack(t *testing.T) {
	s, _ := newTestSim(t, nil)
	require.NoError(t, s.PutStack(towervendStack()))
	key, err := s.AddRole("reader", iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, Action: []string{"cloudformation:DescribeStacks"}, Resource: []string{"arn:aws:cloudformation:*:*:stack/TowerVend/*"}}}})
	require.NoError(t, err)
	c := cfnAs(s, key)
	ctx := context.Background()

	_, err = c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("TowerVend")})
	require.NoError(t, err)
	_, err = c.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{})
	code, msg := apiError(t, err)
	assert.Equal(t, "AccessDenied", code, "describing every stack is on no resource, and needs ListStacks")
	assert.Contains(t, msg, "cloudformation:")
	_, err = c.DescribeStackResources(ctx, &cloudformation.DescribeStackResourcesInput{StackName: aws.String("TowerVend")})
	code, _ = apiError(t, err)
	assert.Equal(t, "AccessDenied", code)
}

// DescribeStacks answers in the shape of the CloudFormation API Reference's
// DescribeStacks example: the elements it shows, in its order, under the
// same parents.
func TestDescribeStacksAnswersAsTheAPIReferenceShows(t *testing.T) {
	s, _ := newTestSim(t, nil)
	require.NoError(t, s.PutStack(towervendStack()))
	resp := rawQuery(t, s, vendingKey, url.Values{"Action": {"DescribeStacks"}, "Version": {cfnsim.Version}, "StackName": {"TowerVend"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/xml", resp.Header.Get("Content-Type"))
	doc := wiretest.ParseXML(t, resp.Body)

	// The documented example: DescribeStacksResponse in CloudFormation's
	// namespace holding DescribeStacksResult and ResponseMetadata; each
	// Stacks member has StackName, StackId, CreationTime, StackStatus,
	// DisableRollback and Outputs in that order; each Outputs member an
	// OutputKey and an OutputValue.
	example := struct {
		root, namespace       string
		top, stack, outputRow []string
	}{"DescribeStacksResponse", "http://cloudformation.amazonaws.com/doc/2010-05-15/", []string{"DescribeStacksResult", "ResponseMetadata"},
		[]string{"StackName", "StackId", "CreationTime", "StackStatus", "DisableRollback", "Outputs"}, []string{"OutputKey", "OutputValue"}}
	assert.Equal(t, example.root, doc.Name)
	assert.Equal(t, example.namespace, doc.Space)
	assert.Equal(t, example.top, doc.Names())
	stacks := doc.Child("DescribeStacksResult").Child("Stacks")
	require.NotNil(t, stacks)
	require.Len(t, stacks.Children, 1)
	st := stacks.Children[0]
	assert.Equal(t, "member", st.Name)
	assert.True(t, wiretest.InOrder(st.Names(), example.stack), "stack elements %v hold %v in order", st.Names(), example.stack)
	assert.Equal(t, "TowerVend", st.Child("StackName").Text)
	assert.Equal(t, "CREATE_COMPLETE", st.Child("StackStatus").Text)
	assert.Equal(t, "false", st.Child("DisableRollback").Text)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`, st.Child("CreationTime").Text)
	outputs := st.Child("Outputs")
	require.Len(t, outputs.Children, 3)
	for _, o := range outputs.Children {
		assert.Equal(t, "member", o.Name)
		assert.Equal(t, example.outputRow, o.Names())
	}
	id := doc.Child("ResponseMetadata").Child("RequestId").Text
	assert.NotEmpty(t, id)
	assert.Equal(t, id, resp.Header.Get("X-Amzn-Requestid"))
}
