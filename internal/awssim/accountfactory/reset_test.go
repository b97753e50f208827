package accountfactory_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/accountfactory"
	"github.com/towervend/towervend/internal/clock"
)

const (
	rsEnrollment = 25 * time.Minute // the demo world's enrollmentTime
	rsWklProd    = "ou-nw7k-wklprod1"
	rsStorefront = "729384756102" // Workloads/Prod, enrolled
)

// rsSim is the demo world without auto-enrollment (a move enrolls nothing)
// and without spread, so a reset takes exactly the world's enrollmentTime.
func rsSim(t *testing.T, edit func(*awssim.World)) (*awssim.Sim, *clock.Virtual) {
	t.Helper()
	return newTestSim(t, func(w *awssim.World) {
		w.ControlTower.Spread = 0
		if edit != nil {
			edit(w)
		}
	})
}

// ouBaseline is the OU's own enabled baseline, as ListEnabledBaselines lists it.
func (c aeClients) ouBaseline(t *testing.T, s *awssim.Sim, ou string) cttypes.EnabledBaselineSummary {
	t.Helper()
	found := c.baselines(t, &cttypes.EnabledBaselineFilter{TargetIdentifiers: []string{s.OUArn(ou)}})
	require.Len(t, found, 1, "OU %s is registered", ou)
	return found[0]
}

// reset calls ResetEnabledBaseline on the OU's enabled baseline and returns
// the operation's identifier.
func (c aeClients) reset(t *testing.T, s *awssim.Sim, ou string) (string, error) {
	t.Helper()
	out, err := c.ct.ResetEnabledBaseline(context.Background(), &controltower.ResetEnabledBaselineInput{
		EnabledBaselineIdentifier: c.ouBaseline(t, s, ou).Arn})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.OperationIdentifier), nil
}

// baselineOp is GetBaselineOperation's answer for the operation id.
func (c aeClients) baselineOp(t *testing.T, id string) *cttypes.BaselineOperation {
	t.Helper()
	out, err := c.ct.GetBaselineOperation(context.Background(), &controltower.GetBaselineOperationInput{OperationIdentifier: aws.String(id)})
	require.NoError(t, err)
	return out.BaselineOperation
}

// rsConflict asserts that err is the ConflictException (HTTP 409) and returns its message.
func rsConflict(t *testing.T, err error) string {
	t.Helper()
	var conflict *cttypes.ConflictException
	require.ErrorAs(t, err, &conflict)
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusConflict, re.HTTPStatusCode())
	return conflict.ErrorMessage()
}

func TestResetEnabledBaselineEnrollsTheAccountsMovedIntoAnOU(t *testing.T) {
	s, clk := rsSim(t, nil)
	c := aeClientsOf(s)
	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	c.move(t, aeMarketing, aeRoot, aeEnrollment)
	require.Nil(t, c.child(t, s, aeAcquired), "without auto-enrollment a move does nothing")
	require.Nil(t, c.child(t, s, aeMarketing))

	id, err := c.reset(t, s, aeEnrollment)
	require.NoError(t, err)
	started := s.Clock().Now()
	op := c.baselineOp(t, id)
	assert.Equal(t, cttypes.BaselineOperationTypeResetEnabledBaseline, op.OperationType)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, op.Status)
	assert.Equal(t, started, aws.ToTime(op.StartTime))
	assert.Nil(t, op.EndTime)

	parent := c.ouBaseline(t, s, aeEnrollment)
	assert.Equal(t, cttypes.EnablementStatusUnderChange, parent.StatusSummary.Status, "the OU's own baseline is under change too")
	assert.Equal(t, id, aws.ToString(parent.StatusSummary.LastOperationIdentifier))
	assert.ElementsMatch(t, []string{s.AccountArn(aeAcquired), s.AccountArn(aeMarketing)}, c.inFlightOn(t, s, aeEnrollment))
	for _, acct := range []string{aeAcquired, aeMarketing} {
		b := c.child(t, s, acct)
		require.NotNil(t, b)
		assert.Equal(t, aws.ToString(parent.Arn), aws.ToString(b.ParentIdentifier))
		assert.Equal(t, id, aws.ToString(b.StatusSummary.LastOperationIdentifier))
	}
	under := c.baselines(t, &cttypes.EnabledBaselineFilter{Statuses: []cttypes.EnablementStatus{cttypes.EnablementStatusUnderChange}})
	assert.Len(t, under, 3, "the OU and its two accounts, nothing else")
	running, _, _ := s.AccountOperations()
	assert.Zero(t, running, "a reset is an OU operation: it takes no account operation")

	clk.Advance(rsEnrollment - time.Second)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.baselineOp(t, id).Status, "the world's enrollmentTime")
	assert.False(t, ctAccount(s, aeAcquired).Enrolled)
	clk.Advance(time.Second)
	op = c.baselineOp(t, id)
	assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, op.Status)
	assert.Equal(t, started.Add(rsEnrollment), aws.ToTime(op.EndTime))
	assert.Empty(t, aws.ToString(op.StatusMessage))
	for _, acct := range []string{aeAcquired, aeMarketing} {
		assert.True(t, ctAccount(s, acct).Enrolled, acct)
		assert.Equal(t, cttypes.EnablementStatusSucceeded, c.child(t, s, acct).StatusSummary.Status, acct)
	}
	assert.Equal(t, cttypes.EnablementStatusSucceeded, c.ouBaseline(t, s, aeEnrollment).StatusSummary.Status)
	assert.Empty(t, c.inFlightOn(t, s, aeEnrollment))
	_, err = sts.NewFromConfig(testConfig(s)).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + aeAcquired + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("check")})
	assert.NoError(t, err, "Control Tower deployed its role in the account that had none")
	assert.Nil(t, c.child(t, s, aePayments).StatusSummary.LastOperationIdentifier, "another OU's accounts are untouched")
}

