// Command reportfailure is towervend's reportfailure Lambda function: reports a failed request and makes redrive resume at the failed step.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("reportfailure", (*vend.Deps).ReportFailure) }
