package awssim

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"regexp"
	"strings"
	"time"
)

// AWS Organizations at the wire level (awsJson 1.1, target prefix
// AWSOrganizationsV20161128): the organization tree, accounts and their tags,
// account closure with AWS's quotas, CreateAccount for accounts made outside
// Control Tower, and the CloudTrail lifecycle events Organizations puts on the
// management account's default bus.

const (
	orgTargetPrefix = "AWSOrganizationsV20161128"
	// orgPageMax is AWS's MaxResults ceiling, and the page size when none is given.
	orgPageMax = 20
	// orgCreateAccountTime is how long CreateAccount stays IN_PROGRESS; AWS
	// usually needs a minute or a few.
	orgCreateAccountTime = 3 * time.Minute
	// orgCloseAccountTime is how long an account stays PENDING_CLOSURE before it is SUSPENDED.
	orgCloseAccountTime = time.Hour
	// Quotas from the Organizations user guide: five account creations and three
	// closures in progress at a time; 10% of member accounts (at least 10, at most
	// 1000) closed in any rolling 30 days.
	orgConcurrentCreates  = 5
	orgConcurrentClosures = 3
	orgClosureWindow      = 30 * 24 * time.Hour
	orgClosureQuotaMin    = 10
	orgClosureQuotaMax    = 1000
	orgMaxTags            = 50
	// orgExecutionRole is the role Control Tower needs in every account it governs.
	orgExecutionRole = "AWSControlTowerExecution"
	// CloudTrail records Organizations in us-east-1 whatever the home Region.
	orgTrailRegion = "us-east-1"
	orgEventSource = "organizations.amazonaws.com"
	// cloudTrailTime is how CloudTrail prints timestamps inside
	// serviceEventDetails and responseElements (Java's medium date format).
	cloudTrailTime = "Jan 2, 2006 3:04:05 PM"
)

// AWS's documented error texts.
const (
	orgMsgPattern          = "You provided a value that does not match the required pattern."
	orgMsgAccountNotFound  = "You specified an account that doesn't exist."
	orgMsgParentNotFound   = "We can't find a root or OU with the ParentId that you specified."
	orgMsgOUNotFound       = "We can't find an OU with the OrganizationalUnitId that you specified."
	orgMsgChildNotFound    = "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified."
	orgMsgTargetNotFound   = "We can't find a root, OU, account, or policy with the TargetId that you specified."
	orgMsgAccessDenied     = "You don't have permissions to access this resource."
	orgMsgNotInOrg         = "Your account is not a member of an organization."
	orgMsgTooLong          = "You provided a string parameter that is longer than allowed."
	orgMsgTooShort         = "You provided a string parameter that is shorter than allowed."
	orgMsgSystemTag        = "You specified a tag key that is a system tag. You can't add, edit, or delete system tag keys because they're reserved for AWS use."
	orgMsgTagLimit         = "You have exceeded the number of tags allowed on this resource."
	orgMsgDuplicateTag     = "Tag keys must be unique among the tags attached to the same entity."
	orgMsgBadNextToken     = "The NextToken value is not valid. Get it from the response to a previous call of the operation."
	orgMsgMaxValue         = "You provided a numeric parameter that has a larger value than allowed."
	orgMsgMinValue         = "You provided a numeric parameter that has a smaller value than allowed."
	orgMsgInvalidEnum      = "You specified an invalid value."
	orgMsgAlreadyClosed    = "You attempted to close an account that is already closed."
	orgMsgCloseManagement  = "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization."
	orgMsgCloseQuota       = "You have exceeded close account quota for the past 30 days."
	orgMsgCloseConcurrency = "You attempted to exceed the number of accounts that you can close at a time."
	orgMsgCreateRate       = "You attempted to exceed the number of accounts that can be in progress at a time."
	orgMsgCARNotFound      = "We can't find an create account request with the CreateAccountRequestId that you specified."
)

