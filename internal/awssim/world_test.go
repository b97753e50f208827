package awssim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultWorldLoads(t *testing.T) {
	w, err := ParseWorld(DefaultWorldJSON())
	require.NoError(t, err)
	s, err := New(w, Options{})
	require.NoError(t, err)
	assert.Equal(t, "111122223333", s.ManagementAccountID())
	assert.Equal(t, "Workloads/Prod", s.org.ouPath("ou-nw7k-wklprod1"))
	assert.Equal(t, RoleTrusted, s.org.account("618273645091").ExecutionRole, "enrolled accounts have the role by default")
	assert.Equal(t, RoleMissing, s.org.account("604829118370").ExecutionRole)
}

func TestParseWorldRejectsUnknownFields(t *testing.T) {
	_, err := ParseWorld([]byte(`{"organisation": {}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "organisation")
}
