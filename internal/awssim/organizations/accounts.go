package organizations

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- CloseAccount ---

type closeAccountInput struct {
	AccountID string `json:"AccountId"`
}

func (s *Service) closeAccount(c *protocol.Call, in closeAccountInput) (any, *protocol.APIError) {
	a, err := s.findAccount(in.AccountID)
	if err != nil {
		return nil, err
	}
	org := &s.state
	if a.ID == org.ManagementAccountID {
		return nil, constraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", msgCloseManagement)
	}
	if a.Status != "ACTIVE" {
		return nil, protocol.Err("AccountAlreadyClosedException", msgAlreadyClosed)
	}
	if s.closuresSince(c.Now.Add(-closureWindow)) >= s.closureQuota() {
		return nil, constraint("CLOSE_ACCOUNT_QUOTA_EXCEEDED", msgCloseQuota)
	}
	pending := 0
	for _, x := range org.Accounts {
		if x.Status == "PENDING_CLOSURE" {
			pending++
		}
	}
	if pending >= concurrentClosures {
		return nil, constraint("CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED", msgCloseConcurrency)
	}
	a.Status = "PENDING_CLOSURE"
	org.Closures = append(org.Closures, ClosureRecord{AccountID: a.ID, At: c.Now})
	s.scheduleClosure(a.ID, c.Now, closeAccountTime)
	return nil, nil
}

// closureQuota is how many accounts may be closed in any 30 days: 10% of the
// member accounts, at least 10 and at most 1000.
func (s *Service) closureQuota() int {
	members := len(s.state.Accounts) - 1
	return min(max(members/10, closureQuotaMin), closureQuotaMax)
}

func (s *Service) closuresSince(t time.Time) int {
	n := 0
	for _, r := range s.state.Closures {
		if r.At.After(t) {
			n++
		}
	}
	return n
}

// scheduleClosure suspends the account after d, unless something else changed
// its status meanwhile. The lock is held.
func (s *Service) scheduleClosure(accountID string, requested time.Time, d time.Duration) {
	s.env.Clock.AfterFunc(d, func() {
		s.env.Lock()
		defer s.env.Unlock()
		a := s.state.account(accountID)
		if a == nil || a.Status != "PENDING_CLOSURE" {
			return
		}
		a.Status = "SUSPENDED"
		now := s.env.Clock.Now()
		s.publishServiceEvent("CloseAccountResult", now, eventSource, map[string]any{"closeAccountStatus": closeAccountStatusDetail{
			AccountID: accountID, State: "SUCCEEDED",
			RequestedTimestamp: requested.UTC().Format(cloudTrailTime), CompletedTimestamp: now.UTC().Format(cloudTrailTime),
		}})
	})
}

// --- CreateAccount ---

type createAccountInput struct {
	AccountName            string    `json:"AccountName"`
	Email                  string    `json:"Email"`
	RoleName               *string   `json:"RoleName"`
	IamUserAccessToBilling string    `json:"IamUserAccessToBilling"`
	Tags                   []wireTag `json:"Tags"`
}

