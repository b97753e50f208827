package vend_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// intake hands an SQS event to the intake function.
func (f *fixture) intake(ev lambdaevents.SQSEvent) lambdaevents.SQSEventResponse {
	f.t.Helper()
	resp, err := run(f, func(ctx context.Context) (lambdaevents.SQSEventResponse, error) { return f.deps.Intake(ctx, ev) })
	require.NoError(f.t, err, "intake never fails the whole batch")
	return resp
}

// redelivered is the message as SQS delivers it again: same body, a new receipt.
func redelivered(m lambdaevents.SQSMessage, messageID string) lambdaevents.SQSEvent {
	m.MessageId = messageID
	m.ReceiptHandle += "-again"
	m.Attributes = map[string]string{"ApproximateReceiveCount": "2"}
	return lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{m}}
}

func failedItems(resp lambdaevents.SQSEventResponse) []string {
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	return ids
}

// The sample batch: a valid request starts its execution, named after its
// requestId; an invalid one is rejected with every problem named, kept in the
// rejected-messages queue, and not reported as failed, so SQS does not
// deliver it again and again.
func TestIntakeStartsValidRequestsAndRejectsInvalidOnes(t *testing.T) {
	f := newFixture(t, setup{})
	batch := requestBatch(t)
	valid, invalid := batch.Records[0], batch.Records[1]

	resp := f.intake(batch)
	assert.Empty(t, resp.BatchItemFailures, "neither message goes back to the queue")

	execs := f.executions()
	require.Len(t, execs, 1)
	in, ok := execs["CHG1001"]
	require.True(t, ok, "the execution is named after the requestId")
	assert.Equal(t, "queue", in.Origin)
	want, err := request.Decode([]byte(valid.Body))
	require.NoError(t, err)
	assert.Equal(t, want.Fingerprint(), in.Request.Fingerprint(), "the execution carries the request")

	ns := f.notifications()
	require.Len(t, ns, 1, "intake announces only rejections; the workflow announces the rest")
	n := ns[0]
	assert.Equal(t, vend.StateRejected, n.State)
	assert.Equal(t, "CHG1009", n.RequestID)
	assert.Equal(t, "REQ-77", n.Ticket)
	fields := map[string]string{}
	for _, p := range n.Problems {
		fields[p.Field] = p.Value
		assert.NotEmpty(t, p.Fix, "%+v", p)
	}
	assert.Equal(t, map[string]string{
		"account.email":              "not-an-email",
		"account.organisationalUnit": "Workloads/Prod",
		"account.organizationalUnit": "",
		"owner":                      "",
	}, fields, "every problem is named")
	assert.Contains(t, n.Reason, "account.organisationalUnit", "the reason leads with the misspelt field")
	assert.Contains(t, n.Reason, "(and 3 more problems)")

	kept := f.rejected()
	require.Len(t, kept, 1, "the invalid message is kept")
	assert.Equal(t, invalid.Body, kept[0].Body)
	assert.Equal(t, invalid.MessageId, kept[0].MessageID)
	assert.Equal(t, n.Reason, kept[0].Reason)
}

