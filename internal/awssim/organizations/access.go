package organizations

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of the Organizations operations, as "Actions, resources,
// and condition keys for AWS Organizations" lists it: accounts, OUs and the
// root are resources (arn:aws:organizations::<management>:account/o-…/<id>,
// …:ou/o-…/ou-…, …:root/o-…/r-…) carrying aws:ResourceTag/${TagKey}; the
// organization-wide calls (DescribeOrganization, ListRoots, ListAccounts,
// CreateAccount, DescribeCreateAccountStatus, ListCreateAccountStatus) have
// no resource types.

// AccessDenied is Organizations' answer to a call IAM denied: the
// AccessDeniedException shape, with the 400 status Organizations sends.
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDeniedException", Message: message, Status: http.StatusBadRequest}
}

// managerOnly admits only principals of the management account before h reads
// the body, as manage does for the operations authorized on "*".
func managerOnly(s *Service, h protocol.Handler) protocol.Handler {
	return func(c *protocol.Call, body []byte) (any, *protocol.APIError) {
		if err := s.checkManager(c); err != nil {
			return nil, err
		}
		return h(c, body)
	}
}

// entity is the access to an account, OU or root by id, with its tags as
// aws:ResourceTag/… when it exists. An id of no kind Organizations knows
// (or a policy, which the simulator does not hold) is authorized on "*".
func (s *Service) entity(id string) protocol.Access {
	org := &s.state
	var tags map[string]string
	switch {
	case accountIDRe.MatchString(id):
		if a := org.account(id); a != nil {
			tags = a.Tags
		}
		return protocol.Access{Resource: org.accountArn(id), Context: resourceTags(tags)}
	case ouIDRe.MatchString(id):
		if u := org.ou(id); u != nil {
			tags = u.Tags
		}
		return protocol.Access{Resource: org.ouArn(id), Context: resourceTags(tags)}
	case rootIDRe.MatchString(id):
		if id == org.RootID {
			tags = org.RootTags
		}
		return protocol.Access{Resource: fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", org.ManagementAccountID, org.ID, id), Context: resourceTags(tags)}
	}
	return protocol.On(protocol.AnyResource)
}

func (s *Service) onEntities(ids ...string) []protocol.Access {
	out := make([]protocol.Access, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.entity(id))
	}
	return out
}

func resourceTags(tags map[string]string) map[string][]string {
	if len(tags) == 0 {
		return nil
	}
	ctx := make(map[string][]string, len(tags))
	for k, v := range tags {
		ctx["aws:ResourceTag/"+k] = []string{v}
	}
	return ctx
}

// requestTags are the aws:RequestTag/… and aws:TagKeys keys of tags a call sets.
func requestTags(ctx map[string][]string, tags []wireTag) map[string][]string {
	if len(tags) == 0 {
		return ctx
	}
	if ctx == nil {
		ctx = map[string][]string{}
	}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		ctx["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	sort.Strings(keys)
	ctx["aws:TagKeys"] = keys
	return ctx
}

func (s *Service) onOUsForParent(_ *protocol.Call, in listOUsForParentInput) []protocol.Access {
	return s.onEntities(in.ParentID)
}

func (s *Service) onOU(_ *protocol.Call, in describeOUInput) []protocol.Access {
	return s.onEntities(in.OrganizationalUnitID)
}

func (s *Service) onChildren(_ *protocol.Call, in listChildrenInput) []protocol.Access {
	return s.onEntities(in.ParentID)
}

func (s *Service) onParents(_ *protocol.Call, in listParentsInput) []protocol.Access {
	return s.onEntities(in.ChildID)
}

func (s *Service) onAccountsForParent(_ *protocol.Call, in listAccountsForParentInput) []protocol.Access {
	return s.onEntities(in.ParentID)
}

func (s *Service) onAccount(_ *protocol.Call, in describeAccountInput) []protocol.Access {
	return s.onEntities(in.AccountID)
}

// onMove needs the account and both parents: the action lists all three
// resource types as required.
func (s *Service) onMove(_ *protocol.Call, in moveAccountInput) []protocol.Access {
	return s.onEntities(in.AccountID, in.SourceParentID, in.DestinationParentID)
}

func (s *Service) onTag(_ *protocol.Call, in tagResourceInput) []protocol.Access {
	a := s.entity(in.ResourceID) // a fresh Context of its own
	a.Context = requestTags(a.Context, in.Tags)
	return []protocol.Access{a}
}

func (s *Service) onUntag(_ *protocol.Call, in untagResourceInput) []protocol.Access {
	a := s.entity(in.ResourceID)
	if len(in.TagKeys) > 0 {
		if a.Context == nil {
			a.Context = map[string][]string{}
		}
		a.Context["aws:TagKeys"] = append([]string(nil), in.TagKeys...)
	}
	return []protocol.Access{a}
}

func (s *Service) onListTags(_ *protocol.Call, in listTagsForResourceInput) []protocol.Access {
	return s.onEntities(in.ResourceID)
}

func (s *Service) onClose(_ *protocol.Call, in closeAccountInput) []protocol.Access {
	return s.onEntities(in.AccountID)
}

// onCreate has no resource; the tags it sets are request condition keys.
// With tags the caller also needs organizations:TagResource, as
// CreateAccount's API reference says; the account does not exist yet, so
// that too is authorized on "*".
func (s *Service) onCreate(_ *protocol.Call, in createAccountInput) []protocol.Access {
	access := []protocol.Access{{Resource: protocol.AnyResource, Context: requestTags(nil, in.Tags)}}
	if len(in.Tags) > 0 {
		access = append(access, protocol.Access{Action: "organizations:TagResource", Resource: protocol.AnyResource, Context: requestTags(nil, in.Tags)})
	}
	return access
}
