package stack_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/rules"
)

// lifecycleFailedQueue is the queue that keeps the lifecycle events towervend
// could not act on (written out, not taken from the stack's constants).
const lifecycleFailedQueue = "towervend-lifecycle-failed"

// EventBridge invokes the lifecycle function asynchronously: after Lambda's two
// retries an event is dropped unless the function has an on-failure
// destination, and an event EventBridge cannot deliver at all is dropped unless
// the rule's target has a dead-letter queue (aws-facts §11). Both go to one
// queue, and an alarm says when it holds anything.
func TestLifecycleEventsAreNeverDroppedSilently(t *testing.T) {
	cfg := loadConfig(t, nil)
	m := synth(t, cfg, nil).home
	fn := m.functionID(t, "lifecycle")
	q := queueNamed(t, m, lifecycleFailedQueue)

	t.Run("the queue is encrypted and keeps events as long as SQS allows", func(t *testing.T) {
		p := m.props(q)
		assert.Equal(t, true, p["SqsManagedSseEnabled"])
		assert.Equal(t, 14*24*3600.0, p["MessageRetentionPeriod"])
		assert.NotContains(t, p, "RedrivePolicy", "nothing consumes it automatically")
	})

	t.Run("it is the function's on-failure destination, after Lambda's two retries", func(t *testing.T) {
		configs := m.resources("AWS::Lambda::EventInvokeConfig")
		require.Len(t, configs, 1)
		for _, c := range configs {
			p := c["Properties"].(map[string]any)
			assert.Equal(t, map[string]any{"Ref": fn}, p["FunctionName"])
			assert.Equal(t, "$LATEST", p["Qualifier"], "EventBridge invokes the unqualified function")
			assert.Equal(t, 2.0, p["MaximumRetryAttempts"])
			assert.Equal(t, map[string]any{"OnFailure": map[string]any{"Destination": getAtt(q)}}, p["DestinationConfig"])
			// Lambda checks the execution role may send to the destination
			// when the config is created, so the grant must exist first.
			assert.Contains(t, strs(c["DependsOn"]), policyOf(t, m, m.roleID(t, "lifecycle")))
		}
	})

	t.Run("the function may send to that queue and to no other", func(t *testing.T) {
		var send []map[string]any
		for _, st := range m.statements(m.roleID(t, "lifecycle")) {
			if contains(strs(st["Action"]), "sqs:SendMessage") {
				send = append(send, st)
			}
		}
		require.Len(t, send, 1)
		assert.Equal(t, "sqs:SendMessage", send[0]["Action"])
		assert.Equal(t, getAtt(q), send[0]["Resource"])
	})

	t.Run("it is the dead-letter queue of every lifecycle rule's target, and only those rules may send to it", func(t *testing.T) {
		byPattern := rulesByPattern(m)
		ruleIDs := map[string]string{}
		for id, r := range m.resources("AWS::Events::Rule") {
			ruleIDs[mustJSON(t, r["Properties"].(map[string]any)["EventPattern"])] = id
		}
		var allowed []string
		for _, st := range queuePolicies(m)[q] {
			if st["Effect"] != "Allow" {
				continue
			}
			assert.Equal(t, map[string]any{"Service": "events.amazonaws.com"}, st["Principal"])
			assert.Equal(t, "sqs:SendMessage", st["Action"])
			assert.Equal(t, getAtt(q), st["Resource"])
			cond := st["Condition"].(map[string]any)["ArnEquals"].(map[string]any)["aws:SourceArn"]
			allowed = append(allowed, mustJSON(t, cond))
		}
		var want []string
		for _, r := range rules.Lifecycle() {
			key := normalize(t, r.JSON())
			rule, ok := byPattern[key]
			require.True(t, ok, r.Name)
			target := rule["Targets"].([]any)[0].(map[string]any)
			assert.Equal(t, map[string]any{"Arn": getAtt(q)}, target["DeadLetterConfig"], r.Name)
			assert.Equal(t, 185.0, target["RetryPolicy"].(map[string]any)["MaximumRetryAttempts"], r.Name)
			want = append(want, mustJSON(t, getAtt(ruleIDs[key])))
		}
		// The reconcile schedule's events are kept the same way.
		for id, r := range m.resources("AWS::Events::Rule") {
			p := r["Properties"].(map[string]any)
			if p["ScheduleExpression"] == nil {
				continue
			}
			target := p["Targets"].([]any)[0].(map[string]any)
			assert.Equal(t, map[string]any{"Arn": getAtt(q)}, target["DeadLetterConfig"], id)
			want = append(want, mustJSON(t, getAtt(id)))
		}
		assert.ElementsMatch(t, want, allowed, "EventBridge may send only on behalf of the lifecycle rules (aws:SourceArn)")
	})
}

// policyOf is the logical id of the AWS::IAM::Policy attached to a role.
func policyOf(t *testing.T, m tmpl, roleID string) string {
	t.Helper()
	for id, p := range m.resources("AWS::IAM::Policy") {
		for _, r := range p["Properties"].(map[string]any)["Roles"].([]any) {
			if ref, ok := r.(map[string]any)["Ref"]; ok && ref == roleID {
				return id
			}
		}
	}
	t.Fatalf("no policy on %s", roleID)
	return ""
}
