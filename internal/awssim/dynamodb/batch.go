package dynamodb

import (
	"encoding/json"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- BatchGetItem, BatchWriteItem, TransactWriteItems, TransactGetItems ---

// The simulator never leaves keys or items unprocessed: UnprocessedKeys and
// UnprocessedItems are always empty (a client must still handle them on AWS).

type batchGetInput struct {
	RequestItems map[string]struct {
		legacy
		Keys                     []Item
		ProjectionExpression     *string
		ExpressionAttributeNames map[string]string
		ConsistentRead           bool
	}
	ReturnConsumedCapacity string
}

func (s *Service) batchGetItem(c *protocol.Call, in batchGetInput) (any, *protocol.APIError) {
	if len(in.RequestItems) == 0 {
		return nil, inputConstraint("{}", "requestItems", "Member must have length greater than or equal to 1")
	}
	if aerr := checkReturnCapacity(in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	total := 0
	for _, req := range in.RequestItems {
		total += len(req.Keys)
	}
	if total > maxBatchGet {
		return nil, validation("Too many items requested for the BatchGetItem call")
	}
	type tableReads struct {
		name       string
		reads      []*read
		consistent bool
	}
	var all []tableReads
	for _, name := range sortedKeys(in.RequestItems) {
		req := in.RequestItems[name]
		if aerr := req.refuse(); aerr != nil {
			return nil, aerr
		}
		if len(req.Keys) == 0 {
			return nil, inputConstraint("[]", "requestItems."+name+".member.keys", "Member must have length greater than or equal to 1")
		}
		tr := tableReads{name: name, consistent: req.ConsistentRead}
		seen := map[string]bool{}
		for _, key := range req.Keys {
			rd, aerr := s.prepareRead(c, name, key, req.ProjectionExpression, req.ExpressionAttributeNames)
			if aerr != nil {
				return nil, aerr
			}
			p, sk := rd.t.position(key)
			if seen[p+"\n"+sk] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[p+"\n"+sk] = true
			tr.reads = append(tr.reads, rd)
		}
		all = append(all, tr)
	}
	responses := map[string][]Item{}
	var consumed []*consumedCapacity
	for _, tr := range all {
		items := []Item{}
		size := 0
		for _, rd := range tr.reads {
			if it := rd.run(); it != nil {
				items = append(items, it)
			}
			size += rd.t.get(rd.key).size()
		}
		responses[tr.name] = items
		if cc := capacity(tr.reads[0].t, in.ReturnConsumedCapacity, readUnits(size, tr.consistent), false); cc != nil {
			consumed = append(consumed, cc)
		}
	}
	out := map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}
	if consumed != nil {
		out["ConsumedCapacity"] = consumed
	}
	return out, nil
}

type batchWriteInput struct {
	RequestItems map[string][]struct {
		PutRequest    *struct{ Item Item }
		DeleteRequest *struct{ Key Item }
	}
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

func (s *Service) batchWriteItem(c *protocol.Call, in batchWriteInput) (any, *protocol.APIError) {
	if len(in.RequestItems) == 0 {
		return nil, inputConstraint("{}", "requestItems", "Member must have length greater than or equal to 1")
	}
	if aerr := checkReturnCapacity(in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	total := 0
	for _, reqs := range in.RequestItems {
		total += len(reqs)
	}
	if total > maxBatchWrite {
		return nil, validation("Too many items requested for the BatchWriteItem call")
	}
	type write struct {
		t    *Table
		put  Item // nil: delete key
		key  Item
		name string
	}
	var writes []write
	for _, name := range sortedKeys(in.RequestItems) {
		seen := map[string]bool{}
		for _, req := range in.RequestItems[name] {
			var w write
			switch {
			case req.PutRequest != nil && req.DeleteRequest == nil:
				pw, aerr := s.preparePut(c, putItemInput{TableName: name, Item: req.PutRequest.Item})
				if aerr != nil {
					return nil, aerr
				}
				w = write{t: pw.t, put: pw.item, key: pw.t.keyOf(pw.item), name: name}
			case req.DeleteRequest != nil && req.PutRequest == nil:
				kw, aerr := s.prepareKeyed(c, name, req.DeleteRequest.Key, nil, nil, nil)
				if aerr != nil {
					return nil, aerr
				}
				w = write{t: kw.t, key: kw.key, name: name}
			default:
				return nil, validation("A WriteRequest must contain exactly one of PutRequest or DeleteRequest")
			}
			p, sk := w.t.position(w.key)
			if seen[p+"\n"+sk] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[p+"\n"+sk] = true
			writes = append(writes, w)
		}
	}
	units := map[string]float64{}
	for _, w := range writes {
		old := w.t.get(w.key)
		if w.put != nil {
			w.t.put(w.put)
		} else {
			w.t.remove(w.key)
		}
		units[w.name] += writeUnits(max(old.size(), w.put.size()))
	}
	out := map[string]any{"UnprocessedItems": map[string]any{}}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		var consumed []*consumedCapacity
		for _, name := range sortedKeys(units) {
			for _, w := range writes {
				if w.name == name {
					consumed = append(consumed, capacity(w.t, in.ReturnConsumedCapacity, units[name], true))
					break
				}
			}
		}
		out["ConsumedCapacity"] = consumed
	}
	return out, nil
}

// transactCheck is one TransactWriteItems action's condition and item.
type transactCheck struct {
	TableName                           string
	Key                                 Item
	Item                                Item
	UpdateExpression                    *string
	ConditionExpression                 *string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]Value
	ReturnValuesOnConditionCheckFailure string
}

type transactWriteInput struct {
	TransactItems []struct {
		ConditionCheck *transactCheck
		Put            *transactCheck
		Delete         *transactCheck
		Update         *transactCheck
	}
	ClientRequestToken          *string
	ReturnConsumedCapacity      string
	ReturnItemCollectionMetrics string
}

// transactAction is a checked action of a transaction.
type transactAction struct {
	t       *Table
	key     Item
	cond    cond
	put     Item         // Put
	upd     *updateWrite // Update
	delete  bool         // Delete
	wantOld bool         // ReturnValuesOnConditionCheckFailure ALL_OLD
}

// prepareTransact checks every action of a transaction and that no two are
// on one item.
func (s *Service) prepareTransact(c *protocol.Call, in transactWriteInput) ([]transactAction, *protocol.APIError) {
	if len(in.TransactItems) == 0 || len(in.TransactItems) > maxTransact {
		return nil, inputConstraint(len(in.TransactItems), "transactItems", "Member must have length less than or equal to 100")
	}
	var actions []transactAction
	seen := map[string]bool{}
	for _, ti := range in.TransactItems {
		given := 0
		for _, x := range []*transactCheck{ti.ConditionCheck, ti.Put, ti.Delete, ti.Update} {
			if x != nil {
				given++
			}
		}
		if given != 1 {
			return nil, validation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		var a transactAction
		switch {
		case ti.Put != nil:
			x := ti.Put
			pw, aerr := s.preparePut(c, putItemInput{TableName: x.TableName, Item: x.Item, ConditionExpression: x.ConditionExpression,
				ExpressionAttributeNames: x.ExpressionAttributeNames, ExpressionAttributeValues: x.ExpressionAttributeValues})
			if aerr != nil {
				return nil, aerr
			}
			a = transactAction{t: pw.t, key: pw.t.keyOf(pw.item), cond: pw.cond, put: pw.item, wantOld: x.ReturnValuesOnConditionCheckFailure == "ALL_OLD"}
		case ti.Update != nil:
			x := ti.Update
			uw, aerr := s.prepareUpdate(c, updateItemInput{TableName: x.TableName, Key: x.Key, UpdateExpression: x.UpdateExpression,
				ConditionExpression: x.ConditionExpression, ExpressionAttributeNames: x.ExpressionAttributeNames, ExpressionAttributeValues: x.ExpressionAttributeValues})
			if aerr != nil {
				return nil, aerr
			}
			a = transactAction{t: uw.t, key: uw.key, cond: uw.cond, upd: uw, wantOld: x.ReturnValuesOnConditionCheckFailure == "ALL_OLD"}
		default:
			x, isDelete := ti.Delete, ti.Delete != nil
			if !isDelete {
				x = ti.ConditionCheck
				if x.ConditionExpression == nil {
					return nil, validation("The ConditionExpression parameter is required for a ConditionCheck")
				}
			}
			kw, aerr := s.prepareKeyed(c, x.TableName, x.Key, x.ConditionExpression, x.ExpressionAttributeNames, x.ExpressionAttributeValues)
			if aerr != nil {
				return nil, aerr
			}
			a = transactAction{t: kw.t, key: kw.key, cond: kw.cond, delete: isDelete, wantOld: x.ReturnValuesOnConditionCheckFailure == "ALL_OLD"}
		}
		p, sk := a.t.position(a.key)
		at := a.t.Arn() + "\n" + p + "\n" + sk
		if seen[at] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[at] = true
		actions = append(actions, a)
	}
	return actions, nil
}

func (s *Service) transactWriteItems(c *protocol.Call, in transactWriteInput) (any, *protocol.APIError) {
	if aerr := checkReturnCapacity(in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	actions, aerr := s.prepareTransact(c, in)
	if aerr != nil {
		return nil, aerr
	}
	// A token seen in the last ten minutes answers a repeat of its request
	// without writing again, and refuses a different request.
	tokenKey, request := "", ""
	if in.ClientRequestToken != nil {
		tokenKey = c.Caller.AccountID + "/" + *in.ClientRequestToken
		b, _ := json.Marshal(in.TransactItems)
		request = string(b)
		if tok, ok := s.state.Tokens[tokenKey]; ok {
			if tok.Request != request {
				return nil, protocol.Err(nsDynamoDB+"IdempotentParameterMismatchException",
					"The request uses the same client token as a previous, but non-identical request.")
			}
			return struct{}{}, nil
		}
	}
	reasons := make([]map[string]any, len(actions))
	nexts := make([]Item, len(actions))
	cancelled := false
	for i, a := range actions {
		old := a.t.get(a.key)
		reasons[i] = map[string]any{"Code": "None"}
		if a.cond != nil && !holds(old, a.cond) {
			reasons[i] = map[string]any{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
			if a.wantOld && old != nil {
				reasons[i]["Item"] = old
			}
			cancelled = true
			continue
		}
		if a.upd != nil {
			next, verr := a.upd.next(old)
			if verr != nil {
				reasons[i] = map[string]any{"Code": "ValidationError", "Message": verr.Message}
				cancelled = true
				continue
			}
			nexts[i] = next
		}
	}
	if cancelled {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = r["Code"].(string)
		}
		msg := "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
		return nil, &protocol.APIError{Code: nsDynamoDB + "TransactionCanceledException", Message: msg, Status: 400,
			Fields: map[string]any{"Message": msg, "CancellationReasons": reasons}}
	}
	for i, a := range actions {
		switch {
		case a.put != nil:
			a.t.put(a.put)
		case a.upd != nil:
			a.t.put(nexts[i])
		case a.delete:
			a.t.remove(a.key)
		}
	}
	if tokenKey != "" {
		s.state.Tokens[tokenKey] = Token{At: c.Now, Request: request}
	}
	return struct{}{}, nil
}

type transactGetInput struct {
	TransactItems []struct {
		Get *struct {
			TableName                string
			Key                      Item
			ProjectionExpression     *string
			ExpressionAttributeNames map[string]string
		}
	}
	ReturnConsumedCapacity string
}

func (s *Service) transactGetItems(c *protocol.Call, in transactGetInput) (any, *protocol.APIError) {
	if len(in.TransactItems) == 0 || len(in.TransactItems) > maxTransact {
		return nil, inputConstraint(len(in.TransactItems), "transactItems", "Member must have length less than or equal to 100")
	}
	if aerr := checkReturnCapacity(in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	var reads []*read
	seen := map[string]bool{}
	for _, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, validation("TransactItems can only contain Get")
		}
		rd, aerr := s.prepareRead(c, ti.Get.TableName, ti.Get.Key, ti.Get.ProjectionExpression, ti.Get.ExpressionAttributeNames)
		if aerr != nil {
			return nil, aerr
		}
		p, sk := rd.t.position(rd.key)
		at := rd.t.Arn() + "\n" + p + "\n" + sk
		if seen[at] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[at] = true
		reads = append(reads, rd)
	}
	responses := make([]map[string]any, len(reads))
	for i, rd := range reads {
		responses[i] = map[string]any{}
		if it := rd.run(); it != nil {
			responses[i]["Item"] = it
		}
	}
	return map[string]any{"Responses": responses}, nil
}