var (
	orgAccountIDRe = regexp.MustCompile(`^\d{12}$`)
	orgOUIDRe      = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	orgRootIDRe    = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	orgPolicyIDRe  = regexp.MustCompile(`^p-[0-9a-zA-Z_]{8,128}$`)
	orgCARIDRe     = regexp.MustCompile(`^car-[a-z0-9]{8,32}$`)
	orgTagRe       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	orgEmailRe     = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	orgNameRe      = regexp.MustCompile(`^[\x20-\x7E]+$`)
	orgRoleNameRe  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// OrgRequestState is the part of Organizations that OrgState does not hold:
// CreateAccount requests, which run asynchronously and stay describable after
// they finish.
type OrgRequestState struct {
	CreateAccount map[string]*CreateAccountRequest `json:"createAccount"`
}

// CreateAccountRequest is one CreateAccount call and its outcome.
type CreateAccountRequest struct {
	ID          string            `json:"id"`
	AccountName string            `json:"accountName"`
	Email       string            `json:"email"`
	RoleName    string            `json:"roleName"`
	Tags        map[string]string `json:"tags,omitempty"`
	// State is IN_PROGRESS, SUCCEEDED or FAILED.
	State         string    `json:"state"`
	Requested     time.Time `json:"requested"`
	Completed     time.Time `json:"completed,omitzero"`
	AccountID     string    `json:"accountId,omitempty"`
	FailureReason string    `json:"failureReason,omitempty"`
}

// orgService holds Organizations' handlers and the request state they share.
// Handlers run with Sim.mu held.
type orgService struct {
	s        *Sim
	requests *OrgRequestState
}

// organizationsOps serves AWS Organizations.
func (s *Sim) organizationsOps() map[string]protocol.Handler {
	s.orgRequests.CreateAccount = map[string]*CreateAccountRequest{}
	o := &orgService{s: s, requests: &s.orgRequests}
	return map[string]protocol.Handler{
		"DescribeOrganization":             o.describeOrganization,
		"ListRoots":                        o.manager(o.listRoots),
		"ListOrganizationalUnitsForParent": o.manager(o.listOUsForParent),
		"DescribeOrganizationalUnit":       o.manager(o.describeOU),
		"ListChildren":                     o.manager(o.listChildren),
		"ListParents":                      o.manager(o.listParents),
		"ListAccounts":                     o.manager(o.listAccounts),
		"ListAccountsForParent":            o.manager(o.listAccountsForParent),
		"DescribeAccount":                  o.manager(o.describeAccount),
		"MoveAccount":                      o.manager(o.moveAccount),
		"TagResource":                      o.manager(o.tagResource),
		"UntagResource":                    o.manager(o.untagResource),
		"ListTagsForResource":              o.manager(o.listTagsForResource),
		"CloseAccount":                     o.manager(o.closeAccount),
		"CreateAccount":                    o.manager(o.createAccount),
		"DescribeCreateAccountStatus":      o.manager(o.describeCreateAccountStatus),
	}
}

// manager admits only principals of the management account, as Organizations
// does for everything but DescribeOrganization (delegated administrators are
// not simulated).
func (o *orgService) manager(op protocol.Handler) protocol.Handler {
	return func(c *protocol.Call, body []byte) (any, *APIError) {
		if err := o.checkMember(c); err != nil {
			return nil, err
		}
		if c.Caller.AccountID != o.s.org.ManagementAccountID {
			return nil, apiErr("AccessDeniedException", orgMsgAccessDenied)
		}
		return op(c, body)
	}
}

// checkMember rejects callers whose account is not in the organization.
func (o *orgService) checkMember(c *protocol.Call) *APIError {
	if o.s.org.account(c.Caller.AccountID) == nil {
		return apiErr("AWSOrganizationsNotInUseException", orgMsgNotInOrg)
	}
	return nil
}

// --- wire shapes ---

type orgAccountJSON struct {
	Arn             string   `json:"Arn"`
	Email           string   `json:"Email"`
	ID              string   `json:"Id"`
	JoinedMethod    string   `json:"JoinedMethod"`
	JoinedTimestamp Epoch    `json:"JoinedTimestamp"`
	Name            string   `json:"Name"`
	Paths           []string `json:"Paths"`
	State           string   `json:"State"`
	Status          string   `json:"Status"`
}

type orgOUJSON struct {
	Arn  string `json:"Arn"`
	ID   string `json:"Id"`
	Name string `json:"Name"`
	Path string `json:"Path"`
}

type orgPolicyTypeJSON struct {
	Type   string `json:"Type"`
	Status string `json:"Status"`
}

type orgTagJSON struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type orgIDTypeJSON struct {
	ID   string `json:"Id"`
	Type string `json:"Type"`
}

type orgCreateAccountStatusJSON struct {
	AccountID          string `json:"AccountId,omitempty"`
	AccountName        string `json:"AccountName"`
	CompletedTimestamp *Epoch `json:"CompletedTimestamp,omitempty"`
	FailureReason      string `json:"FailureReason,omitempty"`
	ID                 string `json:"Id"`
	RequestedTimestamp Epoch  `json:"RequestedTimestamp"`
	State              string `json:"State"`
}

// orgListInput is the paging part every List operation shares.
type orgListInput struct {
	MaxResults *int32 `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

// --- read operations ---

func (o *orgService) describeOrganization(c *protocol.Call, body []byte) (any, *APIError) {
	if err := o.checkMember(c); err != nil {
		return nil, err
	}
	org := &o.s.org
	mgmt := org.account(org.ManagementAccountID)
	return map[string]any{"Organization": map[string]any{
		"Arn":                  org.Arn,
		"AvailablePolicyTypes": []orgPolicyTypeJSON{{Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED"}},
		"FeatureSet":           "ALL",
		"Id":                   org.ID,
		"MasterAccountArn":     org.accountArn(mgmt.ID),
		"MasterAccountEmail":   mgmt.Email,
		"MasterAccountId":      mgmt.ID,
	}}, nil
}

func (o *orgService) listRoots(c *protocol.Call, body []byte) (any, *APIError) {
	var in orgListInput
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	org := &o.s.org
	roots := []map[string]any{{
		"Arn":         org.rootArn(),
		"Id":          org.RootID,
		"Name":        "Root",
		"PolicyTypes": []orgPolicyTypeJSON{{Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED"}},
	}}
	page, next, err := orgPage(roots, in)
	if err != nil {
		return nil, err
	}
	return orgList("Roots", page, next), nil
}

func (o *orgService) listOUsForParent(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		orgListInput
		ParentID string `json:"ParentId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	if err := o.checkParent(in.ParentID, "ParentNotFoundException", orgMsgParentNotFound); err != nil {
		return nil, err
	}
	var ous []orgOUJSON
	for _, u := range o.s.org.childOUs(in.ParentID) {
		ous = append(ous, o.ouJSON(u))
	}
	page, next, err := orgPage(ous, in.orgListInput)
	if err != nil {
		return nil, err
	}
	return orgList("OrganizationalUnits", page, next), nil
}

