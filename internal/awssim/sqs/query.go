package sqs

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// QueryNamespace and QueryVersion are SQS's Query protocol: the XML namespace
// of its answers and the API version it serves.
const (
	QueryNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"
	QueryVersion   = "2012-11-05"
)

// The Query protocol is a second wire over the same operations, not a second
// SQS: an action's form is turned into the JSON request its JSON operation
// reads, that operation runs as it does for the JSON protocol (IAM
// authorization, the Before hook, every check), and its answer is written as
// the action's <{Action}Result> element. Both directions follow one table,
// queryShapes, written from the 2012-11-05 Query model (botocore's
// sqs/2012-11-05 data as it was before SQS moved to JSON): which parameter and
// element names carry which member. In that model every list and every map is flattened, so a list is its
// element name repeated with an index (AttributeName.1, AttributeName.2) and a
// map is indexed entries of a key and a value (Attribute.1.Name,
// Attribute.1.Value); answers repeat the element without a wrapper.
//
// Where the Query side differs from AWS: AddPermission and RemovePermission
// are not served (nor are they over JSON); the error document
// (protocol.WriteXMLError) has no <Detail/>, which AWS's carries empty; text
// is escaped as encoding/xml escapes it (&#34; where AWS writes &quot;), which
// every XML reader reads alike.

// QueryActions serves Amazon SQS in the Query protocol: every operation Ops
// serves, by the same name.
func (s *Service) QueryActions() map[string]protocol.QueryHandler {
	shapes := queryShapes()
	actions := map[string]protocol.QueryHandler{}
	for name, op := range s.Ops() {
		a, ok := shapes[name]
		if !ok {
			continue // TestEveryOperationIsServedOverQuery keeps this from happening
		}
		actions[name] = func(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
			return a.serve(c, name, form, op)
		}
	}
	return actions
}

// queryAction is one action's request and answer shapes.
type queryAction struct {
	in *qshape
	// out is the Result element's shape; nil for an action whose answer has
	// none (DeleteMessage answers only its ResponseMetadata).
	out *qshape
}

// serve answers one Query request with the JSON operation op.
func (a queryAction) serve(c *protocol.Call, action string, form url.Values, op protocol.Handler) (any, *protocol.APIError) {
	decoded, _, aerr := a.in.decode(form, "")
	if aerr != nil {
		return nil, aerr
	}
	in := decoded.(map[string]any)
	if _, ok := in["QueueUrl"]; !ok && a.in.has("QueueUrl") && c.Path != "" && c.Path != "/" {
		// Sent to the queue URL itself, as SDKs of the Query era did.
		in["QueueUrl"] = c.Endpoint + c.Path
	}
	for _, m := range a.in.members {
		if _, ok := in[m.name]; !ok && m.required && m.shape.scalar() {
			return nil, apiError("MissingParameter", "The request must contain the parameter %s.", m.wire)
		}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, protocol.InternalFailure()
	}
	out, aerr := op(c, body)
	if aerr != nil {
		return nil, aerr
	}
	if a.out == nil {
		return nil, nil
	}
	// The answer is read back as plain JSON values, so this side depends on
	// the operation's JSON member names only, as an SDK would.
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, protocol.InternalFailure()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		return nil, protocol.InternalFailure()
	}
	return queryResult{name: action + "Result", shape: a.out, value: value}, nil
}

// --- the model ---

type qkind int

const (
	qText qkind = iota
	qInteger
	qBlob // base64 in both the form and the answer, as in JSON
	qStructure
	qList
	qMap
)

// qshape is a shape of the Query model, as far as the translation needs it.
type qshape struct {
	kind qkind
	// members are a structure's, in the model's order: the order answers
	// write them in.
	members []qmember
	// elem is a list's element, a map's value.
	elem *qshape
	// key and value name a map entry's two parts (Name and Value, Key and Value).
	key, value string
}

// qmember is a member of a structure.
type qmember struct {
	name string // the JSON member name
	// wire is the Query parameter and XML element name; for a (flattened)
	// list, the name of each element.
	wire  string
	shape *qshape
	// required is the model's; the translation checks it for a request's own
	// scalar members (MissingParameter), and leaves a batch entry's, or an
	// empty batch, to the operation, which answers them as SQS does.
	required bool
}

func (sh *qshape) scalar() bool { return sh.kind < qStructure }

func (sh *qshape) has(member string) bool {
	return slices.ContainsFunc(sh.members, func(m qmember) bool { return m.name == member })
}

