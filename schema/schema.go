// Package schema holds towervend's public JSON Schemas (draft 2020-12). They are the
// one source of truth for the request contract, the policy file and the notification
// events: Go code validates against these bytes rather than repeating their rules, and
// their titles and descriptions are the documentation. The x-message and x-fix
// annotations in them are the text towervend reports when a value breaks a rule.
//
// It imports only the standard library.
package schema

import _ "embed"

// Request is request.schema.json: the body of a message on the request queue
// (create, enroll, update, unmanage or close one account). Its $id is RequestID.
//
//go:embed request.schema.json
var Request []byte

// Policy is policy.schema.json: the policy file deployed with the stack
// (internal/policy/default.json). It refers to Request for access items and tag keys, so
// compile the two together. Its $id is PolicyID.
//
//go:embed policy.schema.json
var Policy []byte

// Notification is notification.schema.json: the detail of the events towervend
// puts on EventBridge with source NotificationSource and detail-type
// NotificationDetailType. Its $id is NotificationID.
//
//go:embed notification.schema.json
var Notification []byte

const (
	// RequestID is the $id of Request.
	RequestID = "https://towervend.dev/schema/request.schema.json"
	// PolicyID is the $id of Policy.
	PolicyID = "https://towervend.dev/schema/policy.schema.json"
	// NotificationID is the $id of Notification.
	NotificationID = "https://towervend.dev/schema/notification.schema.json"

	// NotificationSource is the EventBridge source of towervend's notifications.
	NotificationSource = "towervend"
	// NotificationDetailType is the EventBridge detail-type of towervend's notifications.
	NotificationDetailType = "Account Request State Change"
)
