package accountfactory_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	cttypes "github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/accountfactory"
	"github.com/towervend/towervend/internal/clock"
)

const (
	aeRoot        = "r-nw7k"
	aeEnrollment  = "ou-nw7k-enr00001" // registered, empty
	aeNonProd     = "ou-nw7k-wklnonp1"
	aePayments    = "618273645091" // Workloads/Prod, enrolled
	aeAcquired    = "604829118370" // Root, invited, no AWSControlTowerExecution role
	aeMarketing   = "730335518842" // Root, invited, trusted role
	aeDataLake    = "163728394051" // Legacy, untrusted role
	aeOldMarketer = "174839405162" // Suspended OU, SUSPENDED
)

// aeSim is the demo world with auto-enrollment on and no spread, so every
// operation takes exactly the world's time.
func aeSim(t *testing.T, edit func(*awssim.World)) (*awssim.Sim, *clock.Virtual) {
	t.Helper()
	return newTestSim(t, func(w *awssim.World) {
		w.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"}
		w.ControlTower.Spread = 0
		if edit != nil {
			edit(w)
		}
	})
}

type aeClients struct {
	org *organizations.Client
	ct  *controltower.Client
}

func aeClientsOf(s *awssim.Sim) aeClients {
	cfg := withRetries(s.Config(), 1)
	return aeClients{org: organizations.NewFromConfig(cfg), ct: controltower.NewFromConfig(cfg)}
}

// move is Organizations MoveAccount, which must succeed.
func (c aeClients) move(t *testing.T, account, from, to string) {
	t.Helper()
	_, err := c.org.MoveAccount(context.Background(), &organizations.MoveAccountInput{AccountId: aws.String(account),
		SourceParentId: aws.String(from), DestinationParentId: aws.String(to)})
	require.NoError(t, err)
}

