// Package stepfunctions simulates AWS Step Functions (awsJson 1.0, prefix
// AWSStepFunctions), run by towervend's own ASL engine (internal/asl), and
// holds the registry of Lambda stand-ins (Functions) that Task states and
// EventBridge targets invoke.
//
// It may import protocol, internal/asl, internal/clock and the standard
// library, and nothing of the root package awssim or of another service
// package. Status-change events go out through the Env's publisher.
package stepfunctions
