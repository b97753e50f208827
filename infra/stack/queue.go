package stack

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/internal/deploy"
)

// Names of the queues (their settings are in internal/deploy).
var (
	QueueName                = deploy.RequestQueue.Name
	DeadLetterQueueName      = deploy.DeadLetterQueue.Name
	RejectedQueueName        = deploy.RejectedQueue.Name
	LifecycleFailedQueueName = deploy.LifecycleFailedQueue.Name
)

// seconds is a duration as CloudFormation's seconds.
func seconds(d time.Duration) *float64 { return jsii.Number(d.Seconds()) }

// queues are the request queue, its dead-letter queue, the queue that keeps
// the messages intake rejects, and the one that keeps the lifecycle events
// towervend could not act on.
type queues struct {
	requests, deadLetters, rejected, lifecycleFailed awssqs.Queue
}

// newQueue makes one queue of the deployment table: encrypted with SQS-managed
// keys (which work for senders in other accounts at no cost), TLS-only.
func newQueue(scope constructs.Construct, id string, spec deploy.Queue, dlq *awssqs.DeadLetterQueue) awssqs.Queue {
	props := &awssqs.QueueProps{
		QueueName:       jsii.String(spec.Name),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Seconds(seconds(spec.Retention)),
		DeadLetterQueue: dlq,
	}
	if spec.VisibilityTimeout > 0 {
		props.VisibilityTimeout = awscdk.Duration_Seconds(seconds(spec.VisibilityTimeout))
	}
	return awssqs.NewQueue(scope, jsii.String(id), props)
}

// noDeadLetterQueue records for cdk-nag why a queue has no dead-letter queue.
func noDeadLetterQueue(q awssqs.Queue, reason string) {
	cdknag.NagSuppressions_AddResourceSuppressions(q, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"), Reason: jsii.String(reason),
	}}, jsii.Bool(true))
}

// newQueues makes the request queue, sendable only by the configured
// principals, with a dead-letter queue for messages intake could not handle.
// Messages intake rejects (not a valid request) are kept apart, in the
// rejected queue: the requester already has a rejected notification, so they
// are audit records, not an operator's problem, and must not trip the
// dead-letter alarm. Lifecycle events that failed have a queue of their own
// (see connectLifecycle).
func newQueues(scope constructs.Construct, cfg config.Config) queues {
	dlq := newQueue(scope, "DeadLetterQueue", deploy.DeadLetterQueue, nil)
	noDeadLetterQueue(dlq, "this is the request queue's dead-letter queue; its messages are redriven to the request queue with StartMessageMoveTask")

	q := newQueue(scope, "RequestQueue", deploy.RequestQueue, &awssqs.DeadLetterQueue{
		Queue:           dlq,
		MaxReceiveCount: jsii.Number(deploy.RequestQueue.MaxReceiveCount),
	})
	allowSenders(q, cfg.Senders)

	rejected := newQueue(scope, "RejectedQueue", deploy.RejectedQueue, nil)
	noDeadLetterQueue(rejected, "this queue keeps the messages intake rejected, for audit; nothing consumes it automatically, "+
		"so no message can fail there and need a dead-letter queue")

	failed := newQueue(scope, "LifecycleFailedQueue", deploy.LifecycleFailedQueue, nil)
	noDeadLetterQueue(failed, "this queue is itself where failed lifecycle events go (the lifecycle function's on-failure destination "+
		"and the lifecycle rules' dead-letter queue); nothing consumes it automatically: an operator reads and replays its messages")
	return queues{requests: q, deadLetters: dlq, rejected: rejected, lifecycleFailed: failed}
}

// senderActions are what submitting a request takes.
func senderActions() []string {
	return []string{"sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"}
}

// allowSenders names who may send: an Allow for each configured principal, and
// a Deny for everyone else, so a principal of the management account that
// happens to hold sqs:SendMessage in an identity policy cannot submit requests
// either.
func allowSenders(q awssqs.Queue, senders []config.Sender) {
	var principals []awsiam.IPrincipal
	var arns, accounts []string
	for _, s := range senders {
		if s.AccountID != "" {
			principals = append(principals, awsiam.NewAccountPrincipal(jsii.String(s.AccountID)))
			accounts = append(accounts, s.AccountID)
			continue
		}
		principals = append(principals, awsiam.NewArnPrincipal(jsii.String(s.Arn)))
		arns = append(arns, s.Arn)
	}
	q.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowConfiguredSenders"),
		Principals: &principals,
		Actions:    jsii.Strings(senderActions()...),
		Resources:  jsii.Strings(*q.QueueArn()),
	}))
	// Conditions in one statement are ANDed: deny when the caller is neither a
	// listed principal nor in a listed account.
	cond := map[string]any{}
	if len(arns) > 0 {
		cond["ArnNotLike"] = map[string]any{"aws:PrincipalArn": arns}
	}
	if len(accounts) > 0 {
		cond["StringNotEquals"] = map[string]any{"aws:PrincipalAccount": accounts}
	}
	q.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("DenyOtherSenders"),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  jsii.Strings(*q.QueueArn()),
		Conditions: &cond,
	}))
}

// connectIntake subscribes intake to the queue. ReportBatchItemFailures
// returns only the failed messages to the queue; the rest of the batch is done.
func connectIntake(intake awslambda.Function, q awssqs.Queue) {
	intake.AddEventSource(awslambdaeventsources.NewSqsEventSource(q, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(deploy.IntakeBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(deploy.IntakeConcurrency),
	}))
}
