package organizations

import (
	"fmt"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// upperAlnum is the alphabet of access key ids.
const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// --- CloudTrail event shapes ---

type cloudTrailIdentity struct {
	AccountID string `json:"accountId"`
	InvokedBy string `json:"invokedBy"`
}

type cloudTrailCaller struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	Arn         string `json:"arn"`
	AccountID   string `json:"accountId"`
	AccessKeyID string `json:"accessKeyId"`
}

// cloudTrailServiceEvent is an AwsServiceEvent record, in CloudTrail's field order.
type cloudTrailServiceEvent struct {
	EventVersion        string             `json:"eventVersion"`
	UserIdentity        cloudTrailIdentity `json:"userIdentity"`
	EventTime           string             `json:"eventTime"`
	EventSource         string             `json:"eventSource"`
	EventName           string             `json:"eventName"`
	AWSRegion           string             `json:"awsRegion"`
	SourceIPAddress     string             `json:"sourceIPAddress"`
	UserAgent           string             `json:"userAgent"`
	RequestParameters   any                `json:"requestParameters"`
	ResponseElements    any                `json:"responseElements"`
	EventID             string             `json:"eventID"`
	ReadOnly            bool               `json:"readOnly"`
	EventType           string             `json:"eventType"`
	ManagementEvent     bool               `json:"managementEvent"`
	RecipientAccountID  string             `json:"recipientAccountId"`
	ServiceEventDetails any                `json:"serviceEventDetails"`
	EventCategory       string             `json:"eventCategory"`
}

// cloudTrailAPICall is an AwsApiCall record.
type cloudTrailAPICall struct {
	EventVersion       string           `json:"eventVersion"`
	UserIdentity       cloudTrailCaller `json:"userIdentity"`
	EventTime          string           `json:"eventTime"`
	EventSource        string           `json:"eventSource"`
	EventName          string           `json:"eventName"`
	AWSRegion          string           `json:"awsRegion"`
	SourceIPAddress    string           `json:"sourceIPAddress"`
	UserAgent          string           `json:"userAgent"`
	RequestParameters  any              `json:"requestParameters"`
	ResponseElements   any              `json:"responseElements"`
	RequestID          string           `json:"requestID"`
	EventID            string           `json:"eventID"`
	ReadOnly           bool             `json:"readOnly"`
	EventType          string           `json:"eventType"`
	ManagementEvent    bool             `json:"managementEvent"`
	RecipientAccountID string           `json:"recipientAccountId"`
	EventCategory      string           `json:"eventCategory"`
}

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

// serviceEvent builds the detail of an Organizations AwsServiceEvent. The lock is held.
func (s *Service) serviceEvent(name string, at time.Time, who cloudTrailIdentity, origin string, details any) cloudTrailServiceEvent {
	return cloudTrailServiceEvent{
		EventVersion: "1.08", UserIdentity: who, EventTime: at.UTC().Format(time.RFC3339),
		EventSource: eventSource, EventName: name, AWSRegion: trailRegion,
		SourceIPAddress: origin, UserAgent: origin, EventID: s.env.UUID(), EventType: "AwsServiceEvent",
		ManagementEvent: true, RecipientAccountID: s.state.ManagementAccountID, ServiceEventDetails: details,
		EventCategory: "Management",
	}
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
	s.env.Publish(protocol.Event{Source: "aws.organizations", DetailType: "AWS Service Event via CloudTrail", Detail: s.serviceEvent("CreateAccountResult", r.Completed,
		cloudTrailIdentity{AccountID: s.state.ManagementAccountID, InvokedBy: "AWS Internal"}, "AWS Internal",
		map[string]any{"createAccountStatus": status})})
}

// emitAcceptHandshake puts the AcceptHandshake CloudTrail event of an invited
// account's administrator accepting the invitation. The lock is held.
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
	ev := cloudTrailAPICall{
		EventVersion: "1.08",
		UserIdentity: cloudTrailCaller{Type: "Root", PrincipalID: accountID, Arn: "arn:aws:iam::" + accountID + ":root",
			AccountID: accountID, AccessKeyID: "ASIA" + s.env.RandString(16, upperAlnum)},
		EventTime: now.UTC().Format(time.RFC3339), EventSource: eventSource, EventName: "AcceptHandshake",
		AWSRegion: trailRegion, SourceIPAddress: "203.0.113.10", UserAgent: "AWS Internal",
		RequestParameters: map[string]string{"handshakeId": hid},
		ResponseElements:  map[string]any{"handshake": handshake},
		RequestID:         s.env.UUID(), EventID: s.env.UUID(), ReadOnly: false, EventType: "AwsApiCall", ManagementEvent: true,
		RecipientAccountID: org.ManagementAccountID, EventCategory: "Management",
	}
	s.env.Publish(protocol.Event{Source: "aws.organizations", DetailType: "AWS API Call via CloudTrail", Detail: ev})
}
