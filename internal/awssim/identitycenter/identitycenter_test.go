package identitycenter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

// Accounts of the default world (world/default.json).
const (
	idcTestSandboxJdoe = "941506978324" // jane.doe has AWSAdministratorAccess here
	idcTestHackathon   = "952617089435"
	idcTestSuspended   = "174839405162"
)

// idcTestActiveAccounts are eleven ACTIVE accounts of the default world.
var idcTestActiveAccounts = []string{"111122223333", "730335518842", "604829118370", "222233334444", "333344445555",
	"444455556666", "555566667777", "618273645091", "729384756102", "830495867213", "952617089435"}

// idcFixture is the default world's Identity Center, resolved once for a test.
type idcFixture struct {
	s        *awssim.Sim
	w        *awssim.World // the world s was built from
	clk      *clock.Virtual
	sso      *ssoadmin.Client
	ids      *identitystore.Client
	instance string
	store    string
	ps       map[string]string // permission set ARN by name
	users    map[string]string // user id by user name
	groups   map[string]string // group id by display name
}

func newIDCFixture(t *testing.T, edit func(*awssim.World)) *idcFixture {
	t.Helper()
	s, w, clk := newTestSim(t, edit)
	cfg := testConfig(s)
	f := &idcFixture{s: s, w: w, clk: clk, sso: ssoadmin.NewFromConfig(cfg), ids: identitystore.NewFromConfig(cfg),
		ps: map[string]string{}, users: map[string]string{}, groups: map[string]string{}}
	state := s.IdentityCenter()
	f.instance, f.store = state.InstanceArn, state.IdentityStoreID
	for arn, p := range state.PermissionSets {
		f.ps[p.Name] = arn
	}
	for id, u := range state.Users {
		f.users[u.UserName] = id
	}
	for id, g := range state.Groups {
		f.groups[g.DisplayName] = id
	}
	return f
}

// noRetries returns clients that see every error the simulator sends.
func (f *idcFixture) noRetries() (*ssoadmin.Client, *identitystore.Client) {
	cfg := withRetries(f.s.Config(), 1)
	return ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
}

func (f *idcFixture) assignment(user, permissionSet, account string) *ssoadmin.CreateAccountAssignmentInput {
	return &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(f.instance), PermissionSetArn: aws.String(f.ps[permissionSet]),
		PrincipalId: aws.String(f.users[user]), PrincipalType: ssotypes.PrincipalTypeUser,
		TargetId: aws.String(account), TargetType: ssotypes.TargetTypeAwsAccount}
}

func idcDeleteInput(in *ssoadmin.CreateAccountAssignmentInput) *ssoadmin.DeleteAccountAssignmentInput {
	return &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: in.InstanceArn, PermissionSetArn: in.PermissionSetArn,
		PrincipalId: in.PrincipalId, PrincipalType: in.PrincipalType, TargetId: in.TargetId, TargetType: in.TargetType}
}

// principalsOn lists the principal ids holding a permission set on an account.
func (f *idcFixture) principalsOn(t *testing.T, account, permissionSetArn string) []string {
	t.Helper()
	var ids []string
	p := ssoadmin.NewListAccountAssignmentsPaginator(f.sso, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(f.instance), AccountId: aws.String(account), PermissionSetArn: aws.String(permissionSetArn)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		for _, a := range page.AccountAssignments {
			ids = append(ids, aws.ToString(a.PrincipalId))
		}
	}
	return ids
}

func (f *idcFixture) creationStatus(t *testing.T, requestID string) ssotypes.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.sso.DescribeAccountAssignmentCreationStatus(context.Background(), &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.instance), AccountAssignmentCreationRequestId: aws.String(requestID)})
	require.NoError(t, err)
	return *out.AccountAssignmentCreationStatus
}

func (f *idcFixture) deletionStatus(t *testing.T, requestID string) ssotypes.AccountAssignmentOperationStatus {
	t.Helper()
	out, err := f.sso.DescribeAccountAssignmentDeletionStatus(context.Background(), &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
		InstanceArn: aws.String(f.instance), AccountAssignmentDeletionRequestId: aws.String(requestID)})
	require.NoError(t, err)
	return *out.AccountAssignmentDeletionStatus
}

