package organizations

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Service is AWS Organizations: it owns the organization and the CreateAccount
// requests and serves the Organizations API. Its methods run with the Env's
// lock held.
type Service struct {
	env      *protocol.Env
	state    OrgState
	requests OrgRequestState
	// onMoved hears of every account the MoveAccount API moved (OnAccountMoved).
	onMoved func(accountID, from, to string)
}

// OnAccountMoved sets who hears of each account a MoveAccount call moved,
// after the move and with the lock held: Control Tower, which enrolls and
// unenrolls accounts moved in and out of its OUs when auto-enrollment is on.
// Moves the other services make through MoveAccount (the Service method,
// Control Tower's own workflow) are not MoveAccount calls and are not told.
func (s *Service) OnAccountMoved(f func(accountID, from, to string)) { s.onMoved = f }

// Spec is the organization the world describes. Empty ids are drawn from the seeded rand.
type Spec struct {
	ID                string
	RootID            string
	ManagementAccount AccountSpec
	// Accounts are directly under Root.
	Accounts []AccountSpec
	OUs      []OUSpec
}

// OUSpec is an organizational unit with its accounts and children.
type OUSpec struct {
	Name       string
	ID         string
	Registered bool
	Tags       map[string]string
	Children   []OUSpec
	Accounts   []AccountSpec
}

// AccountSpec is an account. Status defaults to ACTIVE, JoinedMethod to
// CREATED, ExecutionRole to trusted for enrolled accounts and missing for the
// others.
type AccountSpec struct {
	ID, Name, Email string
	Status          string
	Enrolled        bool
	ExecutionRole   string
	Tags            map[string]string
	JoinedMethod    string
}

// New builds the organization from the world's spec, drawing ids from the
// Env's seeded rand in this order: the organization id, the root id, the
// management account's id, then for each account (management account, Root's
// accounts, then the OU tree depth first, each OU before its accounts and
// children) its id and joining date.
func New(env *protocol.Env, spec Spec) (*Service, error) {
	s := &Service{env: env, requests: OrgRequestState{CreateAccount: map[string]*CreateAccountRequest{}}}
	o := &s.state
	o.ID = env.IDOr(spec.ID, "o-", 10, protocol.LowerAlnum)
	o.RootID = env.IDOr(spec.RootID, "r-", 4, protocol.LowerAlnum)
	o.OUs = map[string]*OU{}
	o.Accounts = map[string]*Account{}
	mgmt := spec.ManagementAccount
	if mgmt.ID == "" {
		mgmt.ID = s.NewAccountID()
	}
	o.ManagementAccountID = mgmt.ID
	o.Arn = fmt.Sprintf("arn:aws:organizations::%s:organization/%s", mgmt.ID, o.ID)
	mgmt.Enrolled = true
	if err := s.addAccountSpec(mgmt, o.RootID); err != nil {
		return nil, err
	}
	for _, a := range spec.Accounts {
		if err := s.addAccountSpec(a, o.RootID); err != nil {
			return nil, err
		}
	}
	if err := s.addOUSpecs(spec.OUs, o.RootID); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Service) addOUSpecs(specs []OUSpec, parent string) error {
	for _, spec := range specs {
		if spec.Name == "" {
			return fmt.Errorf("organization: an OU under %s has no name", s.state.ouPath(parent))
		}
		id := spec.ID
		if id == "" {
			id = s.newOUID()
		}
		if s.state.OUs[id] != nil {
			return fmt.Errorf("organization: OU id %s is used twice", id)
		}
		s.state.OUs[id] = &OU{ID: id, Name: spec.Name, ParentID: parent, Registered: spec.Registered, Tags: copyTags(spec.Tags)}
		for _, a := range spec.Accounts {
			if err := s.addAccountSpec(a, id); err != nil {
				return err
			}
		}
		if err := s.addOUSpecs(spec.Children, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) addAccountSpec(spec AccountSpec, parent string) error {
	if spec.Name == "" || spec.Email == "" {
		return fmt.Errorf("organization: every account needs a name and an email (got %q, %q)", spec.Name, spec.Email)
	}
	id := spec.ID
	if id == "" {
		id = s.NewAccountID()
	}
	if s.state.Accounts[id] != nil {
		return fmt.Errorf("organization: account id %s is used twice", id)
	}
	if s.state.accountByEmail(spec.Email) != nil {
		return fmt.Errorf("organization: email %s is used by two accounts", spec.Email)
	}
	role := spec.ExecutionRole
	if role == "" {
		role = RoleMissing
		if spec.Enrolled {
			role = RoleTrusted
		}
	}
	switch role {
	case RoleTrusted, RoleUntrusted, RoleMissing:
	default:
		return fmt.Errorf("organization: account %s: executionRole %q must be trusted, untrusted or missing", spec.Name, role)
	}
	status := spec.Status
	if status == "" {
		status = "ACTIVE"
	}
	joined := spec.JoinedMethod
	if joined == "" {
		joined = "CREATED"
	}
	s.state.Accounts[id] = &Account{ID: id, Name: spec.Name, Email: spec.Email, ParentID: parent, Status: status,
		JoinedMethod: joined, JoinedTimestamp: s.env.Start.AddDate(0, -1-s.env.Rand().IntN(24), 0),
		Tags: copyTags(spec.Tags), ExecutionRole: role, Enrolled: spec.Enrolled}
	return nil
}

// NewAccountID draws a 12-digit account id no account has yet from the seeded rand.
func (s *Service) NewAccountID() string {
	for {
		id := string(rune('1'+s.env.Rand().IntN(9))) + s.env.RandString(11, protocol.Digits)
		if s.state.Accounts[id] == nil {
			return id
		}
	}
}

func (s *Service) newOUID() string {
	suffix := strings.TrimPrefix(s.state.RootID, "r-")
	for {
		id := "ou-" + suffix + "-" + s.env.RandString(8, protocol.LowerAlnum)
		if s.state.OUs[id] == nil {
			return id
		}
	}
}

// --- state for snapshots ---

// State is the live organization, for snapshots.
func (s *Service) State() *OrgState { return &s.state }

// Requests are the live CreateAccount requests, for snapshots.
func (s *Service) Requests() *OrgRequestState { return &s.requests }

// SetState replaces the organization and, if the snapshot has them, the
// CreateAccount requests with a snapshot's. Resume restarts the work in flight.
func (s *Service) SetState(state OrgState, requests OrgRequestState) {
	s.state = state
	if requests.CreateAccount != nil {
		s.requests = requests
	}
}

// Resume reschedules closures and CreateAccount requests that were pending
// when a snapshot was taken.
func (s *Service) Resume() {
	now := s.env.Clock.Now()
	for _, id := range slices.Sorted(maps.Keys(s.requests.CreateAccount)) {
		if r := s.requests.CreateAccount[id]; r.State == "IN_PROGRESS" {
			s.scheduleCreate(r, max(r.Requested.Add(createAccountTime).Sub(now), 0))
		}
	}
	for _, a := range s.state.sortedAccounts() {
		if a.Status != "PENDING_CLOSURE" {
			continue
		}
		requested := now
		for _, r := range s.state.Closures {
			if r.AccountID == a.ID {
				requested = r.At
			}
		}
		s.scheduleClosure(a.ID, requested, max(requested.Add(closeAccountTime).Sub(now), 0))
	}
}
