package awssim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

// AWS's JSON protocols never send null: a member that has no value is left
// out. A client that decodes an answer into a typed value does not notice a
// null, but one that reads the JSON itself (a script, jq, the AWS CLI's
// --output json, a test comparing bodies) does. This test drives list,
// describe and get calls of every JSON-protocol service the simulator serves
// through the real SDK clients, on empty and on full pages, and fails on any
// null in any answer, error answers included.

// jsonAnswers is an aws.HTTPClient that keeps every JSON answer it passes on.
type jsonAnswers struct {
	next aws.HTTPClient
	mu   sync.Mutex
	all  []jsonAnswer
}

// jsonAnswer is one answer: the operation (X-Amz-Target) and its body.
type jsonAnswer struct {
	op   string
	body []byte
}

// Do implements aws.HTTPClient.
func (a *jsonAnswers) Do(r *http.Request) (*http.Response, error) {
	resp, err := a.next.Do(r)
	if err != nil || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	a.mu.Lock()
	a.all = append(a.all, jsonAnswer{op: r.Header.Get("X-Amz-Target"), body: body})
	a.mu.Unlock()
	return resp, nil
}

// answers returns what was recorded so far.
func (a *jsonAnswers) answers() []jsonAnswer {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.all)
}

// nullsIn returns the path of every null in a decoded JSON value.
func nullsIn(v any, path string) []string {
	switch v := v.(type) {
	case nil:
		return []string{path}
	case map[string]any:
		var out []string
		for k, e := range v {
			out = append(out, nullsIn(e, path+"."+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range v {
			out = append(out, nullsIn(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	return nil
}

func TestNullsInNoAnswer(t *testing.T) {
	w := awssim.DefaultWorld()
	w.Happenings = nil // the test makes its own changes
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	cfg := s.Config()
	rec := &jsonAnswers{next: cfg.HTTPClient}
	cfg.HTTPClient = rec
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1; o.RateLimiter = ratelimit.None })
	}
	ctx := context.Background()

	nullsDriveOrganizations(ctx, t, organizations.NewFromConfig(cfg))
	nullsDriveServiceCatalog(ctx, t, servicecatalog.NewFromConfig(cfg), clk)
	nullsDriveIdentityCenter(ctx, t, s, ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg), clk)
	nullsDriveEventBridge(ctx, t, eventbridge.NewFromConfig(cfg))
	nullsDriveStepFunctions(ctx, t, sfn.NewFromConfig(cfg), clk)
	nullsDriveSQS(ctx, t, sqs.NewFromConfig(cfg))
	nullsDriveDynamoDB(ctx, t, dynamodb.NewFromConfig(cfg))

	answers := rec.answers()
	services := map[string]bool{}
	for _, a := range answers {
		prefix, _, _ := strings.Cut(a.op, ".")
		services[prefix] = true
		var v any
		if !assert.NoError(t, json.Unmarshal(a.body, &v), "%s answered %s", a.op, a.body) {
			continue
		}
		for _, path := range nullsIn(v, "$") {
			t.Errorf("%s answered null at %s: %s", a.op, path, a.body)
		}
	}
	for _, prefix := range []string{"AWSOrganizationsV20161128", "AWS242ServiceCatalogService", "SWBExternalService", "AWSIdentityStore",
		"AWSEvents", "AWSStepFunctions", "AmazonSQS", "DynamoDB_20120810"} {
		assert.True(t, services[prefix], "no answer of %s was checked", prefix)
	}
}

func nullsDriveOrganizations(ctx context.Context, t *testing.T, org *organizations.Client) {
	t.Helper()
	_, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	require.NoError(t, err)
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	require.NoError(t, err)
	require.NotEmpty(t, roots.Roots)
	root := roots.Roots[0].Id
	ous, err := org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: root})
	require.NoError(t, err)
	for _, ou := range ous.OrganizationalUnits {
		_, err := org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: ou.Id})
		require.NoError(t, err)
		_, err = org.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: ou.Id}) // Enrollment's is empty
		require.NoError(t, err)
		_, err = org.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: ou.Id}) // most are empty
		require.NoError(t, err)
	}
	for _, kind := range []orgtypes.ChildType{orgtypes.ChildTypeAccount, orgtypes.ChildTypeOrganizationalUnit} {
		_, err := org.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: root, ChildType: kind})
		require.NoError(t, err)
	}
	_, err = org.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(2)}) // a page with a NextToken
	require.NoError(t, err)
	accounts, err := org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	require.NoError(t, err)
	for _, a := range accounts.Accounts { // accounts with tags and without, suspended and active
		_, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: a.Id})
		require.NoError(t, err)
		_, err = org.ListParents(ctx, &organizations.ListParentsInput{ChildId: a.Id})
		require.NoError(t, err)
		_, err = org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: a.Id})
		require.NoError(t, err)
	}
	created, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("nulls-check"), Email: aws.String("aws+nulls-check@northwind.example")})
	require.NoError(t, err)
	_, err = org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: created.CreateAccountStatus.Id})
	require.NoError(t, err)
	_, err = org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})
	require.Error(t, err, "an error answer is checked too")
}

