package accountfactory

import (
	"maps"
	"slices"
	"time"
)

// Status values of provisioned products and records, as Service Catalog spells them.
const (
	ppAvailable   = "AVAILABLE"
	ppUnderChange = "UNDER_CHANGE"
	ppTainted     = "TAINTED"
	ppError       = "ERROR"
	ppPlan        = "PLAN_IN_PROGRESS"

	recCreated           = "CREATED"
	recInProgress        = "IN_PROGRESS"
	recInProgressInError = "IN_PROGRESS_IN_ERROR"
	recSucceeded         = "SUCCEEDED"
	recFailed            = "FAILED"

	recProvision = "PROVISION_PRODUCT"
	recUpdate    = "UPDATE_PROVISIONED_PRODUCT"
	recTerminate = "TERMINATE_PROVISIONED_PRODUCT"

	// scAccountType is the provisioned-product type of Account Factory accounts.
	scAccountType = "CONTROL_TOWER_ACCOUNT"
)

// State is Service Catalog with the Control Tower Account Factory product, and
// Control Tower's account operations behind it. It is what a snapshot holds
// under "serviceCatalog".
type State struct {
	PortfolioID    string    `json:"portfolioId"`
	PortfolioName  string    `json:"portfolioName"`
	ProductID      string    `json:"productId"`
	ProductViewID  string    `json:"productViewId"`
	ProductName    string    `json:"productName"`
	ProductOwner   string    `json:"productOwner"`
	ProductCreated time.Time `json:"productCreated"`
	LaunchPathID   string    `json:"launchPathId"`
	// Artifacts are the product's versions, oldest first.
	Artifacts []*Artifact `json:"artifacts"`
	// Principals are the IAM principal ARNs associated with the portfolio.
	Principals []string `json:"principals"`
	// Provisioned holds the provisioned products by id (pp-...).
	Provisioned map[string]*ProvisionedProduct `json:"provisionedProducts"`
	// Records holds every request's record by id (rec-...); a record with an
	// Operation is still being worked on.
	Records map[string]*Record `json:"records"`
	// Tokens maps "Operation|idempotency token" to the record it created.
	Tokens map[string]string `json:"tokens"`
	// KnownAccounts are the accounts Control Tower has worked on before: it
	// answers another operation on them with an UpdateManagedAccount event.
	KnownAccounts map[string]bool `json:"knownAccounts"`
	// SpentFaults are the Faults.FailProvisioning entries that already failed once.
	SpentFaults []string `json:"spentFaults,omitempty"`
	// PeakInFlight is the most account operations Control Tower ever ran at once.
	PeakInFlight int `json:"peakInFlight"`
	// Refused counts operations Control Tower refused because it was busy or full.
	Refused int `json:"refused"`
	// BaselineOperations are Control Tower's baseline operations by id (a
	// UUID), as GetBaselineOperation describes them: those auto-enrollment
	// ran on accounts (autoenroll.go) and the resets of OUs' enabled
	// baselines (reset.go). They stay describable once ended.
	BaselineOperations map[string]*BaselineOperation `json:"baselineOperations,omitempty"`
	// AccountBaselines are the AWSControlTowerBaseline child enabled
	// baselines auto-enrollment and resets made, by account id. An enrolled
	// account without one has its child baseline from Account Factory (or
	// the world), always SUCCEEDED.
	AccountBaselines map[string]*AccountBaseline `json:"accountBaselines,omitempty"`
	// OUOperation is the id of the OU operation (a ResetEnabledBaseline) in
	// progress, "" when none: Control Tower runs one at a time.
	OUOperation string `json:"ouOperation,omitempty"`
}

