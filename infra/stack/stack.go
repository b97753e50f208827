// Package stack is towervend's CDK app: the stack deployed into a Control Tower
// management account (queue, functions, workflow, rules, bus, alarms) and, when
// the home Region is not us-east-1, a small stack there that forwards
// Organizations' events to it. cdk-nag's AwsSolutions checks run on both.
//
// It may import infra/config, internal/deploy, internal/rules, internal/vend
// (environment names), schema and statemachine; never the simulator.
package stack

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsservicecatalog"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// Names of the stacks and of the resources operators and the towervend CLI
// find by name.
const (
	HomeStackName      = deploy.HomeStackName
	ForwarderStackName = "TowerVendOrganizationsForwarder"
	// StateMachineName is the vending workflow (the towervend CLI's default);
	// executions are named after request ids.
	StateMachineName = deploy.StateMachineName
	// BusName is towervend's notification bus (vend's default).
	BusName = deploy.NotificationBus
	// WorkflowLogGroupName is the workflow's log group. Step Functions asks for
	// log groups under /aws/vendedlogs/states/: CloudWatch Logs then needs no
	// resource policy entry for it, while any other name adds to the account's
	// one resource policy (5,120 characters), and in a busy management
	// account a full policy makes CreateStateMachine fail.
	WorkflowLogGroupName = "/aws/vendedlogs/states/" + StateMachineName
	// OrganizationsRegion is where AWS Organizations delivers its CloudTrail events.
	OrganizationsRegion = "us-east-1"
)

// Props configure the app.
type Props struct {
	// Config is the validated deployment configuration.
	Config config.Config
	// Functions maps each function name to its built asset directory (bundle.Functions).
	Functions map[string]string
}

// Stacks are the stacks New adds.
type Stacks struct {
	// Home is the towervend stack in the Control Tower home Region.
	Home awscdk.Stack
	// Forwarder forwards Organizations events from us-east-1; nil when the home
	// Region is us-east-1.
	Forwarder awscdk.Stack
}

// New adds towervend's stacks to the app, with cdk-nag's AwsSolutions checks.
func New(app constructs.Construct, p Props) (*Stacks, error) {
	if err := checkAssets(p.Functions); err != nil {
		return nil, err
	}
	cfg := p.Config
	home := awscdk.NewStack(app, jsii.String(HomeStackName), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(cfg.ManagementAccountID), Region: jsii.String(cfg.HomeRegion)},
		Description:           jsii.String(deploy.HomeStackDescription),
		TerminationProtection: jsii.Bool(deploy.HomeStackTerminationProtection),
	})
	if err := buildHome(home, p); err != nil {
		return nil, err
	}
	out := &Stacks{Home: home}
	if cfg.HomeRegion != OrganizationsRegion {
		out.Forwarder = newForwarder(app, cfg)
	}
	for _, s := range []awscdk.Stack{out.Home, out.Forwarder} {
		if s == nil {
			continue
		}
		for k, v := range deploy.StackTags() {
			awscdk.Tags_Of(s).Add(jsii.String(k), jsii.String(v), nil)
		}
		awscdk.Aspects_Of(s).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	}
	return out, nil
}

