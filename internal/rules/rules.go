// Package rules holds the EventBridge rules that start towervend's work. The
// CDK stack deploys them and the local runtime installs them on the simulated
// buses: one definition for both, so what is tested is what is deployed.
//
// It imports only the standard library, so the stack, the local runtime and
// vend can all share it.
package rules

import "encoding/json"

// Rule is an EventBridge rule: its name, what it is for, and its event
// pattern, or for a scheduled rule its schedule.
type Rule struct {
	// Name is the rule's logical name.
	Name string
	// Description says what it catches.
	Description string
	// Source, DetailType and Detail form the event pattern.
	Source     []string
	DetailType []string
	Detail     map[string]any
	// Schedule is a scheduled rule's ScheduleExpression, e.g. rate(1 hour);
	// such a rule has no event pattern.
	Schedule string
}

// Pattern is the rule's event pattern as EventBridge takes it.
func (r Rule) Pattern() map[string]any {
	p := map[string]any{"source": r.Source}
	if len(r.DetailType) > 0 {
		p["detail-type"] = r.DetailType
	}
	if len(r.Detail) > 0 {
		p["detail"] = r.Detail
	}
	return p
}

// JSON is the pattern as a JSON string.
func (r Rule) JSON() string {
	b, err := json.Marshal(r.Pattern())
	if err != nil {
		panic("rules: pattern does not marshal: " + err.Error()) // the values above are plain JSON
	}
	return string(b)
}

// ControlTowerLifecycle catches Control Tower's account lifecycle events (the
// completion of Account Factory work, SUCCEEDED or FAILED; not the API-call events).
var ControlTowerLifecycle = Rule{
	Name:        "ControlTowerAccountLifecycle",
	Description: "Control Tower finished creating, enrolling or updating a managed account",
	Source:      []string{"aws.controltower"},
	DetailType:  []string{"AWS Service Event via CloudTrail"},
	Detail:      map[string]any{"eventName": []string{"CreateManagedAccount", "UpdateManagedAccount"}},
}

// OrganizationsJoin catches accounts joining the organization, as the
// management account sees them: an account created with Organizations
// (CreateAccountResult; Control Tower's Account Factory creates through it too)
// and Organizations' membership event AccountJoinedOrganization (joinedMethod
// INVITED for an accepted invitation, CREATED for a created account). Not
// AcceptHandshake: the invited account makes that call, so CloudTrail records
// it in that account and the management account never sees it. Organizations
// records these in us-east-1 only. Both are CloudTrail service events; the
// pattern takes the API-call detail-type too, because AWS's pages do not agree
// on which one AccountJoinedOrganization arrives as, and an event missed here
// waits for the hourly sweep.
var OrganizationsJoin = Rule{
	Name:        "OrganizationsAccountJoined",
	Description: "An account was created in or invited into the organization",
	Source:      []string{"aws.organizations"},
	DetailType:  []string{"AWS Service Event via CloudTrail", "AWS API Call via CloudTrail"},
	Detail:      map[string]any{"eventName": []string{"CreateAccountResult", "AccountJoinedOrganization"}},
}

// Reconcile runs the lifecycle function every hour, to enroll accounts that
// joined the organization without an event reaching it (see vend.Lifecycle).
// Scheduled rules run on the default bus of the home Region.
var Reconcile = Rule{
	Name:        "TowerVendReconcile",
	Description: "Every hour: enroll accounts that joined the organization but no event announced",
	Schedule:    "rate(1 hour)",
}

// Lifecycle lists the event-pattern rules whose target is the lifecycle function.
func Lifecycle() []Rule { return []Rule{ControlTowerLifecycle, OrganizationsJoin} }

// Forwarded lists the rules the forwarder deploys on us-east-1's default bus,
// each with the home Region's default bus as its target, when the home Region
// is another: Organizations delivers its events in us-east-1 only.
func Forwarded() []Rule { return []Rule{OrganizationsJoin} }

// LifecycleSchedules lists the scheduled rules whose target is the lifecycle function.
func LifecycleSchedules() []Rule { return []Rule{Reconcile} }

// Notifications matches every towervend notification (on towervend's own bus);
// the README shows narrower patterns for a ticketing webhook.
var Notifications = Rule{
	Name:        "TowerVendNotifications",
	Description: "Every request state change towervend announces",
	Source:      []string{"towervend"},
	DetailType:  []string{"Account Request State Change"},
}
