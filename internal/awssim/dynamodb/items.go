package dynamodb

import (
	"encoding/json"
	"slices"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- item operations: PutItem, GetItem, DeleteItem, UpdateItem ---

// legacy are the parameters AWS keeps from before expressions; the
// simulator serves expressions only and refuses them by name.
type legacy struct {
	Expected            json.RawMessage
	ConditionalOperator json.RawMessage
	AttributesToGet     json.RawMessage
	AttributeUpdates    json.RawMessage
	KeyConditions       json.RawMessage
	QueryFilter         json.RawMessage
	ScanFilter          json.RawMessage
}

func (l legacy) refuse() *protocol.APIError {
	for _, p := range []struct {
		name    string
		raw     json.RawMessage
		instead string
	}{
		{"Expected", l.Expected, "ConditionExpression"},
		{"ConditionalOperator", l.ConditionalOperator, "ConditionExpression or FilterExpression"},
		{"AttributesToGet", l.AttributesToGet, "ProjectionExpression"},
		{"AttributeUpdates", l.AttributeUpdates, "UpdateExpression"},
		{"KeyConditions", l.KeyConditions, "KeyConditionExpression"},
		{"QueryFilter", l.QueryFilter, "FilterExpression"},
		{"ScanFilter", l.ScanFilter, "FilterExpression"},
	} {
		if p.raw != nil {
			return validation("%s is a legacy parameter the simulator does not serve; use %s", p.name, p.instead)
		}
	}
	return nil
}

// writeOutput is what PutItem, DeleteItem and UpdateItem answer.
type writeOutput struct {
	Attributes       Item              `json:"Attributes,omitempty"`
	ConsumedCapacity *consumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// checkReturns refuses ReturnValues an operation does not allow, and
// ReturnValuesOnConditionCheckFailure and ReturnConsumedCapacity outside their enums.
func checkReturns(returnValues string, allowed []string, onFailure, consumed string) *protocol.APIError {
	if returnValues != "" && !slices.Contains(allowed, returnValues) {
		if len(allowed) == 2 {
			return validation("ReturnValues can only be ALL_OLD or NONE")
		}
		return inputConstraint(returnValues, "returnValues", "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]")
	}
	if onFailure != "" && onFailure != "ALL_OLD" && onFailure != "NONE" {
		return inputConstraint(onFailure, "returnValuesOnConditionCheckFailure", "Member must satisfy enum value set: [ALL_OLD, NONE]")
	}
	return checkReturnCapacity(consumed)
}

// condition parses an optional ConditionExpression.
func condition(expr *string, r *refs) (cond, *protocol.APIError) {
	if expr == nil {
		return nil, nil
	}
	return parseCondition("ConditionExpression", *expr, r)
}

type putItemInput struct {
	legacy
	TableName                           string
	Item                                Item
	ConditionExpression                 *string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]Value
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
}

// putWrite is a PutItem checked and ready to run: in a transaction too.
type putWrite struct {
	t    *Table
	item Item
	cond cond
}

func (s *Service) preparePut(c *protocol.Call, in putItemInput) (*putWrite, *protocol.APIError) {
	t, aerr := s.itemTable(c, in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := in.refuse(); aerr != nil {
		return nil, aerr
	}
	if in.Item == nil {
		in.Item = Item{}
	}
	if msg := normalizeItem(in.Item); msg != "" {
		return nil, validation("%s", msg)
	}
	if aerr := t.checkItemKey(in.Item); aerr != nil {
		return nil, aerr
	}
	if in.Item.size() > maxItemSize {
		return nil, validation("Item size has exceeded the maximum allowed size")
	}
	r, aerr := newRefs(in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ConditionExpression)
	if aerr != nil {
		return nil, aerr
	}
	cd, aerr := condition(in.ConditionExpression, r)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := r.unused(); aerr != nil {
		return nil, aerr
	}
	return &putWrite{t: t, item: in.Item, cond: cd}, nil
}

func (s *Service) putItem(c *protocol.Call, in putItemInput) (any, *protocol.APIError) {
	if aerr := checkReturns(in.ReturnValues, []string{"NONE", "ALL_OLD"}, in.ReturnValuesOnConditionCheckFailure, in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	w, aerr := s.preparePut(c, in)
	if aerr != nil {
		return nil, aerr
	}
	old := w.t.get(w.t.keyOf(w.item))
	if w.cond != nil && !holds(old, w.cond) {
		return nil, conditionFailed(old, in.ReturnValuesOnConditionCheckFailure == "ALL_OLD")
	}
	w.t.put(w.item)
	out := writeOutput{ConsumedCapacity: capacity(w.t, in.ReturnConsumedCapacity, writeUnits(max(old.size(), w.item.size())), true)}
	if in.ReturnValues == "ALL_OLD" {
		out.Attributes = old
	}
	return out, nil
}

type getItemInput struct {
	legacy
	TableName                string
	Key                      Item
	ProjectionExpression     *string
	ExpressionAttributeNames map[string]string
	ConsistentRead           bool
	ReturnConsumedCapacity   string
}

// read is a GetItem checked and ready to run: in a transaction too.
type read struct {
	t          *Table
	key        Item
	projection []path
}

func (s *Service) prepareRead(c *protocol.Call, tableName string, key Item, projection *string, names map[string]string) (*read, *protocol.APIError) {
	t, aerr := s.itemTable(c, tableName)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := t.checkKey(key); aerr != nil {
		return nil, aerr
	}
	r, aerr := newRefs(names, nil, projection)
	if aerr != nil {
		return nil, aerr
	}
	rd := &read{t: t, key: key}
	if projection != nil {
		if rd.projection, aerr = parseProjection(*projection, r); aerr != nil {
			return nil, aerr
		}
	}
	if aerr := r.unused(); aerr != nil {
		return nil, aerr
	}
	return rd, nil
}

// run reads the item, projected.
func (rd *read) run() Item {
	it := rd.t.get(rd.key)
	if it == nil {
		return nil
	}
	if rd.projection != nil {
		return project(it, rd.projection)
	}
	return it.clone()
}

func (s *Service) getItem(c *protocol.Call, in getItemInput) (any, *protocol.APIError) {
	if aerr := in.refuse(); aerr != nil {
		return nil, aerr
	}
	if aerr := checkReturnCapacity(in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	rd, aerr := s.prepareRead(c, in.TableName, in.Key, in.ProjectionExpression, in.ExpressionAttributeNames)
	if aerr != nil {
		return nil, aerr
	}
	out := struct {
		Item             Item              `json:"Item,omitempty"`
		ConsumedCapacity *consumedCapacity `json:"ConsumedCapacity,omitempty"`
	}{Item: rd.run()}
	out.ConsumedCapacity = capacity(rd.t, in.ReturnConsumedCapacity, readUnits(rd.t.get(rd.key).size(), in.ConsistentRead), false)
	return out, nil
}

type deleteItemInput struct {
	legacy
	TableName                           string
	Key                                 Item
	ConditionExpression                 *string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]Value
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
}

// keyedWrite is a DeleteItem or ConditionCheck checked and ready to run.
type keyedWrite struct {
	t    *Table
	key  Item
	cond cond
}

func (s *Service) prepareKeyed(c *protocol.Call, tableName string, key Item, expr *string, names map[string]string, values map[string]Value) (*keyedWrite, *protocol.APIError) {
	t, aerr := s.itemTable(c, tableName)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := t.checkKey(key); aerr != nil {
		return nil, aerr
	}
	r, aerr := newRefs(names, values, expr)
	if aerr != nil {
		return nil, aerr
	}
	cd, aerr := condition(expr, r)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := r.unused(); aerr != nil {
		return nil, aerr
	}
	return &keyedWrite{t: t, key: key, cond: cd}, nil
}

func (s *Service) deleteItem(c *protocol.Call, in deleteItemInput) (any, *protocol.APIError) {
	if aerr := in.refuse(); aerr != nil {
		return nil, aerr
	}
	if aerr := checkReturns(in.ReturnValues, []string{"NONE", "ALL_OLD"}, in.ReturnValuesOnConditionCheckFailure, in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	w, aerr := s.prepareKeyed(c, in.TableName, in.Key, in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues)
	if aerr != nil {
		return nil, aerr
	}
	old := w.t.get(w.key)
	if w.cond != nil && !holds(old, w.cond) {
		return nil, conditionFailed(old, in.ReturnValuesOnConditionCheckFailure == "ALL_OLD")
	}
	w.t.remove(w.key)
	out := writeOutput{ConsumedCapacity: capacity(w.t, in.ReturnConsumedCapacity, writeUnits(old.size()), true)}
	if in.ReturnValues == "ALL_OLD" {
		out.Attributes = old
	}
	return out, nil
}

type updateItemInput struct {
	legacy
	TableName                           string
	Key                                 Item
	UpdateExpression                    *string
	ConditionExpression                 *string
	ExpressionAttributeNames            map[string]string
	ExpressionAttributeValues           map[string]Value
	ReturnValues                        string
	ReturnValuesOnConditionCheckFailure string
	ReturnConsumedCapacity              string
}

// updateWrite is an UpdateItem checked and ready to run.
type updateWrite struct {
	t    *Table
	key  Item
	upd  *update // nil: no UpdateExpression, the item is only created
	cond cond
}

func (s *Service) prepareUpdate(c *protocol.Call, in updateItemInput) (*updateWrite, *protocol.APIError) {
	t, aerr := s.itemTable(c, in.TableName)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := in.refuse(); aerr != nil {
		return nil, aerr
	}
	if aerr := t.checkKey(in.Key); aerr != nil {
		return nil, aerr
	}
	r, aerr := newRefs(in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.UpdateExpression, in.ConditionExpression)
	if aerr != nil {
		return nil, aerr
	}
	w := &updateWrite{t: t, key: in.Key}
	if in.UpdateExpression != nil {
		if w.upd, aerr = parseUpdate(*in.UpdateExpression, r); aerr != nil {
			return nil, aerr
		}
		for _, p := range w.upd.paths() {
			if t.isKey(p[0].name) {
				return nil, validation(invalidParams+"Cannot update attribute %s. This attribute is part of the key", p[0].name)
			}
		}
	}
	if w.cond, aerr = condition(in.ConditionExpression, r); aerr != nil {
		return nil, aerr
	}
	if aerr := r.unused(); aerr != nil {
		return nil, aerr
	}
	return w, nil
}

// next is the item the update makes of old.
func (w *updateWrite) next(old Item) (Item, *protocol.APIError) {
	if w.upd == nil {
		if old != nil {
			return old, nil
		}
		return w.key.clone(), nil
	}
	it, aerr := w.upd.apply(old, w.key)
	if aerr != nil {
		return nil, aerr
	}
	if it.size() > maxItemSize {
		return nil, validation("Item size to update has exceeded the maximum allowed size")
	}
	return it, nil
}

func (s *Service) updateItem(c *protocol.Call, in updateItemInput) (any, *protocol.APIError) {
	if aerr := checkReturns(in.ReturnValues, []string{"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"},
		in.ReturnValuesOnConditionCheckFailure, in.ReturnConsumedCapacity); aerr != nil {
		return nil, aerr
	}
	w, aerr := s.prepareUpdate(c, in)
	if aerr != nil {
		return nil, aerr
	}
	old := w.t.get(w.key)
	if w.cond != nil && !holds(old, w.cond) {
		return nil, conditionFailed(old, in.ReturnValuesOnConditionCheckFailure == "ALL_OLD")
	}
	it, aerr := w.next(old)
	if aerr != nil {
		return nil, aerr
	}
	w.t.put(it)
	out := writeOutput{ConsumedCapacity: capacity(w.t, in.ReturnConsumedCapacity, writeUnits(max(old.size(), it.size())), true)}
	switch in.ReturnValues {
	case "ALL_OLD":
		out.Attributes = old
	case "ALL_NEW":
		out.Attributes = it
	case "UPDATED_OLD", "UPDATED_NEW":
		if w.upd != nil {
			from := old
			if in.ReturnValues == "UPDATED_NEW" {
				from = it
			}
			out.Attributes = project(from, w.upd.paths())
		}
	}
	return out, nil
}