func nullsDriveServiceCatalog(ctx context.Context, t *testing.T, sc *servicecatalog.Client, clk *clock.Virtual) {
	t.Helper()
	found, err := sc.SearchProducts(ctx, &servicecatalog.SearchProductsInput{})
	require.NoError(t, err)
	require.NotEmpty(t, found.ProductViewSummaries)
	_, err = sc.SearchProducts(ctx, &servicecatalog.SearchProductsInput{Filters: map[string][]string{"FullTextSearch": {"no such product"}}})
	require.NoError(t, err)
	_, err = sc.SearchProductsAsAdmin(ctx, &servicecatalog.SearchProductsAsAdminInput{})
	require.NoError(t, err)
	product := found.ProductViewSummaries[0].ProductId
	_, err = sc.DescribeProduct(ctx, &servicecatalog.DescribeProductInput{Id: product})
	require.NoError(t, err)
	_, err = sc.DescribeProductAsAdmin(ctx, &servicecatalog.DescribeProductAsAdminInput{Id: product})
	require.NoError(t, err)
	arts, err := sc.ListProvisioningArtifacts(ctx, &servicecatalog.ListProvisioningArtifactsInput{ProductId: product})
	require.NoError(t, err)
	var artifact *string
	for _, a := range arts.ProvisioningArtifactDetails {
		_, err := sc.DescribeProvisioningArtifact(ctx, &servicecatalog.DescribeProvisioningArtifactInput{ProductId: product, ProvisioningArtifactId: a.Id})
		require.NoError(t, err)
		if aws.ToBool(a.Active) {
			artifact = a.Id
		}
	}
	paths, err := sc.ListLaunchPaths(ctx, &servicecatalog.ListLaunchPathsInput{ProductId: product})
	require.NoError(t, err)
	require.NotEmpty(t, paths.LaunchPathSummaries)

	provisioned, err := sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{})
	require.NoError(t, err)
	_, err = sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{Filters: map[string][]string{"SearchQuery": {"name:no-such-product"}}})
	require.NoError(t, err)
	_, err = sc.ScanProvisionedProducts(ctx, &servicecatalog.ScanProvisionedProductsInput{})
	require.NoError(t, err)
	for _, p := range provisioned.ProvisionedProducts[:min(2, len(provisioned.ProvisionedProducts))] {
		_, err := sc.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Id: p.Id})
		require.NoError(t, err)
		_, err = sc.GetProvisionedProductOutputs(ctx, &servicecatalog.GetProvisionedProductOutputsInput{ProvisionedProductId: p.Id})
		require.NoError(t, err)
		if p.LastRecordId != nil {
			_, err = sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: p.LastRecordId})
			require.NoError(t, err)
		}
	}
	_, err = sc.ListRecordHistory(ctx, &servicecatalog.ListRecordHistoryInput{})
	require.NoError(t, err)

	params := []sctypes.ProvisioningParameter{
		{Key: aws.String("AccountName"), Value: aws.String("nulls-sandbox")},
		{Key: aws.String("AccountEmail"), Value: aws.String("aws+nulls-sandbox@northwind.example")},
		{Key: aws.String("ManagedOrganizationalUnit"), Value: aws.String("Sandbox (ou-nw7k-sbx00001)")},
		{Key: aws.String("SSOUserEmail"), Value: aws.String("jane.doe@northwind.example")},
		{Key: aws.String("SSOUserFirstName"), Value: aws.String("Jane")},
		{Key: aws.String("SSOUserLastName"), Value: aws.String("Doe")},
	}
	out, err := sc.ProvisionProduct(ctx, &servicecatalog.ProvisionProductInput{ProductId: product, ProvisioningArtifactId: artifact,
		PathId: paths.LaunchPathSummaries[0].Id, ProvisionedProductName: aws.String("nulls-sandbox"), ProvisioningParameters: params,
		ProvisionToken: aws.String("nulls-sandbox")})
	require.NoError(t, err)
	_, err = sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: out.RecordDetail.RecordId}) // in progress
	require.NoError(t, err)
	clk.Advance(time.Hour)
	_, err = sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: out.RecordDetail.RecordId}) // done, with outputs
	require.NoError(t, err)
	_, err = sc.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Name: aws.String("nulls-sandbox")})
	require.NoError(t, err)
}

