package deploy

// The home stack as operators find it: its name, description and tags, and
// the keys of the outputs it declares. The CDK app (infra/stack) declares
// them and the local runtime records its deployment under them, so a script
// that reads `aws cloudformation describe-stacks --stack-name TowerVend` reads
// the same keys from either.

// HomeStackName is the CloudFormation stack towervend is deployed as in the
// Control Tower home Region.
const HomeStackName = "TowerVend"

// HomeStackDescription is the home stack's description.
const HomeStackDescription = "towervend: event-driven AWS Control Tower account vending"

// HomeStackTerminationProtection is the home stack's termination protection:
// it holds roles that can create, move and close accounts, and deleting it
// should take a deliberate step.
const HomeStackTerminationProtection = true

// StackTags are the tags on every stack towervend deploys.
func StackTags() map[string]string { return map[string]string{"app": Prefix} }

// The home stack's output keys.
const (
	OutputRequestQueueURL         = "RequestQueueUrl"
	OutputRequestQueueArn         = "RequestQueueArn"
	OutputDeadLetterQueueURL      = "DeadLetterQueueUrl"
	OutputDeadLetterQueueArn      = "DeadLetterQueueArn"
	OutputRejectedQueueURL        = "RejectedQueueUrl"
	OutputLifecycleFailedQueueURL = "LifecycleFailedQueueUrl"
	// OutputLifecycleFunctionName is the function the runbook replays failed
	// lifecycle events to.
	OutputLifecycleFunctionName = "LifecycleFunctionName"
	OutputStateMachineArn       = "StateMachineArn"
	OutputNotificationBusName   = "NotificationBusName"
	OutputNotificationBusArn    = "NotificationBusArn"
)

// HomeStackOutputs are every output key the home stack declares, sorted.
func HomeStackOutputs() []string {
	return []string{
		OutputDeadLetterQueueArn, OutputDeadLetterQueueURL, OutputLifecycleFailedQueueURL, OutputLifecycleFunctionName,
		OutputNotificationBusArn, OutputNotificationBusName, OutputRejectedQueueURL, OutputRequestQueueArn,
		OutputRequestQueueURL, OutputStateMachineArn,
	}
}
