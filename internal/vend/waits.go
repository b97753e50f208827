package vend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// The waits table (Config.WaitTable, DynamoDB on demand: nothing to pay while
// nobody waits) holds the task tokens of executions waiting on a callback
// (the workflow's .waitForTaskToken states), so whatever sees the awaited
// thing happen can wake them:
//
//   - a waiter for an Account Factory operation, one item per request, under
//     the account's id (enroll, update) or, for a create, the account's name
//     (Control Tower's lifecycle events carry both, never a request id);
//     the lifecycle function wakes it when CreateManagedAccount or
//     UpdateManagedAccount arrives for that account;
//   - the waiting line of each OU (auto-enrollment: Control Tower moves one
//     account at a time into an OU), under "ou#" and the OU's id, in the
//     same order: the request whose move into the OU ends wakes the next;
//   - the waiting line for a Control Tower slot, in arrival order (the
//     execution's start time, then the request id): whoever sees a slot free
//     (a lifecycle event, provisionstatus noticing an operation ended without
//     one, provision starting with slots to spare) wakes the longest waiter,
//     which asks the gate again. Control Tower's own count stays the gate.
//
// Every wait also has a timeout in the workflow after which the execution
// looks for itself, so a lost event or a crashed waker delays a request by at
// most that long; a token that can no longer be woken (its wait timed out,
// its execution ended) is dropped by the first waker that meets it.
//
// The table's key schema (the stack and the local runtime create it so).
const (
	WaitPartitionKey = "pk"
	WaitSortKey      = "sk"
	// WaitExpiresAttribute is the table's time-to-live attribute (epoch
	// seconds): DynamoDB removes what a dead execution left behind.
	WaitExpiresAttribute = "expiresAt"
)

const (
	waitKey     = WaitPartitionKey
	waitSort    = WaitSortKey
	waitExpires = WaitExpiresAttribute
	waitToken   = "token"
	// wokenAt (epoch seconds) marks a line entry whose execution was handed a
	// slot and has not yet taken it.
	waitWokenAt = "wokenAt"

	linePartition = "line"
	// waitTTL outlives any wait: a line entry is written again at every turn.
	waitTTL = 7 * 24 * time.Hour
	// wokenGrace is how long a woken line entry counts as on its way to its
	// slot; after it, it is woken again (and dropped if it cannot be).
	wokenGrace = 10 * time.Minute
)

