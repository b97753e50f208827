// Package iamapi simulates the read side of the AWS IAM API at the wire level
// (the Query protocol, signing name "iam", API version 2010-05-08): the calls
// an operator makes while checking a deployment (GetRole, ListRoles,
// ListRolePolicies, GetRolePolicy, ListAttachedRolePolicies), answered about
// the roles the caller's account has.
//
// The management account has Control Tower's roles, as a landing zone set up
// from the console leaves them (AWSControlTowerAdmin,
// AWSControlTowerCloudTrailRole, AWSControlTowerStackSetRole and
// AWSControlTowerConfigAggregatorRoleForOrganizations under /service-role/,
// the service-linked AWSServiceRoleForAWSControlTower under
// /aws-service-role/controltower.amazonaws.com/), and the roles the
// simulator's other parts know: towervend's functions' roles with the
// policies they are authorized by, and the roles of the world's principals. A
// member account has AWSControlTowerExecution while its execution role exists
// (trusting the management account, or some principal outside the
// organization when untrusted), and the role Organizations' CreateAccount made
// in an account it created (OrganizationAccountAccessRole unless the call
// named another).
//
// Policy documents (trust policies and inline policies) are answered
// URL-encoded as RFC 3986 has it, as IAM answers them. Role ids ("AROA…")
// are the ones STS gives the roles' sessions; creation dates are derived from
// the world's start, its seed and the accounts' join times, so the same world
// answers the same on every run and nothing is drawn from the seeded rand.
//
// IAM authorizes each call as its action on the role it names
// (arn:aws:iam::<account>:role<path><name>); ListRoles has no resource.
//
// # Limitations
//
//   - Read only: no role, policy or tag is created, changed or deleted, and
//     the roles are computed from the rest of the world on every call, so
//     there is no state of its own to snapshot.
//   - No users, groups, instance profiles, managed policy documents
//     (GetPolicy, GetPolicyVersion) or tags; RoleLastUsed is always empty.
//   - towervend's roles carry only the policies the simulator authorizes them
//     with: CDK's AWSLambdaBasicExecutionRole attachment and its X-Ray and log
//     statements are not there, the inline policy is named DefaultPolicy
//     rather than CDK's hashed logical id, and the state machine's role is
//     absent.
//   - Every role's MaxSessionDuration is IAM's default, an hour.
//   - A Marker is an offset into the listing; a Marker IAM did not hand out is
//     a ValidationError.
//
// It may import protocol and the standard library, and not the root package
// awssim nor any other service package: what it needs of AWS Organizations,
// STS and the registry of roles comes through Organization, Identities and
// Roles, which the root implements (glue_iam.go).
package iamapi
