package vend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// maxOutstandingAssignments stays within Identity Center's limit of 10
// outstanding CreateAccountAssignment calls.
const maxOutstandingAssignments = 10

// AssignSSO makes the plan's Identity Center assignments (and removes the
// previous owner's, when asked). Each call moves every assignment one step:
// one that already exists is done; one not started is created (at most 10
// outstanding); one in progress is checked. The workflow calls it again after a
// short wait until Complete; then any failures fail the step with a report of
// what was and was not granted.
func (d *Deps) AssignSSO(ctx context.Context, doc *Doc) (*Doc, error) {
	log := d.logger(doc, "assignsso")
	plan := doc.Plan
	if doc.Access == nil {
		doc.Access = &AccessStatus{}
		for _, a := range plan.Grant {
			doc.Access.Items = append(doc.Access.Items, AssignmentStatus{Assignment: a, Status: "PENDING"})
		}
		for _, a := range plan.Revoke {
			doc.Access.Items = append(doc.Access.Items, AssignmentStatus{Assignment: a, Revoke: true, Status: "PENDING"})
		}
	}
	acc := doc.Access
	acc.Polls++
	if len(acc.Items) == 0 {
		acc.Complete = true
		return doc, nil
	}
	inst, err := d.identityCenter(ctx)
	if err != nil {
		return nil, err
	}
	outstanding := 0
	for i := range acc.Items {
		if acc.Items[i].Status == "IN_PROGRESS" {
			outstanding++
		}
	}
	for i := range acc.Items {
		it := &acc.Items[i]
		switch it.Status {
		case "SUCCEEDED", "FAILED":
			continue
		case "IN_PROGRESS":
			if err := d.checkAssignment(ctx, inst, it); err != nil {
				return nil, err
			}
			if it.Status != "IN_PROGRESS" {
				outstanding--
			}
		case "PENDING":
			if outstanding >= maxOutstandingAssignments {
				continue
			}
			if err := d.startAssignment(ctx, inst, doc.AccountID, it); err != nil {
				return nil, err
			}
			if it.Status == "IN_PROGRESS" {
				outstanding++
			}
		}
	}
	acc.Complete = true
	var failed, done []string
	for _, it := range acc.Items {
		switch it.Status {
		case "FAILED":
			failed = append(failed, fmt.Sprintf("%s (%s)", it.Assignment, it.Reason))
		case "SUCCEEDED":
			done = append(done, it.Assignment.String())
		default:
			acc.Complete = false
		}
	}
	if !acc.Complete {
		if acc.Polls >= d.Config.AccessPolls {
			return nil, stepErr(ErrTimeout, "Identity Center did not finish %d of %d assignments after %d checks; redrive to keep checking", len(acc.Items)-len(done)-len(failed), len(acc.Items), acc.Polls)
		}
		return doc, nil
	}
	if len(failed) > 0 {
		log.Warn("some assignments failed", "failed", len(failed), "succeeded", len(done))
		return nil, stepErr(ErrAccessFailed, "%d of %d assignments done (%s); failed: %s. Fix the cause, then redrive: towervend retries only the failed ones",
			len(done), len(acc.Items), strings.Join(done, ", "), strings.Join(failed, "; "))
	}
	log.Info("access assigned", "assignments", len(done))
	return doc, nil
}

