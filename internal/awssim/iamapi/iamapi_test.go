package iamapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	iampolicy "github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/iamapi"
	"github.com/towervend/towervend/internal/awssim/wiretest"
	"github.com/towervend/towervend/internal/clock"
)

var roleIDRe = regexp.MustCompile(`^AROA[A-Z0-9]{17}$`)

// listRoles is every role the client's account has, page by page.
func listRoles(t *testing.T, c *iam.Client, in *iam.ListRolesInput) []iamtypes.Role {
	t.Helper()
	var out []iamtypes.Role
	p := iam.NewListRolesPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		out = append(out, page.Roles...)
	}
	return out
}

func roleNames(roles []iamtypes.Role) []string {
	var out []string
	for _, r := range roles {
		out = append(out, aws.ToString(r.RoleName))
	}
	return out
}

// Control Tower's roles in the management account, with the paths and trust
// principals the Control Tower User Guide gives them.
func TestManagementAccountHasControlTowersRoles(t *testing.T) {
	s, _ := newTestSim(t, nil)
	c := iamAs(s, vendingKey)
	ctx := context.Background()
	tests := []struct {
		name, path, service string
		inline              []string
		attached            []string
	}{
		{"AWSControlTowerAdmin", "/service-role/", "controltower.amazonaws.com", []string{"AWSControlTowerAdminPolicy"},
			[]string{"arn:aws:iam::aws:policy/service-role/AWSControlTowerServiceRolePolicy"}},
		{"AWSControlTowerCloudTrailRole", "/service-role/", "cloudtrail.amazonaws.com", []string{"AWSControlTowerCloudTrailRolePolicy"}, nil},
		{"AWSControlTowerStackSetRole", "/service-role/", "cloudformation.amazonaws.com", []string{"AWSControlTowerStackSetRolePolicy"}, nil},
		{"AWSControlTowerConfigAggregatorRoleForOrganizations", "/service-role/", "config.amazonaws.com", nil,
			[]string{"arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"}},
		{"AWSServiceRoleForAWSControlTower", "/aws-service-role/controltower.amazonaws.com/", "controltower.amazonaws.com", nil,
			[]string{"arn:aws:iam::aws:policy/aws-service-role/AWSControlTowerAccountServiceRolePolicy"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(tt.name)})
			require.NoError(t, err)
			r := out.Role
			assert.Equal(t, tt.path, aws.ToString(r.Path))
			assert.Equal(t, "arn:aws:iam::"+mgmt+":role"+tt.path+tt.name, aws.ToString(r.Arn))
			assert.Regexp(t, roleIDRe, aws.ToString(r.RoleId))
			assert.True(t, aws.ToTime(r.CreateDate).Before(s.World().Start.AddDate(-2, 0, 0)), "made with the landing zone, before every account: %v", r.CreateDate)
			assert.Equal(t, int32(3600), aws.ToInt32(r.MaxSessionDuration))
			trust := decodeDocument(t, aws.ToString(r.AssumeRolePolicyDocument))
			st := trust["Statement"].([]any)[0].(map[string]any)
			assert.Equal(t, map[string]any{"Service": tt.service}, st["Principal"])
			assert.Equal(t, "sts:AssumeRole", st["Action"])

			pols, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(tt.name)})
			require.NoError(t, err)
			assert.ElementsMatch(t, tt.inline, pols.PolicyNames)
			att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(tt.name)})
			require.NoError(t, err)
			var arns []string
			for _, p := range att.AttachedPolicies {
				arns = append(arns, aws.ToString(p.PolicyArn))
				assert.True(t, strings.HasSuffix(aws.ToString(p.PolicyArn), "/"+aws.ToString(p.PolicyName)))
			}
			assert.Equal(t, tt.attached, arns)
		})
	}

	t.Run("the admin role's inline policy", func(t *testing.T) {
		out, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("AWSControlTowerAdmin"), PolicyName: aws.String("AWSControlTowerAdminPolicy")})
		require.NoError(t, err)
		assert.Equal(t, "AWSControlTowerAdmin", aws.ToString(out.RoleName))
		doc := decodeDocument(t, aws.ToString(out.PolicyDocument))
		assert.Equal(t, "2012-10-17", doc["Version"])
		assert.Equal(t, []any{map[string]any{"Effect": "Allow", "Action": "ec2:DescribeAvailabilityZones", "Resource": "*"}}, doc["Statement"])
	})

	t.Run("role names are not distinguished by case", func(t *testing.T) {
		out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("awscontroltoweradmin")})
		require.NoError(t, err)
		assert.Equal(t, "AWSControlTowerAdmin", aws.ToString(out.Role.RoleName))
	})

	t.Run("ListRoles by path", func(t *testing.T) {
		roles := listRoles(t, c, &iam.ListRolesInput{PathPrefix: aws.String("/service-role/")})
		assert.Equal(t, []string{"AWSControlTowerAdmin", "AWSControlTowerCloudTrailRole",
			"AWSControlTowerConfigAggregatorRoleForOrganizations", "AWSControlTowerStackSetRole"}, roleNames(roles))
		all := roleNames(listRoles(t, c, &iam.ListRolesInput{}))
		assert.Contains(t, all, "AWSServiceRoleForAWSControlTower")
		assert.Contains(t, all, "towervend-vending", "the world's principals are roles of the account")
		assert.Contains(t, all, "SecurityAuditor")
	})
}

