package local

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/towervend/towervend/internal/vend"
)

// Every input a run is given ends in a row of its own, whatever it held:
//
//   - An input that cannot be a message (a file that is empty, blank or
//     unreadable) is not sent: SQS refuses an empty body (MissingParameter),
//     and the ticketing system a run stands for would not send one. It is
//     REJECTED at once, naming the file.
//   - A message is matched to what intake did with it by its SQS message id,
//     which SendMessage returns and intake records (vend.MessageRecord, in the
//     waits table). That holds where the request id cannot: a message without
//     a usable requestId (not JSON, an array, a number, "" or 65 characters)
//     has none to match, and a second message reusing an id would otherwise
//     be mistaken for the first. A message intake rejected is a REJECTED row
//     of its own, shown as "(message N)", or "ID (message N)" when another
//     message has the same id; a duplicate delivery of a request is part of
//     that request's row.

// Input is one request to submit: its body, and where it came from.
type Input struct {
	// Name is where the body came from (a file), for the report; may be empty.
	Name string
	Body []byte
	// Err is why the input could not be read; the input is not sent.
	Err error
}

// message is one input submitted to a run. r.mu guards the list.
type message struct {
	n    int // from 1, in submission order, across every Submit
	name string
	// messageID is SQS's id for it; empty when it was not sent (notSent says why).
	messageID string
	notSent   string
	// requestID is what intake files it under (vend.MessageRequestID).
	requestID string
	sent      time.Time
	// before is len(r.order) when it was submitted: its row comes before the
	// request rows that arrived after it.
	before int
}

// label is how a row names a message with no request id of its own.
func (m message) label() string {
	if m.name != "" && m.messageID == "" {
		return fmt.Sprintf("(message %d: %s)", m.n, filepath.Base(m.name))
	}
	return fmt.Sprintf("(message %d)", m.n)
}

// Submit puts request bodies on the request queue, as a ticketing system would.
func (r *Runtime) Submit(ctx context.Context, bodies ...[]byte) error {
	inputs := make([]Input, len(bodies))
	for i, b := range bodies {
		inputs[i] = Input{Body: b}
	}
	return r.SubmitInputs(ctx, inputs...)
}

// SubmitInputs puts each input on the request queue, except one that cannot
// be a message, which is rejected here (see Input). It fails only when SQS
// itself refuses a send after its retries.
func (r *Runtime) SubmitInputs(ctx context.Context, inputs ...Input) error {
	q := sqs.NewFromConfig(r.withRetries(r.Sim.Config()))
	for _, in := range inputs {
		m := message{name: in.Name, sent: r.Clock.Now()}
		if why := in.Unsendable(); why != "" {
			m.notSent = why
			r.addMessage(m)
			continue
		}
		out, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(r.QueueURL), MessageBody: aws.String(string(in.Body))})
		if err != nil {
			return fmt.Errorf("submit %s: %w", cmpName(in.Name, "a request"), err)
		}
		m.messageID, m.requestID = aws.ToString(out.MessageId), vend.MessageRequestID(string(in.Body))
		r.addMessage(m)
	}
	return nil
}

func cmpName(name, otherwise string) string {
	if name == "" {
		return otherwise
	}
	return name
}

// addMessage numbers a message and files it; a message with a request id
// joins the requests the run waits for.
func (r *Runtime) addMessage(m message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m.n = len(r.messages) + 1
	m.before = len(r.order)
	r.messages = append(r.messages, m)
	if m.requestID == "" {
		return
	}
	if _, seen := r.submitted[m.requestID]; !seen {
		r.order = append(r.order, m.requestID)
		r.submitted[m.requestID] = m.sent
	}
}

// Unsendable says why an input cannot be a message (it could not be read, or
// holds nothing: SQS refuses an empty body), naming it, or "".
func (in Input) Unsendable() string {
	where := cmpName(in.Name, "the input")
	const what = "a request is a JSON object with at least requestId and action, as schema/request.schema.json describes"
	switch {
	case in.Err != nil:
		return fmt.Sprintf("%s: cannot be read (%v); %s: make the file readable or leave it out", where, in.Err, what)
	case len(bytes.TrimSpace(in.Body)) == 0 && len(in.Body) == 0:
		return fmt.Sprintf("%s: empty file; %s: write the request into it or leave it out (SQS refuses an empty message, so it was not sent)", where, what)
	case len(bytes.TrimSpace(in.Body)) == 0:
		return fmt.Sprintf("%s: holds only whitespace; %s: write the request into it or leave it out (it was not sent)", where, what)
	}
	return ""
}

// ConcurrencyLimit is towervend's limit of Account Factory operations at
// once: asked (0: Control Tower's quota in the world), never above the quota,
// which Control Tower enforces by refusing the operation past it.
func ConcurrencyLimit(asked, quota int) (int, error) {
	switch {
	case asked == 0:
		return quota, nil
	case asked < 1:
		return 0, fmt.Errorf("concurrency %d: towervend needs at least 1 Account Factory operation at once", asked)
	case asked > quota:
		return 0, fmt.Errorf("concurrency %d: Control Tower runs at most %d account operations at once in this world (controlTower.concurrentAccountOperations) and refuses more; "+
			"give at most %d, or raise the world's quota (AWS allows up to 10 through Service Quotas)", asked, quota, quota)
	}
	return asked, nil
}

// intakeRecords reads what intake recorded of the run's messages, by SQS
// message id. A read that fails leaves the report to the notifications.
func (r *Runtime) intakeRecords(msgs []message) map[string]vend.MessageRecord {
	ids := map[string]bool{}
	for _, m := range msgs {
		if m.messageID != "" {
			ids[m.requestID] = true
		}
	}
	out := map[string]vend.MessageRecord{}
	db := dynamodb.NewFromConfig(r.withRetries(r.Sim.Config()))
	for id := range ids {
		recs, err := vend.ReadMessages(context.Background(), db, r.Deps.Config.WaitTable, id)
		if err != nil {
			continue
		}
		for _, rec := range recs {
			out[rec.MessageID] = rec
		}
	}
	return out
}
