package accountfactory_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
)

const (
	wklProd = "ou-nw7k-wklprod1"
	sandbox = "ou-nw7k-sbx00001"
	legacy  = "ou-nw7k-leg00001" // not registered
)

func httpStatus(t *testing.T, err error) int {
	t.Helper()
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	return re.HTTPStatusCode()
}

// enabledControls pages through ListEnabledControls.
func enabledControls(t *testing.T, ct *controltower.Client, in *controltower.ListEnabledControlsInput) []types.EnabledControlSummary {
	t.Helper()
	var out []types.EnabledControlSummary
	p := controltower.NewListEnabledControlsPaginator(ct, in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		out = append(out, page.EnabledControls...)
	}
	return out
}

func TestListEnabledControlsShowsTheMandatoryControlsOfARegisteredOU(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(testConfig(s))
	target := s.OUArn(wklProd)
	controls := enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(target), MaxResults: aws.Int32(4)})

	require.Len(t, controls, 15, "Control Tower's mandatory controls")
	arnRe := regexp.MustCompile(`^arn:aws:controltower:` + s.Region() + `:` + s.ManagementAccountID() + `:enabledcontrol/[A-Z0-9]{16}$`)
	seen := map[string]bool{}
	var ids []string
	for _, c := range controls {
		arn := aws.ToString(c.Arn)
		assert.Regexp(t, arnRe, arn)
		assert.False(t, seen[arn], "enabled control ARNs are unique: %s", arn)
		seen[arn] = true
		id := aws.ToString(c.ControlIdentifier)
		assert.True(t, strings.HasPrefix(id, "arn:aws:controltower:"+s.Region()+"::control/AWS-GR_"), id)
		ids = append(ids, strings.TrimPrefix(id, "arn:aws:controltower:"+s.Region()+"::control/"))
		assert.Equal(t, target, aws.ToString(c.TargetIdentifier))
		assert.Equal(t, types.EnablementStatusSucceeded, c.StatusSummary.Status)
		assert.Equal(t, types.DriftStatusNotChecking, c.DriftStatusSummary.DriftStatus)
	}
	assert.Contains(t, ids, "AWS-GR_CLOUDTRAIL_CHANGE_PROHIBITED")
	assert.Contains(t, ids, "AWS-GR_LAMBDA_CHANGE_PROHIBITED")

	again := enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(target)})
	assert.Equal(t, controls, again, "the same controls with the same ARNs on every call")
	other := enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn(sandbox))})
	require.Len(t, other, 15)
	assert.NotEqual(t, aws.ToString(controls[0].Arn), aws.ToString(other[0].Arn), "each OU has its own enabled controls")

	filtered := enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(target),
		Filter: &types.EnabledControlFilter{ControlIdentifiers: []string{aws.ToString(controls[3].ControlIdentifier)}}})
	require.Len(t, filtered, 1)
	assert.Equal(t, controls[3].Arn, filtered[0].Arn)
	assert.Empty(t, enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(target),
		Filter: &types.EnabledControlFilter{DriftStatuses: []types.DriftStatus{types.DriftStatusDrifted}}}))

	all := enabledControls(t, ct, &controltower.ListEnabledControlsInput{})
	assert.Len(t, all, 15*8, "without a target: every registered OU's (the demo world registers eight)")
}

