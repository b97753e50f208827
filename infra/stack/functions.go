package stack

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/vend"
)

// checkAssets makes sure there is an asset for every function the stack
// deploys and a deployment for every function that was built, so a new
// functions/ directory cannot be silently left out.
func checkAssets(assets map[string]string) error {
	want := map[string]bool{}
	for _, f := range deploy.Functions {
		want[f.Name] = true
		if assets[f.Name] == "" {
			return fmt.Errorf("no built asset for function %q (build it with bundle.Functions)", f.Name)
		}
	}
	var extra []string
	for name := range assets {
		if !want[name] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		return fmt.Errorf("functions %v are built but the stack does not deploy them (add them to deploy.Functions)", extra)
	}
	return nil
}

// function is a deployed function and its role.
type function struct {
	fn   awslambda.Function
	role awsiam.Role
}

// newFunction deploys one function: provided.al2023 on arm64 from its built
// asset directory, with its own role (no managed policies: its log group and
// the grants of deploy.Grants are all it gets), a log group with retention, and
// active tracing.
func newFunction(scope constructs.Construct, f deploy.Function, asset string, env map[string]*string) function {
	id := "Fn-" + f.Name
	role := awsiam.NewRole(scope, jsii.String(id+"-Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("towervend " + f.Name + " function"),
	})
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"-Logs"), &awslogs.LogGroupProps{
		Retention: logRetention,
	})
	logs.GrantWrite(role)
	props := &awslambda.FunctionProps{
		// Named as in the local runtime, so operators and the CLI find them
		// by name (towervend lifecycle-failed --replay invokes towervend-lifecycle).
		FunctionName: jsii.String(f.DeployedName()),
		Description:  jsii.String(f.DeployedDescription()),
		// Runtime, Architecture and Tracing are deploy's FunctionRuntime,
		// FunctionArchitecture and FunctionTracing (CDK's enums; the tests
		// compare them).
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String(deploy.FunctionHandler),
		Code:         awslambda.Code_FromAsset(jsii.String(asset), nil),
		Role:         role,
		LogGroup:     logs,
		Tracing:      awslambda.Tracing_ACTIVE,
		MemorySize:   jsii.Number(f.MemoryMB),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(f.Timeout.Seconds())),
		Environment:  &env,
	}
	if f.Reserved > 0 {
		props.ReservedConcurrentExecutions = jsii.Number(f.Reserved)
	}
	return function{fn: awslambda.NewFunction(scope, jsii.String(id), props), role: role}
}

// logRetention is how long function, workflow and forwarder logs are kept.
const logRetention = awslogs.RetentionDays_THREE_MONTHS

// commonEnv is the configuration every function reads (internal/vend.ConfigFromEnv).
func commonEnv(cfg config.Config, busName string) map[string]*string {
	return map[string]*string{
		vend.EnvRegion:           jsii.String(cfg.HomeRegion),
		vend.EnvManagementAcctID: jsii.String(cfg.ManagementAccountID),
		vend.EnvInstanceArn:      jsii.String(cfg.InstanceArn),
		vend.EnvIdentityStoreID:  jsii.String(cfg.IdentityStoreID),
		vend.EnvConcurrency:      jsii.String(strconv.Itoa(cfg.ConcurrencyLimit)),
		vend.EnvProvisioning:     jsii.String(cfg.Provisioning),
		vend.EnvNotificationBus:  jsii.String(busName),
		// The policy sits next to bootstrap in the asset, i.e. in the task root.
		vend.EnvPolicyFile: jsii.String("/var/task/" + vend.DefaultPolicyFile),
	}
}