func (o *orgService) describeOU(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		OrganizationalUnitID string `json:"OrganizationalUnitId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	if !orgOUIDRe.MatchString(in.OrganizationalUnitID) {
		return nil, orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	u := o.s.org.ou(in.OrganizationalUnitID)
	if u == nil {
		return nil, apiErr("OrganizationalUnitNotFoundException", orgMsgOUNotFound)
	}
	return map[string]any{"OrganizationalUnit": o.ouJSON(u)}, nil
}

func (o *orgService) listChildren(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		orgListInput
		ParentID  string `json:"ParentId"`
		ChildType string `json:"ChildType"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	if err := o.checkParent(in.ParentID, "ParentNotFoundException", orgMsgParentNotFound); err != nil {
		return nil, err
	}
	var children []orgIDTypeJSON
	switch in.ChildType {
	case "ACCOUNT":
		for _, a := range o.s.org.accountsIn(in.ParentID) {
			children = append(children, orgIDTypeJSON{ID: a.ID, Type: "ACCOUNT"})
		}
	case "ORGANIZATIONAL_UNIT":
		for _, u := range o.s.org.childOUs(in.ParentID) {
			children = append(children, orgIDTypeJSON{ID: u.ID, Type: "ORGANIZATIONAL_UNIT"})
		}
	default:
		return nil, orgInvalidInput("INVALID_ENUM", orgMsgInvalidEnum)
	}
	page, next, err := orgPage(children, in.orgListInput)
	if err != nil {
		return nil, err
	}
	return orgList("Children", page, next), nil
}

func (o *orgService) listParents(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		orgListInput
		ChildID string `json:"ChildId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	org := &o.s.org
	var parent string
	switch {
	case orgAccountIDRe.MatchString(in.ChildID):
		if a := org.account(in.ChildID); a != nil {
			parent = a.ParentID
		}
	case orgOUIDRe.MatchString(in.ChildID):
		if u := org.ou(in.ChildID); u != nil {
			parent = u.ParentID
		}
	default:
		return nil, orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	if parent == "" {
		return nil, apiErr("ChildNotFoundException", orgMsgChildNotFound)
	}
	kind := "ORGANIZATIONAL_UNIT"
	if parent == org.RootID {
		kind = "ROOT"
	}
	page, next, err := orgPage([]orgIDTypeJSON{{ID: parent, Type: kind}}, in.orgListInput)
	if err != nil {
		return nil, err
	}
	return orgList("Parents", page, next), nil
}

func (o *orgService) listAccounts(c *protocol.Call, body []byte) (any, *APIError) {
	var in orgListInput
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	return o.accountPage(o.s.org.sortedAccounts(), in)
}

func (o *orgService) listAccountsForParent(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		orgListInput
		ParentID string `json:"ParentId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	if err := o.checkParent(in.ParentID, "ParentNotFoundException", orgMsgParentNotFound); err != nil {
		return nil, err
	}
	return o.accountPage(o.s.org.accountsIn(in.ParentID), in.orgListInput)
}

func (o *orgService) accountPage(accounts []*Account, in orgListInput) (any, *APIError) {
	page, next, err := orgPage(accounts, in)
	if err != nil {
		return nil, err
	}
	out := make([]orgAccountJSON, 0, len(page))
	for _, a := range page {
		out = append(out, o.accountJSON(a))
	}
	return orgList("Accounts", out, next), nil
}