func TestTheWorldEnablesMoreControls(t *testing.T) {
	s, _ := newTestSim(t, func(w *awssim.World) {
		w.ControlTower.EnabledControls = map[string][]string{
			"Workloads/Prod": {"AWS-GR_RESTRICTED_SSH", "arn:aws:controlcatalog:::control/5mhjhod4ky44haldvja2v4x3a"},
			sandbox:          {"AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS"},
		}
	})
	ct := controltower.NewFromConfig(testConfig(s))
	prod := enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn(wklProd))})
	require.Len(t, prod, 17)
	assert.Equal(t, "arn:aws:controltower:"+s.Region()+"::control/AWS-GR_RESTRICTED_SSH", aws.ToString(prod[15].ControlIdentifier))
	assert.Equal(t, "arn:aws:controlcatalog:::control/5mhjhod4ky44haldvja2v4x3a", aws.ToString(prod[16].ControlIdentifier))
	assert.Equal(t, types.DriftStatusInSync, prod[15].DriftStatusSummary.DriftStatus)
	assert.Len(t, enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn(sandbox))}), 16)
	assert.Len(t, enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn("ou-nw7k-wklnonp1"))}), 15)
}

func TestTheWorldsControlsMustBeOnRegisteredOUs(t *testing.T) {
	cases := []struct {
		name     string
		controls map[string][]string
		want     string
	}{
		{"unregistered OU", map[string][]string{"Legacy": {"AWS-GR_RESTRICTED_SSH"}}, `OU "Legacy" is not registered with Control Tower`},
		{"unknown OU", map[string][]string{"Nowhere": {"AWS-GR_RESTRICTED_SSH"}}, `no OU "Nowhere"`},
		{"not a control", map[string][]string{"Sandbox": {"restricted ssh"}}, `"restricted ssh" is not a control identifier`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := awssim.DefaultWorld()
			w.ControlTower.EnabledControls = tc.controls
			_, err := awssim.New(w, awssim.Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "controlTower.enabledControls")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestListEnabledControlsRefusesWhatControlTowerDoesNotGovern(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(withRetries(s.Config(), 1))
	ctx := context.Background()

	_, err := ct.ListEnabledControls(ctx, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn(legacy))})
	var missing *types.ResourceNotFoundException
	require.ErrorAs(t, err, &missing)
	assert.Equal(t, "Organizational unit "+legacy+" is not registered with AWS Control Tower.", missing.ErrorMessage())
	assert.Equal(t, http.StatusNotFound, httpStatus(t, err))

	_, err = ct.ListEnabledControls(ctx, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String("ou-nw7k-wklprod1")})
	var invalid *types.ValidationException
	require.ErrorAs(t, err, &invalid, "an OU id is not its ARN")
	assert.Equal(t, http.StatusBadRequest, httpStatus(t, err))

	_, err = ct.ListEnabledControls(ctx, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn(wklProd)), MaxResults: aws.Int32(201)})
	assert.ErrorAs(t, err, &invalid)
}

func TestGetEnabledControl(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(withRetries(s.Config(), 1))
	ctx := context.Background()
	listed := enabledControls(t, ct, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn(wklProd))})

	out, err := ct.GetEnabledControl(ctx, &controltower.GetEnabledControlInput{EnabledControlIdentifier: listed[2].Arn})
	require.NoError(t, err)
	d := out.EnabledControlDetails
	require.NotNil(t, d)
	assert.Equal(t, listed[2].ControlIdentifier, d.ControlIdentifier)
	assert.Equal(t, s.OUArn(wklProd), aws.ToString(d.TargetIdentifier))
	assert.Equal(t, types.EnablementStatusSucceeded, d.StatusSummary.Status)
	require.Len(t, d.TargetRegions, 1)
	assert.Equal(t, s.Region(), aws.ToString(d.TargetRegions[0].Name), "governed in the home Region")

	_, err = ct.GetEnabledControl(ctx, &controltower.GetEnabledControlInput{
		EnabledControlIdentifier: aws.String("arn:aws:controltower:" + s.Region() + ":" + s.ManagementAccountID() + ":enabledcontrol/AAAAAAAAAAAAAAAA")})
	var missing *types.ResourceNotFoundException
	assert.ErrorAs(t, err, &missing)
}

