package sts_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
)

const stsTestVendingSession = "arn:aws:sts::111122223333:assumed-role/towervend-vending/awssim"

func stsTestRole(account string) *string {
	return aws.String("arn:aws:iam::" + account + ":role/AWSControlTowerExecution")
}

// stsTestCode returns the AWS error code of err, or "" when it is not an API error.
func stsTestCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// stsTestConfigFor is an SDK config signing with credentials AssumeRole returned.
func stsTestConfigFor(s *awssim.Sim, out *sts.AssumeRoleOutput) aws.Config {
	cfg := withRetries(s.Config(), 1)
	c := out.Credentials
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	return cfg
}

func TestSTSGetCallerIdentity(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	tests := []struct {
		name, key, arn string
	}{
		{"towervend's role", "AKIATOWERVEND0000001", stsTestVendingSession},
		{"the auditor's role", "AKIAAUDITOR000000001", "arn:aws:sts::111122223333:assumed-role/SecurityAuditor/awssim"},
		{"an unknown key acts as the first principal", "AKIAUNKNOWN000000000", stsTestVendingSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := sts.NewFromConfig(withRetries(s.ConfigAs(tt.key), 1)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			require.NoError(t, err)
			assert.Equal(t, "111122223333", aws.ToString(out.Account))
			assert.Equal(t, tt.arn, aws.ToString(out.Arn))
			assert.Regexp(t, `^AROA[A-Z0-9]{17}:awssim$`, aws.ToString(out.UserId))
		})
	}
}

func TestSTSAssumeRole(t *testing.T) {
	s, clk := newTestSim(t, func(w *awssim.World) {
		// Give the suspended account a trusted role, so only its status can refuse the session.
		w.Organization.OrganizationalUnits[6].Accounts[0].ExecutionRole = awssim.RoleTrusted
	})
	ctx := context.Background()
	client := sts.NewFromConfig(testConfig(s))

	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("towervend-enroll")})
	require.NoError(t, err)
	c := out.Credentials
	assert.Regexp(t, `^ASIA[A-Z0-9]{16}$`, aws.ToString(c.AccessKeyId))
	assert.Len(t, aws.ToString(c.SecretAccessKey), 40)
	assert.NotEmpty(t, aws.ToString(c.SessionToken))
	assert.True(t, clk.Now().Add(time.Hour).Equal(aws.ToTime(c.Expiration)), "the default session lasts an hour")
	assert.Equal(t, "arn:aws:sts::618273645091:assumed-role/AWSControlTowerExecution/towervend-enroll", aws.ToString(out.AssumedRoleUser.Arn))
	assert.Regexp(t, `^AROA[A-Z0-9]{17}:towervend-enroll$`, aws.ToString(out.AssumedRoleUser.AssumedRoleId))

	again, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("second"), DurationSeconds: aws.Int32(900)})
	require.NoError(t, err)
	assert.NotEqual(t, aws.ToString(c.AccessKeyId), aws.ToString(again.Credentials.AccessKeyId))
	assert.Equal(t, strings.Split(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":")[0], strings.Split(aws.ToString(again.AssumedRoleUser.AssumedRoleId), ":")[0],
		"a role keeps its id")
	assert.True(t, clk.Now().Add(15*time.Minute).Equal(aws.ToTime(again.Credentials.Expiration)))

	t.Run("the credentials act as the session", func(t *testing.T) {
		member := stsTestConfigFor(s, out)
		who, err := sts.NewFromConfig(member).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		require.NoError(t, err)
		assert.Equal(t, orgTestPaymentsPrd, aws.ToString(who.Account))
		assert.Equal(t, aws.ToString(out.AssumedRoleUser.Arn), aws.ToString(who.Arn))
		assert.Equal(t, aws.ToString(out.AssumedRoleUser.AssumedRoleId), aws.ToString(who.UserId))

		_, err = organizations.NewFromConfig(member).ListAccounts(ctx, &organizations.ListAccountsInput{})
		var denied *orgtypes.AccessDeniedException
		assert.ErrorAs(t, err, &denied, "a member account's session cannot list the organization")

		_, err = sts.NewFromConfig(member).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: stsTestRole("729384756102"), RoleSessionName: aws.String("hop")})
		assert.Equal(t, "AccessDenied", stsTestCode(err), "the role trusts the management account, not its peers")
	})

	denied := func(account, role string) (string, string) {
		return "arn:aws:iam::" + account + ":role/" + role,
			"User: " + stsTestVendingSession + " is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::" + account + ":role/" + role
	}
	tests := []struct {
		name, account, role string
	}{
		{"role trusts another account", orgTestDataLake, "AWSControlTowerExecution"},
		{"role missing", orgTestAcquired, "AWSControlTowerExecution"},
		{"account suspended", orgTestSuspended, "AWSControlTowerExecution"},
		{"other role names do not exist", orgTestPaymentsPrd, "OrganizationAccountAccessRole"},
		{"account outside the organization", orgTestMissingAcct, "AWSControlTowerExecution"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arn, msg := denied(tt.account, tt.role)
			out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("towervend-check")})
			require.Error(t, err)
			assert.Nil(t, out)
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "AccessDenied", ae.ErrorCode())
			assert.Equal(t, msg, ae.ErrorMessage())
		})
	}

	t.Run("closing accounts refuse sessions", func(t *testing.T) {
		_, err := organizations.NewFromConfig(testConfig(s)).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(orgTestPaymentsPrd)})
		require.NoError(t, err)
		_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("late")})
		assert.Equal(t, "AccessDenied", stsTestCode(err))
	})
}

