package organizations

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// upperAlnum is the alphabet of access key ids.
const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// --- CloudTrail event details ---

type createAccountStatusDetail struct {
	ID                 string `json:"id"`
	State              string `json:"state"`
	AccountName        string `json:"accountName"`
	AccountID          string `json:"accountId,omitempty"`
	FailureReason      string `json:"failureReason,omitempty"`
	RequestedTimestamp string `json:"requestedTimestamp"`
	CompletedTimestamp string `json:"completedTimestamp"`
}

type closeAccountStatusDetail struct {
	AccountID          string `json:"accountId"`
	State              string `json:"state"`
	RequestedTimestamp string `json:"requestedTimestamp"`
	CompletedTimestamp string `json:"completedTimestamp"`
}

// publishServiceEvent puts an Organizations AwsServiceEvent on the bus: the
// service acting as origin (AWS Internal, or Organizations itself) reports
// details. The lock is held.
func (s *Service) publishServiceEvent(name string, at time.Time, origin string, details any) {
	s.env.PublishCloudTrail("aws.organizations", at, protocol.CloudTrailRecord{
		EventVersion: "1.08", UserIdentity: protocol.CloudTrailIdentity{AccountID: s.state.ManagementAccountID, InvokedBy: origin},
		EventSource: eventSource, EventName: name, AWSRegion: trailRegion, SourceIPAddress: origin, UserAgent: origin,
		// Organizations' service events carry these as null.
		RequestParameters: json.RawMessage("null"), ResponseElements: json.RawMessage("null"),
		EventType: "AwsServiceEvent", ManagementEvent: true, RecipientAccountID: s.state.ManagementAccountID,
		ServiceEventDetails: details, EventCategory: "Management",
	})
}

// emitCreateAccountResult puts the CreateAccountResult CloudTrail event AWS
// sends when an account creation finishes; Control Tower's Account Factory
// causes one too, since it creates accounts through Organizations. The lock is held.
func (s *Service) emitCreateAccountResult(r *CreateAccountRequest) {
	status := createAccountStatusDetail{
		ID: r.ID, State: r.State,
		// CloudTrail redacts the account name.
		AccountName: "****", AccountID: r.AccountID, FailureReason: r.FailureReason,
		RequestedTimestamp: r.Requested.UTC().Format(cloudTrailTime), CompletedTimestamp: r.Completed.UTC().Format(cloudTrailTime),
	}
	s.publishServiceEvent("CreateAccountResult", r.Completed, "AWS Internal", map[string]any{"createAccountStatus": status})
}

// emitAcceptHandshake records the AcceptHandshake call of an invited account's
// administrator accepting the invitation, in the invited account. The lock is held.
func (s *Service) emitAcceptHandshake(accountID string, now time.Time) {
	org := &s.state
	mgmt := org.account(org.ManagementAccountID)
	hid := "h-" + s.env.RandString(10, protocol.LowerAlnum)
	// The invitation went out a day earlier and was valid for 15 days.
	requested := now.Add(-24 * time.Hour)
	handshake := map[string]any{
		"id":    hid,
		"arn":   fmt.Sprintf("arn:aws:organizations::%s:handshake/%s/invite/%s", org.ManagementAccountID, org.ID, hid),
		"state": "ACCEPTED",
		"parties": []map[string]string{
			{"type": "ORGANIZATION", "id": org.ID},
			{"type": "ACCOUNT", "id": accountID},
		},
		"action":              "invite",
		"requestedTimestamp":  requested.UTC().Format(cloudTrailTime),
		"expirationTimestamp": requested.Add(15 * 24 * time.Hour).UTC().Format(cloudTrailTime),
		"resources": []map[string]any{
			{"type": "ORGANIZATION", "value": org.ID, "resources": []map[string]string{
				{"type": "MASTER_EMAIL", "value": mgmt.Email},
				{"type": "MASTER_NAME", "value": mgmt.Name},
				{"type": "ORGANIZATION_FEATURE_SET", "value": "ALL"},
			}},
			{"type": "ACCOUNT", "value": accountID},
		},
	}
	s.env.PublishCloudTrail("aws.organizations", now, protocol.CloudTrailRecord{
		EventVersion: "1.08",
		UserIdentity: protocol.CloudTrailIdentity{Type: "Root", PrincipalID: accountID, Arn: "arn:aws:iam::" + accountID + ":root",
			AccountID: accountID, AccessKeyID: "ASIA" + s.env.RandString(16, upperAlnum)},
		EventSource: eventSource, EventName: "AcceptHandshake",
		AWSRegion: trailRegion, SourceIPAddress: "203.0.113.10", UserAgent: "AWS Internal",
		RequestParameters: map[string]string{"handshakeId": hid},
		ResponseElements:  map[string]any{"handshake": handshake},
		RequestID:         s.env.UUID(), EventType: "AwsApiCall", ManagementEvent: true,
		// The invited account made the call: CloudTrail logs it there, and it
		// reaches that account's bus, never the management account's.
		RecipientAccountID: accountID, EventCategory: "Management",
	})
}

type accountJoinedDetail struct {
	AccountID      string `json:"accountId"`
	OrganizationID string `json:"organizationId"`
	JoinedMethod   string `json:"joinedMethod"`
	JoinedTime     string `json:"joinedTime"`
}

// emitAccountJoined puts the AccountJoinedOrganization service event
// Organizations logs in the management account when an account joins, by
// invitation (joinedMethod INVITED) or by CreateAccount (CREATED). AWS's API
// reference names the joinedMethod and joinedTime fields; the simulator puts
// them, with the account and organization, in serviceEventDetails, the way
// Organizations' other service events carry theirs. The lock is held.
func (s *Service) emitAccountJoined(accountID, method string, at time.Time) {
	s.publishServiceEvent("AccountJoinedOrganization", at, eventSource, accountJoinedDetail{
		AccountID: accountID, OrganizationID: s.state.ID, JoinedMethod: method, JoinedTime: at.UTC().Format(cloudTrailTime),
	})
}
