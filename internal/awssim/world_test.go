package awssim

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/towervend/towervend/internal/clock"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultWorldLoads(t *testing.T) {
	w, err := ParseWorld(DefaultWorldJSON())
	require.NoError(t, err)
	require.Len(t, w.Happenings, 2, "the demo's invitation and console account")
	s, err := New(w, Options{Clock: clock.NewVirtual(w.Start, 0)}) // held: the test reads state unlocked
	require.NoError(t, err)
	assert.Equal(t, "111122223333", s.ManagementAccountID())
	assert.Equal(t, "Workloads/Prod", s.org.OUPath("ou-nw7k-wklprod1"))
	assert.Equal(t, RoleTrusted, s.org.Account("618273645091").ExecutionRole, "enrolled accounts have the role by default")
	assert.Equal(t, RoleMissing, s.org.Account("604829118370").ExecutionRole)
}

func TestParseWorldRejectsUnknownFields(t *testing.T) {
	_, err := ParseWorld([]byte(`{"organisation": {}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "organisation")
}

// The commented example in world/README.md stays a valid world.
func TestWorldReadmeExampleParses(t *testing.T) {
	b, err := os.ReadFile("world/README.md")
	require.NoError(t, err)
	doc := string(b)
	start := strings.Index(doc, "```jsonc\n")
	require.GreaterOrEqual(t, start, 0)
	body := doc[start+len("```jsonc\n"):]
	body = body[:strings.Index(body, "```")]
	var lines []string
	for _, l := range strings.Split(body, "\n") {
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		lines = append(lines, l)
	}
	w, err := ParseWorld([]byte(strings.Join(lines, "\n")))
	require.NoError(t, err)
	s, err := New(w, Options{})
	require.NoError(t, err)
	assert.Equal(t, "Workloads/Prod", s.OUPath("ou-exam-prod0001"))
	assert.Equal(t, 0.1, w.Faults.Throttle["sso"])
}

func TestWorldLandingZoneVersion(t *testing.T) {
	w, err := ParseWorld([]byte(`{"organization": {"managementAccount": {"name": "m", "email": "m@example.com"}}}`))
	require.NoError(t, err)
	assert.Equal(t, "3.3", w.ControlTower.LandingZoneVersion, "the default")
	_, err = ParseWorld([]byte(`{"organization": {"managementAccount": {"name": "m", "email": "m@example.com"}}, "controlTower": {"landingZoneVersion": "three"}}`))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `controlTower.landingZoneVersion: "three"`)
}

// An enrolled account's owner is the SSO user Account Factory vended it
// with: its provisioning record names the user's email, and Control Tower
// gave the user AWSAdministratorAccess on the account.
func TestWorldAccountOwner(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	sc := servicecatalog.NewFromConfig(testConfig(s))
	pp := s.catalog.State().ProductByName("storefront-prod")
	require.NotNil(t, pp)
	rec, err := sc.DescribeRecord(ctx, &servicecatalog.DescribeRecordInput{Id: aws.String(pp.LastSuccessfulRecordID)})
	require.NoError(t, err)
	outputs := map[string]string{}
	for _, o := range rec.RecordOutputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	assert.Equal(t, "li.wei@northwind.example", outputs["SSOUserEmail"])

	idc := s.IdentityCenter()
	var owners []string
	for _, a := range idc.Assignments {
		if a.AccountID == "729384756102" && a.PrincipalType == "USER" {
			owners = append(owners, idc.Users[a.PrincipalID].UserName+"→"+idc.PermissionSets[a.PermissionSetArn].Name)
		}
	}
	assert.Equal(t, []string{"li.wei→AWSAdministratorAccess"}, owners)
}

func TestWorldAccountOwnerIsChecked(t *testing.T) {
	for name, tc := range map[string]struct{ account, want string }{
		"not enrolled": {`{"name": "a", "email": "a@example.com", "owner": "jo"}`, `account a: owner: "jo" is set but the account is not enrolled`},
		"unknown user": {`{"name": "a", "email": "a@example.com", "enrolled": true, "owner": "nobody"}`, `account a: owner: no Identity Center user has userName "nobody"; add it to identityCenter.users`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseWorld([]byte(`{"organization": {"managementAccount": {"name": "m", "email": "m@example.com"},
				"organizationalUnits": [{"name": "W", "registered": true, "accounts": [` + tc.account + `]}]},
				"identityCenter": {"users": [{"userName": "jo", "email": "jo@example.com", "givenName": "Jo", "familyName": "Do"}], "groups": [],
					"permissionSets": [{"name": "AWSAdministratorAccess"}]}}`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// Every fault rate is a share between 0 and 1; another is refused, naming the field.
func TestWorldFaultRatesAreChecked(t *testing.T) {
	const org = `"organization": {"managementAccount": {"name": "m", "email": "m@example.com"}}`
	for _, tc := range []struct{ faults, want string }{
		{`{"dropLifecycleEvents": 1.5}`, "faults.dropLifecycleEvents: rate 1.5 must be between 0 and 1"},
		{`{"dropLifecycleEvents": -0.2}`, "faults.dropLifecycleEvents: rate -0.2 must be between 0 and 1"},
		{`{"failProvisioningRate": 2}`, "faults.failProvisioningRate: rate 2 must be between 0 and 1"},
		{`{"throttle": {"sso": 1.2}}`, "faults.throttle.sso: rate 1.2 must be between 0 and 1"},
		{`{"serverErrors": {"organizations": -1}}`, "faults.serverErrors.organizations: rate -1 must be between 0 and 1"},
	} {
		t.Run(tc.faults, func(t *testing.T) {
			_, err := ParseWorld([]byte(`{` + org + `, "faults": ` + tc.faults + `}`))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	for text, rate := range map[string]float64{"0": 0, "0.2": 0.2, "1": 1} {
		w, err := ParseWorld([]byte(`{` + org + `, "faults": {"dropLifecycleEvents": ` + text + `}}`))
		require.NoError(t, err, text)
		assert.Equal(t, rate, w.Faults.DropLifecycleEvents)
	}
	_, err := ParseWorld([]byte(`{` + org + `, "faults": {"dropLifecycleEvent": 0.2}}`))
	assert.ErrorContains(t, err, "dropLifecycleEvent", "a misspelt fault is refused, not ignored")
}
