package identitycenter

import (
	"fmt"
	"sort"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Account assignments: CreateAccountAssignment and DeleteAccountAssignment are
// asynchronous; each records an AssignmentOperation that completes after the
// world's AssignmentTime.

// operationStatus is AccountAssignmentOperationStatus.
type operationStatus struct {
	Status           string         `json:"Status"`
	RequestID        string         `json:"RequestId"`
	FailureReason    string         `json:"FailureReason,omitempty"`
	TargetID         string         `json:"TargetId"`
	TargetType       string         `json:"TargetType"`
	PermissionSetArn string         `json:"PermissionSetArn"`
	PrincipalType    string         `json:"PrincipalType"`
	PrincipalID      string         `json:"PrincipalId"`
	CreatedDate      protocol.Epoch `json:"CreatedDate"`
}

// operationMetadata is AccountAssignmentOperationStatusMetadata.
type operationMetadata struct {
	Status      string         `json:"Status"`
	RequestID   string         `json:"RequestId"`
	CreatedDate protocol.Epoch `json:"CreatedDate"`
}

// assignmentRequest is the input of CreateAccountAssignment and DeleteAccountAssignment.
type assignmentRequest struct {
	InstanceArn      string `json:"InstanceArn"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalID      string `json:"PrincipalId"`
	PrincipalType    string `json:"PrincipalType"`
	TargetID         string `json:"TargetId"`
	TargetType       string `json:"TargetType"`
}

// checkAssignmentRequest validates a Create/DeleteAccountAssignment request the
// way AWS does before accepting it. The lock is held.
func (s *Service) checkAssignmentRequest(in assignmentRequest, create bool) (Assignment, *protocol.APIError) {
	var a Assignment
	if err := s.checkInstance(in.InstanceArn); err != nil {
		return a, err
	}
	if _, err := s.permissionSet(in.PermissionSetArn); err != nil {
		return a, err
	}
	if in.PrincipalType != "USER" && in.PrincipalType != "GROUP" {
		return a, protocol.Err("ValidationException", "1 validation error detected: Value '%s' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]", in.PrincipalType)
	}
	if !principalIDRe.MatchString(in.PrincipalID) {
		return a, patternErr("principalId", in.PrincipalID, principalIDRe)
	}
	if !s.state.principalExists(in.PrincipalType, in.PrincipalID) {
		return a, protocol.Err("ResourceNotFoundException", "%s %s does not exist in identity store %s.", in.PrincipalType, in.PrincipalID, s.state.IdentityStoreID)
	}
	if in.TargetType != "AWS_ACCOUNT" {
		return a, protocol.Err("ValidationException", "1 validation error detected: Value '%s' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_ACCOUNT]", in.TargetType)
	}
	if !accountIDRe.MatchString(in.TargetID) {
		return a, patternErr("targetId", in.TargetID, accountIDRe)
	}
	status, ok := s.org.AccountStatus(in.TargetID)
	if !ok {
		return a, protocol.Err("ResourceNotFoundException", "Account %s is not a member of organization %s.", in.TargetID, s.org.OrganizationID())
	}
	if create && status != "ACTIVE" {
		return a, protocol.Err("ValidationException", "Account %s is %s; access can be assigned only to ACTIVE accounts.", in.TargetID, status)
	}
	return Assignment{AccountID: in.TargetID, PermissionSetArn: in.PermissionSetArn, PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalID}, nil
}

// pendingOp returns the in-flight operation on an assignment, if any. The lock is held.
func (s *Service) pendingOp(a Assignment) *AssignmentOperation {
	for _, op := range s.state.Operations {
		if op.Done.IsZero() && op.Assignment == a {
			return op
		}
	}
	return nil
}

func (s *Service) outstandingCreations() int {
	n := 0
	for _, op := range s.state.Operations {
		if op.Done.IsZero() && !op.Delete {
			n++
		}
	}
	return n
}

func (s *Service) createAccountAssignment(c *protocol.Call, in assignmentRequest) (any, *protocol.APIError) {
	a, err := s.checkAssignmentRequest(in, true)
	if err != nil {
		return nil, err
	}
	if s.pendingOp(a) != nil {
		return nil, protocol.Err("ConflictException", "An account assignment operation for this principal, permission set and account is already in progress. Retry after it completes.")
	}
	if s.outstandingCreations() >= maxOutstandingCreations {
		// Observed on the wire (aws-samples/aws-iam-identity-center-extensions#87):
		// the outstanding-call quota answers with a plain ThrottlingException.
		return nil, protocol.Err("ThrottlingException", "There are too many requests processing. Please try again later.")
	}
	// Creating an assignment that already exists is accepted and succeeds.
	op := s.startAssignmentOp(c, a, false)
	return map[string]any{"AccountAssignmentCreationStatus": operationStatusOf(op)}, nil
}

func (s *Service) deleteAccountAssignment(c *protocol.Call, in assignmentRequest) (any, *protocol.APIError) {
	a, err := s.checkAssignmentRequest(in, false)
	if err != nil {
		return nil, err
	}
	if s.pendingOp(a) != nil {
		return nil, protocol.Err("ConflictException", "An account assignment operation for this principal, permission set and account is already in progress. Retry after it completes.")
	}
	if !s.state.HasAssignment(a) {
		return nil, protocol.Err("ResourceNotFoundException", "Could not find account assignment of %s %s with permission set %s on account %s.", a.PrincipalType, a.PrincipalID, a.PermissionSetArn, a.AccountID)
	}
	op := s.startAssignmentOp(c, a, true)
	return map[string]any{"AccountAssignmentDeletionStatus": operationStatusOf(op)}, nil
}

// startAssignmentOp records an in-flight operation and schedules its completion. The lock is held.
func (s *Service) startAssignmentOp(c *protocol.Call, a Assignment, del bool) *AssignmentOperation {
	if s.state.Operations == nil {
		s.state.Operations = map[string]*AssignmentOperation{}
	}
	id := s.env.UUID()
	for s.state.Operations[id] != nil {
		id = s.env.UUID()
	}
	op := &AssignmentOperation{RequestID: id, Delete: del, Assignment: a, Created: c.Now}
	s.state.Operations[id] = op
	s.scheduleAssignmentOp(op, c.Now)
	return op
}

// assignmentDue is when an in-flight operation completes.
func (s *Service) assignmentDue(op *AssignmentOperation) time.Time {
	return op.Created.Add(s.assignmentTime)
}

// scheduleAssignmentOp arranges for op to complete at its due time. The lock is held.
func (s *Service) scheduleAssignmentOp(op *AssignmentOperation, now time.Time) {
	id := op.RequestID
	s.env.AfterLocked(max(0, s.assignmentDue(op).Sub(now)), func() {
		if op := s.state.Operations[id]; op != nil && op.Done.IsZero() {
			s.completeAssignmentOp(op, s.env.Clock.Now())
		}
	})
}

// Resume reschedules assignment operations that were in flight when a
// snapshot was taken. Restore should call it; without it they still complete,
// at the first sso-admin call after their due time. The lock is held.
func (s *Service) Resume() {
	now := s.env.Clock.Now()
	for _, id := range sortedKeys(s.state.Operations) {
		if op := s.state.Operations[id]; op.Done.IsZero() {
			s.scheduleAssignmentOp(op, now)
		}
	}
}

// settleAssignmentOps completes every in-flight operation that is due by now,
// in the order they were requested. The lock is held.
func (s *Service) settleAssignmentOps(now time.Time) {
	var due []*AssignmentOperation
	for _, op := range s.state.Operations {
		if op.Done.IsZero() && !s.assignmentDue(op).After(now) {
			due = append(due, op)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].Created.Equal(due[j].Created) {
			return due[i].Created.Before(due[j].Created)
		}
		return due[i].RequestID < due[j].RequestID
	})
	for _, op := range due {
		s.completeAssignmentOp(op, s.assignmentDue(op))
	}
}

// completeAssignmentOp applies op. A creation fails, as AWS's asynchronous
// provisioning does, when what it needs went away while it was in flight. The lock is held.
func (s *Service) completeAssignmentOp(op *AssignmentOperation, at time.Time) {
	op.Done = at
	a := op.Assignment
	if op.Delete {
		s.state.Unassign(a)
		return
	}
	status, member := s.org.AccountStatus(a.AccountID)
	switch {
	case !member:
		op.FailureReason = fmt.Sprintf("Account %s is no longer a member of the organization.", a.AccountID)
	case status != "ACTIVE":
		op.FailureReason = fmt.Sprintf("Account %s is %s; the permission set could not be provisioned to it.", a.AccountID, status)
	case s.state.PermissionSets[a.PermissionSetArn] == nil:
		op.FailureReason = fmt.Sprintf("Permission set %s was deleted before it could be provisioned.", a.PermissionSetArn)
	case !s.state.principalExists(a.PrincipalType, a.PrincipalID):
		op.FailureReason = fmt.Sprintf("%s %s was deleted from the identity store.", a.PrincipalType, a.PrincipalID)
	default:
		s.state.Assign(a)
	}
}

func opStatus(op *AssignmentOperation) string {
	switch {
	case op.Done.IsZero():
		return "IN_PROGRESS"
	case op.FailureReason != "":
		return "FAILED"
	default:
		return "SUCCEEDED"
	}
}

func operationStatusOf(op *AssignmentOperation) operationStatus {
	a := op.Assignment
	return operationStatus{Status: opStatus(op), RequestID: op.RequestID, FailureReason: op.FailureReason,
		TargetID: a.AccountID, TargetType: "AWS_ACCOUNT", PermissionSetArn: a.PermissionSetArn,
		PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID, CreatedDate: protocol.Epoch(op.Created)}
}

// describeOperationInput is the input of Describe{Creation,Deletion}Status.
type describeOperationInput struct {
	InstanceArn string `json:"InstanceArn"`
	CreationID  string `json:"AccountAssignmentCreationRequestId"`
	DeletionID  string `json:"AccountAssignmentDeletionRequestId"`
}

// describeOperation serves Describe{Creation,Deletion}Status.
func (s *Service) describeOperation(del bool) func(*protocol.Call, describeOperationInput) (any, *protocol.APIError) {
	member, outMember := "accountAssignmentCreationRequestId", "AccountAssignmentCreationStatus"
	if del {
		member, outMember = "accountAssignmentDeletionRequestId", "AccountAssignmentDeletionStatus"
	}
	return func(c *protocol.Call, in describeOperationInput) (any, *protocol.APIError) {
		if err := s.checkInstance(in.InstanceArn); err != nil {
			return nil, err
		}
		id := in.CreationID
		if del {
			id = in.DeletionID
		}
		if !requestIDRe.MatchString(id) {
			return nil, patternErr(member, id, requestIDRe)
		}
		op := s.state.Operations[id]
		if op == nil || op.Delete != del {
			return nil, protocol.Err("ResourceNotFoundException", "Could not find a request with id %s.", id)
		}
		return map[string]any{outMember: operationStatusOf(op)}, nil
	}
}

// listOperationsInput is the input of List{Creation,Deletion}Status.
type listOperationsInput struct {
	InstanceArn string `json:"InstanceArn"`
	Filter      *struct {
		Status string `json:"Status"`
	} `json:"Filter"`
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

// listOperations serves List{Creation,Deletion}Status.
func (s *Service) listOperations(del bool) func(*protocol.Call, listOperationsInput) (any, *protocol.APIError) {
	outMember := "AccountAssignmentsCreationStatus"
	if del {
		outMember = "AccountAssignmentsDeletionStatus"
	}
	return func(c *protocol.Call, in listOperationsInput) (any, *protocol.APIError) {
		if err := s.checkInstance(in.InstanceArn); err != nil {
			return nil, err
		}
		var ops []*AssignmentOperation
		for _, op := range s.state.Operations {
			if op.Delete == del && (in.Filter == nil || in.Filter.Status == "" || in.Filter.Status == opStatus(op)) {
				ops = append(ops, op)
			}
		}
		sort.Slice(ops, func(i, j int) bool {
			if !ops[i].Created.Equal(ops[j].Created) {
				return ops[i].Created.Before(ops[j].Created)
			}
			return ops[i].RequestID < ops[j].RequestID
		})
		all := make([]operationMetadata, len(ops))
		for i, op := range ops {
			all[i] = operationMetadata{Status: opStatus(op), RequestID: op.RequestID, CreatedDate: protocol.Epoch(op.Created)}
		}
		return listPage(all, outMember, in.NextToken, in.MaxResults)
	}
}