// buildHome assembles the home stack.
func buildHome(stack awscdk.Stack, p Props) error {
	cfg := p.Config
	bus := newNotificationBus(stack, cfg)
	q := newQueues(stack, cfg)
	waits := newWaitsTable(stack, deploy.WaitsTable)

	fns := map[string]function{}
	for _, f := range deploy.Functions {
		env := commonEnv(cfg, BusName)
		if f.Name == "intake" {
			env[vend.EnvRejectedQueueURL] = q.rejected.QueueUrl()
		}
		if deploy.UsesWaits(f.Name) {
			env[vend.EnvWaitTable] = waits.TableName()
		}
		fns[f.Name] = newFunction(stack, f, p.Functions[f.Name], env)
	}

	sm := newStateMachine(stack, fns)
	// Only the entry points start executions; the steps never need the
	// workflow's ARN (and could not have it: the workflow names them).
	for _, name := range []string{"intake", "lifecycle"} {
		fns[name].fn.AddEnvironment(jsii.String(vend.EnvStateMachineArn), sm.StateMachineArn(), nil)
	}

	refs := grantResources(cfg, *bus.EventBusArn(), *sm.StateMachineArn(), *q.rejected.QueueArn(), *q.lifecycleFailed.QueueArn())
	refs.WaitsTableArn = *waits.TableArn()
	for _, f := range deploy.Functions {
		attach(fns[f.Name].role, deploy.Grants(f.Name, refs), map[string]string{
			"*": "xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) have no resource-level permissions",
		})
		attachManaged(fns[f.Name].role, deploy.ManagedPolicies(f.Name))
	}

	// The provisioning role must be a principal of the Account Factory
	// portfolio, or ProvisionProduct finds no launch path.
	awsservicecatalog.NewCfnPortfolioPrincipalAssociation(stack, jsii.String("AccountFactoryPortfolioAccess"),
		&awsservicecatalog.CfnPortfolioPrincipalAssociationProps{
			PortfolioId:   jsii.String(cfg.PortfolioID),
			PrincipalArn:  fns["provision"].role.RoleArn(),
			PrincipalType: jsii.String("IAM"),
		})

	connectIntake(fns["intake"].fn, q.requests)
	connectLifecycle(stack, fns["lifecycle"], q.lifecycleFailed)
	if cfg.Webhook != nil {
		newWebhook(stack, bus, *cfg.Webhook)
	}
	newAlarms(stack, cfg, watched{workflow: sm, deadLetters: q.deadLetters, lifecycleFailed: q.lifecycleFailed,
		intake: fns["intake"].fn, lifecycle: fns["lifecycle"].fn, provision: fns["provision"].fn})

	// The keys are deploy's, which the local runtime records its stack with.
	outputs := map[string]*string{
		deploy.OutputRequestQueueURL:         q.requests.QueueUrl(),
		deploy.OutputRequestQueueArn:         q.requests.QueueArn(),
		deploy.OutputDeadLetterQueueURL:      q.deadLetters.QueueUrl(),
		deploy.OutputDeadLetterQueueArn:      q.deadLetters.QueueArn(),
		deploy.OutputRejectedQueueURL:        q.rejected.QueueUrl(),
		deploy.OutputLifecycleFailedQueueURL: q.lifecycleFailed.QueueUrl(),
		deploy.OutputLifecycleFunctionName:   fns["lifecycle"].fn.FunctionName(),
		deploy.OutputStateMachineArn:         sm.StateMachineArn(),
		deploy.OutputNotificationBusName:     bus.EventBusName(),
		deploy.OutputNotificationBusArn:      bus.EventBusArn(),
	}
	keys := make([]string, 0, len(outputs))
	for k := range outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		awscdk.NewCfnOutput(stack, jsii.String(k), &awscdk.CfnOutputProps{Value: outputs[k]})
	}
	return nil
}

// newStateMachine deploys the ASL file unchanged, with a substitution for each
// function it names (deploy.Substitutions, shared with the local runtime).
func newStateMachine(stack awscdk.Stack, fns map[string]function) awsstepfunctions.StateMachine {
	subs := map[string]*string{}
	var invoke []*string
	for key, f := range deploy.Substitutions() {
		subs[key] = fns[f.Name].fn.FunctionArn()
	}
	for _, f := range deploy.Functions {
		if f.Substitution != "" {
			invoke = append(invoke, fns[f.Name].fn.FunctionArn())
		}
	}

	logs := awslogs.NewLogGroup(stack, jsii.String("WorkflowLogs"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String(WorkflowLogGroupName),
		Retention:    logRetention,
	})
	sm := awsstepfunctions.NewStateMachine(stack, jsii.String("Workflow"), &awsstepfunctions.StateMachineProps{
		StateMachineName:        jsii.String(StateMachineName),
		StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(string(statemachine.Definition()))),
		DefinitionSubstitutions: &subs,
		TracingEnabled:          jsii.Bool(true),
		// ALL records every state transition, the operator's timeline of a
		// request (and what cdk-nag's SF1 asks for). Execution data stays out:
		// the payloads carry requesters' names and e-mail addresses, which
		// execution history already keeps for 90 days behind
		// states:GetExecutionHistory; copying them into CloudWatch Logs would
		// keep personal data longer and show it to everyone who reads logs.
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(false),
		},
	})
	// The ASL invokes the unqualified function ARNs, so the role needs exactly
	// those (no version or alias wildcard).
	sm.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &invoke,
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(sm.Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CloudWatch Logs log-delivery actions (logging to the workflow's log group) and " +
			"xray:PutTraceSegments/PutTelemetryRecords/GetSamplingRules/GetSamplingTargets (tracing) have no resource-level permissions"),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	return sm
}

// arnOf formats an ARN in the configured partition.
func arnOf(cfg config.Config, service, region, account, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", cfg.Partition(), service, region, account, resource)
}
