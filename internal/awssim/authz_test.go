package awssim

// The authorization of every call, end to end: each service's declared
// accesses, its AccessDenied shape, and roles across a snapshot. Package
// authz tests the registry, the global condition keys and the report.

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/iam"
)

// Facts of world/default.json the authorization tests name.
const (
	authzMgmt       = "111122223333"
	authzOrg        = "o-nw7k2m4q9x"
	authzPayments   = "618273645091" // Workloads/Prod
	authzWklProd    = "ou-nw7k-wklprod1"
	authzSandbox    = "ou-nw7k-sbx00001"
	authzAccountArn = "arn:aws:organizations::" + authzMgmt + ":account/" + authzOrg + "/"
	authzOUArn      = "arn:aws:organizations::" + authzMgmt + ":ou/" + authzOrg + "/"
)

func allow(actions []string, resources ...string) iam.Statement {
	return iam.Statement{Effect: iam.EffectAllow, Action: actions, Resource: resources}
}

func policy(statements ...iam.Statement) iam.Policy {
	return iam.Policy{Version: iam.Version20121017, Statement: statements}
}

// roleConfig adds the role with policies and returns an SDK config signed as
// its session, without retries.
func roleConfig(t *testing.T, s *Sim, name string, policies ...iam.Policy) aws.Config {
	t.Helper()
	key, err := s.AddRole(name, policies...)
	require.NoError(t, err)
	return withRetries(s.ConfigAs(key), 1)
}

func session(name string) string {
	return "arn:aws:sts::" + authzMgmt + ":assumed-role/" + name + "/" + name
}

func statusOf(t *testing.T, err error) int {
	t.Helper()
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	return re.HTTPStatusCode()
}

func TestRoleAllowedDescribeAccountOnly(t *testing.T) {
	s, _ := newTestSim(t, nil)
	cfg := roleConfig(t, s, "Reader", policy(allow([]string{"organizations:DescribeAccount"}, authzAccountArn+"*")))
	org := organizations.NewFromConfig(cfg)
	ctx := context.Background()

	out, err := org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(authzPayments)})
	require.NoError(t, err)
	assert.Equal(t, "payments-prod", aws.ToString(out.Account.Name))

	_, err = org.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(authzPayments)})
	var denied *orgtypes.AccessDeniedException
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, "User: "+session("Reader")+" is not authorized to perform: organizations:ListTagsForResource on resource: "+
		authzAccountArn+authzPayments+" because no identity-based policy allows the organizations:ListTagsForResource action", denied.ErrorMessage())
	assert.Equal(t, http.StatusBadRequest, statusOf(t, err))

	_, err = org.ListAccounts(ctx, &organizations.ListAccountsInput{})
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, "User: "+session("Reader")+" is not authorized to perform: organizations:ListAccounts because no identity-based policy allows the organizations:ListAccounts action",
		denied.ErrorMessage(), "an action without resource types names no resource")
}

func TestExplicitDenyWins(t *testing.T) {
	s, _ := newTestSim(t, nil)
	cfg := roleConfig(t, s, "Operator",
		policy(allow([]string{"organizations:*"}, "*")),
		policy(iam.Statement{Effect: iam.EffectDeny, Action: []string{"organizations:CloseAccount"}, Resource: []string{authzAccountArn + authzPayments}}))
	org := organizations.NewFromConfig(cfg)
	ctx := context.Background()

	_, err := org.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(authzPayments)})
	var denied *orgtypes.AccessDeniedException
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, "User: "+session("Operator")+" is not authorized to perform: organizations:CloseAccount on resource: "+
		authzAccountArn+authzPayments+" with an explicit deny in an identity-based policy", denied.ErrorMessage())
	acct, _ := s.org.AccountCopy(authzPayments)
	assert.Equal(t, "ACTIVE", acct.Status, "a denied call changes nothing")

	_, err = org.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(authzPayments)})
	assert.NoError(t, err, "the Allow still covers what the Deny does not")
}

func TestMoveAccountNeedsAccountSourceAndDestination(t *testing.T) {
	s, _ := newTestSim(t, nil)
	move := []string{"organizations:MoveAccount"}
	cfg := roleConfig(t, s, "Mover", policy(allow(move, authzAccountArn+authzPayments, authzOUArn+authzWklProd)))
	org := organizations.NewFromConfig(cfg)
	in := &organizations.MoveAccountInput{AccountId: aws.String(authzPayments),
		SourceParentId: aws.String(authzWklProd), DestinationParentId: aws.String(authzSandbox)}

	_, err := org.MoveAccount(context.Background(), in)
	var denied *orgtypes.AccessDeniedException
	require.ErrorAs(t, err, &denied)
	assert.Contains(t, denied.ErrorMessage(), "on resource: "+authzOUArn+authzSandbox+" because", "the destination is not allowed")
	acct, _ := s.org.AccountCopy(authzPayments)
	assert.Equal(t, authzWklProd, acct.ParentID)

	require.NoError(t, s.SetPolicies("Mover", policy(allow(move, authzAccountArn+authzPayments, authzOUArn+authzSandbox))))
	_, err = org.MoveAccount(context.Background(), in)
	require.ErrorAs(t, err, &denied)
	assert.Contains(t, denied.ErrorMessage(), "on resource: "+authzOUArn+authzWklProd+" because", "now the source is not")

	require.NoError(t, s.SetPolicies("Mover", policy(allow(move, authzAccountArn+authzPayments, authzOUArn+authzWklProd, authzOUArn+authzSandbox))))
	_, err = org.MoveAccount(context.Background(), in)
	require.NoError(t, err, "all three allowed")
	acct, _ = s.org.AccountCopy(authzPayments)
	assert.Equal(t, authzSandbox, acct.ParentID)
}

