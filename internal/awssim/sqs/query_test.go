package sqs_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/protocol"
	simsqs "github.com/towervend/towervend/internal/awssim/sqs"
	"github.com/towervend/towervend/internal/clock"
)

// The facts these tests hold the Query protocol to, from the SQS API
// Reference (API version 2012-11-05) and its examples:
//   - every answer is <{Action}Response xmlns="http://queue.amazonaws.com/doc/2012-11-05/">
//     holding <{Action}Result> (not for actions without output: DeleteMessage,
//     ChangeMessageVisibility, SetQueueAttributes, …) and
//     <ResponseMetadata><RequestId>;
//   - lists and maps are flattened: a received message is <Message> repeated
//     directly in <ReceiveMessageResult>, its system attributes
//     <Attribute><Name/><Value/></Attribute> repeated, its message attributes
//     <MessageAttribute><Name/><Value><StringValue|BinaryValue/><DataType/></Value></MessageAttribute>;
//   - request parameters are indexed from 1: Attribute.N.Name/Value,
//     MessageAttribute.N.Name/Value.DataType/Value.StringValue,
//     SendMessageBatchRequestEntry.N.Id, AttributeName.N, TagKey.N;
//   - the API Reference's SendMessage example answers MD5OfMessageBody
//     fafb00f5732ab283681e124bf8747ed1 for the body "This is a test message";
//   - an error is <ErrorResponse><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>
//     with the Query error code (AWS.SimpleQueueService.NonExistentQueue, …).

// queryTest is a simulator served over HTTP, with Query and JSON clients.
type queryTest struct {
	sim     *awssim.Sim
	clock   *clock.Virtual
	server  *httptest.Server
	json    *sqs.Client
	account string
}

func newQueryTest(t *testing.T) *queryTest {
	t.Helper()
	s, clk, c := newSQSTest(t)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &queryTest{sim: s, clock: clk, server: srv, json: c, account: vendingPrincipal(t, s).AccountID}
}

// queueURL is the URL of a queue of the test's account on the test server.
func (q *queryTest) queueURL(name string) string {
	return q.server.URL + "/" + q.account + "/" + name
}

// queryAnswer is one HTTP answer in the Query protocol.
type queryAnswer struct {
	status int
	header http.Header
	raw    string
	doc    *xmlNode
}

// post sends a form to path, signed for sqs as an SDK of the Query era does.
func (q *queryTest) post(t *testing.T, path string, form url.Values) queryAnswer {
	t.Helper()
	body := form.Encode()
	r, err := http.NewRequest(http.MethodPost, q.server.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	return q.send(t, r, body, true)
}

// get sends the parameters as a signed GET's query string.
func (q *queryTest) get(t *testing.T, path string, form url.Values) queryAnswer {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, q.server.URL+path+"?"+form.Encode(), nil)
	require.NoError(t, err)
	return q.send(t, r, "", true)
}

// action posts an action to "/" with its parameters given as name, value pairs.
func (q *queryTest) action(t *testing.T, action string, params ...string) queryAnswer {
	t.Helper()
	return q.post(t, "/", queryForm(action, params...))
}

func (q *queryTest) send(t *testing.T, r *http.Request, body string, sign bool) queryAnswer {
	t.Helper()
	if sign {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: awssim.DefaultWorld().Principals[0].AccessKeyID, SecretAccessKey: "x"}
		require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "sqs", q.sim.Region(), time.Now()))
	}
	resp, err := q.server.Client().Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return queryAnswer{status: resp.StatusCode, header: resp.Header, raw: string(raw), doc: parseXML(t, raw)}
}

func queryForm(action string, params ...string) url.Values {
	form := url.Values{"Action": {action}, "Version": {simsqs.QueryVersion}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Add(params[i], params[i+1])
	}
	return form
}

// result checks a successful answer of action and returns its Result element
// (nil for an action whose answer has none).
func (a queryAnswer) result(t *testing.T, action string) *xmlNode {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, a.raw)
	assert.Equal(t, "text/xml", a.header.Get("Content-Type"))
	assert.Equal(t, xml.Name{Space: simsqs.QueryNamespace, Local: action + "Response"}, a.doc.name, a.raw)
	id := a.doc.text("ResponseMetadata", "RequestId")
	assert.NotEmpty(t, id, a.raw)
	assert.Equal(t, a.header.Get("X-Amzn-Requestid"), id, "the header and the document name the same request")
	assertNoEmptyElements(t, a.doc)
	return a.doc.child(action + "Result")
}

// failure checks an error answer and returns its code and message.
func (a queryAnswer) failure(t *testing.T, status int) (code, message string) {
	t.Helper()
	assert.Equal(t, status, a.status, a.raw)
	assert.Equal(t, xml.Name{Space: simsqs.QueryNamespace, Local: "ErrorResponse"}, a.doc.name, a.raw)
	assert.Equal(t, "ErrorResponse{Error{Type Code Message} RequestId}", a.doc.outline())
	assert.Equal(t, "Sender", a.doc.text("Error", "Type"))
	assert.Equal(t, a.header.Get("X-Amzn-Requestid"), a.doc.text("RequestId"))
	return a.doc.text("Error", "Code"), a.doc.text("Error", "Message")
}

// --- a small XML tree, to assert element names, order and nesting ---

type xmlNode struct {
	name     xml.Name
	chars    string // character data of an element without children
	children []*xmlNode
}

func parseXML(t *testing.T, raw []byte) *xmlNode {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(raw))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, string(raw))
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: tok.Name}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].chars += string(tok)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	require.NotNil(t, root, string(raw))
	return root
}

// outline is the element structure: "A{B C{D}}", names only.
func (n *xmlNode) outline() string {
	if len(n.children) == 0 {
		return n.name.Local
	}
	parts := make([]string, len(n.children))
	for i, c := range n.children {
		parts[i] = c.outline()
	}
	return n.name.Local + "{" + strings.Join(parts, " ") + "}"
}

