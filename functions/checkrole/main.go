// Command checkrole is towervend's checkrole Lambda function: assumes AWSControlTowerExecution before an enrollment.
package main

import (
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

func main() { handler.Start("checkrole", (*vend.Deps).CheckRole) }