func TestResetEnabledBaselineConflicts(t *testing.T) {
	t.Run("one OU operation at a time, on any OU", func(t *testing.T) {
		s, clk := rsSim(t, nil)
		c := aeClientsOf(s)
		first, err := c.reset(t, s, aeEnrollment)
		require.NoError(t, err)
		_, err = c.reset(t, s, aeNonProd)
		msg := rsConflict(t, err)
		assert.Contains(t, msg, first, "naming the operation in progress")
		assert.Contains(t, msg, "one OU operation at a time")
		_, err = c.reset(t, s, aeEnrollment)
		rsConflict(t, err)

		clk.Advance(rsEnrollment)
		second, err := c.reset(t, s, aeNonProd)
		require.NoError(t, err, "once the first has finished")
		assert.NotEqual(t, first, second)
	})
	t.Run("a move account operation on the OU", func(t *testing.T) {
		s, _ := aeSim(t, nil)
		c := aeClientsOf(s)
		c.move(t, aeAcquired, aeRoot, aeEnrollment)
		move := c.operation(t, s, aeAcquired)
		_, err := c.reset(t, s, aeEnrollment)
		msg := rsConflict(t, err)
		assert.Contains(t, msg, aws.ToString(move.OperationIdentifier))
		assert.Contains(t, msg, "move account operation")
		assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.operation(t, s, aeAcquired).Status, "the move goes on")
		_, err = c.reset(t, s, aeNonProd)
		assert.NoError(t, err, "another OU has no move in progress")
	})
	t.Run("Control Tower busy", func(t *testing.T) {
		s, _ := rsSim(t, func(w *awssim.World) {
			w.Faults.ControlTowerBusy = []awssim.Window{{From: 0, Until: awssim.Duration(time.Hour)}}
		})
		_, err := aeClientsOf(s).reset(t, s, aeEnrollment)
		assert.Contains(t, rsConflict(t, err), "another AWS Control Tower operation is in progress")
	})
}

