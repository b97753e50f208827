package dynamodb

import (
	"fmt"
	"sort"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of the DynamoDB operations, as "Actions, resources, and
// condition keys for Amazon DynamoDB" lists it: every operation is
// dynamodb:<Operation> on the table (arn:aws:dynamodb:<region>:<account>:table/<name>),
// with the table's tags as aws:ResourceTag/…, except ListTables, on "*".
// BatchGetItem and BatchWriteItem are authorized on every table they name;
// a transaction has no action of its own: each of its actions is authorized
// as the single call (dynamodb:ConditionCheckItem, PutItem, UpdateItem,
// DeleteItem; dynamodb:GetItem for TransactGetItems). The fine-grained keys
// (dynamodb:LeadingKeys, dynamodb:Attributes, …) are not set.

// tableAccess is action (empty: the call's own) on the table a name or ARN gives.
func (s *Service) tableAccess(c *protocol.Call, nameOrArn, action string) protocol.Access {
	key, _ := s.tableKey(c, nameOrArn)
	parts := strings.SplitN(key, "/", 3)
	a := protocol.Access{Action: action, Resource: fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", parts[1], parts[0], parts[2])}
	if t := s.state.Tables[key]; t != nil {
		for k, v := range t.Tags {
			setContext(&a, "aws:ResourceTag/"+k, v)
		}
	}
	return a
}

// onTable authorizes an operation on the table its input names, by name or ARN
// (a tagging call's ResourceArn).
func onTable[In any](s *Service, name func(In) string) func(*protocol.Call, In) []protocol.Access {
	return func(c *protocol.Call, in In) []protocol.Access {
		return []protocol.Access{s.tableAccess(c, name(in), "")}
	}
}

func (s *Service) onCreateTable(c *protocol.Call, in createTableInput) []protocol.Access {
	a := s.tableAccess(c, in.TableName, "")
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	requestTags(&a, tags)
	return []protocol.Access{a}
}

func (s *Service) onTagResource(c *protocol.Call, in tagResourceInput) []protocol.Access {
	a := s.tableAccess(c, in.ResourceArn, "")
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	requestTags(&a, tags)
	return []protocol.Access{a}
}

func (s *Service) onUntagResource(c *protocol.Call, in untagResourceInput) []protocol.Access {
	a := s.tableAccess(c, in.ResourceArn, "")
	if len(in.TagKeys) > 0 {
		keys := append([]string(nil), in.TagKeys...)
		sort.Strings(keys)
		setContext(&a, "aws:TagKeys", keys...)
	}
	return []protocol.Access{a}
}

func (s *Service) onBatchGet(c *protocol.Call, in batchGetInput) []protocol.Access {
	var access []protocol.Access
	for _, name := range sortedKeys(in.RequestItems) {
		access = append(access, s.tableAccess(c, name, ""))
	}
	return access
}

func (s *Service) onBatchWrite(c *protocol.Call, in batchWriteInput) []protocol.Access {
	var access []protocol.Access
	for _, name := range sortedKeys(in.RequestItems) {
		access = append(access, s.tableAccess(c, name, ""))
	}
	return access
}

func (s *Service) onTransactWrite(c *protocol.Call, in transactWriteInput) []protocol.Access {
	var access []protocol.Access
	seen := map[string]bool{}
	add := func(x *transactCheck, action string) {
		if x == nil || seen[action+" "+x.TableName] {
			return
		}
		seen[action+" "+x.TableName] = true
		access = append(access, s.tableAccess(c, x.TableName, action))
	}
	for _, ti := range in.TransactItems {
		add(ti.ConditionCheck, "dynamodb:ConditionCheckItem")
		add(ti.Put, "dynamodb:PutItem")
		add(ti.Update, "dynamodb:UpdateItem")
		add(ti.Delete, "dynamodb:DeleteItem")
	}
	return access
}

func (s *Service) onTransactGet(c *protocol.Call, in transactGetInput) []protocol.Access {
	var access []protocol.Access
	seen := map[string]bool{}
	for _, ti := range in.TransactItems {
		if ti.Get != nil && !seen[ti.Get.TableName] {
			seen[ti.Get.TableName] = true
			access = append(access, s.tableAccess(c, ti.Get.TableName, "dynamodb:GetItem"))
		}
	}
	return access
}

// setContext sets a condition key of a, making its Context if need be.
func setContext(a *protocol.Access, key string, values ...string) {
	if a.Context == nil {
		a.Context = map[string][]string{}
	}
	a.Context[key] = values
}

// requestTags sets the aws:RequestTag/… and aws:TagKeys keys of tags a call sets.
func requestTags(a *protocol.Access, tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	for k, v := range tags {
		setContext(a, "aws:RequestTag/"+k, v)
	}
	setContext(a, "aws:TagKeys", sortedKeys(tags)...)
}
