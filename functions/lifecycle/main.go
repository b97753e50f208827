// Command lifecycle is towervend's lifecycle Lambda function: starts work from Control Tower and Organizations lifecycle events.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("lifecycle", (*vend.Deps).Lifecycle) }
