package accountfactory

import (
	"fmt"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Organization is what Account Factory needs of AWS Organizations: it reads
// accounts and OUs, and Control Tower's workflow creates accounts, moves them
// and marks them enrolled. The lock is held when it is called.
type Organization interface {
	// RootID is the organization's root.
	RootID() string
	// Account returns the account with id.
	Account(id string) (Account, bool)
	// AccountByEmail finds an account by email, case-insensitively as AWS does.
	AccountByEmail(email string) (Account, bool)
	// Accounts returns every account, sorted by id.
	Accounts() []Account
	// AccountsIn returns the accounts directly under parent, sorted by id.
	AccountsIn(parent string) []Account
	// OU returns the OU with id.
	OU(id string) (OU, bool)
	// OUs returns every OU, sorted by id.
	OUs() []OU
	// ChildOUs returns the OUs directly under parent, sorted by name then id.
	ChildOUs(parent string) []OU
	// AccountArn and OUArn are the ARNs in AWS's formats.
	AccountArn(id string) string
	OUArn(id string) string

	// StartCreateAccount calls Organizations CreateAccount the way Control
	// Tower's workflow does (as the management account, RoleName
	// AWSControlTowerExecution) and returns the request's id. busy reports
	// Organizations' limit of concurrent creations, which Control Tower waits
	// out; err is any other refusal.
	StartCreateAccount(name, email string) (requestID string, busy bool, err error)
	// CreateAccountStatus reports a CreateAccount request: IN_PROGRESS,
	// SUCCEEDED (with the new account's id) or FAILED (with the reason).
	CreateAccountStatus(requestID string) (state, accountID, failureReason string)
	// MoveAccount puts the account under parent (the root or an OU).
	MoveAccount(id, parent string)
	// RenameAccount changes the account's name.
	RenameAccount(id, name string)
	// SetEnrolled marks the account managed by Control Tower, or not.
	SetEnrolled(id string, enrolled bool)
	// TrustExecutionRole makes the account's AWSControlTowerExecution role
	// exist and trust the management account.
	TrustExecutionRole(id string)
}

// Account is an organization account as Account Factory sees it.
type Account struct {
	ID              string
	Name            string
	Email           string
	ParentID        string
	Status          string // ACTIVE, SUSPENDED, PENDING_CLOSURE
	JoinedMethod    string // CREATED or INVITED
	JoinedTimestamp time.Time
	// ExecutionRoleTrusted is whether the AWSControlTowerExecution role exists
	// and trusts the management account.
	ExecutionRoleTrusted bool
	// ExecutionRoleExists is whether the account has an
	// AWSControlTowerExecution role at all, trusting the management account or not.
	ExecutionRoleExists bool
	// Enrolled is true while Control Tower manages the account.
	Enrolled bool
}

// OU is an organizational unit as Account Factory sees it.
type OU struct {
	ID       string
	Name     string
	ParentID string
	// Registered OUs have AWSControlTowerBaseline enabled.
	Registered bool
}

// Identity is what Control Tower needs of IAM Identity Center to give an
// account's SSO user administrator access. The lock is held when it is called.
type Identity interface {
	// Enabled is whether the world has an Identity Center instance.
	Enabled() bool
	// UserByEmail finds an identity store user by email.
	UserByEmail(email string) (userID string, ok bool)
	// AddUser creates an identity store user.
	AddUser(userName, email, givenName, familyName string) (userID string)
	// PermissionSetByName finds a permission set by name.
	PermissionSetByName(name string) (arn string, ok bool)
	// AddPermissionSet creates a permission set.
	AddPermissionSet(name, description, sessionDuration string, created time.Time) (arn string)
	// Assign gives the principal the permission set on the account at once.
	Assign(accountID, permissionSetArn, principalType, principalID string)
}

// Settings are the world's Control Tower settings Account Factory runs by.
type Settings struct {
	// ConcurrentAccountOperations is the quota of account operations in flight.
	ConcurrentAccountOperations int
	// ProvisioningTime, EnrollmentTime, UpdateTime and TerminateTime are how
	// long each action takes; Spread varies them by up to that much either way.
	ProvisioningTime time.Duration
	EnrollmentTime   time.Duration
	UpdateTime       time.Duration
	TerminateTime    time.Duration
	Spread           time.Duration
	// PortfolioPrincipals are the IAM principal ARNs associated with the
	// Account Factory portfolio; others get "No launch paths found".
	PortfolioPrincipals []string
	// LandingZoneVersion is the landing zone's version ("3.3"); before 3.0
	// there are no baselines.
	LandingZoneVersion string
	// Owners are the SSO users of accounts enrolled before the start, by
	// account name; an enrolled account not here has its own email as SSO user.
	Owners map[string]SSOUser
	// EnabledControls are the controls enabled on registered OUs besides the
	// mandatory ones, by OU id: control identifiers (ARNs, see ControlARN).
	EnabledControls map[string][]string
	// RemediationTypes are the landing zone's (GetLandingZone's
	// remediationTypes): with INHERITANCE_DRIFT, Control Tower enrolls the
	// accounts MoveAccount puts into registered OUs (autoenroll.go).
	RemediationTypes []string
}

// SSOUser is the Identity Center user Account Factory's SSOUser* parameters name.
type SSOUser struct{ Email, FirstName, LastName string }

// Service is Account Factory: Service Catalog, Control Tower's account
// operations behind it, and the Control Tower API. Its methods run with the
// Env's lock held.
type Service struct {
	env   *protocol.Env
	org   Organization
	idc   Identity
	set   Settings
	state State
	// timings logs when Control Tower took and ended each operation (measurements only).
	timings timings
	// active holds the ids of the records that may have an operation in
	// flight (afSubmit adds them; the counts drop the finished): counting the
	// operations in flight reads these, not every record ever made. Derived
	// from the state: SetState and Resume rebuild it.
	active map[string]struct{}
	// productsGen counts products made and removed; sorted caches the
	// products in search order for one generation.
	productsGen int
	sorted      sortedCache
}

// New creates the Account Factory portfolio and product, and a provisioned
// product for every account the organization has enrolled already, drawing
// their ids from the Env's seeded rand.
func New(env *protocol.Env, org Organization, idc Identity, set Settings) (*Service, error) {
	if set.LandingZoneVersion == "" {
		set.LandingZoneVersion = "3.3"
	}
	s := &Service{env: env, org: org, idc: idc, set: set, active: map[string]struct{}{}}
	c := &s.state
	start := env.Start
	c.PortfolioID = "port-" + env.RandString(13, protocol.LowerAlnum)
	c.PortfolioName = "AWS Control Tower Account Factory Portfolio"
	c.ProductID = "prod-" + env.RandString(13, protocol.LowerAlnum)
	c.ProductViewID = "prodview-" + env.RandString(13, protocol.LowerAlnum)
	c.ProductName = "AWS Control Tower Account Factory"
	c.ProductOwner = "AWS Control Tower"
	c.ProductCreated = start.AddDate(-1, 0, 0)
	c.LaunchPathID = "lpv3-" + env.RandString(13, protocol.LowerAlnum)
	c.Artifacts = []*Artifact{
		{ID: "pa-" + env.RandString(13, protocol.LowerAlnum), Name: "AWS Control Tower Account Factory Template v3.0",
			Description: "Account Factory template of landing zone 3.0", Active: false, Guidance: "DEPRECATED", Created: start.AddDate(-1, 0, 0)},
		{ID: "pa-" + env.RandString(13, protocol.LowerAlnum), Name: "AWS Control Tower Account Factory Template v3.3",
			Description: "Account Factory template of landing zone 3.3", Active: true, Guidance: "DEFAULT", Created: start.AddDate(0, -2, 0)},
	}
	c.Principals = append([]string(nil), set.PortfolioPrincipals...)
	c.Provisioned = map[string]*ProvisionedProduct{}
	c.Records = map[string]*Record{}
	c.Tokens = map[string]string{}
	c.KnownAccounts = map[string]bool{}

	// Accounts enrolled before the simulation starts were vended (or enrolled)
	// by an administrator through the console.
	admin := "arn:aws:iam::" + env.ManagementAccountID + ":role/AWSControlTowerAdmin"
	active := c.activeArtifact()
	for _, a := range org.Accounts() {
		if !a.Enrolled || a.ID == env.ManagementAccountID {
			continue
		}
		if c.ProductByName(a.Name) != nil {
			return nil, fmt.Errorf("organization: two enrolled accounts are named %s; Account Factory names provisioned products after accounts", a.Name)
		}
		ou, ok := org.OU(a.ParentID)
		if !ok {
			return nil, fmt.Errorf("organization: enrolled account %s is not in an OU; Control Tower manages accounts in registered OUs", a.Name)
		}
		owner, ok := set.Owners[a.Name]
		if !ok {
			owner = SSOUser{Email: a.Email, FirstName: "Admin", LastName: "User"}
		}
		params := map[string]string{
			afAccountName: a.Name, afAccountEmail: a.Email, afSSOEmail: owner.Email,
			afSSOFirstName: owner.FirstName, afSSOLastName: owner.LastName, afManagedOU: ou.Name + " (" + ou.ID + ")",
		}
		pp := s.newProduct(a.Name, active.ID, admin, admin, "", a.JoinedTimestamp, params)
		pp.PhysicalID = a.ID
		pp.Status = ppAvailable
		rec := s.newRecord(pp, recProvision, admin, admin, a.JoinedTimestamp)
		rec.Status = recSucceeded
		rec.Updated = a.JoinedTimestamp.Add(set.ProvisioningTime)
		rec.Outputs = afOutputs(a.ID, params)
		pp.LastSuccessfulRecordID = rec.ID
		c.KnownAccounts[a.ID] = true
	}
	return s, nil
}

// State is the live state, for a snapshot.
func (s *Service) State() *State { return &s.state }

// SetState replaces the state with a snapshot's; Resume then reschedules its
// work in flight.
func (s *Service) SetState(st State) {
	s.state = st
	s.productsGen++
	s.rebuildActive()
}

// rebuildActive finds the records with an operation in flight.
func (s *Service) rebuildActive() {
	s.active = map[string]struct{}{}
	for id, rec := range s.state.Records {
		if rec.Operation != nil {
			s.active[id] = struct{}{}
		}
	}
}

// activeRecords returns the records with an operation in flight, dropping
// from active those whose operation ended. The lock is held.
func (s *Service) activeRecords() []*Record {
	out := make([]*Record, 0, len(s.active))
	for id := range s.active {
		if rec := s.state.Records[id]; rec != nil && rec.Operation != nil {
			out = append(out, rec)
			continue
		}
		delete(s.active, id)
	}
	return out
}

// Resume reschedules account operations that were in flight when a snapshot was taken.
func (s *Service) Resume() {
	s.rebuildActive()
	for _, id := range sortedKeys(s.state.Records) {
		if s.state.Records[id].Operation != nil {
			s.afArm(id)
		}
	}
	s.blResume()
}

// Ops are the Service Catalog operations (X-Amz-Target AWS242ServiceCatalogService.*).
func (s *Service) Ops() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"SearchProducts":               protocol.Op(s.searchProducts),
		"SearchProductsAsAdmin":        protocol.Op(s.searchProductsAsAdmin),
		"DescribeProduct":              protocol.OpOn(s.describeProduct, s.onDescribeProduct),
		"DescribeProductAsAdmin":       protocol.OpOn(s.describeProductAsAdmin, s.onDescribeProductAsAdmin),
		"ListProvisioningArtifacts":    protocol.OpOn(s.listProvisioningArtifacts, s.onListArtifacts),
		"DescribeProvisioningArtifact": protocol.OpOn(s.describeProvisioningArtifact, s.onDescribeArtifact),
		"ListLaunchPaths":              protocol.OpOn(s.listLaunchPaths, s.onListLaunchPaths),
		"ProvisionProduct":             protocol.OpOn(s.provisionProduct, s.onProvision),
		"UpdateProvisionedProduct":     protocol.Op(s.updateProvisionedProduct),
		"TerminateProvisionedProduct":  protocol.Op(s.terminateProvisionedProduct),
		"DescribeRecord":               protocol.Op(s.describeRecord),
		"ListRecordHistory":            protocol.Op(s.listRecordHistory),
		"SearchProvisionedProducts":    protocol.Op(s.searchProvisionedProducts),
		"ScanProvisionedProducts":      protocol.Op(s.scanProvisionedProducts),
		"DescribeProvisionedProduct":   protocol.Op(s.describeProvisionedProduct),
		"GetProvisionedProductOutputs": protocol.Op(s.getProvisionedProductOutputs),

		"AssociatePrincipalWithPortfolio": protocol.OpOn(s.associatePrincipal, s.onAssociatePrincipal),
	}
}

// AccountOperations reports Control Tower's account operations, Account
// Factory's and auto-enrollment's alike: how many run now, the most that
// ever ran at once, and how many it refused because it was busy, at its
// limit, or (auto-enrollment) the OU had a move or a reset in flight.
func (s *Service) AccountOperations() (running, peak, refused int) {
	running, _ = s.afInFlight()
	return running, s.state.PeakInFlight, s.state.Refused
}

// ProductsUnderChange counts the provisioned products whose status is
// UNDER_CHANGE or PLAN_IN_PROGRESS: the count towervend's concurrency gate
// reads through SearchProvisionedProducts. It includes requests Service
// Catalog has accepted but not yet handed to Control Tower, so it can run
// ahead of AccountOperations' running count.
func (s *Service) ProductsUnderChange() int {
	// A product changes only under an operation (a new product starts
	// UNDER_CHANGE with its first): the active records' products are all.
	seen := map[string]bool{}
	for _, rec := range s.activeRecords() {
		if pp := s.state.Provisioned[rec.ProvisionedProductID]; pp != nil && !seen[pp.ID] && (pp.Status == ppUnderChange || pp.Status == ppPlan) {
			seen[pp.ID] = true
		}
	}
	return len(seen)
}
