// Package sqs simulates Amazon SQS (awsJson 1.0, target prefix AmazonSQS,
// query compatible: every error carries its Query-era code in
// x-amzn-query-error as well): the queues of every account with their
// messages, and the message move tasks. The root package awssim builds a
// Service over its protocol.Env and routes the AmazonSQS operations to it.
//
// Where the simulator differs from AWS, on purpose:
//   - A long poll (WaitTimeSeconds, or the queue's ReceiveMessageWaitTimeSeconds)
//     cannot block: handlers run with the simulator's lock held. ReceiveMessage
//     answers at once with what is available, possibly nothing, so a poller must
//     wait on the clock between empty receives.
//   - Time-driven behaviour (delays, visibility timeouts, retention, the
//     deduplication window, message move tasks) is worked out lazily from the
//     simulated time of each call. Nothing runs between calls and no timers are
//     set, so a snapshot holds all of it and a restore needs no resuming.
//   - A message move task without MaxNumberOfMessagesPerSecond moves every
//     message at once, when it starts; with a rate it moves that many messages
//     per simulated second, as later calls observe.
//   - Delivery is deterministic: messages come out in send order (standard
//     queues too), ids come from the world's seeded rand.
//
// It may import internal/awssim/protocol, internal/clock and the standard
// library; not the root package awssim nor any other service package. It
// needs nothing of the other services: queues belong to the calling
// principal's account, and the queue URL's host is the endpoint it is built with.
package sqs
