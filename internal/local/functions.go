package local

import (
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/deploy"
)

// functionConfig is how the stack deploys f, as Lambda's read calls
// (`aws lambda get-function`) describe it: the deployment table's timeout,
// memory, reserved concurrency and description, deploy's runtime, handler,
// architecture and tracing, the stack's tags, and the role the runtime adds
// for the function.
//
// Not mirrored: the environment variables (the stack's commonEnv has no
// table in deploy to share; locally the functions get their configuration in
// process) and the log group, which CDK names with a hash the runtime does
// not know (Lambda's default /aws/lambda/<name> stands in).
func (r *Runtime) functionConfig(f deploy.Function) awssim.FunctionConfig {
	return awssim.FunctionConfig{
		Description:   f.DeployedDescription(),
		Runtime:       deploy.FunctionRuntime,
		Handler:       deploy.FunctionHandler,
		Architectures: []string{deploy.FunctionArchitecture},
		Role:          "arn:aws:iam::" + r.Sim.ManagementAccountID() + ":role/" + f.DeployedName(),
		Timeout:       f.Timeout,
		MemoryMB:      f.MemoryMB,
		Reserved:      f.Reserved,
		Tags:          deploy.StackTags(),
		TracingMode:   deploy.FunctionTracing,
	}
}
