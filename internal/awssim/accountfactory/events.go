package accountfactory

import (
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Control Tower's lifecycle events: the CloudTrail service events
// (CreateManagedAccount, UpdateManagedAccount) it puts on the management
// account's default bus in the home Region when an account operation ends.

// afTimestamp is the lifecycle events' requested/completed timestamp format.
const afTimestamp = "2006-01-02T15:04:05-0700"

type afOrganizationalUnit struct {
	Name string `json:"organizationalUnitName"`
	ID   string `json:"organizationalUnitId"`
}

type afAccountRef struct {
	Name string `json:"accountName"`
	ID   string `json:"accountId"`
}

type afManagedAccountStatus struct {
	OrganizationalUnit afOrganizationalUnit `json:"organizationalUnit"`
	Account            afAccountRef         `json:"account"`
	State              string               `json:"state"`
	Message            string               `json:"message"`
	RequestedTimestamp string               `json:"requestedTimestamp"`
	CompletedTimestamp string               `json:"completedTimestamp"`
}

// afEmit publishes the operation's lifecycle event on the default bus. The lock is held.
func (s *Service) afEmit(op *AccountOperation, accountID, state, message string, now time.Time) {
	if op.Event == "" {
		return
	}
	ouName := ""
	if ou, ok := s.org.OU(op.OUID); ok {
		ouName = ou.Name
	}
	if accountID == "" {
		accountID = "Not Available"
	}
	key := "createManagedAccountStatus"
	if op.Event == afEventUpdate {
		key = "updateManagedAccountStatus"
	}
	s.env.PublishCloudTrail("aws.controltower", now, protocol.CloudTrailRecord{
		EventVersion:    "1.05",
		UserIdentity:    protocol.CloudTrailIdentity{AccountID: s.env.ManagementAccountID, InvokedBy: "AWS Internal"},
		EventSource:     "controltower.amazonaws.com",
		EventName:       op.Event,
		AWSRegion:       s.env.Region,
		SourceIPAddress: "AWS Internal",
		UserAgent:       "AWS Internal",
		EventType:       "AwsServiceEvent",
		ServiceEventDetails: map[string]afManagedAccountStatus{key: {
			OrganizationalUnit: afOrganizationalUnit{Name: ouName, ID: op.OUID},
			Account:            afAccountRef{Name: op.Params[afAccountName], ID: accountID},
			State:              state,
			Message:            message,
			RequestedTimestamp: op.Requested.UTC().Format(afTimestamp),
			CompletedTimestamp: now.UTC().Format(afTimestamp),
		}},
	})
}
