package request

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The sample requests in events/requests are valid, except the one meant to be invalid.
func TestSampleRequestsDecode(t *testing.T) {
	files, err := filepath.Glob("../../events/requests/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			_, err = Decode(b)
			if strings.Contains(f, "invalid") {
				var p *Problems
				require.True(t, errors.As(err, &p), "want schema problems, got %v", err)
				assert.GreaterOrEqual(t, len(p.List), 2)
				return
			}
			assert.NoError(t, err)
		})
	}
}
