// Command await is towervend's await Lambda function: stores the task token of a workflow state waiting for a Control Tower slot or operation.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("await", (*vend.Deps).Await) }