// WaitsAPI is the part of DynamoDB the waits table needs.
type WaitsAPI interface {
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Wake is what woke an execution from a callback wait: the output the waker
// sent with SendTaskSuccess, or, when the wait timed out, the Catch's error
// (Error, Cause) — the workflow keeps either under the document's "wake".
type Wake struct {
	// Source is who woke it: "event" (the lifecycle function, on Control
	// Tower's event), "await" (the await function found it done already),
	// "slot" (a slot was freed).
	Source string `json:"source,omitempty"`
	// Event and State are the lifecycle event's name and state.
	Event     string `json:"event,omitempty"`
	State     string `json:"state,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	// Error and Cause are set by the workflow's Catch when the wait timed out
	// (States.Timeout): the execution checks for itself.
	Error string `json:"Error,omitempty"`
	Cause string `json:"Cause,omitempty"`
}

// byEvent reports whether a lifecycle event ended the wait.
func (w *Wake) byEvent() bool { return w != nil && w.Source == "event" }

func (d *Deps) waitsReady() error {
	if d.Waits == nil || d.Config.WaitTable == "" {
		return stepErr(ErrFailed, "no waits table is configured (%s); the stack sets it, a local runtime creates it", EnvWaitTable)
	}
	return nil
}

func str(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
func num(n int64) ddbtypes.AttributeValue {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func attrString(item map[string]ddbtypes.AttributeValue, name string) string {
	if v, ok := item[name].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func attrInt(item map[string]ddbtypes.AttributeValue, name string) int64 {
	if v, ok := item[name].(*ddbtypes.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

// operationKeys are the partitions an operation's waiter is kept under: the
// account's id when known, else (a create) the account's name.
func operationKeys(doc *Doc) []string {
	if doc.AccountID != "" {
		return []string{"op#account#" + doc.AccountID}
	}
	if doc.Plan != nil && doc.Plan.AccountName != "" {
		return []string{"op#name#" + doc.Plan.AccountName}
	}
	return nil
}

// lineKey orders the waiting line: the execution's start time (fixed width,
// so strings sort as times), then the request id.
func lineKey(doc *Doc) string {
	at := time.Time{}
	if doc.Execution != nil {
		at, _ = time.Parse(time.RFC3339Nano, doc.Execution.StartTime)
	}
	return at.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + doc.Request.RequestID
}

// putWaiter stores a task token under a partition and sort key.
func (d *Deps) putWaiter(ctx context.Context, pk, sk, taskToken string, extra map[string]ddbtypes.AttributeValue) error {
	item := map[string]ddbtypes.AttributeValue{waitKey: str(pk), waitSort: str(sk), waitToken: str(taskToken),
		waitExpires: num(d.Clock.Now().Add(waitTTL).Unix())}
	for k, v := range extra {
		item[k] = v
	}
	_, err := d.Waits.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.Config.WaitTable), Item: item})
	if err != nil {
		return awsErr("dynamodb:PutItem", err)
	}
	return nil
}

// dropWaiter deletes an item if it still holds that token (a newer wait of
// the same request is kept).
func (d *Deps) dropWaiter(ctx context.Context, pk, sk, taskToken string) error {
	in := &dynamodb.DeleteItemInput{TableName: aws.String(d.Config.WaitTable),
		Key: map[string]ddbtypes.AttributeValue{waitKey: str(pk), waitSort: str(sk)}}
	if taskToken != "" {
		in.ConditionExpression = aws.String("#t = :t")
		in.ExpressionAttributeNames = map[string]string{"#t": waitToken}
		in.ExpressionAttributeValues = map[string]ddbtypes.AttributeValue{":t": str(taskToken)}
	}
	_, err := d.Waits.DeleteItem(ctx, in)
	var ccf *ddbtypes.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return awsErr("dynamodb:DeleteItem", err)
	}
	return nil
}

// query reads a partition in sort order, every page, at most limit items (0: all).
func (d *Deps) query(ctx context.Context, pk string, limit int) ([]map[string]ddbtypes.AttributeValue, error) {
	var out []map[string]ddbtypes.AttributeValue
	in := &dynamodb.QueryInput{TableName: aws.String(d.Config.WaitTable), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("#k = :k"),
		ExpressionAttributeNames:  map[string]string{"#k": waitKey},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":k": str(pk)}}
	if limit > 0 {
		in.Limit = aws.Int32(int32(limit))
	}
	for {
		page, err := d.Waits.Query(ctx, in)
		if err != nil {
			return nil, awsErr("dynamodb:Query", err)
		}
		out = append(out, page.Items...)
		if len(page.LastEvaluatedKey) == 0 || limit > 0 && len(out) >= limit {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// wakeTask sends a waiting task its wake. It reports false when the token
// can no longer be woken: its wait timed out or its execution ended.
func (d *Deps) wakeTask(ctx context.Context, taskToken string, w Wake) (bool, error) {
	out, err := json.Marshal(w)
	if err != nil {
		return false, err
	}
	_, err = d.SFN.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(taskToken), Output: aws.String(string(out))})
	var timedOut *sfntypes.TaskTimedOut
	var gone *sfntypes.TaskDoesNotExist
	var invalid *sfntypes.InvalidToken
	switch {
	case errors.As(err, &timedOut), errors.As(err, &gone), errors.As(err, &invalid):
		return false, nil
	case err != nil:
		return false, awsErr("states:SendTaskSuccess", err)
	}
	return true, nil
}

// wakeOperation wakes every execution waiting for an Account Factory
// operation on the account (by id, and by name for a create) and removes
// their waiters. It returns how many it woke.
func (d *Deps) wakeOperation(ctx context.Context, accountID, accountName string, w Wake) (int, error) {
	var keys []string
	if accountID != "" {
		keys = append(keys, "op#account#"+accountID)
	}
	if accountName != "" {
		keys = append(keys, "op#name#"+accountName)
	}
	woken := 0
	for _, pk := range keys {
		items, err := d.query(ctx, pk, 0)
		if err != nil {
			return woken, err
		}
		for _, it := range items {
			tok := attrString(it, waitToken)
			ok, err := d.wakeTask(ctx, tok, w)
			if err != nil {
				return woken, err
			}
			if ok {
				woken++
			}
			if err := d.dropWaiter(ctx, pk, attrString(it, waitSort), tok); err != nil {
				return woken, err
			}
		}
	}
	return woken, nil
}

// awaitedCreate returns the request waiting for an Account Factory create of
// an account with that name, or "".
func (d *Deps) awaitedCreate(ctx context.Context, accountName string) (string, error) {
	if accountName == "" || d.waitsReady() != nil {
		return "", nil
	}
	items, err := d.query(ctx, "op#name#"+accountName, 1)
	if err != nil || len(items) == 0 {
		return "", err
	}
	return attrString(items[0], waitSort), nil
}

// wakeLine hands n free slots to the longest waiters: each is woken and
// marked, and asks the gate again. An entry woken within wokenGrace is on its
// way and has claimed one of the n; entries that cannot be woken are dropped.
// No slot is lost when a claim lapses: whoever starts an operation counts
// Control Tower's slots afresh and hands on the ones left. It returns how many
// it woke; except is a line key not to wake (the caller's own). With
// aheadOnly only the entries before except are looked at: a request that
// must wait for those ahead of it hands its free slots to them and never to
// those behind it (who would see it ahead of them and hand the slots back,
// and so on for as long as the slots stay free).
func (d *Deps) wakeLine(ctx context.Context, n int, except string, aheadOnly bool) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	now := d.Clock.Now()
	woken, claimed := 0, 0
	var start map[string]ddbtypes.AttributeValue
	for {
		in := &dynamodb.QueryInput{TableName: aws.String(d.Config.WaitTable), ConsistentRead: aws.Bool(true), Limit: aws.Int32(25),
			KeyConditionExpression:    aws.String("#k = :k"),
			ExpressionAttributeNames:  map[string]string{"#k": waitKey},
			ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":k": str(linePartition)},
			ExclusiveStartKey:         start}
		page, err := d.Waits.Query(ctx, in)
		if err != nil {
			return woken, awsErr("dynamodb:Query", err)
		}
		for _, it := range page.Items {
			sk, tok := attrString(it, waitSort), attrString(it, waitToken)
			if aheadOnly && sk >= except {
				return woken, nil
			}
			if sk == except {
				continue
			}
			if at := attrInt(it, waitWokenAt); at > 0 && now.Sub(time.Unix(at, 0)) < wokenGrace {
				// Woken moments ago and on its way: one of the free slots is its.
				if claimed++; woken+claimed >= n {
					return woken, nil
				}
				continue
			}
			ok, err := d.wakeTask(ctx, tok, Wake{Source: "slot"})
			if err != nil {
				return woken, err
			}
			if !ok {
				if err := d.dropWaiter(ctx, linePartition, sk, tok); err != nil {
					return woken, err
				}
				continue
			}
			if err := d.markWoken(ctx, sk, tok, now); err != nil {
				return woken, err
			}
			if woken++; woken+claimed >= n {
				return woken, nil
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return woken, nil
		}
		start = page.LastEvaluatedKey
	}
}

// markWoken notes that a line entry was handed a slot.
func (d *Deps) markWoken(ctx context.Context, sk, taskToken string, now time.Time) error {
	_, err := d.Waits.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(d.Config.WaitTable),
		Key:                       map[string]ddbtypes.AttributeValue{waitKey: str(linePartition), waitSort: str(sk)},
		UpdateExpression:          aws.String("SET #w = :w"),
		ConditionExpression:       aws.String("#t = :t"),
		ExpressionAttributeNames:  map[string]string{"#w": waitWokenAt, "#t": waitToken},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":w": num(now.Unix()), ":t": str(taskToken)}})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return awsErr("dynamodb:UpdateItem", err)
	}
	return nil
}

// lineAhead counts the requests waiting in line before key. DynamoDB counts
// (Select COUNT): the answer carries no items, only the count (DynamoDB
// still reads the entries, one call per megabyte of them).
func (d *Deps) lineAhead(ctx context.Context, key string) (int, error) {
	return d.aheadIn(ctx, linePartition, key)
}

// aheadIn counts the entries of a line (partition pk) before key.
func (d *Deps) aheadIn(ctx context.Context, pk, key string) (int, error) {
	in := &dynamodb.QueryInput{TableName: aws.String(d.Config.WaitTable), ConsistentRead: aws.Bool(true),
		Select:                 ddbtypes.SelectCount,
		KeyConditionExpression: aws.String("#k = :k AND #s < :s"),
		// A create's place in an OU's line counts while it holds (ouHoldUntil).
		FilterExpression:          aws.String("attribute_not_exists(#h) OR #h > :now"),
		ExpressionAttributeNames:  map[string]string{"#k": waitKey, "#s": waitSort, "#h": ouHoldUntil},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":k": str(pk), ":s": str(key), ":now": num(d.Clock.Now().Unix())}}
	ahead := 0
	for {
		page, err := d.Waits.Query(ctx, in)
		if err != nil {
			return ahead, awsErr("dynamodb:Query", err)
		}
		ahead += int(page.Count)
		if len(page.LastEvaluatedKey) == 0 {
			return ahead, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// leaveLine removes the request's own line entry once it has its slot.
func (d *Deps) leaveLine(ctx context.Context, doc *Doc) error {
	return d.dropWaiter(ctx, linePartition, lineKey(doc), "")
}

// Await is the await step: it stores the task token of a workflow state that
// waits on a callback (.waitForTaskToken) where the awaited thing's waker
// finds it, and returns; the execution waits until woken or until the state's
// timeout. For an operation it also looks once (DescribeRecord) and wakes the
// execution itself if Control Tower finished before the token was stored.
func (d *Deps) Await(ctx context.Context, in AwaitInput) (AwaitResult, error) {
	if err := d.waitsReady(); err != nil {
		return AwaitResult{}, err
	}
	doc := in.Doc
	if doc == nil || in.TaskToken == "" {
		return AwaitResult{}, stepErr(ErrFailed, "await needs the document and the task token ($$.Task.Token)")
	}
	log := d.logger(doc, "await")
	switch in.Wait {
	case AwaitSlot:
		key := lineKey(doc)
		if q := doc.Queue; q != nil && q.OU != "" {
			pk, wants := ouPartition(q.OU), wantsCreate
			if doc.Plan == nil || movePhase(doc) || doc.Plan.Operation != OpCreateAccount {
				wants = wantsMove
			}
			if err := d.putWaiter(ctx, pk, key, in.TaskToken, map[string]ddbtypes.AttributeValue{"requestId": str(doc.Request.RequestID),
				ouWants: str(wants)}); err != nil {
				return AwaitResult{}, err
			}
			log.Info("waiting for Control Tower to finish moving another account into the OU", "ou", q.OU, "line", key)
			return AwaitResult{Waiting: AwaitSlot, Keys: []string{pk + "/" + key}}, nil
		}
		if err := d.putWaiter(ctx, linePartition, key, in.TaskToken, map[string]ddbtypes.AttributeValue{"requestId": str(doc.Request.RequestID)}); err != nil {
			return AwaitResult{}, err
		}
		log.Info("waiting in line for a Control Tower slot", "line", key)
		return AwaitResult{Waiting: AwaitSlot, Keys: []string{linePartition + "/" + key}}, nil
	case AwaitOperation:
		op := doc.Operation
		if op == nil || op.RecordID == "" {
			return AwaitResult{}, stepErr(ErrFailed, "await: the document has no Account Factory operation to wait for")
		}
		keys := operationKeys(doc)
		if len(keys) == 0 {
			return AwaitResult{}, stepErr(ErrFailed, "await: the document names neither the account's id nor its name")
		}
		for _, pk := range keys {
			if err := d.putWaiter(ctx, pk, doc.Request.RequestID, in.TaskToken, map[string]ddbtypes.AttributeValue{"recordId": str(op.RecordID)}); err != nil {
				return AwaitResult{}, err
			}
		}
		status, err := d.recordStatus(ctx, op.RecordID)
		if err != nil {
			return AwaitResult{}, err
		}
		if status == "SUCCEEDED" || status == "FAILED" {
			// Finished before the token was stored: its event may be gone already.
			if _, err := d.wakeTask(ctx, in.TaskToken, Wake{Source: "await", State: status}); err != nil {
				return AwaitResult{}, err
			}
			for _, pk := range keys {
				if err := d.dropWaiter(ctx, pk, doc.Request.RequestID, in.TaskToken); err != nil {
					return AwaitResult{}, err
				}
			}
			return AwaitResult{Waiting: AwaitOperation, Keys: keys, Woken: true}, nil
		}
		log.Info("waiting for Control Tower's event", "recordId", op.RecordID, "keys", keys)
		return AwaitResult{Waiting: AwaitOperation, Keys: keys}, nil
	}
	return AwaitResult{}, stepErr(ErrFailed, "await: unknown wait %q (want %s or %s)", in.Wait, AwaitSlot, AwaitOperation)
}

// What Await waits for.
const (
	AwaitSlot      = "slot"
	AwaitOperation = "operation"
)

// AwaitInput is the await function's payload, written by the workflow's
// callback states.
type AwaitInput struct {
	Wait      string `json:"wait"`
	TaskToken string `json:"taskToken"`
	Doc       *Doc   `json:"doc"`
}

// AwaitResult is the await function's answer (Step Functions discards it:
// the state's result is what the waker sends).
type AwaitResult struct {
	Waiting string   `json:"waiting"`
	Keys    []string `json:"keys"`
	// Woken is set when the awaited thing had happened already.
	Woken bool `json:"woken,omitempty"`
}

// recordStatus is an Account Factory record's status.
func (d *Deps) recordStatus(ctx context.Context, recordID string) (string, error) {
	out, err := d.Catalog.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(recordID)})
	if err != nil {
		return "", awsErr("servicecatalog:DescribeRecord", err)
	}
	if out.RecordDetail == nil {
		return "", fmt.Errorf("servicecatalog:DescribeRecord %s: no record detail", recordID)
	}
	return string(out.RecordDetail.Status), nil
}
