// Command provisionstatus is towervend's provisionstatus Lambda function: checks the Account Factory record for the wait loop.
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
		slog.Error("cannot start", "function", "provisionstatus", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler.Lambda(d.ProvisionStatus))
}