// child follows a path of element names, taking the first of each; nil if absent.
func (n *xmlNode) child(path ...string) *xmlNode {
	for _, name := range path {
		if n == nil {
			return nil
		}
		var next *xmlNode
		for _, c := range n.children {
			if c.name.Local == name {
				next = c
				break
			}
		}
		n = next
	}
	return n
}

func (n *xmlNode) text(path ...string) string {
	if c := n.child(path...); c != nil && len(c.children) == 0 {
		return c.chars
	}
	return ""
}

func (n *xmlNode) all(name string) []*xmlNode {
	var out []*xmlNode
	for _, c := range n.children {
		if c.name.Local == name {
			out = append(out, c)
		}
	}
	return out
}

// pairs reads flattened map entries (<entry><key/><value/></entry>…).
func (n *xmlNode) pairs(entry, key, value string) map[string]string {
	out := map[string]string{}
	for _, e := range n.all(entry) {
		out[e.text(key)] = e.text(value)
	}
	return out
}

// assertNoEmptyElements fails on an element with neither children nor text:
// AWS leaves absent members out. Only a Result may be empty.
func assertNoEmptyElements(t *testing.T, n *xmlNode) {
	t.Helper()
	if len(n.children) == 0 && n.chars == "" && !strings.HasSuffix(n.name.Local, "Result") {
		t.Errorf("empty element <%s>", n.name.Local)
	}
	for _, c := range n.children {
		assertNoEmptyElements(t, c)
	}
}

// attributesMD5 is the digest of message attributes as the SQS Developer
// Guide describes it, written here again so the simulator is checked against
// the description rather than against itself.
func attributesMD5(attrs map[string]types.MessageAttributeValue) string {
	var buf bytes.Buffer
	put := func(b []byte) {
		_ = binary.Write(&buf, binary.BigEndian, uint32(len(b)))
		buf.Write(b)
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		put([]byte(name))
		put([]byte(aws.ToString(a.DataType)))
		if a.BinaryValue != nil {
			buf.WriteByte(2)
			put(a.BinaryValue)
		} else {
			buf.WriteByte(1)
			put([]byte(aws.ToString(a.StringValue)))
		}
	}
	sum := md5.Sum(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

func md5Of(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// createQueue creates a queue over Query and returns its URL.
func (q *queryTest) createQueue(t *testing.T, name string, params ...string) string {
	t.Helper()
	res := q.action(t, "CreateQueue", append([]string{"QueueName", name}, params...)...).result(t, "CreateQueue")
	return res.text("QueueUrl")
}

// receive receives over Query with every attribute and message attribute.
func (q *queryTest) receive(t *testing.T, queue string, params ...string) []*xmlNode {
	t.Helper()
	res := q.action(t, "ReceiveMessage", append([]string{"QueueUrl", queue, "AttributeName.1", "All",
		"MessageAttributeName.1", "All", "MaxNumberOfMessages", "10"}, params...)...).result(t, "ReceiveMessage")
	return res.all("Message")
}

// --- tests ---

func TestEveryOperationIsServedOverQuery(t *testing.T) {
	svc := simsqs.New(protocol.NewEnv(clock.NewVirtual(time.Unix(0, 0), 0), "eu-west-1", time.Unix(0, 0), 1, protocol.Faults{}), "http://sqs.local")
	ops := slices.Sorted(maps.Keys(svc.Ops()))
	assert.Equal(t, ops, slices.Sorted(maps.Keys(svc.QueryActions())))
	assert.Contains(t, ops, "StartMessageMoveTask", "the move-task actions are served too")
}

func TestQueryCreateAndGetQueue(t *testing.T) {
	q := newQueryTest(t)
	ctx := context.Background()

	res := q.action(t, "CreateQueue", "QueueName", "orders",
		"Attribute.1.Name", "VisibilityTimeout", "Attribute.1.Value", "45",
		"Attribute.2.Name", "DelaySeconds", "Attribute.2.Value", "3",
		"Tag.1.Key", "team", "Tag.1.Value", "ops").result(t, "CreateQueue")
	assert.Equal(t, "CreateQueueResult{QueueUrl}", res.outline())
	assert.Equal(t, q.queueURL("orders"), res.text("QueueUrl"), "the URL is on the host the caller reached")

	got := sqsAttrs(t, q.json, q.queueURL("orders"), types.QueueAttributeNameAll)
	assert.Equal(t, "45", got["VisibilityTimeout"], "Attribute.N.Name/Value is the Attributes map")
	assert.Equal(t, "3", got["DelaySeconds"])
	tags, err := q.json.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(q.queueURL("orders"))})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "ops"}, tags.Tags, "Tag.N.Key/Value is the tags map")

	t.Run("again with the same attributes is the same queue", func(t *testing.T) {
		assert.Equal(t, q.queueURL("orders"), q.createQueue(t, "orders", "Attribute.1.Name", "VisibilityTimeout", "Attribute.1.Value", "45"))
	})
	t.Run("get the URL by name", func(t *testing.T) {
		res := q.action(t, "GetQueueUrl", "QueueName", "orders").result(t, "GetQueueUrl")
		assert.Equal(t, "GetQueueUrlResult{QueueUrl}", res.outline())
		assert.Equal(t, q.queueURL("orders"), res.text("QueueUrl"))
	})
	t.Run("a FIFO queue", func(t *testing.T) {
		url := q.createQueue(t, "orders.fifo", "Attribute.1.Name", "FifoQueue", "Attribute.1.Value", "true")
		res := q.action(t, "SendMessage", "QueueUrl", url, "MessageBody", "x", "MessageGroupId", "g",
			"MessageDeduplicationId", "d").result(t, "SendMessage")
		assert.Equal(t, "SendMessageResult{MD5OfMessageBody MessageId SequenceNumber}", res.outline())
	})
}

