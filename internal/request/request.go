// Package request is towervend's public request contract in Go: the types of a
// message on the request queue, their decoding and validation against
// schema/request.schema.json, and the problems reported when a request breaks it.
//
// The schema is the single source of the rules; this package only translates the
// validator's findings into Problems that name the field, the value and the fix.
//
// It may import schema only.
package request

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/towervend/towervend/schema"
)

// MaxBodyBytes is the largest request body Decode reads (256 KiB, the classic SQS
// message limit); a request for one account needs a few kilobytes.
const MaxBodyBytes = 256 << 10

// Action is what a request asks towervend to do with the account.
type Action string

// The actions of request.schema.json.
const (
	// ActionCreate vends a new account through Account Factory.
	ActionCreate Action = "create"
	// ActionEnroll brings an existing account of the organization under Control Tower.
	ActionEnroll Action = "enroll"
	// ActionUpdate moves an account, changes its owner, grants access or changes tags.
	ActionUpdate Action = "update"
	// ActionUnmanage takes an account out of Control Tower without closing it.
	ActionUnmanage Action = "unmanage"
	// ActionClose unmanages an account and then closes it.
	ActionClose Action = "close"
)

// Actions returns every action in the order the schema lists them.
func Actions() []Action {
	return []Action{ActionCreate, ActionEnroll, ActionUpdate, ActionUnmanage, ActionClose}
}

// Request is one decoded, schema-valid message from the request queue.
type Request struct {
	// RequestID is the idempotency key (1-64 of A-Z a-z 0-9 . _ -).
	RequestID string `json:"requestId"`
	// Action is what to do.
	Action Action `json:"action"`
	// Account is the account the request is about.
	Account Account `json:"account"`
	// Owner is the Account Factory SSO user; nil when not given.
	Owner *Owner `json:"owner,omitempty"`
	// Access is the IAM Identity Center access to grant.
	Access []Access `json:"access,omitempty"`
	// Tags are the tags to set; a nil value removes the tag (update only).
	Tags map[string]*string `json:"tags,omitempty"`
	// RevokePreviousOwner asks an update with a new owner to remove the old owner's access.
	RevokePreviousOwner bool `json:"revokePreviousOwner,omitempty"`
	// RevokeDisallowedAccess asks an update that moves the account to remove
	// the existing assignments the target OU's policy does not allow (without
	// it such a move is rejected).
	RevokeDisallowedAccess bool `json:"revokeDisallowedAccess,omitempty"`
	// Requester says who asked; nil when not given.
	Requester *Requester `json:"requester,omitempty"`
}

// Account identifies the account and, depending on the action, describes it.
type Account struct {
	// ID is the 12-digit account id (enroll, update, unmanage, close).
	ID string `json:"id,omitempty"`
	// Name is the account name (create; enroll, where it must equal the current name).
	Name string `json:"name,omitempty"`
	// Email is the new account's root email (create).
	Email string `json:"email,omitempty"`
	// OrganizationalUnit is the target OU as written: a path, "Name (ou-id)" or an OU id.
	OrganizationalUnit string `json:"organizationalUnit,omitempty"`
}

// OURef parses OrganizationalUnit; see ParseOURef.
func (a Account) OURef() OURef { return ParseOURef(a.OrganizationalUnit) }

// Owner is the IAM Identity Center user Account Factory associates with the account.
type Owner struct {
	// Email is the user's email (Account Factory's SSOUserEmail).
	Email string `json:"email"`
	// FirstName is SSOUserFirstName.
	FirstName string `json:"firstName"`
	// LastName is SSOUserLastName.
	LastName string `json:"lastName"`
}

// Access gives one group or one user (exactly one is set) one permission set.
type Access struct {
	// Group is an IAM Identity Center group's display name.
	Group string `json:"group,omitempty"`
	// User is an IAM Identity Center user's user name or email.
	User string `json:"user,omitempty"`
	// PermissionSet is the permission set's name.
	PermissionSet string `json:"permissionSet"`
	// Revoke removes the assignment instead of making it (update only).
	Revoke bool `json:"revoke,omitempty"`
}

// Requester says who asked, for the audit trail and notifications.
type Requester struct {
	// System is where the request came from, e.g. "servicenow".
	System string `json:"system"`
	// Ticket is that system's ticket, e.g. "RITM0012345".
	Ticket string `json:"ticket"`
	// By is the person who asked.
	By string `json:"by"`
}

// Fingerprint is a stable hash (hex SHA-256) of the request's content. Two
// deliveries of the same request have the same fingerprint however their JSON
// was laid out (key order, spacing, an explicit false, the order of access
// items); a different request that reuses a requestId has a different one.
func (r *Request) Fingerprint() string {
	c := *r
	c.Access = slices.Clone(r.Access)
	// Access items are granted as a set, so their order is not part of the request.
	slices.SortFunc(c.Access, func(a, b Access) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.User, b.User), cmp.Compare(a.PermissionSet, b.PermissionSet), boolCompare(a.Revoke, b.Revoke))
	})
	// encoding/json writes struct fields in declaration order and map keys sorted,
	// which makes this the canonical form.
	b, err := json.Marshal(c)
	if err != nil {
		// A Request holds only strings, bools, slices and maps of them: Marshal cannot fail.
		panic("request: marshal for fingerprint: " + err.Error())
	}
	sum := sha256.Sum256(append([]byte("towervend request v1\n"), b...))
	return hex.EncodeToString(sum[:])
}

func boolCompare(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Validator decodes requests against schema/request.schema.json. Build one with
// NewValidator and reuse it: it is immutable and safe for concurrent use.
type Validator struct {
	dec *SchemaDecoder
}

// NewValidator compiles the request schema.
func NewValidator() (*Validator, error) {
	dec, err := NewSchemaDecoder("request", MaxBodyBytes, schema.Request)
	if err != nil {
		return nil, fmt.Errorf("new request validator: %w", err)
	}
	return &Validator{dec: dec}, nil
}

// Decode validates body against the request schema and decodes it. Every error it
// returns is a *Problems listing all violations: invalid JSON, an empty or
// oversized body, wrong types, unknown fields and every rule of the action.
func (v *Validator) Decode(body []byte) (*Request, error) {
	var r Request
	if err := v.dec.Decode(body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// defaultValidator is compiled on first use and never changes afterwards; it spares
// callers of Decode from holding a Validator.
var defaultValidator = sync.OnceValues(NewValidator)

// Decode is Validator.Decode with a Validator shared by the whole process.
func Decode(body []byte) (*Request, error) {
	v, err := defaultValidator()
	if err != nil {
		// The schema is embedded and tested; failing to compile it is a build defect.
		return nil, &Problems{List: []Problem{{Field: "request", Message: "cannot be validated: " + err.Error(), Fix: "report this to the towervend team"}}}
	}
	return v.Decode(body)
}
