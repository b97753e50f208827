// Package asl runs Amazon States Language state machines (JSONPath query
// language) locally: the same definition file AWS Step Functions runs in
// production runs here, unchanged, against a simulated AWS world.
//
// Parse validates and compiles a definition (after Substitute has filled in
// its ${...} placeholders) and refuses, with an error naming the state and
// field, anything the engine would not run exactly: JSONata, variables,
// Distributed Map, service integrations other than Lambda, callback tasks
// other than lambda:invoke.waitForTaskToken. Engine.Start runs a Machine as
// clock-scheduled work; Execution exposes what DescribeExecution,
// GetExecutionHistory, StopExecution and RedriveExecution need.
//
// # Callback tasks
//
// A Task with Resource arn:aws:states:::lambda:invoke.waitForTaskToken runs as
// Step Functions runs it (Developer Guide, "Wait for a Callback with Task
// Token"): every attempt gets a new task token in $$.Task.Token (only there, in
// the Task's Parameters), the function is invoked with the Payload, and the task
// then waits until Engine.SendTaskSuccess (whose output is the task's result),
// SendTaskFailure (its error and cause, for Retry and Catch), TimeoutSeconds
// (counted from the task's start: States.Timeout) or HeartbeatSeconds without a
// SendTaskHeartbeat (States.HeartbeatTimeout) ends it. A token may be sent from
// any goroutine at any time, also by the function from inside its invocation.
// History: TaskScheduled (resource invoke.waitForTaskToken), TaskStarted,
// TaskSubmitted (the function's lambda:invoke response), then TaskSucceeded,
// TaskFailed or TaskTimedOut. A closed token (its task ended, or its execution
// stopped or timed out) answers ErrTaskTimedOut. Tokens are opaque base64, at
// most 2048 characters, drawn from the Rand, and carry the state machine and
// execution ARNs (ParseTaskToken; Engine.TaskExecution finds the execution).
//
// # Time
//
// Every wait (Wait states, Retry backoff, callback tasks, the execution's
// TimeoutSeconds) goes through the engine's clock.Clock; a callback task waits
// on a clock.Alarm, which a Send* call rings. Under clock.Virtual a run never
// waits on other clock-scheduled work, so simulated days pass in milliseconds
// and a run is deterministic for a given Rand seed.
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
//     HeartbeatSeconds has an effect only on callback tasks; on other Tasks it
//     is accepted and ignored.
//   - A callback task's function is invoked synchronously, and its wait begins
//     when the invocation returns: a result sent during the invocation ends the
//     task then, unless the invocation failed (a lambda:invoke failure wins) or
//     a deadline passed first (TaskTimedOut, recorded when the invocation
//     returns). lambda:invoke.waitForTaskToken takes FunctionName and Payload
//     only, like lambda:invoke; the engine, like AWS, does not check that the
//     Parameters pass the token on. With no TimeoutSeconds the task waits
//     without limit (AWS: up to the execution's year); under a Virtual clock
//     such a wait holds no timer, so time does not jump ahead for it.
//   - States.TaskFailed in ErrorEquals follows the Developer Guide's wording
//     (it matches any error but States.Timeout), so it also matches
//     States.HeartbeatTimeout and an error-less SendTaskFailure; AWS does not
//     document those two cases.
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
