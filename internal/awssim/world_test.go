package awssim

import (
	"os"
	"strings"
	"testing"

	"github.com/towervend/towervend/internal/clock"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultWorldLoads(t *testing.T) {
	w, err := ParseWorld(DefaultWorldJSON())
	require.NoError(t, err)
	require.Len(t, w.Happenings, 2, "the demo's invitation and console account")
	s, err := New(w, Options{Clock: clock.NewVirtual(w.Start, 0)}) // held: the test reads state unlocked
	require.NoError(t, err)
	assert.Equal(t, "111122223333", s.ManagementAccountID())
	assert.Equal(t, "Workloads/Prod", s.org.OUPath("ou-nw7k-wklprod1"))
	assert.Equal(t, RoleTrusted, s.org.Account("618273645091").ExecutionRole, "enrolled accounts have the role by default")
	assert.Equal(t, RoleMissing, s.org.Account("604829118370").ExecutionRole)
}

func TestParseWorldRejectsUnknownFields(t *testing.T) {
	_, err := ParseWorld([]byte(`{"organisation": {}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "organisation")
}

// The commented example in world/README.md stays a valid world.
func TestWorldReadmeExampleParses(t *testing.T) {
	b, err := os.ReadFile("world/README.md")
	require.NoError(t, err)
	doc := string(b)
	start := strings.Index(doc, "```jsonc\n")
	require.GreaterOrEqual(t, start, 0)
	body := doc[start+len("```jsonc\n"):]
	body = body[:strings.Index(body, "```")]
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		lines = append(lines, l)
	}
	w, err := ParseWorld([]byte(strings.Join(lines, "\n")))
	require.NoError(t, err)
	s, err := New(w, Options{})
	require.NoError(t, err)
	assert.Equal(t, "Workloads/Prod", s.OUPath("ou-exam-prod0001"))
	assert.Equal(t, 0.1, w.Faults.Throttle["sso"])
}

func TestWorldLandingZoneVersion(t *testing.T) {
	w, err := ParseWorld([]byte(`{"organization": {"managementAccount": {"name": "m", "email": "m@example.com"}}}`))
	require.NoError(t, err)
	assert.Equal(t, "3.3", w.ControlTower.LandingZoneVersion, "the default")
	_, err = ParseWorld([]byte(`{"organization": {"managementAccount": {"name": "m", "email": "m@example.com"}}, "controlTower": {"landingZoneVersion": "three"}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `controlTower.landingZoneVersion: "three"`)
}