// BaselineOperation is one of Control Tower's baseline operations: on an
// account, enabling its OU's AWSControlTowerBaseline (an enrollment),
// updating it (a move between registered OUs) or disabling it (a move out);
// on an OU, re-enabling the OU's enabled baseline (a reset), which works on
// the accounts whose child baselines name it as their last operation.
type BaselineOperation struct {
	ID string `json:"id"`
	// Type is ENABLE_BASELINE, UPDATE_ENABLED_BASELINE, DISABLE_BASELINE or
	// RESET_ENABLED_BASELINE.
	Type string `json:"type"`
	// Status is IN_PROGRESS, SUCCEEDED or FAILED; StatusMessage says why it failed.
	Status        string    `json:"status"`
	StatusMessage string    `json:"statusMessage,omitempty"`
	Started       time.Time `json:"started"`
	Ended         time.Time `json:"ended,omitzero"`
	// Due is when an operation in progress ends; FailMessage, if set, is the
	// failure it ends with then (a failing precheck, an injected fault).
	Due         time.Time `json:"due,omitzero"`
	FailMessage string    `json:"failMessage,omitempty"`
	// AccountID is the account the operation works on; "" for an OU
	// operation (a reset).
	AccountID string `json:"accountId"`
	// OUID is the OU whose baseline the operation applies (the move's
	// destination, the reset OU) or removes (the OU the account left).
	OUID string `json:"ouId"`
	// Slot is whether the operation holds one of Control Tower's concurrent
	// account operations (and its destination OU's one move at a time)
	// while it is in progress.
	Slot bool `json:"slot,omitempty"`
}

// AccountBaseline is the AWSControlTowerBaseline an account inherits from
// its OU: a child enabled baseline, whose status is that of its last
// operation (UNDER_CHANGE while it runs, then SUCCEEDED or FAILED).
type AccountBaseline struct {
	AccountID string `json:"accountId"`
	// OUID is the OU whose enabled baseline is the parent.
	OUID            string `json:"ouId"`
	Status          string `json:"status"`
	LastOperationID string `json:"lastOperationId"`
}

// Artifact is a provisioning artifact (a version of the product).
type Artifact struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Active      bool      `json:"active"`
	Guidance    string    `json:"guidance"`
	Created     time.Time `json:"created"`
}

// ProvisionedProduct is an Account Factory provisioned product: one managed account.
type ProvisionedProduct struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Arn              string            `json:"arn"`
	ArtifactID       string            `json:"artifactId"`
	PathID           string            `json:"pathId"`
	Status           string            `json:"status"`
	StatusMessage    string            `json:"statusMessage,omitempty"`
	PhysicalID       string            `json:"physicalId,omitempty"` // the account id, once there is an account
	Parameters       map[string]string `json:"parameters"`
	Tags             map[string]string `json:"tags,omitempty"`
	Created          time.Time         `json:"created"`
	IdempotencyToken string            `json:"idempotencyToken,omitempty"`
	UserArn          string            `json:"userArn"`
	UserArnSession   string            `json:"userArnSession"`
	LastRecordID     string            `json:"lastRecordId"`
	// LastProvisioningRecordID is the last provision, update or terminate request.
	LastProvisioningRecordID string `json:"lastProvisioningRecordId"`
	// LastSuccessfulRecordID is the last of those that succeeded.
	LastSuccessfulRecordID string `json:"lastSuccessfulProvisioningRecordId,omitempty"`
}

// Record is the record of one provision, update or terminate request.
type Record struct {
	ID                     string            `json:"id"`
	Type                   string            `json:"type"`
	Status                 string            `json:"status"`
	ProvisionedProductID   string            `json:"provisionedProductId"`
	ProvisionedProductName string            `json:"provisionedProductName"`
	ArtifactID             string            `json:"artifactId"`
	PathID                 string            `json:"pathId"`
	UserArn                string            `json:"userArn"`
	UserArnSession         string            `json:"userArnSession"`
	Created                time.Time         `json:"created"`
	Updated                time.Time         `json:"updated"`
	Errors                 []RecordError     `json:"errors,omitempty"`
	Outputs                []Output          `json:"outputs,omitempty"`
	Tags                   map[string]string `json:"tags,omitempty"`
	// Operation is the Control Tower work still to do; nil once the record is final.
	Operation *AccountOperation `json:"operation,omitempty"`
}