func TestQuerySendMessageWithAttributes(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "events")

	res := q.action(t, "SendMessage", "QueueUrl", url, "MessageBody", "This is a test message",
		"MessageAttribute.1.Name", "kind", "MessageAttribute.1.Value.DataType", "String", "MessageAttribute.1.Value.StringValue", "created",
		"MessageAttribute.2.Name", "count", "MessageAttribute.2.Value.DataType", "Number", "MessageAttribute.2.Value.StringValue", "42",
		"MessageAttribute.3.Name", "blob", "MessageAttribute.3.Value.DataType", "Binary",
		"MessageAttribute.3.Value.BinaryValue", base64.StdEncoding.EncodeToString([]byte{0, 1, 0xfe, 0xff}),
	).result(t, "SendMessage")

	assert.Equal(t, "SendMessageResult{MD5OfMessageBody MD5OfMessageAttributes MessageId}", res.outline(),
		"no SequenceNumber or MD5OfMessageSystemAttributes element for a standard queue without system attributes")
	assert.Equal(t, "fafb00f5732ab283681e124bf8747ed1", res.text("MD5OfMessageBody"), "the API Reference example's digest")
	assert.Equal(t, attributesMD5(map[string]types.MessageAttributeValue{
		"kind":  {DataType: aws.String("String"), StringValue: aws.String("created")},
		"count": {DataType: aws.String("Number"), StringValue: aws.String("42")},
		"blob":  {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 0xfe, 0xff}},
	}), res.text("MD5OfMessageAttributes"))
	assert.NotEmpty(t, res.text("MessageId"))

	t.Run("with the trace header as a system attribute", func(t *testing.T) {
		res := q.action(t, "SendMessage", "QueueUrl", url, "MessageBody", "traced",
			"MessageSystemAttribute.1.Name", "AWSTraceHeader", "MessageSystemAttribute.1.Value.DataType", "String",
			"MessageSystemAttribute.1.Value.StringValue", "Root=1-5759e988-bd862e3fe1be46a994272793").result(t, "SendMessage")
		assert.Equal(t, "SendMessageResult{MD5OfMessageBody MD5OfMessageSystemAttributes MessageId}", res.outline())
		msgs := q.receive(t, url, "AttributeName.1", "AWSTraceHeader")
		require.Len(t, msgs, 2)
		assert.Equal(t, "Root=1-5759e988-bd862e3fe1be46a994272793", msgs[1].pairs("Attribute", "Name", "Value")["AWSTraceHeader"])
	})
}

func TestQuerySendMessageBatchWithAFailingEntry(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "batch")

	res := q.action(t, "SendMessageBatch", "QueueUrl", url,
		"SendMessageBatchRequestEntry.1.Id", "first", "SendMessageBatchRequestEntry.1.MessageBody", "one",
		"SendMessageBatchRequestEntry.1.MessageAttribute.1.Name", "k",
		"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType", "String",
		"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue", "v",
		"SendMessageBatchRequestEntry.2.Id", "late", "SendMessageBatchRequestEntry.2.MessageBody", "two",
		"SendMessageBatchRequestEntry.2.DelaySeconds", "901",
		"SendMessageBatchRequestEntry.3.Id", "third", "SendMessageBatchRequestEntry.3.MessageBody", "three",
		"SendMessageBatchRequestEntry.3.DelaySeconds", "0",
	).result(t, "SendMessageBatch")

	assert.Equal(t, "SendMessageBatchResult{"+
		"SendMessageBatchResultEntry{Id MessageId MD5OfMessageBody MD5OfMessageAttributes} "+
		"SendMessageBatchResultEntry{Id MessageId MD5OfMessageBody} "+
		"BatchResultErrorEntry{Id SenderFault Code Message}}", res.outline())
	ok := res.all("SendMessageBatchResultEntry")
	assert.Equal(t, []string{"first", "third"}, []string{ok[0].text("Id"), ok[1].text("Id")})
	assert.Equal(t, md5Of("one"), ok[0].text("MD5OfMessageBody"))
	assert.Equal(t, attributesMD5(map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}),
		ok[0].text("MD5OfMessageAttributes"))
	failed := res.child("BatchResultErrorEntry")
	assert.Equal(t, "late", failed.text("Id"))
	assert.Equal(t, "true", failed.text("SenderFault"))
	assert.Equal(t, "InvalidParameterValue", failed.text("Code"))
	assert.Contains(t, failed.text("Message"), "DelaySeconds")

	visible, _ := q.sim.QueueDepth(url)
	assert.Equal(t, 2, visible, "the failed entry was not sent")

	t.Run("repeated ids fail the whole batch", func(t *testing.T) {
		code, msg := q.action(t, "SendMessageBatch", "QueueUrl", url,
			"SendMessageBatchRequestEntry.1.Id", "a", "SendMessageBatchRequestEntry.1.MessageBody", "x",
			"SendMessageBatchRequestEntry.2.Id", "a", "SendMessageBatchRequestEntry.2.MessageBody", "y",
		).failure(t, http.StatusBadRequest)
		assert.Equal(t, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", code)
		assert.Contains(t, msg, "a")
	})
	t.Run("no entries", func(t *testing.T) {
		code, _ := q.action(t, "SendMessageBatch", "QueueUrl", url).failure(t, http.StatusBadRequest)
		assert.Equal(t, "AWS.SimpleQueueService.EmptyBatchRequest", code)
	})
}

