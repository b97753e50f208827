package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/deploy"
	"github.com/towervend/towervend/internal/local"
)

func sampleBody(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(events.FS, "requests/"+name)
	require.NoError(t, err)
	return b
}

// `towervend local` gives every input a final row and exits 0 once all are
// final: an empty file and messages intake rejects run beside a request.
func TestLocalGivesEveryInputAFinalRow(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"a-empty.json":     "",
		"b-not-json.json":  "not json",
		"c-enroll.json":    string(sampleBody(t, "03-enroll.json")),
		"d-long-id.json":   `{"requestId": "` + string(bytes.Repeat([]byte("x"), 65)) + `", "action": "close", "account": {"id": "941506978324"}}`,
		"e-number-id.json": `{"requestId": 7, "action": "close", "account": {"id": "941506978324"}}`,
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
	}
	code, out, stderr := runCLI(t, "local", "--requests", dir)
	require.Equal(t, 0, code, "every input reached a final state: %s\n%s", stderr, out)
	assert.Regexp(t, `\(message 1: a-empty.json\)\s+-\s+REJECTED .*a-empty.json: empty file; a request`, out)
	assert.Regexp(t, `\(message 2\)\s+-\s+REJECTED .*request: is not valid JSON: unexpected 'o' at byte 2`, out)
	assert.Regexp(t, `CHG1003\s+enroll\s+SUCCEEDED`, out)
	assert.Regexp(t, `\(message 4\)\s+-\s+REJECTED`, out)
	assert.Regexp(t, `\(message 5\)\s+-\s+REJECTED`, out)
	assert.NotContains(t, out, "PENDING")
	assert.Contains(t, out, "1 succeeded, 0 failed, 4 rejected")
}

// --concurrency is towervend's limit, at most Control Tower's quota in the world.
func TestLocalConcurrencyFlag(t *testing.T) {
	code, out, stderr := runCLI(t, "local", "--concurrency", "2", "--requests", "../../events/requests/03-enroll.json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "2 account operations at once; Control Tower's quota 5")

	code, _, stderr = runCLI(t, "local", "--concurrency", "6")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--concurrency 6: Control Tower runs at most 5 account operations at once in this world")
}

// --snapshot writes a world file that --world loads, and the second run
// starts from the organization the first left.
func TestLocalSnapshotLoadsWithWorld(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "after.json")
	code, _, stderr := runCLI(t, "local", "--requests", "../../events/requests/01-create.json", "--snapshot", snap)
	require.Equal(t, 0, code, stderr)
	w, err := awssim.LoadWorld(snap)
	require.NoError(t, err)
	found := false
	for _, a := range w.Organization.AllAccounts() {
		if a.Name == "payments-dev" {
			found = true
			assert.True(t, a.Enrolled)
			assert.Equal(t, "raj.patel", a.Owner)
		}
	}
	require.True(t, found, "the account the run created is in the snapshot")
	assert.Contains(t, w.IdentityCenter.Assignments, awssim.AssignmentSpec{Account: "payments-dev", Group: "payments-developers", PermissionSet: "AWSPowerUserAccess"},
		"assignments by the names a world file uses")

	// The same request again, on the world the first run left: the account exists now.
	code, out, stderr := runCLI(t, "local", "--world", snap, "--requests", "../../events/requests/01-create.json", "--json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, `"status": "REJECTED"`)
	assert.Contains(t, out, "payments-dev")
}

// status shows every message sent with a request id and what became of
// each, and an operator with exactly deploy.StatusGrants may read it all.
func TestStatusShowsEveryMessage(t *testing.T) {
	ctx := context.Background()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	rt, err := local.New(ctx, local.Options{World: w})
	require.NoError(t, err)
	update := sampleBody(t, "05-update.json")
	require.NoError(t, rt.Submit(ctx, update, sampleBody(t, "11-reused-id.json"), update, sampleBody(t, "09-invalid.json")))
	require.NoError(t, rt.Run(ctx))

	res := deploy.Resources{Partition: "aws", Region: rt.Sim.Region(), Account: rt.Sim.ManagementAccountID(),
		StateMachineName: deploy.StateMachineName, WaitsTableArn: rt.WaitsTableArn}
	policy, err := iam.Parse(deploy.PolicyDocument(deploy.StatusGrants(res)))
	require.NoError(t, err)
	key, err := rt.Sim.AddRole("towervend-operator", policy)
	require.NoError(t, err)
	cfg := rt.Sim.ConfigAs(key)
	c := sfn.NewFromConfig(cfg)
	smArn, err := (&target{stateMachine: deploy.StateMachineName}).stateMachineArn(ctx, c)
	require.NoError(t, err)
	db := dynamodb.NewFromConfig(cfg)

	rep, err := requestStatus(ctx, c, db, smArn, deploy.WaitsTable.Name, "CHG1005")
	require.NoError(t, err)
	assert.Empty(t, rep.MessagesUnreadable, "the operator's grants cover the table")
	var out bytes.Buffer
	printStatus(&out, rep)
	text := out.String()
	assert.Contains(t, text, "request CHG1005: SUCCEEDED (execution SUCCEEDED")
	assert.Contains(t, text, "messages:     3 sent with this requestId")
	assert.Contains(t, text, "(ticket RITM0012360)  started the execution")
	assert.Contains(t, text, "(ticket RITM0012366)  rejected: requestId: requestId CHG1005 was already used by a different request")
	assert.Contains(t, text, "(ticket RITM0012360)  duplicate delivery of the same request: nothing new started")
	assert.Contains(t, text, "history:")

	rep, err = requestStatus(ctx, c, db, smArn, deploy.WaitsTable.Name, "CHG1009")
	require.NoError(t, err, "a request rejected at intake has a status: its messages")
	out.Reset()
	printStatus(&out, rep)
	assert.Contains(t, out.String(), "request CHG1009: REJECTED at intake (no execution: towervend started nothing)")
	assert.Contains(t, out.String(), "rejected: account.")
	assert.NotContains(t, out.String(), "history:")
	assert.Empty(t, rt.Sim.IAMReport().Denials)
}

// Against the simulator: submit promises only what it knows, and redrive
// explains a request with no execution as status does.
func TestSubmitAndRedriveOfRequestsWithoutExecution(t *testing.T) {
	ep := startSim(t).endpoint
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.json")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))

	code, out, _ := runCLI(t, "submit", "--endpoint", ep, "--force", "../../events/requests/09-invalid.json", empty)
	assert.Equal(t, 1, code, "the empty file was not sent")
	assert.Contains(t, out, "request CHG1009 sent (message ")
	assert.Contains(t, out, "'towervend status CHG1009' shows whether towervend took it or rejected it")
	assert.Contains(t, out, empty+": not sent: empty file; a request is a JSON object")

	waitForStatus(t, ep, "CHG1009", "rejected")
	code, out, _ = runCLI(t, "redrive", "--endpoint", ep, "CHG1009", "CHG4040")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "CHG1009: unknown (towervend rejected it at intake, so nothing ran and there is nothing to redrive: account.")
	assert.Contains(t, out, "CHG4040: unknown (towervend has neither an execution nor a message with this requestId")
	assert.NotContains(t, out, "ExecutionDoesNotExist")

	code, _, stderr := runCLI(t, "status", "--endpoint", ep, "CHG4040")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "towervend has neither an execution nor a message with this requestId")
}
