package identitycenter

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

const (
	// SSOAdminPrefix and IdentityStorePrefix are the APIs' X-Amz-Target prefixes.
	SSOAdminPrefix      = "SWBExternalService"
	IdentityStorePrefix = "AWSIdentityStore"

	// rateLimit is the collective sso-admin + identitystore rate (and burst),
	// per the Identity Center quotas page; it cannot be raised.
	rateLimit = 20
	// maxOutstandingCreations is CreateAccountAssignment's quota of
	// outstanding asynchronous calls per instance.
	maxOutstandingCreations = 10

	maxPage = 100
)

var (
	instanceArnRe      = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`)
	permissionSetArnRe = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}$`)
	principalIDRe      = regexp.MustCompile(`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)
	accountIDRe        = regexp.MustCompile(`^\d{12}$`)
	requestIDRe        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	storeIDRe          = regexp.MustCompile(`^(arn:aws(-[a-z]{1,5}){0,3}:identitystore::\d{12}:identitystore/)?(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// Organization is what Identity Center needs of AWS Organizations: whether an
// account is a member, in which status, and the organization's id for the
// not-a-member error. The lock is held when it is called.
type Organization interface {
	// AccountStatus returns a member account's status (ACTIVE, SUSPENDED,
	// PENDING_CLOSURE), or false if the account is not in the organization.
	AccountStatus(id string) (status string, ok bool)
	// OrganizationID is the organization's id, e.g. o-abc123defg.
	OrganizationID() string
}

// Service is IAM Identity Center: it owns the instance and its identity store
// and serves both the sso-admin and the identitystore APIs. Its methods run
// with the Env's lock held.
type Service struct {
	env *protocol.Env
	org Organization
	// assignmentTime is how long an account assignment stays IN_PROGRESS.
	assignmentTime time.Duration
	state          State
	// bucket is the collective rate of both APIs; it is transient (not in snapshots).
	bucket rateBucket
}

// Spec is the instance the world describes. Empty ids are drawn from the seeded rand.
type Spec struct {
	InstanceArn     string
	IdentityStoreID string
	Users           []UserSpec
	Groups          []GroupSpec
	PermissionSets  []PermissionSetSpec
	Assignments     []AssignmentSpec
}

// UserSpec is an identity store user.
type UserSpec struct{ UserName, Email, GivenName, FamilyName string }

// GroupSpec is an identity store group; Members are user names.
type GroupSpec struct {
	DisplayName, Description string
	Members                  []string
}

// PermissionSetSpec is a permission set; SessionDuration defaults to PT1H.
type PermissionSetSpec struct{ Name, Description, SessionDuration string }

// AssignmentSpec gives a user or a group (by name) a permission set on an account.
type AssignmentSpec struct {
	// Account is the account as the world names it (name or id), for errors.
	Account string
	// AccountID is the account the organization resolved it to; "" if none.
	AccountID     string
	User, Group   string
	PermissionSet string
}

// New builds Identity Center from the world's spec, drawing ids from the Env's
// seeded rand in this order: the instance, the identity store, then users,
// groups and permission sets in spec order.
func New(env *protocol.Env, org Organization, assignmentTime time.Duration, spec Spec) (*Service, error) {
	s := &Service{env: env, org: org, assignmentTime: assignmentTime}
	id := &s.state
	id.InstanceArn = env.IDOr(spec.InstanceArn, "arn:aws:sso:::instance/ssoins-", 16, protocol.HexDigits)
	id.IdentityStoreID = env.IDOr(spec.IdentityStoreID, "d-", 10, protocol.HexDigits)
	id.Users = map[string]*User{}
	id.Groups = map[string]*Group{}
	id.PermissionSets = map[string]*PermissionSet{}
	id.Operations = map[string]*AssignmentOperation{}
	for _, u := range spec.Users {
		if id.UserByName(u.UserName) != nil {
			return nil, fmt.Errorf("identityCenter: user %s is listed twice", u.UserName)
		}
		s.AddUser(u.UserName, u.Email, u.GivenName, u.FamilyName)
	}
	for _, g := range spec.Groups {
		grp := &Group{ID: env.UUID(), DisplayName: g.DisplayName, Description: g.Description}
		for _, m := range g.Members {
			u := id.UserByName(m)
			if u == nil {
				return nil, fmt.Errorf("identityCenter: group %s lists unknown user %s", g.DisplayName, m)
			}
			grp.Members = append(grp.Members, u.ID)
		}
		id.Groups[grp.ID] = grp
	}
	for _, p := range spec.PermissionSets {
		dur := p.SessionDuration
		if dur == "" {
			dur = "PT1H"
		}
		s.AddPermissionSet(p.Name, p.Description, dur, env.Start.AddDate(-1, 0, 0))
	}
	for _, a := range spec.Assignments {
		ps := id.PermissionSetByName(a.PermissionSet)
		if a.AccountID == "" || ps == nil {
			return nil, fmt.Errorf("identityCenter: assignment of %s on %s names an unknown account or permission set", a.PermissionSet, a.Account)
		}
		as := Assignment{AccountID: a.AccountID, PermissionSetArn: ps.Arn}
		switch {
		case a.User != "" && id.UserByName(a.User) != nil:
			as.PrincipalType, as.PrincipalID = "USER", id.UserByName(a.User).ID
		case a.Group != "" && id.GroupByName(a.Group) != nil:
			as.PrincipalType, as.PrincipalID = "GROUP", id.GroupByName(a.Group).ID
		default:
			return nil, fmt.Errorf("identityCenter: assignment on %s names no known user or group", a.Account)
		}
		id.Assign(as)
	}
	return s, nil
}

// State is the live state, for snapshots and Control Tower. The lock is held.
func (s *Service) State() *State { return &s.state }

// SetState replaces the state with a snapshot's. The lock is held. Call Resume
// afterwards to reschedule what was in flight.
func (s *Service) SetState(st State) { s.state = st }

// AddUser creates an identity store user. The lock is held (or the world is being built).
func (s *Service) AddUser(userName, email, given, family string) *User {
	u := &User{ID: s.env.RandString(10, protocol.Digits) + "-" + s.env.UUID(), UserName: userName, Email: email, GivenName: given, FamilyName: family}
	s.state.Users[u.ID] = u
	return u
}

// AddPermissionSet creates a permission set of the instance. The lock is held
// (or the world is being built).
func (s *Service) AddPermissionSet(name, description, sessionDuration string, created time.Time) *PermissionSet {
	instance := strings.TrimPrefix(s.state.InstanceArn, "arn:aws:sso:::instance/")
	arn := "arn:aws:sso:::permissionSet/" + instance + "/ps-" + s.env.RandString(16, protocol.HexDigits)
	ps := &PermissionSet{Arn: arn, Name: name, Description: description, SessionDuration: sessionDuration, CreatedDate: created}
	s.state.PermissionSets[arn] = ps
	return ps
}

// --- the collective rate limit ---

// rateBucket is a token bucket refilled in simulated time.
type rateBucket struct {
	tokens float64
	last   time.Time
	primed bool
}

// take spends one token at now, reporting false when none is left.
func (b *rateBucket) take(now time.Time) bool {
	if !b.primed {
		b.tokens, b.last, b.primed = rateLimit, now, true
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(rateLimit, b.tokens+elapsed.Seconds()*rateLimit)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// spend spends a token of the collective rate on a call of either API, or
// answers the ThrottlingException both answer when none is left.
func (s *Service) spend(c *protocol.Call) *protocol.APIError {
	if !s.bucket.take(c.Now) {
		return protocol.Err("ThrottlingException", "Rate exceeded")
	}
	return nil
}

// --- request helpers ---

// patternErr is AWS's model-validation message for a member that does not
// match its pattern.
func patternErr(member, value string, re *regexp.Regexp) *protocol.APIError {
	return protocol.Err("ValidationException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s",
		value, member, strings.Trim(re.String(), "^$"))
}

// listPage answers a list call of either API: one page of items under key
// ([] when there are none), with NextToken only when another page follows:
// AWS's JSON protocols leave an absent member out rather than send null.
func listPage[T any](items []T, key, token string, maxResults int) (any, *protocol.APIError) {
	if maxResults < 0 || maxResults > maxPage {
		return nil, protocol.Err("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", maxResults, maxPage)
	}
	page, next, ok := protocol.PageOf(items, token, maxResults, maxPage)
	if !ok {
		return nil, protocol.Err("ValidationException", "The NextToken is invalid or expired.")
	}
	if page == nil {
		page = []T{}
	}
	out := map[string]any{key: page}
	if next != "" {
		out["NextToken"] = next
	}
	return out, nil
}