// RecordError is one of a failed record's errors.
type RecordError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// Output is one of a record's outputs.
type Output struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// AccountOperation is Control Tower's work on one record.
type AccountOperation struct {
	// Kind is the Service Catalog request: provision, update or terminate.
	Kind string `json:"kind"`
	// Action is what Control Tower does, decided when it takes the request:
	// create, enroll, update or terminate.
	Action string `json:"action,omitempty"`
	Phase  string `json:"phase"`
	// Params are the requested parameters.
	Params     map[string]string `json:"params"`
	ArtifactID string            `json:"artifactId"`
	AccountID  string            `json:"accountId,omitempty"`
	OUID       string            `json:"ouId,omitempty"`
	// Event is the lifecycle event the operation ends with, if any.
	Event     string    `json:"event,omitempty"`
	Requested time.Time `json:"requested"`
	// Next is when the operation takes its next step.
	Next time.Time `json:"next"`
	// Seq tells the current timer from stale ones.
	Seq         int    `json:"seq"`
	FailCode    string `json:"failCode,omitempty"`
	FailMessage string `json:"failMessage,omitempty"`
	// CreateRequestID is a create's Organizations CreateAccount request.
	CreateRequestID string `json:"createRequestId,omitempty"`
	// Started and Duration are when Control Tower took a create and how long
	// it takes in all, account creation included.
	Started  time.Time     `json:"started,omitzero"`
	Duration time.Duration `json:"duration,omitempty"`
}

// --- lookups ---

func (c *State) activeArtifact() *Artifact {
	for i := len(c.Artifacts) - 1; i >= 0; i-- {
		if c.Artifacts[i].Active {
			return c.Artifacts[i]
		}
	}
	return nil
}

func (c *State) artifact(id string) *Artifact {
	for _, a := range c.Artifacts {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (c *State) artifactByName(name string) *Artifact {
	for _, a := range c.Artifacts {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// ProductByName returns the provisioned product with name, or nil.
func (c *State) ProductByName(name string) *ProvisionedProduct {
	for _, p := range c.Provisioned {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// productOwning returns the provisioned product whose physical id is the
// account, or the one whose operation is building it (a new account's product
// has no physical id until Control Tower finishes), if any.
func (c *State) productOwning(accountID string) *ProvisionedProduct {
	for _, id := range sortedKeys(c.Provisioned) {
		if p := c.Provisioned[id]; p.PhysicalID == accountID {
			return p
		}
	}
	for _, id := range sortedKeys(c.Records) {
		if r := c.Records[id]; r.Operation != nil && r.Operation.AccountID == accountID {
			return c.Provisioned[r.ProvisionedProductID]
		}
	}
	return nil
}

// Copy returns a copy of the state that shares nothing with it, for a reader
// that does not hold the lock.
func (c *State) Copy() State {
	out := *c
	out.Artifacts = make([]*Artifact, len(c.Artifacts))
	for i, a := range c.Artifacts {
		cp := *a
		out.Artifacts[i] = &cp
	}
	out.Principals = slices.Clone(c.Principals)
	out.Provisioned = make(map[string]*ProvisionedProduct, len(c.Provisioned))
	for id, p := range c.Provisioned {
		cp := *p
		cp.Parameters, cp.Tags = maps.Clone(p.Parameters), maps.Clone(p.Tags)
		out.Provisioned[id] = &cp
	}
	out.Records = make(map[string]*Record, len(c.Records))
	for id, r := range c.Records {
		cp := *r
		cp.Errors, cp.Outputs, cp.Tags = slices.Clone(r.Errors), slices.Clone(r.Outputs), maps.Clone(r.Tags)
		if r.Operation != nil {
			op := *r.Operation
			op.Params = maps.Clone(r.Operation.Params)
			cp.Operation = &op
		}
		out.Records[id] = &cp
	}
	out.Tokens = maps.Clone(c.Tokens)
	out.KnownAccounts = maps.Clone(c.KnownAccounts)
	out.SpentFaults = slices.Clone(c.SpentFaults)
	out.BaselineOperations = make(map[string]*BaselineOperation, len(c.BaselineOperations))
	for id, op := range c.BaselineOperations {
		cp := *op
		out.BaselineOperations[id] = &cp
	}
	out.AccountBaselines = make(map[string]*AccountBaseline, len(c.AccountBaselines))
	for id, b := range c.AccountBaselines {
		cp := *b
		out.AccountBaselines[id] = &cp
	}
	return out
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
