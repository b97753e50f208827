package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/vend"
)

// The operator commands work end to end against `towervend sim` on loopback:
// submit a request that fails, see why with status, redrive it after the fix.
func TestOperatorCommandsAgainstTheSimulator(t *testing.T) {
	ep := startSim(t).endpoint

	code, out, stderr := runCLI(t, "submit", "--endpoint", ep, "../../events/requests/04-enroll-missing-role.json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, out, "request CHG1004 sent")

	rep := waitForStatus(t, ep, "CHG1004", "failed")
	assert.Equal(t, "CheckRole", rep.FailedStep)
	assert.Equal(t, vend.ErrRoleMissing, rep.Error, "the step's error, not the execution's TowerVend.RequestFailed")
	assert.Contains(t, rep.Reason, "AWSControlTowerExecution")
	assert.True(t, rep.Redrivable)

	code, out, _ = runCLI(t, "redrive", "--endpoint", ep, "--failed-since", "24h", "--dry-run")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "CHG1004: would-redrive")

	// The operator creates the role in the account; the simulator stands in for them.
	code, _, stderr = runCLI(t, "redrive", "--endpoint", ep, "CHG1004")
	require.Equal(t, 0, code, stderr)
	rep = waitForStatus(t, ep, "CHG1004", "failed") // still no role: fails again at the same step
	assert.Equal(t, int32(1), rep.RedriveCount)

}

// simulator is `towervend sim` with towervend deployed, served on loopback.
type simulator struct {
	endpoint string
	region   string
}

func startSim(t *testing.T) simulator {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	served := make(chan int, 1)
	go func() {
		served <- run(ctx, []string{"sim", "--addr", "127.0.0.1:0", "--speed", "20000", "--json"}, pw, io.Discard)
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var ready struct{ Endpoint string }
	require.NoError(t, json.Unmarshal([]byte(line), &ready))
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-served:
			assert.Equal(t, 0, code, "sim stops cleanly")
		case <-time.After(10 * time.Second):
			t.Error("sim did not stop")
		}
	})
	return simulator{endpoint: ready.Endpoint, region: "eu-west-1"}
}

// waitForStatus polls `towervend status --json` until the request reaches the
// outcome; it gives up after a bounded number of polls.
func waitForStatus(t *testing.T, endpoint, id, outcome string) vend.RequestStatus {
	t.Helper()
	var rep vend.RequestStatus
	for range 400 {
		code, out, _ := runCLI(t, "status", "--endpoint", endpoint, "--json", id)
		if code == 0 {
			require.NoError(t, json.Unmarshal([]byte(out), &rep))
			if rep.Outcome == outcome && rep.Status != "RUNNING" {
				return rep
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("request %s never reached %s (last: %+v)", id, outcome, rep)
	return rep
}
