package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A bad --provisioning or --ous fails before any run with exit 2, naming the fix.
func TestBenchRefusesBadBackendFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "-n", "1", "--provisioning", "serviceCatalog"}, `--provisioning "serviceCatalog": write accountFactory, autoEnrollment or auto`},
		{[]string{"bench", "--soak", "-n", "1", "--provisioning", ""}, `--provisioning "": write accountFactory, autoEnrollment or auto`},
		{[]string{"bench", "-n", "1", "--ous", "2"}, "--ous 2: spread the requests over 3 to 20 OUs"},
		{[]string{"bench", "--coldstart", "dist/host", "--provisioning", "autoEnrollment"}, "--coldstart vends nothing; leave them out"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, stdout, "%v: nothing ran", c.args)
		assert.Contains(t, stderr, c.want, c.args)
	}
}

// --provisioning and --ous reach the benchmark: auto-enrollment vends with
// Organizations CreateAccount, and its report says so.
func TestBenchAutoEnrollmentFlag(t *testing.T) {
	code, stdout, stderr := runCLI(t, "bench", "-n", "4", "--provisioning", "autoEnrollment", "--ous", "4", "--json")
	require.Equal(t, 0, code, stderr)
	var rep struct {
		Provisioning string                    `json:"provisioning"`
		OUs          int                       `json:"ous"`
		Outcomes     map[string]int            `json:"outcomes"`
		APICalls     map[string]map[string]int `json:"apiCalls"`
		Moves        struct {
			ByOU map[string]int `json:"byOU"`
		} `json:"moves"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, "autoEnrollment", rep.Provisioning)
	assert.Equal(t, 4, rep.OUs)
	assert.Equal(t, map[string]int{"SUCCEEDED": 4}, rep.Outcomes)
	assert.Equal(t, 4, rep.APICalls["organizations"]["CreateAccount"])
	assert.Zero(t, rep.APICalls["servicecatalog"]["ProvisionProduct"])
	assert.Equal(t, 1, rep.Moves.ByOU["Workloads/Bench01"], "the fourth OU is the bench world's added one")

	code, stdout, stderr = runCLI(t, "bench", "-n", "2", "--json")
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, "accountFactory", rep.Provisioning, "Account Factory stays the default")
}