// baselines pages through ListEnabledBaselines with children.
func (c aeClients) baselines(t *testing.T, filter *cttypes.EnabledBaselineFilter) []cttypes.EnabledBaselineSummary {
	t.Helper()
	var out []cttypes.EnabledBaselineSummary
	p := controltower.NewListEnabledBaselinesPaginator(c.ct, &controltower.ListEnabledBaselinesInput{IncludeChildren: true, Filter: filter, MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		require.NoError(t, err)
		out = append(out, page.EnabledBaselines...)
	}
	return out
}

// child is the account's enabled baseline, or nil.
func (c aeClients) child(t *testing.T, s *awssim.Sim, account string) *cttypes.EnabledBaselineSummary {
	t.Helper()
	found := c.baselines(t, &cttypes.EnabledBaselineFilter{TargetIdentifiers: []string{s.AccountArn(account)}})
	require.LessOrEqual(t, len(found), 1)
	if len(found) == 0 {
		return nil
	}
	return &found[0]
}

// operation is GetBaselineOperation's answer for the account's last operation.
func (c aeClients) operation(t *testing.T, s *awssim.Sim, account string) *cttypes.BaselineOperation {
	t.Helper()
	b := c.child(t, s, account)
	require.NotNil(t, b, "account %s has an enabled baseline", account)
	out, err := c.ct.GetBaselineOperation(context.Background(), &controltower.GetBaselineOperationInput{OperationIdentifier: b.StatusSummary.LastOperationIdentifier})
	require.NoError(t, err)
	return out.BaselineOperation
}

// inFlightOn lists the accounts Control Tower is working on under an OU, the
// way a gate asks: children of the OU's enabled baseline that are UNDER_CHANGE.
func (c aeClients) inFlightOn(t *testing.T, s *awssim.Sim, ou string) []string {
	t.Helper()
	parent := ""
	for _, b := range c.baselines(t, &cttypes.EnabledBaselineFilter{TargetIdentifiers: []string{s.OUArn(ou)}}) {
		parent = aws.ToString(b.Arn)
	}
	require.NotEmpty(t, parent, "OU %s is registered", ou)
	var accounts []string
	for _, b := range c.baselines(t, &cttypes.EnabledBaselineFilter{ParentIdentifiers: []string{parent},
		Statuses: []cttypes.EnablementStatus{cttypes.EnablementStatusUnderChange}}) {
		accounts = append(accounts, aws.ToString(b.TargetIdentifier))
	}
	return accounts
}

func TestAutoEnrollmentEnrollsANewAccountMovedIntoARegisteredOU(t *testing.T) {
	s, clk := aeSim(t, nil)
	c := aeClientsOf(s)
	ctx := context.Background()

	lz, err := c.ct.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
	require.NoError(t, err)
	got, err := c.ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: lz.LandingZones[0].Arn})
	require.NoError(t, err)
	assert.Equal(t, []cttypes.RemediationType{cttypes.RemediationTypeInheritanceDrift}, got.LandingZone.RemediationTypes)

	created, err := c.org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("auto-one"), Email: aws.String("aws+auto-one@northwind.example")})
	require.NoError(t, err)
	clk.Advance(3 * time.Minute)
	st, err := c.org.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: created.CreateAccountStatus.Id})
	require.NoError(t, err)
	require.Equal(t, orgtypes.CreateAccountStateSucceeded, st.CreateAccountStatus.State)
	id := aws.ToString(st.CreateAccountStatus.AccountId)
	require.Equal(t, aeRoot, ctAccount(s, id).ParentID, "CreateAccount puts new accounts in the root")
	require.Equal(t, awssim.RoleMissing, ctAccount(s, id).ExecutionRole, "no RoleName AWSControlTowerExecution: no role")
	assert.Nil(t, c.child(t, s, id), "an account in the root has no baseline")

	c.move(t, id, aeRoot, aeEnrollment)
	moved := s.Clock().Now()
	b := c.child(t, s, id)
	require.NotNil(t, b, "Control Tower starts at once")
	assert.Equal(t, cttypes.EnablementStatusUnderChange, b.StatusSummary.Status)
	assert.Equal(t, s.ControlTowerBaselineARN(), aws.ToString(b.BaselineIdentifier))
	assert.Equal(t, "arn:aws:organizations::111122223333:account/o-nw7k2m4q9x/"+id, aws.ToString(b.TargetIdentifier))
	assert.NotEmpty(t, aws.ToString(b.ParentIdentifier))
	assert.Equal(t, []string{s.AccountArn(id)}, c.inFlightOn(t, s, aeEnrollment))
	op := c.operation(t, s, id)
	assert.Equal(t, cttypes.BaselineOperationTypeEnableBaseline, op.OperationType)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, op.Status)
	assert.Equal(t, moved, aws.ToTime(op.StartTime))
	assert.Nil(t, op.EndTime)
	assert.False(t, ctAccount(s, id).Enrolled)
	running, _, _ := s.AccountOperations()
	assert.Equal(t, 1, running, "the enrollment takes one of Control Tower's account operations")

	clk.Advance(25*time.Minute - time.Second)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.operation(t, s, id).Status, "the world's enrollmentTime")
	clk.Advance(time.Second)
	op = c.operation(t, s, id)
	assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, op.Status)
	assert.Equal(t, moved.Add(25*time.Minute), aws.ToTime(op.EndTime))
	assert.Equal(t, cttypes.EnablementStatusSucceeded, c.child(t, s, id).StatusSummary.Status)
	assert.Empty(t, c.inFlightOn(t, s, aeEnrollment))
	assert.True(t, ctAccount(s, id).Enrolled)
	_, err = sts.NewFromConfig(testConfig(s)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/AWSControlTowerExecution"), RoleSessionName: aws.String("check")})
	assert.NoError(t, err, "Control Tower deployed its role")
	running, _, _ = s.AccountOperations()
	assert.Zero(t, running)

	assert.Empty(t, catalogSearch(t, catalogClient(s), "physicalId:"+id), "auto-enrollment makes no provisioned product")
	assert.Empty(t, ctLifecycleEvents(t, s), "and no lifecycle event")
}

