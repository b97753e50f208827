// Package stepfunctions simulates AWS Step Functions (awsJson 1.0, prefix
// AWSStepFunctions), run by towervend's own ASL engine (internal/asl), and
// holds the registry of Lambda stand-ins (Functions) that Task states and
// EventBridge targets invoke.
//
// Callback tasks (lambda:invoke.waitForTaskToken) wait in the engine for
// SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat (tasks.go), which take
// the API reference's constraints (a ValidationException otherwise) and answer
// its InvalidToken, TaskDoesNotExist, TaskTimedOut and InvalidOutput. They are
// authorized on the state machine the token belongs to ("*" for a malformed
// token). Unlike AWS, a token stays known only while the simulator runs (a
// snapshot keeps no executions), the messages of those errors are plausible
// rather than AWS's verbatim text, and KMS errors never occur.
//
// Every operation that takes a state machine's or an execution's ARN checks
// it first (arn.go): InvalidArn, with AWS's message, for a malformed ARN, and
// StateMachineDoesNotExist or ExecutionDoesNotExist only for a well-formed
// one of nothing. A state machine keeps the logging, tracing and encryption
// settings it was given (config.go) and DescribeStateMachine answers them, or
// AWS's defaults; the simulator acts on none of them, and the messages of
// InvalidLoggingConfiguration and InvalidEncryptionConfiguration are
// plausible rather than AWS's verbatim text.
//
// It may import protocol, internal/asl, internal/clock and the standard
// library, and nothing of the root package awssim or of another service
// package. Status-change events go out through the Env's publisher.
package stepfunctions
