package protocol

import "context"

// Function is a Go handler standing in for a Lambda function: EventBridge
// targets and Step Functions tasks that name its ARN invoke it in process.
type Function func(ctx context.Context, payload []byte) ([]byte, error)