// rest lets the collective rate bucket refill without completing assignments
// (which take the world's AssignmentTime, 5s by default).
func (f *idcFixture) rest() { f.clk.Advance(time.Second) }

func TestIdentityInstanceAndPermissionSets(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()

	inst, err := f.sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	require.NoError(t, err)
	require.Len(t, inst.Instances, 1)
	assert.Equal(t, "arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6", aws.ToString(inst.Instances[0].InstanceArn))
	assert.Equal(t, "d-93670a1b2c", aws.ToString(inst.Instances[0].IdentityStoreId))
	assert.Equal(t, "111122223333", aws.ToString(inst.Instances[0].OwnerAccountId))
	assert.Equal(t, ssotypes.InstanceStatusActive, inst.Instances[0].Status)
	require.NotNil(t, inst.Instances[0].CreatedDate)

	var arns []string
	p := ssoadmin.NewListPermissionSetsPaginator(f.sso, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.instance)},
		func(o *ssoadmin.ListPermissionSetsPaginatorOptions) { o.Limit = 2 })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(page.PermissionSets), 2)
		arns = append(arns, page.PermissionSets...)
	}
	assert.ElementsMatch(t, []string{f.ps["AWSAdministratorAccess"], f.ps["AWSPowerUserAccess"], f.ps["AWSReadOnlyAccess"],
		f.ps["ViewOnlyAccess"], f.ps["BillingReadOnly"]}, arns)

	f.rest()
	ps, err := f.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(f.instance), PermissionSetArn: aws.String(f.ps["AWSPowerUserAccess"])})
	require.NoError(t, err)
	assert.Equal(t, "AWSPowerUserAccess", aws.ToString(ps.PermissionSet.Name))
	assert.Equal(t, f.ps["AWSPowerUserAccess"], aws.ToString(ps.PermissionSet.PermissionSetArn))
	assert.Equal(t, "PT4H", aws.ToString(ps.PermissionSet.SessionDuration))
	assert.Contains(t, aws.ToString(ps.PermissionSet.Description), "full access")
	assert.Equal(t, f.w.Start.AddDate(-1, 0, 0), ps.PermissionSet.CreatedDate.UTC())

	var (
		validation *ssotypes.ValidationException
		notFound   *ssotypes.ResourceNotFoundException
	)
	tests := []struct {
		name          string
		instance, arn string
		want          any // a pointer to the typed error expected
	}{
		{"unknown permission set", f.instance, "arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0000000000000000", &notFound},
		{"malformed permission set", f.instance, "AWSAdministratorAccess", &validation},
		{"unknown instance", "arn:aws:sso:::instance/ssoins-0000000000000000", f.ps["ViewOnlyAccess"], &notFound},
		{"malformed instance", "ssoins-7223a1b2c3d4e5f6", f.ps["ViewOnlyAccess"], &validation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: aws.String(tt.instance), PermissionSetArn: aws.String(tt.arn)})
			require.Error(t, err)
			assert.ErrorAs(t, err, tt.want)
		})
	}
}

