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
)

// newAlarms tells operators when something needs them: any failed or timed-out
// execution, any message in the dead-letter queue, any intake error. Each fires
// on the first occurrence in five minutes and notifies the configured topic
// when it fires and when it clears. Missing data (nothing happening) is fine.
func newAlarms(scope constructs.Construct, cfg config.Config, sm awsstepfunctions.StateMachine, dlq awssqs.Queue, intake awslambda.Function) {
	topic := awssns.Topic_FromTopicArn(scope, jsii.String("AlarmTopic"), jsii.String(cfg.AlarmTopicArn))
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarms := []struct {
		id, name, description string
		metric                awscloudwatch.IMetric
	}{
		{"FailedExecutionsAlarm", AlarmFailedExecutions,
			"A vending execution failed: the requester was told why; fix the cause and run `towervend redrive REQUEST_ID`.",
			sm.MetricFailed(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")})},
		{"TimedOutExecutionsAlarm", AlarmTimedOutExecutions,
			"A vending execution ran out of time: check Control Tower's Account Factory record, then `towervend redrive REQUEST_ID`.",
			sm.MetricTimedOut(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")})},
		{"DeadLettersAlarm", AlarmDeadLetters,
			"Messages are in the request dead-letter queue (intake could not hand them to the workflow 5 times): read them, fix the cause, and move them back with StartMessageMoveTask. Rejected requests are not here: they are in towervend-rejected.",
			dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")})},
		{"IntakeErrorsAlarm", AlarmIntakeErrors,
			"The intake function failed: requests stay on the queue and are retried, then go to the dead-letter queue; check its logs.",
			intake.MetricErrors(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")})},
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