func (d *Deps) startAssignment(ctx context.Context, inst *instance, accountID string, it *AssignmentStatus) error {
	if err := d.idcPacer().wait(ctx); err != nil {
		return err
	}
	exists, err := d.assignmentExists(ctx, inst, accountID, it.Assignment)
	if err != nil {
		return err
	}
	if exists != it.Revoke {
		it.Status = "SUCCEEDED" // already as wanted
		return nil
	}
	if err := d.idcPacer().wait(ctx); err != nil {
		return err
	}
	var status *ssotypes.AccountAssignmentOperationStatus
	if it.Revoke {
		out, err := d.SSO.DeleteAccountAssignment(ctx, &ssoadmin.DeleteAccountAssignmentInput{InstanceArn: aws.String(inst.arn),
			PermissionSetArn: aws.String(it.PermissionSetArn), PrincipalId: aws.String(it.PrincipalID),
			PrincipalType: ssotypes.PrincipalType(it.PrincipalType), TargetId: aws.String(accountID), TargetType: ssotypes.TargetTypeAwsAccount})
		if err != nil {
			return d.assignmentErr("sso:DeleteAccountAssignment", it, err)
		}
		status = out.AccountAssignmentDeletionStatus
	} else {
		out, err := d.SSO.CreateAccountAssignment(ctx, &ssoadmin.CreateAccountAssignmentInput{InstanceArn: aws.String(inst.arn),
			PermissionSetArn: aws.String(it.PermissionSetArn), PrincipalId: aws.String(it.PrincipalID),
			PrincipalType: ssotypes.PrincipalType(it.PrincipalType), TargetId: aws.String(accountID), TargetType: ssotypes.TargetTypeAwsAccount})
		if err != nil {
			return d.assignmentErr("sso:CreateAccountAssignment", it, err)
		}
		status = out.AccountAssignmentCreationStatus
	}
	apply(it, status)
	return nil
}

// assignmentErr leaves the item pending on a conflict or throttle (the next
// call tries again) and fails the item on a permanent error.
func (d *Deps) assignmentErr(op string, it *AssignmentStatus, err error) error {
	var conflict *ssotypes.ConflictException
	se := awsErr(op, err)
	if errors.As(err, &conflict) || se.Transient() {
		return nil
	}
	it.Status, it.Reason = "FAILED", se.Reason
	return nil
}

func (d *Deps) checkAssignment(ctx context.Context, inst *instance, it *AssignmentStatus) error {
	if err := d.idcPacer().wait(ctx); err != nil {
		return err
	}
	var status *ssotypes.AccountAssignmentOperationStatus
	if it.Revoke {
		out, err := d.SSO.DescribeAccountAssignmentDeletionStatus(ctx, &ssoadmin.DescribeAccountAssignmentDeletionStatusInput{
			InstanceArn: aws.String(inst.arn), AccountAssignmentDeletionRequestId: aws.String(it.RequestID)})
		if err != nil {
			return awsErr("sso:DescribeAccountAssignmentDeletionStatus", err)
		}
		status = out.AccountAssignmentDeletionStatus
	} else {
		out, err := d.SSO.DescribeAccountAssignmentCreationStatus(ctx, &ssoadmin.DescribeAccountAssignmentCreationStatusInput{
			InstanceArn: aws.String(inst.arn), AccountAssignmentCreationRequestId: aws.String(it.RequestID)})
		if err != nil {
			return awsErr("sso:DescribeAccountAssignmentCreationStatus", err)
		}
		status = out.AccountAssignmentCreationStatus
	}
	apply(it, status)
	return nil
}

func apply(it *AssignmentStatus, s *ssotypes.AccountAssignmentOperationStatus) {
	if s == nil {
		return
	}
	if s.RequestId != nil {
		it.RequestID = aws.ToString(s.RequestId)
	}
	switch s.Status {
	case ssotypes.StatusValuesSucceeded:
		it.Status = "SUCCEEDED"
	case ssotypes.StatusValuesFailed:
		it.Status, it.Reason = "FAILED", aws.ToString(s.FailureReason)
	default:
		it.Status = "IN_PROGRESS"
	}
}

func (d *Deps) assignmentExists(ctx context.Context, inst *instance, accountID string, a Assignment) (bool, error) {
	p := ssoadmin.NewListAccountAssignmentsPaginator(d.SSO, &ssoadmin.ListAccountAssignmentsInput{
		InstanceArn: aws.String(inst.arn), AccountId: aws.String(accountID), PermissionSetArn: aws.String(a.PermissionSetArn)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, awsErr("sso:ListAccountAssignments", err)
		}
		for _, x := range page.AccountAssignments {
			if aws.ToString(x.PrincipalId) == a.PrincipalID && string(x.PrincipalType) == a.PrincipalType {
				return true, nil
			}
		}
	}
	return false, nil
}
