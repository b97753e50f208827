package asl_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/clock"
)

// An execution on a virtual clock: the ten-minute Wait takes no real time.
func ExampleEngine() {
	def, err := asl.Substitute([]byte(`{
		"StartAt": "Provision",
		"States": {
			"Provision": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
				"Parameters": {"FunctionName": "${ProvisionFunction}", "Payload": {"account.$": "$.name"}},
				"ResultSelector": {"id.$": "$.Payload.accountId"}, "ResultPath": "$.account", "Next": "Settle"},
			"Settle": {"Type": "Wait", "Seconds": 600, "Next": "Done"},
			"Done": {"Type": "Succeed"}
		}}`), map[string]string{"ProvisionFunction": "provision"})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := asl.Parse(def)
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(start, 0)
	e := &asl.Engine{
		Clock: clk,
		Rand:  rand.New(rand.NewPCG(1, 1)),
		Invoker: asl.InvokerFunc(func(_ context.Context, function string, payload json.RawMessage) (json.RawMessage, error) {
			return json.RawMessage(`{"accountId": "111122223333"}`), nil
		}),
		Observer: func(_ *asl.Execution, ev asl.HistoryEvent) {
			if ev.StateName != "" && ev.Type != asl.TaskScheduled {
				fmt.Println(ev.Timestamp.Sub(start), ev.Type, ev.StateName)
			}
		},
	}
	x, err := e.Start(context.Background(), m, asl.ExecutionInfo{Name: "req-42"}, json.RawMessage(`{"name": "sandbox-1"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	clk.Advance(time.Hour)
	fmt.Println(x.Status(), string(x.Output()))
	// Output:
	// 0s TaskStateEntered Provision
	// 0s TaskStateExited Provision
	// 0s WaitStateEntered Settle
	// 10m0s WaitStateExited Settle
	// 10m0s SucceedStateEntered Done
	// 10m0s SucceedStateExited Done
	// SUCCEEDED {"account":{"id":"111122223333"},"name":"sandbox-1"}
}

// Parse refuses what the local engine cannot run exactly, naming the state and field.
func ExampleParse() {
	_, err := asl.Parse([]byte(`{"StartAt": "Notify", "States": {
		"Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish", "End": true}}}`))
	fmt.Println(err)
	// Output:
	// invalid state machine definition: state "Notify": field "Resource": "arn:aws:states:::sns:publish" is not supported by the local engine; use "arn:aws:states:::lambda:invoke" or a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)
}

// A callback task: the function is given a token and the task waits, under a
// virtual clock without holding it, until someone sends the token a result.
func ExampleEngine_SendTaskSuccess() {
	m, err := asl.Parse([]byte(`{"StartAt": "Approve", "States": {
		"Approve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters": {"FunctionName": "ask-approver", "Payload": {"token.$": "$$.Task.Token"}},
			"HeartbeatSeconds": 3600, "ResultPath": "$.approval", "End": true}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(start, 0)
	var token string
	e := &asl.Engine{
		Clock: clk,
		Rand:  rand.New(rand.NewPCG(1, 1)),
		Invoker: asl.InvokerFunc(func(_ context.Context, _ string, payload json.RawMessage) (json.RawMessage, error) {
			var in struct{ Token string }
			err := json.Unmarshal(payload, &in)
			token = in.Token // an approver would get it by mail, say
			return json.RawMessage(`{"sent": true}`), err
		}),
	}
	x, err := e.Start(context.Background(), m, asl.ExecutionInfo{Name: "req-43"}, json.RawMessage(`{"name": "sandbox-2"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	clk.Advance(50 * time.Minute)
	fmt.Println(x.Status(), e.SendTaskHeartbeat(token))
	clk.Advance(50 * time.Minute)
	fmt.Println(x.Status(), e.SendTaskSuccess(token, json.RawMessage(`{"by": "ops"}`)))
	clk.Advance(time.Minute)
	fmt.Println(x.Status(), x.StopDate().Sub(start), string(x.Output()))
	fmt.Println(e.SendTaskSuccess(token, json.RawMessage(`{}`)))
	// Output:
	// RUNNING <nil>
	// RUNNING <nil>
	// SUCCEEDED 1h40m0s {"approval":{"by":"ops"},"name":"sandbox-2"}
	// send task success: the task has timed out or is already closed
}
