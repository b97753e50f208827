package dynamodb

import (
	"hash/fnv"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- Query and Scan ---

// A Query reads one partition in sort key order; a Scan reads every
// partition, ordered by partition key as the simulator keeps them (AWS's
// order is by a hash of it: a client must not rely on either). Both stop
// after Limit items read (before the filter), or once 1 MB is read, and then
// answer LastEvaluatedKey, even when nothing is left, as AWS does.

// readSpec is what Query and Scan share once parsed.
type readSpec struct {
	t          *Table
	filter     cond
	projection []path
	count      bool // Select COUNT
	limit      int  // 0: none
	consistent bool
	capacity   string
}

// checkSelect checks Select against the projection.
func checkSelect(sel string, projection *string) *protocol.APIError {
	switch sel {
	case "":
	case "ALL_ATTRIBUTES":
		if projection != nil {
			return validation("Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
		}
	case "COUNT":
		if projection != nil {
			return validation("Cannot specify the ProjectionExpression when choosing to get only the Count")
		}
	case "SPECIFIC_ATTRIBUTES":
		if projection == nil {
			return validation("Must specify the ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
	case "ALL_PROJECTED_ATTRIBUTES":
		return validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
	default:
		return inputConstraint(sel, "select", "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]")
	}
	return nil
}

// prepareScan parses what Query and Scan share; key is the key condition
// expression (Query only), parsed with the same placeholders.
func (s *Service) prepareScan(c *protocol.Call, tableName string, index *string, l legacy, key *string, filter, projection *string,
	names map[string]string, values map[string]Value, limit *int, sel string, consistent bool, capacity string) (*readSpec, cond, *protocol.APIError) {
	t, aerr := s.itemTable(c, tableName)
	if aerr != nil {
		return nil, nil, aerr
	}
	if aerr := l.refuse(); aerr != nil {
		return nil, nil, aerr
	}
	if index != nil {
		return nil, nil, validation("The table does not have the specified index: %s", *index)
	}
	if limit != nil && *limit < 1 {
		return nil, nil, inputConstraint(*limit, "limit", "Member must have value greater than or equal to 1")
	}
	if aerr := checkSelect(sel, projection); aerr != nil {
		return nil, nil, aerr
	}
	if aerr := checkReturnCapacity(capacity); aerr != nil {
		return nil, nil, aerr
	}
	r, aerr := newRefs(names, values, key, filter, projection)
	if aerr != nil {
		return nil, nil, aerr
	}
	spec := &readSpec{t: t, count: sel == "COUNT", consistent: consistent, capacity: capacity}
	if limit != nil {
		spec.limit = *limit
	}
	var keyCond cond
	if key != nil {
		if keyCond, aerr = parseCondition("KeyConditionExpression", *key, r); aerr != nil {
			return nil, nil, aerr
		}
	}
	if filter != nil {
		if spec.filter, aerr = parseCondition("FilterExpression", *filter, r); aerr != nil {
			return nil, nil, aerr
		}
	}
	if projection != nil {
		if spec.projection, aerr = parseProjection(*projection, r); aerr != nil {
			return nil, nil, aerr
		}
	}
	if aerr := r.unused(); aerr != nil {
		return nil, nil, aerr
	}
	return spec, keyCond, nil
}

// run reads candidates in order, answering as Query and Scan do.
func (spec *readSpec) run(candidates []Item) map[string]any {
	items := []Item{}
	matched, scanned, size := 0, 0, 0
	var last Item
	for _, it := range candidates {
		scanned++
		size += it.size()
		if spec.filter == nil || holds(it, spec.filter) {
			matched++
			switch {
			case spec.count:
			case spec.projection != nil:
				p := project(it, spec.projection)
				if p == nil {
					p = Item{}
				}
				items = append(items, p)
			default:
				items = append(items, it.clone())
			}
		}
		if spec.limit > 0 && scanned == spec.limit || size >= maxPage {
			last = spec.t.keyOf(it)
			break
		}
	}
	out := map[string]any{"Count": matched, "ScannedCount": scanned}
	if !spec.count {
		out["Items"] = items
	}
	if last != nil {
		out["LastEvaluatedKey"] = last
	}
	if cc := capacity(spec.t, spec.capacity, readUnits(size, spec.consistent), false); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out
}

type queryInput struct {
	legacy
	TableName                 string
	IndexName                 *string
	KeyConditionExpression    *string
	FilterExpression          *string
	ProjectionExpression      *string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]Value
	ScanIndexForward          *bool
	Limit                     *int
	ExclusiveStartKey         Item
	Select                    string
	ConsistentRead            bool
	ReturnConsumedCapacity    string
}

func (s *Service) query(c *protocol.Call, in queryInput) (any, *protocol.APIError) {
	if in.KeyConditionExpression == nil && in.KeyConditions == nil {
		if _, aerr := s.itemTable(c, in.TableName); aerr != nil {
			return nil, aerr
		}
		return nil, validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	spec, kc, aerr := s.prepareScan(c, in.TableName, in.IndexName, in.legacy, in.KeyConditionExpression, in.FilterExpression,
		in.ProjectionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.Limit, in.Select, in.ConsistentRead, in.ReturnConsumedCapacity)
	if aerr != nil {
		return nil, aerr
	}
	t := spec.t
	partition, sortCond, aerr := t.keyCondition(kc)
	if aerr != nil {
		return nil, aerr
	}
	if spec.filter != nil {
		for _, p := range condPaths(spec.filter) {
			if t.isKey(p[0].name) {
				return nil, validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", p[0].name)
			}
		}
	}
	var items []Item
	for _, it := range t.ordered(keyText(partition)) {
		if sortCond == nil || holds(it, sortCond) {
			items = append(items, it)
		}
	}
	forward := in.ScanIndexForward == nil || *in.ScanIndexForward
	rk := t.rangeKey()
	if !forward {
		slices.Reverse(items)
	}
	if in.ExclusiveStartKey != nil {
		if aerr := t.checkStartKey(in.ExclusiveStartKey); aerr != nil {
			return nil, aerr
		}
		if !equal(in.ExclusiveStartKey[t.hashKey()], partition) {
			return nil, validation("The provided starting key is outside query boundaries based on provided conditions")
		}
		start := in.ExclusiveStartKey[rk]
		items = slices.DeleteFunc(items, func(it Item) bool {
			if rk == "" {
				return true // the partition's one item was the start
			}
			n, _ := compare(it[rk], start)
			return forward && n <= 0 || !forward && n >= 0
		})
	}
	return spec.run(items), nil
}

// checkStartKey checks an ExclusiveStartKey against the key schema.
func (t *Table) checkStartKey(key Item) *protocol.APIError {
	if aerr := t.checkKey(key); aerr != nil {
		return validation("The provided starting key is invalid: %s", aerr.Message)
	}
	return nil
}

// keyCondition takes a KeyConditionExpression apart: the partition key's
// value, and the sort key's condition if it has one.
func (t *Table) keyCondition(c cond) (Value, cond, *protocol.APIError) {
	var parts []cond
	var split func(c cond, depth int) *protocol.APIError
	split = func(c cond, depth int) *protocol.APIError {
		switch x := c.(type) {
		case parenCond:
			return split(x.a, depth)
		case andCond:
			if depth > 0 {
				return validation("Conditions can be of length 1 or 2 only")
			}
			if aerr := split(x.a, depth+1); aerr != nil {
				return aerr
			}
			return split(x.b, depth+1)
		case orCond:
			return validation("Invalid operator used in KeyConditionExpression: OR")
		case notCond:
			return validation("Invalid operator used in KeyConditionExpression: NOT")
		case inCond:
			return validation("Invalid operator used in KeyConditionExpression: IN")
		}
		parts = append(parts, c)
		return nil
	}
	if aerr := split(c, 0); aerr != nil {
		return Value{}, nil, aerr
	}
	var partition *Value
	var sortCond cond
	unsupported := validation("Query key condition not supported")
	for _, part := range parts {
		name, values, aerr := keyPart(part)
		if aerr != nil {
			return Value{}, nil, aerr
		}
		if name == "" || !t.isKey(name) {
			return Value{}, nil, unsupported
		}
		for _, v := range values {
			if v.t != t.attrType(name) {
				return Value{}, nil, validation(invalidParams + "Condition parameter type does not match schema type")
			}
		}
		switch {
		case name == t.hashKey():
			cmp, ok := part.(compareCond)
			if !ok || cmp.op != "=" || partition != nil {
				return Value{}, nil, unsupported
			}
			partition = &values[0]
		default: // the sort key
			if sortCond != nil {
				return Value{}, nil, unsupported
			}
			if f, ok := part.(funcCond); ok && t.attrType(name) == typeN {
				return Value{}, nil, validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: %s, operand type: N", f.name)
			}
			sortCond = part
		}
	}
	if partition == nil {
		return Value{}, nil, validation("Query condition missed key schema element: %s", t.hashKey())
	}
	return *partition, sortCond, nil
}

// keyPart is the attribute one part of a key condition is on and the values
// it compares with. A comparison with the value first is turned around.
func keyPart(c cond) (string, []Value, *protocol.APIError) {
	unsupported := validation("Query key condition not supported")
	attr := func(o operand) string {
		if p, ok := o.(pathOp); ok && len(p.p) == 1 {
			return p.p[0].name
		}
		return ""
	}
	val := func(o operand) (Value, bool) {
		v, ok := o.(valueOp)
		return v.v, ok
	}
	switch x := c.(type) {
	case compareCond:
		if x.op == "<>" {
			return "", nil, validation("Unsupported operator in KeyConditionExpression: <>")
		}
		name, v, ok := attr(x.a), Value{}, false
		if name != "" {
			v, ok = val(x.b)
		} else if name = attr(x.b); name != "" {
			v, ok = val(x.a)
		}
		if name == "" || !ok {
			return "", nil, unsupported
		}
		return name, []Value{v}, nil
	case betweenCond:
		lo, lok := val(x.lo)
		hi, hok := val(x.hi)
		if name := attr(x.a); name != "" && lok && hok {
			return name, []Value{lo, hi}, nil
		}
		return "", nil, unsupported
	case funcCond:
		if x.name != "begins_with" {
			return "", nil, validation("Invalid operator used in KeyConditionExpression: %s", x.name)
		}
		if v, ok := val(x.args[1]); ok && attr(x.args[0]) != "" {
			return attr(x.args[0]), []Value{v}, nil
		}
	}
	return "", nil, unsupported
}

type scanInput struct {
	legacy
	TableName                 string
	IndexName                 *string
	FilterExpression          *string
	ProjectionExpression      *string
	ExpressionAttributeNames  map[string]string
	ExpressionAttributeValues map[string]Value
	Limit                     *int
	ExclusiveStartKey         Item
	Select                    string
	ConsistentRead            bool
	Segment                   *int
	TotalSegments             *int
	ReturnConsumedCapacity    string
}

func (s *Service) scan(c *protocol.Call, in scanInput) (any, *protocol.APIError) {
	spec, _, aerr := s.prepareScan(c, in.TableName, in.IndexName, in.legacy, nil, in.FilterExpression, in.ProjectionExpression,
		in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.Limit, in.Select, in.ConsistentRead, in.ReturnConsumedCapacity)
	if aerr != nil {
		return nil, aerr
	}
	segment, total, aerr := checkSegments(in.Segment, in.TotalSegments)
	if aerr != nil {
		return nil, aerr
	}
	t := spec.t
	rk := t.rangeKey()
	var items []Item
	for _, p := range sortedKeys(t.Items) {
		if total > 1 && int(segmentOf(p, total)) != segment {
			continue
		}
		part := make([]Item, 0, len(t.Items[p]))
		for _, it := range t.Items[p] {
			part = append(part, it)
		}
		slices.SortFunc(part, func(a, b Item) int {
			n, _ := compare(a[rk], b[rk])
			return n
		})
		items = append(items, part...)
	}
	if in.ExclusiveStartKey != nil {
		if aerr := t.checkStartKey(in.ExclusiveStartKey); aerr != nil {
			return nil, aerr
		}
		startPartition := keyText(in.ExclusiveStartKey[t.hashKey()])
		items = slices.DeleteFunc(items, func(it Item) bool {
			p := keyText(it[t.hashKey()])
			if p != startPartition {
				return strings.Compare(p, startPartition) < 0
			}
			if rk == "" {
				return true
			}
			n, _ := compare(it[rk], in.ExclusiveStartKey[rk])
			return n <= 0
		})
	}
	return spec.run(items), nil
}

// checkSegments checks a parallel scan's Segment and TotalSegments.
func checkSegments(segment, total *int) (int, int, *protocol.APIError) {
	switch {
	case segment == nil && total == nil:
		return 0, 1, nil
	case total == nil:
		return 0, 0, validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case segment == nil:
		return 0, 0, validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case *total < 1 || *total > 1000000:
		return 0, 0, inputConstraint(*total, "totalSegments", "Member must have value between 1 and 1000000")
	case *segment < 0 || *segment >= *total:
		return 0, 0, validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *segment, *total)
	}
	return *segment, *total, nil
}

// segmentOf is the parallel scan segment a partition falls in.
func segmentOf(partition string, total int) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(partition))
	return h.Sum32() % uint32(total)
}
