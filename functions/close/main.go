// Command close is towervend's close Lambda function: closes the account.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("close", (*vend.Deps).Close) }
