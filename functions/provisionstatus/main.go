// Command provisionstatus is towervend's provisionstatus Lambda function: checks the Account Factory record for the wait loop.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("provisionstatus", (*vend.Deps).ProvisionStatus) }
