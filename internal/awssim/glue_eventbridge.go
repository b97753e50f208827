package awssim

import (
	"github.com/towervend/towervend/internal/awssim/eventbridge"
	"github.com/towervend/towervend/internal/awssim/stepfunctions"
)

// EventBridge's targets invoke the Lambda stand-ins of Step Functions'
// registry (initEvents hands the one registry to both).
var _ eventbridge.Functions = (*stepfunctions.Functions)(nil)
