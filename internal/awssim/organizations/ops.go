package organizations

import (
	"regexp"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// AWS Organizations at the wire level (awsJson 1.1, target prefix
// AWSOrganizationsV20161128): the organization tree, accounts and their tags,
// account closure with AWS's quotas, CreateAccount for accounts made outside
// Control Tower, and the CloudTrail lifecycle events Organizations puts on the
// management account's default bus.

const (
	// TargetPrefix is the API's X-Amz-Target prefix.
	TargetPrefix = "AWSOrganizationsV20161128"
	// pageMax is AWS's MaxResults ceiling, and the page size when none is given.
	pageMax = 20
	// createAccountTime is how long CreateAccount stays IN_PROGRESS; AWS
	// usually needs a minute or a few.
	createAccountTime = 3 * time.Minute
	// closeAccountTime is how long an account stays PENDING_CLOSURE before it is SUSPENDED.
	closeAccountTime = time.Hour
	// Quotas from the Organizations user guide: five account creations and three
	// closures in progress at a time; 10% of member accounts (at least 10, at most
	// 1000) closed in any rolling 30 days.
	concurrentCreates  = 5
	concurrentClosures = 3
	closureWindow      = 30 * 24 * time.Hour
	closureQuotaMin    = 10
	closureQuotaMax    = 1000
	maxTags            = 50
	// executionRole is the role Control Tower needs in every account it governs.
	executionRole = "AWSControlTowerExecution"
	// CloudTrail records Organizations in us-east-1 whatever the home Region.
	trailRegion = "us-east-1"
	eventSource = "organizations.amazonaws.com"
	// cloudTrailTime is how CloudTrail prints timestamps inside
	// serviceEventDetails and responseElements (Java's medium date format).
	cloudTrailTime = "Jan 2, 2006 3:04:05 PM"
)

// AWS's documented error texts.
const (
	msgPattern          = "You provided a value that does not match the required pattern."
	msgAccountNotFound  = "You specified an account that doesn't exist."
	msgParentNotFound   = "We can't find a root or OU with the ParentId that you specified."
	msgOUNotFound       = "We can't find an OU with the OrganizationalUnitId that you specified."
	msgChildNotFound    = "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified."
	msgTargetNotFound   = "We can't find a root, OU, account, or policy with the TargetId that you specified."
	msgAccessDenied     = "You don't have permissions to access this resource."
	msgNotInOrg         = "Your account is not a member of an organization."
	msgTooLong          = "You provided a string parameter that is longer than allowed."
	msgTooShort         = "You provided a string parameter that is shorter than allowed."
	msgSystemTag        = "You specified a tag key that is a system tag. You can't add, edit, or delete system tag keys because they're reserved for AWS use."
	msgTagLimit         = "You have exceeded the number of tags allowed on this resource."
	msgDuplicateTag     = "Tag keys must be unique among the tags attached to the same entity."
	msgBadNextToken     = "The NextToken value is not valid. Get it from the response to a previous call of the operation."
	msgMaxValue         = "You provided a numeric parameter that has a larger value than allowed."
	msgMinValue         = "You provided a numeric parameter that has a smaller value than allowed."
	msgInvalidEnum      = "You specified an invalid value."
	msgAlreadyClosed    = "You attempted to close an account that is already closed."
	msgCloseManagement  = "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization."
	msgCloseQuota       = "You have exceeded close account quota for the past 30 days."
	msgCloseConcurrency = "You attempted to exceed the number of accounts that you can close at a time."
	msgCreateRate       = "You attempted to exceed the number of accounts that can be in progress at a time."
	msgCARNotFound      = "We can't find an create account request with the CreateAccountRequestId that you specified."
)

var (
	accountIDRe = regexp.MustCompile(`^\d{12}$`)
	ouIDRe      = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	rootIDRe    = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	policyIDRe  = regexp.MustCompile(`^p-[0-9a-zA-Z_]{8,128}$`)
	carIDRe     = regexp.MustCompile(`^car-[a-z0-9]{8,32}$`)
	tagRe       = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	emailRe     = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
	nameRe      = regexp.MustCompile(`^[\x20-\x7E]+$`)
	roleNameRe  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

// Ops are the Organizations operations by name.
func (s *Service) Ops() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"DescribeOrganization":             member(s, s.describeOrganization),
		"ListRoots":                        manage(s, s.listRoots),
		"ListOrganizationalUnitsForParent": managerOnly(s, protocol.OpOn(s.listOUsForParent, s.onOUsForParent)),
		"DescribeOrganizationalUnit":       managerOnly(s, protocol.OpOn(s.describeOU, s.onOU)),
		"ListChildren":                     managerOnly(s, protocol.OpOn(s.listChildren, s.onChildren)),
		"ListParents":                      managerOnly(s, protocol.OpOn(s.listParents, s.onParents)),
		"ListAccounts":                     manage(s, s.listAccounts),
		"ListAccountsForParent":            managerOnly(s, protocol.OpOn(s.listAccountsForParent, s.onAccountsForParent)),
		"DescribeAccount":                  managerOnly(s, protocol.OpOn(s.describeAccount, s.onAccount)),
		"MoveAccount":                      managerOnly(s, protocol.OpOn(s.moveAccount, s.onMove)),
		"TagResource":                      managerOnly(s, protocol.OpOn(s.tagResource, s.onTag)),
		"UntagResource":                    managerOnly(s, protocol.OpOn(s.untagResource, s.onUntag)),
		"ListTagsForResource":              managerOnly(s, protocol.OpOn(s.listTagsForResource, s.onListTags)),
		"CloseAccount":                     managerOnly(s, protocol.OpOn(s.closeAccount, s.onClose)),
		"CreateAccount":                    managerOnly(s, protocol.OpOn(s.createAccount, s.onCreate)),
		"DescribeCreateAccountStatus":      manage(s, s.describeCreateAccountStatus),
		"ListCreateAccountStatus":          manage(s, s.listCreateAccountStatus),
	}
}

