package accountfactory_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
