// Command notify is towervend's notify Lambda function: publishes a request state change on the notification bus.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("notify", (*vend.Deps).Notify) }