func TestQueryReceiveMessageWithEveryAttribute(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "inbox")
	// Markup, quotes, a CR LF pair, a tab and characters from the upper
	// ranges SQS allows: all must come back as sent.
	body := "<order id=\"7\">fish & 'chips'</order>\r\nline two\tend \uE000\uFFFD \U0001F41F"
	q.action(t, "SendMessage", "QueueUrl", url, "MessageBody", body,
		"MessageAttribute.1.Name", "s", "MessageAttribute.1.Value.DataType", "String", "MessageAttribute.1.Value.StringValue", "a<b>&c",
		"MessageAttribute.2.Name", "n", "MessageAttribute.2.Value.DataType", "Number.float", "MessageAttribute.2.Value.StringValue", "2.5",
		"MessageAttribute.3.Name", "b", "MessageAttribute.3.Value.DataType", "Binary", "MessageAttribute.3.Value.BinaryValue", "AAEC",
	).result(t, "SendMessage")
	q.clock.Advance(time.Second)

	answer := q.action(t, "ReceiveMessage", "QueueUrl", url, "AttributeName.1", "All", "MessageAttributeName.1", "All")
	res := answer.result(t, "ReceiveMessage")
	assert.Equal(t, "ReceiveMessageResult{Message{MessageId ReceiptHandle MD5OfBody Body "+
		"Attribute{Name Value} Attribute{Name Value} Attribute{Name Value} Attribute{Name Value} "+
		"MD5OfMessageAttributes "+
		"MessageAttribute{Name Value{BinaryValue DataType}} "+
		"MessageAttribute{Name Value{StringValue DataType}} "+
		"MessageAttribute{Name Value{StringValue DataType}}}}", res.outline())
	m := res.child("Message")
	assert.Equal(t, body, m.text("Body"))
	assert.Contains(t, answer.raw, "&#xD;", "a carriage return is escaped, or an XML parser would drop it")
	assert.Equal(t, md5Of(body), m.text("MD5OfBody"))

	attrs := m.pairs("Attribute", "Name", "Value")
	assert.Equal(t, []string{"ApproximateFirstReceiveTimestamp", "ApproximateReceiveCount", "SenderId", "SentTimestamp"},
		slices.Sorted(maps.Keys(attrs)))
	assert.Equal(t, "1", attrs["ApproximateReceiveCount"])
	assert.Equal(t, vendingPrincipal(t, q.sim).UserID, attrs["SenderId"])

	values := map[string]types.MessageAttributeValue{}
	for _, a := range m.all("MessageAttribute") {
		v := types.MessageAttributeValue{DataType: aws.String(a.text("Value", "DataType"))}
		if s := a.child("Value", "StringValue"); s != nil {
			v.StringValue = aws.String(s.chars)
		}
		if b := a.child("Value", "BinaryValue"); b != nil {
			raw, err := base64.StdEncoding.DecodeString(b.chars)
			require.NoError(t, err)
			v.BinaryValue = raw
		}
		values[a.text("Name")] = v
	}
	assert.Equal(t, map[string]types.MessageAttributeValue{
		"s": {DataType: aws.String("String"), StringValue: aws.String("a<b>&c")},
		"n": {DataType: aws.String("Number.float"), StringValue: aws.String("2.5")},
		"b": {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
	}, values)
	assert.Equal(t, attributesMD5(values), m.text("MD5OfMessageAttributes"))

	t.Run("nothing to receive is an empty result", func(t *testing.T) {
		res := q.action(t, "ReceiveMessage", "QueueUrl", url).result(t, "ReceiveMessage")
		assert.Equal(t, "ReceiveMessageResult", res.outline())
	})
	t.Run("only the attributes asked for", func(t *testing.T) {
		q.clock.Advance(time.Minute)
		res := q.action(t, "ReceiveMessage", "QueueUrl", url, "AttributeName.1", "SentTimestamp",
			"MessageAttributeName.1", "s").result(t, "ReceiveMessage")
		assert.Equal(t, "ReceiveMessageResult{Message{MessageId ReceiptHandle MD5OfBody Body Attribute{Name Value} "+
			"MD5OfMessageAttributes MessageAttribute{Name Value{StringValue DataType}}}}", res.outline())
		m := res.child("Message")
		assert.Equal(t, "SentTimestamp", m.text("Attribute", "Name"))
		assert.Equal(t, attributesMD5(map[string]types.MessageAttributeValue{"s": values["s"]}), m.text("MD5OfMessageAttributes"),
			"the digest is of the attributes returned")
	})
	t.Run("AttributeName=All unindexed", func(t *testing.T) {
		q.clock.Advance(time.Minute)
		res := q.action(t, "ReceiveMessage", "QueueUrl", url, "AttributeName", "All").result(t, "ReceiveMessage")
		assert.Len(t, res.child("Message").all("Attribute"), 4)
	})
	t.Run("by the system attribute list", func(t *testing.T) {
		q.clock.Advance(time.Minute)
		res := q.action(t, "ReceiveMessage", "QueueUrl", url, "MessageSystemAttributeName.1", "ApproximateReceiveCount").result(t, "ReceiveMessage")
		assert.Equal(t, "ReceiveMessageResult{Message{MessageId ReceiptHandle MD5OfBody Body Attribute{Name Value}}}", res.outline())
		assert.Equal(t, "4", res.child("Message").pairs("Attribute", "Name", "Value")["ApproximateReceiveCount"], "its fourth receive")
	})
}

