package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/towervend/towervend/infra/config"
)

// Alarm names, also used in the README runbook.
const (
	AlarmFailedExecutions   = "towervend-failed-executions"
	AlarmTimedOutExecutions = "towervend-timed-out-executions"
	AlarmDeadLetters        = "towervend-dead-letters"
	AlarmIntakeErrors       = "towervend-intake-errors"
	AlarmLifecycleErrors    = "towervend-lifecycle-errors"
	AlarmLifecycleFailed    = "towervend-lifecycle-failed"
	AlarmProvisionThrottled = "towervend-provision-throttled"
)

// watched are the resources the alarms watch.
type watched struct {
	workflow                     awsstepfunctions.StateMachine
	deadLetters, lifecycleFailed awssqs.Queue
	intake, lifecycle, provision awslambda.Function
}

// gateShutPeriod is how long the provision function must be throttled without
// running once before the gate alarm fires.
var gateShutPeriod = awscdk.Duration_Minutes(jsii.Number(15))

// gateShut is 1 for a period in which provision was throttled and never ran.
//
// Throttles are the gate working, not a fault: provision has a reserved
// concurrency of 1, so any invocation that arrives while another runs is
// throttled and the workflow retries it, and a bulk run throttles it every few
// minutes for hours. What must never happen is that it is throttled and
// nothing gets through: with reserved concurrency 1, a throttle means another
// invocation is running, and every invocation ends within provision's 60 s
// timeout, so a 15-minute period with throttles and no invocation at all
// means the gate is shut, for example because the function's concurrency was
// set to 0 ("throttle" in the Lambda console). Requests then wait until their
// retries run out, hours later. A throttled invocation is not counted in
// Invocations, which is what makes the two metrics tell these apart.
const gateShut = "IF(FILL(throttles, 0) > 0 AND FILL(invocations, 0) == 0, 1, 0)"

// newAlarms tells operators when something needs them: any failed or timed-out
// execution, any message in the dead-letter queue or among the failed
// lifecycle events, any intake or lifecycle error, and a shut provision gate.
// Each fires on the first occurrence in its period (five minutes, the gate's
// fifteen) and notifies the configured topic when it fires and when it clears.
// Missing data (nothing happening) is fine.
func newAlarms(scope constructs.Construct, cfg config.Config, w watched) {
	topic := awssns.Topic_FromTopicArn(scope, jsii.String("AlarmTopic"), jsii.String(cfg.AlarmTopicArn))
	five := awscdk.Duration_Minutes(jsii.Number(5))
	sum := func(period awscdk.Duration) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: period, Statistic: jsii.String("Sum")}
	}
	maximum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}
	alarms := []struct {
		id, name, description string
		metric                awscloudwatch.IMetric
	}{
		{"FailedExecutionsAlarm", AlarmFailedExecutions,
			"A vending execution failed: the requester was told why; fix the cause and run `towervend redrive REQUEST_ID`.",
			w.workflow.MetricFailed(sum(five))},
		{"TimedOutExecutionsAlarm", AlarmTimedOutExecutions,
			"A vending execution ran out of time: check Control Tower's Account Factory record, then `towervend redrive REQUEST_ID`.",
			w.workflow.MetricTimedOut(sum(five))},
		{"DeadLettersAlarm", AlarmDeadLetters,
			"Messages are in the request dead-letter queue (intake could not hand them to the workflow 5 times): read them, fix the cause, and move them back with StartMessageMoveTask. Rejected requests are not here: they are in towervend-rejected.",
			w.deadLetters.MetricApproximateNumberOfMessagesVisible(maximum)},
		{"IntakeErrorsAlarm", AlarmIntakeErrors,
			"The intake function failed: requests stay on the queue and are retried, then go to the dead-letter queue; check its logs.",
			w.intake.MetricErrors(sum(five))},
		{"LifecycleErrorsAlarm", AlarmLifecycleErrors,
			"The lifecycle function failed on a Control Tower or Organizations event: Lambda retries it twice, then keeps it in " +
				LifecycleFailedQueueName + "; check the function's logs (often a missing permission).",
			w.lifecycle.MetricErrors(sum(five))},
		{"LifecycleFailedAlarm", AlarmLifecycleFailed,
			"Lifecycle events towervend could not act on are in " + LifecycleFailedQueueName +
				": read them, fix the cause (see towervend-lifecycle-errors and the function's logs), replay them to the lifecycle function and delete them.",
			w.lifecycleFailed.MetricApproximateNumberOfMessagesVisible(maximum)},
		{"ProvisionThrottledAlarm", AlarmProvisionThrottled,
			"The provision function (the Control Tower gate, reserved concurrency 1) was throttled for 15 minutes without running once: " +
				"its concurrency is probably 0. Set its reserved concurrency back to 1; waiting requests resume on their next retry.",
			awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String(gateShut),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"throttles":   w.provision.MetricThrottles(sum(gateShutPeriod)),
					"invocations": w.provision.MetricInvocations(sum(gateShutPeriod)),
				},
				Label:  jsii.String("provision throttled and not running"),
				Period: gateShutPeriod,
			})},
	}
	action := awscloudwatchactions.NewSnsAction(topic)
	for _, a := range alarms {
		alarm := awscloudwatch.NewAlarm(scope, jsii.String(a.id), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(a.name),
			AlarmDescription:   jsii.String(a.description),
			Metric:             a.metric,
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		alarm.AddAlarmAction(action)
		alarm.AddOkAction(action)
	}
}