func (o *orgService) describeAccount(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccountID string `json:"AccountId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	a, err := o.findAccount(in.AccountID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Account": o.accountJSON(a)}, nil
}

// --- MoveAccount ---

func (o *orgService) moveAccount(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccountID           string `json:"AccountId"`
		SourceParentID      string `json:"SourceParentId"`
		DestinationParentID string `json:"DestinationParentId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	if !orgAccountIDRe.MatchString(in.AccountID) || !o.isParentID(in.SourceParentID) || !o.isParentID(in.DestinationParentID) {
		return nil, orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	a := o.s.org.account(in.AccountID)
	if a == nil {
		return nil, apiErr("AccountNotFoundException", orgMsgAccountNotFound)
	}
	if !o.s.org.isParent(in.SourceParentID) || a.ParentID != in.SourceParentID {
		// AWS answers the same whether the source does not exist or is not where the account is.
		return nil, apiErr("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
	}
	if !o.s.org.isParent(in.DestinationParentID) {
		return nil, apiErr("DestinationParentNotFoundException", "We can't find the destination container (a root or OU) with the ParentId that you specified.")
	}
	if in.DestinationParentID == a.ParentID {
		return nil, apiErr("DuplicateAccountException", "That account is already present in the specified destination.")
	}
	a.ParentID = in.DestinationParentID
	return nil, nil
}

// --- tags ---

// tagsOf returns the tags of an account, OU or the root and a function that
// replaces them.
func (o *orgService) tagsOf(id string) (tags map[string]string, set func(map[string]string), err *APIError) {
	org := &o.s.org
	switch {
	case orgAccountIDRe.MatchString(id):
		if a := org.account(id); a != nil {
			return a.Tags, func(m map[string]string) { a.Tags = m }, nil
		}
	case orgOUIDRe.MatchString(id):
		if u := org.ou(id); u != nil {
			return u.Tags, func(m map[string]string) { u.Tags = m }, nil
		}
	case orgRootIDRe.MatchString(id):
		if id == org.RootID {
			return org.RootTags, func(m map[string]string) { org.RootTags = m }, nil
		}
	case orgPolicyIDRe.MatchString(id):
		// Policies are taggable in AWS but not simulated, so none exists.
	default:
		return nil, nil, orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	return nil, nil, apiErr("TargetNotFoundException", orgMsgTargetNotFound)
}

func (o *orgService) tagResource(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ResourceID string       `json:"ResourceId"`
		Tags       []orgTagJSON `json:"Tags"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	tags, set, err := o.tagsOf(in.ResourceID)
	if err != nil {
		return nil, err
	}
	if err := orgCheckTags(in.Tags); err != nil {
		return nil, err
	}
	merged := copyTags(tags)
	if merged == nil {
		merged = map[string]string{}
	}
	for _, t := range in.Tags {
		merged[t.Key] = t.Value
	}
	if len(merged) > orgMaxTags {
		return nil, orgConstraint("MAX_TAG_LIMIT_EXCEEDED", orgMsgTagLimit)
	}
	set(merged)
	return nil, nil
}

func (o *orgService) untagResource(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ResourceID string   `json:"ResourceId"`
		TagKeys    []string `json:"TagKeys"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	tags, set, err := o.tagsOf(in.ResourceID)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		if err := orgCheckTagKey(k); err != nil {
			return nil, err
		}
	}
	left := copyTags(tags)
	for _, k := range in.TagKeys {
		delete(left, k)
	}
	set(copyTags(left))
	return nil, nil
}

func (o *orgService) listTagsForResource(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		ResourceID string `json:"ResourceId"`
		NextToken  string `json:"NextToken"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	tags, _, err := o.tagsOf(in.ResourceID)
	if err != nil {
		return nil, err
	}
	list := make([]orgTagJSON, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		list = append(list, orgTagJSON{Key: k, Value: tags[k]})
	}
	page, next, ok := protocol.PageOf(list, in.NextToken, 0, orgMaxTags)
	if !ok {
		return nil, orgInvalidInput("INVALID_NEXT_TOKEN", orgMsgBadNextToken)
	}
	return orgList("Tags", page, next), nil
}

// orgCheckTags applies AWS's tag rules to the tags of one request.
func orgCheckTags(tags []orgTagJSON) *APIError {
	seen := map[string]bool{}
	for _, t := range tags {
		if err := orgCheckTagKey(t.Key); err != nil {
			return err
		}
		if len([]rune(t.Value)) > 256 {
			return orgInvalidInput("MAX_LENGTH_EXCEEDED", orgMsgTooLong)
		}
		if !orgTagRe.MatchString(t.Value) {
			return orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
		}
		if seen[t.Key] {
			return orgInvalidInput("DUPLICATE_TAG_KEY", orgMsgDuplicateTag)
		}
		seen[t.Key] = true
	}
	if len(tags) > orgMaxTags {
		return orgConstraint("MAX_TAG_LIMIT_EXCEEDED", orgMsgTagLimit)
	}
	return nil
}

func orgCheckTagKey(k string) *APIError {
	switch n := len([]rune(k)); {
	case n == 0:
		return orgInvalidInput("MIN_LENGTH_EXCEEDED", orgMsgTooShort)
	case n > 128:
		return orgInvalidInput("MAX_LENGTH_EXCEEDED", orgMsgTooLong)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return orgInvalidInput("INVALID_SYSTEM_TAGS_PARAMETER", orgMsgSystemTag)
	}
	if !orgTagRe.MatchString(k) {
		return orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	return nil
}

// --- CloseAccount ---

func (o *orgService) closeAccount(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccountID string `json:"AccountId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	a, err := o.findAccount(in.AccountID)
	if err != nil {
		return nil, err
	}
	org := &o.s.org
	if a.ID == org.ManagementAccountID {
		return nil, orgConstraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", orgMsgCloseManagement)
	}
	if a.Status != "ACTIVE" {
		return nil, apiErr("AccountAlreadyClosedException", orgMsgAlreadyClosed)
	}
	if o.closuresSince(c.Now.Add(-orgClosureWindow)) >= o.closureQuota() {
		return nil, orgConstraint("CLOSE_ACCOUNT_QUOTA_EXCEEDED", orgMsgCloseQuota)
	}
	pending := 0
	for _, x := range org.Accounts {
		if x.Status == "PENDING_CLOSURE" {
			pending++
		}
	}
	if pending >= orgConcurrentClosures {
		return nil, orgConstraint("CLOSE_ACCOUNT_REQUESTS_LIMIT_EXCEEDED", orgMsgCloseConcurrency)
	}
	a.Status = "PENDING_CLOSURE"
	org.Closures = append(org.Closures, ClosureRecord{AccountID: a.ID, At: c.Now})
	o.scheduleClosure(a.ID, c.Now, orgCloseAccountTime)
	return nil, nil
}

// closureQuota is how many accounts may be closed in any 30 days: 10% of the
// member accounts, at least 10 and at most 1000.
func (o *orgService) closureQuota() int {
	members := len(o.s.org.Accounts) - 1
	return min(max(members/10, orgClosureQuotaMin), orgClosureQuotaMax)
}

func (o *orgService) closuresSince(t time.Time) int {
	n := 0
	for _, r := range o.s.org.Closures {
		if r.At.After(t) {
			n++
		}
	}
	return n
}

// scheduleClosure suspends the account after d, unless something else changed
// its status meanwhile. s.mu is held.
func (o *orgService) scheduleClosure(accountID string, requested time.Time, d time.Duration) {
	s := o.s
	s.env.Clock.AfterFunc(d, func() {
		s.env.Lock()
		defer s.env.Unlock()
		a := s.org.account(accountID)
		if a == nil || a.Status != "PENDING_CLOSURE" {
			return
		}
		a.Status = "SUSPENDED"
		now := s.env.Clock.Now()
		s.env.Publish(protocol.Event{Source: "aws.organizations", DetailType: "AWS Service Event via CloudTrail", Detail: o.serviceEvent("CloseAccountResult", now,
			cloudTrailIdentity{AccountID: s.org.ManagementAccountID, InvokedBy: orgEventSource}, orgEventSource,
			map[string]any{"closeAccountStatus": closeAccountStatusDetail{
				AccountID: accountID, State: "SUCCEEDED",
				RequestedTimestamp: requested.UTC().Format(cloudTrailTime), CompletedTimestamp: now.UTC().Format(cloudTrailTime),
			}})})
	})
}

// resumeOrg reschedules closures that were pending when a snapshot was taken.
// s.mu is held.
func (s *Sim) resumeOrg() {
	o := &orgService{s: s}
	now := s.env.Clock.Now()
	for _, a := range s.org.sortedAccounts() {
		if a.Status != "PENDING_CLOSURE" {
			continue
		}
		requested := now
		for _, r := range s.org.Closures {
			if r.AccountID == a.ID {
				requested = r.At
			}
		}
		o.scheduleClosure(a.ID, requested, max(requested.Add(orgCloseAccountTime).Sub(now), 0))
	}
}

// --- CreateAccount ---

func (o *orgService) createAccount(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccountName            string       `json:"AccountName"`
		Email                  string       `json:"Email"`
		RoleName               *string      `json:"RoleName"`
		IamUserAccessToBilling string       `json:"IamUserAccessToBilling"`
		Tags                   []orgTagJSON `json:"Tags"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	if err := orgCheckString(in.AccountName, 1, 50, orgNameRe); err != nil {
		return nil, err
	}
	if err := orgCheckString(in.Email, 6, 64, orgEmailRe); err != nil {
		return nil, err
	}
	role := "OrganizationAccountAccessRole"
	if in.RoleName != nil {
		if !orgRoleNameRe.MatchString(*in.RoleName) {
			return nil, orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
		}
		role = *in.RoleName
	}
	switch in.IamUserAccessToBilling {
	case "", "ALLOW", "DENY":
	default:
		return nil, orgInvalidInput("INVALID_ENUM", orgMsgInvalidEnum)
	}
	if err := orgCheckTags(in.Tags); err != nil {
		return nil, err
	}
	inProgress := 0
	for _, r := range o.requests.CreateAccount {
		if r.State == "IN_PROGRESS" {
			inProgress++
		}
	}
	if inProgress >= orgConcurrentCreates {
		return nil, orgConstraint("ACCOUNT_CREATION_RATE_LIMIT_EXCEEDED", orgMsgCreateRate)
	}
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[t.Key] = t.Value
	}
	r := &CreateAccountRequest{ID: "car-" + o.s.env.RandString(32, protocol.HexDigits), AccountName: in.AccountName, Email: in.Email,
		RoleName: role, Tags: copyTags(tags), State: "IN_PROGRESS", Requested: c.Now}
	o.requests.CreateAccount[r.ID] = r
	o.scheduleCreate(r, orgCreateAccountTime)
	return map[string]any{"CreateAccountStatus": orgCreateStatusJSON(r)}, nil
}

// scheduleCreate finishes a CreateAccount request after d. s.mu is held.
func (o *orgService) scheduleCreate(r *CreateAccountRequest, d time.Duration) {
	s := o.s
	s.env.Clock.AfterFunc(d, func() {
		s.env.Lock()
		defer s.env.Unlock()
		o.completeCreate(r, s.env.Clock.Now())
	})
}

// completeCreate makes the account in Root, or fails the request when the
// email is taken, and announces the result. s.mu is held.
func (o *orgService) completeCreate(r *CreateAccountRequest, now time.Time) {
	s := o.s
	r.Completed = now
	if s.org.accountByEmail(r.Email) != nil {
		r.State, r.FailureReason = "FAILED", "EMAIL_ALREADY_EXISTS"
	} else {
		role := RoleMissing
		if r.RoleName == orgExecutionRole {
			// CreateAccount makes the named role with a trust in the management account.
			role = RoleTrusted
		}
		id := s.newAccountID()
		s.org.Accounts[id] = &Account{ID: id, Name: r.AccountName, Email: r.Email, ParentID: s.org.RootID, Status: "ACTIVE",
			JoinedMethod: "CREATED", JoinedTimestamp: now, Tags: copyTags(r.Tags), ExecutionRole: role}
		r.State, r.AccountID = "SUCCEEDED", id
	}
	s.emitCreateAccountResult(r)
}

// emitCreateAccountResult puts the CreateAccountResult CloudTrail event AWS
// sends when an account creation finishes; Control Tower's Account Factory
// causes one too, since it creates accounts through Organizations. s.mu is held.
func (s *Sim) emitCreateAccountResult(r *CreateAccountRequest) {
	o := &orgService{s: s}
	status := createAccountStatusDetail{
		ID: r.ID, State: r.State,
		// CloudTrail redacts the account name.
		AccountName: "****", AccountID: r.AccountID, FailureReason: r.FailureReason,
		RequestedTimestamp: r.Requested.UTC().Format(cloudTrailTime), CompletedTimestamp: r.Completed.UTC().Format(cloudTrailTime),
	}
	s.env.Publish(protocol.Event{Source: "aws.organizations", DetailType: "AWS Service Event via CloudTrail", Detail: o.serviceEvent("CreateAccountResult", r.Completed,
		cloudTrailIdentity{AccountID: s.org.ManagementAccountID, InvokedBy: "AWS Internal"}, "AWS Internal",
		map[string]any{"createAccountStatus": status})})
}

func (o *orgService) describeCreateAccountStatus(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		CreateAccountRequestID string `json:"CreateAccountRequestId"`
	}
	if err := orgDecode(body, &in); err != nil {
		return nil, err
	}
	if !orgCARIDRe.MatchString(in.CreateAccountRequestID) {
		return nil, orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	r := o.requests.CreateAccount[in.CreateAccountRequestID]
	if r == nil {
		return nil, apiErr("CreateAccountStatusNotFoundException", orgMsgCARNotFound)
	}
	return map[string]any{"CreateAccountStatus": orgCreateStatusJSON(r)}, nil
}

func orgCreateStatusJSON(r *CreateAccountRequest) orgCreateAccountStatusJSON {
	out := orgCreateAccountStatusJSON{AccountID: r.AccountID, AccountName: r.AccountName, FailureReason: r.FailureReason,
		ID: r.ID, RequestedTimestamp: Epoch(r.Requested), State: r.State}
	if !r.Completed.IsZero() {
		done := Epoch(r.Completed)
		out.CompletedTimestamp = &done
	}
	return out
}

// CreateAccountOutsideControlTower calls Organizations' CreateAccount as the
// management account, the way an administrator makes an account without
// Account Factory. The account appears in Root a few simulated minutes later,
// with a CreateAccountResult event; the returned id is the CreateAccount
// request's, for DescribeCreateAccountStatus.
func (s *Sim) CreateAccountOutsideControlTower(name, email string) (string, error) {
	s.env.Lock()
	defer s.env.Unlock()
	body, err := json.Marshal(map[string]string{"AccountName": name, "Email": email})
	if err != nil {
		return "", fmt.Errorf("create account %s: %w", name, err)
	}
	mgmt := s.org.ManagementAccountID
	c := &protocol.Call{Ctx: context.Background(), Caller: Principal{Arn: "arn:aws:iam::" + mgmt + ":root", AccountID: mgmt, UserID: mgmt},
		Now: s.env.Clock.Now(), RequestID: s.env.UUID()}
	out, aerr := s.services[orgTargetPrefix].Ops["CreateAccount"](c, body)
	if aerr != nil {
		return "", fmt.Errorf("create account %s: %w", name, aerr)
	}
	return out.(map[string]any)["CreateAccountStatus"].(orgCreateAccountStatusJSON).ID, nil
}

// --- accounts joining by invitation ---

// InviteAccount simulates a standalone AWS account accepting the organization's
// invitation: it joins Root with JoinedMethod INVITED and no
// AWSControlTowerExecution role, and Organizations records AcceptHandshake.
// It returns the new member's account id.
func (s *Sim) InviteAccount(name, email string) (string, error) {
	s.env.Lock()
	defer s.env.Unlock()
	if name == "" || !orgEmailRe.MatchString(email) {
		return "", fmt.Errorf("invite account: a name and a valid email are required (got %q, %q)", name, email)
	}
	if a := s.org.accountByEmail(email); a != nil {
		return "", fmt.Errorf("invite account: %s already belongs to account %s in the organization", email, a.ID)
	}
	now := s.env.Clock.Now()
	id := s.newAccountID()
	s.org.Accounts[id] = &Account{ID: id, Name: name, Email: email, ParentID: s.org.RootID, Status: "ACTIVE",
		JoinedMethod: "INVITED", JoinedTimestamp: now, ExecutionRole: RoleMissing}
	s.emitAcceptHandshake(id, now)
	return id, nil
}

// emitAcceptHandshake puts the AcceptHandshake CloudTrail event of an invited
// account's administrator accepting the invitation. s.mu is held.
func (s *Sim) emitAcceptHandshake(accountID string, now time.Time) {
	org := &s.org
	mgmt := org.account(org.ManagementAccountID)
	hid := "h-" + s.env.RandString(10, protocol.LowerAlnum)
	// The invitation went out a day earlier and was valid for 15 days.
	requested := now.Add(-24 * time.Hour)
	handshake := map[string]any{
		"id":    hid,
		"arn":   fmt.Sprintf("arn:aws:organizations::%s:handshake/%s/invite/%s", org.ManagementAccountID, org.ID, hid),
		"state": "ACCEPTED",
		"parties": []map[string]string{
			{"type": "ORGANIZATION", "id": org.ID},
			{"type": "ACCOUNT", "id": accountID},
		},
		"action":              "invite",
		"requestedTimestamp":  requested.UTC().Format(cloudTrailTime),
		"expirationTimestamp": requested.Add(15 * 24 * time.Hour).UTC().Format(cloudTrailTime),
		"resources": []map[string]any{
			{"type": "ORGANIZATION", "value": org.ID, "resources": []map[string]string{
				{"type": "MASTER_EMAIL", "value": mgmt.Email},
				{"type": "MASTER_NAME", "value": mgmt.Name},
				{"type": "ORGANIZATION_FEATURE_SET", "value": "ALL"},
			}},
			{"type": "ACCOUNT", "value": accountID},
		},
	}
	ev := cloudTrailAPICall{
		EventVersion: "1.08",
		UserIdentity: cloudTrailCaller{Type: "Root", PrincipalID: accountID, Arn: "arn:aws:iam::" + accountID + ":root",
			AccountID: accountID, AccessKeyID: "ASIA" + s.env.RandString(16, stsUpperAlnum)},
		EventTime: now.UTC().Format(time.RFC3339), EventSource: orgEventSource, EventName: "AcceptHandshake",
		AWSRegion: orgTrailRegion, SourceIPAddress: "203.0.113.10", UserAgent: "AWS Internal",
		RequestParameters: map[string]string{"handshakeId": hid},
		ResponseElements:  map[string]any{"handshake": handshake},
		RequestID:         s.env.UUID(), EventID: s.env.UUID(), ReadOnly: false, EventType: "AwsApiCall", ManagementEvent: true,
		RecipientAccountID: org.ManagementAccountID, EventCategory: "Management",
	}
	s.env.Publish(protocol.Event{Source: "aws.organizations", DetailType: "AWS API Call via CloudTrail", Detail: ev})
}

// --- CloudTrail event shapes ---

type cloudTrailIdentity struct {
	AccountID string `json:"accountId"`
	InvokedBy string `json:"invokedBy"`
}

type cloudTrailCaller struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	Arn         string `json:"arn"`
	AccountID   string `json:"accountId"`
	AccessKeyID string `json:"accessKeyId"`
}

// cloudTrailServiceEvent is an AwsServiceEvent record, in CloudTrail's field order.
type cloudTrailServiceEvent struct {
	EventVersion        string             `json:"eventVersion"`
	UserIdentity        cloudTrailIdentity `json:"userIdentity"`
	EventTime           string             `json:"eventTime"`
	EventSource         string             `json:"eventSource"`
	EventName           string             `json:"eventName"`
	AWSRegion           string             `json:"awsRegion"`
	SourceIPAddress     string             `json:"sourceIPAddress"`
	UserAgent           string             `json:"userAgent"`
	RequestParameters   any                `json:"requestParameters"`
	ResponseElements    any                `json:"responseElements"`
	EventID             string             `json:"eventID"`
	ReadOnly            bool               `json:"readOnly"`
	EventType           string             `json:"eventType"`
	ManagementEvent     bool               `json:"managementEvent"`
	RecipientAccountID  string             `json:"recipientAccountId"`
	ServiceEventDetails any                `json:"serviceEventDetails"`
	EventCategory       string             `json:"eventCategory"`
}

// cloudTrailAPICall is an AwsApiCall record.
type cloudTrailAPICall struct {
	EventVersion       string           `json:"eventVersion"`
	UserIdentity       cloudTrailCaller `json:"userIdentity"`
	EventTime          string           `json:"eventTime"`
	EventSource        string           `json:"eventSource"`
	EventName          string           `json:"eventName"`
	AWSRegion          string           `json:"awsRegion"`
	SourceIPAddress    string           `json:"sourceIPAddress"`
	UserAgent          string           `json:"userAgent"`
	RequestParameters  any              `json:"requestParameters"`
	ResponseElements   any              `json:"responseElements"`
	RequestID          string           `json:"requestID"`
	EventID            string           `json:"eventID"`
	ReadOnly           bool             `json:"readOnly"`
	EventType          string           `json:"eventType"`
	ManagementEvent    bool             `json:"managementEvent"`
	RecipientAccountID string           `json:"recipientAccountId"`
	EventCategory      string           `json:"eventCategory"`
}

type createAccountStatusDetail struct {
	ID                 string `json:"id"`
	State              string `json:"state"`
	AccountName        string `json:"accountName"`
	AccountID          string `json:"accountId,omitempty"`
	FailureReason      string `json:"failureReason,omitempty"`
	RequestedTimestamp string `json:"requestedTimestamp"`
	CompletedTimestamp string `json:"completedTimestamp"`
}

type closeAccountStatusDetail struct {
	AccountID          string `json:"accountId"`
	State              string `json:"state"`
	RequestedTimestamp string `json:"requestedTimestamp"`
	CompletedTimestamp string `json:"completedTimestamp"`
}

// serviceEvent builds the detail of an Organizations AwsServiceEvent. s.mu is held.
func (o *orgService) serviceEvent(name string, at time.Time, who cloudTrailIdentity, origin string, details any) cloudTrailServiceEvent {
	return cloudTrailServiceEvent{
		EventVersion: "1.08", UserIdentity: who, EventTime: at.UTC().Format(time.RFC3339),
		EventSource: orgEventSource, EventName: name, AWSRegion: orgTrailRegion,
		SourceIPAddress: origin, UserAgent: origin, EventID: o.s.env.UUID(), EventType: "AwsServiceEvent",
		ManagementEvent: true, RecipientAccountID: o.s.org.ManagementAccountID, ServiceEventDetails: details,
		EventCategory: "Management",
	}
}

// --- helpers ---

func (o *orgService) isParentID(id string) bool {
	return orgRootIDRe.MatchString(id) || orgOUIDRe.MatchString(id)
}

// checkParent validates a root or OU id and that it exists.
func (o *orgService) checkParent(id, notFound, msg string) *APIError {
	if !o.isParentID(id) {
		return orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	if !o.s.org.isParent(id) {
		return apiErr(notFound, "%s", msg)
	}
	return nil
}

func (o *orgService) findAccount(id string) (*Account, *APIError) {
	if !orgAccountIDRe.MatchString(id) {
		return nil, orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	a := o.s.org.account(id)
	if a == nil {
		return nil, apiErr("AccountNotFoundException", orgMsgAccountNotFound)
	}
	return a, nil
}

// entityPath is the organization path of an entity under parent, as AWS
// prints it: "o-xxx/r-xxxx/ou-a/ou-b/<id>/".
func (o *orgService) entityPath(parent, id string) string {
	org := &o.s.org
	parts := []string{id}
	for p := parent; p != org.RootID; {
		u := org.ou(p)
		if u == nil {
			break
		}
		parts = append([]string{u.ID}, parts...)
		p = u.ParentID
	}
	return org.ID + "/" + org.RootID + "/" + strings.Join(parts, "/") + "/"
}

func (o *orgService) accountJSON(a *Account) orgAccountJSON {
	return orgAccountJSON{Arn: o.s.org.accountArn(a.ID), Email: a.Email, ID: a.ID, JoinedMethod: a.JoinedMethod,
		JoinedTimestamp: Epoch(a.JoinedTimestamp), Name: a.Name, Paths: []string{o.entityPath(a.ParentID, a.ID)},
		State: a.Status, Status: a.Status}
}

func (o *orgService) ouJSON(u *OU) orgOUJSON {
	return orgOUJSON{Arn: o.s.org.ouArn(u.ID), ID: u.ID, Name: u.Name, Path: o.entityPath(u.ParentID, u.ID)}
}

// orgPage cuts a page out of items by the request's MaxResults (AWS allows
// 1-20) and NextToken.
func orgPage[T any](items []T, in orgListInput) ([]T, string, *APIError) {
	n := 0
	if in.MaxResults != nil {
		switch {
		case *in.MaxResults < 1:
			return nil, "", orgInvalidInput("MIN_VALUE_EXCEEDED", orgMsgMinValue)
		case *in.MaxResults > orgPageMax:
			return nil, "", orgInvalidInput("MAX_VALUE_EXCEEDED", orgMsgMaxValue)
		}
		n = int(*in.MaxResults)
	}
	page, next, ok := protocol.PageOf(items, in.NextToken, n, orgPageMax)
	if !ok {
		return nil, "", orgInvalidInput("INVALID_NEXT_TOKEN", orgMsgBadNextToken)
	}
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}

// orgList is a List answer: the items under key, and NextToken unless this
// is the last page.
func orgList(key string, items any, next string) map[string]any {
	out := map[string]any{key: items}
	if next != "" {
		out["NextToken"] = next
	}
	return out
}

func orgCheckString(v string, minLen, maxLen int, re *regexp.Regexp) *APIError {
	switch n := len(v); {
	case n < minLen:
		return orgInvalidInput("MIN_LENGTH_EXCEEDED", orgMsgTooShort)
	case n > maxLen:
		return orgInvalidInput("MAX_LENGTH_EXCEEDED", orgMsgTooLong)
	}
	if !re.MatchString(v) {
		return orgInvalidInput("INVALID_PATTERN", orgMsgPattern)
	}
	return nil
}

func orgInvalidInput(reason, msg string) *APIError {
	e := apiErr("InvalidInputException", "%s", msg)
	e.Fields = map[string]any{"Reason": reason}
	return e
}

func orgConstraint(reason, msg string) *APIError {
	e := apiErr("ConstraintViolationException", "%s", msg)
	e.Fields = map[string]any{"Reason": reason}
	return e
}

func orgDecode(body []byte, v any) *APIError {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apiErr("SerializationException", "The request body is not valid JSON: %v", err)
	}
	return nil
}