func nullsDriveIdentityCenter(ctx context.Context, t *testing.T, s *awssim.Sim, sso *ssoadmin.Client, ids *identitystore.Client, clk *clock.Virtual) {
	t.Helper()
	state := s.IdentityCenter()
	instance, store := aws.String(state.InstanceArn), aws.String(state.IdentityStoreID)
	rest := func() { clk.Advance(time.Second) } // the APIs share 20 calls a second

	_, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	require.NoError(t, err)
	sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: instance, MaxResults: aws.Int32(2)})
	require.NoError(t, err)
	require.NotEmpty(t, sets.PermissionSets)
	_, err = sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: instance, PermissionSetArn: aws.String(sets.PermissionSets[0])})
	require.NoError(t, err)
	for _, account := range []string{"941506978324", "952617089435"} { // one with an assignment, one with none
		provisioned, err := sso.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{InstanceArn: instance, AccountId: aws.String(account)})
		require.NoError(t, err)
		for _, ps := range append(provisioned.PermissionSets, sets.PermissionSets[0]) {
			_, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: instance, AccountId: aws.String(account), PermissionSetArn: aws.String(ps)})
			require.NoError(t, err)
		}
	}
	rest()
	_, err = sso.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: instance}) // none yet
	require.NoError(t, err)

	jane := state.UserByName("jane.doe").ID
	for _, user := range []string{jane, state.UserByName("raj.patel").ID} {
		_, err := sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: instance, PrincipalId: aws.String(user), PrincipalType: ssotypes.PrincipalTypeUser})
		require.NoError(t, err)
	}
	created, err := sso.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: instance, PermissionSetArn: aws.String(sets.PermissionSets[0]),
		PrincipalId: aws.String(jane), PrincipalType: ssotypes.PrincipalTypeUser, TargetId: aws.String("952617089435"), TargetType: ssotypes.TargetTypeAwsAccount})
	require.NoError(t, err)
	_, err = sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{InstanceArn: instance,
		AccountAssignmentCreationRequestId: created.AccountAssignmentCreationStatus.RequestId})
	require.NoError(t, err)
	_, err = sso.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: instance})
	require.NoError(t, err)
	_, err = sso.ListAccountAssignmentDeletionStatus(ctx, &ssoadmin.ListAccountAssignmentDeletionStatusInput{InstanceArn: instance})
	require.NoError(t, err)
	rest()

	userID, err := ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: store, AlternateIdentifier: &idtypes.AlternateIdentifierMemberUniqueAttribute{
		Value: idtypes.UniqueAttribute{AttributePath: aws.String("userName"), AttributeValue: document.NewLazyDocument("jane.doe")}}})
	require.NoError(t, err)
	_, err = ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: userID.UserId})
	require.NoError(t, err)
	groupID, err := ids.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: store, AlternateIdentifier: &idtypes.AlternateIdentifierMemberUniqueAttribute{
		Value: idtypes.UniqueAttribute{AttributePath: aws.String("displayName"), AttributeValue: document.NewLazyDocument("platform-admins")}}})
	require.NoError(t, err)
	_, err = ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: groupID.GroupId})
	require.NoError(t, err)
	_, err = ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store, MaxResults: aws.Int32(2)})
	require.NoError(t, err)
	_, err = ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: store, Filters: []idtypes.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("nobody")}}})
	require.NoError(t, err)
	_, err = ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: store})
	require.NoError(t, err)
	_, err = ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: store, GroupId: groupID.GroupId})
	require.NoError(t, err)
	_, err = ids.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: store, MemberId: &idtypes.MemberIdMemberUserId{Value: jane}})
	require.NoError(t, err)
	_, err = ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: aws.String("9067729b3d-94f1e0b3-c394-48d5-8ab1-2c122a167074")})
	require.Error(t, err, "an error answer is checked too")
	rest()
}

