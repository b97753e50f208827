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

// The management account never sees an invited account's AcceptHandshake
// call (CloudTrail logs it in the invited account); it sees Organizations'
// AccountJoinedOrganization service event (aws-facts §11).
func TestOrganizationsJoinMatchesWhatTheManagementAccountReceives(t *testing.T) {
	assert.JSONEq(t, `{"source":["aws.organizations"],"detail-type":["AWS Service Event via CloudTrail","AWS API Call via CloudTrail"],`+
		`"detail":{"eventName":["CreateAccountResult","AccountJoinedOrganization"]}}`, OrganizationsJoin.JSON())
}

func TestReconcileIsHourly(t *testing.T) {
	assert.Equal(t, "rate(1 hour)", Reconcile.Schedule)
	assert.Equal(t, []Rule{Reconcile}, LifecycleSchedules())
	for _, r := range Lifecycle() {
		assert.Empty(t, r.Schedule, "%s is an event-pattern rule", r.Name)
	}
}
