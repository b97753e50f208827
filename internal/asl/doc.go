// Package asl runs Amazon States Language state machines (JSONPath query
// language) locally: the same definition file AWS Step Functions runs in
// production runs here, unchanged, against a simulated AWS world.
//
// Parse validates and compiles a definition (after Substitute has filled in
// its ${...} placeholders) and refuses, with an error naming the state and
// field, anything the engine would not run exactly: JSONata, variables,
// Distributed Map, service integrations other than Lambda, callback tasks.
// Engine.Start runs a Machine as clock-scheduled work; Execution exposes what
// DescribeExecution, GetExecutionHistory, StopExecution and RedriveExecution
// need.
//
// # Time
//
// Every wait (Wait states, Retry backoff, the execution's TimeoutSeconds) goes
// through the engine's clock.Clock. Under clock.Virtual a run never waits on
// other clock-scheduled work, so simulated days pass in milliseconds and a run
// is deterministic for a given Rand seed.
//
// # Where the engine differs from AWS
//
//   - Map iterations and Parallel branches run one after another, in order, in
//     the execution's goroutine; AWS runs them concurrently. Results are the
//     same; the history lists each iteration's or branch's events together
//     rather than interleaved. MaxConcurrency is accepted and has no effect.
//   - Redrive re-runs a failed Map or Parallel state whole; AWS re-runs only
//     its failed iterations or branches.
//   - A Task's TimeoutSeconds is checked when the Invoker returns (a local
//     handler that sleeps on the clock past it fails with States.Timeout then;
//     AWS would cut it short). Local handlers usually take no simulated time.
//     HeartbeatSeconds is accepted and has no effect: there are no callbacks.
//   - Failures of paths, ResultPath and intrinsic functions are all
//     States.Runtime, which no Retry or Catch handles (nor
//     States.DataLimitExceeded, even when named).
//   - lambda:invoke takes only FunctionName and Payload (a missing Payload sends
//     {}). The Invoker gets FunctionName exactly as evaluated, or the Resource
//     ARN of a plain Lambda Task; its *TaskError gives the error name and cause
//     that Retry and Catch see, as a Lambda function's errorType and error
//     payload do in AWS.
//   - Parameters are evaluated again for every retry attempt, so
//     $$.State.RetryCount counts up (and States.UUID changes).
//   - States.StringSplit treats every character of its second argument as a
//     delimiter and drops empty pieces; States.Format renders non-string
//     values as JSON.
//   - Outputs are compact JSON with object keys sorted; integral numbers are
//     kept exact as int64 and "1.0" is rendered as 1.
//   - History: PreviousEventID is always the event recorded just before (AWS
//     sometimes points at an earlier causal event). Stop and the execution
//     timeout record <Type>StateAborted (and MapIterationAborted) events for
//     the states in progress before ExecutionAborted/ExecutionTimedOut.
//     Reaching 25,000 events fails the execution with States.Runtime.
//
// It imports internal/clock and nothing else of towervend: the engine knows no
// AWS service.
package asl
