// Package statemachine holds towervend's workflow definition: one Amazon States
// Language file that the CDK stack deploys to AWS Step Functions and the local
// runtime runs unchanged, with the same ${...} substitutions.
//
// It imports only the standard library.
package statemachine

import _ "embed"

//go:embed vending.asl.json
var definition []byte

// Definition returns the ASL file's bytes, with ${Name} placeholders.
func Definition() []byte { return append([]byte(nil), definition...) }
