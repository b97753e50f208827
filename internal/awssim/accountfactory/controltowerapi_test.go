package accountfactory_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
)

func TestControlTowerAPIListsRegisteredOUs(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(testConfig(s))
	var targets []string
	p := controltower.NewListEnabledBaselinesPaginator(ct, &controltower.ListEnabledBaselinesInput{
		Filter:     &types.EnabledBaselineFilter{BaselineIdentifiers: []string{s.ControlTowerBaselineARN()}},
		MaxResults: aws.Int32(5),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		for _, b := range page.EnabledBaselines {
			targets = append(targets, aws.ToString(b.TargetIdentifier))
			assert.Equal(t, types.EnablementStatusSucceeded, b.StatusSummary.Status)
		}
	}
	legacy, wkl := s.OUArn("ou-nw7k-leg00001"), s.OUArn("ou-nw7k-wklprod1")
	assert.Contains(t, targets, wkl)
	assert.NotContains(t, targets, legacy, "Legacy is not registered")
	assert.Len(t, targets, 8, "the demo world registers eight OUs")
}

func TestControlTowerAPIIncludesEnrolledAccountsAsChildren(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(testConfig(s))
	acct := s.AccountArn("618273645091")
	out, err := ct.ListEnabledBaselines(context.Background(), &controltower.ListEnabledBaselinesInput{
		IncludeChildren: true, Filter: &types.EnabledBaselineFilter{TargetIdentifiers: []string{acct}}})
	require.NoError(t, err)
	require.Len(t, out.EnabledBaselines, 1)
	assert.NotEmpty(t, aws.ToString(out.EnabledBaselines[0].ParentIdentifier))
}

func TestControlTowerAPIDescribesTheLandingZone(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ct := controltower.NewFromConfig(testConfig(s))
	ctx := context.Background()
	list, err := ct.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
	require.NoError(t, err)
	require.Len(t, list.LandingZones, 1, "an organization has one landing zone")
	assert.Nil(t, list.NextToken)
	arn := aws.ToString(list.LandingZones[0].Arn)
	assert.Regexp(t, `^arn:aws:controltower:`+s.Region()+`:`+s.ManagementAccountID()+`:landingzone/[0-9A-Z]{16}$`, arn)

	out, err := ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: aws.String(arn)})
	require.NoError(t, err)
	lz := out.LandingZone
	require.NotNil(t, lz)
	assert.Equal(t, arn, aws.ToString(lz.Arn))
	assert.Equal(t, "3.3", aws.ToString(lz.Version), "the world's default version")
	assert.Equal(t, "4.0", aws.ToString(lz.LatestAvailableVersion))
	assert.Equal(t, types.LandingZoneStatusActive, lz.Status)
	require.NotNil(t, lz.DriftStatus)
	assert.Equal(t, types.LandingZoneDriftStatusInSync, lz.DriftStatus.Status)
	require.NotNil(t, lz.Manifest)
	var manifest map[string]any
	require.NoError(t, lz.Manifest.UnmarshalSmithyDocument(&manifest))
	assert.Equal(t, []any{s.Region()}, manifest["governedRegions"])
	assert.Contains(t, manifest, "organizationStructure", "manifests before 4.0 name the Security OU")

	_, err = ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: aws.String(arn + "X")})
	var missing *types.ResourceNotFoundException
	assert.ErrorAs(t, err, &missing)
}

// A landing zone before 3.0 has no baselines: the baseline APIs refuse.
func TestControlTowerAPIBeforeLandingZone3(t *testing.T) {
	s, _ := newTestSim(t, func(w *awssim.World) { w.ControlTower.LandingZoneVersion = "2.9" })
	ct := controltower.NewFromConfig(testConfig(s))
	ctx := context.Background()
	list, err := ct.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
	require.NoError(t, err)
	require.Len(t, list.LandingZones, 1)
	out, err := ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: list.LandingZones[0].Arn})
	require.NoError(t, err)
	assert.Equal(t, "2.9", aws.ToString(out.LandingZone.Version))

	_, err = ct.ListEnabledBaselines(ctx, &controltower.ListEnabledBaselinesInput{})
	var invalid *types.ValidationException
	require.ErrorAs(t, err, &invalid)
	assert.Contains(t, invalid.ErrorMessage(), "landing zone version 3.0 or later")
}
