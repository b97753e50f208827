package awssim

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/clock"
)

// A world snapshot is a world file: it loads, and the simulator built from
// it has the same organization, tags, owners and assignments, by the same ids.
func TestWorldSnapshotLoadsAsTheSameWorld(t *testing.T) {
	// A held clock: the world's happenings wait.
	s, err := New(DefaultWorld(), Options{Clock: clock.NewVirtual(DefaultWorld().Start, 0)})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, s.SnapshotWorld(&buf))
	w, err := ParseWorld(buf.Bytes())
	require.NoError(t, err, "a snapshot is a world file: unknown fields are refused, and there are none")
	again, err := New(w, Options{Clock: clock.NewVirtual(w.Start, 0)})
	require.NoError(t, err)

	assert.Equal(t, s.ManagementAccountID(), again.ManagementAccountID())
	assert.Equal(t, s.AccountCount(), again.AccountCount())
	for _, id := range accountIDs(s) {
		a, _ := s.Account(id)
		b, ok := again.Account(id)
		require.True(t, ok, id)
		assert.Equal(t, a.Name, b.Name, id)
		assert.Equal(t, a.Email, b.Email, id)
		assert.Equal(t, s.OUPath(a.ParentID), again.OUPath(b.ParentID), id)
		assert.Equal(t, a.ParentID, b.ParentID, "OU ids are kept: %s", id)
		assert.Equal(t, a.Tags, b.Tags, id)
		assert.Equal(t, a.Enrolled, b.Enrolled, id)
		assert.Equal(t, a.ExecutionRole, b.ExecutionRole, id)
		assert.Equal(t, a.Status, b.Status, id)
	}
	assert.ElementsMatch(t, assignmentNames(s), assignmentNames(again), "every assignment, owners' too")
	assert.Len(t, w.Happenings, len(DefaultWorld().Happenings), "nothing has happened yet: every happening is still to come")
}

func accountIDs(s *Sim) []string {
	var ids []string
	for _, a := range s.org.SortedAccounts() {
		ids = append(ids, a.ID)
	}
	return ids
}

// assignmentNames lists Identity Center's assignments as account id,
// principal and permission set names.
func assignmentNames(s *Sim) []string {
	ic := s.IdentityCenter()
	var out []string
	for _, a := range ic.Assignments {
		who := ""
		if u := ic.Users[a.PrincipalID]; u != nil {
			who = "user " + u.UserName
		}
		if g := ic.Groups[a.PrincipalID]; g != nil {
			who = "group " + g.DisplayName
		}
		out = append(out, a.AccountID+" "+who+" "+ic.PermissionSets[a.PermissionSetArn].Name)
	}
	return out
}

// The simulator's internal state is not a world; loading it as one says so.
func TestInternalStateIsRefusedAsAWorld(t *testing.T) {
	s, err := New(DefaultWorld(), Options{Clock: clock.NewVirtual(DefaultWorld().Start, 0)})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, s.Snapshot(&buf))
	_, err = ParseWorld(buf.Bytes())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a world file")
	assert.Contains(t, err.Error(), "towervend local --snapshot")
}
