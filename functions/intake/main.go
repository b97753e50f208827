// Command intake is towervend's intake Lambda function: takes account requests from the SQS queue and starts one execution each.
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
		slog.Error("cannot start", "function", "intake", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler.Lambda(d.Intake))
}
