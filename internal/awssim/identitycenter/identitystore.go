package identitycenter

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The Identity Store API: users, groups and group memberships, read-only.

type nameOut struct {
	FamilyName string `json:"FamilyName,omitempty"`
	GivenName  string `json:"GivenName,omitempty"`
	Formatted  string `json:"Formatted,omitempty"`
}

type emailOut struct {
	Value   string `json:"Value"`
	Type    string `json:"Type"`
	Primary bool   `json:"Primary"`
}

// userOut is the User shape, also DescribeUser's output.
type userOut struct {
	IdentityStoreID string     `json:"IdentityStoreId"`
	UserID          string     `json:"UserId"`
	UserName        string     `json:"UserName"`
	DisplayName     string     `json:"DisplayName,omitempty"`
	Name            *nameOut   `json:"Name,omitempty"`
	Emails          []emailOut `json:"Emails,omitempty"`
	UserStatus      string     `json:"UserStatus"`
}

// groupOut is the Group shape, also DescribeGroup's output.
type groupOut struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	GroupID         string `json:"GroupId"`
	DisplayName     string `json:"DisplayName"`
	Description     string `json:"Description,omitempty"`
}

type memberID struct {
	UserID string `json:"UserId"`
}

type membershipOut struct {
	IdentityStoreID string   `json:"IdentityStoreId"`
	MembershipID    string   `json:"MembershipId"`
	GroupID         string   `json:"GroupId"`
	MemberID        memberID `json:"MemberId"`
}

// alternateIdentifier is the AlternateIdentifier union.
type alternateIdentifier struct {
	UniqueAttribute *struct {
		AttributePath  string          `json:"AttributePath"`
		AttributeValue json.RawMessage `json:"AttributeValue"`
	} `json:"UniqueAttribute"`
	ExternalID *struct {
		Issuer string `json:"Issuer"`
		ID     string `json:"Id"`
	} `json:"ExternalId"`
}

type filter struct {
	AttributePath  string `json:"AttributePath"`
	AttributeValue string `json:"AttributeValue"`
}

// IdentityStoreOps serves the Identity Store API. Every call spends a token of
// the rate it shares with sso-admin.
func (s *Service) IdentityStoreOps() map[string]protocol.Handler {
	return protocol.Before(map[string]protocol.Handler{
		"GetUserId":                     protocol.OpOn(s.getUserID, s.onGetUserID),
		"GetGroupId":                    protocol.OpOn(s.getGroupID, s.onGetGroupID),
		"DescribeUser":                  protocol.OpOn(s.describeUser, s.onDescribeUser),
		"DescribeGroup":                 protocol.OpOn(s.describeGroup, s.onDescribeGroup),
		"ListUsers":                     protocol.OpOn(s.listUsers, s.onListUsers),
		"ListGroups":                    protocol.OpOn(s.listGroups, s.onListGroups),
		"ListGroupMemberships":          protocol.OpOn(s.listGroupMemberships, s.onListMemberships),
		"ListGroupMembershipsForMember": protocol.OpOn(s.listGroupMembershipsForMember, s.onListMembershipsForMember),
		"IsMemberInGroups":              protocol.OpOn(s.isMemberInGroups, s.onIsMemberInGroups),
	}, s.spend)
}

// notFound is identitystore's typed not-found error.
func notFound(c *protocol.Call, resourceType, resourceID, format string, args ...any) *protocol.APIError {
	e := protocol.Err("ResourceNotFoundException", format, args...)
	e.Fields = map[string]any{"ResourceType": resourceType, "RequestId": c.RequestID}
	if resourceID != "" {
		e.Fields["ResourceId"] = resourceID
	}
	return e
}

// checkStore validates an IdentityStoreId (the id or its ARN). The lock is held.
func (s *Service) checkStore(c *protocol.Call, id string) *protocol.APIError {
	if !storeIDRe.MatchString(id) {
		return patternErr("identityStoreId", id, storeIDRe)
	}
	if id != s.state.IdentityStoreID && !strings.HasSuffix(id, ":identitystore/"+s.state.IdentityStoreID) {
		return notFound(c, "IDENTITY_STORE", id, "Identity store %s does not exist.", id)
	}
	return nil
}

