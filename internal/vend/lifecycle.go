package vend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/towervend/towervend/internal/request"
)

// OriginLifecycle is Doc.Origin of work the lifecycle function started.
const OriginLifecycle = "lifecycle"

// lifecycleDetail is the part of Control Tower's and Organizations' CloudTrail
// events towervend reads.
type lifecycleDetail struct {
	EventName           string          `json:"eventName"`
	EventID             string          `json:"eventID"`
	ServiceEventDetails json.RawMessage `json:"serviceEventDetails"`
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
	Action    string `json:"action"` // started, duplicate, ignored, reconciled
	Execution string `json:"execution,omitempty"`
	// Executions are the enrollments a reconcile sweep started (or found started).
	Executions []string `json:"executions,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	// Woken counts the executions the event woke (towervend's own operations).
	Woken int `json:"woken,omitempty"`
}

// Lifecycle starts work from AWS's own events:
//   - Control Tower created or updated a managed account that towervend did not
//     vend (CreateManagedAccount, UpdateManagedAccount): grant the OU's default
//     access (policy.defaultAccess);
//   - an account joined the organization outside Control Tower
//     (Organizations CreateAccountResult, or AccountJoinedOrganization for an
//     invitation): enroll it into the policy's enrollment OU. Control Tower
//     creates accounts through Organizations too, so an account Account Factory
//     is still building also announces itself this way: the workflow waits for
//     Account Factory before it enrolls anything (Validate);
//   - the hourly schedule (an EventBridge Scheduled Event): sweep the
//     organization for accounts that joined without an event reaching towervend.
//
// Execution names derive from the event (for Control Tower's) or from the
// account and when it joined (for joins), so a repeated event, and every event
// and sweep about one account joining, start one execution.
func (d *Deps) Lifecycle(ctx context.Context, ev events.CloudWatchEvent) (LifecycleResult, error) {
	log := d.Log.With("step", "lifecycle", "source", ev.Source, "eventId", ev.ID)
	if ev.Source == "aws.events" && ev.DetailType == "Scheduled Event" {
		return d.reconcile(ctx, log)
	}
	var det lifecycleDetail
	if err := json.Unmarshal(ev.Detail, &det); err != nil {
		return LifecycleResult{Action: "ignored", Reason: "detail is not JSON: " + err.Error()}, nil
	}
	log = log.With("eventName", det.EventName)
	switch {
	case ev.Source == "aws.controltower" && (det.EventName == "CreateManagedAccount" || det.EventName == "UpdateManagedAccount"):
		var sd struct {
			Create *managedAccountStatus `json:"createManagedAccountStatus"`
			Update *managedAccountStatus `json:"updateManagedAccountStatus"`
		}
		_ = json.Unmarshal(det.ServiceEventDetails, &sd)
		st := sd.Create
		if st == nil {
			st = sd.Update
		}
		if st == nil {
			return d.ignored(log, "no managed-account status in the event")
		}
		if woken, err := d.controlTowerFinished(ctx, log, det.EventName, st); err != nil || woken > 0 {
			return LifecycleResult{Action: "woke", Woken: woken}, err
		}
		if st.State != "SUCCEEDED" || st.Account.AccountID == "" {
			return d.ignored(log, "not a successful managed-account event")
		}
		return d.adoptManaged(ctx, log, ev, st)
	case ev.Source == "aws.organizations" && det.EventName == "CreateAccountResult":
		var sd struct {
			Status *struct {
				State     string `json:"state"`
				AccountID string `json:"accountId"`
			} `json:"createAccountStatus"`
		}
		_ = json.Unmarshal(det.ServiceEventDetails, &sd)
		if sd.Status == nil || sd.Status.State != "SUCCEEDED" || sd.Status.AccountID == "" {
			return d.ignored(log, "account creation did not succeed")
		}
		return d.enrollJoined(ctx, log, sd.Status.AccountID)
	case ev.Source == "aws.organizations" && det.EventName == "AccountJoinedOrganization":
		if joinedDetail(det.ServiceEventDetails, "joinedMethod") == "CREATED" {
			// CreateAccountResult announces a created account (and says
			// whether the creation succeeded); this is the same account again.
			return d.ignored(log, "a created account: its CreateAccountResult event starts the work")
		}
		id := joinedDetail(det.ServiceEventDetails, "accountId")
		if id == "" {
			// AWS documents the event's fields, not where in the record they
			// sit: without an account id, look at every account instead.
			log.Info("no account id in AccountJoinedOrganization; sweeping the organization")
			return d.reconcile(ctx, log)
		}
		if id == d.Config.ManagementAccountID {
			return d.ignored(log, "the management account joined its own organization")
		}
		return d.enrollJoined(ctx, log, id)
	}
	return d.ignored(log, "not an event towervend acts on")
}

// joinedDetail finds a string member (accountId, joinedMethod) of
// AccountJoinedOrganization's serviceEventDetails, at the top or one object
// down: AWS documents the fields, not where in the record they sit.
func joinedDetail(details json.RawMessage, name string) string {
	var top map[string]json.RawMessage
	if json.Unmarshal(details, &top) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(top[name], &v) == nil && v != "" {
		return v
	}
	for _, k := range sortedKeys(top) {
		var inner map[string]json.RawMessage
		if json.Unmarshal(top[k], &inner) == nil && json.Unmarshal(inner[name], &v) == nil && v != "" {
			return v
		}
	}
	return ""
}

// controlTowerFinished is told that Control Tower ended an account
// operation (either state): the executions waiting for it are woken, and so
// is the request waiting longest for the slot it freed. It returns how many
// executions were waiting for this operation: towervend's own, whose request
// does the rest.
func (d *Deps) controlTowerFinished(ctx context.Context, log interface {
	Info(string, ...any)
	Warn(string, ...any)
}, event string, st *managedAccountStatus) (int, error) {
	if d.waitsReady() != nil {
		return 0, nil
	}
	woken, err := d.wakeOperation(ctx, st.Account.AccountID, st.Account.AccountName,
		Wake{Source: "event", Event: event, State: st.State, AccountID: st.Account.AccountID})
	if err != nil {
		return woken, err
	}
	slots, err := d.wakeLine(ctx, 1, "", false)
	if err != nil {
		log.Warn("cannot wake the request waiting for a slot", "error", err.Error())
	}
	log.Info("Control Tower finished an account operation", "accountId", st.Account.AccountID, "state", st.State,
		"woken", woken, "slotHandedOff", slots)
	return woken, nil
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

// enrollJoined enrolls an account that joined the organization outside Control
// Tower, unless Control Tower manages it already. It does not wait for Account
// Factory here: an account Account Factory is building has no provisioned
// product with its id yet, so the workflow's Validate waits for that (see
// validation.joinSettled), which a Lambda invocation cannot.
func (d *Deps) enrollJoined(ctx context.Context, log interface{ Info(string, ...any) }, id string) (LifecycleResult, error) {
	if d.Policy.EnrollmentOU() == "" {
		return d.ignored(log, "the policy names no enrollmentOrganizationalUnit")
	}
	a, err := d.describeAccount(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	if a == nil {
		return d.ignored(log, "the account is not in the organization")
	}
	// Control Tower creates Account Factory's accounts through Organizations:
	// one towervend's own request waits for (by the account's name) is not a
	// stranger joining. The event masks the name; DescribeAccount has it.
	if req, err := d.awaitedCreate(ctx, aws.ToString(a.Name)); err != nil || req != "" {
		if err != nil {
			return LifecycleResult{}, err
		}
		return d.ignored(log, "towervend's request "+req+" is creating this account through Account Factory")
	}
	pp, err := d.productFor(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	if pp != nil {
		return d.ignored(log, "Control Tower already manages the account")
	}
	return d.startJoin(ctx, log, a)
}

// startJoin starts the enrollment of an account that joined the organization.
func (d *Deps) startJoin(ctx context.Context, log interface{ Info(string, ...any) }, a *orgtypes.Account) (LifecycleResult, error) {
	id := aws.ToString(a.Id)
	tags, err := d.missingDefaultTags(ctx, id)
	if err != nil {
		return LifecycleResult{}, err
	}
	req := request.Request{RequestID: joinName(id, aws.ToTime(a.JoinedTimestamp)), Action: request.ActionEnroll,
		Account:   request.Account{ID: id, OrganizationalUnit: d.Policy.EnrollmentOU()},
		Tags:      tags,
		Requester: &request.Requester{System: "aws.organizations", By: "towervend lifecycle"}}
	return d.startLifecycle(ctx, log, req)
}

// reconcileWindow is how far back the sweep looks for accounts that joined:
// it catches join events that never reached towervend, which are recent by
// nature. An account that has sat in Root for longer is an administrator's
// choice (or predates towervend); enrolling it would move it without anyone
// asking, so it takes an enroll request.
const reconcileWindow = 7 * 24 * time.Hour

// reconcile is the sweep for accounts that joined the organization without an
// event reaching the lifecycle function (an invitation accepted before
// Organizations logged AccountJoinedOrganization, an event lost on the way):
// every active member account directly under Root (where joining accounts
// land) that joined within reconcileWindow, that Control Tower does not manage,
// that is not one of towervend's own creates waiting for its move (awaitedCreate)
// and that no Account Factory operation may be building, is enrolled into the
// policy's enrollment OU, under the same execution name its join event would
// have started, so an account is enrolled once however it is noticed.
func (d *Deps) reconcile(ctx context.Context, log interface{ Info(string, ...any) }) (LifecycleResult, error) {
	if d.Policy.EnrollmentOU() == "" {
		return d.ignored(log, "the policy names no enrollmentOrganizationalUnit")
	}
	roots, err := d.Org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return LifecycleResult{}, awsErr("organizations:ListRoots", err)
	}
	if len(roots.Roots) == 0 {
		return LifecycleResult{}, stepErr(ErrFailed, "organizations:ListRoots returned no root; is this the management account?")
	}
	var inRoot []orgtypes.Account
	p := organizations.NewListAccountsForParentPaginator(d.Org, &organizations.ListAccountsForParentInput{ParentId: roots.Roots[0].Id})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return LifecycleResult{}, awsErr("organizations:ListAccountsForParent", err)
		}
		inRoot = append(inRoot, page.Accounts...)
	}
	now := d.Clock.Now()
	res := LifecycleResult{Action: "reconciled"}
	var waiting []string
	for i := range inRoot {
		a := &inRoot[i]
		id, joined := aws.ToString(a.Id), aws.ToTime(a.JoinedTimestamp)
		if id == d.Config.ManagementAccountID || a.Status != orgtypes.AccountStatusActive || now.Sub(joined) > reconcileWindow {
			continue
		}
		managed, err := d.productFor(ctx, id)
		if err != nil {
			return LifecycleResult{}, err
		}
		if managed != nil {
			continue
		}
		if req, err := d.awaitedCreate(ctx, aws.ToString(a.Name)); err != nil || req != "" {
			if err != nil {
				return LifecycleResult{}, err
			}
			continue // a create of towervend's own, still in the root before its move
		}
		builders, err := d.building(ctx, joined)
		if err != nil {
			return LifecycleResult{}, err
		}
		if len(builders) > 0 {
			// Maybe Account Factory's own account: the next sweep looks again.
			waiting = append(waiting, id)
			continue
		}
		started, err := d.startJoin(ctx, log, a)
		if err != nil {
			return LifecycleResult{}, err
		}
		res.Executions = append(res.Executions, started.Execution)
	}
	res.Reason = fmt.Sprintf("%d account(s) in Root joined in the last %d days and are not managed by Control Tower; enrollments: %d",
		len(res.Executions)+len(waiting), int(reconcileWindow.Hours()/24), len(res.Executions))
	if len(waiting) > 0 {
		res.Reason += "; waiting for Account Factory to finish before deciding on " + strings.Join(waiting, ", ")
	}
	log.Info("organization reconciled", "enrollments", len(res.Executions), "waiting", len(waiting))
	return res, nil
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
	input, err := json.Marshal(ExecutionInput{Request: req, Origin: OriginLifecycle})
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

// joinName is the execution name (and requestId) of an account's enrollment
// after it joined the organization at joined: CreateAccountResult,
// AccountJoinedOrganization and the sweep all name the same execution, and an
// account that leaves and joins again gets a new one.
func joinName(accountID string, joined time.Time) string {
	return lifecycleName("join", accountID, joined.UTC().Format(time.RFC3339Nano))
}
