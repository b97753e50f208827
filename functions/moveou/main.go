// Command moveou is towervend's moveou Lambda function: makes sure the account is in its OU.
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
		slog.Error("cannot start", "function", "moveou", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler.Lambda(d.PlaceAccount))
}
