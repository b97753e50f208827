package vend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/rules"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/schema"
)

// Accounts of the simulated world (internal/awssim/world/default.json) the tests use.
const (
	mgmtID            = "111122223333"
	paymentsProdID    = "618273645091" // Workloads/Prod, enrolled by an administrator
	paymentsStagingID = "830495867213" // Workloads/NonProd, enrolled, tags CostCenter and Legacy
	sandboxJdoeID     = "941506978324" // Sandbox, enrolled
	hackathonID       = "952617089435" // Sandbox, enrolled
	marketingID       = "730335518842" // Root, invited, trusted execution role
	acquiredRetailID  = "604829118370" // Root, invited, no execution role
	dataLakeDevID     = "163728394051" // Legacy (unregistered), untrusting execution role
	oldMarketingID    = "174839405162" // SUSPENDED
	networkID         = "444455556666" // Infrastructure/Prod, enrolled

	stagingOwnerEmail = "aws+payments-staging@northwind.example"
)

// setup changes the defaults a fixture is built with.
type setup struct {
	world  func(*awssim.World)
	policy func(*policy.Policy)
	config func(*vend.Config)
	// client replaces the SDK client options (retries wait on the clock unless
	// it sets another Backoff).
	client *vend.ClientOptions
}

// fixture is the simulated world with towervend's resources deployed (the
// notification bus with a collecting rule, a trivial state machine, the
// rejected-messages queue) and the Deps under test, built from the real SDK
// clients. Its clock is held: time moves only when the test runs work.
type fixture struct {
	t    *testing.T
	sim  *awssim.Sim
	clk  *clock.Virtual
	deps *vend.Deps
	// cfg is an SDK config for the test's own checks; its retries wait on the clock.
	cfg aws.Config

	notifSchema *jsonschema.Schema

	mu     sync.Mutex
	notifs []json.RawMessage
}

func newFixture(t *testing.T, s setup) *fixture {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil // the demo world's own happenings would add accounts the test does not expect
	if s.world != nil {
		s.world(w)
	}
	clk := clock.NewVirtual(w.Start, 0)
	sim, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	pol := defaultPolicy(t)
	if s.policy != nil {
		s.policy(pol)
	}
	conf := vend.Config{ManagementAccountID: sim.ManagementAccountID()}
	if s.config != nil {
		s.config(&conf)
	}
	copts := vend.ClientOptions{Backoff: vend.ClockBackoff{Clock: clk}, NoRetryQuota: true}
	if s.client != nil {
		copts = *s.client
		if copts.Backoff == nil {
			copts.Backoff = vend.ClockBackoff{Clock: clk}
		}
	}
	f := &fixture{t: t, sim: sim, clk: clk,
		deps: vend.NewDeps(sim.Config(), pol, conf, clk, slog.New(slog.DiscardHandler), copts)}
	f.cfg = sim.Config()
	f.cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 20
			o.Backoff = vend.ClockBackoff{Clock: clk}
			o.RateLimiter = ratelimit.None
		})
	}
	f.notifSchema, err = notificationSchema()
	require.NoError(t, err)
	f.deploy()
	return f
}

// notificationSchema is schema/notification.schema.json, compiled once for
// all tests (formats asserted too).
var notificationSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(schema.Notification)))
	if err != nil {
		return nil, err
	}
	if err := c.AddResource(schema.NotificationID, doc); err != nil {
		return nil, err
	}
	return c.Compile(schema.NotificationID)
})

// parsedPolicy is internal/policy/default.json, parsed once for all tests.
var parsedPolicy = sync.OnceValues(func() (*policy.Policy, error) { return policy.Parse(policy.Default()) })

// defaultPolicy returns a copy of internal/policy/default.json's policy that a test may change.
func defaultPolicy(t *testing.T) *policy.Policy {
	t.Helper()
	pol, err := parsedPolicy()
	require.NoError(t, err)
	b, err := json.Marshal(pol)
	require.NoError(t, err)
	var cp policy.Policy
	require.NoError(t, json.Unmarshal(b, &cp))
	return &cp
}

