package stack_test

import (
	"debug/elf"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/infra/stack"
	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/rules"
	"github.com/towervend/towervend/internal/vend"
	"github.com/towervend/towervend/statemachine"
)

// functionNames are the functions of the deployment table, which the stack builds from.
var functionNames = func() []string {
	var out []string
	for _, f := range deploy.Functions {
		out = append(out, f.Name)
	}
	return out
}()

// TestHomeStack checks the default example (home Region eu-west-1) in one synth.
func TestHomeStack(t *testing.T) {
	cfg := loadConfig(t, nil)
	s := synth(t, cfg, nil)
	m := s.home

	t.Run("functions run provided.al2023 on arm64 with tracing and their own log group", func(t *testing.T) {
		fns := m.resources("AWS::Lambda::Function")
		require.Len(t, fns, len(functionNames))
		logGroups := m.resources("AWS::Logs::LogGroup")
		for _, name := range functionNames {
			p := m.props(m.functionID(t, name))
			assert.Equal(t, "provided.al2023", p["Runtime"], name)
			assert.Equal(t, []any{"arm64"}, p["Architectures"], name)
			assert.Equal(t, "bootstrap", p["Handler"], name)
			assert.Equal(t, map[string]any{"Mode": "Active"}, p["TracingConfig"], name)
			lg := p["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"].(string)
			require.Contains(t, logGroups, lg, name)
			assert.Equal(t, 90.0, logGroups[lg]["Properties"].(map[string]any)["RetentionInDays"], name)
			env := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			assert.Equal(t, cfg.HomeRegion, env[vend.EnvRegion], name)
			assert.Equal(t, cfg.InstanceArn, env[vend.EnvInstanceArn], name)
			assert.Equal(t, cfg.IdentityStoreID, env[vend.EnvIdentityStoreID], name)
			assert.Equal(t, cfg.ManagementAccountID, env[vend.EnvManagementAcctID], name)
			assert.Equal(t, "5", env[vend.EnvConcurrency], name)
			assert.Equal(t, stack.BusName, env[vend.EnvNotificationBus], name)
			assert.Equal(t, "/var/task/"+vend.DefaultPolicyFile, env[vend.EnvPolicyFile], name)
			_, hasSM := env[vend.EnvStateMachineArn]
			assert.Equal(t, name == "intake" || name == "lifecycle", hasSM, "only the entry points start executions: %s", name)
		}
		intakeEnv := m.props(m.functionID(t, "intake"))["Environment"].(map[string]any)["Variables"].(map[string]any)
		assert.Equal(t, map[string]any{"Ref": queueNamed(t, m, stack.RejectedQueueName)}, intakeEnv[vend.EnvRejectedQueueURL],
			"rejected messages are kept apart from the dead letters")
	})

	t.Run("every function of the deployment table is in the template, with its settings", func(t *testing.T) {
		require.Len(t, m.resources("AWS::Lambda::Function"), len(deploy.Functions), "the stack deploys exactly the table's functions")
		for _, f := range deploy.Functions {
			p := m.props(m.functionID(t, f.Name))
			assert.Equal(t, "towervend: "+f.Description, p["Description"], f.Name)
			assert.Equal(t, f.DeployedName(), p["FunctionName"], f.Name)
			assert.Equal(t, f.Timeout.Seconds(), p["Timeout"], f.Name)
			assert.Equal(t, float64(f.MemoryMB), p["MemorySize"], f.Name)
		}
	})

	t.Run("provision is the concurrency gate: reserved concurrency 1, no other function reserved", func(t *testing.T) {
		for _, name := range functionNames {
			rc, ok := m.props(m.functionID(t, name))["ReservedConcurrentExecutions"]
			if name == "provision" {
				assert.Equal(t, 1.0, rc)
			} else {
				assert.False(t, ok, "%s has reserved concurrency %v", name, rc)
			}
		}
	})

	t.Run("queue is encrypted, TLS-only, sendable by the configured senders, with a dead-letter queue", func(t *testing.T) {
		q := m.props(queueID(t, m))
		dlq := dlqID(t, m)
		assert.Equal(t, true, q["SqsManagedSseEnabled"])
		assert.Equal(t, true, m.props(dlq)["SqsManagedSseEnabled"])
		redrive := q["RedrivePolicy"].(map[string]any)
		assert.GreaterOrEqual(t, redrive["maxReceiveCount"].(float64), 5.0)
		assert.Equal(t, getAtt(dlq), redrive["deadLetterTargetArn"])
		intakeTimeout := m.props(m.functionID(t, "intake"))["Timeout"].(float64)
		assert.GreaterOrEqual(t, q["VisibilityTimeout"].(float64), 6*intakeTimeout, "visibility at least 6x the intake timeout")

		rejected := queueNamed(t, m, stack.RejectedQueueName)
		assert.Equal(t, true, m.props(rejected)["SqsManagedSseEnabled"])
		assert.Equal(t, 14*24*3600.0, m.props(rejected)["MessageRetentionPeriod"], "rejected messages are kept as long as SQS allows")
		assert.NotContains(t, m.props(rejected), "RedrivePolicy")

		policies := queuePolicies(m)
		for _, id := range []string{queueID(t, m), dlq, rejected} {
			assert.Contains(t, policies[id], map[string]any{
				"Action": "sqs:*", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"},
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				"Resource":  getAtt(id),
			}, "TLS only on %s", id)
		}
		senders := []any{"arn:aws:iam::111122223333:role/platform-ci", "arn:aws:iam::111122223333:role/towervend-operators"}
		var allow, deny map[string]any
		for _, st := range policies[queueID(t, m)] {
			switch st["Sid"] {
			case "AllowConfiguredSenders":
				allow = st
			case "DenyOtherSenders":
				deny = st
			}
		}
		require.NotNil(t, allow)
		require.NotNil(t, deny)
		assert.Equal(t, map[string]any{"AWS": senders}, allow["Principal"])
		assert.Equal(t, []any{"sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"}, allow["Action"])
		assert.Equal(t, "sqs:SendMessage", deny["Action"])
		assert.Equal(t, map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": senders}}, deny["Condition"])
	})

	t.Run("every queue of the deployment table is in the template: encrypted, TLS-only, with its retention", func(t *testing.T) {
		require.Len(t, m.resources("AWS::SQS::Queue"), len(deploy.Queues), "the stack deploys exactly the table's queues")
		policies := queuePolicies(m)
		for _, spec := range deploy.Queues {
			id := queueNamed(t, m, spec.Name)
			p := m.props(id)
			assert.Equal(t, true, p["SqsManagedSseEnabled"], spec.Name)
			assert.Equal(t, spec.Retention.Seconds(), p["MessageRetentionPeriod"], spec.Name)
			assert.Contains(t, policies[id], map[string]any{
				"Action": "sqs:*", "Effect": "Deny", "Principal": map[string]any{"AWS": "*"},
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				"Resource":  getAtt(id),
			}, "TLS only on %s", spec.Name)
		}
	})

	t.Run("intake consumes the queue with ReportBatchItemFailures and a maximum concurrency", func(t *testing.T) {
		esm := m.resources("AWS::Lambda::EventSourceMapping")
		require.Len(t, esm, 1)
		for _, r := range esm {
			p := r["Properties"].(map[string]any)
			assert.Equal(t, []any{"ReportBatchItemFailures"}, p["FunctionResponseTypes"])
			assert.Equal(t, map[string]any{"MaximumConcurrency": 2.0}, p["ScalingConfig"])
			assert.Equal(t, getAtt(queueID(t, m)), p["EventSourceArn"])
			assert.Equal(t, map[string]any{"Ref": m.functionID(t, "intake")}, p["FunctionName"])
		}
	})

	t.Run("lifecycle rules use the rules package's patterns and target the lifecycle function", func(t *testing.T) {
		byPattern := rulesByPattern(m)
		for _, r := range rules.Lifecycle() {
			rule, ok := byPattern[normalize(t, r.JSON())]
			require.True(t, ok, "no rule with the %s pattern %s", r.Name, r.JSON())
			assert.Nil(t, rule["EventBusName"], "%s is on the default bus", r.Name)
			targets := rule["Targets"].([]any)
			require.Len(t, targets, 1)
			assert.Equal(t, getAtt(m.functionID(t, "lifecycle")), targets[0].(map[string]any)["Arn"])
		}
		assert.Len(t, m.resources("AWS::Events::Rule"), len(rules.Lifecycle())+len(rules.LifecycleSchedules()), "no webhook rule unless configured")
	})

	t.Run("the hourly reconcile schedule targets the lifecycle function, as rules.Reconcile says", func(t *testing.T) {
		var scheduled []map[string]any
		for _, r := range m.resources("AWS::Events::Rule") {
			if p := r["Properties"].(map[string]any); p["ScheduleExpression"] != nil {
				scheduled = append(scheduled, p)
			}
		}
		require.Len(t, scheduled, 1)
		p := scheduled[0]
		assert.Equal(t, rules.Reconcile.Schedule, p["ScheduleExpression"])
		assert.Equal(t, "rate(1 hour)", p["ScheduleExpression"])
		assert.Nil(t, p["EventPattern"])
		assert.Nil(t, p["EventBusName"], "schedules run on the default bus")
		assert.Equal(t, "ENABLED", p["State"])
		targets := p["Targets"].([]any)
		require.Len(t, targets, 1)
		assert.Equal(t, getAtt(m.functionID(t, "lifecycle")), targets[0].(map[string]any)["Arn"])
	})

	t.Run("notification bus with an archive of every notification", func(t *testing.T) {
		buses := m.resources("AWS::Events::EventBus")
		require.Len(t, buses, 1)
		var busID string
		for id, b := range buses {
			busID = id
			assert.Equal(t, stack.BusName, b["Properties"].(map[string]any)["Name"])
		}
		archives := m.resources("AWS::Events::Archive")
		require.Len(t, archives, 1)
		for _, a := range archives {
			p := a["Properties"].(map[string]any)
			assert.Equal(t, getAtt(busID), p["SourceArn"])
			assert.JSONEq(t, rules.Notifications.JSON(), mustJSON(t, p["EventPattern"]))
			assert.Equal(t, 365.0, p["RetentionDays"])
		}
	})

	t.Run("the deployed definition is the ASL file with a substitution for exactly deploy.Substitutions", func(t *testing.T) {
		sms := m.resources("AWS::StepFunctions::StateMachine")
		require.Len(t, sms, 1)
		for _, sm := range sms {
			p := sm["Properties"].(map[string]any)
			assert.Equal(t, string(statemachine.Definition()), p["DefinitionString"])
			subs := p["DefinitionSubstitutions"].(map[string]any)
			require.Len(t, subs, len(deploy.Substitutions()))
			for key, f := range deploy.Substitutions() {
				assert.Equal(t, getAtt(m.functionID(t, f.Name)), subs[key], key)
			}
			assert.Equal(t, "STANDARD", p["StateMachineType"])
			assert.Equal(t, stack.StateMachineName, p["StateMachineName"])
			assert.Equal(t, map[string]any{"Enabled": true}, p["TracingConfiguration"])
			logging := p["LoggingConfiguration"].(map[string]any)
			assert.Equal(t, "ALL", logging["Level"])
			assert.Equal(t, false, logging["IncludeExecutionData"])
			// Step Functions' guidance: a log group outside /aws/vendedlogs/
			// adds to the account's CloudWatch Logs resource policy (5,120
			// characters), and once that is full CreateStateMachine fails.
			dest := logging["Destinations"].([]any)[0].(map[string]any)["CloudWatchLogsLogGroup"].(map[string]any)
			lgID := dest["LogGroupArn"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			assert.Equal(t, "/aws/vendedlogs/states/towervend-vending", m.props(lgID)["LogGroupName"])
			assert.Equal(t, 90.0, m.props(lgID)["RetentionInDays"])

			// The workflow may invoke exactly its functions, unqualified.
			roleID := p["RoleArn"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			var invoke []string
			for _, st := range m.statements(roleID) {
				if st["Action"] == "lambda:InvokeFunction" {
					invoke = append(invoke, strs(st["Resource"])...)
				}
			}
			var want []string
			for _, f := range deploy.Substitutions() {
				want = append(want, mustJSON(t, getAtt(m.functionID(t, f.Name))))
			}
			assert.ElementsMatch(t, want, invoke)
		}
	})

	t.Run("alarms notify the configured topic", func(t *testing.T) {
		alarms := map[string]map[string]any{}
		for _, a := range m.resources("AWS::CloudWatch::Alarm") {
			p := a["Properties"].(map[string]any)
			name := p["AlarmName"].(string)
			alarms[name] = p
			assert.Equal(t, []any{cfg.AlarmTopicArn}, p["AlarmActions"], name)
			assert.Equal(t, []any{cfg.AlarmTopicArn}, p["OKActions"], name)
			assert.Equal(t, 1.0, p["Threshold"], name)
			assert.Equal(t, "GreaterThanOrEqualToThreshold", p["ComparisonOperator"], name)
			assert.Equal(t, "notBreaching", p["TreatMissingData"], name)
			assert.NotEmpty(t, p["AlarmDescription"], name)
		}
		metrics := map[string]string{}
		for name, p := range alarms {
			if ns, ok := p["Namespace"]; ok {
				metrics[name] = ns.(string) + "/" + p["MetricName"].(string)
			}
		}
		assert.Equal(t, map[string]string{
			stack.AlarmFailedExecutions:   "AWS/States/ExecutionsFailed",
			stack.AlarmTimedOutExecutions: "AWS/States/ExecutionsTimedOut",
			stack.AlarmDeadLetters:        "AWS/SQS/ApproximateNumberOfMessagesVisible",
			stack.AlarmIntakeErrors:       "AWS/Lambda/Errors",
			"towervend-lifecycle-errors":  "AWS/Lambda/Errors",
			"towervend-lifecycle-failed":  "AWS/SQS/ApproximateNumberOfMessagesVisible",
		}, metrics)
		require.Len(t, alarms, len(metrics)+1, "and one metric-math alarm: the provision gate")

		fnDim := func(name string) []any {
			return []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": m.functionID(t, name)}}}
		}
		if a := alarms["towervend-lifecycle-errors"]; assert.NotNil(t, a) {
			assert.Equal(t, fnDim("lifecycle"), a["Dimensions"])
			assert.Equal(t, "Sum", a["Statistic"])
		}
		if a := alarms["towervend-lifecycle-failed"]; assert.NotNil(t, a) {
			q := queueNamed(t, m, "towervend-lifecycle-failed")
			assert.Equal(t, []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{q, "QueueName"}}}}, a["Dimensions"])
			assert.Equal(t, "Maximum", a["Statistic"])
		}

		// Throttles are provision's normal gating (reserved concurrency 1):
		// the alarm means the gate is shut, throttled for 15 minutes without
		// one invocation running.
		gate := alarms["towervend-provision-throttled"]
		require.NotNil(t, gate)
		byID := map[string]map[string]any{}
		var expr []string
		for _, e := range gate["Metrics"].([]any) {
			md := e.(map[string]any)
			byID[md["Id"].(string)] = md
			if x, ok := md["Expression"]; ok {
				expr = append(expr, x.(string))
			}
		}
		assert.Equal(t, []string{"IF(FILL(throttles, 0) > 0 AND FILL(invocations, 0) == 0, 1, 0)"}, expr)
		for id, metric := range map[string]string{"throttles": "Throttles", "invocations": "Invocations"} {
			md := byID[id]
			require.NotNil(t, md, id)
			assert.Equal(t, false, md["ReturnData"], id)
			stat := md["MetricStat"].(map[string]any)
			assert.Equal(t, 900.0, stat["Period"], id)
			assert.Equal(t, "Sum", stat["Stat"], id)
			mm := stat["Metric"].(map[string]any)
			assert.Equal(t, "AWS/Lambda", mm["Namespace"], id)
			assert.Equal(t, metric, mm["MetricName"], id)
			assert.Equal(t, fnDim("provision"), mm["Dimensions"], id)
		}
		assert.Equal(t, 1.0, gate["EvaluationPeriods"])
	})

	t.Run("each function may call exactly what it calls", func(t *testing.T) {
		for _, name := range functionNames {
			got := map[string]bool{}
			for _, st := range m.statements(m.roleID(t, name)) {
				assert.Equal(t, "Allow", st["Effect"])
				for _, a := range strs(st["Action"]) {
					got[a] = true
				}
			}
			want := map[string]bool{}
			for _, a := range append(expectedActions[name], baseActions...) {
				want[a] = true
			}
			if name == "intake" {
				for _, a := range queueConsumerActions {
					want[a] = true
				}
				assert.ElementsMatch(t, queueConsumerActions, deploy.IntakeEventSourceGrant("").Actions,
					"the local runtime polls as intake with what CDK's event source grants it")
			}
			assert.Equal(t, keys(want), keys(got), name)
		}
	})

	t.Run("no Action wildcard, and Resource * only for actions without resource-level permissions", func(t *testing.T) {
		for _, p := range m.resources("AWS::IAM::Policy") {
			for _, s := range p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				st := s.(map[string]any)
				for _, a := range strs(st["Action"]) {
					assert.NotContains(t, a, "*", "an action wildcard: %v", st)
				}
				if !contains(strs(st["Resource"]), "*") {
					continue
				}
				for _, a := range strs(st["Action"]) {
					assert.True(t, noResourceLevel[a] || isWorkflowRoleOnly(a), "%s on Resource * but it has resource-level permissions", a)
				}
			}
		}
		// Only the provisioning role has a managed policy: the one Control
		// Tower's Account Factory page asks for besides its own statement.
		provisionRole := m.roleID(t, "provision")
		for id, r := range m.resources("AWS::IAM::Role") {
			arns := r["Properties"].(map[string]any)["ManagedPolicyArns"]
			if id != provisionRole {
				assert.Nil(t, arns, "no managed policies on %s", id)
				continue
			}
			assert.Equal(t, []any{map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
				":iam::aws:policy/AWSServiceCatalogEndUserFullAccess"}}}}, arns)
		}
	})

	t.Run("the steps that wake waiting executions name the workflow by ARN, and the waits table by reference", func(t *testing.T) {
		for _, name := range []string{"provision", "provisionstatus", "await", "lifecycle"} {
			var send, table []map[string]any
			for _, st := range m.statements(m.roleID(t, name)) {
				if contains(strs(st["Action"]), "states:SendTaskSuccess") {
					send = append(send, st)
				}
				if contains(strs(st["Action"]), "dynamodb:DeleteItem") {
					table = append(table, st)
				}
			}
			require.Len(t, send, 1, name)
			assert.Equal(t, "arn:aws:states:"+cfg.HomeRegion+":"+cfg.ManagementAccountID+":stateMachine:"+stack.StateMachineName, send[0]["Resource"],
				"%s: a literal ARN: a reference would make the function depend on the workflow that invokes it", name)
			require.Len(t, table, 1, name)
			ref, _ := json.Marshal(table[0]["Resource"])
			assert.Contains(t, string(ref), "Fn::GetAtt", name)
		}
		tables := m.resources("AWS::DynamoDB::Table")
		require.Len(t, tables, 1)
		for _, tb := range tables {
			p := tb["Properties"].(map[string]any)
			assert.Equal(t, stack.WaitsTableName, p["TableName"])
			assert.Equal(t, "PAY_PER_REQUEST", p["BillingMode"], "nothing to pay while nobody waits")
			assert.Equal(t, map[string]any{"SSEEnabled": true}, p["SSESpecification"])
			assert.Equal(t, map[string]any{"AttributeName": "expiresAt", "Enabled": true}, p["TimeToLiveSpecification"])
		}
	})

	t.Run("intake may send only to the rejected queue", func(t *testing.T) {
		var send []map[string]any
		for _, st := range m.statements(m.roleID(t, "intake")) {
			if contains(strs(st["Action"]), "sqs:SendMessage") {
				send = append(send, st)
			}
		}
		require.Len(t, send, 1)
		assert.Equal(t, getAtt(queueNamed(t, m, stack.RejectedQueueName)), send[0]["Resource"])
	})

	t.Run("checkrole can assume only AWSControlTowerExecution", func(t *testing.T) {
		var assume []map[string]any
		for _, st := range m.statements(m.roleID(t, "checkrole")) {
			if contains(strs(st["Action"]), "sts:AssumeRole") {
				assume = append(assume, st)
			}
		}
		require.Len(t, assume, 1)
		assert.Equal(t, "sts:AssumeRole", assume[0]["Action"])
		assert.Equal(t, "arn:aws:iam::*:role/AWSControlTowerExecution", assume[0]["Resource"])
		assert.Equal(t, map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": []any{"${aws:PrincipalOrgID}"}}}, assume[0]["Condition"],
			"only roles in checkrole's own organization")
		for _, name := range functionNames {
			if name == "checkrole" {
				continue
			}
			for _, st := range m.statements(m.roleID(t, name)) {
				assert.NotContains(t, strs(st["Action"]), "sts:AssumeRole", name)
			}
		}
	})

	t.Run("organizations writes are limited to this organization's accounts", func(t *testing.T) {
		for _, name := range []string{"tag", "close"} {
			for _, st := range m.statements(m.roleID(t, name)) {
				if strings.HasPrefix(strs(st["Action"])[0], "organizations:") {
					assert.Equal(t, "arn:aws:organizations::111122223333:account/o-*/*", st["Resource"], name)
				}
			}
		}
		// lifecycle reads an account's tags (policy.defaultTags) as validate does.
		for _, name := range []string{"validate", "lifecycle"} {
			found := false
			for _, st := range m.statements(m.roleID(t, name)) {
				if contains(strs(st["Action"]), "organizations:ListTagsForResource") {
					found = true
					assert.Equal(t, "arn:aws:organizations::111122223333:account/o-*/*", st["Resource"], name)
				}
			}
			assert.True(t, found, "%s may call organizations:ListTagsForResource", name)
		}
	})

	t.Run("notifications are put on the towervend bus only, with towervend's source", func(t *testing.T) {
		busID := ""
		for id := range m.resources("AWS::Events::EventBus") {
			busID = id
		}
		for _, name := range []string{"notify", "reportfailure", "intake"} {
			found := false
			for _, st := range m.statements(m.roleID(t, name)) {
				if st["Action"] == "events:PutEvents" {
					found = true
					assert.Equal(t, getAtt(busID), st["Resource"], name)
					assert.Equal(t, map[string]any{"StringEquals": map[string]any{"events:source": []any{"towervend"}}}, st["Condition"], name)
				}
			}
			assert.True(t, found, name)
		}
	})

	t.Run("the provisioning role is a principal of the Account Factory portfolio", func(t *testing.T) {
		assoc := m.resources("AWS::ServiceCatalog::PortfolioPrincipalAssociation")
		require.Len(t, assoc, 1)
		for _, a := range assoc {
			p := a["Properties"].(map[string]any)
			assert.Equal(t, cfg.PortfolioID, p["PortfolioId"])
			assert.Equal(t, "IAM", p["PrincipalType"])
			assert.Equal(t, getAtt(m.roleID(t, "provision")), p["PrincipalARN"])
		}
	})

	t.Run("outputs name what the CLI and operators use", func(t *testing.T) {
		outputs := m["Outputs"].(map[string]any)
		for _, k := range []string{"RequestQueueUrl", "DeadLetterQueueUrl", "DeadLetterQueueArn", "RejectedQueueUrl", "LifecycleFailedQueueUrl",
			"LifecycleFunctionName", "StateMachineArn", "NotificationBusName"} {
			assert.Contains(t, outputs, k)
		}
		// The local runtime records its stack with deploy's keys: the
		// template must declare exactly those.
		assert.Equal(t, deploy.HomeStackOutputs(), slices.Sorted(maps.Keys(outputs)))
	})

	t.Run("Organizations events are forwarded from us-east-1 to the home Region's default bus", func(t *testing.T) {
		require.NotNil(t, s.forwarder)
		assert.Equal(t, "us-east-1", *s.stacks.Forwarder.Region())
		rs := s.forwarder.resources("AWS::Events::Rule")
		require.Len(t, rs, 1)
		for _, r := range rs {
			p := r["Properties"].(map[string]any)
			assert.JSONEq(t, rules.OrganizationsJoin.JSON(), mustJSON(t, p["EventPattern"]))
			target := p["Targets"].([]any)[0].(map[string]any)
			assert.Equal(t, "arn:aws:events:eu-west-1:111122223333:event-bus/default", target["Arn"])
		}
	})

	t.Run("cdk-nag AwsSolutions reports nothing unsuppressed", func(t *testing.T) {
		for _, st := range []awscdk.Stack{s.stacks.Home, s.stacks.Forwarder} {
			a := assertions.Annotations_FromStack(st)
			nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
			assert.Empty(t, messages(a.FindError(jsii.String("*"), nag)), *st.StackName())
			assert.Empty(t, messages(a.FindWarning(jsii.String("*"), nag)), *st.StackName())
		}
	})
}

