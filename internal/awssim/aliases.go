package awssim

import "github.com/towervend/towervend/internal/awssim/protocol"

// Names the simulator's users know from before the protocol layer existed.
type (
	// APIError is an AWS error as the simulator returns it.
	APIError = protocol.APIError
	// Epoch is a timestamp as the AWS JSON protocols send it.
	Epoch = protocol.Epoch
	// Principal is the IAM identity behind a request.
	Principal = protocol.Principal
	// Faults are what can go wrong, on purpose.
	Faults = protocol.Faults
	// Window is a stretch of simulated time given as offsets from the world's start.
	Window = protocol.Window
	// Duration is a time.Duration written as "30m" in JSON.
	Duration = protocol.Duration
)

var apiErr = protocol.Err
