package vend

import (
	"github.com/towervend/towervend/internal/request"
)

// Doc is the state document the workflow passes from step to step: the
// execution input is {"request": ...} and every step returns the whole
// document with its own part filled in.
type Doc struct {
	// Request is the account request, as decoded at intake.
	Request request.Request `json:"request"`
	// Origin says what started the work: "queue" (a ticket) or "lifecycle" (an AWS event).
	Origin string `json:"origin,omitempty"`
	// RedriveCount is the execution's redrive count, passed in by the state machine
	// from the context object so tokens differ between attempts.
	RedriveCount int `json:"redriveCount"`
	// Plan is what validate decided.
	Plan *Plan `json:"plan,omitempty"`
	// Execution identifies the workflow execution, set by the state machine
	// from the context object; the concurrency gate ranks waiting requests by it.
	Execution *ExecutionRef `json:"execution,omitempty"`
	// Queue is set while the request waits for a Control Tower slot.
	Queue *QueueStatus `json:"queue,omitempty"`
	// Operation tracks the Account Factory operation, if any.
	Operation *Operation `json:"operation,omitempty"`
	// Access tracks the Identity Center assignments.
	Access *AccessStatus `json:"access,omitempty"`
	// AccountID is the account's id once known (at once for existing accounts,
	// after provisioning for new ones).
	AccountID string `json:"accountId,omitempty"`
	// Error is what the workflow's Catch stored: the failed step's error name and cause.
	Error *CaughtError `json:"error,omitempty"`
	// Failure says where the workflow failed and at which redrive, for ReportFailure.
	Failure *FailurePoint `json:"failure,omitempty"`
	// Deferral is set while an enrollment of an account that joined the
	// organization waits for Account Factory (see Plan.Deferred).
	Deferral *Deferral `json:"deferral,omitempty"`
	// Outcome is the final state: succeeded, rejected, skipped or failed.
	Outcome string `json:"outcome,omitempty"`
	// Notes are facts the requester should know that are not failures.
	Notes []string `json:"notes,omitempty"`
	// Wake is what ended the last callback wait (set by the workflow; the
	// step that follows reads it and drops it).
	Wake *Wake `json:"wake,omitempty"`
}

// Operation kinds in Plan.Operation.
const (
	OpProvision = "provision" // ProvisionProduct: create or enroll
	OpUpdate    = "update"    // UpdateProvisionedProduct: OU move or owner change
	OpTerminate = "terminate" // TerminateProvisionedProduct: unmanage
	OpNone      = "none"
	// With auto-enrollment (backend.go):
	OpCreateAccount = "createAccount" // Organizations CreateAccount, then a move into the OU
	OpMoveAccount   = "moveAccount"   // Organizations MoveAccount: enroll, change OU, or (to the root) unmanage
)

