// Package world is the description of a simulated AWS organization with
// Control Tower that internal/awssim builds its services from: the
// organization's tree, Identity Center, Control Tower's timings, the principals
// that may call, and the faults to inject. It is read from JSON (README.md in
// this folder is a commented example; default.json is the embedded
// "Northwind Trading" demo world).
//
// It may import protocol (faults, durations), organizations (the execution
// role's states) and the standard library.
package world

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/organizations"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

//go:embed default.json
var defaultWorld []byte

// DefaultJSON is the embedded demo organization, "Northwind Trading".
func DefaultJSON() []byte { return append([]byte(nil), defaultWorld...) }

// World describes a simulated AWS organization with Control Tower: what exists
// when the simulator starts, how Control Tower behaves, and which faults to inject.
// It is read from JSON; see world/README.md for a commented example.
type World struct {
	// Seed makes ids, duration spreads and faults repeat exactly from run to run.
	Seed uint64 `json:"seed"`
	// Region is the Control Tower home Region.
	Region string `json:"region"`
	// Start is the simulated time the world starts at (RFC 3339).
	Start time.Time `json:"start"`
	// Organization is the AWS Organizations tree.
	Organization OrganizationSpec `json:"organization"`
	// IdentityCenter holds the IAM Identity Center instance.
	IdentityCenter IdentityCenterSpec `json:"identityCenter"`
	// ControlTower sets Account Factory's behaviour.
	ControlTower ControlTowerSpec `json:"controlTower"`
	// Principals are the IAM principals that may call the simulator, by access key.
	Principals []PrincipalSpec `json:"principals"`
	// Faults are injected from the start; Sim.SetFaults changes them at run time.
	Faults protocol.Faults `json:"faults"`
	// Happenings happen in the organization on their own, outside towervend,
	// at offsets from Start (happenings.go).
	Happenings []Happening `json:"happenings,omitempty"`
}

// OrganizationSpec is the organization, its management account and its OU tree.
type OrganizationSpec struct {
	ID                  string        `json:"id,omitempty"`
	RootID              string        `json:"rootId,omitempty"`
	ManagementAccount   AccountSpec   `json:"managementAccount"`
	OrganizationalUnits []OUSpec      `json:"organizationalUnits"`
	Accounts            []AccountSpec `json:"accounts,omitempty"` // accounts directly under Root
}

// OUSpec is an organizational unit with its children.
type OUSpec struct {
	Name string `json:"name"`
	ID   string `json:"id,omitempty"`
	// Registered OUs have AWSControlTowerBaseline enabled; Account Factory can target only those.
	Registered bool              `json:"registered"`
	Tags       map[string]string `json:"tags,omitempty"`
	Children   []OUSpec          `json:"children,omitempty"`
	Accounts   []AccountSpec     `json:"accounts,omitempty"`
}

// Role states of an account's AWSControlTowerExecution role.
const (
	RoleTrusted   = organizations.RoleTrusted   // exists and trusts the management account
	RoleUntrusted = organizations.RoleUntrusted // exists but trusts another account
	RoleMissing   = organizations.RoleMissing
)

// AccountSpec is a member account.
type AccountSpec struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Email string `json:"email"`
	// Status is ACTIVE (default), SUSPENDED or PENDING_CLOSURE.
	Status string `json:"status,omitempty"`
	// Enrolled accounts are managed by Control Tower: they have an Account Factory
	// provisioned product and the execution role.
	Enrolled bool `json:"enrolled,omitempty"`
	// ExecutionRole is trusted, untrusted or missing; it defaults to trusted for
	// enrolled accounts and missing for the others.
	ExecutionRole string            `json:"executionRole,omitempty"`
	Tags          map[string]string `json:"tags,omitempty"`
	// JoinedMethod is CREATED (default) or INVITED.
	JoinedMethod string `json:"joinedMethod,omitempty"`
	// Owner is the userName of the Identity Center user Account Factory made
	// the account's SSO user (its SSOUserEmail), for enrolled accounts only;
	// Control Tower gave that user AWSAdministratorAccess on the account.
	// Without it the SSO user is the account's email, with no user behind it.
	Owner string `json:"owner,omitempty"`
}

// IdentityCenterSpec is the IAM Identity Center instance and its identity store.
type IdentityCenterSpec struct {
	InstanceArn     string              `json:"instanceArn,omitempty"`
	IdentityStoreID string              `json:"identityStoreId,omitempty"`
	Users           []UserSpec          `json:"users"`
	Groups          []GroupSpec         `json:"groups"`
	PermissionSets  []PermissionSetSpec `json:"permissionSets"`
	Assignments     []AssignmentSpec    `json:"assignments,omitempty"`
}

// UserSpec is an Identity Center user.
type UserSpec struct {
	UserName   string `json:"userName"`
	Email      string `json:"email"`
	GivenName  string `json:"givenName"`
	FamilyName string `json:"familyName"`
}

