package awssim

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"regexp"
	"sort"
	"strings"
	"time"
)

// IAM Identity Center: the sso-admin API (instance, permission sets, account
// assignments) and the identitystore API (users, groups). The state lives in
// Sim.identity (IdentityState, state.go).
//
// Two AWS limits shape what callers must cope with, so both are enforced here:
//   - the APIs share a collective throttle of 20 TPS, kept as a token bucket in
//     simulated time (a client that paces itself on the clock is never throttled);
//   - CreateAccountAssignment allows 10 outstanding asynchronous calls per instance.
//
// An AssignmentOperation is in flight while its Done is zero; Done is set when it
// completes, Created + ControlTower.AssignmentTime, by a clock callback (or by the
// next sso-admin call that sees it overdue, so a restored snapshot needs no timers).

const (
	ssoAdminPrefix = "SWBExternalService"

	// idcRateLimit is the collective sso-admin + identitystore rate (and burst),
	// per the Identity Center quotas page; it cannot be raised.
	idcRateLimit = 20
	// idcMaxOutstandingCreations is CreateAccountAssignment's quota of
	// outstanding asynchronous calls per instance.
	idcMaxOutstandingCreations = 10
	// idcRateOp names, in sso-admin's operation table, the shared bucket's take
	// function. It starts with NUL so no X-Amz-Target can reach it (net/http
	// rejects control characters in header values); identitystore borrows the
	// bucket through it because the Sim has no field for Identity Center's
	// transient state.
	idcRateOp = "\x00rate"

	idcMaxPage = 100
)

