// Package sqs simulates Amazon SQS in both its protocols: awsJson 1.0 (target
// prefix AmazonSQS, query compatible: every error carries its Query-era code
// in x-amzn-query-error as well) and the older Query protocol (API version
// 2012-11-05, form parameters and XML answers; query.go): the queues of every account with their
// messages, and the message move tasks. The root package awssim builds a
// Service over its protocol.Env and routes the AmazonSQS operations to it.
//
// Where the simulator differs from AWS, on purpose:
//   - SQS keeps the world's simulated time unless given a clock of its own
//     (UseClock): the standalone simulator gives it the wall clock, so the real
//     programs it serves see 30-second visibility timeouts last 30 seconds.
//   - A long poll (WaitTimeSeconds, or the queue's ReceiveMessageWaitTimeSeconds)
//     blocks, as on AWS, only on a wall clock: it gives up the simulator's lock
//     while it waits and answers as soon as a message can be received. On a
//     simulated clock ReceiveMessage answers at once with what is available,
//     possibly nothing, so a poller waits on the clock between empty receives.
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
// principal's account, and a queue URL's host is the one the caller reached.
package sqs
