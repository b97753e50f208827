package identitycenter

import (
	"net/http"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of sso-admin (IAM action prefix "sso") and the Identity
// Store, as "Actions, resources, and condition keys for AWS IAM Identity
// Center" and "… for AWS Identity Store" list it. sso-admin's resources are
// the instance (arn:aws:sso:::instance/ssoins-…), the permission set
// (arn:aws:sso:::permissionSet/ssoins-…/ps-…) and the account
// (arn:aws:sso:::account/<id>); an assignment call needs all three. The
// Identity Store's are the store (arn:aws:identitystore::<account>:
// identitystore/d-…), its users and groups (arn:aws:identitystore:::user/<id>,
// …:group/<id>) and the "all" resources the list calls name (…:user/*,
// …:group/*, …:membership/*).

// AccessDenied is sso-admin's and the Identity Store's answer to a call IAM
// denied: their modelled AccessDeniedException.
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDeniedException", Message: message, Status: http.StatusBadRequest}
}

// --- sso-admin ---

func ssoAccount(id string) protocol.Access { return protocol.On("arn:aws:sso:::account/" + id) }

func onInstance(instanceArn string) []protocol.Access {
	return []protocol.Access{protocol.On(instanceArn)}
}

func onPermissionSets(_ *protocol.Call, in listPermissionSetsInput) []protocol.Access {
	return onInstance(in.InstanceArn)
}

func onPermissionSet(_ *protocol.Call, in describePermissionSetInput) []protocol.Access {
	return []protocol.Access{protocol.On(in.InstanceArn), protocol.On(in.PermissionSetArn)}
}

// onAssignment needs the account, the instance and the permission set.
func onAssignment(_ *protocol.Call, in assignmentRequest) []protocol.Access {
	return []protocol.Access{ssoAccount(in.TargetID), protocol.On(in.InstanceArn), protocol.On(in.PermissionSetArn)}
}

func onOperation(_ *protocol.Call, in describeOperationInput) []protocol.Access {
	return onInstance(in.InstanceArn)
}

func onOperations(_ *protocol.Call, in listOperationsInput) []protocol.Access {
	return onInstance(in.InstanceArn)
}

func onAssignments(_ *protocol.Call, in listAccountAssignmentsInput) []protocol.Access {
	return []protocol.Access{ssoAccount(in.AccountID), protocol.On(in.InstanceArn), protocol.On(in.PermissionSetArn)}
}

func onAssignmentsForPrincipal(_ *protocol.Call, in listAccountAssignmentsForPrincipalInput) []protocol.Access {
	return onInstance(in.InstanceArn)
}

func onProvisionedToAccount(_ *protocol.Call, in listPermissionSetsProvisionedToAccountInput) []protocol.Access {
	return []protocol.Access{ssoAccount(in.AccountID), protocol.On(in.InstanceArn)}
}

// --- Identity Store ---

// Resources of the Identity Store that are not one user or group.
const (
	allUsers       = "arn:aws:identitystore:::user/*"
	allGroups      = "arn:aws:identitystore:::group/*"
	allMemberships = "arn:aws:identitystore:::membership/*"
)

// store is the access to the identity store a call names, owned by the
// management account.
func (s *Service) store(id string) protocol.Access {
	return protocol.On("arn:aws:identitystore::" + s.env.ManagementAccountID + ":identitystore/" + id)
}

func storeUser(id string) protocol.Access  { return protocol.On("arn:aws:identitystore:::user/" + id) }
func storeGroup(id string) protocol.Access { return protocol.On("arn:aws:identitystore:::group/" + id) }

// onGetUserID needs the store and the user the identifier finds; a user it
// does not find is the call's ResourceNotFoundException, authorized on the
// store alone.
func (s *Service) onGetUserID(_ *protocol.Call, in getIDInput) []protocol.Access {
	access := []protocol.Access{s.store(in.IdentityStoreID)}
	path, value, unique, err := alternateIdentifierOf(in.AlternateIdentifier)
	if err != nil || !unique {
		return access
	}
	var u *User
	switch path {
	case "username":
		u = s.state.UserByName(value)
	case "emails.value":
		u = s.state.UserByEmail(value)
	}
	if u != nil {
		access = append(access, storeUser(u.ID))
	}
	return access
}

// onGetGroupID is onGetUserID for a group.
func (s *Service) onGetGroupID(_ *protocol.Call, in getIDInput) []protocol.Access {
	access := []protocol.Access{s.store(in.IdentityStoreID)}
	path, value, unique, err := alternateIdentifierOf(in.AlternateIdentifier)
	if err != nil || !unique || path != "displayname" {
		return access
	}
	if g := s.state.GroupByName(value); g != nil {
		access = append(access, storeGroup(g.ID))
	}
	return access
}

func (s *Service) onDescribeUser(_ *protocol.Call, in describeUserInput) []protocol.Access {
	return []protocol.Access{s.store(in.IdentityStoreID), storeUser(in.UserID)}
}

func (s *Service) onDescribeGroup(_ *protocol.Call, in describeGroupInput) []protocol.Access {
	return []protocol.Access{s.store(in.IdentityStoreID), storeGroup(in.GroupID)}
}

func (s *Service) onListUsers(_ *protocol.Call, in listInput) []protocol.Access {
	return []protocol.Access{s.store(in.IdentityStoreID), protocol.On(allUsers)}
}

func (s *Service) onListGroups(_ *protocol.Call, in listInput) []protocol.Access {
	return []protocol.Access{s.store(in.IdentityStoreID), protocol.On(allGroups)}
}

func (s *Service) onListMemberships(_ *protocol.Call, in listGroupMembershipsInput) []protocol.Access {
	return []protocol.Access{s.store(in.IdentityStoreID), storeGroup(in.GroupID), protocol.On(allMemberships)}
}

func (s *Service) onListMembershipsForMember(_ *protocol.Call, in listGroupMembershipsForMemberInput) []protocol.Access {
	access := []protocol.Access{s.store(in.IdentityStoreID), protocol.On(allMemberships)}
	if in.MemberID != nil {
		access = append(access, storeUser(in.MemberID.UserID))
	}
	return access
}

// onIsMemberInGroups needs the store, the user, every group asked about and
// the memberships, as ListGroupMembershipsForMember does.
func (s *Service) onIsMemberInGroups(_ *protocol.Call, in isMemberInGroupsInput) []protocol.Access {
	access := []protocol.Access{s.store(in.IdentityStoreID), protocol.On(allMemberships)}
	if in.MemberID != nil {
		access = append(access, storeUser(in.MemberID.UserID))
	}
	for _, gid := range in.GroupIDs {
		access = append(access, storeGroup(gid))
	}
	return access
}