func structure(members ...qmember) *qshape { return &qshape{kind: qStructure, members: members} }
func listOf(elem *qshape) *qshape          { return &qshape{kind: qList, elem: elem} }
func mapOf(key, value string, elem *qshape) *qshape {
	return &qshape{kind: qMap, key: key, value: value, elem: elem}
}

// member is a member whose wire name is its JSON name; wired names it otherwise.
func member(name string, sh *qshape) qmember { return qmember{name: name, wire: name, shape: sh} }
func wired(name, wire string, sh *qshape) qmember {
	return qmember{name: name, wire: wire, shape: sh}
}
func required(m qmember) qmember { m.required = true; return m }

// queryShapes are the actions of the 2012-11-05 model (with the message move
// tasks, which came after it, and MessageSystemAttributeName.N on
// ReceiveMessage, which SQS reads beside AttributeName.N).
func queryShapes() map[string]queryAction {
	text := &qshape{kind: qText}
	integer := &qshape{kind: qInteger}
	blob := &qshape{kind: qBlob}
	queueURL := required(member("QueueUrl", text))
	attributes := wired("Attributes", "Attribute", mapOf("Name", "Value", text))
	attributeValue := structure(
		member("StringValue", text),
		member("BinaryValue", blob),
		wired("StringListValues", "StringListValue", listOf(text)),
		wired("BinaryListValues", "BinaryListValue", listOf(blob)),
		required(member("DataType", text)))
	messageAttributes := wired("MessageAttributes", "MessageAttribute", mapOf("Name", "Value", attributeValue))
	systemAttributes := wired("MessageSystemAttributes", "MessageSystemAttribute", mapOf("Name", "Value", attributeValue))
	tags := func(name string) qmember { return wired(name, "Tag", mapOf("Key", "Value", text)) }
	queueURLs := structure(wired("QueueUrls", "QueueUrl", listOf(text)), member("NextToken", text))
	entryID := required(member("Id", text))
	failed := wired("Failed", "BatchResultErrorEntry", listOf(structure(
		entryID, member("SenderFault", text), member("Code", text), member("Message", text))))
	idResults := func(entry string) *qshape {
		return structure(wired("Successful", entry, listOf(structure(entryID))), failed)
	}
	sendFields := []qmember{
		required(member("MessageBody", text)),
		member("DelaySeconds", integer),
		messageAttributes,
		systemAttributes,
		member("MessageDeduplicationId", text),
		member("MessageGroupId", text),
	}
	sent := []qmember{
		member("MD5OfMessageBody", text),
		member("MD5OfMessageAttributes", text),
		member("MD5OfMessageSystemAttributes", text),
		member("MessageId", text),
		member("SequenceNumber", text),
	}
	queueURLResult := structure(member("QueueUrl", text))

	return map[string]queryAction{
		"CreateQueue": {
			in:  structure(required(member("QueueName", text)), attributes, tags("tags")),
			out: queueURLResult,
		},
		"GetQueueUrl": {
			in:  structure(required(member("QueueName", text)), member("QueueOwnerAWSAccountId", text)),
			out: queueURLResult,
		},
		"GetQueueAttributes": {
			in:  structure(queueURL, wired("AttributeNames", "AttributeName", listOf(text))),
			out: structure(attributes),
		},
		"SetQueueAttributes": {in: structure(queueURL, attributes)},
		"ListQueues": {
			in:  structure(member("QueueNamePrefix", text), member("NextToken", text), member("MaxResults", integer)),
			out: queueURLs,
		},
		"ListDeadLetterSourceQueues": {
			in:  structure(queueURL, member("NextToken", text), member("MaxResults", integer)),
			out: structure(wired("queueUrls", "QueueUrl", listOf(text)), member("NextToken", text)),
		},
		"DeleteQueue":   {in: structure(queueURL)},
		"PurgeQueue":    {in: structure(queueURL)},
		"TagQueue":      {in: structure(queueURL, tags("Tags"))},
		"UntagQueue":    {in: structure(queueURL, wired("TagKeys", "TagKey", listOf(text)))},
		"ListQueueTags": {in: structure(queueURL), out: structure(tags("Tags"))},
		"SendMessage": {
			in:  structure(append([]qmember{queueURL}, sendFields...)...),
			out: structure(sent...),
		},
		"SendMessageBatch": {
			in: structure(queueURL, wired("Entries", "SendMessageBatchRequestEntry",
				listOf(structure(append([]qmember{entryID}, sendFields...)...)))),
			out: structure(
				// The entry lists its members in another order than SendMessageResult.
				wired("Successful", "SendMessageBatchResultEntry", listOf(structure(entryID, member("MessageId", text),
					member("MD5OfMessageBody", text), member("MD5OfMessageAttributes", text),
					member("MD5OfMessageSystemAttributes", text), member("SequenceNumber", text)))),
				failed),
		},
		"ReceiveMessage": {
			in: structure(queueURL,
				wired("AttributeNames", "AttributeName", listOf(text)),
				wired("MessageSystemAttributeNames", "MessageSystemAttributeName", listOf(text)),
				wired("MessageAttributeNames", "MessageAttributeName", listOf(text)),
				member("MaxNumberOfMessages", integer),
				member("VisibilityTimeout", integer),
				member("WaitTimeSeconds", integer),
				member("ReceiveRequestAttemptId", text)),
			out: structure(wired("Messages", "Message", listOf(structure(
				member("MessageId", text),
				member("ReceiptHandle", text),
				member("MD5OfBody", text),
				member("Body", text),
				attributes,
				member("MD5OfMessageAttributes", text),
				messageAttributes)))),
		},
		"DeleteMessage": {in: structure(queueURL, required(member("ReceiptHandle", text)))},
		"DeleteMessageBatch": {
			in: structure(queueURL, wired("Entries", "DeleteMessageBatchRequestEntry", listOf(structure(
				entryID, required(member("ReceiptHandle", text)))))),
			out: idResults("DeleteMessageBatchResultEntry"),
		},
		"ChangeMessageVisibility": {
			in: structure(queueURL, required(member("ReceiptHandle", text)), required(member("VisibilityTimeout", integer))),
		},
		"ChangeMessageVisibilityBatch": {
			in: structure(queueURL, wired("Entries", "ChangeMessageVisibilityBatchRequestEntry", listOf(structure(
				entryID, required(member("ReceiptHandle", text)), member("VisibilityTimeout", integer))))),
			out: idResults("ChangeMessageVisibilityBatchResultEntry"),
		},
		"StartMessageMoveTask": {
			in: structure(required(member("SourceArn", text)), member("DestinationArn", text),
				member("MaxNumberOfMessagesPerSecond", integer)),
			out: structure(member("TaskHandle", text)),
		},
		"ListMessageMoveTasks": {
			in: structure(required(member("SourceArn", text)), member("MaxResults", integer)),
			out: structure(wired("Results", "ListMessageMoveTasksResultEntry", listOf(structure(
				member("TaskHandle", text),
				member("Status", text),
				member("SourceArn", text),
				member("DestinationArn", text),
				member("MaxNumberOfMessagesPerSecond", text),
				member("ApproximateNumberOfMessagesMoved", text),
				member("ApproximateNumberOfMessagesToMove", text),
				member("FailureReason", text),
				member("StartedTimestamp", text))))),
		},
		"CancelMessageMoveTask": {
			in:  structure(required(member("TaskHandle", text))),
			out: structure(member("ApproximateNumberOfMessagesMoved", text)),
		},
	}
}

