package vend

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	sctypes "github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"

	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/schema"
	"github.com/towervend/towervend/statemachine"
)

// Request states in notifications.
const (
	StateAccepted  = "accepted"
	StateRejected  = "rejected"
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
)

// Notification is the detail of a towervend event (schema/notification.schema.json).
type Notification struct {
	RequestID          string             `json:"requestId,omitempty"`
	Action             string             `json:"action,omitempty"`
	State              string             `json:"state"`
	Ticket             string             `json:"ticket,omitempty"`
	Requester          *request.Requester `json:"requester,omitempty"`
	AccountID          string             `json:"accountId,omitempty"`
	OrganizationalUnit string             `json:"organizationalUnit,omitempty"`
	Reason             string             `json:"reason,omitempty"`
	FailedStep         string             `json:"failedStep,omitempty"`
	Problems           []request.Problem  `json:"problems,omitempty"`
	Access             []string           `json:"access,omitempty"`
	Revoked            []string           `json:"revoked,omitempty"`
	Notes              []string           `json:"notes,omitempty"`
	Time               string             `json:"time"`
}

// NotifyInput is what the workflow passes to the notify step: the state to
// announce and the document.
type NotifyInput struct {
	State string `json:"state"`
	Doc   Doc    `json:"doc"`
	// RedriveCount is the execution's current redrive count (ReportFailure only).
	RedriveCount int `json:"redriveCount"`
}

// Notify publishes one request state change on the notification bus. The
// workflow discards its result, so a repeat only repeats the event (the event
// carries requestId and state for consumers to de-duplicate).
func (d *Deps) Notify(ctx context.Context, in NotifyInput) (*Doc, error) {
	n := d.notification(&in.Doc, in.State)
	if err := d.publish(ctx, n); err != nil {
		return nil, err
	}
	if in.State == StateSucceeded {
		d.endTurn(ctx, &in.Doc)
	}
	d.logger(&in.Doc, "notify").Info("request "+in.State, "accountId", n.AccountID)
	return &in.Doc, nil
}

// ReportFailure is where every caught failure goes: the first time, it
// publishes the failed notification naming the step and the reason and then
// fails the execution with ErrRequestFailed (the original error's name and the
// reason in the message), so the execution is FAILED at this point and
// redrivable. It does not fail with the original name: the state's Retry would
// match a retryable one (TowerVend.Transient, Lambda.*) and announce the
// failure again. When the execution is redriven, it runs again with a higher
// redrive count: it publishes that the request is being retried and returns
// the document with Failure.Resume set, and the workflow goes back to the step
// that failed.
func (d *Deps) ReportFailure(ctx context.Context, in NotifyInput) (*Doc, error) {
	doc := &in.Doc
	fp := doc.Failure
	if fp == nil {
		fp = &FailurePoint{Step: "Unknown"}
		doc.Failure = fp
	}
	caught := doc.Error
	if caught == nil {
		caught = &CaughtError{Error: ErrFailed, Cause: "unknown failure"}
		doc.Error = caught // the failed notification needs a reason
	}
	if in.RedriveCount > fp.RedriveCount {
		// Redriven: go back to where it failed. A failed Control Tower operation is
		// started again; a timed-out one is waited for afresh.
		fp.Resume = true
		switch {
		case fp.Step == statemachine.StateProvisionStatus && caught.Error == ErrProvisioningFailed:
			fp.Step = "Provision"
		case fp.Step == statemachine.StateProvisionStatus && doc.Operation != nil:
			doc.Operation.StartedAt = d.Clock.Now().UTC().Format(time.RFC3339)
		case fp.Step == statemachine.StateAssignSSO:
			// The document still shows the failed assignments in progress: start
			// over, so those made are found done and the failed ones asked for again.
			doc.Access = nil
		}
		doc.RedriveCount = in.RedriveCount
		doc.Error = nil
		if err := d.retakeTurn(ctx, doc); err != nil {
			return nil, err
		}
		n := d.notification(doc, StateAccepted)
		n.Notes = append(n.Notes, fmt.Sprintf("redriven: resuming at %s", fp.Step))
		if err := d.publish(ctx, n); err != nil {
			return nil, err
		}
		d.logger(doc, "notify").Info("request redriven", "resumeAt", fp.Step)
		return doc, nil
	}
	doc.Outcome = StateFailed
	d.findCreatedAccount(ctx, doc)
	n := d.notification(doc, StateFailed)
	if err := d.publish(ctx, n); err != nil {
		return nil, err
	}
	d.endTurn(ctx, doc)
	d.logger(doc, "notify").Warn("request failed", "failedStep", fp.Step, "error", caught.Error)
	return nil, requestFailed(caught.Error, n.Reason)
}

