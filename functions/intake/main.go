// Command intake is towervend's intake Lambda function: takes account requests from the SQS queue and starts one execution each.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("intake", (*vend.Deps).Intake) }
