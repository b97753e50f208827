// Package deploy is the one description of what towervend deploys: its
// functions, queues, notification bus and workflow. The CDK stack
// (infra/stack) and the local runtime (internal/local) both build from these
// tables, so a function or queue added here is in the synthesized template and
// in every local run, and a test fails when the two disagree.
//
// The rules' event patterns live in internal/rules and the workflow's
// definition in statemachine; this package names them.
//
// Each function's least-privilege identity policy is here too (access.go): the
// stack attaches it to the function's role, and PolicyDocument writes the same
// statements as the IAM policy document the simulator authorizes the
// function's calls with.
//
// It may import internal/handler and internal/vend (each function's handler),
// schema, the AWS SDK's request types and the standard library; nothing of infra, the simulator or the CLI.
package deploy

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/vend"
)

// Prefix starts the name of everything towervend deploys.
const Prefix = "towervend"

// Function is one Lambda function. Its code is functions/<Name>/main.go, which
// serves the same vend.Deps method Handler does.
type Function struct {
	// Name is the function's directory under functions/; it is deployed as towervend-<Name>.
	Name        string
	Description string
	Timeout     time.Duration
	MemoryMB    int
	// Reserved is the function's reserved concurrency (0: none).
	Reserved int
	// Substitution is the state machine's ${...} placeholder for the function's
	// ARN; empty for the entry points, which the workflow does not call.
	Substitution string
	// Handler serves the function's events with a vend.Deps, as its main does on Lambda.
	Handler func(*vend.Deps) handler.Func
}

// serves makes a Function's Handler of a vend.Deps method given as a method
// expression, the way functions/<name>/main.go hands it to handler.Start.
func serves[In, Out any](step func(*vend.Deps, context.Context, In) (Out, error)) func(*vend.Deps) handler.Func {
	return func(d *vend.Deps) handler.Func {
		return handler.JSON(func(ctx context.Context, in In) (Out, error) { return step(d, ctx, in) })
	}
}

// DeployedName is the function's name on AWS (and in the local runtime).
func (f Function) DeployedName() string { return Prefix + "-" + f.Name }

// IntakeTimeout bounds one batch of up to ten queue messages; the request
// queue's visibility timeout is derived from it.
const IntakeTimeout = 60 * time.Second

// memoryMB is every function's memory: each makes a few AWS calls, and 256 MB
// gives the arm64 Go binaries their start-up CPU.
const memoryMB = 256

// Functions are every function towervend deploys: the workflow's steps, then
// the two entry points. A step's function, its vend.Deps method, its vend file
// and its state in the workflow share one name.
var Functions = []Function{
	{Name: "validate", Description: "Checks a request against the organization and the policy and plans the work",
		Timeout: 120 * time.Second, Substitution: "ValidateFunctionArn", Handler: serves((*vend.Deps).Validate)},
	{Name: "checkrole", Description: "Assumes AWSControlTowerExecution in an account before it is enrolled",
		Timeout: 30 * time.Second, Substitution: "CheckRoleFunctionArn", Handler: serves((*vend.Deps).CheckRole)},
	// Reserved concurrency 1 is towervend's Control Tower concurrency gate:
	// provision counts the Account Factory operations in flight and then
	// starts one, and those two calls must be atomic among executions or two
	// of them could both see a free slot and overrun Control Tower's quota.
	// One concurrent instance serialises count-then-start across every
	// execution; a throttled invocation is retried by the state machine.
	{Name: "provision", Description: "Starts or adopts the Account Factory operation through the concurrency gate",
		Timeout: 60 * time.Second, Reserved: 1, Substitution: "ProvisionFunctionArn", Handler: serves((*vend.Deps).Provision)},
	{Name: "await", Description: "Keeps the task token of a workflow state waiting for a Control Tower slot or operation",
		Timeout: 30 * time.Second, Substitution: "AwaitFunctionArn", Handler: serves((*vend.Deps).Await)},
	{Name: "provisionstatus", Description: "Checks the Account Factory record after a wait",
		Timeout: 30 * time.Second, Substitution: "ProvisionStatusFunctionArn", Handler: serves((*vend.Deps).ProvisionStatus)},
	{Name: "assignsso", Description: "Makes and checks the IAM Identity Center assignments",
		Timeout: 120 * time.Second, Substitution: "AssignSsoFunctionArn", Handler: serves((*vend.Deps).AssignSSO)},
	{Name: "moveou", Description: "Makes sure the account is in its OU",
		Timeout: 30 * time.Second, Substitution: "MoveOuFunctionArn", Handler: serves((*vend.Deps).MoveOU)},
	{Name: "tag", Description: "Sets and removes the account's tags",
		Timeout: 30 * time.Second, Substitution: "TagFunctionArn", Handler: serves((*vend.Deps).Tag)},
	{Name: "close", Description: "Closes the account",
		Timeout: 30 * time.Second, Substitution: "CloseFunctionArn", Handler: serves((*vend.Deps).Close)},
	{Name: "notify", Description: "Publishes a request state change on the notification bus",
		Timeout: 15 * time.Second, Substitution: "NotifyFunctionArn", Handler: serves((*vend.Deps).Notify)},
	{Name: "reportfailure", Description: "Reports a failed request and makes redrive resume at the failed step",
		Timeout: 15 * time.Second, Substitution: "ReportFailureFunctionArn", Handler: serves((*vend.Deps).ReportFailure)},
	{Name: "intake", Description: "Takes account requests from the queue and starts one execution each",
		Timeout: IntakeTimeout, Handler: serves((*vend.Deps).Intake)},
	{Name: "lifecycle", Description: "Starts work from Control Tower and Organizations lifecycle events",
		Timeout: 60 * time.Second, Handler: serves((*vend.Deps).Lifecycle)},
}