// deploy creates what the stack would: the notification bus and a rule
// collecting its events, a state machine for intake and lifecycle to start,
// and the queue rejected messages are kept in.
func (f *fixture) deploy() {
	const collector = "arn:aws:lambda:eu-west-1:111122223333:function:test-notification-collector"
	f.sim.RegisterFunction(collector, func(_ context.Context, payload []byte) ([]byte, error) {
		var ev struct {
			Detail json.RawMessage `json:"detail"`
		}
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		f.mu.Lock()
		f.notifs = append(f.notifs, ev.Detail)
		f.mu.Unlock()
		return nil, nil
	})
	eb := eventbridge.NewFromConfig(f.cfg)
	f.must(func(ctx context.Context) error {
		if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("towervend")}); err != nil {
			return err
		}
		if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(rules.Notifications.Name), EventBusName: aws.String("towervend"),
			EventPattern: aws.String(rules.Notifications.JSON())}); err != nil {
			return err
		}
		_, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(rules.Notifications.Name), EventBusName: aws.String("towervend"),
			Targets: []ebtypes.Target{{Id: aws.String("collector"), Arn: aws.String(collector)}}})
		return err
	})
	sm := sfn.NewFromConfig(f.cfg)
	q := sqs.NewFromConfig(f.cfg)
	db := dynamodb.NewFromConfig(f.cfg)
	f.must(func(ctx context.Context) error {
		if _, err := db.CreateTable(ctx, deploy.WaitsTable.CreateInput()); err != nil {
			return err
		}
		f.deps.Config.WaitTable = deploy.WaitsTable.Name
		_, err := db.UpdateTimeToLive(ctx, deploy.WaitsTable.TimeToLiveInput())
		return err
	})
	f.must(func(ctx context.Context) error {
		out, err := sm.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("towervend-test"),
			Definition: aws.String(`{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}`),
			RoleArn:    aws.String("arn:aws:iam::111122223333:role/towervend-statemachine")})
		if err != nil {
			return err
		}
		f.deps.Config.StateMachineArn = aws.ToString(out.StateMachineArn)
		rejected, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("towervend-rejected")})
		if err != nil {
			return err
		}
		f.deps.Config.RejectedQueueURL = aws.ToString(rejected.QueueUrl)
		return nil
	})
}

// run runs fn as clock work, the way code that sleeps on the clock (the
// Identity Center pacer, SDK retries with ClockBackoff) must run, and moves
// the clock on until fn returns.
func run[T any](f *fixture, fn func(context.Context) (T, error)) (T, error) {
	f.t.Helper()
	done := make(chan struct{})
	var out T
	var err error
	f.clk.Go(func() {
		defer close(done)
		out, err = fn(context.Background())
	})
	for i := 0; ; i++ {
		f.clk.Advance(time.Second)
		select {
		case <-done:
			return out, err
		default:
		}
		if i > 48*3600 {
			f.t.Fatal("the work did not finish within two simulated days")
		}
	}
}