// findCreatedAccount fills in the account id of a create that failed after
// Control Tower made the account: the failing step's document is the one
// the workflow keeps, so the id Control Tower gave the product is read from
// it (PhysicalId). It is best effort: the failure is announced either way.
func (d *Deps) findCreatedAccount(ctx context.Context, doc *Doc) {
	plan, op := doc.Plan, doc.Operation
	if doc.AccountID != "" || plan == nil || plan.Operation != OpProvision || plan.CheckRole || op == nil || op.ProvisionedProductID == "" {
		return
	}
	pp, err := d.searchExact(ctx, "name:"+plan.ProductName, func(pp *sctypes.ProvisionedProductAttribute) bool {
		return aws.ToString(pp.Id) == op.ProvisionedProductID
	})
	if err != nil {
		d.logger(doc, "notify").Warn("cannot tell the failed create's account", "error", err.Error())
		return
	}
	if pp != nil {
		doc.AccountID = aws.ToString(pp.PhysicalId)
	}
}

// notification builds the event detail for a state of the document.
func (d *Deps) notification(doc *Doc, state string) Notification {
	req := &doc.Request
	n := Notification{RequestID: req.RequestID, Action: string(req.Action), State: state, Requester: req.Requester,
		AccountID: doc.AccountID, OrganizationalUnit: req.Account.OrganizationalUnit, Notes: doc.Notes,
		Time: d.Clock.Now().UTC().Format(time.RFC3339)}
	if req.Requester != nil {
		n.Ticket = req.Requester.Ticket
	}
	if doc.Plan != nil && doc.Plan.OU != nil {
		n.OrganizationalUnit = doc.Plan.OU.Path
	}
	switch state {
	case StateRejected:
		if doc.Plan != nil {
			n.Problems = doc.Plan.Problems
		}
		n.Reason = rejectionReason(n.Problems)
	case StateFailed:
		if doc.Failure != nil {
			n.FailedStep = doc.Failure.Step
		}
		if p := progress(doc, n.FailedStep); p != "" {
			n.Notes = append(slices.Clone(n.Notes), p)
		}
		if doc.Error != nil {
			n.Reason = finalReason(n.FailedStep, req.RequestID, doc.Error)
		}
	case StateAccepted:
		if doc.Plan != nil {
			for _, a := range doc.Plan.Revoke {
				n.Revoked = append(n.Revoked, a.String())
			}
		}
	case StateSucceeded:
		if doc.Access != nil {
			for _, it := range doc.Access.Items {
				switch {
				case it.Status != "SUCCEEDED":
				case it.Revoke:
					n.Revoked = append(n.Revoked, it.Assignment.String())
				default:
					n.Access = append(n.Access, it.Assignment.String())
				}
			}
		}
	}
	return n
}

