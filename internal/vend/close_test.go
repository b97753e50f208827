package vend_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/vend"
)

// Organizations closes at most 3 accounts at once and at most 10% of the
// member accounts (at least 10, at most 1000) within a rolling 30 days
// (the CloseAccount API reference). Close says which limit it met, as AWS
// states it today: the first is waited out by the workflow's Retry, the
// second fails with what to do.
func TestCloseExplainsOrganizationsLimits(t *testing.T) {
	const extra = 14 // fewer than 100 member accounts in all: the quota is its minimum, 10
	f := newFixture(t, setup{world: func(w *awssim.World) {
		for i := range extra {
			w.Organization.Accounts = append(w.Organization.Accounts, awssim.AccountSpec{ID: fmt.Sprintf("5550000000%02d", i),
				Name: fmt.Sprintf("retired-%02d", i), Email: fmt.Sprintf("aws+retired-%02d@northwind.example", i)})
		}
	}})
	closeAccount := func(i int) error {
		doc := &vend.Doc{Request: decode(t, fmt.Sprintf(`{"requestId": "CHG30%02d", "action": "close", "account": {"id": "5550000000%02d"}}`, i, i)),
			AccountID: fmt.Sprintf("5550000000%02d", i), Plan: &vend.Plan{Close: true}}
		_, err := run(f, func(ctx context.Context) (*vend.Doc, error) { return f.deps.Close(ctx, doc) })
		return err
	}

	for i := range 3 {
		require.NoError(t, closeAccount(i))
	}
	se := stepError(t, closeAccount(3))
	assert.Equal(t, vend.ErrCloseLimited, se.Name, "a fourth close at once waits")
	assert.Contains(t, se.Reason, "as many accounts as it closes at once (3)")
	assert.NotContains(t, se.Reason, "towervend retries", "the reason is also the final one if the retries run out")

	for i := 3; i < 10; i++ {
		f.advance(2 * time.Hour) // the earlier closures are done (SUSPENDED)
		require.NoError(t, closeAccount(i), "close %d", i)
	}
	f.advance(2 * time.Hour)
	se = stepError(t, closeAccount(10))
	assert.Equal(t, vend.ErrFailed, se.Name, "the 30-day quota does not clear by retrying")
	for _, want := range []string{"10% of the organization's member accounts", "at least 10, at most 1000", "rolling 30 days",
		"towervend redrive CHG3010"} {
		assert.Contains(t, se.Reason, want)
	}
	assert.NotContains(t, se.Reason, "200")
}

// A close the 30-day quota would refuse is rejected by Validate, before the
// account is unmanaged; towervend's own closure ledger lets a close through
// again once the earlier closures are 30 days old, though Organizations
// still shows those accounts SUSPENDED for 90 days.
func TestACloseTheQuotaWouldRefuseChangesNothing(t *testing.T) {
	const extra = 14
	f := newFixture(t, setup{world: func(w *awssim.World) {
		for i := range extra {
			w.Organization.Accounts = append(w.Organization.Accounts, awssim.AccountSpec{ID: fmt.Sprintf("5550000000%02d", i),
				Name: fmt.Sprintf("retired-%02d", i), Email: fmt.Sprintf("aws+retired-%02d@northwind.example", i)})
		}
	}})
	// old-marketing is SUSPENDED already (closed at some time Organizations
	// does not tell), so nine more closes reach the quota of 10.
	for i := range 9 {
		doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, fmt.Sprintf(`{"requestId": "CHG31%02d", "action": "close", "account": {"id": "5550000000%02d"}}`, i, i))})
		require.False(t, doc.Plan.Rejected, "close %d: %+v", i, doc.Plan.Problems)
		f.mustStep("Close", f.deps.Close, doc)
		f.advance(2 * time.Hour)
	}
	closeHackathon := func(id string) *vend.Doc {
		return f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, `{"requestId": "`+id+`", "action": "close", "account": {"id": "952617089435"}}`)})
	}
	doc := closeHackathon("CHG3190")
	require.True(t, doc.Plan.Rejected, "the quota is used up")
	p := doc.Plan.Problems[0]
	assert.Equal(t, "action", p.Field)
	assert.Contains(t, p.Message, "at most 10 accounts")
	assert.Contains(t, p.Message, "10 accounts are closed or closing")
	assert.Contains(t, p.Message, "towervend changes nothing")
	assert.Contains(t, p.Fix, "use action unmanage now")
	assert.Zero(t, f.calls("servicecatalog", "TerminateProvisionedProduct"), "the account was not unmanaged")

	f.advance(31 * 24 * time.Hour)
	doc = closeHackathon("CHG3191")
	assert.False(t, doc.Plan.Rejected, "the ledger knows towervend's nine closes are 30 days old: %+v", doc.Plan.Problems)
}

// A close that fails after the account was unmanaged says so, and what a
// redrive does.
func TestAFailedCloseSaysWhatWasDone(t *testing.T) {
	n := vend.FailureNotification(&vend.Doc{Request: decode(t, `{"requestId": "CHG3192", "action": "close", "account": {"id": "952617089435"}}`),
		Plan:      &vend.Plan{Close: true, Unmanage: true, Operation: vend.OpTerminate},
		Operation: &vend.Operation{Kind: vend.OpTerminate, Done: true, Status: "SUCCEEDED"},
		Failure:   &vend.FailurePoint{Step: "Close"}, Error: &vend.CaughtError{Error: vend.ErrFailed, Cause: "boom"}})
	require.NotEmpty(t, n.Notes)
	assert.Contains(t, n.Notes[len(n.Notes)-1], "done before the failure: the account was unmanaged")
	assert.Contains(t, n.Notes[len(n.Notes)-1], "not done: Close")
	assert.Contains(t, n.Notes[len(n.Notes)-1], "a redrive resumes at Close")
}
