// Package rules holds the EventBridge rules that start towervend's work. The
// CDK stack deploys them and the local runtime installs them on the simulated
// buses: one definition for both, so what is tested is what is deployed.
//
// It imports only the standard library, so the stack, the local runtime and
// vend can all share it.
package rules

import "encoding/json"

// Rule is an EventBridge rule: its name, what it is for, and its event pattern.
type Rule struct {
	// Name is the rule's logical name.
	Name string
	// Description says what it catches.
	Description string
	// Source, DetailType and Detail form the event pattern.
	Source     []string
	DetailType []string
	Detail     map[string]any
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

// OrganizationsJoin catches accounts joining the organization: an account
// created with Organizations (CreateAccountResult) or an accepted invitation
// (AcceptHandshake). Organizations records these in us-east-1 only.
var OrganizationsJoin = Rule{
	Name:        "OrganizationsAccountJoined",
	Description: "An account was created in or invited into the organization",
	Source:      []string{"aws.organizations"},
	DetailType:  []string{"AWS Service Event via CloudTrail", "AWS API Call via CloudTrail"},
	Detail:      map[string]any{"eventName": []string{"CreateAccountResult", "AcceptHandshake"}},
}

// Lifecycle lists the rules whose target is the lifecycle function.
func Lifecycle() []Rule { return []Rule{ControlTowerLifecycle, OrganizationsJoin} }

// Notifications matches every towervend notification (on towervend's own bus);
// the README shows narrower patterns for a ticketing webhook.
var Notifications = Rule{
	Name:        "TowerVendNotifications",
	Description: "Every request state change towervend announces",
	Source:      []string{"towervend"},
	DetailType:  []string{"Account Request State Change"},
}
