// Package protocol is the wire layer every simulated AWS service sits on: the
// API error type, the JSON / Query (XML) writers, timestamps, paging, the typed
// operation that decodes a request once and has it authorized (the IAM
// action, resources and condition keys it declares; see Access), fault
// injection, and the Env a service hangs off (clock, seeded ids, Region, management account, the lock, event
// publishing).
//
// It may import only the standard library and internal/clock. Service packages
// (organizations, sqs, …) import protocol and nothing of each other; the root
// package awssim composes them.
package protocol