// With auto-enrollment on, a reset holds its OU as a move does.
func TestResetEnabledBaselineHoldsTheOU(t *testing.T) {
	s, clk := aeSim(t, nil)
	c := aeClientsOf(s)
	id, err := c.reset(t, s, rsWklProd)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{s.AccountArn(aePayments), s.AccountArn(rsStorefront)}, c.inFlightOn(t, s, rsWklProd),
		"enrolled accounts have their baseline re-applied too")

	c.move(t, aeAcquired, aeRoot, rsWklProd)
	refused := c.operation(t, s, aeAcquired)
	assert.Equal(t, cttypes.BaselineOperationStatusFailed, refused.Status, "a move into the OU is refused at once")
	assert.Contains(t, aws.ToString(refused.StatusMessage), "ResetEnabledBaseline operation ("+id+") is in progress on that OU")
	_, _, n := s.AccountOperations()
	assert.Equal(t, 1, n)

	sc := catalogClient(s)
	rec := catalogProvision(t, sc, catalogFindAF(t, sc), "during-reset", "during-reset", "aws+during-reset@northwind.example", "Prod ("+rsWklProd+")")
	clk.Advance(accountfactory.StartDelay)
	out := catalogRecord(t, sc, aws.ToString(rec.RecordId))
	assert.Equal(t, "FAILED", string(out.RecordDetail.Status), "Account Factory's operations on the OU conflict")
	assert.Contains(t, aws.ToString(ctRecordError(t, out).Description), "ResetEnabledBaseline operation ("+id+")")

	c.move(t, aePayments, rsWklProd, aeNonProd)
	update := c.operation(t, s, aePayments)
	assert.Equal(t, cttypes.BaselineOperationTypeUpdateEnabledBaseline, update.OperationType, "a move out is auto-enrollment's")
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.baselineOp(t, id).Status, "the reset goes on without it")

	clk.Advance(rsEnrollment)
	assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, c.baselineOp(t, id).Status)
	assert.Equal(t, id, aws.ToString(c.child(t, s, rsStorefront).StatusSummary.LastOperationIdentifier))
	assert.Equal(t, aws.ToString(update.OperationIdentifier), aws.ToString(c.child(t, s, aePayments).StatusSummary.LastOperationIdentifier))
	assert.True(t, ctAccount(s, aePayments).Enrolled)
}

func TestResetEnabledBaselineFailsTheAccountsItCannotEnroll(t *testing.T) {
	cases := []struct {
		name, account, from string
		edit                func(*awssim.World)
		want                string
		retried             cttypes.BaselineOperationStatus
	}{
		{"role that does not trust the management account", aeDataLake, "ou-nw7k-leg00001", nil,
			"AWSControlTowerExecution role does not trust the management account 111122223333", cttypes.BaselineOperationStatusFailed},
		{"suspended account", aeOldMarketer, "ou-nw7k-sus00001", nil, "This account has been suspended", cttypes.BaselineOperationStatusFailed},
		{"injected fault", aeMarketing, aeRoot, func(w *awssim.World) { w.Faults.FailProvisioning = []string{"marketing-analytics"} },
			"could not apply the AWSControlTowerBaseline to account " + aeMarketing, cttypes.BaselineOperationStatusSucceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := rsSim(t, tc.edit)
			c := aeClientsOf(s)
			c.move(t, tc.account, tc.from, aeEnrollment)
			c.move(t, aeAcquired, aeRoot, aeEnrollment)
			id, err := c.reset(t, s, aeEnrollment)
			require.NoError(t, err)
			clk.Advance(rsEnrollment)

			op := c.baselineOp(t, id)
			assert.Equal(t, cttypes.BaselineOperationStatusFailed, op.Status)
			msg := aws.ToString(op.StatusMessage)
			assert.Contains(t, msg, "1 of the 2 accounts")
			assert.Contains(t, msg, "Account "+tc.account+" (")
			assert.Contains(t, msg, tc.want)
			assert.NotContains(t, msg, aeAcquired, "the account that succeeded is not named")
			assert.Equal(t, cttypes.EnablementStatusFailed, c.child(t, s, tc.account).StatusSummary.Status)
			assert.False(t, ctAccount(s, tc.account).Enrolled)
			assert.Equal(t, cttypes.EnablementStatusSucceeded, c.child(t, s, aeAcquired).StatusSummary.Status, "the others succeed")
			assert.True(t, ctAccount(s, aeAcquired).Enrolled)
			assert.Equal(t, cttypes.EnablementStatusSucceeded, c.ouBaseline(t, s, aeEnrollment).StatusSummary.Status, "the OU stays registered")

			again, err := c.reset(t, s, aeEnrollment)
			require.NoError(t, err, "a failed reset is retried by another")
			assert.Equal(t, cttypes.EnablementStatusUnderChange, c.child(t, s, tc.account).StatusSummary.Status)
			clk.Advance(rsEnrollment)
			assert.Equal(t, tc.retried, c.baselineOp(t, again).Status)
			assert.Equal(t, tc.retried == cttypes.BaselineOperationStatusSucceeded, ctAccount(s, tc.account).Enrolled)
		})
	}
}

// An account moved out of the OU while the reset runs is left as it is.
func TestResetEnabledBaselineLeavesAccountsMovedOut(t *testing.T) {
	s, clk := rsSim(t, nil)
	c := aeClientsOf(s)
	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	c.move(t, aeMarketing, aeRoot, aeEnrollment)
	id, err := c.reset(t, s, aeEnrollment)
	require.NoError(t, err)
	clk.Advance(10 * time.Minute)
	c.move(t, aeMarketing, aeEnrollment, aeRoot)
	clk.Advance(rsEnrollment)

	assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, c.baselineOp(t, id).Status)
	assert.True(t, ctAccount(s, aeAcquired).Enrolled)
	assert.False(t, ctAccount(s, aeMarketing).Enrolled)
	assert.Nil(t, c.child(t, s, aeMarketing), "the reset's baseline on it is dropped")
}

