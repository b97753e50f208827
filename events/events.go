// Package events holds towervend's sample inputs: one account request per
// action (requests/), real-shaped SQS events (sqs/) and AWS's lifecycle events
// (aws/). Tests use them, and `towervend local` submits the requests.
//
// It imports only the standard library.
package events

import "embed"

// FS is the samples, rooted at this directory.
//
//go:embed requests/*.json aws/*.json sqs/*.json
var FS embed.FS
