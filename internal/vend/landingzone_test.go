package vend_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// Baselines, and so registered OUs, came with landing zone 3.0: on an older
// landing zone every request is rejected with the version and the fix, not
// with "OU … is not registered".
func TestValidateRejectsALandingZoneBefore3(t *testing.T) {
	f := newFixture(t, setup{world: func(w *awssim.World) { w.ControlTower.LandingZoneVersion = "2.9" }})
	bodies := map[string]string{
		"create": createBody(`{"name": "payments-new", "email": "aws+payments-new@northwind.example", "organizationalUnit": "Workloads/Prod"}`, ""),
		"update": `{"requestId": "CHG3002", "action": "update", "account": {"id": "` + paymentsProdID + `"}, "tags": {"Team": "x"}}`,
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, body)})
			require.True(t, doc.Plan.Rejected, "the request is rejected")
			require.Len(t, doc.Plan.Problems, 1, "the landing zone is the only problem: %+v", doc.Plan.Problems)
			p := doc.Plan.Problems[0]
			assert.Equal(t, "request", p.Field)
			assert.Equal(t, "2.9", p.Value)
			assert.Contains(t, p.Message, "landing zone version 2.9")
			assert.Contains(t, p.Message, "3.0 or later")
			assert.NotContains(t, p.Message, "not registered")
			assert.Contains(t, p.Fix, "update the landing zone in the Control Tower console (Landing zone settings → Update)")
		})
	}
	assert.Zero(t, f.calls("servicecatalog", "ProvisionProduct"))
}

// The landing zone is read once per container: a 3.x landing zone does not
// go back to an older version.
func TestValidateReadsTheLandingZoneOnce(t *testing.T) {
	f := newFixture(t, setup{})
	body := createBody(`{"name": "payments-new", "email": "aws+payments-new@northwind.example", "organizationalUnit": "Workloads/Prod"}`, "")
	for range 2 {
		doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, body)})
		require.False(t, doc.Plan.Rejected, "a 3.3 landing zone vends as before: %+v", doc.Plan.Problems)
		assert.Equal(t, vend.OpProvision, doc.Plan.Operation)
	}
	assert.Equal(t, 1, f.calls("controltower", "/get-landingzone"), "REST calls are counted by path")
	assert.Equal(t, 2, f.calls("controltower", "/list-enabled-baselines"), "registered OUs are read every time")
}

// noLandingZone is Control Tower in an organization without a landing zone.
type noLandingZone struct{ vend.ControlTowerAPI }

func (noLandingZone) ListLandingZones(context.Context, *controltower.ListLandingZonesInput, ...func(*controltower.Options)) (*controltower.ListLandingZonesOutput, error) {
	return &controltower.ListLandingZonesOutput{LandingZones: []cttypes.LandingZoneSummary{}}, nil
}

func TestValidateRejectsWithoutALandingZone(t *testing.T) {
	f := newFixture(t, setup{})
	f.deps.ControlTower = noLandingZone{f.deps.ControlTower}
	body := createBody(`{"name": "payments-new", "email": "aws+payments-new@northwind.example", "organizationalUnit": "Workloads/Prod"}`, "")
	doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, body)})
	require.True(t, doc.Plan.Rejected)
	require.Len(t, doc.Plan.Problems, 1)
	assert.Equal(t, request.Problem{Field: "request", Message: "this account has no Control Tower landing zone (controltower:ListLandingZones returned none)",
		Fix: "set up a landing zone (version 3.0 or later) in the Control Tower console, or run towervend in the management account of the landing zone's home Region"},
		doc.Plan.Problems[0])
}
