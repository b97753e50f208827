package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPatternsAreTheDocumentedOnes(t *testing.T) {
	assert.JSONEq(t, `{"source":["aws.controltower"],"detail-type":["AWS Service Event via CloudTrail"],"detail":{"eventName":["CreateManagedAccount","UpdateManagedAccount"]}}`, ControlTowerLifecycle.JSON())
	assert.JSONEq(t, `{"source":["towervend"],"detail-type":["Account Request State Change"]}`, Notifications.JSON())
	assert.Len(t, Lifecycle(), 2)
}
