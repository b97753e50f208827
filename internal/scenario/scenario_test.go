package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/local"
)

// samples is where the shipped scenarios are, from this package's folder.
const samples = "../../events/scenarios"

// run runs a scenario on a fresh runtime.
func run(t *testing.T, s *Scenario, observe func(*local.Runtime, StepResult)) *Report {
	t.Helper()
	rep, _ := runOn(t, s, observe)
	return rep
}

// runOn is run, also returning the runtime, to look at the world after.
func runOn(t *testing.T, s *Scenario, observe func(*local.Runtime, StepResult)) (*Report, *local.Runtime) {
	t.Helper()
	opts, err := s.Options()
	require.NoError(t, err)
	rt, err := local.New(context.Background(), opts)
	require.NoError(t, err)
	var obs func(StepResult)
	if observe != nil {
		obs = func(r StepResult) { observe(rt, r) }
	}
	rep, _ := s.Run(context.Background(), rt, obs)
	return rep, rt
}

func parse(t *testing.T, doc string) *Scenario {
	t.Helper()
	s, err := Parse([]byte(doc), t.TempDir())
	require.NoError(t, err)
	return s
}

// Every shipped scenario runs and every one of its expectations holds.
func TestSamplesPass(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samples, "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 5, "the samples are in events/scenarios")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			s, err := Load(f)
			require.NoError(t, err)
			rep := run(t, s, nil)
			assert.Empty(t, rep.Failures())
			assert.True(t, rep.Passed)
			assert.NotEmpty(t, rep.Expectations, "a sample checks something")
			for _, st := range rep.Steps {
				assert.Equal(t, StepDone, st.Status, "step %d", st.Step)
			}
		})
	}
}

const create = `{"requestId": "CHG9001", "action": "create",
  "account": {"name": "scenario-test", "email": "aws+scenario-test@northwind.example", "organizationalUnit": "Sandbox"},
  "owner": {"email": "li.wei@northwind.example", "firstName": "Li", "lastName": "Wei"},
  "tags": {"CostCenter": "9000"},
  "requester": {"system": "jira", "ticket": "T-1", "by": "li.wei@northwind.example"}}`

// A check that does not hold is reported with what was expected and what
// was found, and fails the scenario; the ones that hold pass beside it.
func TestFailingExpectationIsReported(t *testing.T) {
	s := parse(t, `{"steps": [
	  {"at": "0s", "submit": `+create+`},
	  {"after": {"request": "CHG9001"}, "expect": {"request": "CHG9001", "status": "SUCCEEDED",
	    "account": "${CHG9001.accountId}", "organizationalUnit": "Workloads/Prod", "tags": {"CostCenter": "9000", "Team": "x"},
	    "assignments": [{"group": "finops-readers", "permissionSet": "BillingReadOnly"},
	                    {"group": "platform-admins", "permissionSet": "AWSReadOnlyAccess"}]}}]}`)
	rep := run(t, s, nil)
	assert.False(t, rep.Passed)
	byWhat := map[string]Expectation{}
	for _, e := range rep.Expectations {
		byWhat[strings.TrimPrefix(e.What, "account "+rep.Requests[0].AccountID+" ")] = e
	}
	assert.True(t, byWhat["CHG9001 status"].Pass)
	assert.Equal(t, Expectation{Step: 2, What: "account " + rep.Requests[0].AccountID + " organizationalUnit", Expected: "Workloads/Prod", Actual: "Sandbox"},
		byWhat["organizationalUnit"])
	assert.True(t, byWhat["tag CostCenter"].Pass)
	assert.False(t, byWhat["tag Team"].Pass)
	assert.Equal(t, "absent", byWhat["tag Team"].Actual)
	assert.True(t, byWhat["assignment group finops-readers: BillingReadOnly"].Pass, "Sandbox's default access")
	missing := byWhat["assignment group platform-admins: AWSReadOnlyAccess"]
	assert.False(t, missing.Pass)
	assert.Contains(t, missing.Actual, "absent (the account has: group finops-readers: BillingReadOnly, user li.wei: AWSAdministratorAccess)")
	failures := strings.Join(rep.Failures(), "\n")
	assert.Contains(t, failures, "organizationalUnit: expected Workloads/Prod, got Sandbox")
	assert.Contains(t, failures, `tag Team: expected "x", got absent`)
	assert.Len(t, rep.Failures(), 3)
}

