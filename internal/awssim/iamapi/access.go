package iamapi

import (
	"net/url"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of IAM's read actions, as "Actions, resources, and
// condition keys for AWS Identity and Access Management" lists them:
// GetRole, ListRolePolicies, GetRolePolicy and ListAttachedRolePolicies are
// on the role (arn:aws:iam::<account>:role<path><name>); ListRoles has no
// resource type. A role that does not exist is named by its ARN with the
// root path, as the caller's request names it.

func (s *Service) onRole(c *protocol.Call, form url.Values) []protocol.Access {
	name := form.Get("RoleName")
	if r := s.findRole(c.Caller.AccountID, name); r != nil {
		return []protocol.Access{protocol.On(r.arn())}
	}
	return []protocol.Access{protocol.On(roleArn(c.Caller.AccountID, "/", name))}
}
