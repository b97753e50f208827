// Package lambda simulates what towervend needs of AWS Lambda: the functions
// (Go handlers standing in for them, by ARN) that Step Functions tasks invoke
// synchronously and EventBridge targets invoke asynchronously, and the
// asynchronous invocation's documented behaviour: the event is accepted at
// once, a failing function is run twice more (one minute, then two minutes
// later), and then the invocation record goes to the function's on-failure
// destination, or the event is dropped (Lambda developer guide, "Asynchronous
// invocation" and "Capturing records of asynchronous invocations").
//
// Functions are registered in process (Register, or Deploy with the Config
// a deployment gives them); the API served is Invoke and the read calls an
// operator checks a deployment with (api.go): ListFunctions, GetFunction,
// GetFunctionConfiguration, GetFunctionConcurrency and
// GetFunctionEventInvokeConfig.
//
// Where it knowingly differs: no call creates, changes or deletes a function;
// the maximum event age (6 hours by default) never runs out, since retries
// end within three minutes; only SQS destinations.
//
// It may import protocol and the standard library only; the queue a record
// goes to is reached through the Queues interface the root wires to SQS.
package lambda
