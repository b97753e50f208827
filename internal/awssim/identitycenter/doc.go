// Package identitycenter simulates IAM Identity Center at the wire level: the
// sso-admin API (instance, permission sets, account assignments; X-Amz-Target
// prefix SWBExternalService, signing name "sso") and the identitystore API
// (users, groups; prefix AWSIdentityStore). One Service owns the instance and
// its identity store (State) and serves both APIs.
//
// Two AWS limits shape what callers must cope with, so both are enforced here:
//   - the APIs share a collective throttle of 20 TPS, kept as a token bucket in
//     simulated time (a client that paces itself on the clock is never throttled);
//   - CreateAccountAssignment allows 10 outstanding asynchronous calls per instance.
//
// An AssignmentOperation is in flight while its Done is zero; Done is set when it
// completes, Created + the world's ControlTower.AssignmentTime, by a clock
// callback (or by the next sso-admin call that sees it overdue, so a restored
// snapshot needs no timers).
//
// It may import protocol, internal/clock, the standard library and third-party
// libraries in go.mod, and not the root package awssim nor any other service
// package: what it needs of AWS Organizations comes through the Organization
// interface, which the root implements.
package identitycenter
