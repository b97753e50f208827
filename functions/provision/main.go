// Command provision is towervend's provision Lambda function: starts (or adopts) the Account Factory operation through the concurrency gate.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("provision", (*vend.Deps).Provision) }
