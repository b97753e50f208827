// Command moveou is towervend's moveou Lambda function: makes sure the account is in its OU.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("moveou", (*vend.Deps).MoveOU) }