func TestIdentityResolvePrincipals(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	unique := func(path, value string) idtypes.AlternateIdentifier {
		return &idtypes.AlternateIdentifierMemberUniqueAttribute{Value: idtypes.UniqueAttribute{
			AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(value)}}
	}

	users := []struct {
		name, path, value, want string
	}{
		{"by email", "emails.value", "raj.patel@northwind.example", "raj.patel"},
		{"by email, other case", "emails.value", "Raj.Patel@Northwind.example", "raj.patel"},
		{"by user name", "userName", "li.wei", "li.wei"},
		{"by UserName as code in the wild spells it", "UserName", "maria.garcia", "maria.garcia"},
	}
	for _, tt := range users {
		t.Run("GetUserId "+tt.name, func(t *testing.T) {
			out, err := f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(f.store), AlternateIdentifier: unique(tt.path, tt.value)})
			require.NoError(t, err)
			assert.Equal(t, f.users[tt.want], aws.ToString(out.UserId))
			assert.Equal(t, f.store, aws.ToString(out.IdentityStoreId))
		})
	}
	f.rest()

	for _, path := range []string{"displayName", "DisplayName"} {
		t.Run("GetGroupId by "+path, func(t *testing.T) {
			out, err := f.ids.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(f.store), AlternateIdentifier: unique(path, "payments-admins")})
			require.NoError(t, err)
			assert.Equal(t, f.groups["payments-admins"], aws.ToString(out.GroupId))
		})
	}

	missing := []struct {
		name string
		call func() error
		kind idtypes.ResourceType
	}{
		{"user by email", func() error {
			_, err := f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(f.store), AlternateIdentifier: unique("emails.value", "nobody@northwind.example")})
			return err
		}, idtypes.ResourceTypeUser},
		{"user by external id", func() error {
			_, err := f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(f.store),
				AlternateIdentifier: &idtypes.AlternateIdentifierMemberExternalId{Value: idtypes.ExternalId{Issuer: aws.String("okta"), Id: aws.String("00u1")}}})
			return err
		}, idtypes.ResourceTypeUser},
		{"group", func() error {
			_, err := f.ids.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(f.store), AlternateIdentifier: unique("displayName", "no-such-group")})
			return err
		}, idtypes.ResourceTypeGroup},
		{"user by id", func() error {
			_, err := f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(f.store), UserId: aws.String("00000000-0000-4000-a000-000000000000")})
			return err
		}, idtypes.ResourceTypeUser},
		{"identity store", func() error {
			_, err := f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String("d-0000000000"), AlternateIdentifier: unique("userName", "li.wei")})
			return err
		}, idtypes.ResourceTypeIdentityStore},
	}
	for _, tt := range missing {
		t.Run("missing "+tt.name, func(t *testing.T) {
			err := tt.call()
			var nf *idtypes.ResourceNotFoundException
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, tt.kind, nf.ResourceType)
			assert.NotEmpty(t, aws.ToString(nf.RequestId))
			assert.NotEmpty(t, nf.ErrorMessage())
		})
	}
	f.rest()

	t.Run("GetUserId rejects other paths", func(t *testing.T) {
		_, err := f.ids.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(f.store), AlternateIdentifier: unique("displayName", "Li Wei")})
		var ve *idtypes.ValidationException
		assert.ErrorAs(t, err, &ve)
	})

	t.Run("DescribeUser", func(t *testing.T) {
		// The identity store may be named by its ARN too.
		out, err := f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{
			IdentityStoreId: aws.String("arn:aws:identitystore::111122223333:identitystore/" + f.store), UserId: aws.String(f.users["jane.doe"])})
		require.NoError(t, err)
		assert.Equal(t, "jane.doe", aws.ToString(out.UserName))
		assert.Equal(t, "Jane Doe", aws.ToString(out.DisplayName))
		require.NotNil(t, out.Name)
		assert.Equal(t, "Jane", aws.ToString(out.Name.GivenName))
		assert.Equal(t, "Doe", aws.ToString(out.Name.FamilyName))
		require.Len(t, out.Emails, 1)
		assert.Equal(t, "jane.doe@northwind.example", aws.ToString(out.Emails[0].Value))
		assert.True(t, out.Emails[0].Primary)
		assert.Equal(t, idtypes.UserStatusEnabled, out.UserStatus)
	})

	t.Run("DescribeGroup", func(t *testing.T) {
		out, err := f.ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(f.store), GroupId: aws.String(f.groups["platform-admins"])})
		require.NoError(t, err)
		assert.Equal(t, "platform-admins", aws.ToString(out.DisplayName))
		assert.Equal(t, "Cloud platform team", aws.ToString(out.Description))
		assert.Equal(t, f.groups["platform-admins"], aws.ToString(out.GroupId))
	})
	f.rest()

	t.Run("ListUsers", func(t *testing.T) {
		var names []string
		p := identitystore.NewListUsersPaginator(f.ids, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.store)},
			func(o *identitystore.ListUsersPaginatorOptions) { o.Limit = 2 })
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			require.NoError(t, err)
			for _, u := range page.Users {
				names = append(names, aws.ToString(u.UserName))
			}
		}
		assert.Equal(t, []string{"jane.doe", "li.wei", "maria.garcia", "raj.patel", "sam.okafor"}, names)

		out, err := f.ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.store),
			Filters: []idtypes.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("sam.okafor")}}})
		require.NoError(t, err)
		require.Len(t, out.Users, 1)
		assert.Equal(t, f.users["sam.okafor"], aws.ToString(out.Users[0].UserId))
	})

	t.Run("ListGroups", func(t *testing.T) {
		out, err := f.ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.store)})
		require.NoError(t, err)
		assert.Len(t, out.Groups, 6)
		out, err = f.ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.store),
			Filters: []idtypes.Filter{{AttributePath: aws.String("DisplayName"), AttributeValue: aws.String("finops-readers")}}})
		require.NoError(t, err)
		require.Len(t, out.Groups, 1)
		assert.Equal(t, f.groups["finops-readers"], aws.ToString(out.Groups[0].GroupId))
		_, err = f.ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.store),
			Filters: []idtypes.Filter{{AttributePath: aws.String("Description"), AttributeValue: aws.String("Cost management")}}})
		var ve *idtypes.ValidationException
		assert.ErrorAs(t, err, &ve)
	})
	f.rest()

	t.Run("group memberships", func(t *testing.T) {
		out, err := f.ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.store), GroupId: aws.String(f.groups["payments-developers"])})
		require.NoError(t, err)
		var members []string
		for _, m := range out.GroupMemberships {
			assert.Equal(t, f.groups["payments-developers"], aws.ToString(m.GroupId))
			assert.NotEmpty(t, aws.ToString(m.MembershipId))
			u, ok := m.MemberId.(*idtypes.MemberIdMemberUserId)
			require.True(t, ok, "member id is a user id")
			members = append(members, u.Value)
		}
		assert.ElementsMatch(t, []string{f.users["raj.patel"], f.users["li.wei"]}, members)

		mine, err := f.ids.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: aws.String(f.store),
			MemberId: &idtypes.MemberIdMemberUserId{Value: f.users["raj.patel"]}})
		require.NoError(t, err)
		var groups []string
		for _, m := range mine.GroupMemberships {
			groups = append(groups, aws.ToString(m.GroupId))
		}
		assert.ElementsMatch(t, []string{f.groups["payments-admins"], f.groups["payments-developers"], f.groups["AWSAccountFactory"]}, groups)
	})
}