func TestQueryChangeVisibilityAndDelete(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "work")
	for _, b := range []string{"a", "b", "c", "d"} {
		q.action(t, "SendMessage", "QueueUrl", url, "MessageBody", b).result(t, "SendMessage")
	}
	msgs := q.receive(t, url)
	require.Len(t, msgs, 4)
	handle := func(i int) string { return msgs[i].text("ReceiptHandle") }

	t.Run("change one message's visibility", func(t *testing.T) {
		res := q.action(t, "ChangeMessageVisibility", "QueueUrl", url, "ReceiptHandle", handle(0), "VisibilityTimeout", "0").result(t, "ChangeMessageVisibility")
		assert.Nil(t, res, "ChangeMessageVisibility has no Result element")
		visible, inFlight := q.sim.QueueDepth(url)
		assert.Equal(t, []int{1, 3}, []int{visible, inFlight})
	})
	t.Run("change visibility in a batch, one handle bad", func(t *testing.T) {
		res := q.action(t, "ChangeMessageVisibilityBatch", "QueueUrl", url,
			"ChangeMessageVisibilityBatchRequestEntry.1.Id", "b", "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", handle(1),
			"ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "0",
			"ChangeMessageVisibilityBatchRequestEntry.2.Id", "bad", "ChangeMessageVisibilityBatchRequestEntry.2.ReceiptHandle", "not-a-handle",
			"ChangeMessageVisibilityBatchRequestEntry.2.VisibilityTimeout", "0",
		).result(t, "ChangeMessageVisibilityBatch")
		assert.Equal(t, "ChangeMessageVisibilityBatchResult{ChangeMessageVisibilityBatchResultEntry{Id} BatchResultErrorEntry{Id SenderFault Code Message}}", res.outline())
		assert.Equal(t, "b", res.text("ChangeMessageVisibilityBatchResultEntry", "Id"))
		assert.Equal(t, "ReceiptHandleIsInvalid", res.text("BatchResultErrorEntry", "Code"))
		visible, _ := q.sim.QueueDepth(url)
		assert.Equal(t, 2, visible)
	})
	t.Run("delete one", func(t *testing.T) {
		res := q.action(t, "DeleteMessage", "QueueUrl", url, "ReceiptHandle", handle(2)).result(t, "DeleteMessage")
		assert.Nil(t, res, "DeleteMessage has no Result element")
		assert.Equal(t, "DeleteMessageResponse{ResponseMetadata{RequestId}}", q.action(t, "DeleteMessage", "QueueUrl", url, "ReceiptHandle", handle(2)).doc.outline(),
			"a handle of a message already deleted succeeds")
	})
	t.Run("delete a batch", func(t *testing.T) {
		res := q.action(t, "DeleteMessageBatch", "QueueUrl", url,
			"DeleteMessageBatchRequestEntry.1.Id", "d", "DeleteMessageBatchRequestEntry.1.ReceiptHandle", handle(3),
			"DeleteMessageBatchRequestEntry.2.Id", "bad", "DeleteMessageBatchRequestEntry.2.ReceiptHandle", "not-a-handle",
		).result(t, "DeleteMessageBatch")
		assert.Equal(t, "DeleteMessageBatchResult{DeleteMessageBatchResultEntry{Id} BatchResultErrorEntry{Id SenderFault Code Message}}", res.outline())
		assert.Equal(t, "d", res.text("DeleteMessageBatchResultEntry", "Id"))
		_, inFlight := q.sim.QueueDepth(url)
		assert.Equal(t, 0, inFlight)
	})
}

func TestQueryQueueAttributes(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "settings")

	res := q.action(t, "SetQueueAttributes", "QueueUrl", url,
		"Attribute.1.Name", "DelaySeconds", "Attribute.1.Value", "5",
		"Attribute.2.Name", "VisibilityTimeout", "Attribute.2.Value", "60").result(t, "SetQueueAttributes")
	assert.Nil(t, res, "SetQueueAttributes has no Result element")

	res = q.action(t, "GetQueueAttributes", "QueueUrl", url, "AttributeName.1", "VisibilityTimeout", "AttributeName.2", "DelaySeconds").result(t, "GetQueueAttributes")
	assert.Equal(t, "GetQueueAttributesResult{Attribute{Name Value} Attribute{Name Value}}", res.outline())
	assert.Equal(t, map[string]string{"DelaySeconds": "5", "VisibilityTimeout": "60"}, res.pairs("Attribute", "Name", "Value"))

	all := q.action(t, "GetQueueAttributes", "QueueUrl", url, "AttributeName.1", "All").result(t, "GetQueueAttributes").pairs("Attribute", "Name", "Value")
	assert.Equal(t, "arn:aws:sqs:"+q.sim.Region()+":"+q.account+":settings", all["QueueArn"])
	assert.Equal(t, "0", all["ApproximateNumberOfMessages"])

	t.Run("one unindexed attribute, as older clients send it", func(t *testing.T) {
		assert.Nil(t, q.action(t, "SetQueueAttributes", "QueueUrl", url,
			"Attribute.Name", "DelaySeconds", "Attribute.Value", "7").result(t, "SetQueueAttributes"))
		res := q.action(t, "GetQueueAttributes", "QueueUrl", url, "AttributeName", "DelaySeconds").result(t, "GetQueueAttributes")
		assert.Equal(t, map[string]string{"DelaySeconds": "7"}, res.pairs("Attribute", "Name", "Value"))
	})
	t.Run("none asked for is an empty result", func(t *testing.T) {
		assert.Equal(t, "GetQueueAttributesResult", q.action(t, "GetQueueAttributes", "QueueUrl", url).result(t, "GetQueueAttributes").outline())
	})
	t.Run("an unknown attribute", func(t *testing.T) {
		code, msg := q.action(t, "GetQueueAttributes", "QueueUrl", url, "AttributeName.1", "Colour").failure(t, http.StatusBadRequest)
		assert.Equal(t, "InvalidAttributeName", code)
		assert.Contains(t, msg, "Colour")
	})
}

