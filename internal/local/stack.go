package local

import (
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/deploy"
)

// recordStack records the deployment in the simulated CloudFormation as the
// CDK app's home stack: its name, description and tags, every output the
// stack declares (deploy's keys) with the local runtime's values, and the
// resources deploy made, created when the deployment began. An operator's `aws cloudformation describe-stacks
// --stack-name TowerVend` then reads the same outputs from the simulator as
// from AWS.
func (r *Runtime) recordStack(began time.Time, busArn string) error {
	lifecycle, _ := deploy.FunctionNamed("lifecycle")
	outputs := map[string]string{
		deploy.OutputRequestQueueURL:         r.QueueURL,
		deploy.OutputRequestQueueArn:         r.queueArn(deploy.RequestQueue.Name),
		deploy.OutputDeadLetterQueueURL:      r.DeadLetterURL,
		deploy.OutputDeadLetterQueueArn:      r.queueArn(deploy.DeadLetterQueue.Name),
		deploy.OutputRejectedQueueURL:        r.RejectedURL,
		deploy.OutputLifecycleFailedQueueURL: r.LifecycleFailedURL,
		deploy.OutputLifecycleFunctionName:   lifecycle.DeployedName(),
		deploy.OutputStateMachineArn:         r.StateMachineArn,
		deploy.OutputNotificationBusName:     deploy.NotificationBus,
		deploy.OutputNotificationBusArn:      busArn,
	}
	var resources []awssim.StackResource
	for _, q := range deploy.Queues {
		url := map[string]string{deploy.RequestQueue.Name: r.QueueURL, deploy.DeadLetterQueue.Name: r.DeadLetterURL,
			deploy.RejectedQueue.Name: r.RejectedURL, deploy.LifecycleFailedQueue.Name: r.LifecycleFailedURL}[q.Name]
		resources = append(resources, awssim.StackResource{LogicalID: logicalID(q.Name, "Queue"), PhysicalID: url, Type: "AWS::SQS::Queue"})
	}
	resources = append(resources,
		awssim.StackResource{LogicalID: logicalID(deploy.WaitsTable.Name, "Table"), PhysicalID: deploy.WaitsTable.Name, Type: "AWS::DynamoDB::Table"},
		awssim.StackResource{LogicalID: logicalID(deploy.NotificationBus, "Bus"), PhysicalID: deploy.NotificationBus, Type: "AWS::Events::EventBus"},
		awssim.StackResource{LogicalID: "Workflow", PhysicalID: r.StateMachineArn, Type: "AWS::StepFunctions::StateMachine"})
	for _, f := range deploy.Functions {
		resources = append(resources,
			awssim.StackResource{LogicalID: logicalID(f.DeployedName(), "Function"), PhysicalID: f.DeployedName(), Type: "AWS::Lambda::Function"},
			awssim.StackResource{LogicalID: logicalID(f.DeployedName(), "FunctionRole"), PhysicalID: f.DeployedName(), Type: "AWS::IAM::Role"})
	}
	return r.Sim.PutStack(awssim.StackSpec{Name: deploy.HomeStackName, Description: deploy.HomeStackDescription,
		Outputs: outputs, Resources: resources, Tags: deploy.StackTags(), TerminationProtection: deploy.HomeStackTerminationProtection,
		Created: began})
}

// logicalID is a readable logical id for a deployed resource: its name
// without towervend's prefix, in CamelCase, then its kind
// ("towervend-requests-dlq" → "RequestsDlqQueue"). CDK's own ids end in a
// hash the local runtime does not know.
func logicalID(name, kind string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.TrimPrefix(name, deploy.Prefix), func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	if b.Len() == 0 {
		b.WriteString("Towervend")
	}
	return b.String() + kind
}