// --- form to JSON ---

// decode reads the value of shape sh at parameter prefix from the form (the
// whole form when prefix is empty); ok is false when the form holds none of it.
// Parameters the model does not name (Action, Version, a presigned URL's
// X-Amz-*) are not read.
func (sh *qshape) decode(form url.Values, prefix string) (v any, ok bool, aerr *protocol.APIError) {
	switch sh.kind {
	case qStructure:
		obj := map[string]any{}
		for _, m := range sh.members {
			mv, ok, aerr := m.shape.decode(form, join(prefix, m.wire))
			if aerr != nil {
				return nil, false, aerr
			}
			if ok {
				obj[m.name] = mv
			}
		}
		return obj, len(obj) > 0, nil
	case qList:
		var items []any
		for _, at := range entries(form, prefix) {
			item, ok, aerr := sh.elem.decode(form, at)
			if aerr != nil {
				return nil, false, aerr
			}
			if ok {
				items = append(items, item)
			}
		}
		return items, len(items) > 0, nil
	case qMap:
		pairs := map[string]any{}
		for _, entry := range entries(form, prefix) {
			key, hasKey := param(form, entry+"."+sh.key)
			value, hasValue, aerr := sh.elem.decode(form, entry+"."+sh.value)
			switch {
			case aerr != nil:
				return nil, false, aerr
			case entry == prefix && !hasKey && !hasValue:
				continue // no unindexed entry
			case !hasKey:
				return nil, false, apiError("MissingParameter", "The request must contain the parameter %s.", entry+"."+sh.key)
			case !hasValue:
				return nil, false, apiError("MissingParameter", "The request must contain the parameter %s.", entry+"."+sh.value)
			}
			pairs[key] = value
		}
		return pairs, len(pairs) > 0, nil
	}
	raw, ok := param(form, prefix)
	if !ok {
		return nil, false, nil
	}
	if !utf8.ValidString(raw) {
		return nil, false, apiError("InvalidParameterValue", "Value for parameter %s is invalid. Reason: It is not valid UTF-8.", prefix)
	}
	switch sh.kind {
	case qInteger:
		n, err := strconv.Atoi(raw)
		if err != nil {
			return nil, false, apiError("InvalidParameterValue", "Value %s for parameter %s is invalid. Reason: Must be an integer.", raw, prefix)
		}
		return n, true, nil
	case qBlob:
		if _, err := base64.StdEncoding.DecodeString(raw); err != nil {
			return nil, false, apiError("InvalidParameterValue", "Value %s for parameter %s is invalid. Reason: Must be base64-encoded binary.", raw, prefix)
		}
	}
	return raw, true, nil
}

