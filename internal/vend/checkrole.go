package vend

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// ExecutionRoleName is the role Control Tower needs in every account it enrolls.
const ExecutionRoleName = "AWSControlTowerExecution"

// CheckRole assumes the account's AWSControlTowerExecution role before an
// enrollment, because Account Factory fails late (after minutes) and
// unhelpfully when the role is missing or does not trust the management account.
func (d *Deps) CheckRole(ctx context.Context, doc *Doc) (*Doc, error) {
	log := d.logger(doc, "checkrole")
	id := doc.AccountID
	mgmt, partition, err := d.managementAccount(ctx)
	if err != nil {
		return nil, err
	}
	arn := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, id, ExecutionRoleName)
	_, err = d.STS.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(arn),
		RoleSessionName: aws.String("towervend-" + sessionSafe(doc.Request.RequestID)),
		DurationSeconds: aws.Int32(900),
	})
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "AccessDenied" {
		log.Warn("execution role check failed", "accountId", id)
		return nil, &StepError{Name: ErrRoleMissing, Err: err, Reason: fmt.Sprintf(
			"account %s cannot be enrolled: the management account %s cannot assume %s, so the role is missing or does not trust it. "+
				"Fix: in account %s create the IAM role %s with the AWS managed policy AdministratorAccess and a trust policy allowing "+
				"arn:%s:iam::%s:root to call sts:AssumeRole (AWS's template: Control Tower guide, \"Enroll an existing AWS account\"), then redrive this request",
			id, mgmt, arn, id, ExecutionRoleName, partition, mgmt)}
	}
	if err != nil {
		return nil, awsErr("sts:AssumeRole", err)
	}
	log.Info("execution role assumed", "accountId", id)
	return doc, nil
}

// managementAccount returns the management account id and partition, from
// configuration or sts:GetCallerIdentity.
func (d *Deps) managementAccount(ctx context.Context) (id, partition string, err error) {
	if d.Config.ManagementAccountID != "" {
		return d.Config.ManagementAccountID, "aws", nil
	}
	out, err := d.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", "", awsErr("sts:GetCallerIdentity", err)
	}
	partition = "aws"
	if parts := strings.Split(aws.ToString(out.Arn), ":"); len(parts) > 1 {
		partition = parts[1]
	}
	return aws.ToString(out.Account), partition, nil
}

// sessionSafe keeps a role session name to [\w+=,.@-]{2,64}.
func sessionSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '_' || r == '-' || r == '.' || r == '@' || r == '=' || r == ',' || r == '+' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if len(out) > 50 {
		out = out[:50]
	}
	return out
}