func TestResetEnabledBaselineRefusals(t *testing.T) {
	s, _ := rsSim(t, nil)
	c := aeClientsOf(s)
	ctx := context.Background()
	reset := func(arn string) error {
		_, err := c.ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: aws.String(arn)})
		return err
	}

	t.Run("an account's child baseline", func(t *testing.T) {
		child := c.child(t, s, aePayments)
		require.NotNil(t, child)
		err := reset(aws.ToString(child.Arn))
		var invalid *cttypes.ValidationException
		require.ErrorAs(t, err, &invalid)
		assert.Contains(t, invalid.ErrorMessage(), "re-enables an organizational unit's enabled baseline")
		assert.Contains(t, invalid.ErrorMessage(), aws.ToString(c.ouBaseline(t, s, rsWklProd).Arn), "naming the OU's to reset instead")
		assert.Contains(t, invalid.ErrorMessage(), rsWklProd)
	})
	t.Run("an ARN no enabled baseline has", func(t *testing.T) {
		for _, arn := range []string{
			"arn:aws:controltower:" + s.Region() + ":" + s.ManagementAccountID() + ":enabledbaseline/XONOSUCHBASELINE",
			"arn:aws:controltower:" + s.Region() + ":" + s.ManagementAccountID() + ":enabledbaseline/XONW7KLEG00001", // Legacy, unregistered
		} {
			err := reset(arn)
			var missing *cttypes.ResourceNotFoundException
			require.ErrorAs(t, err, &missing, arn)
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, http.StatusNotFound, re.HTTPStatusCode())
		}
	})
	t.Run("not an ARN", func(t *testing.T) {
		var invalid *cttypes.ValidationException
		require.ErrorAs(t, reset("enabledbaseline/XO1"), &invalid)
		assert.Contains(t, invalid.ErrorMessage(), "enabledBaselineIdentifier")
	})
	t.Run("a landing zone before 3.0", func(t *testing.T) {
		old, _ := rsSim(t, func(w *awssim.World) { w.ControlTower.LandingZoneVersion = "2.9" })
		_, err := aeClientsOf(old).ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{
			EnabledBaselineIdentifier: c.ouBaseline(t, s, aeEnrollment).Arn})
		var invalid *cttypes.ValidationException
		require.ErrorAs(t, err, &invalid)
		assert.Contains(t, invalid.ErrorMessage(), "landing zone version 3.0 or later")
	})
	t.Run("authorized on the enabled baseline", func(t *testing.T) {
		key, err := s.AddRole("Resetter")
		require.NoError(t, err)
		ct := controltower.NewFromConfig(withRetries(s.ConfigAs(key), 1))
		arn := c.ouBaseline(t, s, aeEnrollment).Arn
		_, err = ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: arn})
		var denied *cttypes.AccessDeniedException
		require.ErrorAs(t, err, &denied)
		assert.Contains(t, denied.ErrorMessage(), "controltower:ResetEnabledBaseline")
		assert.Contains(t, denied.ErrorMessage(), aws.ToString(arn))
	})
}

func TestResetEnabledBaselineSurvivesASnapshot(t *testing.T) {
	s, clk := rsSim(t, nil)
	c := aeClientsOf(s)
	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	id, err := c.reset(t, s, aeEnrollment)
	require.NoError(t, err)
	clk.Advance(10 * time.Minute)
	var snap bytes.Buffer
	require.NoError(t, s.Snapshot(&snap))

	at, err := awssim.SnapshotTime(snap.Bytes())
	require.NoError(t, err)
	clk2 := clock.NewVirtual(at, 0)
	restored, err := awssim.Restore(&snap, awssim.Options{Clock: clk2})
	require.NoError(t, err)
	rc := aeClientsOf(restored)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, rc.baselineOp(t, id).Status)
	_, err = rc.reset(t, restored, aeNonProd)
	rsConflict(t, err)
	clk2.Advance(rsEnrollment - 10*time.Minute)
	assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, rc.baselineOp(t, id).Status)
	assert.True(t, ctAccount(restored, aeAcquired).Enrolled)
}