func TestIdentityAssignmentLifecycle(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	in := f.assignment("li.wei", "AWSReadOnlyAccess", idcTestHackathon)
	start := f.clk.Now()

	created, err := f.sso.CreateAccountAssignment(ctx, in)
	require.NoError(t, err)
	st := *created.AccountAssignmentCreationStatus
	assert.Equal(t, ssotypes.StatusValuesInProgress, st.Status)
	assert.Len(t, aws.ToString(st.RequestId), 36)
	assert.Equal(t, idcTestHackathon, aws.ToString(st.TargetId))
	assert.Equal(t, ssotypes.TargetTypeAwsAccount, st.TargetType)
	assert.Equal(t, f.ps["AWSReadOnlyAccess"], aws.ToString(st.PermissionSetArn))
	assert.Equal(t, ssotypes.PrincipalTypeUser, st.PrincipalType)
	assert.Equal(t, f.users["li.wei"], aws.ToString(st.PrincipalId))
	assert.Nil(t, st.FailureReason)
	require.NotNil(t, st.CreatedDate)
	assert.Equal(t, start, st.CreatedDate.UTC())
	requestID := aws.ToString(st.RequestId)

	assert.Equal(t, ssotypes.StatusValuesInProgress, f.creationStatus(t, requestID).Status)
	assert.NotContains(t, f.principalsOn(t, idcTestHackathon, f.ps["AWSReadOnlyAccess"]), f.users["li.wei"], "not assigned while IN_PROGRESS")

	f.clk.Advance(f.w.ControlTower.AssignmentTime.D())
	done := f.creationStatus(t, requestID)
	assert.Equal(t, ssotypes.StatusValuesSucceeded, done.Status)
	assert.Nil(t, done.FailureReason)
	assert.Contains(t, f.principalsOn(t, idcTestHackathon, f.ps["AWSReadOnlyAccess"]), f.users["li.wei"])

	mine, err := f.sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: aws.String(f.instance),
		PrincipalId: aws.String(f.users["li.wei"]), PrincipalType: ssotypes.PrincipalTypeUser,
		Filter: &ssotypes.ListAccountAssignmentsFilter{AccountId: aws.String(idcTestHackathon)}})
	require.NoError(t, err)
	require.Len(t, mine.AccountAssignments, 1)
	assert.Equal(t, f.ps["AWSReadOnlyAccess"], aws.ToString(mine.AccountAssignments[0].PermissionSetArn))

	provisioned, err := f.sso.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
		InstanceArn: aws.String(f.instance), AccountId: aws.String(idcTestHackathon)})
	require.NoError(t, err)
	assert.Equal(t, []string{f.ps["AWSReadOnlyAccess"]}, provisioned.PermissionSets)

	history, err := f.sso.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: aws.String(f.instance),
		Filter: &ssotypes.OperationStatusFilter{Status: ssotypes.StatusValuesSucceeded}})
	require.NoError(t, err)
	require.Len(t, history.AccountAssignmentsCreationStatus, 1)
	assert.Equal(t, requestID, aws.ToString(history.AccountAssignmentsCreationStatus[0].RequestId))
	f.rest()

	deleted, err := f.sso.DeleteAccountAssignment(ctx, idcDeleteInput(in))
	require.NoError(t, err)
	del := *deleted.AccountAssignmentDeletionStatus
	assert.Equal(t, ssotypes.StatusValuesInProgress, del.Status)
	assert.NotEqual(t, requestID, aws.ToString(del.RequestId))
	assert.Contains(t, f.principalsOn(t, idcTestHackathon, f.ps["AWSReadOnlyAccess"]), f.users["li.wei"], "still assigned while the deletion runs")

	_, err = f.sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
		InstanceArn: aws.String(f.instance), AccountAssignmentCreationRequestId: del.RequestId})
	var nf *ssotypes.ResourceNotFoundException
	assert.ErrorAs(t, err, &nf, "a deletion request is not a creation request")

	f.clk.Advance(f.w.ControlTower.AssignmentTime.D())
	assert.Equal(t, ssotypes.StatusValuesSucceeded, f.deletionStatus(t, aws.ToString(del.RequestId)).Status)
	assert.NotContains(t, f.principalsOn(t, idcTestHackathon, f.ps["AWSReadOnlyAccess"]), f.users["li.wei"])

	_, err = f.sso.DeleteAccountAssignment(ctx, idcDeleteInput(in))
	assert.ErrorAs(t, err, &nf, "deleting an assignment that does not exist")
}

