// Package config holds the default policy file, config/policy.json, embedded so
// `towervend local` and `towervend validate` work from the binary alone.
package config

import _ "embed"

//go:embed policy.json
var defaultPolicy []byte

// DefaultPolicy returns config/policy.json.
func DefaultPolicy() []byte { return append([]byte(nil), defaultPolicy...) }
