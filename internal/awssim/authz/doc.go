// Package authz is IAM in the simulator: the roles that carry identity
// policies, and the authorization of every call they make. Each operation
// declares the IAM action, resources and condition keys it needs
// (protocol.OpOn); the router hands every call the Authorizer a Registry
// makes, which evaluates them against the caller's policies (package iam) and
// answers a denied call in the service's own protocol with AWS's message. The
// world's principals have no policies and stay unrestricted. A Report tells
// what was checked, denied and never needed.
//
// Every call of a role with policies carries aws:PrincipalArn (the role's
// ARN), aws:PrincipalAccount, aws:PrincipalOrgID, aws:PrincipalType,
// aws:userid, aws:CurrentTime, aws:EpochTime and aws:RequestedRegion (from
// the signature); every access to an ARN with an account carries
// aws:ResourceAccount and, for an account of the organization,
// aws:ResourceOrgID. Services add their own keys.
//
// Limitations, besides those of package iam:
//   - only roles AddRole adds have policies; such a role cannot itself be
//     assumed with sts:AssumeRole (its key is its one session);
//   - PutEvents with one entry denied refuses the whole call
//     (AccessDeniedException); the per-entry NotAuthorizedForSourceException
//     EventBridge documents is not simulated;
//   - CreateAccount with Tags is not also checked for organizations:TagResource,
//     and PutRule does not set events:source / events:detail-type from its
//     pattern;
//   - aws:ResourceTag/… is set for Organizations' accounts, OUs and root and for
//     SQS queues only; aws:SecureTransport, aws:SourceIp and the other network
//     keys are never set;
//   - a service's own caller checks (Organizations' management-account check,
//     Identity Center's rate) come before IAM's;
//   - sts:GetCallerIdentity is never checked, as on AWS.
//
// It may import protocol, iam and the standard library, and not the root
// package awssim nor any service package: what it needs of AWS Organizations
// and of STS comes through the Organization and Sessions interfaces, which
// the root implements.
package authz
