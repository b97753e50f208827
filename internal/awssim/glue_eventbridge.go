package awssim

import (
	"github.com/towervend/towervend/internal/awssim/eventbridge"
	"github.com/towervend/towervend/internal/awssim/lambda"
	"github.com/towervend/towervend/internal/awssim/sqs"
	"github.com/towervend/towervend/internal/awssim/stepfunctions"
)

// EventBridge targets and Step Functions tasks invoke Lambda's functions;
// Lambda's destinations and EventBridge's dead-letter queues are SQS queues.
var (
	_ eventbridge.Functions   = (*lambda.Service)(nil)
	_ eventbridge.Queues      = (*sqs.Service)(nil)
	_ stepfunctions.Functions = (*lambda.Service)(nil)
	_ lambda.Queues           = (*sqs.Service)(nil)
)
