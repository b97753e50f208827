package identitycenter_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	idtypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/wiretest"
)

// A list of either API that finds nothing answers its list as [] and leaves
// NextToken out: AWS's JSON protocols never send null for an absent member.
func TestIdentityEmptyListsAreEmptyArraysWithoutNextToken(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	cfg, wire := wiretest.Record(testConfig(f.s))
	sso, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)
	noOne := []idtypes.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("nobody")}}

	tests := []struct {
		op, member string
		call       func() error
	}{
		{"ListPermissionSetsProvisionedToAccount", "PermissionSets", func() error {
			_, err := sso.ListPermissionSetsProvisionedToAccount(ctx, &ssoadmin.ListPermissionSetsProvisionedToAccountInput{
				InstanceArn: aws.String(f.instance), AccountId: aws.String(idcTestHackathon)})
			return err
		}},
		{"ListAccountAssignments", "AccountAssignments", func() error {
			_, err := sso.ListAccountAssignments(ctx, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: aws.String(f.instance),
				AccountId: aws.String(idcTestHackathon), PermissionSetArn: aws.String(f.ps["AWSReadOnlyAccess"])})
			return err
		}},
		{"ListAccountAssignmentsForPrincipal", "AccountAssignments", func() error {
			_, err := sso.ListAccountAssignmentsForPrincipal(ctx, &ssoadmin.ListAccountAssignmentsForPrincipalInput{InstanceArn: aws.String(f.instance),
				PrincipalId: aws.String(f.users["raj.patel"]), PrincipalType: ssotypes.PrincipalTypeUser})
			return err
		}},
		{"ListAccountAssignmentCreationStatus", "AccountAssignmentsCreationStatus", func() error {
			_, err := sso.ListAccountAssignmentCreationStatus(ctx, &ssoadmin.ListAccountAssignmentCreationStatusInput{InstanceArn: aws.String(f.instance)})
			return err
		}},
		{"ListAccountAssignmentDeletionStatus", "AccountAssignmentsDeletionStatus", func() error {
			_, err := sso.ListAccountAssignmentDeletionStatus(ctx, &ssoadmin.ListAccountAssignmentDeletionStatusInput{InstanceArn: aws.String(f.instance)})
			return err
		}},
		{"ListUsers", "Users", func() error {
			_, err := ids.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.store), Filters: noOne})
			return err
		}},
		{"ListGroups", "Groups", func() error {
			_, err := ids.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.store),
				Filters: []idtypes.Filter{{AttributePath: aws.String("DisplayName"), AttributeValue: aws.String("nobody")}}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			require.NoError(t, tt.call())
			got := wire.Answer(t, tt.op)
			assert.Equal(t, map[string]any{tt.member: []any{}}, got, "%s: an empty %s and no NextToken", tt.op, tt.member)
		})
	}
}

// NextToken is on every page but the last, and left out of the last.
func TestIdentityNextTokenOnlyWhileMorePagesFollow(t *testing.T) {
	f := newIDCFixture(t, nil)
	ctx := context.Background()
	cfg, wire := wiretest.Record(testConfig(f.s))
	sso, ids := ssoadmin.NewFromConfig(cfg), identitystore.NewFromConfig(cfg)

	var tokens []any
	in := &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.instance), MaxResults: aws.Int32(2)}
	for {
		out, err := sso.ListPermissionSets(ctx, in)
		require.NoError(t, err)
		page := wire.Answer(t, "ListPermissionSets")
		token, ok := page["NextToken"]
		if !ok {
			break
		}
		tokens = append(tokens, token)
		in.NextToken = out.NextToken
	}
	assert.Len(t, tokens, 2, "five permission sets in pages of two: two pages name the next")
	for _, token := range tokens {
		assert.IsType(t, "", token, "a NextToken is a string")
	}

	_, err := ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.store),
		GroupId: aws.String(f.groups["platform-admins"]), MaxResults: aws.Int32(1)})
	require.NoError(t, err)
	assert.IsType(t, "", wire.Answer(t, "ListGroupMemberships")["NextToken"], "two members in pages of one")
	_, err = ids.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.store),
		GroupId: aws.String(f.groups["platform-admins"])})
	require.NoError(t, err)
	last := wire.Answer(t, "ListGroupMemberships")
	assert.NotContains(t, last, "NextToken")
	assert.Len(t, last["GroupMemberships"], 2)
}