func nullsDriveEventBridge(ctx context.Context, t *testing.T, eb *eventbridge.Client) {
	t.Helper()
	_, err := eb.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{})
	require.NoError(t, err)
	_, err = eb.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{NamePrefix: aws.String("none-")})
	require.NoError(t, err)
	_, err = eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{})
	require.NoError(t, err)
	_, err = eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("towervend")})
	require.NoError(t, err)
	_, err = eb.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: aws.String("towervend")})
	require.NoError(t, err)
	_, err = eb.UpdateEventBus(ctx, &eventbridge.UpdateEventBusInput{Name: aws.String("towervend"), Description: aws.String("vending")})
	require.NoError(t, err)
	_, err = eb.DescribeEventBus(ctx, &eventbridge.DescribeEventBusInput{Name: aws.String("towervend")})
	require.NoError(t, err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["towervend"]}`)})
	require.NoError(t, err)
	_, err = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r")})
	require.NoError(t, err)
	_, err = eb.ListRules(ctx, &eventbridge.ListRulesInput{})
	require.NoError(t, err)
	_, err = eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r")})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("r"),
		Targets: []ebtypes.Target{{Id: aws.String("fn"), Arn: aws.String("arn:aws:lambda:eu-west-1:111122223333:function:nothing")}}})
	require.NoError(t, err)
	_, err = eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r")})
	require.NoError(t, err)
	_, err = eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("towervend"), DetailType: aws.String("x"), Detail: aws.String(`{}`)},
		{Source: aws.String("towervend"), DetailType: aws.String("x"), Detail: aws.String(`not json`)},
	}})
	require.NoError(t, err)
	_, err = eb.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{EventPattern: aws.String(`{"source":["towervend"]}`), Event: aws.String(`{"source":"towervend"}`)})
	require.NoError(t, err)
	_, err = eb.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"fn"}})
	require.NoError(t, err)
	_, err = eb.DeleteRule(ctx, &eventbridge.DeleteRuleInput{Name: aws.String("r")})
	require.NoError(t, err)
	_, err = eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String("r")})
	require.Error(t, err, "an error answer is checked too")
}

func nullsDriveStepFunctions(ctx context.Context, t *testing.T, client *sfn.Client, clk *clock.Virtual) {
	t.Helper()
	_, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	require.NoError(t, err)
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("waiter"), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"W"},"W":{"Type":"Wait","Seconds":60,"End":true}}}`)})
	require.NoError(t, err)
	_, err = client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	require.NoError(t, err)
	_, err = client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	require.NoError(t, err)
	_, err = client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn})
	require.NoError(t, err)
	for _, name := range []string{"done", "stopped"} {
		x, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String(name), Input: aws.String(`{"a":1}`)})
		require.NoError(t, err)
		_, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn}) // running
		require.NoError(t, err)
		if name == "stopped" {
			_, err = client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: x.ExecutionArn, Error: aws.String("Operator")})
			require.NoError(t, err)
		}
		clk.Advance(2 * time.Minute)
		_, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn})
		require.NoError(t, err)
		_, err = client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: x.ExecutionArn})
		require.NoError(t, err)
		_, err = client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: x.ExecutionArn})
		require.NoError(t, err)
	}
	_, err = client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, MaxResults: 1})
	require.NoError(t, err)
	_, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("not-an-arn")})
	require.Error(t, err, "an error answer is checked too")
}