// progress says what a failed request changed before it failed and what it
// did not, so the requester knows the state the account is left in.
func progress(doc *Doc, failedStep string) string {
	var done []string
	if op := doc.Operation; op != nil && op.Done && op.Status == "SUCCEEDED" {
		switch {
		case op.Kind == OpTerminate:
			done = append(done, "the account was unmanaged (its Account Factory product terminated: it is out of Control Tower)")
		case op.Kind == OpUpdate:
			done = append(done, "Account Factory updated the account (OU or owner)")
		case doc.Plan != nil && doc.Plan.CheckRole:
			done = append(done, "the account was enrolled in Control Tower")
		default:
			done = append(done, "the account was created")
		}
	}
	if acc := doc.Access; acc != nil {
		made := 0
		for _, it := range acc.Items {
			if it.Status == "SUCCEEDED" {
				made++
			}
		}
		if made > 0 {
			done = append(done, fmt.Sprintf("%d of %d access changes were made", made, len(acc.Items)))
		}
	}
	if len(done) == 0 {
		if failedStep == "" {
			return ""
		}
		return fmt.Sprintf("nothing was changed before %s failed; a redrive starts there", failedStep)
	}
	return fmt.Sprintf("done before the failure: %s; not done: %s and the steps after it; a redrive resumes at %s",
		strings.Join(done, "; "), failedStep, failedStep)
}

func rejectionReason(problems []request.Problem) string {
	switch len(problems) {
	case 0:
		return "the request was rejected"
	case 1:
		return problems[0].String()
	}
	more := "problems"
	if len(problems) == 2 {
		more = "problem"
	}
	return fmt.Sprintf("%s (and %d more %s)", problems[0].String(), len(problems)-1, more)
}

// finalReason is the reason a failed notification gives. A step's message
// describes one attempt; when the step's Retry (vending.asl.json) retried the
// error, the failure came only after every retry failed, so the reason says
// so, why it did not clear, and what to do.
func finalReason(step, requestID string, e *CaughtError) string {
	reason := CauseText(e.Error, e.Cause)
	if !statemachine.Retries(step, e.Error) {
		return reason
	}
	why, fix := retriedAdvice(e.Error)
	return fmt.Sprintf("%s failed after retries: %s. %s. Fix: %s, then run: towervend redrive %s",
		step, strings.TrimRight(reason, ". "), why, fix, requestID)
}

// retriedAdvice says why a retried error outlasted the retries and what an
// operator can do about it.
func retriedAdvice(name string) (why, fix string) {
	switch {
	case name == ErrTransient:
		return "AWS throttled or failed the call on every attempt",
			"wait for it to pass (check the AWS Health Dashboard, and whether something else in the management account calls this API heavily)"
	case name == ErrControlTowerBusy:
		return "Control Tower was busy with another operation on every attempt",
			"let that operation finish (Control Tower console, Recent activities)"
	case name == ErrCloseLimited:
		return "Organizations was closing as many accounts as it closes at once on every attempt",
			"wait until the accounts being closed show SUSPENDED"
	case strings.HasPrefix(name, "Lambda."):
		return "Lambda could not run the step's function on every attempt",
			"check the function's errors and throttles in CloudWatch and Lambda on the AWS Health Dashboard"
	}
	return "the error persisted on every attempt", "remove its cause"
}

// publish puts a notification on the bus.
func (d *Deps) publish(ctx context.Context, n Notification) error {
	detail, err := json.Marshal(n)
	if err != nil {
		return stepErr(ErrFailed, "encode notification: %v", err)
	}
	out, err := d.Events.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String(schema.NotificationSource), DetailType: aws.String(schema.NotificationDetailType),
		Detail: aws.String(string(detail)), EventBusName: aws.String(d.Config.NotificationBus),
	}}})
	if err != nil {
		return awsErr("events:PutEvents", err)
	}
	if out.FailedEntryCount > 0 && len(out.Entries) > 0 {
		e := out.Entries[0]
		return stepErr(ErrTransient, "events:PutEvents refused the notification: %s: %s", aws.ToString(e.ErrorCode), aws.ToString(e.ErrorMessage))
	}
	return nil
}