func TestGetRoleOfAnAbsentRoleIsNoSuchEntity(t *testing.T) {
	s, _ := newTestSim(t, nil)
	c := iamAs(s, vendingKey)
	ctx := context.Background()

	_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("NoSuchRole")})
	var nse *iamtypes.NoSuchEntityException
	require.ErrorAs(t, err, &nse, "the SDK reads IAM's own error")
	code, msg := apiError(t, err)
	assert.Equal(t, "NoSuchEntity", code)
	assert.Equal(t, "The role with name NoSuchRole cannot be found.", msg)

	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("AWSControlTowerAdmin"), PolicyName: aws.String("Nope")})
	_, msg = apiError(t, err)
	assert.Equal(t, "The role policy with name Nope cannot be found.", msg)
	_, err = c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("NoSuchRole")})
	require.ErrorAs(t, err, &nse)

	resp := rawQuery(t, s, vendingKey, url.Values{"Action": {"GetRole"}, "Version": {iamapi.Version}, "RoleName": {"NoSuchRole"}})
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	doc := wiretest.ParseXML(t, resp.Body)
	assert.Equal(t, "ErrorResponse", doc.Name)
	assert.Equal(t, iamapi.Namespace, doc.Space)
	assert.Equal(t, "Sender", doc.Child("Error").Child("Type").Text)

	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("not/a/name")})
	code, _ = apiError(t, err)
	assert.Equal(t, "ValidationError", code)
}

func TestListRolesPages(t *testing.T) {
	s, _ := newTestSim(t, nil)
	c := iamAs(s, vendingKey)
	ctx := context.Background()
	all := listRoles(t, c, &iam.ListRolesInput{})
	require.Greater(t, len(all), 3)

	first, err := c.ListRoles(ctx, &iam.ListRolesInput{MaxItems: aws.Int32(2)})
	require.NoError(t, err)
	assert.Len(t, first.Roles, 2)
	assert.True(t, first.IsTruncated)
	assert.NotEmpty(t, aws.ToString(first.Marker))

	paged := listRoles(t, c, &iam.ListRolesInput{MaxItems: aws.Int32(2)})
	assert.Equal(t, roleNames(all), roleNames(paged), "pages of two add up to the whole list")

	last, err := c.ListRoles(ctx, &iam.ListRolesInput{})
	require.NoError(t, err)
	assert.False(t, last.IsTruncated)
	assert.Nil(t, last.Marker)

	for _, bad := range []*iam.ListRolesInput{{MaxItems: aws.Int32(0)}, {MaxItems: aws.Int32(1001)}, {Marker: aws.String("not-a-marker")}, {PathPrefix: aws.String("service-role/")}} {
		_, err := c.ListRoles(ctx, bad)
		code, _ := apiError(t, err)
		assert.Equal(t, "ValidationError", code)
	}
}