func TestAutoEnrollmentMovesOfEnrolledAccounts(t *testing.T) {
	t.Run("between registered OUs: an update, the account stays enrolled", func(t *testing.T) {
		s, clk := aeSim(t, nil)
		c := aeClientsOf(s)
		c.move(t, aePayments, "ou-nw7k-wklprod1", aeNonProd)
		op := c.operation(t, s, aePayments)
		assert.Equal(t, cttypes.BaselineOperationTypeUpdateEnabledBaseline, op.OperationType)
		assert.Equal(t, []string{s.AccountArn(aePayments)}, c.inFlightOn(t, s, aeNonProd))
		assert.True(t, ctAccount(s, aePayments).Enrolled)
		clk.Advance(15 * time.Minute) // the world's updateTime
		assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, c.operation(t, s, aePayments).Status)
		assert.True(t, ctAccount(s, aePayments).Enrolled)
	})

	for _, out := range []struct{ name, to string }{{"to an unregistered OU", "ou-nw7k-leg00001"}, {"to the root", aeRoot}} {
		t.Run(out.name+": unenrolled, its baseline removed", func(t *testing.T) {
			s, clk := aeSim(t, nil)
			c := aeClientsOf(s)
			c.move(t, aePayments, "ou-nw7k-wklprod1", out.to)
			b := c.child(t, s, aePayments)
			require.NotNil(t, b)
			assert.Equal(t, cttypes.EnablementStatusUnderChange, b.StatusSummary.Status)
			assert.Equal(t, []string{s.AccountArn(aePayments)}, c.inFlightOn(t, s, "ou-nw7k-wklprod1"), "shown under the OU it left")
			op := c.operation(t, s, aePayments)
			assert.Equal(t, cttypes.BaselineOperationTypeDisableBaseline, op.OperationType)
			running, _, _ := s.AccountOperations()
			assert.Zero(t, running, "an unenrollment takes no account operation")
			opID := aws.ToString(b.StatusSummary.LastOperationIdentifier)

			clk.Advance(10 * time.Minute) // the world's terminateTime
			assert.Nil(t, c.child(t, s, aePayments), "the baseline is gone")
			assert.False(t, ctAccount(s, aePayments).Enrolled)
			done, err := c.ct.GetBaselineOperation(context.Background(), &controltower.GetBaselineOperationInput{OperationIdentifier: aws.String(opID)})
			require.NoError(t, err, "the operation stays describable")
			assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, done.BaselineOperation.Status)
		})
	}
}

