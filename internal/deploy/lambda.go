package deploy

// How every function is deployed besides the table's per-function settings:
// the stack (infra/stack/functions.go) builds each function so, its tests
// check the synthesized template against these, and the local runtime
// describes its functions with them to Lambda's read calls, so `aws lambda
// get-function` reads the same settings from the simulator as from AWS.
const (
	// FunctionRuntime is the Lambda runtime: Go binaries named bootstrap on
	// Amazon Linux 2023.
	FunctionRuntime = "provided.al2023"
	// FunctionHandler is the handler a provided runtime runs.
	FunctionHandler = "bootstrap"
	// FunctionArchitecture is the instruction set the functions are built for.
	FunctionArchitecture = "arm64"
	// FunctionTracing is the functions' X-Ray tracing mode.
	FunctionTracing = "Active"
)

// DeployedDescription is the function's description on AWS (and in the
// local runtime): towervend's prefix, then the table's description.
func (f Function) DeployedDescription() string { return Prefix + ": " + f.Description }
