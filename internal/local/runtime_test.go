package local

import (
	"context"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
)

func sampleRequests(t *testing.T) [][]byte {
	t.Helper()
	files, err := fs.Glob(events.FS, "requests/*.json")
	require.NoError(t, err)
	var out [][]byte
	for _, f := range files {
		b, err := fs.ReadFile(events.FS, f)
		require.NoError(t, err)
		out = append(out, b)
	}
	return out
}

func TestRunDemoRequests(t *testing.T) {
	ctx := context.Background()
	var lines []Event
	rt, err := New(ctx, Options{OnEvent: func(e Event) { lines = append(lines, e) }})
	require.NoError(t, err)
	require.NoError(t, rt.Submit(ctx, sampleRequests(t)...))
	require.NoError(t, rt.Run(ctx))
	for _, r := range rt.Results() {
		t.Logf("%-10s %-9s %-9s %-13s %-20s %s %s", r.RequestID, r.Action, r.Status, r.AccountID, r.OrganizationalUnit, r.Duration, r.Reason)
	}
	for _, e := range lines {
		_ = e
	}
	assert.NotEmpty(t, rt.Results())
}