func TestAutoEnrollmentFailures(t *testing.T) {
	cases := []struct {
		name, account, from string
		edit                func(*awssim.World)
		after               time.Duration
		want                string
	}{
		{"role that does not trust the management account", aeDataLake, "ou-nw7k-leg00001", nil, 2 * time.Minute,
			"AWSControlTowerExecution role does not trust the management account 111122223333"},
		{"suspended account", aeOldMarketer, "ou-nw7k-sus00001", nil, 2 * time.Minute, "This account has been suspended"},
		{"management account", "111122223333", aeRoot, nil, 0, "cannot enroll the management account"},
		{"Control Tower busy", aeAcquired, aeRoot, func(w *awssim.World) {
			w.Faults.ControlTowerBusy = []awssim.Window{{From: 0, Until: awssim.Duration(time.Hour)}}
		}, 0, "another AWS Control Tower operation is in progress"},
		{"injected fault, half-way", aeAcquired, aeRoot, func(w *awssim.World) { w.Faults.FailProvisioning = []string{"acquired-retail"} },
			25 * time.Minute / 2, "could not apply the AWSControlTowerBaseline to account " + aeAcquired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := aeSim(t, tc.edit)
			c := aeClientsOf(s)
			enrolled := ctAccount(s, tc.account).Enrolled // the management account's is
			c.move(t, tc.account, tc.from, aeEnrollment)
			if tc.after > 0 {
				assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.operation(t, s, tc.account).Status)
				clk.Advance(tc.after - time.Second)
				assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.operation(t, s, tc.account).Status)
				clk.Advance(time.Second)
			}
			op := c.operation(t, s, tc.account)
			assert.Equal(t, cttypes.BaselineOperationStatusFailed, op.Status)
			assert.Contains(t, aws.ToString(op.StatusMessage), tc.want)
			assert.NotNil(t, op.EndTime)
			assert.Equal(t, cttypes.EnablementStatusFailed, c.child(t, s, tc.account).StatusSummary.Status)
			assert.Equal(t, aeEnrollment, ctAccount(s, tc.account).ParentID, "the account stays where it was moved")
			assert.Equal(t, enrolled, ctAccount(s, tc.account).Enrolled, "not enrolled by the move")

			registered := c.baselines(t, &cttypes.EnabledBaselineFilter{TargetIdentifiers: []string{s.OUArn(aeEnrollment)}})
			require.Len(t, registered, 1)
			assert.Equal(t, cttypes.EnablementStatusSucceeded, registered[0].StatusSummary.Status, "the OU stays registered")

			// Out and back in again is the way to retry.
			clk.Advance(time.Hour)
			c.move(t, tc.account, aeEnrollment, aeRoot)
			assert.Equal(t, cttypes.BaselineOperationTypeDisableBaseline, c.operation(t, s, tc.account).OperationType, "the failed baseline is removed")
			clk.Advance(10 * time.Minute)
			assert.Nil(t, c.child(t, s, tc.account))
			assert.Equal(t, enrolled, ctAccount(s, tc.account).Enrolled)
		})
	}
}

func TestAutoEnrollmentRefusesASecondMoveIntoAnOU(t *testing.T) {
	s, clk := aeSim(t, nil)
	c := aeClientsOf(s)
	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	first := c.operation(t, s, aeAcquired)
	clk.Advance(time.Minute)

	c.move(t, aeMarketing, aeRoot, aeEnrollment)
	second := c.operation(t, s, aeMarketing)
	assert.Equal(t, cttypes.BaselineOperationStatusFailed, second.Status, "refused at once")
	assert.Contains(t, aws.ToString(second.StatusMessage), "only one move account operation at a time can run on a destination OU")
	assert.Contains(t, aws.ToString(second.StatusMessage), aws.ToString(first.OperationIdentifier), "naming the operation in the way")
	assert.Equal(t, aeEnrollment, ctAccount(s, aeMarketing).ParentID, "MoveAccount itself succeeded")
	assert.Equal(t, []string{s.AccountArn(aeAcquired)}, c.inFlightOn(t, s, aeEnrollment), "what a gate sees: one move in flight on the OU")
	_, _, refused := s.AccountOperations()
	assert.Equal(t, 1, refused)

	c.move(t, aePayments, "ou-nw7k-wklprod1", aeNonProd)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.operation(t, s, aePayments).Status, "another OU has its own move")

	t.Run("Account Factory's operations on the OU conflict too", func(t *testing.T) {
		sc := catalogClient(s)
		rec := catalogProvision(t, sc, catalogFindAF(t, sc), "conflicting", "conflicting", "aws+conflicting@northwind.example", "Enrollment ("+aeEnrollment+")")
		clk.Advance(accountfactory.StartDelay)
		out := catalogRecord(t, sc, aws.ToString(rec.RecordId))
		assert.Equal(t, "FAILED", string(out.RecordDetail.Status))
		e := ctRecordError(t, out)
		assert.Equal(t, "ResourceInUseException", aws.ToString(e.Code), "the code of Control Tower's transient refusals")
		assert.Contains(t, aws.ToString(e.Description), "move account operation")
	})
	t.Run("and Account Factory's operations on an account Control Tower is moving", func(t *testing.T) {
		sc := catalogClient(s)
		rec := ctUpdate(t, sc, "payments-prod", "update-while-moving", nil)
		clk.Advance(accountfactory.StartDelay)
		out := catalogRecord(t, sc, aws.ToString(rec.RecordId))
		assert.Equal(t, "FAILED", string(out.RecordDetail.Status))
		e := ctRecordError(t, out)
		assert.Equal(t, "ResourceInUseException", aws.ToString(e.Code))
		assert.Contains(t, aws.ToString(e.Description), "working on its baseline after a move")
		assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.operation(t, s, aePayments).Status, "the move's update goes on")
	})

	clk.Advance(25 * time.Minute)
	require.Equal(t, cttypes.BaselineOperationStatusSucceeded, c.operation(t, s, aeAcquired).Status)
	c.move(t, aeMarketing, aeEnrollment, aeRoot)
	c.move(t, aeMarketing, aeRoot, aeEnrollment)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, c.operation(t, s, aeMarketing).Status, "once the first has finished, out and in again enrolls")
	clk.Advance(25 * time.Minute)
	assert.True(t, ctAccount(s, aeMarketing).Enrolled)
}