func nullsDriveSQS(ctx context.Context, t *testing.T, q *sqs.Client) {
	t.Helper()
	_, err := q.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("none-")})
	require.NoError(t, err)
	dlq, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("nulls-dlq")})
	require.NoError(t, err)
	queue, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("nulls")})
	require.NoError(t, err)
	_, err = q.ListQueues(ctx, &sqs.ListQueuesInput{})
	require.NoError(t, err)
	_, err = q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nulls")})
	require.NoError(t, err)
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	require.NoError(t, err)
	_, err = q.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: queue.QueueUrl})
	require.NoError(t, err)
	_, err = q.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: dlq.QueueUrl})
	require.NoError(t, err)
	_, err = q.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(attrs.Attributes["QueueArn"])})
	require.NoError(t, err)
	_, err = q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl}) // empty
	require.NoError(t, err)
	_, err = q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queue.QueueUrl, MessageBody: aws.String("hello")})
	require.NoError(t, err)
	_, err = q.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: queue.QueueUrl, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("1"), MessageBody: aws.String("one")}, {Id: aws.String("2"), MessageBody: aws.String("")}}})
	require.NoError(t, err)
	got, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queue.QueueUrl, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}, MessageAttributeNames: []string{"All"}})
	require.NoError(t, err)
	require.NotEmpty(t, got.Messages)
	_, err = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: queue.QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle})
	require.NoError(t, err)
	_, err = q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("none")})
	require.Error(t, err, "an error answer is checked too")
}

func nullsDriveDynamoDB(ctx context.Context, t *testing.T, db *dynamodb.Client) {
	t.Helper()
	_, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	table := aws.String("nulls")
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: table, BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: ddbtypes.KeyTypeRange}}})
	require.NoError(t, err)
	_, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: table})
	require.NoError(t, err)
	_, err = db.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	_, err = db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: table})
	require.NoError(t, err)
	key := map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}, "sk": &ddbtypes.AttributeValueMemberS{Value: "1"}}
	_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key}) // missing
	require.NoError(t, err)
	_, err = db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": &ddbtypes.AttributeValueMemberS{Value: "a"}}}) // empty
	require.NoError(t, err)
	_, err = db.Scan(ctx, &dynamodb.ScanInput{TableName: table}) // empty
	require.NoError(t, err)
	item := map[string]ddbtypes.AttributeValue{"pk": key["pk"], "sk": key["sk"], "n": &ddbtypes.AttributeValueMemberN{Value: "1"},
		"null": &ddbtypes.AttributeValueMemberNULL{Value: true}, "l": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{}}}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item, ReturnValues: ddbtypes.ReturnValueAllOld})
	require.NoError(t, err)
	_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key})
	require.NoError(t, err)
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key, UpdateExpression: aws.String("SET n = n + :one"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":one": &ddbtypes.AttributeValueMemberN{Value: "1"}}, ReturnValues: ddbtypes.ReturnValueAllNew})
	require.NoError(t, err)
	_, err = db.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :pk"), Limit: aws.Int32(1),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pk": &ddbtypes.AttributeValueMemberS{Value: "a"}}})
	require.NoError(t, err)
	_, err = db.Scan(ctx, &dynamodb.ScanInput{TableName: table})
	require.NoError(t, err)
	_, err = db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{"nulls": {Keys: []map[string]ddbtypes.AttributeValue{key}}}})
	require.NoError(t, err)
	described, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: table})
	require.NoError(t, err)
	_, err = db.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: described.Table.TableArn})
	require.NoError(t, err)
	_, err = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: key, ReturnValues: ddbtypes.ReturnValueAllOld})
	require.NoError(t, err)
	_, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("none")})
	require.Error(t, err, "an error answer is checked too")
}