// must runs fn as clock work and fails the test on an error.
func (f *fixture) must(fn func(context.Context) error) {
	f.t.Helper()
	_, err := run(f, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	require.NoError(f.t, err)
}

// advance lets d of simulated time pass (Control Tower works meanwhile).
func (f *fixture) advance(d time.Duration) { f.clk.Advance(d) }

// stepFunc is the shape of every workflow step.
type stepFunc func(context.Context, *vend.Doc) (*vend.Doc, error)

// step invokes a workflow step the way the state machine invokes its Lambda
// function: on a JSON copy of the document. On an error the step's changes are
// lost, as they are on AWS (the Catch keeps the state's input).
func (f *fixture) step(fn stepFunc, doc *vend.Doc) (*vend.Doc, error) {
	f.t.Helper()
	in := cloneDoc(f.t, doc)
	out, err := run(f, func(ctx context.Context) (*vend.Doc, error) { return fn(ctx, in) })
	if err != nil {
		return nil, err
	}
	return cloneDoc(f.t, out), nil
}

// task runs a step with the state machine's Retry for TowerVend.Transient
// (six attempts, waits from two seconds doubling).
func (f *fixture) task(fn stepFunc, doc *vend.Doc) (*vend.Doc, error) {
	f.t.Helper()
	wait := 2 * time.Second
	for attempt := 1; ; attempt++ {
		out, err := f.step(fn, doc)
		var se *vend.StepError
		if err != nil && attempt < 6 && errors.As(err, &se) && se.Name == vend.ErrTransient {
			f.advance(wait)
			wait *= 2
			continue
		}
		return out, err
	}
}

// mustStep runs a step as task does and requires it to succeed.
func (f *fixture) mustStep(name string, fn stepFunc, doc *vend.Doc) *vend.Doc {
	f.t.Helper()
	out, err := f.task(fn, doc)
	require.NoError(f.t, err, "step %s", name)
	return out
}

func cloneDoc(t *testing.T, d *vend.Doc) *vend.Doc {
	t.Helper()
	b, err := json.Marshal(d)
	require.NoError(t, err)
	var out vend.Doc
	require.NoError(t, json.Unmarshal(b, &out))
	return &out
}

// notify runs the notify step for a state, as the workflow's Notify states do.
func (f *fixture) notify(state string, doc *vend.Doc) {
	f.t.Helper()
	_, err := run(f, func(ctx context.Context) (*vend.Doc, error) {
		return f.deps.Notify(ctx, vend.NotifyInput{State: state, Doc: *cloneDoc(f.t, doc)})
	})
	require.NoError(f.t, err)
}

// waitOperation polls ProvisionStatus like the workflow's wait loop until the
// Account Factory operation is done, letting the wait it asks for pass first.
func (f *fixture) waitOperation(doc *vend.Doc) (*vend.Doc, error) {
	f.t.Helper()
	for range 100 {
		f.advance(time.Duration(doc.Operation.WaitSeconds) * time.Second)
		next, err := f.task(f.deps.ProvisionStatus, doc)
		if err != nil {
			return doc, err
		}
		doc = next
		if doc.Operation.Done {
			return doc, nil
		}
		if doc.Operation.Restart {
			// Auto-enrollment: created; the workflow goes back to Provision for the move.
			if doc, err = f.task(f.deps.Provision, doc); err != nil {
				return doc, err
			}
		}
	}
	f.t.Fatal("the Account Factory operation never finished")
	return nil, nil
}

// assignAccess calls assignsso until the access is complete, waiting five
// seconds between calls as the workflow does.
func (f *fixture) assignAccess(doc *vend.Doc) (*vend.Doc, error) {
	f.t.Helper()
	for range 100 {
		next, err := f.task(f.deps.AssignSSO, doc)
		if err != nil {
			return doc, err
		}
		doc = next
		if doc.Access.Complete {
			return doc, nil
		}
		f.advance(5 * time.Second)
	}
	f.t.Fatal("the access never completed")
	return nil, nil
}

// workflow carries an accepted request through the steps in the state
// machine's order and requires every step to succeed.
func (f *fixture) workflow(req request.Request) *vend.Doc {
	f.t.Helper()
	return f.workflowOf(&vend.Doc{Request: req, Origin: "queue"})
}

// workflowOf is workflow for an execution's document (a lifecycle one, say).
func (f *fixture) workflowOf(doc *vend.Doc) *vend.Doc {
	f.t.Helper()
	doc = f.mustStep("Validate", f.deps.Validate, doc)
	require.False(f.t, doc.Plan.Rejected, "the request is rejected: %v", doc.Plan.Problems) // validate announced it accepted
	if doc.Plan.CheckRole {
		doc = f.mustStep("CheckRole", f.deps.CheckRole, doc)
	}
	if doc.Plan.Operation != vend.OpNone {
		doc = f.mustStep("Provision", f.deps.Provision, doc)
		var err error
		doc, err = f.waitOperation(doc)
		require.NoError(f.t, err, "ProvisionStatus")
	}
	return f.finish(doc)
}

// finish runs the steps after the Account Factory operation.
func (f *fixture) finish(doc *vend.Doc) *vend.Doc {
	f.t.Helper()
	if doc.Plan.Close {
		doc = f.mustStep("Close", f.deps.Close, doc)
		f.notify(vend.StateSucceeded, doc)
		return doc
	}
	if len(doc.Plan.Grant)+len(doc.Plan.Revoke) > 0 {
		var err error
		doc, err = f.assignAccess(doc)
		require.NoError(f.t, err, "AssignSSO")
	}
	doc = f.mustStep("MoveOU", f.deps.MoveOU, doc)
	doc = f.mustStep("Tag", f.deps.Tag, doc)
	f.notify(vend.StateSucceeded, doc)
	return doc
}

// notifications returns the collected notification details, each checked
// against schema/notification.schema.json.
func (f *fixture) notifications() []vend.Notification {
	f.t.Helper()
	f.advance(0) // deliveries due now run first
	f.mu.Lock()
	raws := slices.Clone(f.notifs)
	f.mu.Unlock()
	out := make([]vend.Notification, 0, len(raws))
	for _, raw := range raws {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
		require.NoError(f.t, err)
		require.NoError(f.t, f.notifSchema.Validate(doc), "notification %s breaks notification.schema.json", raw)
		var n vend.Notification
		require.NoError(f.t, json.Unmarshal(raw, &n))
		out = append(out, n)
	}
	return out
}

// states lists the notified states of one request, in order.
func (f *fixture) states(requestID string) []string {
	var out []string
	for _, n := range f.notifications() {
		if n.RequestID == requestID {
			out = append(out, n.State)
		}
	}
	return out
}

// --- requests and samples ---

// sampleBody reads events/requests/<name>.json.
func sampleBody(name string) (string, error) {
	b, err := fs.ReadFile(events.FS, "requests/"+name+".json")
	return string(b), err
}

// sampleRequest decodes events/requests/<name>.json.
func sampleRequest(t *testing.T, name string) request.Request {
	t.Helper()
	b, err := sampleBody(name)
	require.NoError(t, err)
	return decode(t, b)
}

// decode decodes a request body, which must be schema-valid. A body that
// does not say who asked is asked by jane.doe, a member of AWSAccountFactory,
// so that policy.requesters lets the tests of other rules through
// (requester_test.go tests that rule, with request.Decode).
func decode(t *testing.T, body string) request.Request {
	t.Helper()
	req, err := request.Decode([]byte(body))
	require.NoError(t, err)
	if req.Requester == nil {
		req.Requester = &request.Requester{System: "test", Ticket: "TEST-1", By: "jane.doe"}
	}
	return *req
}

// sampleEvent reads events/aws/<name>.json with replacements applied to its text.
func sampleEvent(t *testing.T, name string, replace ...string) lambdaevents.CloudWatchEvent {
	t.Helper()
	b, err := fs.ReadFile(events.FS, "aws/"+name+".json")
	require.NoError(t, err)
	text := strings.NewReplacer(replace...).Replace(string(b))
	var ev lambdaevents.CloudWatchEvent
	require.NoError(t, json.Unmarshal([]byte(text), &ev))
	return ev
}

// requestBatch reads events/sqs/request-batch.json, an SQS event as Lambda delivers it.
func requestBatch(t *testing.T) lambdaevents.SQSEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "sqs", "request-batch.json"))
	require.NoError(t, err)
	var ev lambdaevents.SQSEvent
	require.NoError(t, json.Unmarshal(b, &ev))
	require.Len(t, ev.Records, 2)
	return ev
}