// alternateIdentifierOf decodes the union: the unique attribute's path
// (lower-cased: code in the wild sends "UserName", which AWS accepts) and
// value, or unique=false and the external id.
func alternateIdentifierOf(alt alternateIdentifier) (path, value string, unique bool, err *protocol.APIError) {
	switch {
	case alt.UniqueAttribute != nil && alt.ExternalID != nil:
		return "", "", false, protocol.Err("ValidationException", "AlternateIdentifier is a union: set exactly one of UniqueAttribute and ExternalId.")
	case alt.UniqueAttribute != nil:
		if jerr := json.Unmarshal(alt.UniqueAttribute.AttributeValue, &value); jerr != nil || value == "" {
			return "", "", false, protocol.Err("ValidationException", "UniqueAttribute.AttributeValue must be a non-empty string.")
		}
		return strings.ToLower(alt.UniqueAttribute.AttributePath), value, true, nil
	case alt.ExternalID != nil:
		return "", alt.ExternalID.ID, false, nil
	default:
		return "", "", false, protocol.Err("ValidationException", "AlternateIdentifier must set UniqueAttribute or ExternalId.")
	}
}

// getIDInput is the input of GetUserId and GetGroupId.
type getIDInput struct {
	IdentityStoreID     string              `json:"IdentityStoreId"`
	AlternateIdentifier alternateIdentifier `json:"AlternateIdentifier"`
}

func (s *Service) getUserID(c *protocol.Call, in getIDInput) (any, *protocol.APIError) {
	return s.getID(c, in, "USER", "UserId", "the only valid paths for a user are userName and emails.value", func(path, value string) (string, bool) {
		var u *User
		switch path {
		case "username":
			u = s.state.UserByName(value)
		case "emails.value":
			u = s.state.UserByEmail(value)
		default:
			return "", false
		}
		if u == nil {
			return "", true
		}
		return u.ID, true
	})
}

func (s *Service) getGroupID(c *protocol.Call, in getIDInput) (any, *protocol.APIError) {
	return s.getID(c, in, "GROUP", "GroupId", "the only valid path for a group is displayName", func(path, value string) (string, bool) {
		if path != "displayname" {
			return "", false
		}
		if g := s.state.GroupByName(value); g != nil {
			return g.ID, true
		}
		return "", true
	})
}

// getID answers GetUserId or GetGroupId: the id, under member, of the principal
// of kind (USER or GROUP) the alternate identifier names. find looks a unique
// attribute up by its lower-cased path and returns the id ("" when no principal
// has the value), or false for a path the kind does not have; paths says which
// it has. The lock is held.
func (s *Service) getID(c *protocol.Call, in getIDInput, kind, member, paths string, find func(path, value string) (id string, known bool)) (any, *protocol.APIError) {
	if err := s.checkStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	path, value, unique, err := alternateIdentifierOf(in.AlternateIdentifier)
	if err != nil {
		return nil, err
	}
	id := ""
	if unique { // the simulated principals carry no external (SCIM) ids
		var known bool
		if id, known = find(path, value); !known {
			return nil, protocol.Err("ValidationException", "Invalid AttributePath %q: %s.", in.AlternateIdentifier.UniqueAttribute.AttributePath, paths)
		}
	}
	if id == "" {
		return nil, notFound(c, kind, "", "%s not found.", kind)
	}
	return map[string]any{"IdentityStoreId": s.state.IdentityStoreID, member: id}, nil
}

func (s *Service) userOf(u *User) userOut {
	display := strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	out := userOut{IdentityStoreID: s.state.IdentityStoreID, UserID: u.ID, UserName: u.UserName, DisplayName: display, UserStatus: "ENABLED"}
	if u.GivenName != "" || u.FamilyName != "" {
		out.Name = &nameOut{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: display}
	}
	if u.Email != "" {
		out.Emails = []emailOut{{Value: u.Email, Type: "work", Primary: true}}
	}
	return out
}

func (s *Service) groupOf(g *Group) groupOut {
	return groupOut{IdentityStoreID: s.state.IdentityStoreID, GroupID: g.ID, DisplayName: g.DisplayName, Description: g.Description}
}

