package identitycenter

import (
	"sort"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The sso-admin API: the instance, permission sets and account assignments.

type instanceMetadata struct {
	InstanceArn     string         `json:"InstanceArn"`
	IdentityStoreID string         `json:"IdentityStoreId"`
	OwnerAccountID  string         `json:"OwnerAccountId"`
	Status          string         `json:"Status"`
	CreatedDate     protocol.Epoch `json:"CreatedDate"`
}

type permissionSetOut struct {
	Name             string         `json:"Name"`
	PermissionSetArn string         `json:"PermissionSetArn"`
	Description      string         `json:"Description,omitempty"`
	SessionDuration  string         `json:"SessionDuration,omitempty"`
	CreatedDate      protocol.Epoch `json:"CreatedDate"`
}

// accountAssignment is both AccountAssignment and AccountAssignmentForPrincipal.
type accountAssignment struct {
	AccountID        string `json:"AccountId"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalType    string `json:"PrincipalType"`
	PrincipalID      string `json:"PrincipalId"`
}

// SSOAdminOps serves IAM Identity Center's sso-admin API. Every call spends a
// token of the collective rate, then completes the assignment operations that
// are due.
func (s *Service) SSOAdminOps() map[string]protocol.Handler {
	return protocol.Before(map[string]protocol.Handler{
		"ListInstances":                           protocol.Op(s.listInstances),
		"ListPermissionSets":                      protocol.OpOn(s.listPermissionSets, onPermissionSets),
		"DescribePermissionSet":                   protocol.OpOn(s.describePermissionSet, onPermissionSet),
		"CreateAccountAssignment":                 protocol.OpOn(s.createAccountAssignment, onAssignment),
		"DeleteAccountAssignment":                 protocol.OpOn(s.deleteAccountAssignment, onAssignment),
		"DescribeAccountAssignmentCreationStatus": protocol.OpOn(s.describeOperation(false), onOperation),
		"DescribeAccountAssignmentDeletionStatus": protocol.OpOn(s.describeOperation(true), onOperation),
		"ListAccountAssignmentCreationStatus":     protocol.OpOn(s.listOperations(false), onOperations),
		"ListAccountAssignmentDeletionStatus":     protocol.OpOn(s.listOperations(true), onOperations),
		"ListAccountAssignments":                  protocol.OpOn(s.listAccountAssignments, onAssignments),
		"ListAccountAssignmentsForPrincipal":      protocol.OpOn(s.listAccountAssignmentsForPrincipal, onAssignmentsForPrincipal),
		"ListPermissionSetsProvisionedToAccount":  protocol.OpOn(s.listPermissionSetsProvisionedToAccount, onProvisionedToAccount),
	}, func(c *protocol.Call) *protocol.APIError {
		if err := s.spend(c); err != nil {
			return err
		}
		s.settleAssignmentOps(c.Now)
		return nil
	})
}

// checkInstance validates an InstanceArn against the one instance. The lock is held.
func (s *Service) checkInstance(arn string) *protocol.APIError {
	if !instanceArnRe.MatchString(arn) {
		return patternErr("instanceArn", arn, instanceArnRe)
	}
	if arn != s.state.InstanceArn {
		return protocol.Err("ResourceNotFoundException", "Instance %s does not exist.", arn)
	}
	return nil
}

// permissionSet resolves a PermissionSetArn of the instance. The lock is held.
func (s *Service) permissionSet(arn string) (*PermissionSet, *protocol.APIError) {
	if !permissionSetArnRe.MatchString(arn) {
		return nil, patternErr("permissionSetArn", arn, permissionSetArnRe)
	}
	ps := s.state.PermissionSets[arn]
	if ps == nil {
		return nil, protocol.Err("ResourceNotFoundException", "Could not find PermissionSet with arn %s.", arn)
	}
	return ps, nil
}

type listInstancesInput struct {
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

func (s *Service) listInstances(c *protocol.Call, in listInstancesInput) (any, *protocol.APIError) {
	all := []instanceMetadata{{
		InstanceArn:     s.state.InstanceArn,
		IdentityStoreID: s.state.IdentityStoreID,
		OwnerAccountID:  s.env.ManagementAccountID,
		Status:          "ACTIVE",
		CreatedDate:     protocol.Epoch(s.env.Start.AddDate(-1, 0, 0)),
	}}
	return listPage(all, "Instances", in.NextToken, in.MaxResults)
}

type listPermissionSetsInput struct {
	InstanceArn string `json:"InstanceArn"`
	MaxResults  int    `json:"MaxResults"`
	NextToken   string `json:"NextToken"`
}

func (s *Service) listPermissionSets(c *protocol.Call, in listPermissionSetsInput) (any, *protocol.APIError) {
	if err := s.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	return listPage(sortedKeys(s.state.PermissionSets), "PermissionSets", in.NextToken, in.MaxResults)
}

type describePermissionSetInput struct {
	InstanceArn      string `json:"InstanceArn"`
	PermissionSetArn string `json:"PermissionSetArn"`
}

func (s *Service) describePermissionSet(c *protocol.Call, in describePermissionSetInput) (any, *protocol.APIError) {
	if err := s.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	ps, err := s.permissionSet(in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSet": permissionSetOut{Name: ps.Name, PermissionSetArn: ps.Arn,
		Description: ps.Description, SessionDuration: ps.SessionDuration, CreatedDate: protocol.Epoch(ps.CreatedDate)}}, nil
}

// sortedAssignments returns the assignments matching keep, ordered by account,
// permission set, principal type and id.
func (s *Service) sortedAssignments(keep func(*Assignment) bool) []accountAssignment {
	var out []accountAssignment
	for _, a := range s.state.Assignments {
		if keep(a) {
			out = append(out, accountAssignment{AccountID: a.AccountID, PermissionSetArn: a.PermissionSetArn, PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.AccountID != y.AccountID {
			return x.AccountID < y.AccountID
		}
		if x.PermissionSetArn != y.PermissionSetArn {
			return x.PermissionSetArn < y.PermissionSetArn
		}
		if x.PrincipalType != y.PrincipalType {
			return x.PrincipalType < y.PrincipalType
		}
		return x.PrincipalID < y.PrincipalID
	})
	return out
}

type listAccountAssignmentsInput struct {
	AccountID        string `json:"AccountId"`
	InstanceArn      string `json:"InstanceArn"`
	PermissionSetArn string `json:"PermissionSetArn"`
	MaxResults       int    `json:"MaxResults"`
	NextToken        string `json:"NextToken"`
}

func (s *Service) listAccountAssignments(c *protocol.Call, in listAccountAssignmentsInput) (any, *protocol.APIError) {
	if err := s.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if !accountIDRe.MatchString(in.AccountID) {
		return nil, patternErr("accountId", in.AccountID, accountIDRe)
	}
	if _, err := s.permissionSet(in.PermissionSetArn); err != nil {
		return nil, err
	}
	all := s.sortedAssignments(func(a *Assignment) bool {
		return a.AccountID == in.AccountID && a.PermissionSetArn == in.PermissionSetArn
	})
	return listPage(all, "AccountAssignments", in.NextToken, in.MaxResults)
}

type listAccountAssignmentsForPrincipalInput struct {
	InstanceArn   string `json:"InstanceArn"`
	PrincipalID   string `json:"PrincipalId"`
	PrincipalType string `json:"PrincipalType"`
	Filter        *struct {
		AccountID string `json:"AccountId"`
	} `json:"Filter"`
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

func (s *Service) listAccountAssignmentsForPrincipal(c *protocol.Call, in listAccountAssignmentsForPrincipalInput) (any, *protocol.APIError) {
	if err := s.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if in.PrincipalType != "USER" && in.PrincipalType != "GROUP" {
		return nil, protocol.Err("ValidationException", "1 validation error detected: Value '%s' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]", in.PrincipalType)
	}
	if !principalIDRe.MatchString(in.PrincipalID) {
		return nil, patternErr("principalId", in.PrincipalID, principalIDRe)
	}
	account := ""
	if in.Filter != nil {
		account = in.Filter.AccountID
	}
	all := s.sortedAssignments(func(a *Assignment) bool {
		return a.PrincipalType == in.PrincipalType && a.PrincipalID == in.PrincipalID && (account == "" || a.AccountID == account)
	})
	return listPage(all, "AccountAssignments", in.NextToken, in.MaxResults)
}

type listPermissionSetsProvisionedToAccountInput struct {
	AccountID          string `json:"AccountId"`
	InstanceArn        string `json:"InstanceArn"`
	ProvisioningStatus string `json:"ProvisioningStatus"`
	MaxResults         int    `json:"MaxResults"`
	NextToken          string `json:"NextToken"`
}

func (s *Service) listPermissionSetsProvisionedToAccount(c *protocol.Call, in listPermissionSetsProvisionedToAccountInput) (any, *protocol.APIError) {
	if err := s.checkInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if !accountIDRe.MatchString(in.AccountID) {
		return nil, patternErr("accountId", in.AccountID, accountIDRe)
	}
	// Assignments provision their permission set automatically and the
	// simulator has no permission-set edits, so every provisioned set is at
	// its latest version.
	arns := []string{}
	if in.ProvisioningStatus != "LATEST_PERMISSION_SET_NOT_PROVISIONED" {
		seen := map[string]bool{}
		for _, a := range s.state.Assignments {
			if a.AccountID == in.AccountID && !seen[a.PermissionSetArn] {
				seen[a.PermissionSetArn] = true
				arns = append(arns, a.PermissionSetArn)
			}
		}
		sort.Strings(arns)
	}
	return listPage(arns, "PermissionSets", in.NextToken, in.MaxResults)
}
