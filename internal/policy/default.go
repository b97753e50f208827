package policy

import _ "embed"

//go:embed default.json
var defaultPolicy []byte

// DefaultFile is the default policy's path in the repository: the stack
// bundles it when the deployment names no policyFile of its own.
const DefaultFile = "internal/policy/default.json"

// Default returns the default policy file's bytes, embedded so `towervend
// local` and `towervend validate` work from the binary alone.
func Default() []byte { return append([]byte(nil), defaultPolicy...) }