// principalOf resolves id, the input's member, to one of the store's users or
// groups; kind (USER or GROUP) names it in the not-found error. The lock is held.
func principalOf[P any](s *Service, c *protocol.Call, store string, principals map[string]*P, kind, member, id string) (*P, *protocol.APIError) {
	if err := s.checkStore(c, store); err != nil {
		return nil, err
	}
	if !principalIDRe.MatchString(id) {
		return nil, patternErr(member, id, principalIDRe)
	}
	p := principals[id]
	if p == nil {
		return nil, notFound(c, kind, id, "%s not found.", kind)
	}
	return p, nil
}

type describeUserInput struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	UserID          string `json:"UserId"`
}

func (s *Service) describeUser(c *protocol.Call, in describeUserInput) (any, *protocol.APIError) {
	u, err := principalOf(s, c, in.IdentityStoreID, s.state.Users, "USER", "userId", in.UserID)
	if err != nil {
		return nil, err
	}
	return s.userOf(u), nil
}

type describeGroupInput struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	GroupID         string `json:"GroupId"`
}

func (s *Service) describeGroup(c *protocol.Call, in describeGroupInput) (any, *protocol.APIError) {
	g, err := principalOf(s, c, in.IdentityStoreID, s.state.Groups, "GROUP", "groupId", in.GroupID)
	if err != nil {
		return nil, err
	}
	return s.groupOf(g), nil
}

// filterValue returns the value the (deprecated) Filters ask for on the one
// attribute path the operation supports.
func filterValue(filters []filter, path string) (string, bool, *protocol.APIError) {
	if len(filters) > 1 {
		return "", false, protocol.Err("ValidationException", "Only one filter is supported.")
	}
	if len(filters) == 0 {
		return "", false, nil
	}
	if !strings.EqualFold(filters[0].AttributePath, path) {
		return "", false, protocol.Err("ValidationException", "Invalid AttributePath %q: the supported filter path is %s.", filters[0].AttributePath, path)
	}
	return filters[0].AttributeValue, true, nil
}

// listInput is the input of ListUsers and ListGroups.
type listInput struct {
	IdentityStoreID string   `json:"IdentityStoreId"`
	Filters         []filter `json:"Filters"`
	MaxResults      int      `json:"MaxResults"`
	NextToken       string   `json:"NextToken"`
}

func (s *Service) listUsers(c *protocol.Call, in listInput) (any, *protocol.APIError) {
	return listByName(s, c, in, s.state.Users, "Users", "UserName", func(u *User) string { return u.UserName }, s.userOf)
}

func (s *Service) listGroups(c *protocol.Call, in listInput) (any, *protocol.APIError) {
	return listByName(s, c, in, s.state.Groups, "Groups", "DisplayName", func(g *Group) string { return g.DisplayName }, s.groupOf)
}

// listByName answers ListUsers or ListGroups: a page, under key, of the
// principals in order of name (the attribute at path) and then of id; Filters
// may select those with one name. wire renders a principal. The lock is held.
func listByName[P, Out any](s *Service, c *protocol.Call, in listInput, principals map[string]*P, key, path string, name func(*P) string, wire func(*P) Out) (any, *protocol.APIError) {
	if err := s.checkStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	want, filtered, err := filterValue(in.Filters, path)
	if err != nil {
		return nil, err
	}
	var all []*P
	for _, id := range sortedKeys(principals) {
		if p := principals[id]; !filtered || name(p) == want {
			all = append(all, p)
		}
	}
	slices.SortStableFunc(all, func(a, b *P) int { return strings.Compare(name(a), name(b)) })
	out := make([]Out, len(all))
	for i, p := range all {
		out[i] = wire(p)
	}
	return listPage(out, key, in.NextToken, in.MaxResults)
}

// membershipID derives a stable membership id from the group and the user, so
// the same membership keeps its id across calls and snapshots.
func membershipID(groupID, userID string) string {
	h := sha256.Sum256([]byte(groupID + "/" + userID))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func (s *Service) membershipOf(g *Group, userID string) membershipOut {
	return membershipOut{IdentityStoreID: s.state.IdentityStoreID, MembershipID: membershipID(g.ID, userID), GroupID: g.ID, MemberID: memberID{UserID: userID}}
}

type listGroupMembershipsInput struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	GroupID         string `json:"GroupId"`
	MaxResults      int    `json:"MaxResults"`
	NextToken       string `json:"NextToken"`
}