func TestHomeInUSEast1HasNoForwarder(t *testing.T) {
	cfg := loadConfig(t, map[string]any{
		config.KeyHomeRegion:    "us-east-1",
		config.KeyAlarmTopicArn: "arn:aws:sns:us-east-1:111122223333:towervend-alarms",
		config.KeyNotificationWebhook: map[string]any{
			"url": "https://tickets.example/towervend", "secretArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:towervend-hook-AbCdEf",
		},
	})
	s := synth(t, cfg, nil)
	assert.Nil(t, s.stacks.Forwarder, "Organizations events already arrive in us-east-1")

	byPattern := rulesByPattern(s.home)
	for _, r := range rules.Lifecycle() {
		assert.Contains(t, byPattern, normalize(t, r.JSON()), r.Name)
	}

	t.Run("the optional webhook sends every notification to the API destination", func(t *testing.T) {
		dests := s.home.resources("AWS::Events::ApiDestination")
		require.Len(t, dests, 1)
		var destID string
		for id, d := range dests {
			destID = id
			p := d["Properties"].(map[string]any)
			assert.Equal(t, "https://tickets.example/towervend", p["InvocationEndpoint"])
			assert.Equal(t, "POST", p["HttpMethod"])
		}
		rule, ok := byPattern[normalize(t, rules.Notifications.JSON())]
		require.True(t, ok, "a rule with the notifications pattern")
		assert.NotNil(t, rule["EventBusName"], "on the towervend bus")
		target := rule["Targets"].([]any)[0].(map[string]any)
		assert.Equal(t, getAtt(destID), target["Arn"])
		conns := s.home.resources("AWS::Events::Connection")
		require.Len(t, conns, 1)
		for _, c := range conns {
			raw := mustJSON(t, c)
			assert.Contains(t, raw, "resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:111122223333:secret:towervend-hook-AbCdEf",
				"the key is resolved from Secrets Manager at deploy time")
		}
	})

	t.Run("cdk-nag reports nothing unsuppressed", func(t *testing.T) {
		a := assertions.Annotations_FromStack(s.stacks.Home)
		assert.Empty(t, messages(a.FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))))
		assert.Empty(t, messages(a.FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))))
	})
}

