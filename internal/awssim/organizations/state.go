package organizations

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// OrgState is AWS Organizations: the organization, its OUs and accounts, and
// the closures that count against the 30-day quota. It is what a snapshot holds
// under "organizations".
type OrgState struct {
	ID                  string              `json:"id"`
	Arn                 string              `json:"arn"`
	RootID              string              `json:"rootId"`
	ManagementAccountID string              `json:"managementAccountId"`
	OUs                 map[string]*OU      `json:"ous"`
	Accounts            map[string]*Account `json:"accounts"`
	Closures            []ClosureRecord     `json:"closures,omitempty"`
	RootTags            map[string]string   `json:"rootTags,omitempty"`
}

// OU is an organizational unit.
type OU struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	ParentID   string            `json:"parentId"`
	Registered bool              `json:"registered"`
	Tags       map[string]string `json:"tags,omitempty"`
}

// Account is a member (or the management) account.
type Account struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Email           string            `json:"email"`
	ParentID        string            `json:"parentId"`
	Status          string            `json:"status"` // ACTIVE, SUSPENDED, PENDING_CLOSURE
	JoinedMethod    string            `json:"joinedMethod"`
	JoinedTimestamp time.Time         `json:"joinedTimestamp"`
	Tags            map[string]string `json:"tags,omitempty"`
	// ExecutionRole is the AWSControlTowerExecution role: trusted, untrusted or missing.
	ExecutionRole string `json:"executionRole"`
	// Enrolled is true while Control Tower manages the account.
	Enrolled bool `json:"enrolled"`
}

// Role states of an account's AWSControlTowerExecution role.
const (
	RoleTrusted   = "trusted"   // exists and trusts the management account
	RoleUntrusted = "untrusted" // exists but trusts another account
	RoleMissing   = "missing"
)

// ClosureRecord remembers a CloseAccount for the 30-day quota.
type ClosureRecord struct {
	AccountID string    `json:"accountId"`
	At        time.Time `json:"at"`
}

// OrgRequestState is the part of Organizations that OrgState does not hold:
// CreateAccount requests, which run asynchronously and stay describable after
// they finish.
type OrgRequestState struct {
	CreateAccount map[string]*CreateAccountRequest `json:"createAccount"`
	// SpentFaults are the Faults.FailCreateAccount entries that already
	// failed a request (createFaultKey), so each fails only one.
	SpentFaults []string `json:"spentFaults,omitempty"`
}

// CreateAccountRequest is one CreateAccount call and its outcome.
type CreateAccountRequest struct {
	ID          string            `json:"id"`
	AccountName string            `json:"accountName"`
	Email       string            `json:"email"`
	RoleName    string            `json:"roleName"`
	Tags        map[string]string `json:"tags,omitempty"`
	// IamUserAccessToBilling is ALLOW (CreateAccount's default) or DENY.
	IamUserAccessToBilling string `json:"iamUserAccessToBilling,omitempty"`
	// FailWith is the FailureReason the request was doomed to when it was
	// made (a fault, or a request already in progress for the email); it
	// ends FAILED with it.
	FailWith string `json:"failWith,omitempty"`
	// State is IN_PROGRESS, SUCCEEDED or FAILED.
	State         string    `json:"state"`
	Requested     time.Time `json:"requested"`
	Completed     time.Time `json:"completed,omitzero"`
	AccountID     string    `json:"accountId,omitempty"`
	FailureReason string    `json:"failureReason,omitempty"`
}

// --- Organizations primitives ---

// account returns the account with id, or nil.
func (o *OrgState) account(id string) *Account { return o.Accounts[id] }

// accountByEmail finds an account by email, case-insensitively as AWS does.
func (o *OrgState) accountByEmail(email string) *Account {
	for _, a := range o.Accounts {
		if strings.EqualFold(a.Email, email) {
			return a
		}
	}
	return nil
}

// ou returns the OU with id, or nil.
func (o *OrgState) ou(id string) *OU { return o.OUs[id] }

// isParent reports whether id is the root or an existing OU.
func (o *OrgState) isParent(id string) bool { return id == o.RootID || o.OUs[id] != nil }

// childOUs returns the OUs directly under parent, sorted by name then id.
func (o *OrgState) childOUs(parent string) []*OU {
	var out []*OU
	for _, u := range o.OUs {
		if u.ParentID == parent {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name == out[j].Name {
			return out[i].ID < out[j].ID
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// accountsIn returns the accounts directly under parent, sorted by id.
func (o *OrgState) accountsIn(parent string) []*Account {
	var out []*Account
	for _, a := range o.Accounts {
		if a.ParentID == parent {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// sortedAccounts returns every account sorted by id.
func (o *OrgState) sortedAccounts() []*Account {
	out := make([]*Account, 0, len(o.Accounts))
	for _, a := range o.Accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// sortedOUs returns every OU sorted by id.
func (o *OrgState) sortedOUs() []*OU {
	out := make([]*OU, 0, len(o.OUs))
	for _, u := range o.OUs {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ouPath is the OU's path from Root, e.g. "Workloads/Prod".
func (o *OrgState) ouPath(id string) string {
	var parts []string
	for u := o.OUs[id]; u != nil; u = o.OUs[u.ParentID] {
		parts = append([]string{u.Name}, parts...)
	}
	return strings.Join(parts, "/")
}

// accountArn and ouArn follow AWS's formats.
func (o *OrgState) accountArn(id string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", o.ManagementAccountID, o.ID, id)
}

func (o *OrgState) ouArn(id string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:ou/%s/%s", o.ManagementAccountID, o.ID, id)
}

func (o *OrgState) rootArn() string {
	return fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", o.ManagementAccountID, o.ID, o.RootID)
}

func copyTags(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