// Plan is validate's decision: what the request resolves to in the organization
// and which steps must run. A rejected plan lists the problems and nothing runs.
type Plan struct {
	Rejected bool              `json:"rejected"`
	Problems []request.Problem `json:"problems,omitempty"`
	// Deferred asks the workflow to wait (Deferral.WaitSeconds) and validate
	// again: an account that joined the organization may be one Account
	// Factory is still building.
	Deferred bool `json:"deferred"`
	// Skipped ends the request with nothing to do, saying why in SkipReason:
	// Control Tower already manages the account that joined.
	Skipped    bool   `json:"skipped"`
	SkipReason string `json:"skipReason,omitempty"`

	// Operation is provision, update, terminate or none.
	Operation string `json:"operation"`
	// CheckRole is set for enrollments: assume AWSControlTowerExecution first.
	CheckRole bool `json:"checkRole"`
	// AccountName and AccountEmail are the Account Factory account parameters.
	AccountName  string `json:"accountName,omitempty"`
	AccountEmail string `json:"accountEmail,omitempty"`
	// OU is the target (or, for updates without a move, current) OU.
	OU *OURef `json:"ou,omitempty"`
	// ProductName is the provisioned product's name (existing or to create).
	ProductName string `json:"productName,omitempty"`
	// ProvisionedProductID is the account's existing provisioned product, if managed.
	ProvisionedProductID string `json:"provisionedProductId,omitempty"`
	// Owner is the Account Factory SSO user to set.
	Owner *request.Owner `json:"owner,omitempty"`
	// PreviousOwnerEmail is the SSO user an owner change replaces.
	PreviousOwnerEmail string `json:"previousOwnerEmail,omitempty"`
	// Grant are the assignments to make; Revoke those to remove.
	Grant  []Assignment `json:"grant,omitempty"`
	Revoke []Assignment `json:"revoke,omitempty"`
	// SetTags and RemoveTags change the account's tags.
	SetTags    map[string]string `json:"setTags,omitempty"`
	RemoveTags []string          `json:"removeTags,omitempty"`
	// Place makes sure the account ends in OU (checked and corrected by moveou).
	Place bool `json:"place"`
	// Close closes the account after unmanaging it.
	Close bool `json:"close"`
	// Unmanage is set when the account has a provisioned product to terminate
	// first (or, with auto-enrollment, is enrolled and is moved to the root).
	Unmanage bool `json:"unmanage"`
	// MoveTo is where an auto-enrollment move takes the account: the target
	// ByReset: the landing zone does not auto-enroll, so the account is
	// enrolled by resetting its OU's baseline after the move (reset.go).
	// Validate decides it, having read the landing zone; the other steps
	// follow the plan.
	ByReset bool `json:"byReset,omitempty"`
	// OU's id, or the root's id to unmanage it.
	MoveTo string `json:"moveTo,omitempty"`
}

// Deferral is a wait before validating again: a lifecycle enrollment's for
// Account Factory, or any request's for an earlier one on the same account.
type Deferral struct {
	// Since is when the wait began (RFC 3339); Checks counts the looks so far.
	Since  string `json:"since"`
	Checks int    `json:"checks"`
	// WaitSeconds is the wait before the next look.
	WaitSeconds int `json:"waitSeconds"`
	// Products are the provisioned products in flight that may be building the account.
	Products []string `json:"products,omitempty"`
	// Behind are the earlier requests on the same account this one waited
	// for, the one it waits for now last (see turns.go).
	Behind []string `json:"behind,omitempty"`
	Reason string   `json:"reason"`
}

// OURef is a resolved organizational unit.
type OURef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Path string `json:"path"`
}

// AccountFactoryValue is the OU as Account Factory's ManagedOrganizationalUnit takes it.
func (o OURef) AccountFactoryValue() string { return o.Name + " (" + o.ID + ")" }

// Assignment is one Identity Center assignment, resolved to ids.
type Assignment struct {
	PrincipalType    string `json:"principalType"` // USER or GROUP
	PrincipalID      string `json:"principalId"`
	PrincipalName    string `json:"principalName"`
	PermissionSet    string `json:"permissionSet"`
	PermissionSetArn string `json:"permissionSetArn"`
}

// String names the assignment for people: "group payments-admins: AWSReadOnlyAccess".
func (a Assignment) String() string {
	kind := "user"
	if a.PrincipalType == "GROUP" {
		kind = "group"
	}
	return kind + " " + a.PrincipalName + ": " + a.PermissionSet
}

