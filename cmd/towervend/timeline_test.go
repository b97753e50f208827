package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// `towervend local --timeline FILE` writes the run's picture: one bar per
// operation, labelled by request.
func TestLocalWritesTheTimeline(t *testing.T) {
	file := filepath.Join(t.TempDir(), "demo.html")
	code, _, stderr := runCLI(t, "local", "--json", "--timeline", file)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	page := string(b)
	assert.Contains(t, page, `<svg xmlns="http://www.w3.org/2000/svg" id="timeline"`)
	assert.Equal(t, 5, strings.Count(page, `<g class="lane"`), "the demo world's five Control Tower slots")
	assert.Contains(t, page, `data-request="CHG1001"`)
}

// A file that cannot be written fails before the run, naming the fix.
func TestTimelineFileIsCheckedFirst(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing", "run.html")
	for _, args := range [][]string{{"local", "--timeline", missing}, {"bench", "-n", "1", "--timeline", missing}} {
		code, stdout, stderr := runCLI(t, args...)
		assert.Equal(t, 2, code, args)
		assert.Empty(t, stdout, "%v: nothing ran", args)
		assert.Contains(t, stderr, "--timeline: timeline file "+missing+": its directory "+filepath.Dir(missing)+" does not exist: create it", args)
	}
	code, _, stderr := runCLI(t, "bench", "--coldstart", t.TempDir(), "--timeline", filepath.Join(t.TempDir(), "x.html"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--coldstart starts no run to draw")
	code, _, stderr = runCLI(t, "local", "--scenario", "any.json", "--timeline", filepath.Join(t.TempDir(), "x.html"))
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "a --scenario run is not drawn")
}

// `towervend bench --timeline FILE` draws the benchmark's operations.
func TestBenchWritesTheTimeline(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bench.html")
	code, _, stderr := runCLI(t, "bench", "-n", "12", "-c", "3", "--timeline", file)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	page := string(b)
	assert.Equal(t, 3, strings.Count(page, `<g class="lane"`))
	assert.Equal(t, 12, strings.Count(page, `<g class="op k-create`), "one bar per account")
	assert.Contains(t, page, "towervend bench: 12 accounts, 3 Control Tower slots")
}
