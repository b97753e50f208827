// Command assignsso is towervend's assignsso Lambda function: makes and checks the IAM Identity Center assignments.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("assignsso", (*vend.Deps).AssignSSO) }