func TestIdentityConflictAndRecreate(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	sso, _ := f.noRetries()
	in := f.assignment("raj.patel", "AWSPowerUserAccess", idcTestHackathon)

	first, err := sso.CreateAccountAssignment(ctx, in)
	require.NoError(t, err)

	t.Run("second create while the first runs", func(t *testing.T) {
		_, err := sso.CreateAccountAssignment(ctx, in)
		var ce *ssotypes.ConflictException
		assert.ErrorAs(t, err, &ce)
	})
	t.Run("delete while the create runs", func(t *testing.T) {
		_, err := sso.DeleteAccountAssignment(ctx, idcDeleteInput(in))
		var ce *ssotypes.ConflictException
		assert.ErrorAs(t, err, &ce)
	})
	t.Run("another principal is not in conflict", func(t *testing.T) {
		_, err := sso.CreateAccountAssignment(ctx, f.assignment("li.wei", "AWSPowerUserAccess", idcTestHackathon))
		assert.NoError(t, err)
	})

	f.clk.Advance(f.w.ControlTower.AssignmentTime.D())
	assert.Equal(t, ssotypes.StatusValuesSucceeded, f.creationStatus(t, aws.ToString(first.AccountAssignmentCreationStatus.RequestId)).Status)

	t.Run("re-creating an existing assignment succeeds without a duplicate", func(t *testing.T) {
		existing := f.assignment("jane.doe", "AWSAdministratorAccess", idcTestSandboxJdoe)
		require.Contains(t, f.principalsOn(t, idcTestSandboxJdoe, f.ps["AWSAdministratorAccess"]), f.users["jane.doe"])
		again, err := sso.CreateAccountAssignment(ctx, existing)
		require.NoError(t, err)
		assert.Equal(t, ssotypes.StatusValuesInProgress, again.AccountAssignmentCreationStatus.Status)
		f.clk.Advance(f.w.ControlTower.AssignmentTime.D())
		assert.Equal(t, ssotypes.StatusValuesSucceeded, f.creationStatus(t, aws.ToString(again.AccountAssignmentCreationStatus.RequestId)).Status)
		assert.Equal(t, []string{f.users["jane.doe"]}, f.principalsOn(t, idcTestSandboxJdoe, f.ps["AWSAdministratorAccess"]))
	})
}