// --- looking at the world through the AWS APIs ---

// products returns the Account Factory provisioned products matching a SearchQuery.
func (f *fixture) products(query string) []sctypes.ProvisionedProductAttribute {
	f.t.Helper()
	sc := servicecatalog.NewFromConfig(f.cfg)
	out, err := run(f, func(ctx context.Context) (*servicecatalog.SearchProvisionedProductsOutput, error) {
		return sc.SearchProvisionedProducts(ctx, &servicecatalog.SearchProvisionedProductsInput{
			AccessLevelFilter: &sctypes.AccessLevelFilter{Key: sctypes.AccessLevelFilterKeyAccount, Value: aws.String("self")},
			Filters:           map[string][]string{"SearchQuery": {query}}})
	})
	require.NoError(f.t, err)
	return out.ProvisionedProducts
}

// recordOutput reads one output of a Service Catalog record.
func (f *fixture) recordOutput(recordID, key string) string {
	f.t.Helper()
	sc := servicecatalog.NewFromConfig(f.cfg)
	out, err := run(f, func(ctx context.Context) (*servicecatalog.DescribeRecordOutput, error) {
		return sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(recordID)})
	})
	require.NoError(f.t, err)
	for _, o := range out.RecordOutputs {
		if aws.ToString(o.OutputKey) == key {
			return aws.ToString(o.OutputValue)
		}
	}
	return ""
}

