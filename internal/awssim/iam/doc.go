// Package iam evaluates IAM identity-based policies the way the AWS IAM User
// Guide documents it, so the simulator can authorize every call it serves.
//
// A caller gathers the identity-based policies attached to the principal,
// describes the call as a Request (action, resource ARN, condition context) and
// asks Evaluate for a Decision. An explicit Deny in any statement wins over any
// Allow; with no Allow the request is implicitly denied ("Policy evaluation
// logic", "The difference between explicit and implicit denies").
// DeniedMessage renders the AccessDenied text AWS returns.
//
// It may import only the standard library: it knows nothing of the simulator's
// services, and the simulator hands it plain values.
//
// # Supported
//
//   - Policy documents as IAM accepts them: Statement as one object or a list;
//     Action, NotAction, Resource, NotResource and condition values as a string
//     or a list (condition values may also be JSON numbers or booleans).
//   - Action matching, case-insensitive, with * and ? wildcards; NotAction.
//   - Resource matching, case-sensitive, with * and ? wildcards where * runs
//     across ':' and '/' (the Resource element page: a trailing * "can expand to
//     match beyond colon boundaries"); NotResource.
//   - Condition operators: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
//     StringNotEqualsIgnoreCase, StringLike, StringNotLike; NumericEquals,
//     NumericNotEquals, NumericLessThan(Equals), NumericGreaterThan(Equals);
//     DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals);
//     Bool; IpAddress, NotIpAddress; ArnEquals, ArnLike, ArnNotEquals,
//     ArnNotLike (each of the six colon-separated ARN parts matched on its own);
//     Null. Any of them but Null takes the IfExists suffix and the
//     ForAnyValue: / ForAllValues: set qualifiers.
//   - Condition logic: operators and keys are ANDed, values of one key ORed (NOR
//     for negated operators); a key missing from the context makes the
//     condition false, except for negated operators (true), IfExists (true),
//     ForAllValues (true) and Null. Context key names are case-insensitive.
//   - Policy variables (${key}, ${key, 'default'}, ${*}, ${?}, ${$}) in Resource,
//     NotResource and the values of String, Arn and Bool conditions, only in
//     policies whose Version is "2012-10-17" (older versions read them as
//     literal text, as IAM does). A variable that resolves to nothing, or to a
//     multivalued key, makes its whole statement not apply.
//   - Validate and Parse, which reject documents IAM would call malformed.
//
// # Limitations
//
// This package evaluates identity-based policies of one principal in one
// account, and nothing else of AWS's evaluation logic:
//
//   - no resource-based policies (bucket, key, queue, role trust policies),
//     Principal or NotPrincipal, and no cross-account evaluation;
//   - no AWS Organizations service control policies or resource control
//     policies;
//   - no permissions boundaries;
//   - no session policies passed to AssumeRole or GetFederationToken;
//   - no VPC endpoint policies;
//   - no BinaryEquals operator;
//   - no request context of its own: it sees only the keys the caller puts in
//     Request.Context (aws:PrincipalArn, aws:PrincipalAccount,
//     aws:PrincipalOrgID, aws:ResourceOrgID, aws:SourceArn, aws:username, …);
//   - no policy size limits, and Resource variables are accepted anywhere in
//     the ARN, not only after the fifth colon.
package iam
