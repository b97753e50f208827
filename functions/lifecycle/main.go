// Command lifecycle is towervend's lifecycle Lambda function: starts work from Control Tower and Organizations lifecycle events.
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
		slog.Error("cannot start", "function", "lifecycle", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler.Lambda(d.Lifecycle))
}