// Operation tracks one Account Factory operation.
type Operation struct {
	Kind                 string `json:"kind"`
	RecordID             string `json:"recordId"`
	ProvisionedProductID string `json:"provisionedProductId,omitempty"`
	// StartedAt is when towervend started waiting (RFC 3339), for the overall timeout.
	StartedAt string `json:"startedAt"`
	// Polls counts status checks; WaitSeconds is the next wait, growing with Polls.
	Polls       int  `json:"polls"`
	WaitSeconds int  `json:"waitSeconds"`
	Done        bool `json:"done"`
	// Attempt counts new starts after Control Tower refused one (busy).
	Attempt int    `json:"attempt,omitempty"`
	Status  string `json:"status,omitempty"`
	Adopted bool   `json:"adopted,omitempty"`
	// QueuedSeconds is how long the request waited for a Control Tower slot.
	QueuedSeconds int `json:"queuedSeconds,omitempty"`
	// Poll is set when the next check follows a plain wait rather than a
	// callback: Control Tower emits no event for terminations, and an event
	// can arrive a moment before the record shows the end.
	Poll bool `json:"poll,omitempty"`
	// Noticed is when towervend saw the operation end (RFC 3339), and By how:
	// event, await, poll or fallback.
	NoticedBy string `json:"noticedBy,omitempty"`

	// With auto-enrollment: CreateRequestID is Organizations' CreateAccount
	// request (kept so a repeat finds it instead of creating a second
	// account); Phase is "create" (CreateAccount running), "move" (created,
	// the move into the OU to start), "enroll" (moved; Control Tower's
	// baseline on the account running) or "out" (the enrollment failed: the
	// account is moved out to the root, to be moved back in); Restart sends
	// the workflow back to Provision to start the next phase through the
	// gate. Retries counts the failed enrollments tried again.
	CreateRequestID string `json:"createRequestId,omitempty"`
	Phase           string `json:"phase,omitempty"`
	Restart         bool   `json:"restart,omitempty"`
	Retries         int    `json:"retries,omitempty"`
	// RetryAt is when an account moved out after a refused enrollment is
	// moved back in (RFC 3339): later with every retry, as Control Tower's
	// refusals (busy, at its quota) last a while.
	RetryAt string `json:"retryAt,omitempty"`
	// BaselineOperationID is the ResetEnabledBaseline operation that
	// enrolls the account where the landing zone does not auto-enroll.
	BaselineOperationID string `json:"baselineOperationId,omitempty"`
}

// The phases of an auto-enrollment operation (Operation.Phase).
const (
	PhaseCreate = "create"
	PhaseMove   = "move"
	PhaseEnroll = "enroll"
	PhaseOut    = "out"
)

// ExecutionRef is the execution carrying a request.
type ExecutionRef struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	StartTime       string `json:"startTime"` // as the context object gives it (RFC 3339)
}

// QueueStatus is a request's place in the queue for a Control Tower slot.
type QueueStatus struct {
	// Since is when the request first found the gate full (RFC 3339).
	Since string `json:"since"`
	// Ahead is how many requests started earlier still wait for a slot; -1
	// when it could not be told (the document has no execution reference).
	Ahead int `json:"ahead"`
	// InFlight is how many Control Tower account operations were running.
	InFlight int `json:"inFlight"`
	// Checks counts the gate's answers so far; WaitSeconds is the wait before the next.
	Checks      int    `json:"checks"`
	WaitSeconds int    `json:"waitSeconds"`
	Reason      string `json:"reason"`
	// OU is set while the request waits for Control Tower to finish moving
	// another account into this OU (auto-enrollment: one move at a time per
	// destination OU). Such a request waits in that OU's own line, not in the
	// line for a slot, so requests for other OUs are not held up behind it.
	OU string `json:"ou,omitempty"`
}

// AccessStatus is assignsso's progress.
type AccessStatus struct {
	Complete bool               `json:"complete"`
	Polls    int                `json:"polls"`
	Items    []AssignmentStatus `json:"items"`
}

// AssignmentStatus is one assignment's state.
type AssignmentStatus struct {
	Assignment
	Revoke    bool   `json:"revoke,omitempty"`
	Status    string `json:"status"` // PENDING, IN_PROGRESS, SUCCEEDED, FAILED
	RequestID string `json:"requestId,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// CaughtError is an error caught by the workflow, as Step Functions stores it.
type CaughtError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// FailurePoint is where the workflow failed: the state, and the execution's
// redrive count at that moment (set by the state machine from the context object).
type FailurePoint struct {
	Step         string `json:"step"`
	RedriveCount int    `json:"redriveCount"`
	// Resume is set by ReportFailure when a redriven execution goes back to Step.
	Resume bool `json:"resume,omitempty"`
}