func TestIdentityOutstandingCreationQuota(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	sso, _ := f.noRetries()
	require.Len(t, idcTestActiveAccounts, 11)

	for _, acct := range idcTestActiveAccounts[:10] {
		_, err := sso.CreateAccountAssignment(ctx, f.assignment("sam.okafor", "BillingReadOnly", acct))
		require.NoError(t, err, "creation on %s is within the quota of 10", acct)
	}
	eleventh := f.assignment("sam.okafor", "BillingReadOnly", idcTestActiveAccounts[10])
	_, err := sso.CreateAccountAssignment(ctx, eleventh)
	var te *ssotypes.ThrottlingException
	require.ErrorAs(t, err, &te, "the 11th outstanding creation")
	assert.Contains(t, te.ErrorMessage(), "too many requests processing")

	f.clk.Advance(f.w.ControlTower.AssignmentTime.D())
	_, err = sso.CreateAccountAssignment(ctx, eleventh)
	assert.NoError(t, err, "accepted once the others completed")
}

func TestIdentityAssignmentValidation(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	sso, _ := f.noRetries()
	var (
		validation *ssotypes.ValidationException
		notFound   *ssotypes.ResourceNotFoundException
	)
	tests := []struct {
		name   string
		change func(*ssoadmin.CreateAccountAssignmentInput)
		want   any
	}{
		{"malformed instance", func(in *ssoadmin.CreateAccountAssignmentInput) {
			in.InstanceArn = aws.String("ssoins-7223a1b2c3d4e5f6")
		}, &validation},
		{"another instance", func(in *ssoadmin.CreateAccountAssignmentInput) {
			in.InstanceArn = aws.String("arn:aws:sso:::instance/ssoins-0000000000000000")
		}, &notFound},
		{"unknown permission set", func(in *ssoadmin.CreateAccountAssignmentInput) {
			in.PermissionSetArn = aws.String("arn:aws:sso:::permissionSet/ssoins-7223a1b2c3d4e5f6/ps-0000000000000000")
		}, &notFound},
		{"principal type", func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalType = "ROLE" }, &validation},
		{"malformed principal", func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalId = aws.String("jane.doe") }, &validation},
		{"unknown principal", func(in *ssoadmin.CreateAccountAssignmentInput) {
			in.PrincipalId = aws.String("00000000-0000-4000-a000-000000000000")
		}, &notFound},
		{"user id given as a group", func(in *ssoadmin.CreateAccountAssignmentInput) { in.PrincipalType = ssotypes.PrincipalTypeGroup }, &notFound},
		{"target type", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetType = "OU" }, &validation},
		{"malformed account", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetId = aws.String("sandbox") }, &validation},
		{"account outside the organization", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetId = aws.String("999999999999") }, &notFound},
		{"suspended account", func(in *ssoadmin.CreateAccountAssignmentInput) { in.TargetId = aws.String(idcTestSuspended) }, &validation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.rest()
			in := f.assignment("jane.doe", "ViewOnlyAccess", idcTestHackathon)
			tt.change(in)
			_, err := sso.CreateAccountAssignment(ctx, in)
			require.Error(t, err)
			assert.ErrorAs(t, err, tt.want)
		})
	}

	t.Run("unknown request id", func(t *testing.T) {
		_, err := sso.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(f.instance), AccountAssignmentCreationRequestId: aws.String("00000000-0000-4000-a000-000000000000")})
		assert.ErrorAs(t, err, &notFound)
	})
	t.Run("nothing was assigned", func(t *testing.T) {
		assert.Empty(t, f.principalsOn(t, idcTestHackathon, f.ps["ViewOnlyAccess"]))
	})
}