func TestAssumeRoleOnlyInsideTheOrganization(t *testing.T) {
	s, _ := newTestSim(t, nil)
	cfg := roleConfig(t, s, "Vendor", policy(iam.Statement{
		Effect: iam.EffectAllow, Action: []string{"sts:AssumeRole"}, Resource: []string{"arn:aws:iam::*:role/AWSControlTowerExecution"},
		Condition: iam.Condition{"StringEquals": {"aws:ResourceOrgID": {"${aws:PrincipalOrgID}"}}},
	}))
	client := sts.NewFromConfig(cfg)
	ctx := context.Background()

	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + authzPayments + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("vend")})
	require.NoError(t, err, "a member account's role is in the caller's organization")
	assert.Equal(t, "arn:aws:sts::"+authzPayments+":assumed-role/AWSControlTowerExecution/vend", aws.ToString(out.AssumedRoleUser.Arn))

	outside := "arn:aws:iam::999988887777:role/AWSControlTowerExecution"
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(outside), RoleSessionName: aws.String("vend")})
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	assert.Equal(t, "AccessDenied", api.ErrorCode())
	assert.Equal(t, "User: "+session("Vendor")+" is not authorized to perform: sts:AssumeRole on resource: "+outside+
		" because no identity-based policy allows the sts:AssumeRole action", api.ErrorMessage())
	assert.Equal(t, http.StatusForbidden, statusOf(t, err))

	who, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err, "GetCallerIdentity needs no permission")
	assert.Equal(t, session("Vendor"), aws.ToString(who.Arn))
}

func TestPutEventsRefusesAnotherSource(t *testing.T) {
	s, _ := newTestSim(t, nil)
	bus := "arn:aws:events:eu-west-1:" + authzMgmt + ":event-bus/default"
	cfg := roleConfig(t, s, "Notifier", policy(iam.Statement{
		Effect: iam.EffectAllow, Action: []string{"events:PutEvents"}, Resource: []string{bus},
		Condition: iam.Condition{"StringEquals": {"events:source": {"towervend"}}},
	}))
	events := eventbridge.NewFromConfig(cfg)
	entry := func(source string) ebtypes.PutEventsRequestEntry {
		return ebtypes.PutEventsRequestEntry{Source: aws.String(source), DetailType: aws.String("Request State Change"), Detail: aws.String(`{}`)}
	}

	out, err := events.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry("towervend")}})
	require.NoError(t, err)
	assert.Zero(t, out.FailedEntryCount)

	_, err = events.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{entry("towervend"), entry("aws.organizations.spoof")}})
	var denied *ebtypes.AccessDeniedException
	require.ErrorAs(t, err, &denied, "one entry of another source refuses the call")
	assert.Equal(t, "User: "+session("Notifier")+" is not authorized to perform: events:PutEvents on resource: "+bus+
		" because no identity-based policy allows the events:PutEvents action", denied.ErrorMessage())
}

func TestWorldPrincipalsAreUnrestricted(t *testing.T) {
	s, _ := newTestSim(t, nil)
	_, err := s.AddRole("Nobody") // a role with no policies does not touch the world's principals
	require.NoError(t, err)
	org := organizations.NewFromConfig(testConfig(s))
	_, err = org.CloseAccount(context.Background(), &organizations.CloseAccountInput{AccountId: aws.String(authzPayments)})
	require.NoError(t, err)
	assert.Zero(t, s.IAMReport().Checked, "calls of principals without policies are not checked")
}