// GroupSpec is an Identity Center group.
type GroupSpec struct {
	DisplayName string   `json:"displayName"`
	Description string   `json:"description,omitempty"`
	Members     []string `json:"members,omitempty"` // user names
}

// PermissionSetSpec is a permission set.
type PermissionSetSpec struct {
	Name            string `json:"name"`
	Description     string `json:"description,omitempty"`
	SessionDuration string `json:"sessionDuration,omitempty"` // ISO 8601, e.g. PT4H
}

// AssignmentSpec gives a user or group a permission set on an account.
type AssignmentSpec struct {
	Account       string `json:"account"` // account name or id
	User          string `json:"user,omitempty"`
	Group         string `json:"group,omitempty"`
	PermissionSet string `json:"permissionSet"`
}

// ControlTowerSpec sets how Control Tower and Account Factory behave.
type ControlTowerSpec struct {
	// ConcurrentAccountOperations is the quota of account operations in flight (AWS default 5, max 10).
	ConcurrentAccountOperations int `json:"concurrentAccountOperations,omitempty"`
	// ProvisioningTime is how long creating an account takes; Spread varies it by up to that much either way.
	ProvisioningTime protocol.Duration `json:"provisioningTime,omitempty"`
	EnrollmentTime   protocol.Duration `json:"enrollmentTime,omitempty"`
	UpdateTime       protocol.Duration `json:"updateTime,omitempty"`
	TerminateTime    protocol.Duration `json:"terminateTime,omitempty"`
	Spread           protocol.Duration `json:"spread,omitempty"`
	// AssignmentTime is how long an Identity Center account assignment stays IN_PROGRESS.
	AssignmentTime protocol.Duration `json:"assignmentTime,omitempty"`
	// PortfolioPrincipals are the IAM principal ARNs associated with the Account
	// Factory portfolio; others get "No launch paths found".
	PortfolioPrincipals []string `json:"portfolioPrincipals,omitempty"`
	// LandingZoneVersion is the landing zone's version, "major.minor" (default
	// 3.3); before 3.0 there are no baselines, so ListEnabledBaselines refuses.
	LandingZoneVersion string `json:"landingZoneVersion,omitempty"`
	// EnabledControls are controls enabled on registered OUs besides the
	// mandatory ones Control Tower enables on each, as ListEnabledControls
	// lists them: by OU (its path from Root, or its id), control identifiers
	// (an ARN, or a name such as AWS-GR_RESTRICTED_SSH in the home Region).
	EnabledControls map[string][]string `json:"enabledControls,omitempty"`
	// RemediationTypes are the landing zone's, as GetLandingZone answers
	// them: ["INHERITANCE_DRIFT"] turns on account auto-enrollment (landing
	// zone 3.1 and later), so an account MoveAccount puts into a registered
	// OU is enrolled, and one moved out unenrolled. None (the default): moves
	// change no account's enrollment.
	RemediationTypes []string `json:"remediationTypes,omitempty"`
}

// PrincipalSpec maps an access key id to the IAM principal that uses it.
type PrincipalSpec struct {
	AccessKeyID string `json:"accessKeyId"`
	Arn         string `json:"arn"`
}

// Load reads a world file.
func Load(path string) (*World, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read world: %w", err)
	}
	w, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("world %s: %w", path, err)
	}
	return w, nil
}

// Parse decodes a world description, rejecting unknown fields so a typo
// does not silently change the simulation, and fills in AWS's defaults.
func Parse(b []byte) (*World, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	var w World
	if err := dec.Decode(&w); err != nil {
		var state struct {
			Now   *time.Time      `json:"now"`
			World json.RawMessage `json:"world"`
		}
		if json.Unmarshal(b, &state) == nil && state.Now != nil && state.World != nil {
			return nil, fmt.Errorf("decode world: this is the simulator's internal state (awssim Sim.Snapshot, for Restore), not a world file; " +
				"write a world with towervend local --snapshot FILE (Sim.SnapshotWorld), or use its \"world\" member: the settings the run started from")
		}
		return nil, fmt.Errorf("decode world: %w", err)
	}
	w.setDefaults()
	if err := w.validate(); err != nil {
		return nil, err
	}
	return &w, nil
}

// Default returns the embedded demo world.
func Default() *World {
	w, err := Parse(defaultWorld)
	if err != nil {
		panic("embedded default world is invalid: " + err.Error()) // caught by TestDefaultWorldLoads
	}
	return w
}

func (w *World) setDefaults() {
	if w.Region == "" {
		w.Region = "us-east-1"
	}
	if w.Start.IsZero() {
		w.Start = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	}
	ct := &w.ControlTower
	if ct.ConcurrentAccountOperations == 0 {
		ct.ConcurrentAccountOperations = 5
	}
	if ct.ProvisioningTime == 0 {
		ct.ProvisioningTime = protocol.Duration(30 * time.Minute)
	}
	if ct.EnrollmentTime == 0 {
		ct.EnrollmentTime = protocol.Duration(25 * time.Minute)
	}
	if ct.UpdateTime == 0 {
		ct.UpdateTime = protocol.Duration(15 * time.Minute)
	}
	if ct.TerminateTime == 0 {
		ct.TerminateTime = protocol.Duration(10 * time.Minute)
	}
	if ct.LandingZoneVersion == "" {
		ct.LandingZoneVersion = "3.3"
	}
	if ct.AssignmentTime == 0 {
		ct.AssignmentTime = protocol.Duration(5 * time.Second)
	}
}

var landingZoneVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)

func (w *World) validate() error {
	m := w.Organization.ManagementAccount
	if m.Name == "" || m.Email == "" {
		return fmt.Errorf("organization.managementAccount: name and email are required")
	}
	if n := w.ControlTower.ConcurrentAccountOperations; n < 1 || n > 10 {
		return fmt.Errorf("controlTower.concurrentAccountOperations: %d is outside AWS's quota range 1-10", n)
	}
	if !landingZoneVersion.MatchString(w.ControlTower.LandingZoneVersion) {
		return fmt.Errorf("controlTower.landingZoneVersion: %q is not a version such as 3.3", w.ControlTower.LandingZoneVersion)
	}
	if err := w.ControlTower.validateRemediationTypes(); err != nil {
		return err
	}
	if err := w.Faults.Validate(); err != nil {
		return err
	}
	if err := w.validateOwners(); err != nil {
		return err
	}
	return w.validateHappenings()
}

// OwnerAdminPermissionSet is the permission set Control Tower gives an
// account's SSO user.
const OwnerAdminPermissionSet = "AWSAdministratorAccess"

// AllAccounts returns every account of the organization spec but the
// management account: Root's, then each OU's depth first.
func (o OrganizationSpec) AllAccounts() []AccountSpec {
	out := append([]AccountSpec(nil), o.Accounts...)
	var walk func([]OUSpec)
	walk = func(ous []OUSpec) {
		for _, ou := range ous {
			out = append(out, ou.Accounts...)
			walk(ou.Children)
		}
	}
	walk(o.OrganizationalUnits)
	return out
}

// OwnerUser returns the Identity Center user an account's owner names.
func (w *World) OwnerUser(a AccountSpec) (UserSpec, bool) {
	for _, u := range w.IdentityCenter.Users {
		if u.UserName == a.Owner {
			return u, true
		}
	}
	return UserSpec{}, false
}

func (w *World) validateOwners() error {
	for _, a := range w.Organization.AllAccounts() {
		if a.Owner == "" {
			continue
		}
		field := "account " + a.Name + ": owner"
		if !a.Enrolled {
			return fmt.Errorf("%s: %q is set but the account is not enrolled; only Account Factory's accounts have an SSO user (set enrolled, or drop owner)", field, a.Owner)
		}
		if _, ok := w.OwnerUser(a); !ok {
			return fmt.Errorf("%s: no Identity Center user has userName %q; add it to identityCenter.users", field, a.Owner)
		}
		if !slices.ContainsFunc(w.IdentityCenter.PermissionSets, func(p PermissionSetSpec) bool { return p.Name == OwnerAdminPermissionSet }) {
			return fmt.Errorf("%s: Control Tower gives the owner %s, which is not in identityCenter.permissionSets; add it", field, OwnerAdminPermissionSet)
		}
	}
	return nil
}

// RemediationInheritanceDrift is the one remediation type Control Tower
// has: it turns on account auto-enrollment.
const RemediationInheritanceDrift = "INHERITANCE_DRIFT"

// validateRemediationTypes checks the landing zone's remediation types as
// UpdateLandingZone would: INHERITANCE_DRIFT only, at most once, on a
// landing zone of version 3.1 or later (auto-enrollment came with 3.1).
func (ct ControlTowerSpec) validateRemediationTypes() error {
	for i, r := range ct.RemediationTypes {
		if r != RemediationInheritanceDrift {
			return fmt.Errorf("controlTower.remediationTypes[%d]: %q is not a remediation type; the only one is %s (account auto-enrollment)", i, r, RemediationInheritanceDrift)
		}
		if i > 0 {
			return fmt.Errorf("controlTower.remediationTypes: %s is given twice; give it once", RemediationInheritanceDrift)
		}
	}
	if len(ct.RemediationTypes) > 0 && versionBefore(ct.LandingZoneVersion, 3, 1) {
		return fmt.Errorf("controlTower.remediationTypes: auto-enrollment (%s) needs landing zone 3.1 or later, and landingZoneVersion is %s; raise landingZoneVersion or drop remediationTypes",
			RemediationInheritanceDrift, ct.LandingZoneVersion)
	}
	return nil
}

// versionBefore reports whether a "major.minor" version (already checked
// against landingZoneVersion) is older than major.minor.
func versionBefore(v string, major, minor int) bool {
	var vMajor, vMinor int
	if _, err := fmt.Sscanf(v, "%d.%d", &vMajor, &vMinor); err != nil {
		return true
	}
	return vMajor < major || vMajor == major && vMinor < minor
}
