// Command tag is towervend's tag Lambda function: sets and removes the account's tags.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("tag", (*vend.Deps).Tag) }