// A member account's roles, seen from inside it: the execution role as the
// account's state has it, and the role Organizations made in an account it
// created.
func TestMemberAccountRoles(t *testing.T) {
	s, _ := newTestSim(t, func(w *awssim.World) {
		withPrincipal("AKIADATALAKE00000001", dataLakeDev, "Developer")(w)
		withPrincipal("AKIAACQUIRED00000001", acquiredRetail, "Developer")(w)
		withPrincipal("AKIAMARKETING0000001", marketingInvited, "Developer")(w)
	})
	ctx := context.Background()

	t.Run("through AWSControlTowerExecution into an enrolled account", func(t *testing.T) {
		stsCfg := s.ConfigAs(vendingKey)
		assumed, err := sts.NewFromConfig(stsCfg).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + paymentsProd + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("operator")})
		require.NoError(t, err)
		c := iamAs(s, aws.ToString(assumed.Credentials.AccessKeyId))

		out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerExecution")})
		require.NoError(t, err)
		r := out.Role
		assert.Equal(t, "arn:aws:iam::"+paymentsProd+":role/AWSControlTowerExecution", aws.ToString(r.Arn))
		id, _, _ := strings.Cut(aws.ToString(assumed.AssumedRoleUser.AssumedRoleId), ":")
		assert.Equal(t, id, aws.ToString(r.RoleId), "the role's id is the one its sessions carry")
		trust := decodeDocument(t, aws.ToString(r.AssumeRolePolicyDocument))
		assert.Equal(t, map[string]any{"AWS": "arn:aws:iam::" + mgmt + ":root"}, trust["Statement"].([]any)[0].(map[string]any)["Principal"])
		att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("AWSControlTowerExecution")})
		require.NoError(t, err)
		require.Len(t, att.AttachedPolicies, 1)
		assert.Equal(t, "arn:aws:iam::aws:policy/AdministratorAccess", aws.ToString(att.AttachedPolicies[0].PolicyArn))
		assert.Equal(t, "AdministratorAccess", aws.ToString(att.AttachedPolicies[0].PolicyName))

		assert.Equal(t, []string{"AWSControlTowerExecution", "OrganizationAccountAccessRole"}, roleNames(listRoles(t, c, &iam.ListRolesInput{})))
		_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerAdmin")})
		code, _ := apiError(t, err)
		assert.Equal(t, "NoSuchEntity", code, "the management account's roles are not the member's")
	})

	t.Run("an untrusted execution role trusts someone outside the organization", func(t *testing.T) {
		c := iamAs(s, "AKIADATALAKE00000001")
		out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerExecution")})
		require.NoError(t, err)
		principal := decodeDocument(t, aws.ToString(out.Role.AssumeRolePolicyDocument))["Statement"].([]any)[0].(map[string]any)["Principal"].(map[string]any)["AWS"].(string)
		assert.Regexp(t, `^arn:aws:iam::\d{12}:root$`, principal)
		assert.NotContains(t, principal, mgmt)
		assert.Equal(t, []string{"AWSControlTowerExecution", "OrganizationAccountAccessRole"}, roleNames(listRoles(t, c, &iam.ListRolesInput{})))
	})

	t.Run("an invited account without the role has none", func(t *testing.T) {
		c := iamAs(s, "AKIAACQUIRED00000001")
		assert.Empty(t, listRoles(t, c, &iam.ListRolesInput{}))
		_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerExecution")})
		code, msg := apiError(t, err)
		assert.Equal(t, "NoSuchEntity", code)
		assert.Equal(t, "The role with name AWSControlTowerExecution cannot be found.", msg)
	})

	t.Run("an invited account given the role has only it", func(t *testing.T) {
		c := iamAs(s, "AKIAMARKETING0000001")
		roles := listRoles(t, c, &iam.ListRolesInput{})
		assert.Equal(t, []string{"AWSControlTowerExecution"}, roleNames(roles))
	})
}