func TestIdentityAssignmentFailsWhenAccountSuspendedMeanwhile(t *testing.T) {
	f := newIDCFixture(t, nil)
	created, err := f.sso.CreateAccountAssignment(context.Background(), f.assignment("li.wei", "AWSReadOnlyAccess", idcTestHackathon))
	require.NoError(t, err)

	require.NoError(t, f.s.SetAccountStatus(idcTestHackathon, "SUSPENDED"))
	f.clk.Advance(f.w.ControlTower.AssignmentTime.D())

	st := f.creationStatus(t, aws.ToString(created.AccountAssignmentCreationStatus.RequestId))
	assert.Equal(t, ssotypes.StatusValuesFailed, st.Status)
	assert.Contains(t, aws.ToString(st.FailureReason), "SUSPENDED")
	assert.Empty(t, f.principalsOn(t, idcTestHackathon, f.ps["AWSReadOnlyAccess"]))
}

func TestIdentityListAccountAssignmentsPagination(t *testing.T) {
	users := []string{"jane.doe", "raj.patel", "li.wei", "maria.garcia", "sam.okafor"}
	groups := []string{"platform-admins", "payments-admins", "payments-developers", "security-auditors", "finops-readers"}
	f := newIDCFixture(t, func(w *awssim.World) {
		for _, u := range users {
			w.IdentityCenter.Assignments = append(w.IdentityCenter.Assignments, awssim.AssignmentSpec{Account: "sandbox-hackathon-2025", User: u, PermissionSet: "AWSReadOnlyAccess"})
		}
		for _, g := range groups {
			w.IdentityCenter.Assignments = append(w.IdentityCenter.Assignments, awssim.AssignmentSpec{Account: "sandbox-hackathon-2025", Group: g, PermissionSet: "AWSReadOnlyAccess"})
		}
	})
	ctx := context.Background()

	var sizes []int
	seen := map[string]ssotypes.PrincipalType{}
	p := ssoadmin.NewListAccountAssignmentsPaginator(f.sso, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(f.instance),
		AccountId: aws.String(idcTestHackathon), PermissionSetArn: aws.String(f.ps["AWSReadOnlyAccess"])},
		func(o *ssoadmin.ListAccountAssignmentsPaginatorOptions) { o.Limit = 3 })
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		sizes = append(sizes, len(page.AccountAssignments))
		for _, a := range page.AccountAssignments {
			assert.Equal(t, idcTestHackathon, aws.ToString(a.AccountId))
			assert.Equal(t, f.ps["AWSReadOnlyAccess"], aws.ToString(a.PermissionSetArn))
			seen[aws.ToString(a.PrincipalId)] = a.PrincipalType
		}
	}
	assert.Equal(t, []int{3, 3, 3, 1}, sizes)
	require.Len(t, seen, 10)
	for _, u := range users {
		assert.Equal(t, ssotypes.PrincipalTypeUser, seen[f.users[u]], u)
	}
	for _, g := range groups {
		assert.Equal(t, ssotypes.PrincipalTypeGroup, seen[f.groups[g]], g)
	}

	_, err := f.sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(f.instance),
		AccountId: aws.String(idcTestHackathon), PermissionSetArn: aws.String(f.ps["AWSReadOnlyAccess"]), NextToken: aws.String("not-a-token")})
	var ve *ssotypes.ValidationException
	assert.ErrorAs(t, err, &ve)
}