func init() {
	for i := range Functions {
		if Functions[i].MemoryMB == 0 {
			Functions[i].MemoryMB = memoryMB
		}
	}
}

// FunctionNamed returns the function with that name, or false.
func FunctionNamed(name string) (Function, bool) {
	for _, f := range Functions {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// Substitutions maps each ${...FunctionArn} placeholder of the workflow to the
// function it names.
func Substitutions() map[string]Function {
	out := map[string]Function{}
	for _, f := range Functions {
		if f.Substitution != "" {
			out[f.Substitution] = f
		}
	}
	return out
}

// Queue is one SQS queue.
type Queue struct {
	Name      string
	Retention time.Duration
	// VisibilityTimeout is 0 for SQS's default (30 s).
	VisibilityTimeout time.Duration
	// DeadLetter names the queue's dead-letter queue, MaxReceiveCount when a
	// message goes there.
	DeadLetter      *Queue
	MaxReceiveCount int
}

// retention keeps requests (and rejected or failed ones) for SQS's maximum.
const retention = 14 * 24 * time.Hour

// The queues (aws-facts §8: visibility at least 6x the function timeout,
// maxReceiveCount at least 5).
var (
	// DeadLetterQueue holds requests intake could not handle after MaxReceiveCount tries.
	DeadLetterQueue = Queue{Name: Prefix + "-requests-dlq", Retention: retention}
	// RequestQueue is where ticketing systems send account requests; its
	// visibility timeout lets a batch be retried by intake six times over
	// before another poller may see it.
	RequestQueue = Queue{Name: Prefix + "-requests", Retention: retention, VisibilityTimeout: 6 * IntakeTimeout,
		DeadLetter: &DeadLetterQueue, MaxReceiveCount: 5}
	// RejectedQueue keeps the messages intake rejected, for audit.
	RejectedQueue = Queue{Name: Prefix + "-rejected", Retention: retention}
	// LifecycleFailedQueue keeps the lifecycle events towervend could not act
	// on, for an operator to read and replay: EventBridge invokes the lifecycle
	// function asynchronously, and without somewhere to go an event is dropped
	// once Lambda's two retries fail (the queue is the function's on-failure
	// destination) or once EventBridge gives up delivering it (the queue is the
	// rules' targets' dead-letter queue).
	LifecycleFailedQueue = Queue{Name: Prefix + "-lifecycle-failed", Retention: retention}
	// Queues are all of them, dead-letter queues before the queues that use them.
	Queues = []*Queue{&DeadLetterQueue, &RequestQueue, &RejectedQueue, &LifecycleFailedQueue}
)

// Table is one DynamoDB table (on demand, encrypted).
type Table struct {
	Name string
	// PartitionKey and SortKey are string attributes.
	PartitionKey, SortKey string
	// TimeToLive is the attribute DynamoDB expires items by.
	TimeToLive string
}

// CreateInput is the CreateTable call that makes the table as the stack
// does: on demand, encrypted, string keys.
func (t Table) CreateInput() *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(t.Name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		KeySchema: []ddbtypes.KeySchemaElement{{AttributeName: aws.String(t.PartitionKey), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(t.SortKey), KeyType: ddbtypes.KeyTypeRange}},
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String(t.PartitionKey), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String(t.SortKey), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		SSESpecification: &ddbtypes.SSESpecification{Enabled: aws.Bool(true)},
	}
}

// TimeToLiveInput turns on the table's time to live.
func (t Table) TimeToLiveInput() *dynamodb.UpdateTimeToLiveInput {
	return &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(t.Name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String(t.TimeToLive), Enabled: aws.Bool(true)}}
}

// WaitsTable keeps the task tokens of executions waiting for a Control Tower
// slot or operation (see internal/vend/waits.go).
var WaitsTable = Table{Name: Prefix + "-waits", PartitionKey: vend.WaitPartitionKey, SortKey: vend.WaitSortKey,
	TimeToLive: vend.WaitExpiresAttribute}

// The request queue's event source mapping.
const (
	// IntakeBatchSize is how many messages intake takes at once.
	IntakeBatchSize = 10
	// IntakeConcurrency is the event source's MaximumConcurrency (2 is Lambda's
	// minimum): intake only starts executions, so two pollers drain hundreds of
	// requests a minute, and a burst cannot fan out into many cold starts.
	IntakeConcurrency = 2
)

// IntakeEventSourceGrant is what the request queue's event source mapping
// needs of intake's role: Lambda polls the queue with the function's
// execution role. The stack does not add it from here: CDK's SqsEventSource
// grants these actions itself (grantConsumeMessages), which the stack's tests
// check; the local runtime adds it to the role and polls as that role.
func IntakeEventSourceGrant(requestQueueArn string) Grant {
	return Grant{Actions: []string{"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
		Resources: []string{requestQueueArn}, OnBehalf: true}
}

// NotificationBus is the EventBridge bus towervend reports on (vend's default).
const NotificationBus = Prefix

// StateMachineName is the vending workflow (the CLI's default).
const StateMachineName = Prefix + "-vending"
