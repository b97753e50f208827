package accountfactory_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
)

// Control Tower's timings of each operation it took: when it took it, the
// duration it drew from the spread, and when the record ended; an operation
// it refused (no slot free) took no slot and has none.
func TestControlTowerOperationTimings(t *testing.T) {
	s, clk := newTestSim(t, func(w *awssim.World) {
		w.ControlTower.ConcurrentAccountOperations = 2
		w.ControlTower.ProvisioningTime = awssim.Duration(30 * time.Minute)
		w.ControlTower.Spread = awssim.Duration(10 * time.Minute)
	})
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	var recs []*types.RecordDetail
	for _, name := range []string{"team-t1", "team-t2", "team-t3"} {
		recs = append(recs, catalogProvision(t, sc, af, name, name, "aws+"+name+"@northwind.example", "Sandbox"))
	}
	require.Empty(t, s.OperationTimings(), "Service Catalog has not handed anything to Control Tower yet")
	clk.Advance(afPastStart)
	running := s.OperationTimings()
	require.Len(t, running, 2, "two slots; the third request is refused")
	for _, op := range running {
		assert.True(t, op.Ended.IsZero(), "%s runs", op.AccountName)
	}
	clk.Advance(2 * time.Hour)

	ops := s.OperationTimings()
	require.Len(t, ops, 2, "the refused operation never took a slot")
	assert.Equal(t, types.RecordStatusFailed, catalogRecord(t, sc, aws.ToString(recs[2].RecordId)).RecordDetail.Status)
	planned := map[time.Duration]bool{}
	for i, op := range ops {
		rec := catalogRecord(t, sc, aws.ToString(recs[i].RecordId)).RecordDetail
		assert.Equal(t, aws.ToString(rec.RecordId), op.RecordID, "in the order Control Tower took them")
		assert.Equal(t, aws.ToString(rec.ProvisionedProductName), op.AccountName)
		assert.Equal(t, "create", op.Action)
		assert.Equal(t, aws.ToTime(rec.CreatedTime), op.Requested)
		assert.Equal(t, op.Requested.Add(afPastStart-time.Second), op.Started, "Service Catalog hands a request over after its start delay")
		assert.GreaterOrEqual(t, op.Planned, 20*time.Minute)
		assert.LessOrEqual(t, op.Planned, 40*time.Minute)
		assert.Equal(t, op.Started.Add(op.Planned), op.Ended, "Organizations made the account well within the plan")
		assert.Equal(t, aws.ToTime(rec.UpdatedTime), op.Ended, "the record's completion")
		assert.Equal(t, "SUCCEEDED", op.Status)
		planned[op.Planned] = true
	}
	assert.Len(t, planned, 2, "each operation draws its own duration from the spread")
}

// lifecycleWorkload asks Control Tower for creates and one update, one at a
// time, and returns how many lifecycle events Control Tower ended them with.
func lifecycleWorkload(t *testing.T, s *awssim.Sim, advance func(time.Duration), creates int) int {
	t.Helper()
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	for i := range creates {
		name := fmt.Sprintf("team-drop%d", i)
		catalogProvision(t, sc, af, name, name, "aws+"+name+"@northwind.example", "Sandbox")
		advance(time.Hour)
	}
	ctUpdate(t, sc, "payments-staging", "drop-update", map[string]string{"ManagedOrganizationalUnit": "Prod (ou-nw7k-wklprod1)"})
	advance(time.Hour)
	return creates + 1
}

// faults.dropLifecycleEvents: EventBridge drops that share of Control
// Tower's lifecycle events, which then reach no bus and are counted apart;
// Organizations' events are not touched. The operations still end.
func TestDropLifecycleEvents(t *testing.T) {
	for _, tc := range []struct {
		rate                       float64
		wantDelivered, wantDropped int // -1: some
	}{
		{rate: 0, wantDelivered: 4, wantDropped: 0},
		{rate: 1, wantDelivered: 0, wantDropped: 4},
		{rate: 0.5, wantDelivered: -1, wantDropped: -1},
	} {
		t.Run(fmt.Sprintf("rate %v", tc.rate), func(t *testing.T) {
			creates := 3
			if tc.rate == 0.5 {
				creates = 11
			}
			s, clk := newTestSim(t, func(w *awssim.World) { w.Faults.DropLifecycleEvents = tc.rate })
			total := lifecycleWorkload(t, s, clk.Advance, creates)

			delivered, dropped := ctLifecycleEvents(t, s), s.DroppedLifecycleEvents()
			assert.Equal(t, total, len(delivered)+len(dropped), "every operation ended with an event, delivered or dropped")
			if tc.wantDelivered >= 0 {
				assert.Len(t, delivered, tc.wantDelivered)
				assert.Len(t, dropped, tc.wantDropped)
			} else {
				assert.NotEmpty(t, delivered)
				assert.NotEmpty(t, dropped)
			}
			names := map[string]int{}
			for _, raw := range dropped {
				var ev struct {
					Source string `json:"source"`
					Detail struct {
						EventName string `json:"eventName"`
					} `json:"detail"`
				}
				require.NoError(t, json.Unmarshal(raw, &ev))
				assert.Equal(t, "aws.controltower", ev.Source)
				names[ev.Detail.EventName]++
			}
			if tc.rate == 1 {
				assert.Equal(t, map[string]int{"CreateManagedAccount": 3, "UpdateManagedAccount": 1}, names)
			}
			assert.Len(t, ctOrgEvents(t, s, "CreateAccountResult"), creates, "Organizations' events are delivered")
			assert.Empty(t, s.DroppedEvents(), "nothing a Lambda function failed on")
			for i := range creates {
				a := ctAccountByEmail(s, fmt.Sprintf("aws+team-drop%d@northwind.example", i))
				require.NotNil(t, a)
				assert.True(t, a.Enrolled, "Control Tower finished whether or not the event arrived")
			}
		})
	}
}

// Which events are dropped repeats for a seed.
func TestDropLifecycleEventsRepeat(t *testing.T) {
	run := func() []string {
		s, clk := newTestSim(t, func(w *awssim.World) { w.Faults.DropLifecycleEvents = 0.5 })
		lifecycleWorkload(t, s, clk.Advance, 6)
		var out []string
		for _, raw := range s.DroppedLifecycleEvents() {
			out = append(out, string(raw))
		}
		return out
	}
	assert.Equal(t, run(), run())
}
