package stack

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/internal/rules"
)

// archiveRetentionDays is how long the notification archive keeps events for
// replay: a year of request history.
const archiveRetentionDays = 365

// newNotificationBus makes towervend's own bus, with an archive of every
// notification so the request history can be replayed.
func newNotificationBus(scope constructs.Construct, cfg config.Config) awsevents.EventBus {
	bus := awsevents.NewEventBus(scope, jsii.String("NotificationBus"), &awsevents.EventBusProps{
		EventBusName: jsii.String(BusName),
		Description:  jsii.String("towervend account request state changes"),
	})
	awsevents.NewCfnArchive(scope, jsii.String("NotificationArchive"), &awsevents.CfnArchiveProps{
		ArchiveName:   jsii.String("towervend-notifications"),
		Description:   jsii.String("every towervend notification, for replay"),
		SourceArn:     bus.EventBusArn(),
		EventPattern:  rules.Notifications.Pattern(),
		RetentionDays: jsii.Number(archiveRetentionDays),
	})
	return bus
}

// newRule makes a rule whose event pattern is exactly r's, the value the local
// runtime installs too. The L2 Rule gives the targets their permissions; its
// pattern is then replaced wholesale by r.Pattern(), so no field of r can be
// lost in translation.
func newRule(scope constructs.Construct, id string, bus awsevents.IEventBus, r rules.Rule) awsevents.Rule {
	rule := awsevents.NewRule(scope, jsii.String(id), &awsevents.RuleProps{
		EventBus:     bus,
		Description:  jsii.String(r.Description),
		EventPattern: &awsevents.EventPattern{Source: jsii.Strings(r.Source...)},
	})
	rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("EventPattern"), r.Pattern())
	return rule
}

// Lifecycle async invocation: Lambda's own retries (its default, written out)
// and how long an event may wait for them.
const (
	lifecycleRetries     = 2
	lifecycleMaxEventAge = 6 * time.Hour
)

// connectLifecycle sends Control Tower's lifecycle events and Organizations'
// join events on the default bus to the lifecycle function (in a home Region
// other than us-east-1 the Organizations events arrive through the forwarder),
// and the hourly reconcile schedule's events, so that no event is dropped
// silently. EventBridge invokes the function
// asynchronously, and an event can be lost in two places, each of which ends
// in the failed queue:
//   - EventBridge cannot hand it to Lambda (throttled, the function deleted,
//     a permission missing): it retries for 24 hours, then writes it to the
//     target's dead-letter queue;
//   - the function fails on it: Lambda retries twice, then sends it, with the
//     error, to the function's on-failure destination.
//
// The role's grant to send there is in access.go.
func connectLifecycle(scope constructs.Construct, fn function, failed awssqs.IQueue) {
	var lifecycleRules []awsevents.Rule
	for _, r := range rules.Lifecycle() {
		lifecycleRules = append(lifecycleRules, newRule(scope, r.Name, nil, r))
	}
	// The hourly sweep for accounts that joined without an event.
	for _, r := range rules.LifecycleSchedules() {
		lifecycleRules = append(lifecycleRules, awsevents.NewRule(scope, jsii.String(r.Name), &awsevents.RuleProps{
			Description: jsii.String(r.Description),
			Schedule:    awsevents.Schedule_Expression(jsii.String(r.Schedule)),
		}))
	}
	for _, rule := range lifecycleRules {
		// The L2 target also adds the queue policy statement that lets
		// EventBridge send on behalf of this rule only (aws:SourceArn).
		rule.AddTarget(awseventstargets.NewLambdaFunction(fn.fn, &awseventstargets.LambdaFunctionProps{
			RetryAttempts:   jsii.Number(185),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
			DeadLetterQueue: failed,
		}))
	}
	// The L1 resource, not fn.ConfigureAsyncInvoke: the L2 SQS destination
	// would grant sqs:GetQueueAttributes and GetQueueUrl too, which Lambda
	// does not use; the role gets only sqs:SendMessage (access.go).
	invoke := awslambda.NewCfnEventInvokeConfig(scope, jsii.String("LifecycleAsyncInvoke"), &awslambda.CfnEventInvokeConfigProps{
		FunctionName:             fn.fn.FunctionName(),
		Qualifier:                jsii.String("$LATEST"),
		MaximumRetryAttempts:     jsii.Number(lifecycleRetries),
		MaximumEventAgeInSeconds: seconds(lifecycleMaxEventAge),
		DestinationConfig: &awslambda.CfnEventInvokeConfig_DestinationConfigProperty{
			OnFailure: &awslambda.CfnEventInvokeConfig_OnFailureProperty{Destination: failed.QueueArn()},
		},
	})
	// Lambda checks that the execution role may send to the destination when
	// the configuration is created: create it after the role's policy.
	invoke.Node().AddDependency(fn.role)
}

// newWebhook routes every notification to a ticketing webhook through an
// EventBridge API destination. The key is read from Secrets Manager at deploy
// time by EventBridge and never appears in the template.
func newWebhook(scope constructs.Construct, bus awsevents.IEventBus, w config.Webhook) {
	conn := awsevents.NewConnection(scope, jsii.String("WebhookConnection"), &awsevents.ConnectionProps{
		Description: jsii.String("towervend ticketing webhook"),
		Authorization: awsevents.Authorization_ApiKey(jsii.String(w.HeaderName),
			awscdk.SecretValue_SecretsManager(jsii.String(w.SecretArn), nil)),
	})
	dest := awsevents.NewApiDestination(scope, jsii.String("WebhookDestination"), &awsevents.ApiDestinationProps{
		Connection:         conn,
		Endpoint:           jsii.String(w.URL),
		HttpMethod:         awsevents.HttpMethod_POST,
		RateLimitPerSecond: jsii.Number(float64(w.RateLimitPerSecond)),
		Description:        jsii.String("towervend notifications to the ticketing system"),
	})
	rule := newRule(scope, "WebhookNotifications", bus, rules.Notifications)
	rule.AddTarget(awseventstargets.NewApiDestination(dest, &awseventstargets.ApiDestinationProps{
		RetryAttempts: jsii.Number(185),
		MaxEventAge:   awscdk.Duration_Hours(jsii.Number(24)),
	}))
}

// newForwarder is the us-east-1 stack that forwards Organizations' join events,
// which Organizations delivers only there, to the home Region's default bus,
// where the lifecycle rule catches them.
func newForwarder(app constructs.Construct, cfg config.Config) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(ForwarderStackName), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(cfg.ManagementAccountID), Region: jsii.String(OrganizationsRegion)},
		Description:           jsii.String("towervend: forwards AWS Organizations account events from us-east-1 to the Control Tower home Region"),
		TerminationProtection: jsii.Bool(true),
	})
	target := awsevents.EventBus_FromEventBusArn(stack, jsii.String("HomeDefaultBus"),
		jsii.String(arnOf(cfg, "events", cfg.HomeRegion, cfg.ManagementAccountID, "event-bus/default")))
	for _, r := range rules.Forwarded() {
		newRule(stack, r.Name, nil, r).AddTarget(awseventstargets.NewEventBus(target, nil))
	}
	return stack
}