func TestListAndGetBaselines(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(withRetries(s.Config(), 1))
	ctx := context.Background()

	var all []types.BaselineSummary
	p := controltower.NewListBaselinesPaginator(ct, &controltower.ListBaselinesInput{MaxResults: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		require.NoError(t, err)
		all = append(all, page.Baselines...)
	}
	require.Len(t, all, 7)
	byName := map[string]string{}
	for _, b := range all {
		assert.Regexp(t, `^arn:aws:controltower:`+s.Region()+`::baseline/[A-Z0-9]{16}$`, aws.ToString(b.Arn))
		assert.NotEmpty(t, aws.ToString(b.Description))
		byName[aws.ToString(b.Name)] = aws.ToString(b.Arn)
	}
	assert.Equal(t, s.ControlTowerBaselineARN(), byName["AWSControlTowerBaseline"], "the baseline that registers an OU")
	assert.Equal(t, "arn:aws:controltower:"+s.Region()+"::baseline/LN25R72TTG6IGPTQ", byName["IdentityCenterBaseline"])
	for _, name := range []string{"AuditBaseline", "LogArchiveBaseline", "BackupBaseline", "BackupAdminBaseline", "BackupCentralVaultBaseline"} {
		assert.Contains(t, byName, name)
	}

	got, err := ct.GetBaseline(ctx, &controltower.GetBaselineInput{BaselineIdentifier: aws.String(byName["AuditBaseline"])})
	require.NoError(t, err)
	assert.Equal(t, "AuditBaseline", aws.ToString(got.Name))

	_, err = ct.GetBaseline(ctx, &controltower.GetBaselineInput{BaselineIdentifier: aws.String("arn:aws:controltower:" + s.Region() + "::baseline/ZZZZZZZZZZZZZZZZ")})
	var missing *types.ResourceNotFoundException
	assert.ErrorAs(t, err, &missing)
	_, err = ct.GetBaseline(ctx, &controltower.GetBaselineInput{BaselineIdentifier: aws.String("AuditBaseline")})
	var invalid *types.ValidationException
	assert.ErrorAs(t, err, &invalid, "a name is not a baseline ARN")
}

func TestGetEnabledBaselineDescribesWhatListEnabledBaselinesLists(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(withRetries(s.Config(), 1))
	ctx := context.Background()
	list, err := ct.ListEnabledBaselines(ctx, &controltower.ListEnabledBaselinesInput{IncludeChildren: true, MaxResults: aws.Int32(100)})
	require.NoError(t, err)
	require.NotEmpty(t, list.EnabledBaselines)
	for _, b := range list.EnabledBaselines {
		out, err := ct.GetEnabledBaseline(ctx, &controltower.GetEnabledBaselineInput{EnabledBaselineIdentifier: b.Arn})
		require.NoError(t, err)
		d := out.EnabledBaselineDetails
		assert.Equal(t, b.BaselineIdentifier, d.BaselineIdentifier)
		assert.Equal(t, b.TargetIdentifier, d.TargetIdentifier)
		assert.Equal(t, b.ParentIdentifier, d.ParentIdentifier)
		assert.Equal(t, b.BaselineVersion, d.BaselineVersion)
		assert.Equal(t, types.EnablementStatusSucceeded, d.StatusSummary.Status)
	}
	_, err = ct.GetEnabledBaseline(ctx, &controltower.GetEnabledBaselineInput{
		EnabledBaselineIdentifier: aws.String("arn:aws:controltower:" + s.Region() + ":" + s.ManagementAccountID() + ":enabledbaseline/XONOTHING")})
	var missing *types.ResourceNotFoundException
	assert.ErrorAs(t, err, &missing)
}

// No baseline or control operation runs in the simulator: the operation
// reads find none, and refuse what is not an operation id.
func TestOperationReadsFindNoOperation(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(withRetries(s.Config(), 1))
	ctx := context.Background()
	id := aws.String("58f12232-26be-4735-a3e9-dd30d90f021f")
	var missing *types.ResourceNotFoundException
	var invalid *types.ValidationException

	_, err := ct.GetBaselineOperation(ctx, &controltower.GetBaselineOperationInput{OperationIdentifier: id})
	assert.ErrorAs(t, err, &missing)
	_, err = ct.GetControlOperation(ctx, &controltower.GetControlOperationInput{OperationIdentifier: id})
	assert.ErrorAs(t, err, &missing)
	_, err = ct.GetControlOperation(ctx, &controltower.GetControlOperationInput{OperationIdentifier: aws.String("op-1")})
	assert.ErrorAs(t, err, &invalid)
}

func TestTheLandingZoneManifestNamesTheSharedAccounts(t *testing.T) {
	for _, version := range []string{"3.3", "4.0"} {
		t.Run(version, func(t *testing.T) {
			s, _ := newTestSim(t, func(w *awssim.World) { w.ControlTower.LandingZoneVersion = version })
			ct := controltower.NewFromConfig(testConfig(s))
			ctx := context.Background()
			list, err := ct.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
			require.NoError(t, err)
			out, err := ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: list.LandingZones[0].Arn})
			require.NoError(t, err)
			var manifest struct {
				GovernedRegions       []string
				AccessManagement      struct{ Enabled bool }
				SecurityRoles         struct{ AccountID string }
				OrganizationStructure *struct{ Security, Sandbox struct{ Name string } }
				CentralizedLogging    struct {
					AccountID      string
					Enabled        bool
					Configurations struct {
						LoggingBucket, AccessLoggingBucket struct{ RetentionDays int }
					}
				}
			}
			require.NoError(t, out.LandingZone.Manifest.UnmarshalSmithyDocument(&manifest))
			assert.Equal(t, []string{s.Region()}, manifest.GovernedRegions)
			assert.True(t, manifest.AccessManagement.Enabled)
			assert.Equal(t, "333344445555", manifest.SecurityRoles.AccountID, "the audit account")
			assert.Equal(t, "222233334444", manifest.CentralizedLogging.AccountID, "the log archive account")
			assert.True(t, manifest.CentralizedLogging.Enabled)
			assert.Equal(t, 365, manifest.CentralizedLogging.Configurations.LoggingBucket.RetentionDays)
			assert.Equal(t, 3650, manifest.CentralizedLogging.Configurations.AccessLoggingBucket.RetentionDays)
			if version == "4.0" {
				assert.Nil(t, manifest.OrganizationStructure, "landing zone 4.0 has no organizationStructure")
				return
			}
			require.NotNil(t, manifest.OrganizationStructure)
			assert.Equal(t, "Security", manifest.OrganizationStructure.Security.Name)
			assert.Equal(t, "Sandbox", manifest.OrganizationStructure.Sandbox.Name)
		})
	}
}

// The new read calls are authorized as their own actions: GetBaseline on the
// baseline, the lists on "*".
func TestControlTowerReadsAreAuthorized(t *testing.T) {
	s, _ := newTestSim(t, nil)
	key, err := s.AddRole("Checker")
	require.NoError(t, err)
	ct := controltower.NewFromConfig(withRetries(s.ConfigAs(key), 1))
	ctx := context.Background()
	_, err = ct.ListEnabledControls(ctx, &controltower.ListEnabledControlsInput{TargetIdentifier: aws.String(s.OUArn(wklProd))})
	var denied *types.AccessDeniedException
	require.ErrorAs(t, err, &denied, "a role without policies may do nothing")
	assert.Contains(t, denied.ErrorMessage(), "controltower:ListEnabledControls")
	_, err = ct.GetBaseline(ctx, &controltower.GetBaselineInput{BaselineIdentifier: aws.String(s.ControlTowerBaselineARN())})
	require.ErrorAs(t, err, &denied)
	assert.Contains(t, denied.ErrorMessage(), "controltower:GetBaseline")
	assert.Contains(t, denied.ErrorMessage(), s.ControlTowerBaselineARN())
}