// towervend's roles, as the local runtime adds them: the policies they are
// authorized by, inline or attached, and made when they were added.
func TestTowervendsRolesCarryTheirPolicies(t *testing.T) {
	s, clk := newTestSim(t, nil)
	ctx := context.Background()
	clk.Advance(90 * time.Minute)
	own := iampolicy.Policy{Version: iampolicy.Version20121017, Statement: []iampolicy.Statement{{
		Effect: iampolicy.EffectAllow, Action: []string{"servicecatalog:ProvisionProduct"}, Resource: []string{"*"}}}}
	managed, ok := iampolicy.AWSManaged("AWSServiceCatalogEndUserFullAccess")
	require.True(t, ok)
	key, err := s.AddRole("towervend-provision", own, managed)
	require.NoError(t, err)
	c := iamAs(s, vendingKey)

	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("towervend-provision")})
	require.NoError(t, err)
	assert.Equal(t, "/", aws.ToString(out.Role.Path))
	assert.True(t, clk.Now().Truncate(time.Second).Equal(aws.ToTime(out.Role.CreateDate)), "made when it was added: %v", out.Role.CreateDate)
	trust := decodeDocument(t, aws.ToString(out.Role.AssumeRolePolicyDocument))
	assert.Equal(t, map[string]any{"Service": "lambda.amazonaws.com"}, trust["Statement"].([]any)[0].(map[string]any)["Principal"])
	who, err := sts.NewFromConfig(s.ConfigAs(key)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(aws.ToString(who.UserId), aws.ToString(out.Role.RoleId)+":"), "the session's user id starts with the role's id")

	pols, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("towervend-provision")})
	require.NoError(t, err)
	require.Equal(t, []string{"DefaultPolicy"}, pols.PolicyNames)
	doc, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("towervend-provision"), PolicyName: aws.String("DefaultPolicy")})
	require.NoError(t, err)
	want, err := json.Marshal(own)
	require.NoError(t, err)
	got, err := json.Marshal(decodeDocument(t, aws.ToString(doc.PolicyDocument)))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))

	att, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("towervend-provision")})
	require.NoError(t, err)
	require.Len(t, att.AttachedPolicies, 1)
	assert.Equal(t, "arn:aws:iam::aws:policy/AWSServiceCatalogEndUserFullAccess", aws.ToString(att.AttachedPolicies[0].PolicyArn))

	t.Run("a restored snapshot answers the same", func(t *testing.T) {
		var buf bytes.Buffer
		require.NoError(t, s.Snapshot(&buf))
		at, err := awssim.SnapshotTime(buf.Bytes())
		require.NoError(t, err)
		restored, err := awssim.Restore(&buf, awssim.Options{Clock: clock.NewVirtual(at, 0)})
		require.NoError(t, err)
		again, err := iamAs(restored, vendingKey).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("towervend-provision")})
		require.NoError(t, err)
		assert.Equal(t, out.Role.CreateDate, again.Role.CreateDate)
		assert.Equal(t, out.Role.RoleId, again.Role.RoleId)
	})
}

// The same world answers the same ids and dates on every run, whatever was
// drawn from the seeded rand before.
func TestRoleIdsAndDatesAreStablePerWorld(t *testing.T) {
	ctx := context.Background()
	get := func(s *awssim.Sim) *iamtypes.Role {
		out, err := iamAs(s, vendingKey).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerStackSetRole")})
		require.NoError(t, err)
		return out.Role
	}
	a, _ := newTestSim(t, nil)
	b, _ := newTestSim(t, nil)
	_, err := b.AddRole("something-first") // draws ids before the call
	require.NoError(t, err)
	ra, rb := get(a), get(b)
	assert.Equal(t, ra.RoleId, rb.RoleId)
	assert.Equal(t, ra.CreateDate, rb.CreateDate)
	assert.Equal(t, ra.RoleId, get(a).RoleId, "and on every call")

	other, _ := newTestSim(t, func(w *awssim.World) { w.Seed++ })
	assert.NotEqual(t, ra.CreateDate, get(other).CreateDate, "another world, another landing zone")
}