func TestSTSAssumeRoleValidation(t *testing.T) {
	s, _ := newTestSim(t, func(w *awssim.World) {
		w.Principals = append(w.Principals, awssim.PrincipalSpec{AccessKeyID: "AKIAADMINUSER0000001", Arn: "arn:aws:iam::111122223333:user/admin"})
	})
	ctx := context.Background()
	asRole := sts.NewFromConfig(testConfig(s))
	asUser := sts.NewFromConfig(withRetries(s.ConfigAs("AKIAADMINUSER0000001"), 1))

	tests := []struct {
		name   string
		client *sts.Client
		in     *sts.AssumeRoleInput
		msg    string
	}{
		{"not an ARN", asRole, &sts.AssumeRoleInput{RoleArn: aws.String("AWSControlTowerExecution-618273645091"), RoleSessionName: aws.String("s1")},
			"Request ARN is invalid"},
		{"a user, not a role", asRole, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::618273645091:user/admin"), RoleSessionName: aws.String("s1")},
			"Request ARN is invalid"},
		{"ARN too short", asRole, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:r"), RoleSessionName: aws.String("s1")},
			"1 validation error detected: Value 'arn:aws:iam::1:r' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"},
		{"session name with a slash", asRole, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("towervend/enroll")},
			`1 validation error detected: Value 'towervend/enroll' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"session name of one character", asRole, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("x")},
			"1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"session name of 65 characters", asRole, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String(strings.Repeat("s", 65))},
			"1 validation error detected: Value '" + strings.Repeat("s", 65) + "' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"duration under 15 minutes", asRole, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)},
			"1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"duration over 12 hours", asUser, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)},
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"two hours by role chaining", asRole, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)},
			"The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."},
		{"two hours from a user", asUser, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)},
			"The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.AssumeRole(ctx, tt.in)
			var ae smithy.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, "ValidationError", ae.ErrorCode())
			assert.Equal(t, tt.msg, ae.ErrorMessage())
		})
	}

	out, err := asUser.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("admin@northwind.example"), DurationSeconds: aws.Int32(3600)})
	require.NoError(t, err, "an hour is every simulated role's MaxSessionDuration")
	assert.Equal(t, "arn:aws:sts::618273645091:assumed-role/AWSControlTowerExecution/admin@northwind.example", aws.ToString(out.AssumedRoleUser.Arn))
}

func TestSTSAssumeRoleOfWorldPrincipal(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	out, err := sts.NewFromConfig(withRetries(s.ConfigAs("AKIAAUDITOR000000001"), 1)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111122223333:role/towervend-vending"), RoleSessionName: aws.String("debug")})
	require.NoError(t, err, "the world's roles trust their own account")
	who, err := sts.NewFromConfig(stsTestConfigFor(s, out)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, "arn:aws:sts::111122223333:assumed-role/towervend-vending/debug", aws.ToString(who.Arn))
	vending, err := sts.NewFromConfig(testConfig(s)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)
	assert.Equal(t, strings.Split(aws.ToString(vending.UserId), ":")[0], strings.Split(aws.ToString(who.UserId), ":")[0], "same role, same role id")
}

func TestSTSRetriesThrottling(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	s.SetFaults(awssim.Faults{Throttle: map[string]float64{"sts": 0.3}})
	client := sts.NewFromConfig(withRetries(s.Config(), 10))
	const calls = 20
	for range calls {
		out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: stsTestRole(orgTestPaymentsPrd), RoleSessionName: aws.String("retry")})
		require.NoError(t, err)
		assert.NotEmpty(t, aws.ToString(out.Credentials.AccessKeyId))
	}
	assert.Greater(t, s.Calls()["sts"]["AssumeRole"], calls, "throttled calls were retried")

	s.SetFaults(awssim.Faults{Throttle: map[string]float64{"sts": 1}})
	_, err := sts.NewFromConfig(withRetries(s.Config(), 1)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	assert.Equal(t, "Throttling", stsTestCode(err), "without retries the throttling shows")
}
