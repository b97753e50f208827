// Command reportfailure is towervend's reportfailure Lambda function: reports a failed request and makes redrive resume at the failed step.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() {
	d, err := vend.FromEnvironment(context.Background())
	if err != nil {
		slog.Error("cannot start", "function", "reportfailure", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler.Lambda(d.ReportFailure))
}
