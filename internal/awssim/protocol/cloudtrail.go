package protocol

import "time"

// CloudTrailIdentity is a CloudTrail record's userIdentity: the caller of an
// AwsApiCall, or the account and the service acting in it for an
// AwsServiceEvent. The members a record does not carry are empty and left out.
type CloudTrailIdentity struct {
	Type        string `json:"type,omitempty"`
	PrincipalID string `json:"principalId,omitempty"`
	Arn         string `json:"arn,omitempty"`
	AccountID   string `json:"accountId"`
	AccessKeyID string `json:"accessKeyId,omitempty"`
	InvokedBy   string `json:"invokedBy,omitempty"`
}

// CloudTrailRecord is one CloudTrail record, an AwsApiCall or an
// AwsServiceEvent, as EventBridge carries it in an event's detail, with its
// members in CloudTrail's order. Services write different members: one that a
// service's records lack is left empty and so out of the JSON. A record that
// carries RequestParameters or ResponseElements as null sets them to
// json.RawMessage("null").
type CloudTrailRecord struct {
	EventVersion        string             `json:"eventVersion"`
	UserIdentity        CloudTrailIdentity `json:"userIdentity"`
	EventTime           string             `json:"eventTime"`
	EventSource         string             `json:"eventSource"`
	EventName           string             `json:"eventName"`
	AWSRegion           string             `json:"awsRegion"`
	SourceIPAddress     string             `json:"sourceIPAddress"`
	UserAgent           string             `json:"userAgent"`
	RequestParameters   any                `json:"requestParameters,omitempty"`
	ResponseElements    any                `json:"responseElements,omitempty"`
	RequestID           string             `json:"requestID,omitempty"`
	EventID             string             `json:"eventID"`
	ReadOnly            bool               `json:"readOnly"`
	EventType           string             `json:"eventType"`
	ManagementEvent     bool               `json:"managementEvent,omitempty"`
	RecipientAccountID  string             `json:"recipientAccountId,omitempty"`
	ServiceEventDetails any                `json:"serviceEventDetails,omitempty"`
	EventCategory       string             `json:"eventCategory,omitempty"`
}

// PublishCloudTrail puts a CloudTrail record of source (aws.organizations,
// aws.controltower) on the default bus of the account CloudTrail delivers it
// to, its RecipientAccountID (the management account when empty): an API call
// a member account makes reaches that account's bus, not the management
// account's. An AwsServiceEvent goes as "AWS Service Event via CloudTrail", any
// other as "AWS API Call via CloudTrail". It stamps the record with its time,
// at, and an eventID drawn from the seeded rand. The lock is held.
func (e *Env) PublishCloudTrail(source string, at time.Time, r CloudTrailRecord) {
	r.EventTime = at.UTC().Format(time.RFC3339)
	r.EventID = e.UUID()
	detailType := "AWS API Call via CloudTrail"
	if r.EventType == "AwsServiceEvent" {
		detailType = "AWS Service Event via CloudTrail"
	}
	e.Publish(Event{Source: source, DetailType: detailType, Detail: r, Account: r.RecipientAccountID})
}
