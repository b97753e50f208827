package handler

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/towervend/towervend/internal/vend"
)

// Start is a Lambda function's main: it builds the vending dependencies from
// the environment the stack sets and serves one step, given as a method
// expression such as (*vend.Deps).Validate. A function that cannot start logs
// why and exits, so Lambda reports an init error.
func Start[In, Out any](name string, step func(*vend.Deps, context.Context, In) (Out, error)) {
	d, err := vend.FromEnvironment(context.Background())
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("cannot start", "function", name, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(Lambda(func(ctx context.Context, in In) (Out, error) { return step(d, ctx, in) }))
}
