package vend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Requests on one account take turns, in arrival order. Two requests that
// change one account at once trip over each other: Service Catalog refuses an
// update or termination of a product that is still changing, and a close
// that unmanages the account under a running update leaves that update's
// later steps acting on an account that is gone. So Validate first takes a
// turn for the account: it writes the request's entry under "turn#<account>"
// in the waits table, ordered like the Control Tower line (the execution's
// start time, then the request id), and looks at the entries before it. An
// entry whose execution still runs is a request that came first: the plan is
// deferred (the workflow waits Deferral.WaitSeconds and validates again, so
// the plan is made against the account as that request left it). An entry
// whose execution ended is dropped. A request's own entry is removed when it
// ends (succeeded, rejected, skipped, failed); one left by an execution that
// was stopped is dropped by the next request that meets it.
//
// Creates take no turn (the account does not exist yet; two creates of one
// name are told apart by Validate's product-name check).
const (
	turnPartition  = "turn#"
	firstTurnCheck = 60 * time.Second
	maxTurnCheck   = 5 * time.Minute
)

// turnKey is the request's turn partition, "" when it takes none: no
// account id, no waits table, or no execution to rank it by (a step called
// on its own).
func (d *Deps) turnKey(doc *Doc) string {
	if doc.Request.Account.ID == "" || doc.Execution == nil || d.waitsReady() != nil {
		return ""
	}
	return turnPartition + doc.Request.Account.ID
}

// awaitTurn takes the request's turn on its account. It reports true when an
// earlier request on the account is still running; the document's Deferral
// then says which and when to look again.
func (d *Deps) awaitTurn(ctx context.Context, doc *Doc) (bool, error) {
	pk := d.turnKey(doc)
	if pk == "" {
		return false, nil
	}
	me := lineKey(doc)
	arn := executionArn(doc.Execution)
	if err := d.putWaiter(ctx, pk, me, "", map[string]ddbtypes.AttributeValue{
		"requestId": str(doc.Request.RequestID), "execution": str(arn)}); err != nil {
		return false, err
	}
	ahead, err := d.Waits.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(d.Config.WaitTable), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("#k = :k AND #s < :s"),
		ExpressionAttributeNames:  map[string]string{"#k": waitKey, "#s": waitSort},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":k": str(pk), ":s": str(me)}})
	if err != nil {
		return false, awsErr("dynamodb:Query", err)
	}
	for _, it := range ahead.Items {
		other, running, err := d.executionRunning(ctx, attrString(it, "execution"))
		if err != nil {
			return false, err
		}
		if !running {
			if err := d.dropWaiter(ctx, pk, attrString(it, waitSort), ""); err != nil {
				return false, err
			}
			continue
		}
		d.deferForTurn(doc, attrString(it, "requestId"), other)
		return true, nil
	}
	if def := doc.Deferral; def != nil && len(def.Behind) > 0 {
		since, _ := time.Parse(time.RFC3339, def.Since)
		doc.Notes = append(doc.Notes, fmt.Sprintf("waited %s for the requests on account %s that came first to finish (%s)",
			d.Clock.Now().Sub(since).Round(time.Second), doc.Request.Account.ID, strings.Join(def.Behind, ", ")))
		doc.Deferral = nil
	}
	return false, nil
}

// deferForTurn sets the document's deferral behind requestID.
func (d *Deps) deferForTurn(doc *Doc, requestID string, started time.Time) {
	now := d.Clock.Now()
	def := doc.Deferral
	if def == nil || len(def.Behind) == 0 {
		def = &Deferral{Since: now.UTC().Format(time.RFC3339)}
		doc.Deferral = def
	}
	def.Checks++
	if !slices.Contains(def.Behind, requestID) {
		def.Behind = append(def.Behind, requestID)
	}
	def.WaitSeconds = int(min(firstTurnCheck<<min(def.Checks-1, 8), maxTurnCheck) / time.Second)
	def.Reason = fmt.Sprintf("request %s (started %s) is still changing account %s; requests on one account run one at a time, in the order they arrived, "+
		"so this one starts when that one ends (towervend looks again in %s)",
		requestID, started.UTC().Format(time.RFC3339), doc.Request.Account.ID, time.Duration(def.WaitSeconds)*time.Second)
}

// endTurn removes the request's turn entry: it has ended, and the next
// request on the account may go. Best effort: a leftover entry is dropped by
// the next request once it sees the execution ended.
func (d *Deps) endTurn(ctx context.Context, doc *Doc) {
	pk := d.turnKey(doc)
	if pk == "" {
		return
	}
	if err := d.dropWaiter(ctx, pk, lineKey(doc), ""); err != nil {
		d.logger(doc, "turn").Warn("cannot end the request's turn on the account; the next request drops it", "error", err.Error())
	}
}

// retakeTurn puts a redriven request's entry back at its original place, so
// requests that arrived after it wait for it again.
func (d *Deps) retakeTurn(ctx context.Context, doc *Doc) error {
	pk := d.turnKey(doc)
	if pk == "" {
		return nil
	}
	return d.putWaiter(ctx, pk, lineKey(doc), "", map[string]ddbtypes.AttributeValue{
		"requestId": str(doc.Request.RequestID), "execution": str(executionArn(doc.Execution))})
}

// executionRunning reports whether the execution still runs, and when it started.
func (d *Deps) executionRunning(ctx context.Context, arn string) (time.Time, bool, error) {
	if arn == "" {
		return time.Time{}, false, nil
	}
	out, err := d.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var gone *sfntypes.ExecutionDoesNotExist
	switch {
	case errors.As(err, &gone):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, awsErr("states:DescribeExecution", err)
	}
	return aws.ToTime(out.StartDate), out.Status == sfntypes.ExecutionStatusRunning, nil
}

// executionArn is the ARN of the execution a document belongs to.
func executionArn(x *ExecutionRef) string {
	return strings.Replace(x.StateMachineArn, ":stateMachine:", ":execution:", 1) + ":" + x.Name
}