// param is a parameter's value, and whether the form has it (an empty value
// counts: Attribute.1.Value= clears a policy).
func param(form url.Values, name string) (string, bool) {
	v, ok := form[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// entries are the parameter prefixes of a flattened list's elements or a
// map's entries at prefix: prefix.1, prefix.2, … in numeric order (clients
// number from 1 without gaps; a gap is read past), after prefix itself, the
// unindexed single element older clients and hand-written requests send
// (AttributeName=All; boto 2's Attribute.Name=…&Attribute.Value=…).
func entries(form url.Values, prefix string) []string {
	byNumber := map[int]string{}
	for name := range form {
		rest, ok := strings.CutPrefix(name, prefix+".")
		if !ok {
			continue
		}
		i, _, _ := strings.Cut(rest, ".")
		if n, err := strconv.Atoi(i); err == nil && n >= 1 {
			byNumber[n] = prefix + "." + i
		}
	}
	out := []string{prefix}
	for _, n := range slices.Sorted(maps.Keys(byNumber)) {
		out = append(out, byNumber[n])
	}
	return out
}

// --- JSON to XML ---

// queryResult is an action's <{Action}Result> element: the JSON operation's
// answer (as plain JSON values) written in the shape of the Query model.
type queryResult struct {
	name  string
	shape *qshape
	value any
}

// MarshalXML implements xml.Marshaler.
func (r queryResult) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return r.shape.encode(e, r.name, r.value)
}

// encode writes v, of shape sh, as element name: a structure as one element
// of its members (absent ones left out), a list as the element repeated, a
// map as one element per entry, in key order. Text is escaped as
// encoding/xml's EncodeToken does: a carriage return as &#xD;, so that it
// survives an XML parser's line-end normalisation, as AWS writes it.
func (sh *qshape) encode(e *xml.Encoder, name string, v any) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	switch sh.kind {
	case qStructure:
		obj, _ := v.(map[string]any)
		if err := e.EncodeToken(start); err != nil {
			return err
		}
		for _, m := range sh.members {
			if mv, ok := obj[m.name]; ok && mv != nil {
				if err := m.shape.encode(e, m.wire, mv); err != nil {
					return err
				}
			}
		}
		return e.EncodeToken(start.End())
	case qList:
		items, _ := v.([]any)
		for _, item := range items {
			if err := sh.elem.encode(e, name, item); err != nil {
				return err
			}
		}
		return nil
	case qMap:
		pairs, _ := v.(map[string]any)
		for _, key := range sortedKeys(pairs) {
			if err := e.EncodeToken(start); err != nil {
				return err
			}
			if err := textElement(e, sh.key, key); err != nil {
				return err
			}
			if err := sh.elem.encode(e, sh.value, pairs[key]); err != nil {
				return err
			}
			if err := e.EncodeToken(start.End()); err != nil {
				return err
			}
		}
		return nil
	}
	var text string
	switch t := v.(type) {
	case string:
		text = t
	case json.Number:
		text = t.String()
	case bool:
		text = strconv.FormatBool(t)
	}
	return textElement(e, name, text)
}

func textElement(e *xml.Encoder, name, text string) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	for _, tok := range []xml.Token{start, xml.CharData(text), start.End()} {
		if err := e.EncodeToken(tok); err != nil {
			return err
		}
	}
	return nil
}