// A body that is not JSON at all is rejected and kept too.
func TestIntakeRejectsABodyThatIsNotJSON(t *testing.T) {
	f := newFixture(t, setup{})
	msg := requestBatch(t).Records[0]
	msg.Body = "approve CHG1001 please"
	resp := f.intake(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
	assert.Empty(t, resp.BatchItemFailures)
	assert.Empty(t, f.executions())
	ns := f.notifications()
	require.Len(t, ns, 1)
	assert.Equal(t, vend.StateRejected, ns[0].State)
	assert.Empty(t, ns[0].RequestID)
	require.Len(t, ns[0].Problems, 1)
	assert.Equal(t, "request", ns[0].Problems[0].Field)
	require.Len(t, f.rejected(), 1)
}

// SQS delivers at least once: the same request delivered twice (even laid
// out differently) starts one execution and is not rejected.
func TestIntakeDuplicateDeliveryStartsOneExecution(t *testing.T) {
	f := newFixture(t, setup{})
	msg := requestBatch(t).Records[0]
	first := f.intake(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
	assert.Empty(t, first.BatchItemFailures)
	f.advance(10 * time.Minute) // the execution finishes meanwhile

	again := f.intake(redelivered(msg, "5d2e4c1a-0000-4a3e-9c61-2b0d7e9f4a18"))
	assert.Empty(t, again.BatchItemFailures)
	reordered := msg
	reordered.Body = `{"tags": {"DataClassification": "internal", "CostCenter": "2100"}, "action": "create", "requestId": "CHG1001",
		"requester": {"by": "raj.patel@northwind.example", "ticket": "RITM0012345", "system": "servicenow"},
		"account": {"organizationalUnit": "Workloads/NonProd", "email": "aws+payments-dev@northwind.example", "name": "payments-dev"},
		"owner": {"lastName": "Patel", "firstName": "Raj", "email": "raj.patel@northwind.example"},
		"access": [{"permissionSet": "AWSPowerUserAccess", "group": "payments-developers"}], "revokePreviousOwner": false}`
	again = f.intake(redelivered(reordered, "5d2e4c1a-1111-4a3e-9c61-2b0d7e9f4a18"))
	assert.Empty(t, again.BatchItemFailures)

	assert.Len(t, f.executions(), 1)
	assert.Empty(t, f.notifications(), "a duplicate is not a rejection")
	assert.Empty(t, f.rejected())
}

// A different request that reuses a requestId is rejected (and kept), and the
// first request's execution is left alone.
func TestIntakeRejectsADifferentRequestReusingARequestID(t *testing.T) {
	f := newFixture(t, setup{})
	msg := requestBatch(t).Records[0]
	f.intake(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})

	other := msg
	other.MessageId = "0f6e2d41-4c1b-4a9e-8d3f-7b2a1c0e9d58"
	other.Body = `{"requestId": "CHG1001", "action": "create",
		"account": {"name": "payments-qa", "email": "aws+payments-qa@northwind.example", "organizationalUnit": "Workloads/NonProd"},
		"owner": {"email": "raj.patel@northwind.example", "firstName": "Raj", "lastName": "Patel"},
		"tags": {"CostCenter": "2100"}, "requester": {"system": "servicenow", "ticket": "RITM0012399", "by": "raj.patel@northwind.example"}}`
	resp := f.intake(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{other}})
	assert.Empty(t, resp.BatchItemFailures, "a rejection is final, not retried")

	execs := f.executions()
	require.Len(t, execs, 1)
	assert.Equal(t, "payments-dev", execs["CHG1001"].Request.Account.Name, "the first request's execution stands")
	ns := f.notifications()
	require.Len(t, ns, 1)
	assert.Equal(t, vend.StateRejected, ns[0].State)
	assert.Equal(t, "RITM0012399", ns[0].Ticket, "the second request's requester is told")
	require.Len(t, ns[0].Problems, 1)
	p := ns[0].Problems[0]
	assert.Equal(t, "requestId", p.Field)
	assert.Equal(t, "CHG1001", p.Value)
	assert.Contains(t, p.Message, "requestId CHG1001 was already used by a different request")
	assert.Contains(t, p.Fix, "give every new request its own requestId")
	kept := f.rejected()
	require.Len(t, kept, 1)
	assert.Equal(t, other.Body, kept[0].Body)
}

// Trouble that outlasts the SDK's retries is transient: the message is
// reported as a batch item failure (SQS delivers it again), nothing is
// rejected, and the next delivery starts the execution.
func TestIntakeReportsTransientFailuresForRedelivery(t *testing.T) {
	f := newFixture(t, setup{client: &vend.ClientOptions{MaxAttempts: 1}})
	batch := requestBatch(t)
	f.sim.SetFaults(awssim.Faults{Throttle: map[string]float64{"states": 1}})

	resp := f.intake(batch)
	assert.Equal(t, []string{batch.Records[0].MessageId}, failedItems(resp), "only the valid request, whose start was throttled")
	f.sim.SetFaults(awssim.Faults{})
	assert.Empty(t, f.executions())
	assert.Equal(t, []string{vend.StateRejected}, stateList(f.notifications()), "only the invalid request is rejected")
	require.Len(t, f.rejected(), 1)

	resp = f.intake(redelivered(batch.Records[0], batch.Records[0].MessageId))
	assert.Empty(t, resp.BatchItemFailures)
	assert.Contains(t, f.executions(), "CHG1001")
}

func stateList(ns []vend.Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.State)
	}
	return out
}

// messages reads intake's records of the messages sent with requestID.
func (f *fixture) messages(requestID string) []vend.MessageRecord {
	f.t.Helper()
	recs, err := run(f, func(ctx context.Context) ([]vend.MessageRecord, error) {
		return vend.ReadMessages(ctx, dynamodb.NewFromConfig(f.cfg), f.deps.Config.WaitTable, requestID)
	})
	require.NoError(f.t, err)
	return recs
}

func outcomes(recs []vend.MessageRecord) map[string]string {
	out := map[string]string{}
	for _, r := range recs {
		out[r.MessageID] = r.Outcome
	}
	return out
}