// member admits principals of any account in the organization. The caller is
// checked before the body is read.
func member[In any](s *Service, op func(c *protocol.Call, in In) (any, *protocol.APIError)) protocol.Handler {
	h := protocol.Op(op)
	return func(c *protocol.Call, body []byte) (any, *protocol.APIError) {
		if err := s.checkMember(c); err != nil {
			return nil, err
		}
		return h(c, body)
	}
}

// manage admits only principals of the management account, as Organizations
// does for everything but DescribeOrganization (delegated administrators are
// not simulated). The caller is checked before the body is read.
func manage[In any](s *Service, op func(c *protocol.Call, in In) (any, *protocol.APIError)) protocol.Handler {
	h := protocol.Op(op)
	return func(c *protocol.Call, body []byte) (any, *protocol.APIError) {
		if err := s.checkManager(c); err != nil {
			return nil, err
		}
		return h(c, body)
	}
}

// checkManager rejects callers outside the organization and those of member accounts.
func (s *Service) checkManager(c *protocol.Call) *protocol.APIError {
	if err := s.checkMember(c); err != nil {
		return err
	}
	if c.Caller.AccountID != s.state.ManagementAccountID {
		return protocol.Err("AccessDeniedException", msgAccessDenied)
	}
	return nil
}

// checkMember rejects callers whose account is not in the organization.
func (s *Service) checkMember(c *protocol.Call) *protocol.APIError {
	if s.state.account(c.Caller.AccountID) == nil {
		return protocol.Err("AWSOrganizationsNotInUseException", msgNotInOrg)
	}
	return nil
}

// --- wire shapes ---

type wireAccount struct {
	Arn             string         `json:"Arn"`
	Email           string         `json:"Email"`
	ID              string         `json:"Id"`
	JoinedMethod    string         `json:"JoinedMethod"`
	JoinedTimestamp protocol.Epoch `json:"JoinedTimestamp"`
	Name            string         `json:"Name"`
	Paths           []string       `json:"Paths"`
	State           string         `json:"State"`
	Status          string         `json:"Status"`
}

type wireOU struct {
	Arn  string `json:"Arn"`
	ID   string `json:"Id"`
	Name string `json:"Name"`
	Path string `json:"Path"`
}

