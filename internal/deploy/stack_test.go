package deploy_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/towervend/towervend/internal/deploy"
)

// HomeStackOutputs is what a script reading the stack's outputs can rely on:
// sorted, each key once (the stack's test checks the template declares
// exactly these).
func TestHomeStackOutputsAreSortedAndDistinct(t *testing.T) {
	keys := deploy.HomeStackOutputs()
	assert.True(t, slices.IsSorted(keys), "%v", keys)
	assert.Len(t, slices.Compact(slices.Clone(keys)), len(keys))
	assert.Contains(t, keys, deploy.OutputRequestQueueURL)
}
