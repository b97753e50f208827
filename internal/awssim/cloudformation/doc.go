// Package cloudformation simulates the read side of AWS CloudFormation at the
// wire level (the Query protocol, signing name "cloudformation", API version
// 2010-05-15): DescribeStacks, ListStacks and DescribeStackResources, the
// calls an operator makes to find what a deployment made and what its outputs
// are.
//
// Nothing deploys templates here. A stack is recorded whole with Put, by
// whoever deployed the resources some other way: the local runtime records
// towervend's deployment as the CDK app's home stack, with the outputs that
// stack declares and the local runtime's values for them. A stack lives in
// the management account and the home Region; a caller from another account
// or signing for another Region sees none.
//
// An output value or a physical resource id that is a URL on the simulator's
// in-process endpoint (a queue URL) is answered on the host the caller
// reached, as SQS answers queue URLs, so what DescribeStacks says a caller
// can use.
//
// # Limitations
//
//   - No templates, change sets, stack sets, events, drift detection, exports
//     or parameters; no CreateStack, UpdateStack or DeleteStack.
//   - A stack is CREATE_COMPLETE when first put and UPDATE_COMPLETE when put
//     again under the same name; its resources are CREATE_COMPLETE, and
//     their logical ids are the ones the recorder gives, not the ones CDK
//     synthesizes.
//   - Stack ids are derived from the world's seed and the stack's name, not
//     drawn from the seeded rand, so recording a stack changes no other id.
//
// It may import protocol and the standard library, and not the root package
// awssim nor any other service package: it needs nothing of the other
// services.
package cloudformation
