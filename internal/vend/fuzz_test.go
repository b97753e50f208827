package vend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/handler"
	"github.com/towervend/towervend/internal/local"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// The fuzz targets run the handlers against towervend deployed in the
// simulated world (the local runtime, its clock held: executions they start
// wait), one world per fuzzing process, so state carries over between inputs
// as it does between a Lambda container's invocations.

// fuzzRuntime deploys towervend on the demo world for a fuzz target.
func fuzzRuntime(f *testing.F) *local.Runtime {
	f.Helper()
	rt, err := local.New(context.Background(), local.Options{World: quietWorld()})
	if err != nil {
		f.Fatal(err)
	}
	return rt
}

// fuzzSamples returns the files under dir of events/.
func fuzzSamples(f *testing.F, pattern string) [][]byte {
	f.Helper()
	files, err := fs.Glob(events.FS, pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no samples %s: %v", pattern, err)
	}
	var out [][]byte
	for _, name := range files {
		b, err := fs.ReadFile(events.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzIntake hands intake an SQS message with an arbitrary body. Intake must
// never panic, and every message must end one way: its execution started (a
// valid request whose requestId is new, or a repeat of the same request), or
// rejected with a notification and kept in the rejected-messages queue, or
// reported as failed so SQS delivers it again. A valid request is never
// rejected unless a different request used its requestId first.
func FuzzIntake(f *testing.F) {
	for _, b := range fuzzSamples(f, "requests/*.json") {
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"CHG1"`, `{"requestId":"CHG1001"}`, "\xff\xfe", `{"requestId":"a b"}`,
		`{"requestId":"X1","action":"close","account":{"id":"730335518842"},"tags":{"CostCenter":"1"}}`,
	} {
		f.Add([]byte(s))
	}
	rt := fuzzRuntime(f)
	sf := sfn.NewFromConfig(rt.Sim.Config())
	first := map[string]string{} // requestId -> fingerprint of the request that used it first
	n := 0
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		n++
		msg := lambdaevents.SQSMessage{MessageId: fmt.Sprintf("fuzz-%d", n), ReceiptHandle: fmt.Sprintf("receipt-%d", n), Body: string(body),
			EventSource: "aws:sqs", AWSRegion: rt.Sim.Region()}
		publishedBefore := rt.Sim.Calls()["events"]["PutEvents"]
		keptBefore, _ := rt.Sim.QueueDepth(rt.RejectedURL)

		resp, err := rt.Deps.Intake(ctx, lambdaevents.SQSEvent{Records: []lambdaevents.SQSMessage{msg}})
		if err != nil {
			t.Fatalf("intake failed the whole batch: %v", err)
		}
		failed := len(resp.BatchItemFailures) == 1 && resp.BatchItemFailures[0].ItemIdentifier == msg.MessageId
		if len(resp.BatchItemFailures) > 1 || len(resp.BatchItemFailures) == 1 && !failed {
			t.Fatalf("batch item failures name messages that were not sent: %+v", resp.BatchItemFailures)
		}
		kept, _ := rt.Sim.QueueDepth(rt.RejectedURL)
		rejected := kept == keptBefore+1 && rt.Sim.Calls()["events"]["PutEvents"] > publishedBefore

		req, decodeErr := request.Decode(body)
		started := false
		if decodeErr == nil {
			started = fuzzExecutionCarries(t, ctx, sf, rt.StateMachineArn, req)
			if fp, used := first[req.RequestID]; (!used || fp == req.Fingerprint()) && !started && !failed {
				t.Fatalf("a valid request with a new requestId was neither started nor reported failed (rejected: %v)", rejected)
			}
			if _, used := first[req.RequestID]; !used && started {
				first[req.RequestID] = req.Fingerprint()
			}
		}
		switch {
		case started && rejected:
			t.Fatal("the message was both started and rejected")
		case !started && !rejected && !failed:
			t.Fatalf("the message was neither started, nor rejected, nor reported failed (decode error: %v)", decodeErr)
		}
	})
}

// fuzzExecutionCarries reports whether the execution named after the
// request's id exists and was started with this request.
func fuzzExecutionCarries(t *testing.T, ctx context.Context, sf *sfn.Client, smArn string, req *request.Request) bool {
	t.Helper()
	arn := fmt.Sprintf("%s:%s", executionPrefix(smArn), req.RequestID)
	out, err := sf.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	var missing *sfntypes.ExecutionDoesNotExist
	if errors.As(err, &missing) {
		return false
	}
	if err != nil {
		t.Fatalf("describe execution %s: %v", arn, err)
	}
	var in vend.ExecutionInput
	if err := json.Unmarshal([]byte(aws.ToString(out.Input)), &in); err != nil {
		t.Fatalf("execution %s input: %v", arn, err)
	}
	return in.Request.Fingerprint() == req.Fingerprint()
}

// executionPrefix is the ARN prefix of a state machine's executions.
func executionPrefix(smArn string) string {
	return strings.Replace(smArn, ":stateMachine:", ":execution:", 1)
}

// FuzzLifecycle hands the lifecycle function arbitrary bytes as its event, as
// Lambda would from EventBridge. It must never panic: it either answers what
// it did (started, duplicate or reconciled naming executions that exist, or
// ignored with a reason) or fails with an error named for Step Functions and Lambda.
func FuzzLifecycle(f *testing.F) {
	for _, b := range fuzzSamples(f, "aws/*.json") {
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `{"detail":null}`, `{"detail":"x"}`, `{"source":"aws.controltower","detail":{}}`,
		`{"source":"aws.controltower","detail":{"eventName":"CreateManagedAccount","serviceEventDetails":{"createManagedAccountStatus":{"state":"SUCCEEDED","account":{"accountId":"730335518842"},"organizationalUnit":{"organizationalUnitId":"ou-nw7k-sbx00001"}}}}}`,
		`{"source":"aws.organizations","detail":{"eventName":"AccountJoinedOrganization","serviceEventDetails":{"accountId":"111122223333"}}}`,
		`{"source":"aws.organizations","detail":{"eventName":"AccountJoinedOrganization","serviceEventDetails":{"x":{"accountId":"730335518842"}}}}`,
		`{"source":"aws.organizations","detail":{"eventName":"AccountJoinedOrganization"}}`,
		`{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`,
		`{"source":"aws.organizations","detail":{"eventName":"CreateAccountResult","serviceEventDetails":{"createAccountStatus":{"state":"SUCCEEDED","accountId":"x"}}}}`,
	} {
		f.Add([]byte(s))
	}
	rt := fuzzRuntime(f)
	sf := sfn.NewFromConfig(rt.Sim.Config())
	lifecycle := handler.JSON(rt.Deps.Lifecycle)
	f.Fuzz(func(t *testing.T, event []byte) {
		ctx := context.Background()
		out, err := lifecycle(ctx, event)
		if err != nil {
			var named *handler.Error
			if !errors.As(err, &named) || named.ErrorType() == "" || named.Error() == "" {
				t.Fatalf("an error without a name or message: %#v", err)
			}
			return
		}
		var res vend.LifecycleResult
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("answer %q: %v", out, err)
		}
		switch res.Action {
		case "ignored":
			if res.Reason == "" {
				t.Fatal("ignored without a reason")
			}
		case "started", "duplicate", "reconciled":
			names := res.Executions
			if res.Execution != "" {
				names = append(names, res.Execution)
			}
			for _, name := range names {
				arn := executionPrefix(rt.StateMachineArn) + ":" + name
				if _, err := sf.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}); err != nil {
					t.Fatalf("%s execution %q: %v", res.Action, name, err)
				}
			}
		default:
			t.Fatalf("unknown action %q", res.Action)
		}
	})
}

// quietWorld is the demo world without its happenings, so only the test's own
// work happens in it.
func quietWorld() *awssim.World {
	w := awssim.DefaultWorld()
	w.Happenings = nil
	return w
}