// A step waits for a state of the workflow; a reference to an account a
// request does not have yet fails the step, and the steps after it do not run.
func TestStepsWaitAndReferencesMustResolve(t *testing.T) {
	s := parse(t, `{"steps": [
	  {"at": "0s", "submit": `+create+`},
	  {"after": {"request": "CHG9001", "state": "WaitForControlTower"}, "expect": {"request": "CHG9001", "status": "PENDING"}},
	  {"after": {"delay": "1m"}, "submit": {"requestId": "CHG9002", "action": "update", "account": {"id": "${CHG9001.accountId}"}, "tags": {"A": "b"}}},
	  {"after": {"settled": true}, "expect": {"request": "CHG9001", "status": "SUCCEEDED"}}]}`)
	rep := run(t, s, nil)
	require.Len(t, rep.Steps, 4)
	assert.Equal(t, StepDone, rep.Steps[1].Status)
	require.Len(t, rep.Expectations, 1)
	assert.True(t, rep.Expectations[0].Pass, "Control Tower is still at work while the request waits for it")
	assert.Equal(t, StepFailed, rep.Steps[2].Status)
	assert.Contains(t, rep.Steps[2].Error, `${CHG9001.accountId}: CHG9001 has no account id yet (it is PENDING); let this step wait for it: "after": {"request": "CHG9001"}`)
	waited, err := time.ParseDuration(rep.Steps[1].Elapsed)
	require.NoError(t, err)
	assert.Equal(t, (waited + time.Minute).String(), rep.Steps[2].Elapsed, "the step ran a minute after the one before")
	assert.Equal(t, StepNotRun, rep.Steps[3].Status)
	assert.False(t, rep.Passed)
	assert.Equal(t, "SUCCEEDED", rep.Requests[0].Status, "the run still goes on until it settles")
}

// A step waiting for a request to succeed fails once the request ended otherwise.
func TestAfterAStateTheRequestNeverReaches(t *testing.T) {
	s := parse(t, `{"steps": [
	  {"at": "0s", "submit": {"requestId": "CHG9003", "action": "create", "account": {"name": "x"}}},
	  {"after": {"request": "CHG9003", "state": "SUCCEEDED"}, "fault": {}}]}`)
	rep := run(t, s, nil)
	assert.Equal(t, StepFailed, rep.Steps[1].Status)
	assert.Contains(t, rep.Steps[1].Error, "CHG9003 ended REJECTED (")
	assert.Contains(t, rep.Steps[1].Error, "without reaching SUCCEEDED")
}

// A fault step changes the faults in force from then on; {} switches them off.
func TestFaultStepsSwitchFaults(t *testing.T) {
	s := parse(t, `{"steps": [
	  {"at": "1m", "fault": {"throttle": {"sso": 0.5}, "serverErrors": {"organizations": 0.1}}},
	  {"at": "2m", "fault": {}}]}`)
	var seen []awssim.Faults
	rep := run(t, s, func(rt *local.Runtime, _ StepResult) { seen = append(seen, rt.Sim.Faults()) })
	require.True(t, rep.Passed, rep.Failures())
	require.Len(t, seen, 2)
	assert.Equal(t, 0.5, seen[0].Throttle["sso"])
	assert.Equal(t, 0.1, seen[0].ServerErrors["organizations"])
	assert.Equal(t, awssim.Faults{}, seen[1])
	assert.Equal(t, "1m0s", rep.Steps[0].Elapsed)
	assert.Equal(t, "2m0s", rep.Steps[1].Elapsed)
}

// The throttling sample's fault steps do throttle: the same requests without
// them make fewer calls, since no refused call is retried.
func TestThrottlingSampleThrottles(t *testing.T) {
	s, err := Load(filepath.Join(samples, "04-throttling-mid-run.json"))
	require.NoError(t, err)
	calm := *s
	calm.Steps = nil
	for _, st := range s.Steps {
		if st.Fault == nil {
			calm.Steps = append(calm.Steps, st)
		}
	}
	require.Len(t, calm.Steps, len(s.Steps)-2)
	total := func(rt *local.Runtime, service string) int {
		n := 0
		for _, c := range rt.Sim.Calls()[service] {
			n += c
		}
		return n
	}
	stormy, rt := runOn(t, s, nil)
	require.True(t, stormy.Passed, stormy.Failures())
	quiet, calmRT := runOn(t, &calm, nil)
	require.True(t, quiet.Passed, quiet.Failures())
	for _, svc := range []string{"servicecatalog", "sso"} {
		assert.Greater(t, total(rt, svc), total(calmRT, svc), svc)
	}
}

