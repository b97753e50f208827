// Command validate is towervend's validate Lambda function: checks a request against the organization and the policy and plans the work.
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
		slog.Error("cannot start", "function", "validate", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler.Lambda(d.Validate))
}