func TestQueryListQueues(t *testing.T) {
	q := newQueryTest(t)
	for _, name := range []string{"jobs-a", "jobs-b", "jobs-c", "other"} {
		q.createQueue(t, name)
	}

	res := q.action(t, "ListQueues", "QueueNamePrefix", "jobs-").result(t, "ListQueues")
	assert.Equal(t, "ListQueuesResult{QueueUrl QueueUrl QueueUrl}", res.outline(), "without MaxResults, no NextToken")
	assert.Equal(t, q.queueURL("jobs-a"), res.all("QueueUrl")[0].chars)

	var pages [][]string
	token := ""
	for range 5 {
		params := []string{"QueueNamePrefix", "jobs-", "MaxResults", "2"}
		if token != "" {
			params = append(params, "NextToken", token)
		}
		res := q.action(t, "ListQueues", params...).result(t, "ListQueues")
		var page []string
		for _, u := range res.all("QueueUrl") {
			page = append(page, strings.TrimPrefix(u.chars, q.server.URL+"/"+q.account+"/"))
		}
		pages = append(pages, page)
		if token = res.text("NextToken"); token == "" {
			break
		}
	}
	assert.Equal(t, [][]string{{"jobs-a", "jobs-b"}, {"jobs-c"}}, pages)

	t.Run("no queue matches", func(t *testing.T) {
		assert.Equal(t, "ListQueuesResult", q.action(t, "ListQueues", "QueueNamePrefix", "none").result(t, "ListQueues").outline())
	})
	t.Run("MaxResults that is not a number", func(t *testing.T) {
		code, msg := q.action(t, "ListQueues", "MaxResults", "ten").failure(t, http.StatusBadRequest)
		assert.Equal(t, "InvalidParameterValue", code)
		assert.Contains(t, msg, "MaxResults")
	})
}

func TestQueryTags(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "tagged")

	assert.Nil(t, q.action(t, "TagQueue", "QueueUrl", url, "Tag.1.Key", "team", "Tag.1.Value", "ops",
		"Tag.2.Key", "cost-centre", "Tag.2.Value", "42").result(t, "TagQueue"), "TagQueue has no Result element")
	res := q.action(t, "ListQueueTags", "QueueUrl", url).result(t, "ListQueueTags")
	assert.Equal(t, "ListQueueTagsResult{Tag{Key Value} Tag{Key Value}}", res.outline())
	assert.Equal(t, map[string]string{"team": "ops", "cost-centre": "42"}, res.pairs("Tag", "Key", "Value"))

	assert.Nil(t, q.action(t, "UntagQueue", "QueueUrl", url, "TagKey.1", "cost-centre").result(t, "UntagQueue"))
	res = q.action(t, "ListQueueTags", "QueueUrl", url).result(t, "ListQueueTags")
	assert.Equal(t, map[string]string{"team": "ops"}, res.pairs("Tag", "Key", "Value"))

	assert.Nil(t, q.action(t, "UntagQueue", "QueueUrl", url, "TagKey.1", "team").result(t, "UntagQueue"))
	assert.Equal(t, "ListQueueTagsResult", q.action(t, "ListQueueTags", "QueueUrl", url).result(t, "ListQueueTags").outline())
}

func TestQueryPurgeAndDeleteQueue(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "scratch")
	q.action(t, "SendMessage", "QueueUrl", url, "MessageBody", "x").result(t, "SendMessage")

	assert.Nil(t, q.action(t, "PurgeQueue", "QueueUrl", url).result(t, "PurgeQueue"), "PurgeQueue has no Result element")
	visible, _ := q.sim.QueueDepth(url)
	assert.Equal(t, 0, visible)

	code, _ := q.action(t, "PurgeQueue", "QueueUrl", url).failure(t, http.StatusForbidden)
	assert.Equal(t, "AWS.SimpleQueueService.PurgeQueueInProgress", code, "one purge a minute")

	assert.Nil(t, q.action(t, "DeleteQueue", "QueueUrl", url).result(t, "DeleteQueue"), "DeleteQueue has no Result element")
	code, _ = q.action(t, "CreateQueue", "QueueName", "scratch").failure(t, http.StatusBadRequest)
	assert.Equal(t, "AWS.SimpleQueueService.QueueDeletedRecently", code)
}

func TestQueryErrorDocuments(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "real", "Attribute.1.Name", "VisibilityTimeout", "Attribute.1.Value", "30")
	missing := q.queueURL("missing")

	tests := []struct {
		name    string
		action  string
		params  []string
		status  int
		code    string
		message string // a part of it
	}{
		{"a queue that does not exist", "SendMessage", []string{"QueueUrl", missing, "MessageBody", "x"},
			400, "AWS.SimpleQueueService.NonExistentQueue", "does not exist"},
		{"a queue name that does not exist", "GetQueueUrl", []string{"QueueName", "missing"},
			400, "AWS.SimpleQueueService.NonExistentQueue", "does not exist"},
		{"a receipt handle SQS did not issue", "DeleteMessage", []string{"QueueUrl", url, "ReceiptHandle", "forged"},
			404, "ReceiptHandleIsInvalid", `"forged"`},
		{"a queue that exists with other attributes", "CreateQueue", []string{"QueueName", "real", "Attribute.1.Name", "VisibilityTimeout", "Attribute.1.Value", "31"},
			400, "QueueAlreadyExists", "VisibilityTimeout"},
		{"a parameter that is not a number", "SendMessage", []string{"QueueUrl", url, "MessageBody", "x", "DelaySeconds", "abc"},
			400, "InvalidParameterValue", "Value abc for parameter DelaySeconds is invalid"},
		{"a count that is not a number", "ReceiveMessage", []string{"QueueUrl", url, "MaxNumberOfMessages", "x"},
			400, "InvalidParameterValue", "parameter MaxNumberOfMessages"},
		{"a batch entry's number", "ChangeMessageVisibilityBatch", []string{"QueueUrl", url,
			"ChangeMessageVisibilityBatchRequestEntry.1.Id", "a", "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", "h",
			"ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "soon"},
			400, "InvalidParameterValue", "parameter ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout"},
		{"a binary value that is not base64", "SendMessage", []string{"QueueUrl", url, "MessageBody", "x",
			"MessageAttribute.1.Name", "b", "MessageAttribute.1.Value.DataType", "Binary", "MessageAttribute.1.Value.BinaryValue", "%%%"},
			400, "InvalidParameterValue", "MessageAttribute.1.Value.BinaryValue"},
		{"an out-of-range value", "ReceiveMessage", []string{"QueueUrl", url, "MaxNumberOfMessages", "11"},
			400, "InvalidParameterValue", "Value 11 for parameter MaxNumberOfMessages is invalid"},
		{"no message body", "SendMessage", []string{"QueueUrl", url},
			400, "MissingParameter", "The request must contain the parameter MessageBody."},
		{"no queue URL, sent to /", "ReceiveMessage", nil,
			400, "MissingParameter", "The request must contain the parameter QueueUrl."},
		{"no visibility timeout", "ChangeMessageVisibility", []string{"QueueUrl", url, "ReceiptHandle", "h"},
			400, "MissingParameter", "The request must contain the parameter VisibilityTimeout."},
		{"no queue name", "CreateQueue", nil,
			400, "MissingParameter", "The request must contain the parameter QueueName."},
		{"a map entry without its name", "SetQueueAttributes", []string{"QueueUrl", url, "Attribute.1.Value", "5"},
			400, "MissingParameter", "The request must contain the parameter Attribute.1.Name."},
		{"an action SQS does not have", "SendPostcard", []string{"QueueUrl", url},
			400, "InvalidAction", "SendPostcard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg := q.action(t, tt.action, tt.params...).failure(t, tt.status)
			assert.Equal(t, tt.code, code)
			assert.Contains(t, msg, tt.message)
		})
	}
}