func (s *Service) createAccount(c *protocol.Call, in createAccountInput) (any, *protocol.APIError) {
	if err := checkString(in.AccountName, 1, 50, nameRe); err != nil {
		return nil, err
	}
	if err := checkString(in.Email, 6, 64, emailRe); err != nil {
		return nil, err
	}
	role := "OrganizationAccountAccessRole"
	if in.RoleName != nil {
		if !roleNameRe.MatchString(*in.RoleName) {
			return nil, invalidInput("INVALID_PATTERN", msgPattern)
		}
		role = *in.RoleName
	}
	billing := in.IamUserAccessToBilling
	switch billing {
	case "":
		billing = "ALLOW" // CreateAccount's documented default
	case "ALLOW", "DENY":
	default:
		return nil, invalidInput("INVALID_ENUM", msgInvalidEnum)
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	inProgress := 0
	for _, r := range s.requests.CreateAccount {
		if r.State == "IN_PROGRESS" {
			inProgress++
		}
	}
	if inProgress >= concurrentCreates {
		return nil, constraint("ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED", msgCreateRate)
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	r := &CreateAccountRequest{ID: "car-" + s.env.RandString(32, protocol.HexDigits), AccountName: in.AccountName, Email: in.Email,
		RoleName: role, Tags: copyTags(tags), IamUserAccessToBilling: billing, State: "IN_PROGRESS", Requested: c.Now}
	r.FailWith = s.doomedCreate(r)
	s.requests.CreateAccount[r.ID] = r
	s.scheduleCreate(r, createAccountTime)
	return map[string]any{"CreateAccountStatus": createStatusJSON(r)}, nil
}

// scheduleCreate finishes a CreateAccount request after d. The lock is held.
func (s *Service) scheduleCreate(r *CreateAccountRequest, d time.Duration) {
	s.env.Clock.AfterFunc(d, func() {
		s.env.Lock()
		defer s.env.Unlock()
		s.completeCreate(r, s.env.Clock.Now())
	})
}

// completeCreate makes the account in Root, or fails the request when the
// email is taken, and announces the result. The lock is held.
func (s *Service) completeCreate(r *CreateAccountRequest, now time.Time) {
	r.Completed = now
	switch {
	case r.FailWith != "":
		r.State, r.FailureReason = "FAILED", r.FailWith
	case s.state.accountByEmail(r.Email) != nil:
		r.State, r.FailureReason = "FAILED", "EMAIL_ALREADY_EXISTS"
	default:
		role := RoleMissing
		if r.RoleName == executionRole {
			// CreateAccount makes the named role with a trust in the management account.
			role = RoleTrusted
		}
		id := s.NewAccountID()
		s.state.Accounts[id] = &Account{ID: id, Name: r.AccountName, Email: r.Email, ParentID: s.state.RootID, Status: "ACTIVE",
			JoinedMethod: "CREATED", JoinedTimestamp: now, Tags: copyTags(r.Tags), ExecutionRole: role}
		r.State, r.AccountID = "SUCCEEDED", id
	}
	s.emitCreateAccountResult(r)
	if r.State == "SUCCEEDED" {
		s.emitAccountJoined(r.AccountID, "CREATED", now)
	}
}

type describeCreateAccountStatusInput struct {
	CreateAccountRequestID string `json:"CreateAccountRequestId"`
}

func (s *Service) describeCreateAccountStatus(c *protocol.Call, in describeCreateAccountStatusInput) (any, *protocol.APIError) {
	if !carIDRe.MatchString(in.CreateAccountRequestID) {
		return nil, invalidInput("INVALID_PATTERN", msgPattern)
	}
	r := s.requests.CreateAccount[in.CreateAccountRequestID]
	if r == nil {
		return nil, protocol.Err("CreateAccountStatusNotFoundException", msgCARNotFound)
	}
	return map[string]any{"CreateAccountStatus": createStatusJSON(r)}, nil
}

// doomedCreate is the FailureReason a new request will end with, or "":
// the world's next Faults.FailCreateAccount entry for its name or email
// (spent by this request), or CONCURRENT_ACCOUNT_MODIFICATION when a
// request for the same email is still in progress ("You already submitted
// a request with the same information"). The lock is held.
func (s *Service) doomedCreate(r *CreateAccountRequest) string {
	for _, f := range s.env.Faults().FailCreateAccount {
		if f.Name == "" && f.Email == "" || // names no account (Validate refuses it in a world)
			f.Name != "" && !strings.EqualFold(f.Name, r.AccountName) || f.Email != "" && !strings.EqualFold(f.Email, r.Email) {
			continue
		}
		key := createFaultKey(f)
		if slices.Contains(s.requests.SpentFaults, key) {
			continue
		}
		s.requests.SpentFaults = append(s.requests.SpentFaults, key)
		return f.Reason
	}
	for _, other := range s.requests.CreateAccount {
		if other.State == "IN_PROGRESS" && strings.EqualFold(other.Email, r.Email) {
			return "CONCURRENT_ACCOUNT_MODIFICATION"
		}
	}
	return ""
}

// createFaultKey names a Faults.FailCreateAccount entry in SpentFaults.
func createFaultKey(f protocol.CreateAccountFailure) string {
	return strings.ToLower(f.Name) + "|" + strings.ToLower(f.Email) + "|" + f.Reason
}

type listCreateAccountStatusInput struct {
	listInput
	States []string `json:"States"`
}

// listCreateAccountStatus lists the organization's CreateAccount requests,
// Control Tower's among them, oldest first; States keeps those in the
// states given.
func (s *Service) listCreateAccountStatus(c *protocol.Call, in listCreateAccountStatusInput) (any, *protocol.APIError) {
	for _, st := range in.States {
		switch st {
		case "IN_PROGRESS", "SUCCEEDED", "FAILED":
		default:
			return nil, invalidInput("INVALID_ENUM", msgInvalidEnum)
		}
	}
	var matched []*CreateAccountRequest
	for _, r := range s.requests.CreateAccount {
		if len(in.States) == 0 || slices.Contains(in.States, r.State) {
			matched = append(matched, r)
		}
	}
	slices.SortFunc(matched, func(a, b *CreateAccountRequest) int {
		if c := a.Requested.Compare(b.Requested); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	page, next, err := pageOf(matched, in.listInput)
	if err != nil {
		return nil, err
	}
	out := make([]wireCreateAccountStatus, 0, len(page))
	for _, r := range page {
		out = append(out, createStatusJSON(r))
	}
	return listOut("CreateAccountStatuses", out, next), nil
}

func createStatusJSON(r *CreateAccountRequest) wireCreateAccountStatus {
	out := wireCreateAccountStatus{AccountID: r.AccountID, AccountName: r.AccountName, FailureReason: r.FailureReason,
		ID: r.ID, RequestedTimestamp: protocol.Epoch(r.Requested), State: r.State}
	if !r.Completed.IsZero() {
		done := protocol.Epoch(r.Completed)
		out.CompletedTimestamp = &done
	}
	return out
}

// CreateAccountOutsideControlTower calls Organizations' CreateAccount as the
// management account, the way an administrator makes an account without
// Account Factory. The account appears in Root a few simulated minutes later,
// with CreateAccountResult and AccountJoinedOrganization events; the returned
// id is the CreateAccount request's, for DescribeCreateAccountStatus. The lock
// is held.
func (s *Service) CreateAccountOutsideControlTower(name, email string) (string, error) {
	id, aerr := s.createAsManagement(createAccountInput{AccountName: name, Email: email})
	if aerr != nil {
		return "", fmt.Errorf("create account %s: %w", name, aerr)
	}
	return id, nil
}

// CreateAccountForControlTower is the CreateAccount call Control Tower's
// account workflow makes for an Account Factory create: as the management
// account, with RoleName AWSControlTowerExecution, so the new account has the
// role Control Tower governs it with. It is an ordinary CreateAccount: the
// account appears in Root when the request completes, and CloudTrail records
// CreateAccountResult and AccountJoinedOrganization in the management account,
// minutes before Control Tower finishes. It returns the request's id, or
// Organizations' refusal (e.g. ConstraintViolationException
// ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED). The lock is held.
func (s *Service) CreateAccountForControlTower(name, email string) (string, *protocol.APIError) {
	role := executionRole
	return s.createAsManagement(createAccountInput{AccountName: name, Email: email, RoleName: &role})
}

// createAsManagement runs CreateAccount as the management account's root user
// and returns the request id. The lock is held.
func (s *Service) createAsManagement(in createAccountInput) (string, *protocol.APIError) {
	mgmt := s.state.ManagementAccountID
	c := &protocol.Call{Ctx: context.Background(), Caller: protocol.Principal{Arn: "arn:aws:iam::" + mgmt + ":root", AccountID: mgmt, UserID: mgmt},
		Now: s.env.Clock.Now(), RequestID: s.env.UUID()}
	if aerr := s.checkManager(c); aerr != nil {
		return "", aerr
	}
	out, aerr := s.createAccount(c, in)
	if aerr != nil {
		return "", aerr
	}
	return out.(map[string]any)["CreateAccountStatus"].(wireCreateAccountStatus).ID, nil
}

// CreateAccountStatus reports a CreateAccount request as
// DescribeCreateAccountStatus does: IN_PROGRESS, SUCCEEDED with the new
// account's id, or FAILED with the reason; ok is false for an unknown id. The
// lock is held.
func (s *Service) CreateAccountStatus(id string) (state, accountID, failureReason string, ok bool) {
	r := s.requests.CreateAccount[id]
	if r == nil {
		return "", "", "", false
	}
	return r.State, r.AccountID, r.FailureReason, true
}

// --- accounts joining by invitation ---

// InviteAccount simulates a standalone AWS account accepting the
// organization's invitation: it joins Root with JoinedMethod INVITED and no
// AWSControlTowerExecution role. The invited account calls AcceptHandshake, so
// CloudTrail records that call in the invited account, on its own bus, not the
// management account's; the management account gets Organizations'
// AccountJoinedOrganization service event (joinedMethod INVITED). It returns
// the new member's account id. The lock is held.
func (s *Service) InviteAccount(name, email string) (string, error) {
	if name == "" || !emailRe.MatchString(email) {
		return "", fmt.Errorf("invite account: a name and a valid email are required (got %q, %q)", name, email)
	}
	if a := s.state.accountByEmail(email); a != nil {
		return "", fmt.Errorf("invite account: %s already belongs to account %s in the organization", email, a.ID)
	}
	now := s.env.Clock.Now()
	id := s.NewAccountID()
	s.state.Accounts[id] = &Account{ID: id, Name: name, Email: email, ParentID: s.state.RootID, Status: "ACTIVE",
		JoinedMethod: "INVITED", JoinedTimestamp: now, ExecutionRole: RoleMissing}
	s.emitAcceptHandshake(id, now)
	s.emitAccountJoined(id, "INVITED", now)
	return id, nil
}