// IAM authorizes its read calls on the role they name.
func TestIAMCallsAreAuthorizedOnTheRole(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	key, err := s.AddRole("reader", iampolicy.Policy{Version: iampolicy.Version20121017, Statement: []iampolicy.Statement{{
		Effect: iampolicy.EffectAllow, Action: []string{"iam:GetRole", "iam:ListRolePolicies"}, Resource: []string{"arn:aws:iam::" + mgmt + ":role/service-role/*"}}}})
	require.NoError(t, err)
	c := iamAs(s, key)

	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("AWSControlTowerAdmin")})
	require.NoError(t, err, "the role's ARN has its path")
	_, err = c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("AWSControlTowerAdmin")})
	require.NoError(t, err)

	for name, call := range map[string]func() error{
		"GetRole of a role on another path": func() error {
			_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("towervend-vending")})
			return err
		},
		"GetRolePolicy, not granted": func() error {
			_, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("AWSControlTowerAdmin"), PolicyName: aws.String("AWSControlTowerAdminPolicy")})
			return err
		},
		"ListRoles, on no resource": func() error {
			_, err := c.ListRoles(ctx, &iam.ListRolesInput{})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			code, msg := apiError(t, call())
			assert.Equal(t, "AccessDenied", code)
			assert.Contains(t, msg, "is not authorized to perform: iam:")
		})
	}
	rep := s.IAMReport()
	assert.NotEmpty(t, rep.Denials)
}

// GetRole answers in the shape of the IAM API Reference's GetRole example:
// the elements it shows, in its order, under the same parents, with the
// trust policy URL-encoded.
func TestGetRoleAnswersAsTheAPIReferenceShows(t *testing.T) {
	s, _ := newTestSim(t, nil)
	resp := rawQuery(t, s, vendingKey, url.Values{"Action": {"GetRole"}, "Version": {iamapi.Version}, "RoleName": {"AWSControlTowerAdmin"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/xml", resp.Header.Get("Content-Type"))
	doc := wiretest.ParseXML(t, resp.Body)

	// The documented example: GetRoleResponse in IAM's namespace holding
	// GetRoleResult and ResponseMetadata; the Role's Path, Arn, RoleName,
	// AssumeRolePolicyDocument, CreateDate, RoleId and RoleLastUsed in that
	// order; a RequestId in ResponseMetadata.
	example := struct {
		root, namespace string
		top, role       []string
	}{"GetRoleResponse", "https://iam.amazonaws.com/doc/2010-05-08/", []string{"GetRoleResult", "ResponseMetadata"},
		[]string{"Path", "Arn", "RoleName", "AssumeRolePolicyDocument", "CreateDate", "RoleId", "RoleLastUsed"}}
	assert.Equal(t, example.root, doc.Name)
	assert.Equal(t, example.namespace, doc.Space)
	assert.Equal(t, example.top, doc.Names())
	role := doc.Child("GetRoleResult").Child("Role")
	require.NotNil(t, role)
	assert.True(t, wiretest.InOrder(role.Names(), example.role), "role elements %v hold %v in order", role.Names(), example.role)
	assert.Equal(t, "/service-role/", role.Child("Path").Text)
	assert.Equal(t, "arn:aws:iam::"+mgmt+":role/service-role/AWSControlTowerAdmin", role.Child("Arn").Text)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, role.Child("CreateDate").Text)
	assert.Regexp(t, roleIDRe, role.Child("RoleId").Text)
	assert.Equal(t,
		"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22controltower.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D",
		role.Child("AssumeRolePolicyDocument").Text, "RFC 3986: everything but unreserved characters percent-encoded")
	id := doc.Child("ResponseMetadata").Child("RequestId").Text
	assert.NotEmpty(t, id)
	assert.Equal(t, id, resp.Header.Get("X-Amzn-Requestid"))
}