func (s *Service) listGroupMemberships(c *protocol.Call, in listGroupMembershipsInput) (any, *protocol.APIError) {
	g, err := principalOf(s, c, in.IdentityStoreID, s.state.Groups, "GROUP", "groupId", in.GroupID)
	if err != nil {
		return nil, err
	}
	all := make([]membershipOut, 0, len(g.Members))
	for _, uid := range g.Members {
		all = append(all, s.membershipOf(g, uid))
	}
	return listPage(all, "GroupMemberships", in.NextToken, in.MaxResults)
}

type listGroupMembershipsForMemberInput struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	MemberID        *memberID `json:"MemberId"`
	MaxResults      int       `json:"MaxResults"`
	NextToken       string    `json:"NextToken"`
}

func (s *Service) listGroupMembershipsForMember(c *protocol.Call, in listGroupMembershipsForMemberInput) (any, *protocol.APIError) {
	if err := s.checkStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	if in.MemberID == nil || !principalIDRe.MatchString(in.MemberID.UserID) {
		return nil, protocol.Err("ValidationException", "MemberId must set a valid UserId.")
	}
	uid := in.MemberID.UserID
	if s.state.Users[uid] == nil {
		return nil, notFound(c, "USER", uid, "USER not found.")
	}
	var all []membershipOut
	for _, gid := range sortedKeys(s.state.Groups) {
		g := s.state.Groups[gid]
		for _, m := range g.Members {
			if m == uid {
				all = append(all, s.membershipOf(g, uid))
			}
		}
	}
	return listPage(all, "GroupMemberships", in.NextToken, in.MaxResults)
}

// maxGroupIDs is IsMemberInGroups' limit on GroupIds.
const maxGroupIDs = 100

type isMemberInGroupsInput struct {
	IdentityStoreID string    `json:"IdentityStoreId"`
	MemberID        *memberID `json:"MemberId"`
	GroupIDs        []string  `json:"GroupIds"`
}

type membershipExistence struct {
	GroupID          string   `json:"GroupId"`
	MemberID         memberID `json:"MemberId"`
	MembershipExists bool     `json:"MembershipExists"`
}

// isMemberInGroups answers one result per requested group, in the request's
// order: whether the user is a direct member (the identity store has no nested
// groups). A user that does not exist is the call's ResourceNotFoundException;
// a well-formed group id that names no group has no members, so its result is
// false.
func (s *Service) isMemberInGroups(c *protocol.Call, in isMemberInGroupsInput) (any, *protocol.APIError) {
	if err := s.checkStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	if in.MemberID == nil || in.MemberID.UserID == "" {
		return nil, protocol.Err("ValidationException", "MemberId must set UserId.")
	}
	uid := in.MemberID.UserID
	if !principalIDRe.MatchString(uid) {
		return nil, patternErr("memberId.userId", uid, principalIDRe)
	}
	if len(in.GroupIDs) < 1 || len(in.GroupIDs) > maxGroupIDs {
		return nil, protocol.Err("ValidationException", "1 validation error detected: Value at 'groupIds' failed to satisfy constraint: Member must have length between 1 and %d", maxGroupIDs)
	}
	for i, gid := range in.GroupIDs {
		if !principalIDRe.MatchString(gid) {
			return nil, patternErr(fmt.Sprintf("groupIds.%d.member", i+1), gid, principalIDRe)
		}
	}
	if s.state.Users[uid] == nil {
		return nil, notFound(c, "USER", uid, "USER not found.")
	}
	results := make([]membershipExistence, len(in.GroupIDs))
	for i, gid := range in.GroupIDs {
		g := s.state.Groups[gid]
		results[i] = membershipExistence{GroupID: gid, MemberID: memberID{UserID: uid}, MembershipExists: g != nil && slices.Contains(g.Members, uid)}
	}
	return map[string]any{"Results": results}, nil
}
