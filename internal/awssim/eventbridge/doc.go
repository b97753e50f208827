// Package eventbridge simulates Amazon EventBridge (awsJson 1.1, prefix
// AWSEvents): event buses, rules matched with Quamina, scheduled rules
// (rate() expressions on the clock), targets invoked in process with
// EventBridge's retries, and the envelope AWS services' events arrive in. Its
// PublishServiceEvent is the Env's publisher: every other service's events
// reach the management account's default bus through it (us-east-1's for
// Organizations, the home Region's otherwise; buses are per Region, addressed
// by the Region a request is signed for, and a target may be another Region's
// bus), and a member
// account's own CloudTrail calls that account's bus, which no rule watches.
// With Faults.DropLifecycleEvents it drops that share of Control Tower's
// lifecycle events before they reach the bus (AWS delivers CloudTrail's
// events on a best-effort basis) and keeps them aside, where
// DroppedLifecycleEvents shows them.
//
// A bus keeps the Description, KmsKeyIdentifier and DeadLetterConfig that
// CreateEventBus or UpdateEventBus gave it, and when it was created and last
// modified (a default bus: the world's start); the simulator encrypts nothing,
// and a bus's dead-letter queue receives nothing (a target's does).
// PutPermission is not served, so no bus has a Policy. As on AWS, an answer
// leaves out a member that has no value rather than send null, and a list
// with nothing in it is [].
//
// It may import protocol, the standard library and Quamina, and nothing of
// the root package awssim or of another service package. The Lambda
// functions targets name come through the Functions interface, which the root
// wires to the Step Functions package's registry.
package eventbridge