func TestIdentityCollectiveRateLimit(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	sso, ids := f.noRetries()
	listInstances := func() error {
		_, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
		return err
	}
	listUsers := func() error {
		_, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.store)})
		return err
	}

	for i := range 10 {
		require.NoError(t, listInstances(), "sso-admin call %d", i+1)
		require.NoError(t, listUsers(), "identitystore call %d", i+1)
	}
	var ssoThrottle *ssotypes.ThrottlingException
	var idsThrottle *idtypes.ThrottlingException
	assert.ErrorAs(t, listInstances(), &ssoThrottle, "the 21st call in the same simulated second")
	assert.ErrorAs(t, listUsers(), &idsThrottle, "the limit is collective across both APIs")

	f.clk.Advance(100 * time.Millisecond) // refills two requests
	assert.NoError(t, listUsers())
	assert.NoError(t, listInstances())
	assert.ErrorAs(t, listInstances(), &ssoThrottle)

	f.clk.Advance(time.Second)
	for i := range 20 {
		require.NoError(t, listInstances(), "call %d after a second's rest", i+1)
	}

	t.Run("a client pacing itself at 20 TPS is never throttled", func(t *testing.T) {
		f.clk.Advance(time.Second)
		for i := range 100 {
			call := listInstances
			if i%2 == 1 {
				call = listUsers
			}
			require.NoError(t, call(), "paced call %d", i+1)
			f.clk.Advance(50 * time.Millisecond)
		}
	})
}

func TestIdentityRetriesInjectedThrottling(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	f.s.SetFaults(awssim.Faults{Throttle: map[string]float64{"sso": 0.25, "identitystore": 0.25}})

	const n = 8
	for range n {
		_, err := f.sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.instance)})
		require.NoError(t, err)
		_, err = f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(f.store), UserId: aws.String(f.users["li.wei"])})
		require.NoError(t, err)
	}
	calls := f.s.Calls()
	assert.Greater(t, calls["sso"]["ListPermissionSets"], n, "the SDK retried sso-admin's ThrottlingException")
	assert.Greater(t, calls["identitystore"]["DescribeUser"], n, "the SDK retried identitystore's ThrottlingException")
}

func TestIdentityInFlightAssignmentSurvivesSnapshot(t *testing.T) {
	f := newIDCFixture(t, nil)
	created, err := f.sso.CreateAccountAssignment(context.Background(), f.assignment("maria.garcia", "ViewOnlyAccess", idcTestHackathon))
	require.NoError(t, err)

	var buf bytes.Buffer
	require.NoError(t, f.s.Snapshot(&buf))
	at, err := awssim.SnapshotTime(buf.Bytes())
	require.NoError(t, err)
	var snap struct {
		World *awssim.World `json:"world"`
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &snap), "the world the snapshot restores")
	require.NotNil(t, snap.World)
	clk := clock.NewVirtual(at, 0)
	restored, err := awssim.Restore(&buf, awssim.Options{Clock: clk})
	require.NoError(t, err)

	g := *f
	g.s, g.w, g.clk = restored, snap.World, clk
	cfg := testConfig(restored)
	g.sso = ssoadmin.NewFromConfig(cfg)
	requestID := aws.ToString(created.AccountAssignmentCreationStatus.RequestId)
	assert.Equal(t, ssotypes.StatusValuesInProgress, g.creationStatus(t, requestID).Status)

	clk.Advance(g.w.ControlTower.AssignmentTime.D())
	assert.Equal(t, ssotypes.StatusValuesSucceeded, g.creationStatus(t, requestID).Status)
	assert.Equal(t, []string{f.users["maria.garcia"]}, g.principalsOn(t, idcTestHackathon, f.ps["ViewOnlyAccess"]))
}

// The typed error carries the missing resource, as AWS's does.
func TestIdentityNotFoundNamesTheResource(t *testing.T) {
	f := newIDCFixture(t, nil)
	_, err := f.ids.DescribeGroup(context.Background(), &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(f.store),
		GroupId: aws.String("00000000-0000-4000-a000-000000000000")})
	var nf *idtypes.ResourceNotFoundException
	require.True(t, errors.As(err, &nf), "got %v", err)
	assert.Equal(t, idtypes.ResourceTypeGroup, nf.ResourceType)
	assert.Equal(t, "00000000-0000-4000-a000-000000000000", aws.ToString(nf.ResourceId))
}
