package vend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/towervend/towervend/internal/request"
)

// lifecycleDetail is the part of Control Tower's and Organizations' CloudTrail
// events towervend reads.
type lifecycleDetail struct {
	EventName           string `json:"eventName"`
	EventID             string `json:"eventID"`
	ServiceEventDetails struct {
		CreateManagedAccountStatus *managedAccountStatus `json:"createManagedAccountStatus"`
		UpdateManagedAccountStatus *managedAccountStatus `json:"updateManagedAccountStatus"`
		CreateAccountStatus        *struct {
			State     string `json:"state"`
			AccountID string `json:"accountId"`
		} `json:"createAccountStatus"`
	} `json:"serviceEventDetails"`
	ResponseElements *struct {
		Handshake *struct {
			State   string `json:"state"`
			Parties []struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"parties"`
		} `json:"handshake"`
	} `json:"responseElements"`
	RecipientAccountID string `json:"recipientAccountId"`
}

type managedAccountStatus struct {
	State              string `json:"state"`
	OrganizationalUnit struct {
		OrganizationalUnitName string `json:"organizationalUnitName"`
		OrganizationalUnitID   string `json:"organizationalUnitId"`
	} `json:"organizationalUnit"`
	Account struct {
		AccountName string `json:"accountName"`
		AccountID   string `json:"accountId"`
	} `json:"account"`
}

// LifecycleResult says what the lifecycle function did with an event.
type LifecycleResult struct {
	Action    string `json:"action"` // started, duplicate, ignored
	Execution string `json:"execution,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Lifecycle starts work from AWS's own events:
//   - Control Tower created or updated a managed account that towervend did not
//     vend: grant the OU's default access (policy.defaultAccess);
//   - an account joined the organization (Organizations CreateAccountResult or
//     an accepted invitation) outside Control Tower: enroll it into the policy's
//     enrollment OU.
//
// The execution name derives from the event, so a repeated event is a no-op.
func (d *Deps) Lifecycle(ctx context.Context, ev events.CloudWatchEvent) (LifecycleResult, error) {
	var det lifecycleDetail
	if err := json.Unmarshal(ev.Detail, &det); err != nil {
		return LifecycleResult{Action: "ignored", Reason: "detail is not JSON: " + err.Error()}, nil
	}
	log := d.Log.With("step", "lifecycle", "eventName", det.EventName, "eventId", ev.ID)
	switch {
	case ev.Source == "aws.controltower" && (det.EventName == "CreateManagedAccount" || det.EventName == "UpdateManagedAccount"):
		st := det.ServiceEventDetails.CreateManagedAccountStatus
		if st == nil {
			st = det.ServiceEventDetails.UpdateManagedAccountStatus
		}
		if st == nil || st.State != "SUCCEEDED" || st.Account.AccountID == "" {
			return d.ignored(log, "not a successful managed-account event")
		}
		return d.adoptManaged(ctx, log, ev, st)
	case ev.Source == "aws.organizations" && det.EventName == "CreateAccountResult":
		st := det.ServiceEventDetails.CreateAccountStatus
		if st == nil || st.State != "SUCCEEDED" || st.AccountID == "" {
			return d.ignored(log, "account creation did not succeed")
		}
		return d.enrollJoined(ctx, log, ev, st.AccountID)
	case ev.Source == "aws.organizations" && det.EventName == "AcceptHandshake":
		id := ""
		if det.ResponseElements != nil && det.ResponseElements.Handshake != nil {
			for _, p := range det.ResponseElements.Handshake.Parties {
				if p.Type == "ACCOUNT" && p.ID != d.Config.ManagementAccountID {
					id = p.ID
				}
			}
		}
		if id == "" {
			id = det.RecipientAccountID
		}
		if id == "" || id == d.Config.ManagementAccountID {
			return d.ignored(log, "no joining account in the handshake")
		}
		return d.enrollJoined(ctx, log, ev, id)
	}
	return d.ignored(log, "not an event towervend acts on")
}

func (d *Deps) ignored(log interface{ Info(string, ...any) }, reason string) (LifecycleResult, error) {
	log.Info("event ignored", "reason", reason)
	return LifecycleResult{Action: "ignored", Reason: reason}, nil
}

// adoptManaged applies the OU's default access to an account Control Tower
// manages but towervend did not vend (made in the console, by AFT, ...).
func (d *Deps) adoptManaged(ctx context.Context, log interface{ Info(string, ...any) }, ev events.CloudWatchEvent, st *managedAccountStatus) (LifecycleResult, error) {
	id := st.Account.AccountID
	pp, err := d.productFor(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	if pp != nil && strings.HasPrefix(aws.ToString(pp.IdempotencyToken), "tv-") {
		return d.ignored(log, "towervend vended this account; its own request applies access")
	}
	org, err := d.loadOUs(ctx)
	if err != nil {
		return LifecycleResult{}, err
	}
	ouPath := st.OrganizationalUnit.OrganizationalUnitName
	if n := org.ous[st.OrganizationalUnit.OrganizationalUnitID]; n != nil {
		ouPath = n.path
	}
	tags, err := d.missingDefaultTags(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	access := d.Policy.DefaultAccess(ouPath)
	if len(access) == 0 && len(tags) == 0 {
		return d.ignored(log, "the policy has no default access for "+ouPath+" and the account has every default tag")
	}
	req := request.Request{RequestID: lifecycleName("ct", id, ev.ID), Action: request.ActionUpdate,
		Account:   request.Account{ID: id},
		Access:    access,
		Tags:      tags,
		Requester: &request.Requester{System: "aws.controltower", Ticket: "", By: "towervend lifecycle"}}
	return d.startLifecycle(ctx, log, req)
}

// enrollJoined enrolls an account that joined the organization outside Control Tower.
func (d *Deps) enrollJoined(ctx context.Context, log interface{ Info(string, ...any) }, ev events.CloudWatchEvent, id string) (LifecycleResult, error) {
	target := d.Policy.EnrollmentOU()
	if target == "" {
		return d.ignored(log, "the policy names no enrollmentOrganizationalUnit")
	}
	pp, err := d.productFor(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	if pp != nil {
		return d.ignored(log, "Control Tower already manages the account")
	}
	a, err := d.describeAccount(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	if a == nil {
		return d.ignored(log, "the account is not in the organization")
	}
	tags, err := d.missingDefaultTags(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	req := request.Request{RequestID: lifecycleName("join", id, ev.ID), Action: request.ActionEnroll,
		Account:   request.Account{ID: id, OrganizationalUnit: target},
		Tags:      tags,
		Requester: &request.Requester{System: "aws.organizations", By: "towervend lifecycle"}}
	return d.startLifecycle(ctx, log, req)
}

// missingDefaultTags returns the policy's default tags the account does not carry yet.
func (d *Deps) missingDefaultTags(ctx context.Context, accountID string) (map[string]*string, error) {
	if len(d.Policy.DefaultTags) == 0 {
		return nil, nil
	}
	current, err := d.accountTags(ctx, accountID)
	if err != nil {
		return nil, err
	}
	var out map[string]*string
	for _, k := range sortedKeys(d.Policy.DefaultTags) {
		if _, ok := current[k]; ok {
			continue
		}
		if out == nil {
			out = map[string]*string{}
		}
		v := d.Policy.DefaultTags[k]
		out[k] = &v
	}
	return out, nil
}

func (d *Deps) startLifecycle(ctx context.Context, log interface{ Info(string, ...any) }, req request.Request) (LifecycleResult, error) {
	input, err := json.Marshal(ExecutionInput{Request: req, Origin: "lifecycle"})
	if err != nil {
		return LifecycleResult{}, fmt.Errorf("encode execution input: %w", err)
	}
	_, err = d.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(d.Config.StateMachineArn),
		Name: aws.String(req.RequestID), Input: aws.String(string(input))})
	var exists *sfntypes.ExecutionAlreadyExists
	if errors.As(err, &exists) {
		log.Info("event already handled", "execution", req.RequestID)
		return LifecycleResult{Action: "duplicate", Execution: req.RequestID}, nil
	}
	if err != nil {
		return LifecycleResult{}, awsErr("sfn:StartExecution", err)
	}
	log.Info("execution started", "execution", req.RequestID, "action", string(req.Action), "accountId", req.Account.ID)
	return LifecycleResult{Action: "started", Execution: req.RequestID}, nil
}

// lifecycleName is an execution name (and requestId) derived from the event:
// the same event always maps to the same name.
func lifecycleName(kind, accountID, eventID string) string {
	sum := sha256.Sum256([]byte(eventID))
	return fmt.Sprintf("%s-%s-%s", kind, accountID, hex.EncodeToString(sum[:])[:12])
}