func TestQueryToTheQueueURL(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "direct")
	path := "/" + q.account + "/direct"

	t.Run("a POST to the queue URL needs no QueueUrl", func(t *testing.T) {
		res := q.post(t, path, queryForm("SendMessage", "MessageBody", "posted")).result(t, "SendMessage")
		assert.Equal(t, md5Of("posted"), res.text("MD5OfMessageBody"))
		visible, _ := q.sim.QueueDepth(url)
		assert.Equal(t, 1, visible)
	})
	t.Run("a GET with the parameters in the query string", func(t *testing.T) {
		res := q.get(t, "/", queryForm("GetQueueUrl", "QueueName", "direct")).result(t, "GetQueueUrl")
		assert.Equal(t, url, res.text("QueueUrl"))
		msgs := q.get(t, path, queryForm("ReceiveMessage", "AttributeName.1", "All")).result(t, "ReceiveMessage").all("Message")
		require.Len(t, msgs, 1)
		assert.Equal(t, "posted", msgs[0].text("Body"))
	})
	t.Run("an unsigned request to a queue path", func(t *testing.T) {
		body := queryForm("SendMessage", "MessageBody", "anonymous").Encode()
		r, err := http.NewRequest(http.MethodPost, q.server.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res := q.send(t, r, body, false).result(t, "SendMessage")
		assert.Equal(t, md5Of("anonymous"), res.text("MD5OfMessageBody"))
		visible, _ := q.sim.QueueDepth(url)
		assert.Equal(t, 1, visible, "the earlier message is in flight, this one is visible")
	})
	t.Run("QueueUrl in the form wins over the path", func(t *testing.T) {
		other := q.createQueue(t, "elsewhere")
		q.post(t, path, queryForm("SendMessage", "QueueUrl", other, "MessageBody", "x")).result(t, "SendMessage")
		visible, _ := q.sim.QueueDepth(other)
		assert.Equal(t, 1, visible)
	})
}

func TestQueryAndJSONSeeTheSameMessages(t *testing.T) {
	q := newQueryTest(t)
	ctx := context.Background()
	url := q.createQueue(t, "shared")
	body := "payload <with> & \"quotes\"\r\n\t\U0001F600"
	attrs := map[string]types.MessageAttributeValue{
		"s": {DataType: aws.String("String"), StringValue: aws.String("text & <more>")},
		"n": {DataType: aws.String("Number"), StringValue: aws.String("-12.5")},
		"b": {DataType: aws.String("Binary.gzip"), BinaryValue: []byte{0x1f, 0x8b, 0x00}},
	}

	t.Run("sent over Query, received over JSON", func(t *testing.T) {
		params := []string{"QueueUrl", url, "MessageBody", body}
		for i, name := range slices.Sorted(maps.Keys(attrs)) {
			a, prefix := attrs[name], "MessageAttribute."+string(rune('1'+i))
			params = append(params, prefix+".Name", name, prefix+".Value.DataType", aws.ToString(a.DataType))
			if a.BinaryValue != nil {
				params = append(params, prefix+".Value.BinaryValue", base64.StdEncoding.EncodeToString(a.BinaryValue))
			} else {
				params = append(params, prefix+".Value.StringValue", aws.ToString(a.StringValue))
			}
		}
		sent := q.action(t, "SendMessage", params...).result(t, "SendMessage")

		// The SDK checks MD5OfBody and MD5OfMessageAttributes itself.
		out, err := q.json.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MessageAttributeNames: []string{"All"}})
		require.NoError(t, err)
		require.Len(t, out.Messages, 1)
		m := out.Messages[0]
		assert.Equal(t, sent.text("MessageId"), aws.ToString(m.MessageId))
		assert.Equal(t, body, aws.ToString(m.Body))
		assert.Equal(t, sent.text("MD5OfMessageBody"), aws.ToString(m.MD5OfBody))
		assert.Equal(t, sent.text("MD5OfMessageAttributes"), aws.ToString(m.MD5OfMessageAttributes))
		assert.Equal(t, attrs, m.MessageAttributes)
		_, err = q.json.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
		require.NoError(t, err)
	})
	t.Run("sent over JSON, received over Query", func(t *testing.T) {
		sent, err := q.json.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(body), MessageAttributes: attrs})
		require.NoError(t, err)

		msgs := q.receive(t, url)
		require.Len(t, msgs, 1)
		m := msgs[0]
		assert.Equal(t, aws.ToString(sent.MessageId), m.text("MessageId"))
		assert.Equal(t, body, m.text("Body"))
		assert.Equal(t, aws.ToString(sent.MD5OfMessageBody), m.text("MD5OfBody"))
		assert.Equal(t, aws.ToString(sent.MD5OfMessageAttributes), m.text("MD5OfMessageAttributes"))
		got := map[string]string{}
		for _, a := range m.all("MessageAttribute") {
			got[a.text("Name")] = a.text("Value", "DataType") + "=" + a.text("Value", "StringValue") + a.text("Value", "BinaryValue")
		}
		assert.Equal(t, map[string]string{"s": "String=text & <more>", "n": "Number=-12.5", "b": "Binary.gzip=H4sA"}, got)

		// A receipt handle from the Query answer deletes over JSON.
		_, err = q.json.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(m.text("ReceiptHandle"))})
		require.NoError(t, err)
		_, inFlight := q.sim.QueueDepth(url)
		assert.Equal(t, 0, inFlight)
	})
}