var (
	idcInstanceArnRe      = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$`)
	idcPermissionSetArnRe = regexp.MustCompile(`^arn:aws(-[a-z]{1,5}){0,3}:sso:::permissionSet/(sso)?ins-[a-zA-Z0-9-.]{16}/ps-[a-zA-Z0-9-./]{16}$`)
	idcPrincipalIDRe      = regexp.MustCompile(`^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$`)
	idcAccountIDRe        = regexp.MustCompile(`^\d{12}$`)
	idcRequestIDRe        = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	idcStoreIDRe          = regexp.MustCompile(`^(arn:aws(-[a-z]{1,5}){0,3}:identitystore::\d{12}:identitystore/)?(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// --- the collective rate limit ---

// idcRateBucket is a token bucket refilled in simulated time.
type idcRateBucket struct {
	tokens float64
	last   time.Time
	primed bool
}

// take spends one token at now, reporting false when none is left.
func (b *idcRateBucket) take(now time.Time) bool {
	if !b.primed {
		b.tokens, b.last, b.primed = idcRateLimit, now, true
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(idcRateLimit, b.tokens+elapsed.Seconds()*idcRateLimit)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func idcThrottled() *APIError {
	return apiErr("ThrottlingException", "Rate exceeded")
}

// takeIdentityCenterToken spends one request of the collective rate, shared by
// both APIs. s.mu is held.
func (s *Sim) takeIdentityCenterToken(c *protocol.Call) *APIError {
	if svc := s.services[ssoAdminPrefix]; svc != nil {
		if take := svc.Ops[idcRateOp]; take != nil {
			_, err := take(c, nil)
			return err
		}
	}
	return nil
}

// --- request helpers ---

func idcDecode(body []byte, v any) *APIError {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apiErr("SerializationException", "Could not parse the request body: %v", err)
	}
	return nil
}

// idcPatternErr is AWS's model-validation message for a member that does not
// match its pattern.
func idcPatternErr(member, value string, re *regexp.Regexp) *APIError {
	return apiErr("ValidationException", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s",
		value, member, strings.Trim(re.String(), "^$"))
}

func idcPage[T any](items []T, token string, maxResults int) ([]T, *string, *APIError) {
	if maxResults < 0 || maxResults > idcMaxPage {
		return nil, nil, apiErr("ValidationException", "1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and %d", maxResults, idcMaxPage)
	}
	page, next, ok := protocol.PageOf(items, token, maxResults, idcMaxPage)
	if !ok {
		return nil, nil, apiErr("ValidationException", "The NextToken is invalid or expired.")
	}
	if page == nil {
		page = []T{}
	}
	if next == "" {
		return page, nil, nil
	}
	return page, &next, nil
}

// --- sso-admin ---

type ssoInstanceMetadata struct {
	InstanceArn     string `json:"InstanceArn"`
	IdentityStoreID string `json:"IdentityStoreId"`
	OwnerAccountID  string `json:"OwnerAccountId"`
	Status          string `json:"Status"`
	CreatedDate     Epoch  `json:"CreatedDate"`
}

type ssoPermissionSet struct {
	Name             string `json:"Name"`
	PermissionSetArn string `json:"PermissionSetArn"`
	Description      string `json:"Description,omitempty"`
	SessionDuration  string `json:"SessionDuration,omitempty"`
	CreatedDate      Epoch  `json:"CreatedDate"`
}

// ssoOperationStatus is AccountAssignmentOperationStatus.
type ssoOperationStatus struct {
	Status           string `json:"Status"`
	RequestID        string `json:"RequestId"`
	FailureReason    string `json:"FailureReason,omitempty"`
	TargetID         string `json:"TargetId"`
	TargetType       string `json:"TargetType"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalType    string `json:"PrincipalType"`
	PrincipalID      string `json:"PrincipalId"`
	CreatedDate      Epoch  `json:"CreatedDate"`
}

// ssoOperationMetadata is AccountAssignmentOperationStatusMetadata.
type ssoOperationMetadata struct {
	Status      string `json:"Status"`
	RequestID   string `json:"RequestId"`
	CreatedDate Epoch  `json:"CreatedDate"`
}

// ssoAccountAssignment is both AccountAssignment and AccountAssignmentForPrincipal.
type ssoAccountAssignment struct {
	AccountID        string `json:"AccountId"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalType    string `json:"PrincipalType"`
	PrincipalID      string `json:"PrincipalId"`
}

// ssoAssignmentRequest is the input of CreateAccountAssignment and DeleteAccountAssignment.
type ssoAssignmentRequest struct {
	InstanceArn      string `json:"InstanceArn"`
	PermissionSetArn string `json:"PermissionSetArn"`
	PrincipalID      string `json:"PrincipalId"`
	PrincipalType    string `json:"PrincipalType"`
	TargetID         string `json:"TargetId"`
	TargetType       string `json:"TargetType"`
}

// ssoAdminOps serves IAM Identity Center's sso-admin API.
func (s *Sim) ssoAdminOps() map[string]protocol.Handler {
	bucket := &idcRateBucket{}
	ops := map[string]protocol.Handler{
		"ListInstances":                           s.ssoListInstances,
		"ListPermissionSets":                      s.ssoListPermissionSets,
		"DescribePermissionSet":                   s.ssoDescribePermissionSet,
		"CreateAccountAssignment":                 s.ssoCreateAccountAssignment,
		"DeleteAccountAssignment":                 s.ssoDeleteAccountAssignment,
		"DescribeAccountAssignmentCreationStatus": s.ssoDescribeOperation(false),
		"DescribeAccountAssignmentDeletionStatus": s.ssoDescribeOperation(true),
		"ListAccountAssignmentCreationStatus":     s.ssoListOperations(false),
		"ListAccountAssignmentDeletionStatus":     s.ssoListOperations(true),
		"ListAccountAssignments":                  s.ssoListAccountAssignments,
		"ListAccountAssignmentsForPrincipal":      s.ssoListAccountAssignmentsForPrincipal,
		"ListPermissionSetsProvisionedToAccount":  s.ssoListPermissionSetsProvisionedToAccount,
	}
	for name, op := range ops {
		ops[name] = func(c *protocol.Call, body []byte) (any, *APIError) {
			if !bucket.take(c.Now) {
				return nil, idcThrottled()
			}
			s.settleAssignmentOps(c.Now)
			return op(c, body)
		}
	}
	ops[idcRateOp] = func(c *protocol.Call, _ []byte) (any, *APIError) {
		if !bucket.take(c.Now) {
			return nil, idcThrottled()
		}
		return nil, nil
	}
	return ops
}

// idcCheckInstance validates an InstanceArn against the one instance. s.mu is held.
func (s *Sim) idcCheckInstance(arn string) *APIError {
	if !idcInstanceArnRe.MatchString(arn) {
		return idcPatternErr("instanceArn", arn, idcInstanceArnRe)
	}
	if arn != s.identity.InstanceArn {
		return apiErr("ResourceNotFoundException", "Instance %s does not exist.", arn)
	}
	return nil
}

// idcPermissionSet resolves a PermissionSetArn of the instance. s.mu is held.
func (s *Sim) idcPermissionSet(arn string) (*PermissionSet, *APIError) {
	if !idcPermissionSetArnRe.MatchString(arn) {
		return nil, idcPatternErr("permissionSetArn", arn, idcPermissionSetArnRe)
	}
	ps := s.identity.PermissionSets[arn]
	if ps == nil {
		return nil, apiErr("ResourceNotFoundException", "Could not find PermissionSet with arn %s.", arn)
	}
	return ps, nil
}

// idcPrincipalExists reports whether a USER or GROUP id is in the identity store. s.mu is held.
func (s *Sim) idcPrincipalExists(principalType, id string) bool {
	if principalType == "GROUP" {
		return s.identity.Groups[id] != nil
	}
	return s.identity.Users[id] != nil
}

func (s *Sim) ssoListInstances(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		MaxResults int    `json:"MaxResults"`
		NextToken  string `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	all := []ssoInstanceMetadata{{
		InstanceArn:     s.identity.InstanceArn,
		IdentityStoreID: s.identity.IdentityStoreID,
		OwnerAccountID:  s.org.ManagementAccountID,
		Status:          "ACTIVE",
		CreatedDate:     Epoch(s.world.Start.AddDate(-1, 0, 0)),
	}}
	page, next, err := idcPage(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Instances": page, "NextToken": next}, nil
}

func (s *Sim) ssoListPermissionSets(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		InstanceArn string `json:"InstanceArn"`
		MaxResults  int    `json:"MaxResults"`
		NextToken   string `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idcCheckInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	page, next, err := idcPage(sortedKeys(s.identity.PermissionSets), in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSets": page, "NextToken": next}, nil
}

func (s *Sim) ssoDescribePermissionSet(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		InstanceArn      string `json:"InstanceArn"`
		PermissionSetArn string `json:"PermissionSetArn"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idcCheckInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	ps, err := s.idcPermissionSet(in.PermissionSetArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSet": ssoPermissionSet{Name: ps.Name, PermissionSetArn: ps.Arn,
		Description: ps.Description, SessionDuration: ps.SessionDuration, CreatedDate: Epoch(ps.CreatedDate)}}, nil
}

// checkAssignmentRequest validates a Create/DeleteAccountAssignment request the
// way AWS does before accepting it. s.mu is held.
func (s *Sim) checkAssignmentRequest(in ssoAssignmentRequest, create bool) (Assignment, *APIError) {
	var a Assignment
	if err := s.idcCheckInstance(in.InstanceArn); err != nil {
		return a, err
	}
	if _, err := s.idcPermissionSet(in.PermissionSetArn); err != nil {
		return a, err
	}
	if in.PrincipalType != "USER" && in.PrincipalType != "GROUP" {
		return a, apiErr("ValidationException", "1 validation error detected: Value '%s' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]", in.PrincipalType)
	}
	if !idcPrincipalIDRe.MatchString(in.PrincipalID) {
		return a, idcPatternErr("principalId", in.PrincipalID, idcPrincipalIDRe)
	}
	if !s.idcPrincipalExists(in.PrincipalType, in.PrincipalID) {
		return a, apiErr("ResourceNotFoundException", "%s %s does not exist in identity store %s.", in.PrincipalType, in.PrincipalID, s.identity.IdentityStoreID)
	}
	if in.TargetType != "AWS_ACCOUNT" {
		return a, apiErr("ValidationException", "1 validation error detected: Value '%s' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [AWS_ACCOUNT]", in.TargetType)
	}
	if !idcAccountIDRe.MatchString(in.TargetID) {
		return a, idcPatternErr("targetId", in.TargetID, idcAccountIDRe)
	}
	acct := s.org.account(in.TargetID)
	if acct == nil {
		return a, apiErr("ResourceNotFoundException", "Account %s is not a member of organization %s.", in.TargetID, s.org.ID)
	}
	if create && acct.Status != "ACTIVE" {
		return a, apiErr("ValidationException", "Account %s is %s; access can be assigned only to ACTIVE accounts.", in.TargetID, acct.Status)
	}
	return Assignment{AccountID: in.TargetID, PermissionSetArn: in.PermissionSetArn, PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalID}, nil
}

// idcPendingOp returns the in-flight operation on an assignment, if any. s.mu is held.
func (s *Sim) idcPendingOp(a Assignment) *AssignmentOperation {
	for _, op := range s.identity.Operations {
		if op.Done.IsZero() && op.Assignment == a {
			return op
		}
	}
	return nil
}

func (s *Sim) idcOutstandingCreations() int {
	n := 0
	for _, op := range s.identity.Operations {
		if op.Done.IsZero() && !op.Delete {
			n++
		}
	}
	return n
}

func (s *Sim) ssoCreateAccountAssignment(c *protocol.Call, body []byte) (any, *APIError) {
	var in ssoAssignmentRequest
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	a, err := s.checkAssignmentRequest(in, true)
	if err != nil {
		return nil, err
	}
	if s.idcPendingOp(a) != nil {
		return nil, apiErr("ConflictException", "An account assignment operation for this principal, permission set and account is already in progress. Retry after it completes.")
	}
	if s.idcOutstandingCreations() >= idcMaxOutstandingCreations {
		// Observed on the wire (aws-samples/aws-iam-identity-center-extensions#87):
		// the outstanding-call quota answers with a plain ThrottlingException.
		return nil, apiErr("ThrottlingException", "There are too many requests processing. Please try again later.")
	}
	// Creating an assignment that already exists is accepted and succeeds.
	op := s.startAssignmentOp(c, a, false)
	return map[string]any{"AccountAssignmentCreationStatus": s.idcOperationStatus(op)}, nil
}

func (s *Sim) ssoDeleteAccountAssignment(c *protocol.Call, body []byte) (any, *APIError) {
	var in ssoAssignmentRequest
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	a, err := s.checkAssignmentRequest(in, false)
	if err != nil {
		return nil, err
	}
	if s.idcPendingOp(a) != nil {
		return nil, apiErr("ConflictException", "An account assignment operation for this principal, permission set and account is already in progress. Retry after it completes.")
	}
	if !s.identity.hasAssignment(a) {
		return nil, apiErr("ResourceNotFoundException", "Could not find account assignment of %s %s with permission set %s on account %s.", a.PrincipalType, a.PrincipalID, a.PermissionSetArn, a.AccountID)
	}
	op := s.startAssignmentOp(c, a, true)
	return map[string]any{"AccountAssignmentDeletionStatus": s.idcOperationStatus(op)}, nil
}

// startAssignmentOp records an in-flight operation and schedules its completion. s.mu is held.
func (s *Sim) startAssignmentOp(c *protocol.Call, a Assignment, del bool) *AssignmentOperation {
	if s.identity.Operations == nil {
		s.identity.Operations = map[string]*AssignmentOperation{}
	}
	id := s.env.UUID()
	for s.identity.Operations[id] != nil {
		id = s.env.UUID()
	}
	op := &AssignmentOperation{RequestID: id, Delete: del, Assignment: a, Created: c.Now}
	s.identity.Operations[id] = op
	s.scheduleAssignmentOp(op, c.Now)
	return op
}

// assignmentDue is when an in-flight operation completes.
func (s *Sim) assignmentDue(op *AssignmentOperation) time.Time {
	return op.Created.Add(s.world.ControlTower.AssignmentTime.D())
}

// scheduleAssignmentOp arranges for op to complete at its due time. s.mu is held.
func (s *Sim) scheduleAssignmentOp(op *AssignmentOperation, now time.Time) {
	id := op.RequestID
	s.env.Clock.AfterFunc(max(0, s.assignmentDue(op).Sub(now)), func() {
		s.env.Lock()
		defer s.env.Unlock()
		if op := s.identity.Operations[id]; op != nil && op.Done.IsZero() {
			s.completeAssignmentOp(op, s.env.Clock.Now())
		}
	})
}

// resumeIdentity reschedules assignment operations that were in flight when a
// snapshot was taken. Restore should call it; without it they still complete,
// at the first sso-admin call after their due time. s.mu is held.
func (s *Sim) resumeIdentity() {
	now := s.env.Clock.Now()
	for _, id := range sortedKeys(s.identity.Operations) {
		if op := s.identity.Operations[id]; op.Done.IsZero() {
			s.scheduleAssignmentOp(op, now)
		}
	}
}

// settleAssignmentOps completes every in-flight operation that is due by now,
// in the order they were requested. s.mu is held.
func (s *Sim) settleAssignmentOps(now time.Time) {
	var due []*AssignmentOperation
	for _, op := range s.identity.Operations {
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
// provisioning does, when what it needs went away while it was in flight. s.mu is held.
func (s *Sim) completeAssignmentOp(op *AssignmentOperation, at time.Time) {
	op.Done = at
	a := op.Assignment
	if op.Delete {
		s.identity.unassign(a)
		return
	}
	acct := s.org.account(a.AccountID)
	switch {
	case acct == nil:
		op.FailureReason = fmt.Sprintf("Account %s is no longer a member of the organization.", a.AccountID)
	case acct.Status != "ACTIVE":
		op.FailureReason = fmt.Sprintf("Account %s is %s; the permission set could not be provisioned to it.", a.AccountID, acct.Status)
	case s.identity.PermissionSets[a.PermissionSetArn] == nil:
		op.FailureReason = fmt.Sprintf("Permission set %s was deleted before it could be provisioned.", a.PermissionSetArn)
	case !s.idcPrincipalExists(a.PrincipalType, a.PrincipalID):
		op.FailureReason = fmt.Sprintf("%s %s was deleted from the identity store.", a.PrincipalType, a.PrincipalID)
	default:
		s.identity.assign(a)
	}
}

func idcOpStatus(op *AssignmentOperation) string {
	switch {
	case op.Done.IsZero():
		return "IN_PROGRESS"
	case op.FailureReason != "":
		return "FAILED"
	default:
		return "SUCCEEDED"
	}
}

func (s *Sim) idcOperationStatus(op *AssignmentOperation) ssoOperationStatus {
	a := op.Assignment
	return ssoOperationStatus{Status: idcOpStatus(op), RequestID: op.RequestID, FailureReason: op.FailureReason,
		TargetID: a.AccountID, TargetType: "AWS_ACCOUNT", PermissionSetArn: a.PermissionSetArn,
		PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID, CreatedDate: Epoch(op.Created)}
}

// ssoDescribeOperation serves Describe{Creation,Deletion}Status.
func (s *Sim) ssoDescribeOperation(del bool) protocol.Handler {
	member, outMember := "accountAssignmentCreationRequestId", "AccountAssignmentCreationStatus"
	if del {
		member, outMember = "accountAssignmentDeletionRequestId", "AccountAssignmentDeletionStatus"
	}
	return func(c *protocol.Call, body []byte) (any, *APIError) {
		var in struct {
			InstanceArn string `json:"InstanceArn"`
			CreationID  string `json:"AccountAssignmentCreationRequestId"`
			DeletionID  string `json:"AccountAssignmentDeletionRequestId"`
		}
		if err := idcDecode(body, &in); err != nil {
			return nil, err
		}
		if err := s.idcCheckInstance(in.InstanceArn); err != nil {
			return nil, err
		}
		id := in.CreationID
		if del {
			id = in.DeletionID
		}
		if !idcRequestIDRe.MatchString(id) {
			return nil, idcPatternErr(member, id, idcRequestIDRe)
		}
		op := s.identity.Operations[id]
		if op == nil || op.Delete != del {
			return nil, apiErr("ResourceNotFoundException", "Could not find a request with id %s.", id)
		}
		return map[string]any{outMember: s.idcOperationStatus(op)}, nil
	}
}

// ssoListOperations serves List{Creation,Deletion}Status.
func (s *Sim) ssoListOperations(del bool) protocol.Handler {
	outMember := "AccountAssignmentsCreationStatus"
	if del {
		outMember = "AccountAssignmentsDeletionStatus"
	}
	return func(c *protocol.Call, body []byte) (any, *APIError) {
		var in struct {
			InstanceArn string `json:"InstanceArn"`
			Filter      *struct {
				Status string `json:"Status"`
			} `json:"Filter"`
			MaxResults int    `json:"MaxResults"`
			NextToken  string `json:"NextToken"`
		}
		if err := idcDecode(body, &in); err != nil {
			return nil, err
		}
		if err := s.idcCheckInstance(in.InstanceArn); err != nil {
			return nil, err
		}
		var ops []*AssignmentOperation
		for _, op := range s.identity.Operations {
			if op.Delete == del && (in.Filter == nil || in.Filter.Status == "" || in.Filter.Status == idcOpStatus(op)) {
				ops = append(ops, op)
			}
		}
		sort.Slice(ops, func(i, j int) bool {
			if !ops[i].Created.Equal(ops[j].Created) {
				return ops[i].Created.Before(ops[j].Created)
			}
			return ops[i].RequestID < ops[j].RequestID
		})
		all := make([]ssoOperationMetadata, len(ops))
		for i, op := range ops {
			all[i] = ssoOperationMetadata{Status: idcOpStatus(op), RequestID: op.RequestID, CreatedDate: Epoch(op.Created)}
		}
		page, next, err := idcPage(all, in.NextToken, in.MaxResults)
		if err != nil {
			return nil, err
		}
		return map[string]any{outMember: page, "NextToken": next}, nil
	}
}

// idcSortedAssignments returns the assignments matching keep, ordered by account,
// permission set, principal type and id.
func (s *Sim) idcSortedAssignments(keep func(*Assignment) bool) []ssoAccountAssignment {
	var out []ssoAccountAssignment
	for _, a := range s.identity.Assignments {
		if keep(a) {
			out = append(out, ssoAccountAssignment{AccountID: a.AccountID, PermissionSetArn: a.PermissionSetArn, PrincipalType: a.PrincipalType, PrincipalID: a.PrincipalID})
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

func (s *Sim) ssoListAccountAssignments(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccountID        string `json:"AccountId"`
		InstanceArn      string `json:"InstanceArn"`
		PermissionSetArn string `json:"PermissionSetArn"`
		MaxResults       int    `json:"MaxResults"`
		NextToken        string `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idcCheckInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if !idcAccountIDRe.MatchString(in.AccountID) {
		return nil, idcPatternErr("accountId", in.AccountID, idcAccountIDRe)
	}
	if _, err := s.idcPermissionSet(in.PermissionSetArn); err != nil {
		return nil, err
	}
	all := s.idcSortedAssignments(func(a *Assignment) bool {
		return a.AccountID == in.AccountID && a.PermissionSetArn == in.PermissionSetArn
	})
	page, next, err := idcPage(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignments": page, "NextToken": next}, nil
}

func (s *Sim) ssoListAccountAssignmentsForPrincipal(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		InstanceArn   string `json:"InstanceArn"`
		PrincipalID   string `json:"PrincipalId"`
		PrincipalType string `json:"PrincipalType"`
		Filter        *struct {
			AccountID string `json:"AccountId"`
		} `json:"Filter"`
		MaxResults int    `json:"MaxResults"`
		NextToken  string `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idcCheckInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if in.PrincipalType != "USER" && in.PrincipalType != "GROUP" {
		return nil, apiErr("ValidationException", "1 validation error detected: Value '%s' at 'principalType' failed to satisfy constraint: Member must satisfy enum value set: [USER, GROUP]", in.PrincipalType)
	}
	if !idcPrincipalIDRe.MatchString(in.PrincipalID) {
		return nil, idcPatternErr("principalId", in.PrincipalID, idcPrincipalIDRe)
	}
	account := ""
	if in.Filter != nil {
		account = in.Filter.AccountID
	}
	all := s.idcSortedAssignments(func(a *Assignment) bool {
		return a.PrincipalType == in.PrincipalType && a.PrincipalID == in.PrincipalID && (account == "" || a.AccountID == account)
	})
	page, next, err := idcPage(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"AccountAssignments": page, "NextToken": next}, nil
}

func (s *Sim) ssoListPermissionSetsProvisionedToAccount(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		AccountID          string `json:"AccountId"`
		InstanceArn        string `json:"InstanceArn"`
		ProvisioningStatus string `json:"ProvisioningStatus"`
		MaxResults         int    `json:"MaxResults"`
		NextToken          string `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idcCheckInstance(in.InstanceArn); err != nil {
		return nil, err
	}
	if !idcAccountIDRe.MatchString(in.AccountID) {
		return nil, idcPatternErr("accountId", in.AccountID, idcAccountIDRe)
	}
	// Assignments provision their permission set automatically and the
	// simulator has no permission-set edits, so every provisioned set is at
	// its latest version.
	arns := []string{}
	if in.ProvisioningStatus != "LATEST_PERMISSION_SET_NOT_PROVISIONED" {
		seen := map[string]bool{}
		for _, a := range s.identity.Assignments {
			if a.AccountID == in.AccountID && !seen[a.PermissionSetArn] {
				seen[a.PermissionSetArn] = true
				arns = append(arns, a.PermissionSetArn)
			}
		}
		sort.Strings(arns)
	}
	page, next, err := idcPage(arns, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"PermissionSets": page, "NextToken": next}, nil
}

// --- identitystore ---

type idsName struct {
	FamilyName string `json:"FamilyName,omitempty"`
	GivenName  string `json:"GivenName,omitempty"`
	Formatted  string `json:"Formatted,omitempty"`
}

type idsEmail struct {
	Value   string `json:"Value"`
	Type    string `json:"Type"`
	Primary bool   `json:"Primary"`
}

// idsUser is the User shape, also DescribeUser's output.
type idsUser struct {
	IdentityStoreID string     `json:"IdentityStoreId"`
	UserID          string     `json:"UserId"`
	UserName        string     `json:"UserName"`
	DisplayName     string     `json:"DisplayName,omitempty"`
	Name            *idsName   `json:"Name,omitempty"`
	Emails          []idsEmail `json:"Emails,omitempty"`
	UserStatus      string     `json:"UserStatus"`
}

// idsGroup is the Group shape, also DescribeGroup's output.
type idsGroup struct {
	IdentityStoreID string `json:"IdentityStoreId"`
	GroupID         string `json:"GroupId"`
	DisplayName     string `json:"DisplayName"`
	Description     string `json:"Description,omitempty"`
}

type idsMemberID struct {
	UserID string `json:"UserId"`
}

type idsMembership struct {
	IdentityStoreID string      `json:"IdentityStoreId"`
	MembershipID    string      `json:"MembershipId"`
	GroupID         string      `json:"GroupId"`
	MemberID        idsMemberID `json:"MemberId"`
}

// idsAlternateIdentifier is the AlternateIdentifier union.
type idsAlternateIdentifier struct {
	UniqueAttribute *struct {
		AttributePath  string          `json:"AttributePath"`
		AttributeValue json.RawMessage `json:"AttributeValue"`
	} `json:"UniqueAttribute"`
	ExternalID *struct {
		Issuer string `json:"Issuer"`
		ID     string `json:"Id"`
	} `json:"ExternalId"`
}

type idsFilter struct {
	AttributePath  string `json:"AttributePath"`
	AttributeValue string `json:"AttributeValue"`
}

// identityStoreOps serves the Identity Store API.
func (s *Sim) identityStoreOps() map[string]protocol.Handler {
	ops := map[string]protocol.Handler{
		"GetUserId":                     s.idsGetUserID,
		"GetGroupId":                    s.idsGetGroupID,
		"DescribeUser":                  s.idsDescribeUser,
		"DescribeGroup":                 s.idsDescribeGroup,
		"ListUsers":                     s.idsListUsers,
		"ListGroups":                    s.idsListGroups,
		"ListGroupMemberships":          s.idsListGroupMemberships,
		"ListGroupMembershipsForMember": s.idsListGroupMembershipsForMember,
	}
	for name, op := range ops {
		ops[name] = func(c *protocol.Call, body []byte) (any, *APIError) {
			if err := s.takeIdentityCenterToken(c); err != nil {
				return nil, err
			}
			return op(c, body)
		}
	}
	return ops
}

// idsNotFound is identitystore's typed not-found error.
func idsNotFound(c *protocol.Call, resourceType, resourceID, format string, args ...any) *APIError {
	e := apiErr("ResourceNotFoundException", format, args...)
	e.Fields = map[string]any{"ResourceType": resourceType, "RequestId": c.RequestID}
	if resourceID != "" {
		e.Fields["ResourceId"] = resourceID
	}
	return e
}

// idsCheckStore validates an IdentityStoreId (the id or its ARN). s.mu is held.
func (s *Sim) idsCheckStore(c *protocol.Call, id string) *APIError {
	if !idcStoreIDRe.MatchString(id) {
		return idcPatternErr("identityStoreId", id, idcStoreIDRe)
	}
	if id != s.identity.IdentityStoreID && !strings.HasSuffix(id, ":identitystore/"+s.identity.IdentityStoreID) {
		return idsNotFound(c, "IDENTITY_STORE", id, "Identity store %s does not exist.", id)
	}
	return nil
}

// idsAlternateIdentifierOf decodes the union: the unique attribute's path
// (lower-cased: code in the wild sends "UserName", which AWS accepts) and
// value, or unique=false and the external id.
func idsAlternateIdentifierOf(alt idsAlternateIdentifier) (path, value string, unique bool, err *APIError) {
	switch {
	case alt.UniqueAttribute != nil && alt.ExternalID != nil:
		return "", "", false, apiErr("ValidationException", "AlternateIdentifier is a union: set exactly one of UniqueAttribute and ExternalId.")
	case alt.UniqueAttribute != nil:
		if jerr := json.Unmarshal(alt.UniqueAttribute.AttributeValue, &value); jerr != nil || value == "" {
			return "", "", false, apiErr("ValidationException", "UniqueAttribute.AttributeValue must be a non-empty string.")
		}
		return strings.ToLower(alt.UniqueAttribute.AttributePath), value, true, nil
	case alt.ExternalID != nil:
		return "", alt.ExternalID.ID, false, nil
	default:
		return "", "", false, apiErr("ValidationException", "AlternateIdentifier must set UniqueAttribute or ExternalId.")
	}
}

func (s *Sim) idsGetUserID(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID     string                 `json:"IdentityStoreId"`
		AlternateIdentifier idsAlternateIdentifier `json:"AlternateIdentifier"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	path, value, unique, err := idsAlternateIdentifierOf(in.AlternateIdentifier)
	if err != nil {
		return nil, err
	}
	var u *User
	switch {
	case !unique: // the simulated users carry no external (SCIM) ids
	case path == "username":
		u = s.identity.userByName(value)
	case path == "emails.value":
		u = s.identity.userByEmail(value)
	default:
		return nil, apiErr("ValidationException", "Invalid AttributePath %q: the only valid paths for a user are userName and emails.value.", in.AlternateIdentifier.UniqueAttribute.AttributePath)
	}
	if u == nil {
		return nil, idsNotFound(c, "USER", "", "USER not found.")
	}
	return map[string]any{"IdentityStoreId": s.identity.IdentityStoreID, "UserId": u.ID}, nil
}

func (s *Sim) idsGetGroupID(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID     string                 `json:"IdentityStoreId"`
		AlternateIdentifier idsAlternateIdentifier `json:"AlternateIdentifier"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	path, value, unique, err := idsAlternateIdentifierOf(in.AlternateIdentifier)
	if err != nil {
		return nil, err
	}
	var g *Group
	switch {
	case !unique:
	case path == "displayname":
		g = s.identity.groupByName(value)
	default:
		return nil, apiErr("ValidationException", "Invalid AttributePath %q: the only valid path for a group is displayName.", in.AlternateIdentifier.UniqueAttribute.AttributePath)
	}
	if g == nil {
		return nil, idsNotFound(c, "GROUP", "", "GROUP not found.")
	}
	return map[string]any{"IdentityStoreId": s.identity.IdentityStoreID, "GroupId": g.ID}, nil
}

func (s *Sim) idsUser(u *User) idsUser {
	display := strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	out := idsUser{IdentityStoreID: s.identity.IdentityStoreID, UserID: u.ID, UserName: u.UserName, DisplayName: display, UserStatus: "ENABLED"}
	if u.GivenName != "" || u.FamilyName != "" {
		out.Name = &idsName{GivenName: u.GivenName, FamilyName: u.FamilyName, Formatted: display}
	}
	if u.Email != "" {
		out.Emails = []idsEmail{{Value: u.Email, Type: "work", Primary: true}}
	}
	return out
}

func (s *Sim) idsGroup(g *Group) idsGroup {
	return idsGroup{IdentityStoreID: s.identity.IdentityStoreID, GroupID: g.ID, DisplayName: g.DisplayName, Description: g.Description}
}

func (s *Sim) idsDescribeUser(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID string `json:"IdentityStoreId"`
		UserID          string `json:"UserId"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	if !idcPrincipalIDRe.MatchString(in.UserID) {
		return nil, idcPatternErr("userId", in.UserID, idcPrincipalIDRe)
	}
	u := s.identity.Users[in.UserID]
	if u == nil {
		return nil, idsNotFound(c, "USER", in.UserID, "USER not found.")
	}
	return s.idsUser(u), nil
}

func (s *Sim) idsDescribeGroup(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID string `json:"IdentityStoreId"`
		GroupID         string `json:"GroupId"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	if !idcPrincipalIDRe.MatchString(in.GroupID) {
		return nil, idcPatternErr("groupId", in.GroupID, idcPrincipalIDRe)
	}
	g := s.identity.Groups[in.GroupID]
	if g == nil {
		return nil, idsNotFound(c, "GROUP", in.GroupID, "GROUP not found.")
	}
	return s.idsGroup(g), nil
}

// idsFilterValue returns the value the (deprecated) Filters ask for on the one
// attribute path the operation supports.
func idsFilterValue(filters []idsFilter, path string) (string, bool, *APIError) {
	if len(filters) > 1 {
		return "", false, apiErr("ValidationException", "Only one filter is supported.")
	}
	if len(filters) == 0 {
		return "", false, nil
	}
	if !strings.EqualFold(filters[0].AttributePath, path) {
		return "", false, apiErr("ValidationException", "Invalid AttributePath %q: the supported filter path is %s.", filters[0].AttributePath, path)
	}
	return filters[0].AttributeValue, true, nil
}

func (s *Sim) idsListUsers(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID string      `json:"IdentityStoreId"`
		Filters         []idsFilter `json:"Filters"`
		MaxResults      int         `json:"MaxResults"`
		NextToken       string      `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	want, filtered, err := idsFilterValue(in.Filters, "UserName")
	if err != nil {
		return nil, err
	}
	var all []idsUser
	for _, id := range sortedKeys(s.identity.Users) {
		if u := s.identity.Users[id]; !filtered || u.UserName == want {
			all = append(all, s.idsUser(u))
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].UserName < all[j].UserName })
	page, next, err := idcPage(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Users": page, "NextToken": next}, nil
}

func (s *Sim) idsListGroups(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID string      `json:"IdentityStoreId"`
		Filters         []idsFilter `json:"Filters"`
		MaxResults      int         `json:"MaxResults"`
		NextToken       string      `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	want, filtered, err := idsFilterValue(in.Filters, "DisplayName")
	if err != nil {
		return nil, err
	}
	var all []idsGroup
	for _, id := range sortedKeys(s.identity.Groups) {
		if g := s.identity.Groups[id]; !filtered || g.DisplayName == want {
			all = append(all, s.idsGroup(g))
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].DisplayName < all[j].DisplayName })
	page, next, err := idcPage(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"Groups": page, "NextToken": next}, nil
}

// idsMembershipID derives a stable membership id from the group and the user, so
// the same membership keeps its id across calls and snapshots.
func idsMembershipID(groupID, userID string) string {
	h := sha256.Sum256([]byte(groupID + "/" + userID))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func (s *Sim) idsMembership(g *Group, userID string) idsMembership {
	return idsMembership{IdentityStoreID: s.identity.IdentityStoreID, MembershipID: idsMembershipID(g.ID, userID), GroupID: g.ID, MemberID: idsMemberID{UserID: userID}}
}

func (s *Sim) idsListGroupMemberships(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID string `json:"IdentityStoreId"`
		GroupID         string `json:"GroupId"`
		MaxResults      int    `json:"MaxResults"`
		NextToken       string `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	if !idcPrincipalIDRe.MatchString(in.GroupID) {
		return nil, idcPatternErr("groupId", in.GroupID, idcPrincipalIDRe)
	}
	g := s.identity.Groups[in.GroupID]
	if g == nil {
		return nil, idsNotFound(c, "GROUP", in.GroupID, "GROUP not found.")
	}
	all := make([]idsMembership, 0, len(g.Members))
	for _, uid := range g.Members {
		all = append(all, s.idsMembership(g, uid))
	}
	page, next, err := idcPage(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"GroupMemberships": page, "NextToken": next}, nil
}

func (s *Sim) idsListGroupMembershipsForMember(c *protocol.Call, body []byte) (any, *APIError) {
	var in struct {
		IdentityStoreID string       `json:"IdentityStoreId"`
		MemberID        *idsMemberID `json:"MemberId"`
		MaxResults      int          `json:"MaxResults"`
		NextToken       string       `json:"NextToken"`
	}
	if err := idcDecode(body, &in); err != nil {
		return nil, err
	}
	if err := s.idsCheckStore(c, in.IdentityStoreID); err != nil {
		return nil, err
	}
	if in.MemberID == nil || !idcPrincipalIDRe.MatchString(in.MemberID.UserID) {
		return nil, apiErr("ValidationException", "MemberId must set a valid UserId.")
	}
	uid := in.MemberID.UserID
	if s.identity.Users[uid] == nil {
		return nil, idsNotFound(c, "USER", uid, "USER not found.")
	}
	var all []idsMembership
	for _, gid := range sortedKeys(s.identity.Groups) {
		g := s.identity.Groups[gid]
		for _, m := range g.Members {
			if m == uid {
				all = append(all, s.idsMembership(g, uid))
			}
		}
	}
	page, next, err := idcPage(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return map[string]any{"GroupMemberships": page, "NextToken": next}, nil
}
