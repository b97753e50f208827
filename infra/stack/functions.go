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
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// fnSpec is how one function is deployed.
type fnSpec struct {
	name        string
	description string
	timeout     float64 // seconds
	// reserved is the function's reserved concurrency (0: none).
	reserved float64
}

// intakeTimeout bounds one batch of up to ten queue messages; the queue's
// visibility timeout is derived from it.
const intakeTimeout = 60

// specs lists every function: the workflow's steps and the two entry points.
func specs() []fnSpec {
	return []fnSpec{
		{name: "validate", description: "Checks a request against the organization and the policy and plans the work", timeout: 120},
		{name: "checkrole", description: "Assumes AWSControlTowerExecution in an account before it is enrolled", timeout: 30},
		// Reserved concurrency 1 is towervend's Control Tower concurrency gate:
		// provision counts the Account Factory operations in flight and then
		// starts one, and those two calls must be atomic among executions or two
		// of them could both see a free slot and overrun Control Tower's quota.
		// One concurrent instance serialises count-then-start across every
		// execution; a throttled invocation is retried by the state machine.
		{name: "provision", description: "Starts or adopts the Account Factory operation through the concurrency gate", timeout: 60, reserved: 1},
		{name: "provisionstatus", description: "Checks the Account Factory record for the wait loop", timeout: 30},
		{name: "assignsso", description: "Makes and checks the IAM Identity Center assignments", timeout: 120},
		{name: "moveou", description: "Makes sure the account is in its OU", timeout: 30},
		{name: "tag", description: "Sets and removes the account's tags", timeout: 30},
		{name: "close", description: "Closes the account", timeout: 30},
		{name: "notify", description: "Publishes a request state change on the notification bus", timeout: 15},
		{name: "reportfailure", description: "Reports a failed request and makes redrive resume at the failed step", timeout: 15},
		{name: "intake", description: "Takes account requests from the queue and starts one execution each", timeout: intakeTimeout},
		{name: "lifecycle", description: "Starts work from Control Tower and Organizations lifecycle events", timeout: 60},
	}
}

// checkAssets makes sure there is an asset for every function the stack
// deploys and a deployment for every function that was built, so a new
// functions/ directory cannot be silently left out.
func checkAssets(assets map[string]string) error {
	want := map[string]bool{}
	for _, s := range specs() {
		want[s.name] = true
		if assets[s.name] == "" {
			return fmt.Errorf("no built asset for function %q (build it with bundle.Functions)", s.name)
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
		return fmt.Errorf("functions %v are built but the stack does not deploy them (add them to specs)", extra)
	}
	for _, dir := range statemachine.Functions {
		if !want[dir] {
			return fmt.Errorf("the state machine names function %q, which the stack does not deploy", dir)
		}
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
// the grants in access.go are all it gets), a log group with retention, and
// active tracing.
func newFunction(scope constructs.Construct, s fnSpec, asset string, env map[string]*string) function {
	id := "Fn-" + s.name
	role := awsiam.NewRole(scope, jsii.String(id+"-Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("towervend " + s.name + " function"),
	})
	logs := awslogs.NewLogGroup(scope, jsii.String(id+"-Logs"), &awslogs.LogGroupProps{
		Retention: logRetention,
	})
	logs.GrantWrite(role)
	props := &awslambda.FunctionProps{
		Description:  jsii.String("towervend: " + s.description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         awslambda.Code_FromAsset(jsii.String(asset), nil),
		Role:         role,
		LogGroup:     logs,
		Tracing:      awslambda.Tracing_ACTIVE,
		MemorySize:   jsii.Number(256),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(s.timeout)),
		Environment:  &env,
	}
	if s.reserved > 0 {
		props.ReservedConcurrentExecutions = jsii.Number(s.reserved)
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
		vend.EnvNotificationBus:  jsii.String(busName),
		// The policy sits next to bootstrap in the asset, i.e. in the task root.
		vend.EnvPolicyFile: jsii.String("/var/task/" + vend.DefaultPolicyFile),
	}
}