func TestNagRunsOnTheStacks(t *testing.T) {
	// An unencrypted queue added to the stack must be reported: the checks are
	// wired in, not merely quiet.
	s := synth(t, loadConfig(t, nil), func(s *stack.Stacks) {
		awssqs.NewCfnQueue(s.Home, jsii.String("Unencrypted"), &awssqs.CfnQueueProps{SqsManagedSseEnabled: jsii.Bool(false)})
	})
	errs := assertions.Annotations_FromStack(s.stacks.Home).FindError(jsii.String("/TowerVend/Unencrypted"),
		assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-SQS2.*")))
	assert.NotEmpty(t, messages(errs))
}

func TestNewRejectsMissingAndUnknownFunctions(t *testing.T) {
	cfg := loadConfig(t, nil)
	tests := []struct {
		name   string
		change func(map[string]string)
		want   string
	}{
		{"missing", func(a map[string]string) { delete(a, "provision") }, `no built asset for function "provision"`},
		{"unknown", func(a map[string]string) { a["audit"] = "/tmp/audit" }, "functions [audit] are built but the stack does not deploy them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := map[string]string{}
			for k, v := range assets {
				a[k] = v
			}
			tt.change(a)
			_, err := stack.New(newApp(t), stack.Props{Config: cfg, Functions: a})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestBundledFunctions(t *testing.T) {
	policy, err := os.ReadFile(filepath.Join(repoRoot, config.DefaultPolicyFile))
	require.NoError(t, err)
	assert.Equal(t, functionNames, sortedLike(keysOf(assets), functionNames))
	for name, dir := range assets {
		f, err := elf.Open(filepath.Join(dir, "bootstrap"))
		require.NoError(t, err, name)
		assert.Equal(t, elf.EM_AARCH64, f.Machine, "%s is built for arm64", name)
		assert.Equal(t, elf.ELFOSABI_NONE, f.OSABI, name)
		assert.Nil(t, f.Section(".debug_info"), "%s is stripped (-ldflags -s -w)", name)
		require.NoError(t, f.Close())
		b, err := os.ReadFile(filepath.Join(dir, vend.DefaultPolicyFile))
		require.NoError(t, err, name)
		assert.Equal(t, policy, b, "%s bundles the configured policy as %s", name, vend.DefaultPolicyFile)
	}
}

// expectedActions are the AWS calls each function makes (internal/vend),
// written out independently of the stack's table.
var expectedActions = map[string][]string{
	"validate": {"organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent", "organizations:ListAccounts",
		"organizations:DescribeAccount", "organizations:ListParents", "organizations:ListTagsForResource",
		"controltower:ListEnabledBaselines", "controltower:ListLandingZones", "controltower:GetLandingZone",
		"servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord",
		"sso:ListInstances", "sso:ListPermissionSets", "sso:DescribePermissionSet", "sso:ListAccountAssignments",
		"identitystore:GetUserId", "identitystore:GetGroupId", "identitystore:IsMemberInGroups", "events:PutEvents",
		"identitystore:DescribeUser", "identitystore:DescribeGroup", // names the assignments a move would carry into a stricter OU
		"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem", "states:DescribeExecution"}, // the account's turn; the close ledger
	"checkrole": {"sts:AssumeRole"},
	"provision": append([]string{"servicecatalog:SearchProducts", "servicecatalog:ListProvisioningArtifacts", "servicecatalog:ListLaunchPaths",
		"servicecatalog:ProvisionProduct", "servicecatalog:UpdateProvisionedProduct", "servicecatalog:TerminateProvisionedProduct",
		"servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord",
		"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "states:SendTaskSuccess"}, // the waiting line
		accountFactoryPrincipal...),
	"await": {"dynamodb:PutItem", "dynamodb:DeleteItem", "servicecatalog:DescribeRecord", "states:SendTaskSuccess"},
	"provisionstatus": {"servicecatalog:DescribeRecord",
		"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "states:SendTaskSuccess"}, // wakes the waiting line
	"assignsso": {"sso:ListInstances", "sso:CreateAccountAssignment", "sso:DescribeAccountAssignmentCreationStatus",
		"sso:DeleteAccountAssignment", "sso:DescribeAccountAssignmentDeletionStatus", "sso:ListAccountAssignments"},
	"moveou": {"organizations:ListParents", "organizations:MoveAccount"},
	"tag":    {"organizations:TagResource", "organizations:UntagResource"},
	"close":  {"organizations:CloseAccount", "dynamodb:PutItem"}, // the closure ledger
	"notify": {"events:PutEvents", "dynamodb:DeleteItem"},        // ends the request's turn on its account
	"reportfailure": {"events:PutEvents", "dynamodb:DeleteItem", "dynamodb:PutItem", // the turn: ended, or taken back on a redrive
		"servicecatalog:SearchProvisionedProducts"}, // names the account a failed create made
	"intake": {"states:StartExecution", "states:DescribeExecution", "events:PutEvents", "sqs:SendMessage", "dynamodb:PutItem"},
	"lifecycle": {"organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent", "organizations:DescribeAccount",
		"organizations:ListAccountsForParent", // the hourly sweep of the accounts in Root
		"organizations:ListTagsForResource", "servicecatalog:SearchProvisionedProducts", "states:StartExecution",
		"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "states:SendTaskSuccess", // wakes the waiting executions
		"sqs:SendMessage"}, // its on-failure destination
}

// accountFactoryPrincipal is what Control Tower asks of a principal that
// provisions through Account Factory (aws-facts §1.1, with §11: the statement
// today, without the five retired sso / sso-directory actions cfn-lint W3037
// names), besides the managed policy AWSServiceCatalogEndUserFullAccess.
var accountFactoryPrincipal = []string{
	"sso:GetProfile", "sso:CreateProfile", "sso:UpdateProfile", "sso:AssociateProfile", "sso:CreateApplicationInstance",
	"sso:GetSSOStatus", "sso:GetTrust", "sso:CreateTrust", "sso:UpdateTrust",
	"sso:GetApplicationInstance", "sso:ListDirectoryAssociations", "sso:ListPermissionSets", "sso:GetPermissionSet",
	"sso:ListProfileAssociations", "sso:DescribeRegisteredRegions",
	"sso-directory:ListMembersInGroup", "sso-directory:AddMemberToGroup", "sso-directory:SearchGroups",
	"sso-directory:SearchUsers", "sso-directory:CreateUser",
	"sso-directory:DescribeGroups", "sso-directory:DescribeDirectory", "sso-directory:GetUserPoolInfo",
	"controltower:CreateManagedAccount", "controltower:DescribeManagedAccount", "controltower:DeregisterManagedAccount",
	"organizations:DescribeOrganization", "organizations:CreateAccount", "organizations:DescribeCreateAccountStatus",
	"s3:GetObject",
}

// baseActions every function has: writing its log group, tracing.
var baseActions = []string{"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}

// queueConsumerActions are what the SQS event source mapping needs.
var queueConsumerActions = []string{"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}

// noResourceLevel are the actions granted on Resource "*": they have no
// resource-level permissions (Service Authorization Reference) or, for the
// Account Factory set, Control Tower documents them with "*".
var noResourceLevel = func() map[string]bool {
	m := map[string]bool{}
	for _, a := range append([]string{"xray:PutTraceSegments", "xray:PutTelemetryRecords",
		"organizations:ListRoots", "organizations:ListAccounts", "controltower:ListEnabledBaselines", "controltower:ListLandingZones", "sso:ListInstances",
		"servicecatalog:SearchProducts", "servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord",
		"servicecatalog:UpdateProvisionedProduct", "servicecatalog:TerminateProvisionedProduct"},
		accountFactoryPrincipal...) {
		m[a] = true
	}
	return m
}()

// isWorkflowRoleOnly are the actions CDK grants the state machine's role for
// logging and tracing, which have no resource-level permissions.
func isWorkflowRoleOnly(a string) bool {
	return strings.HasPrefix(a, "logs:") && (strings.Contains(a, "LogDeliver") || a == "logs:PutResourcePolicy" ||
		a == "logs:DescribeResourcePolicies" || a == "logs:DescribeLogGroups") ||
		strings.HasPrefix(a, "xray:")
}

func queueID(t *testing.T, m tmpl) string {
	t.Helper()
	for id, q := range m.resources("AWS::SQS::Queue") {
		if q["Properties"].(map[string]any)["QueueName"] == stack.QueueName {
			return id
		}
	}
	t.Fatal("no request queue")
	return ""
}

func dlqID(t *testing.T, m tmpl) string {
	t.Helper()
	return queueNamed(t, m, stack.DeadLetterQueueName)
}

// queueNamed is the logical id of the queue with that name.
func queueNamed(t *testing.T, m tmpl, name string) string {
	t.Helper()
	for id, q := range m.resources("AWS::SQS::Queue") {
		if q["Properties"].(map[string]any)["QueueName"] == name {
			return id
		}
	}
	t.Fatalf("no queue %s", name)
	return ""
}

// queuePolicies maps each queue's logical id to its policy statements.
func queuePolicies(m tmpl) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, p := range m.resources("AWS::SQS::QueuePolicy") {
		props := p["Properties"].(map[string]any)
		for _, q := range props["Queues"].([]any) {
			id := q.(map[string]any)["Ref"].(string)
			for _, s := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				out[id] = append(out[id], s.(map[string]any))
			}
		}
	}
	return out
}

// rulesByPattern maps each rule's normalized pattern JSON to its properties.
func rulesByPattern(m tmpl) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range m.resources("AWS::Events::Rule") {
		p := r["Properties"].(map[string]any)
		b, _ := json.Marshal(p["EventPattern"])
		out[string(b)] = p
	}
	return out
}

// normalize re-encodes JSON so key order does not matter.
func normalize(t *testing.T, s string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return mustJSON(t, v)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// sortedLike orders got like want (for a readable comparison of sets).
func sortedLike(got, want []string) []string {
	idx := map[string]int{}
	for i, w := range want {
		idx[w] = i
	}
	sort.Slice(got, func(i, j int) bool {
		a, okA := idx[got[i]]
		b, okB := idx[got[j]]
		if okA && okB {
			return a < b
		}
		return okA
	})
	return got
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