// assignments lists the Identity Center assignments on an account as
// "group NAME: PERMISSION SET" and "user USERNAME: PERMISSION SET", sorted.
func (f *fixture) assignments(accountID string) []string {
	f.t.Helper()
	sso := ssoadmin.NewFromConfig(f.cfg)
	ids := identitystore.NewFromConfig(f.cfg)
	out, err := run(f, func(ctx context.Context) ([]string, error) {
		inst, err := sso.ListInstances(ctx, &ssoadmin.ListInstancesInput{})
		if err != nil {
			return nil, err
		}
		arn, store := inst.Instances[0].InstanceArn, inst.Instances[0].IdentityStoreId
		sets, err := sso.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: arn})
		if err != nil {
			return nil, err
		}
		var list []string
		for _, ps := range sets.PermissionSets {
			d, err := sso.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: arn, PermissionSetArn: aws.String(ps)})
			if err != nil {
				return nil, err
			}
			p := ssoadmin.NewListAccountAssignmentsPaginator(sso, &ssoadmin.ListAccountAssignmentsInput{InstanceArn: arn, AccountId: aws.String(accountID), PermissionSetArn: aws.String(ps)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				if err != nil {
					return nil, err
				}
				for _, a := range page.AccountAssignments {
					var who string
					if a.PrincipalType == "GROUP" {
						g, err := ids.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: store, GroupId: a.PrincipalId})
						if err != nil {
							return nil, err
						}
						who = "group " + aws.ToString(g.DisplayName)
					} else {
						u, err := ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: store, UserId: a.PrincipalId})
						if err != nil {
							return nil, err
						}
						who = "user " + aws.ToString(u.UserName)
					}
					list = append(list, who+": "+aws.ToString(d.PermissionSet.Name))
				}
			}
		}
		sort.Strings(list)
		return list, nil
	})
	require.NoError(f.t, err)
	return out
}

// executions lists the state machine's executions by name, with their input.
func (f *fixture) executions() map[string]vend.ExecutionInput {
	f.t.Helper()
	c := sfn.NewFromConfig(f.cfg)
	out, err := run(f, func(ctx context.Context) (map[string]vend.ExecutionInput, error) {
		list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(f.deps.Config.StateMachineArn)})
		if err != nil {
			return nil, err
		}
		m := map[string]vend.ExecutionInput{}
		for _, x := range list.Executions {
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn})
			if err != nil {
				return nil, err
			}
			var in vend.ExecutionInput
			if err := json.Unmarshal([]byte(aws.ToString(d.Input)), &in); err != nil {
				return nil, fmt.Errorf("execution %s input: %w", aws.ToString(x.Name), err)
			}
			m[aws.ToString(x.Name)] = in
		}
		return m, nil
	})
	require.NoError(f.t, err)
	return out
}

// keptMessage is a message in the rejected-messages queue.
type keptMessage struct {
	Body, Reason, MessageID string
}

// rejected drains the rejected-messages queue.
func (f *fixture) rejected() []keptMessage {
	f.t.Helper()
	q := sqs.NewFromConfig(f.cfg)
	out, err := run(f, func(ctx context.Context) ([]keptMessage, error) {
		var kept []keptMessage
		for {
			r, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.deps.Config.RejectedQueueURL),
				MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
			if err != nil {
				return nil, err
			}
			if len(r.Messages) == 0 {
				return kept, nil
			}
			for _, m := range r.Messages {
				kept = append(kept, keptMessage{Body: aws.ToString(m.Body),
					Reason:    aws.ToString(m.MessageAttributes["towervend-rejection"].StringValue),
					MessageID: aws.ToString(m.MessageAttributes["towervend-message-id"].StringValue)})
				if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(f.deps.Config.RejectedQueueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
					return nil, err
				}
			}
		}
	})
	require.NoError(f.t, err)
	return out
}

// calls counts the API calls an operation received so far.
func (f *fixture) calls(service, op string) int { return f.sim.Calls()[service][op] }

// ouPath is the path from Root of the account's parent ("" for Root).
func (f *fixture) ouPath(accountID string) string {
	f.t.Helper()
	a, ok := f.sim.Account(accountID)
	require.True(f.t, ok, "account %s exists", accountID)
	return f.sim.OUPath(a.ParentID)
}

// stepError requires err to be a *vend.StepError and returns it.
func stepError(t *testing.T, err error) *vend.StepError {
	t.Helper()
	var se *vend.StepError
	require.True(t, errors.As(err, &se), "want a *vend.StepError, got %T: %v", err, err)
	return se
}
