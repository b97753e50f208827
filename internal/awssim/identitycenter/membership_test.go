package identitycenter_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/wiretest"
)

// noGroup is a well-formed group id that names no group of the world.
const noGroup = "00000000-0000-4000-a000-000000000000"

func (f *idcFixture) isMember(ids *identitystore.Client, user string, groups ...string) (*identitystore.IsMemberInGroupsOutput, error) {
	return ids.IsMemberInGroups(context.Background(), &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(f.store),
		MemberId: &idtypes.MemberIdMemberUserId{Value: user}, GroupIds: groups})
}

// IsMemberInGroups answers one result per group asked about, in the order
// asked, saying whether the user is a direct member; a group id that names no
// group has no members.
func TestIsMemberInGroupsThroughTheSDK(t *testing.T) {
	f := newIDCFixture(t, nil)
	jane := f.users["jane.doe"]
	out, err := f.isMember(f.ids, jane, f.groups["finops-readers"], f.groups["AWSAccountFactory"], noGroup, f.groups["platform-admins"])
	require.NoError(t, err)
	type result struct {
		group, user string
		member      bool
	}
	var got []result
	for _, r := range out.Results {
		u, ok := r.MemberId.(*idtypes.MemberIdMemberUserId)
		require.True(t, ok, "the member id is a user id")
		got = append(got, result{aws.ToString(r.GroupId), u.Value, r.MembershipExists})
	}
	assert.Equal(t, []result{
		{f.groups["finops-readers"], jane, false},
		{f.groups["AWSAccountFactory"], jane, true},
		{noGroup, jane, false},
		{f.groups["platform-admins"], jane, true},
	}, got)

	maria, err := f.isMember(f.ids, f.users["maria.garcia"], f.groups["AWSAccountFactory"])
	require.NoError(t, err)
	require.Len(t, maria.Results, 1)
	assert.False(t, maria.Results[0].MembershipExists, "maria.garcia is not in AWSAccountFactory in the demo world")
}

// On the wire the answer is {"Results": [{GroupId, MemberId: {UserId}, MembershipExists}]},
// MembershipExists present when false too.
func TestIsMemberInGroupsWireShape(t *testing.T) {
	f := newIDCFixture(t, nil)
	cfg, wire := wiretest.Record(testConfig(f.s))
	raj := f.users["raj.patel"]
	_, err := f.isMember(identitystore.NewFromConfig(cfg), raj, f.groups["payments-admins"], f.groups["security-auditors"])
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"Results": []any{
		map[string]any{"GroupId": f.groups["payments-admins"], "MemberId": map[string]any{"UserId": raj}, "MembershipExists": true},
		map[string]any{"GroupId": f.groups["security-auditors"], "MemberId": map[string]any{"UserId": raj}, "MembershipExists": false},
	}}, wire.Answer(t, "IsMemberInGroups"))
}

// Errors are the operation's modelled ones: ResourceNotFoundException naming
// the store or the user, ValidationException for input the model forbids.
func TestIsMemberInGroupsErrors(t *testing.T) {
	f := newIDCFixture(t, nil)
	_, ids := f.noRetries()
	ctx := context.Background()
	jane, group := f.users["jane.doe"], f.groups["AWSAccountFactory"]
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("00000000-0000-4000-a000-%012d", i)
	}

	t.Run("an unknown user", func(t *testing.T) {
		const nobody = "9067729b3d-94f1e0b3-c394-48d5-8ab1-2c122a167074"
		_, err := f.isMember(ids, nobody, group)
		var nf *idtypes.ResourceNotFoundException
		require.True(t, errors.As(err, &nf), "got %v", err)
		assert.Equal(t, idtypes.ResourceTypeUser, nf.ResourceType)
		assert.Equal(t, nobody, aws.ToString(nf.ResourceId))
	})
	t.Run("an unknown store", func(t *testing.T) {
		_, err := ids.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String("d-0000000000"),
			MemberId: &idtypes.MemberIdMemberUserId{Value: jane}, GroupIds: []string{group}})
		var nf *idtypes.ResourceNotFoundException
		require.True(t, errors.As(err, &nf), "got %v", err)
		assert.Equal(t, idtypes.ResourceTypeIdentityStore, nf.ResourceType)
	})
	invalid := []struct {
		name   string
		user   string
		groups []string
		want   string
	}{
		{"no groups", jane, []string{}, "groupIds"},
		{"more than 100 groups", jane, many, "groupIds"},
		{"a malformed group id", jane, []string{group, "AWSAccountFactory"}, "'AWSAccountFactory' at 'groupIds.2.member'"},
		{"a malformed user id", "jane.doe", []string{group}, "'jane.doe' at 'memberId.userId'"},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.isMember(ids, tt.user, tt.groups...)
			var ve *idtypes.ValidationException
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Contains(t, ve.ErrorMessage(), tt.want)
		})
		f.rest()
	}
}

// IAM authorizes the call on the store, the user, every group asked about
// and the memberships.
func TestIsMemberInGroupsNeedsEveryGroup(t *testing.T) {
	f := newIDCFixture(t, nil)
	jane, factory, admins := f.users["jane.doe"], f.groups["AWSAccountFactory"], f.groups["platform-admins"]
	store := "arn:aws:identitystore::" + f.s.ManagementAccountID() + ":identitystore/" + f.store
	key, err := f.s.AddRole("MembershipReader", iam.Policy{Version: iam.Version20121017, Statement: []iam.Statement{{
		Effect: iam.EffectAllow, Action: []string{"identitystore:IsMemberInGroups"},
		Resource: []string{store, "arn:aws:identitystore:::user/" + jane, "arn:aws:identitystore:::group/" + factory, "arn:aws:identitystore:::membership/*"}}}})
	require.NoError(t, err)
	ids := identitystore.NewFromConfig(withRetries(f.s.ConfigAs(key), 1))

	out, err := f.isMember(ids, jane, factory)
	require.NoError(t, err)
	assert.True(t, out.Results[0].MembershipExists)

	_, err = f.isMember(ids, jane, factory, admins)
	var denied *idtypes.AccessDeniedException
	require.True(t, errors.As(err, &denied), "got %v", err)
	assert.Contains(t, denied.ErrorMessage(), "identitystore:IsMemberInGroups on resource: arn:aws:identitystore:::group/"+admins)
}
