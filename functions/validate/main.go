// Command validate is towervend's validate Lambda function: checks a request against the organization and the policy and plans the work.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("validate", (*vend.Deps).Validate) }