// A hand-made move and tag change are Organizations calls: the account is
// where they put it, and an expectation on an account id the organization
// does not have fails, saying so.
func TestHandChangesAndMissingAccounts(t *testing.T) {
	s := parse(t, `{"steps": [
	  {"at": "0s", "aws": {"moveAccount": {"account": "941506978324", "organizationalUnit": "Workloads/NonProd"}}},
	  {"at": "0s", "aws": {"tagResource": {"account": "941506978324", "tags": {"Team": "x"}}}},
	  {"at": "1m", "expect": {"account": "941506978324", "organizationalUnit": "ou-nw7k-wklnonp1", "tags": {"Team": "x", "CostCenter": "9000"}}},
	  {"at": "1m", "expect": {"account": "999999999999", "organizationalUnit": "Sandbox", "tags": {"A": null}}},
	  {"at": "2m", "aws": {"moveAccount": {"account": "941506978324", "organizationalUnit": "Workloads/Nowhere"}}}]}`)
	rep := run(t, s, nil)
	require.Len(t, rep.Expectations, 5)
	for _, e := range rep.Expectations[:3] {
		assert.True(t, e.Pass, "%s: %s", e.What, e.Actual)
	}
	assert.Equal(t, "Workloads/NonProd (ou-nw7k-wklnonp1)", rep.Expectations[0].Actual)
	for _, e := range rep.Expectations[3:] {
		assert.False(t, e.Pass)
		assert.Equal(t, "no account 999999999999 in the organization", e.Actual)
	}
	assert.Equal(t, StepFailed, rep.Steps[4].Status)
	assert.Contains(t, rep.Steps[4].Error, `organizationalUnit "Workloads/Nowhere": Workloads has no OU "Nowhere"; its OUs are: NonProd, Prod`)
}