// TestAccessDeniedShapes: each service answers a denied call in its own
// protocol, and the SDK surfaces the modelled type where there is one.
func TestAccessDeniedShapes(t *testing.T) {
	s, _ := newTestSim(t, nil)
	cfg := roleConfig(t, s, "Nothing") // no policy: every call is implicitly denied
	ctx := context.Background()
	instance := "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6"
	queueURL := Endpoint + "/" + authzMgmt + "/towervend-rejected"

	tests := []struct {
		name   string
		call   func() error
		typed  any // pointer to the modelled error type, or nil
		code   string
		status int
		text   string // in the message
	}{
		{"organizations", func() error {
			_, err := organizations.NewFromConfig(cfg).ListRoots(ctx, &organizations.ListRootsInput{})
			return err
		}, new(*orgtypes.AccessDeniedException), "AccessDeniedException", 400, "organizations:ListRoots"},
		{"servicecatalog", func() error {
			_, err := servicecatalog.NewFromConfig(cfg).SearchProducts(ctx, &servicecatalog.SearchProductsInput{})
			return err
		}, nil, "AccessDeniedException", 400, "servicecatalog:SearchProducts"},
		{"sso-admin", func() error {
			_, err := ssoadmin.NewFromConfig(cfg).ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(instance)})
			return err
		}, new(*ssotypes.AccessDeniedException), "AccessDeniedException", 400, "sso:ListPermissionSets on resource: " + instance},
		{"identitystore", func() error {
			_, err := identitystore.NewFromConfig(cfg).ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String("d-93670a1b2c")})
			return err
		}, new(*idstypes.AccessDeniedException), "AccessDeniedException", 400,
			"identitystore:ListUsers on resource: arn:aws:identitystore::" + authzMgmt + ":identitystore/d-93670a1b2c"},
		{"sts", func() error {
			_, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + authzPayments + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("x1")})
			return err
		}, nil, "AccessDenied", 403, "sts:AssumeRole"},
		{"sqs", func() error {
			_, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String("x")})
			return err
		}, nil, "AccessDenied", 403, "sqs:sendmessage on resource: arn:aws:sqs:eu-west-1:" + authzMgmt + ":towervend-rejected because no identity-based policy allows the sqs:sendmessage action"},
		{"dynamodb", func() error {
			_, err := dynamodb.NewFromConfig(cfg).GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("towervend-tokens"),
				Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "a"}}})
			return err
		}, nil, "AccessDeniedException", 400, "dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-1:" + authzMgmt + ":table/towervend-tokens because no identity-based policy allows the dynamodb:GetItem action"},
		{"eventbridge", func() error {
			_, err := eventbridge.NewFromConfig(cfg).ListEventBuses(ctx, &eventbridge.ListEventBusesInput{})
			return err
		}, new(*ebtypes.AccessDeniedException), "AccessDeniedException", 400, "events:ListEventBuses"},
		{"stepfunctions", func() error {
			_, err := sfn.NewFromConfig(cfg).ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
			return err
		}, nil, "AccessDeniedException", 400, "states:ListStateMachines"},
		{"controltower", func() error {
			_, err := controltower.NewFromConfig(cfg).ListEnabledBaselines(ctx, &controltower.ListEnabledBaselinesInput{})
			return err
		}, new(*cttypes.AccessDeniedException), "AccessDeniedException", 403, "controltower:ListEnabledBaselines"},
		{"lambda", func() error {
			_, err := lambda.NewFromConfig(cfg).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("towervend-lifecycle")})
			return err
		}, nil, "AccessDeniedException", 403, "lambda:InvokeFunction on resource: arn:aws:lambda:eu-west-1:" + authzMgmt + ":function:towervend-lifecycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			require.Error(t, err)
			if tt.typed != nil {
				assert.ErrorAs(t, err, tt.typed)
			}
			var api smithy.APIError
			require.ErrorAs(t, err, &api)
			assert.Equal(t, tt.code, api.ErrorCode())
			assert.Contains(t, api.ErrorMessage(), "User: "+session("Nothing")+" is not authorized to perform: "+tt.text)
			assert.Equal(t, tt.status, statusOf(t, err))
		})
	}
}

func TestRolesSurviveASnapshot(t *testing.T) {
	s, _ := newTestSim(t, nil)
	key, err := s.AddRole("Lister", policy(allow([]string{"organizations:ListRoots"}, "*")))
	require.NoError(t, err)
	var snap bytes.Buffer
	require.NoError(t, s.Snapshot(&snap))

	restored, err := Restore(&snap, Options{})
	require.NoError(t, err)
	org := organizations.NewFromConfig(withRetries(restored.ConfigAs(key), 1))
	_, err = org.ListRoots(context.Background(), &organizations.ListRootsInput{})
	require.NoError(t, err)
	_, err = org.DescribeAccount(context.Background(), &organizations.DescribeAccountInput{AccountId: aws.String(authzPayments)})
	var denied *orgtypes.AccessDeniedException
	assert.ErrorAs(t, err, &denied, "the restored role keeps its policies")
}

// GetLandingZone is authorized on the landing zone's ARN, ListLandingZones on "*".
func TestRoleListsLandingZonesOnly(t *testing.T) {
	s, _ := newTestSim(t, nil)
	cfg := roleConfig(t, s, "LZReader", policy(allow([]string{"controltower:ListLandingZones"}, "*")))
	ct := controltower.NewFromConfig(cfg)
	ctx := context.Background()
	list, err := ct.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
	require.NoError(t, err)
	require.Len(t, list.LandingZones, 1)
	arn := aws.ToString(list.LandingZones[0].Arn)

	_, err = ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: aws.String(arn)})
	var denied *cttypes.AccessDeniedException
	require.ErrorAs(t, err, &denied)
	assert.Equal(t, "User: "+session("LZReader")+" is not authorized to perform: controltower:GetLandingZone on resource: "+arn+
		" because no identity-based policy allows the controltower:GetLandingZone action", denied.ErrorMessage())
	assert.Equal(t, http.StatusForbidden, statusOf(t, err))
}