type wirePolicyType struct {
	Type   string `json:"Type"`
	Status string `json:"Status"`
}

type wireTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type wireIDType struct {
	ID   string `json:"Id"`
	Type string `json:"Type"`
}

type wireCreateAccountStatus struct {
	AccountID          string          `json:"AccountId,omitempty"`
	AccountName        string          `json:"AccountName"`
	CompletedTimestamp *protocol.Epoch `json:"CompletedTimestamp,omitempty"`
	FailureReason      string          `json:"FailureReason,omitempty"`
	ID                 string          `json:"Id"`
	RequestedTimestamp protocol.Epoch  `json:"RequestedTimestamp"`
	State              string          `json:"State"`
}

// listInput is the paging part every List operation shares.
type listInput struct {
	MaxResults *int32 `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

// --- read operations ---

func (s *Service) describeOrganization(c *protocol.Call, _ struct{}) (any, *protocol.APIError) {
	org := &s.state
	mgmt := org.account(org.ManagementAccountID)
	return map[string]any{"Organization": map[string]any{
		"Arn":                  org.Arn,
		"AvailablePolicyTypes": []wirePolicyType{{Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED"}},
		"FeatureSet":           "ALL",
		"Id":                   org.ID,
		"MasterAccountArn":     org.accountArn(mgmt.ID),
		"MasterAccountEmail":   mgmt.Email,
		"MasterAccountId":      mgmt.ID,
	}}, nil
}

func (s *Service) listRoots(c *protocol.Call, in listInput) (any, *protocol.APIError) {
	org := &s.state
	roots := []map[string]any{{
		"Arn":         org.rootArn(),
		"Id":          org.RootID,
		"Name":        "Root",
		"PolicyTypes": []wirePolicyType{{Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED"}},
	}}
	page, next, err := pageOf(roots, in)
	if err != nil {
		return nil, err
	}
	return listOut("Roots", page, next), nil
}

type listOUsForParentInput struct {
	listInput
	ParentID string `json:"ParentId"`
}

func (s *Service) listOUsForParent(c *protocol.Call, in listOUsForParentInput) (any, *protocol.APIError) {
	if err := s.checkParent(in.ParentID, "ParentNotFoundException", msgParentNotFound); err != nil {
		return nil, err
	}
	var ous []wireOU
	for _, u := range s.state.childOUs(in.ParentID) {
		ous = append(ous, s.ouJSON(u))
	}
	page, next, err := pageOf(ous, in.listInput)
	if err != nil {
		return nil, err
	}
	return listOut("OrganizationalUnits", page, next), nil
}

type describeOUInput struct {
	OrganizationalUnitID string `json:"OrganizationalUnitId"`
}

func (s *Service) describeOU(c *protocol.Call, in describeOUInput) (any, *protocol.APIError) {
	if !ouIDRe.MatchString(in.OrganizationalUnitID) {
		return nil, invalidInput("INVALID_PATTERN", msgPattern)
	}
	u := s.state.ou(in.OrganizationalUnitID)
	if u == nil {
		return nil, protocol.Err("OrganizationalUnitNotFoundException", msgOUNotFound)
	}
	return map[string]any{"OrganizationalUnit": s.ouJSON(u)}, nil
}

type listChildrenInput struct {
	listInput
	ParentID  string `json:"ParentId"`
	ChildType string `json:"ChildType"`
}

func (s *Service) listChildren(c *protocol.Call, in listChildrenInput) (any, *protocol.APIError) {
	if err := s.checkParent(in.ParentID, "ParentNotFoundException", msgParentNotFound); err != nil {
		return nil, err
	}
	var children []wireIDType
	switch in.ChildType {
	case "ACCOUNT":
		for _, a := range s.state.accountsIn(in.ParentID) {
			children = append(children, wireIDType{ID: a.ID, Type: "ACCOUNT"})
		}
	case "ORGANIZATIONAL_UNIT":
		for _, u := range s.state.childOUs(in.ParentID) {
			children = append(children, wireIDType{ID: u.ID, Type: "ORGANIZATIONAL_UNIT"})
		}
	default:
		return nil, invalidInput("INVALID_ENUM", msgInvalidEnum)
	}
	page, next, err := pageOf(children, in.listInput)
	if err != nil {
		return nil, err
	}
	return listOut("Children", page, next), nil
}

type listParentsInput struct {
	listInput
	ChildID string `json:"ChildId"`
}

func (s *Service) listParents(c *protocol.Call, in listParentsInput) (any, *protocol.APIError) {
	org := &s.state
	var parent string
	switch {
	case accountIDRe.MatchString(in.ChildID):
		if a := org.account(in.ChildID); a != nil {
			parent = a.ParentID
		}
	case ouIDRe.MatchString(in.ChildID):
		if u := org.ou(in.ChildID); u != nil {
			parent = u.ParentID
		}
	default:
		return nil, invalidInput("INVALID_PATTERN", msgPattern)
	}
	if parent == "" {
		return nil, protocol.Err("ChildNotFoundException", msgChildNotFound)
	}
	kind := "ORGANIZATIONAL_UNIT"
	if parent == org.RootID {
		kind = "ROOT"
	}
	page, next, err := pageOf([]wireIDType{{ID: parent, Type: kind}}, in.listInput)
	if err != nil {
		return nil, err
	}
	return listOut("Parents", page, next), nil
}

func (s *Service) listAccounts(c *protocol.Call, in listInput) (any, *protocol.APIError) {
	return s.accountPage(s.state.sortedAccounts(), in)
}

type listAccountsForParentInput struct {
	listInput
	ParentID string `json:"ParentId"`
}

func (s *Service) listAccountsForParent(c *protocol.Call, in listAccountsForParentInput) (any, *protocol.APIError) {
	if err := s.checkParent(in.ParentID, "ParentNotFoundException", msgParentNotFound); err != nil {
		return nil, err
	}
	return s.accountPage(s.state.accountsIn(in.ParentID), in.listInput)
}

func (s *Service) accountPage(accounts []*Account, in listInput) (any, *protocol.APIError) {
	page, next, err := pageOf(accounts, in)
	if err != nil {
		return nil, err
	}
	out := make([]wireAccount, 0, len(page))
	for _, a := range page {
		out = append(out, s.accountJSON(a))
	}
	return listOut("Accounts", out, next), nil
}

type describeAccountInput struct {
	AccountID string `json:"AccountId"`
}

func (s *Service) describeAccount(c *protocol.Call, in describeAccountInput) (any, *protocol.APIError) {
	a, err := s.findAccount(in.AccountID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Account": s.accountJSON(a)}, nil
}

// --- MoveAccount ---

type moveAccountInput struct {
	AccountID           string `json:"AccountId"`
	SourceParentID      string `json:"SourceParentId"`
	DestinationParentID string `json:"DestinationParentId"`
}

func (s *Service) moveAccount(c *protocol.Call, in moveAccountInput) (any, *protocol.APIError) {
	if !accountIDRe.MatchString(in.AccountID) || !s.isParentID(in.SourceParentID) || !s.isParentID(in.DestinationParentID) {
		return nil, invalidInput("INVALID_PATTERN", msgPattern)
	}
	a := s.state.account(in.AccountID)
	if a == nil {
		return nil, protocol.Err("AccountNotFoundException", msgAccountNotFound)
	}
	if !s.state.isParent(in.SourceParentID) || a.ParentID != in.SourceParentID {
		// AWS answers the same whether the source does not exist or is not where the account is.
		return nil, protocol.Err("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
	}
	if !s.state.isParent(in.DestinationParentID) {
		return nil, protocol.Err("DestinationParentNotFoundException", "We can't find the destination container (a root or OU) with the ParentId that you specified.")
	}
	if in.DestinationParentID == a.ParentID {
		return nil, protocol.Err("DuplicateAccountException", "That account is already present in the specified destination.")
	}
	a.ParentID = in.DestinationParentID
	if s.onMoved != nil {
		s.onMoved(a.ID, in.SourceParentID, in.DestinationParentID)
	}
	return nil, nil
}