// Bad scenario files are refused before anything runs, naming the step, the
// field and the fix.
func TestBadScenariosAreRefused(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "req.json"), []byte(create), 0o600))
	tests := map[string]struct{ doc, want string }{
		"not JSON":       {`{"steps": [`, "scenario: not valid JSON"},
		"trailing":       {`{"steps": [{"at": "0s", "fault": {}}]}}`, "scenario: something follows the JSON object"},
		"unknown top":    {`{"step": []}`, `scenario: unknown field "step"; the fields are: description, world, policy, steps`},
		"no steps":       {`{"steps": []}`, "steps: none; give at least one"},
		"no time":        {`{"steps": [{"fault": {}}]}`, "step 1: says not when it runs; give at"},
		"both times":     {`{"steps": [{"at": "0s", "after": {"delay": "1m"}, "fault": {}}]}`, "step 1: has both at and after"},
		"bad duration":   {`{"steps": [{"at": "90 minutes", "fault": {}}]}`, `step 1.at: "90 minutes" is not a duration; write one like "90m"`},
		"negative":       {`{"steps": [{"at": "-5m", "fault": {}}]}`, `step 1.at: "-5m" is negative`},
		"at a number":    {`{"steps": [{"at": 90, "fault": {}}]}`, "step 1.at: a number is not allowed here; give a string"},
		"two kinds":      {`{"steps": [{"at": "0s", "fault": {}, "submit": "req.json"}]}`, "step 1: has 2 kinds; give exactly one of submit, aws, fault or expect"},
		"unknown step":   {`{"steps": [{"at": "0s", "fault": {}, "wait": "1m"}]}`, `step 1: unknown field "wait"; the fields are: note, at, after, submit, aws, fault, expect`},
		"nested unknown": {`{"steps": [{"at": "0s", "aws": {"consoleProvision": {"name": "a", "email": "a@b.example", "organizationalUnit": "Sandbox", "sso": {"mail": "x"}}}}]}`, `step 1.aws.consoleProvision.sso: unknown field "mail"; the fields are: email, firstName, lastName`},
		"missing file":   {`{"steps": [{"at": "0s", "submit": "nope.json"}]}`, "step 1.submit: open " + filepath.Join(dir, "nope.json")},
		"submit number":  {`{"steps": [{"at": "0s", "submit": 5}]}`, "step 1.submit: give the request (a JSON object) or the path of its file (a string)"},
		"unknown request": {`{"steps": [{"at": "0s", "submit": "req.json"}, {"after": {"request": "CHG1"}, "fault": {}}]}`,
			`step 2.after.request: "CHG1" is not a request an earlier step submitted; give one of: CHG9001`},
		"state without request": {`{"steps": [{"after": {"state": "SUCCEEDED", "delay": "1m"}, "fault": {}}]}`, `step 1.after.state: "SUCCEEDED" needs request`},
		"bad state": {`{"steps": [{"at": "0s", "submit": "req.json"}, {"after": {"request": "CHG9001", "state": "DONE"}, "fault": {}}]}`,
			`step 2.after.state: "DONE" is neither a request's state (SUCCEEDED, FAILED, REJECTED, SKIPPED, ACCEPTED) nor a state of the workflow (`},
		"empty after":            {`{"steps": [{"after": {}, "fault": {}}]}`, "step 1.after: is empty; give request"},
		"bad fault":              {`{"steps": [{"at": "0s", "fault": {"throttle": {"sso": 2}}}]}`, "step 1.fault: faults.throttle.sso: rate 2 must be between 0 and 1"},
		"unknown fault":          {`{"steps": [{"at": "0s", "fault": {"throttling": {}}}]}`, `step 1.fault: unknown field "throttling"; the fields are: throttle, serverErrors`},
		"two actions":            {`{"steps": [{"at": "0s", "aws": {"tagResource": {"account": "941506978324", "tags": {"a": "b"}}, "untagResource": {"account": "941506978324", "tagKeys": ["a"]}}}]}`, "step 1.aws: has 2 actions; give exactly one of"},
		"bad account":            {`{"steps": [{"at": "0s", "aws": {"moveAccount": {"account": "sandbox", "organizationalUnit": "Sandbox"}}}]}`, `step 1.aws.moveAccount.account: "sandbox" is not an account id; give 12 digits or a reference such as ${CHG2001.accountId}`},
		"unknown reference":      {`{"steps": [{"at": "0s", "aws": {"tagResource": {"account": "${CHG7.accountId}", "tags": {"a": "b"}}}}]}`, `step 1.aws.tagResource.account: ${CHG7.accountId} names "CHG7", which no earlier step submitted or created (no earlier step defines a name)`},
		"bad attribute":          {`{"steps": [{"at": "0s", "submit": "req.json"}, {"at": "0s", "submit": {"requestId": "B", "account": {"id": "${CHG9001.email}"}}}]}`, "step 2.submit: ${CHG9001.email} is not a reference; write ${NAME.accountId}"},
		"reference later":        {`{"steps": [{"at": "0s", "submit": {"requestId": "B", "account": {"id": "${C.accountId}"}}}, {"at": "0s", "aws": {"createAccount": {"name": "C", "email": "c@northwind.example"}}}]}`, `${C.accountId} names "C", which no earlier step submitted or created`},
		"bad email":              {`{"steps": [{"at": "0s", "aws": {"createAccount": {"name": "c", "email": "nope"}}}]}`, `step 1.aws.createAccount.email: "nope" is not an email address`},
		"bad role":               {`{"steps": [{"at": "0s", "aws": {"createAccount": {"name": "c", "email": "c@x.example", "roleName": "a b"}}}]}`, `step 1.aws.createAccount.roleName: "a b" is not an IAM role name`},
		"name clash":             {`{"steps": [{"at": "0s", "submit": "req.json"}, {"at": "0s", "aws": {"createAccount": {"name": "CHG9001", "email": "c@x.example"}}}]}`, `step 2.aws.createAccount.name: "CHG9001" is also an earlier request's requestId`},
		"empty expect":           {`{"steps": [{"at": "0s", "expect": {}}]}`, "step 1.expect: checks nothing"},
		"bad status":             {`{"steps": [{"at": "0s", "submit": "req.json"}, {"at": "0s", "expect": {"request": "CHG9001", "status": "DONE"}}]}`, `step 2.expect.status: "DONE" is not a request status; give one of SUCCEEDED, FAILED, REJECTED, SKIPPED, PENDING`},
		"checks without account": {`{"steps": [{"at": "0s", "expect": {"tags": {"a": "b"}}}]}`, "step 1.expect: checks nothing"},
		"account without checks": {`{"steps": [{"at": "0s", "expect": {"account": "941506978324"}}]}`, "step 1.expect: says which account but not what to check"},
		"assignment both":        {`{"steps": [{"at": "0s", "expect": {"account": "941506978324", "assignments": [{"group": "a", "user": "b", "permissionSet": "c"}]}}]}`, "step 1.expect.assignments[0]: give exactly one of group"},
		"tag not a string":       {`{"steps": [{"at": "0s", "expect": {"account": "941506978324", "tags": {"a": 5}}}]}`, "step 1.expect.tags: a number is not allowed here; give a string"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// Load names the file, and files a scenario names are relative to it.
func TestLoadResolvesRelativeFiles(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "reqs"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "reqs", "a.json"), []byte(create), 0o600))
	path := filepath.Join(dir, "s.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"world": "w.json", "steps": [{"at": "0s", "submit": "reqs/a.json"}]}`), 0o600))
	s, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "w.json"), s.World)
	assert.Equal(t, "CHG9001", s.Steps[0].RequestID)
	assert.JSONEq(t, create, string(s.Steps[0].Submit))
	_, err = s.Options()
	require.Error(t, err, "the world file is read relative to the scenario")
	assert.Contains(t, err.Error(), filepath.Join(dir, "w.json"))

	require.NoError(t, os.WriteFile(path, []byte(`{"steps": [{"at": "0s", "fault": {"x": 1}}]}`), 0o600))
	_, err = Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scenario "+path+": step 1.fault: unknown field")
}