func TestQueryDeadLetterQueuesAndMoveTasks(t *testing.T) {
	q := newQueryTest(t)
	dlq := q.createQueue(t, "failed")
	dlqArn := q.action(t, "GetQueueAttributes", "QueueUrl", dlq, "AttributeName.1", "QueueArn").result(t, "GetQueueAttributes").text("Attribute", "Value")
	src := q.createQueue(t, "source", "Attribute.1.Name", "RedrivePolicy",
		"Attribute.1.Value", `{"deadLetterTargetArn":"`+dlqArn+`","maxReceiveCount":"1"}`,
		"Attribute.2.Name", "VisibilityTimeout", "Attribute.2.Value", "0")

	res := q.action(t, "ListDeadLetterSourceQueues", "QueueUrl", dlq).result(t, "ListDeadLetterSourceQueues")
	assert.Equal(t, "ListDeadLetterSourceQueuesResult{QueueUrl}", res.outline())
	assert.Equal(t, src, res.text("QueueUrl"))

	for _, b := range []string{"1", "2", "3"} {
		q.action(t, "SendMessage", "QueueUrl", src, "MessageBody", b).result(t, "SendMessage")
	}
	require.Len(t, q.receive(t, src), 3)
	assert.Empty(t, q.receive(t, src), "the second receive dead-letters them")

	started := q.action(t, "StartMessageMoveTask", "SourceArn", dlqArn, "MaxNumberOfMessagesPerSecond", "1").result(t, "StartMessageMoveTask")
	assert.Equal(t, "StartMessageMoveTaskResult{TaskHandle}", started.outline())

	q.clock.Advance(1500 * time.Millisecond)
	res = q.action(t, "ListMessageMoveTasks", "SourceArn", dlqArn, "MaxResults", "10").result(t, "ListMessageMoveTasks")
	assert.Equal(t, "ListMessageMoveTasksResult{ListMessageMoveTasksResultEntry{TaskHandle Status SourceArn "+
		"MaxNumberOfMessagesPerSecond ApproximateNumberOfMessagesMoved ApproximateNumberOfMessagesToMove StartedTimestamp}}", res.outline())
	task := res.child("ListMessageMoveTasksResultEntry")
	assert.Equal(t, "RUNNING", task.text("Status"))
	assert.Equal(t, "1", task.text("ApproximateNumberOfMessagesMoved"))
	assert.Equal(t, "3", task.text("ApproximateNumberOfMessagesToMove"))

	res = q.action(t, "CancelMessageMoveTask", "TaskHandle", started.text("TaskHandle")).result(t, "CancelMessageMoveTask")
	assert.Equal(t, "CancelMessageMoveTaskResult{ApproximateNumberOfMessagesMoved}", res.outline())
	assert.Equal(t, "1", res.text("ApproximateNumberOfMessagesMoved"))

	code, _ := q.action(t, "ListMessageMoveTasks", "SourceArn", dlqArn+"-gone").failure(t, http.StatusNotFound)
	assert.Equal(t, "ResourceNotFoundException", code)
}

// TestQueryAnswersParseAsTheirModelSays decodes answers with encoding/xml
// into types laid out as the 2012-11-05 model lays them out, as a Query-era
// SDK would, so names and flattening are checked by a second reader.
func TestQueryAnswersParseAsTheirModelSays(t *testing.T) {
	q := newQueryTest(t)
	url := q.createQueue(t, "typed")
	q.action(t, "SendMessage", "QueueUrl", url, "MessageBody", "hi",
		"MessageAttribute.1.Name", "a", "MessageAttribute.1.Value.DataType", "String", "MessageAttribute.1.Value.StringValue", "x").result(t, "SendMessage")

	var got struct {
		XMLName xml.Name `xml:"http://queue.amazonaws.com/doc/2012-11-05/ ReceiveMessageResponse"`
		Result  struct {
			Messages []struct {
				Body       string
				Attributes []struct{ Name, Value string } `xml:"Attribute"`
				MsgAttrs   []struct {
					Name  string
					Value struct{ StringValue, DataType string }
				} `xml:"MessageAttribute"`
			} `xml:"Message"`
		} `xml:"ReceiveMessageResult"`
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	answer := q.action(t, "ReceiveMessage", "QueueUrl", url, "AttributeName.1", "SentTimestamp", "MessageAttributeName.1", "All")
	require.NoError(t, xml.Unmarshal([]byte(answer.raw), &got))
	require.Len(t, got.Result.Messages, 1)
	m := got.Result.Messages[0]
	assert.Equal(t, "hi", m.Body)
	require.Len(t, m.Attributes, 1)
	assert.Equal(t, "SentTimestamp", m.Attributes[0].Name)
	require.Len(t, m.MsgAttrs, 1)
	assert.Equal(t, "a", m.MsgAttrs[0].Name)
	assert.Equal(t, struct{ StringValue, DataType string }{"x", "String"}, m.MsgAttrs[0].Value)
	assert.NotEmpty(t, got.RequestID)
}
