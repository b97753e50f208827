// Package vend holds towervend's vending logic: one function per workflow step
// (validate, checkrole, provision, provisionstatus, assignsso, moveou, tag,
// close, notify) plus the two triggers (intake from SQS, lifecycle from
// EventBridge). Each step reads and returns the workflow's state document, Doc,
// and is safe to repeat: tokens and names derive from the requestId, existing
// products and assignments are adopted, and transient AWS trouble is reported
// with an error name the state machine retries.
//
// It may import request, policy, schema, statemachine, clock and the AWS SDK
// clients (behind consumer-side interfaces in deps.go); never the simulator,
// the local runtime, deploy or infra.
package vend