func TestAutoEnrollmentSharesControlTowerQuota(t *testing.T) {
	s, clk := aeSim(t, func(w *awssim.World) { w.ControlTower.ConcurrentAccountOperations = 1 })
	c := aeClientsOf(s)
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)

	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	rec := catalogProvision(t, sc, af, "while-enrolling", "while-enrolling", "aws+while-enrolling@northwind.example", "Sandbox (ou-nw7k-sbx00001)")
	clk.Advance(accountfactory.StartDelay)
	out := catalogRecord(t, sc, aws.ToString(rec.RecordId))
	assert.Equal(t, "FAILED", string(out.RecordDetail.Status))
	assert.Equal(t, accountfactory.MsgBusy, aws.ToString(ctRecordError(t, out).Description), "the auto-enrollment holds the one slot")

	clk.Advance(25 * time.Minute)
	rec = catalogProvision(t, sc, af, "first-then", "first-then", "aws+first-then@northwind.example", "Sandbox (ou-nw7k-sbx00001)")
	clk.Advance(accountfactory.StartDelay)
	require.Equal(t, "IN_PROGRESS", string(catalogRecord(t, sc, aws.ToString(rec.RecordId)).RecordDetail.Status))
	c.move(t, aeMarketing, aeRoot, aeEnrollment)
	op := c.operation(t, s, aeMarketing)
	assert.Equal(t, cttypes.BaselineOperationStatusFailed, op.Status, "Account Factory's create holds the one slot")
	assert.Contains(t, aws.ToString(op.StatusMessage), "limit of concurrent account operations")

	_, peak, refused := s.AccountOperations()
	assert.Equal(t, 1, peak, "never more than the quota at once")
	assert.Equal(t, 2, refused)
}

func TestAutoEnrollmentASecondMoveOfTheAccountStopsTheFirst(t *testing.T) {
	s, clk := aeSim(t, nil)
	c := aeClientsOf(s)
	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	first := c.operation(t, s, aeAcquired)
	clk.Advance(5 * time.Minute)
	c.move(t, aeAcquired, aeEnrollment, "ou-nw7k-sbx00001")

	stopped, err := c.ct.GetBaselineOperation(context.Background(), &controltower.GetBaselineOperationInput{OperationIdentifier: first.OperationIdentifier})
	require.NoError(t, err)
	assert.Equal(t, cttypes.BaselineOperationStatusFailed, stopped.BaselineOperation.Status)
	assert.Contains(t, aws.ToString(stopped.BaselineOperation.StatusMessage), "was moved to Sandbox (ou-nw7k-sbx00001)")
	assert.Empty(t, c.inFlightOn(t, s, aeEnrollment), "the first OU's move is free again")
	again := c.operation(t, s, aeAcquired)
	assert.Equal(t, cttypes.BaselineOperationTypeEnableBaseline, again.OperationType)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, again.Status)
	assert.Equal(t, []string{s.AccountArn(aeAcquired)}, c.inFlightOn(t, s, "ou-nw7k-sbx00001"))
	running, _, _ := s.AccountOperations()
	assert.Equal(t, 1, running)

	clk.Advance(25 * time.Minute)
	assert.True(t, ctAccount(s, aeAcquired).Enrolled)
}

