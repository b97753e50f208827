package local

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/rules"
)

// lifecycleSpy records the envelopes of the events the lifecycle rule for
// Organizations' events delivers: a second target beside the lifecycle
// function, so it sees exactly what the function is sent.
type lifecycleSpy struct {
	mu     sync.Mutex
	events []map[string]any
}

func spyOnLifecycle(t *testing.T, rt *Runtime) *lifecycleSpy {
	t.Helper()
	spy := &lifecycleSpy{}
	arn := rt.functionArn("lifecycle-spy")
	rt.Sim.RegisterFunction(arn, func(_ context.Context, payload []byte) ([]byte, error) {
		var ev map[string]any
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		spy.mu.Lock()
		defer spy.mu.Unlock()
		spy.events = append(spy.events, ev)
		return nil, nil
	})
	_, err := eventbridge.NewFromConfig(rt.Sim.Config()).PutTargets(context.Background(), &eventbridge.PutTargetsInput{
		Rule: aws.String(rules.OrganizationsJoin.Name), Targets: []ebtypes.Target{{Id: aws.String("spy"), Arn: aws.String(arn)}}})
	require.NoError(t, err)
	return spy
}

func (s *lifecycleSpy) organizationsEvents() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, ev := range s.events {
		if ev["source"] == "aws.organizations" {
			out = append(out, ev)
		}
	}
	return out
}

// usEast1 is an EventBridge client of the management account in us-east-1.
// demoInvitedAccount is the account the default world's invite happening
// brings into the organization.
const demoInvitedAccount = "partner-insights"

// withDemoHappenings runs the default world's own happenings (an invitation
// and a console account) in the given home Region.
func withDemoHappenings(region string) func(*awssim.World) {
	return func(w *awssim.World) {
		w.Region = region
		w.Happenings = awssim.DefaultWorld().Happenings
	}
}

func usEast1(rt *Runtime) *eventbridge.Client {
	cfg := rt.Sim.Config()
	cfg.Region = awssim.OrganizationsRegion
	return eventbridge.NewFromConfig(cfg)
}

// Organizations' events arrive on us-east-1's default bus, as on AWS; in a
// home Region elsewhere the lifecycle function gets them only through the
// forwarder rule the runtime deploys there, as the stack's forwarder stack does.
func TestOrganizationsEventsReachTheHomeRegionThroughTheForwarder(t *testing.T) {
	for _, tc := range []struct {
		name          string
		removeForward bool
		wantSeen      bool
	}{
		{"with the forwarder", false, true},
		{"without the forwarder", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			rt := newRuntime(t, withDemoHappenings("eu-west-1"))
			spy := spyOnLifecycle(t, rt)
			east := usEast1(rt)
			targets, err := east.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rules.OrganizationsJoin.Name)})
			require.NoError(t, err, "the forwarder rule is on us-east-1's default bus")
			require.Len(t, targets.Targets, 1)
			home := "arn:aws:events:eu-west-1:" + rt.Sim.ManagementAccountID() + ":event-bus/default"
			assert.Equal(t, home, aws.ToString(targets.Targets[0].Arn))
			if tc.removeForward {
				_, err := east.RemoveTargets(ctx, &eventbridge.RemoveTargetsInput{Rule: aws.String(rules.OrganizationsJoin.Name), Ids: []string{aws.ToString(targets.Targets[0].Id)}})
				require.NoError(t, err)
			}

			require.NoError(t, rt.Run(ctx))

			var onEast int
			for _, raw := range rt.Sim.RegionBusEvents(awssim.OrganizationsRegion, "default") {
				var ev map[string]any
				require.NoError(t, json.Unmarshal(raw, &ev))
				if ev["source"] == "aws.organizations" {
					onEast++
					assert.Equal(t, "us-east-1", ev["region"])
				}
			}
			assert.NotZero(t, onEast, "Organizations' events are on us-east-1's default bus")
			for _, raw := range rt.Sim.BusEvents("default") {
				var ev map[string]any
				require.NoError(t, json.Unmarshal(raw, &ev))
				if ev["source"] == "aws.controltower" {
					assert.Equal(t, "eu-west-1", ev["region"], "Control Tower's events stay in the home Region")
				}
			}

			seen := spy.organizationsEvents()
			if !tc.wantSeen {
				assert.Empty(t, seen, "without the forwarder the lifecycle function never sees an Organizations event")
				return
			}
			require.NotEmpty(t, seen)
			for _, ev := range seen {
				assert.Equal(t, "us-east-1", ev["region"], "a forwarded event keeps the Region it was put in")
			}
			invited := rt.Sim.AccountsNamed(demoInvitedAccount)
			require.Len(t, invited, 1)
			assert.True(t, invited[0].Enrolled, "AccountJoinedOrganization, forwarded, enrolls the invited account")
		})
	}
}

// With us-east-1 as the home Region the lifecycle rule sees Organizations'
// events on its own bus: nothing is forwarded.
func TestOrganizationsEventsInAUSEast1HomeRegion(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, withDemoHappenings(awssim.OrganizationsRegion))
	spy := spyOnLifecycle(t, rt)
	targets, err := usEast1(rt).ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rules.OrganizationsJoin.Name)})
	require.NoError(t, err)
	for _, tg := range targets.Targets {
		assert.NotContains(t, aws.ToString(tg.Arn), ":event-bus/", "no forwarding target")
	}

	require.NoError(t, rt.Run(ctx))

	assert.NotEmpty(t, spy.organizationsEvents())
	invited := rt.Sim.AccountsNamed(demoInvitedAccount)
	require.Len(t, invited, 1)
	assert.True(t, invited[0].Enrolled)
}
