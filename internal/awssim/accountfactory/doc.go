// Package accountfactory simulates AWS Control Tower's Account Factory: the
// Service Catalog API (AWS242ServiceCatalogService) with its one portfolio and
// "AWS Control Tower Account Factory" product, the Control Tower workflow behind
// each provision, update and terminate request (records, the account-operation
// quota, lifecycle events), and the Control Tower REST API's read calls: the
// landing zone (ListLandingZones, GetLandingZone), the baselines
// (ListBaselines, GetBaseline, ListEnabledBaselines, GetEnabledBaseline,
// GetBaselineOperation) and the enabled controls (ListEnabledControls,
// GetEnabledControl, GetControlOperation), and account auto-enrollment: with
// the landing zone's remediation types including INHERITANCE_DRIFT, Control
// Tower enrolls, updates and unenrolls the accounts Organizations'
// MoveAccount moves (AccountMoved; autoenroll.go says how). Its one write,
// ResetEnabledBaseline, re-applies a registered OU's baseline, enrolling
// the accounts moved into the OU (reset.go). They are one package because
// each changes what the others answer.
//
// Account Factory creates, moves and enrolls accounts and sets up Identity
// Center users, but owns neither the organization nor Identity Center: it sees
// them through the consumer-side Organization and Identity interfaces, which
// the root package awssim implements over its state.
//
// It may import internal/awssim/protocol and the standard library, and nothing
// else of the simulator: not the root package awssim, nor another service's
// package.
package accountfactory