// Without remediation types (every world before this one) a move changes no
// account's enrollment and Control Tower shows nothing for it.
func TestWithoutAutoEnrollmentMovesEnrollNothing(t *testing.T) {
	s, clk := newTestSim(t, nil)
	c := aeClientsOf(s)
	ctx := context.Background()
	lz, err := c.ct.ListLandingZones(ctx, &controltower.ListLandingZonesInput{})
	require.NoError(t, err)
	got, err := c.ct.GetLandingZone(ctx, &controltower.GetLandingZoneInput{LandingZoneIdentifier: lz.LandingZones[0].Arn})
	require.NoError(t, err)
	assert.Empty(t, got.LandingZone.RemediationTypes)
	before := c.baselines(t, nil)

	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	c.move(t, aePayments, "ou-nw7k-wklprod1", "ou-nw7k-leg00001")
	clk.Advance(time.Hour)
	assert.False(t, ctAccount(s, aeAcquired).Enrolled)
	assert.True(t, ctAccount(s, aePayments).Enrolled, "as before: the flag stays")
	assert.Nil(t, c.child(t, s, aeAcquired))
	after := c.baselines(t, nil)
	assert.Len(t, after, len(before)-1, "payments-prod's child left with it from its registered OU, nothing else changed")
	_, peak, refused := s.AccountOperations()
	assert.Zero(t, peak)
	assert.Zero(t, refused)
}

func TestAutoEnrollmentSurvivesASnapshot(t *testing.T) {
	s, clk := aeSim(t, nil)
	c := aeClientsOf(s)
	c.move(t, aeAcquired, aeRoot, aeEnrollment)
	clk.Advance(10 * time.Minute)
	var snap bytes.Buffer
	require.NoError(t, s.Snapshot(&snap))

	at, err := awssim.SnapshotTime(snap.Bytes())
	require.NoError(t, err)
	clk2 := clock.NewVirtual(at, 0)
	restored, err := awssim.Restore(&snap, awssim.Options{Clock: clk2})
	require.NoError(t, err)
	rc := aeClientsOf(restored)
	assert.Equal(t, cttypes.BaselineOperationStatusInProgress, rc.operation(t, restored, aeAcquired).Status)
	assert.Equal(t, []string{restored.AccountArn(aeAcquired)}, rc.inFlightOn(t, restored, aeEnrollment))
	clk2.Advance(15 * time.Minute)
	assert.Equal(t, cttypes.BaselineOperationStatusSucceeded, rc.operation(t, restored, aeAcquired).Status)
	assert.True(t, ctAccount(restored, aeAcquired).Enrolled)
}

func TestListEnabledBaselinesFilterLimits(t *testing.T) {
	s, _ := aeSim(t, nil)
	ct := controltower.NewFromConfig(withRetries(s.Config(), 1))
	six := []string{"a", "b", "c", "d", "e", "f"}
	for _, f := range []*cttypes.EnabledBaselineFilter{
		{TargetIdentifiers: six},
		{ParentIdentifiers: six},
		{Statuses: []cttypes.EnablementStatus{cttypes.EnablementStatusFailed, cttypes.EnablementStatusSucceeded}},
		{Statuses: []cttypes.EnablementStatus{"DONE"}},
	} {
		_, err := ct.ListEnabledBaselines(context.Background(), &controltower.ListEnabledBaselinesInput{Filter: f})
		var invalid *cttypes.ValidationException
		assert.ErrorAs(t, err, &invalid, "%+v", f)
	}
}