// Every message intake takes is recorded under its requestId with what became
// of it: the first started the execution, the same request again is a
// duplicate, a different request reusing the id is rejected with the reason,
// and a redelivery of the first (intake failed after starting it) still says
// it started the execution.
func TestIntakeRecordsWhatBecameOfEachMessage(t *testing.T) {
	f := newFixture(t, setup{})
	msg := requestBatch(t).Records[0]
	f.intake(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
	f.intake(redelivered(msg, "dup-0000-0000"))
	other := msg
	other.MessageId = "reuse-0000-0000"
	other.Body = `{"requestId": "CHG1001", "action": "close", "account": {"id": "941506978324"},
		"requester": {"system": "servicenow", "ticket": "RITM0012399", "by": "raj.patel@northwind.example"}}`
	f.intake(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{other}})
	f.intake(redelivered(msg, msg.MessageId))

	recs := f.messages("CHG1001")
	require.Len(t, recs, 3, "one record per SQS message id")
	assert.Equal(t, map[string]string{msg.MessageId: vend.MessageStarted, "dup-0000-0000": vend.MessageDuplicate,
		"reuse-0000-0000": vend.MessageRejected}, outcomes(recs))
	for _, r := range recs {
		assert.Equal(t, "CHG1001", r.RequestID)
		assert.False(t, r.Received.IsZero())
		switch r.MessageID {
		case "reuse-0000-0000":
			assert.Contains(t, r.Reason, "requestId CHG1001 was already used by a different request")
			assert.Equal(t, "RITM0012399", r.Ticket)
			assert.NotEqual(t, recs[0].Fingerprint, r.Fingerprint, "a different request")
		default:
			assert.Empty(t, r.Reason)
			assert.Equal(t, "RITM0012345", r.Ticket)
		}
	}
	assert.Equal(t, recs[0].Fingerprint, recs[1].Fingerprint, "the same request")
}

// A message with no usable requestId is recorded too, under the messages
// without one, and a body that is not JSON is rejected saying so plainly:
// what was wrong, where, and what to send.
func TestIntakeRecordsMessagesWithoutARequestID(t *testing.T) {
	f := newFixture(t, setup{})
	base := requestBatch(t).Records[0]
	bodies := map[string]string{
		"not-json": "not json",
		"array":    `[{"requestId": "CHG1001"}]`,
		"number":   `{"requestId": 1001, "action": "close", "account": {"id": "941506978324"}}`,
		"empty-id": `{"requestId": "", "action": "close", "account": {"id": "941506978324"}}`,
		"too-long": `{"requestId": "` + strings.Repeat("x", 65) + `", "action": "close", "account": {"id": "941506978324"}}`,
	}
	var ev lambdaevents.SQSEvent
	for id, body := range bodies {
		m := base
		m.MessageId, m.Body = id, body
		ev.Records = append(ev.Records, m)
	}
	resp := f.intake(ev)
	assert.Empty(t, resp.BatchItemFailures, "a rejection is final")
	assert.Empty(t, f.executions())

	recs := f.messages("")
	require.Len(t, recs, len(bodies))
	for _, r := range recs {
		assert.Equal(t, vend.MessageRejected, r.Outcome, r.MessageID)
		assert.Empty(t, r.RequestID, r.MessageID)
		assert.True(t, strings.HasPrefix(r.Fingerprint, "body:"), r.MessageID)
		assert.NotEmpty(t, r.Reason, r.MessageID)
		if r.MessageID == "not-json" {
			assert.Equal(t, "request: is not valid JSON: unexpected 'o' at byte 2 (line 1, column 2), in a bare word: only true, false and null may be written without double quotes; "+
				"send a single JSON object as described in request.schema.json", r.Reason)
		}
	}
}

// status reads a request rejected at intake from its messages, though it has no execution.
func TestReadRequestOfARequestRejectedAtIntake(t *testing.T) {
	f := newFixture(t, setup{})
	batch := requestBatch(t)
	f.intake(batch)
	rep, err := run(f, func(ctx context.Context) (*vend.RequestStatus, error) {
		return vend.ReadRequest(ctx, sfn.NewFromConfig(f.cfg), dynamodb.NewFromConfig(f.cfg), f.deps.Config.StateMachineArn, f.deps.Config.WaitTable, "CHG1009")
	})
	require.NoError(t, err)
	assert.Equal(t, "rejected", rep.Outcome)
	assert.Empty(t, rep.Status, "no execution")
	require.Len(t, rep.Messages, 1)
	assert.Equal(t, rep.Messages[0].Reason, rep.Reason)
	assert.Contains(t, rep.Reason, "is not a field towervend knows")

	_, err = run(f, func(ctx context.Context) (*vend.RequestStatus, error) {
		return vend.ReadRequest(ctx, sfn.NewFromConfig(f.cfg), dynamodb.NewFromConfig(f.cfg), f.deps.Config.StateMachineArn, f.deps.Config.WaitTable, "CHG4242")
	})
	assert.ErrorIs(t, err, vend.ErrNoExecution, "neither an execution nor a message")
}

// Step Functions answers a StartExecution with the same name and input as a
// running execution as though it started it: the second message of the same
// request is still recorded as the duplicate it is.
func TestIntakeRecordsOneStartPerRequest(t *testing.T) {
	f := newFixture(t, setup{})
	msg := requestBatch(t).Records[0]
	again := msg
	again.MessageId = "again-0000-0000"
	f.intake(lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg, again}})
	assert.Equal(t, map[string]string{msg.MessageId: vend.MessageStarted, "again-0000-0000": vend.MessageDuplicate}, outcomes(f.messages("CHG1001")))
}
