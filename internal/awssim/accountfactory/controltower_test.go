package accountfactory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog"
	"github.com/aws/aws-sdk-go-v2/service/servicecatalog/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/accountfactory"
	"github.com/towervend/towervend/internal/awssim/identitycenter"
	"github.com/towervend/towervend/internal/clock"
)

// afPastStart moves past the moment Service Catalog hands a request to Control Tower.
const afPastStart = accountfactory.StartDelay + time.Second

// ctLifecycleDetail is the CloudTrail detail of a Control Tower lifecycle event,
// as a consumer would declare it.
type ctLifecycleDetail struct {
	EventVersion string `json:"eventVersion"`
	UserIdentity struct {
		AccountID string `json:"accountId"`
		InvokedBy string `json:"invokedBy"`
	} `json:"userIdentity"`
	EventTime           string                          `json:"eventTime"`
	EventSource         string                          `json:"eventSource"`
	EventName           string                          `json:"eventName"`
	AWSRegion           string                          `json:"awsRegion"`
	SourceIPAddress     string                          `json:"sourceIPAddress"`
	UserAgent           string                          `json:"userAgent"`
	EventID             string                          `json:"eventID"`
	ReadOnly            bool                            `json:"readOnly"`
	EventType           string                          `json:"eventType"`
	ServiceEventDetails map[string]ctManagedAccountInfo `json:"serviceEventDetails"`
}

type ctManagedAccountInfo struct {
	OrganizationalUnit struct {
		Name string `json:"organizationalUnitName"`
		ID   string `json:"organizationalUnitId"`
	} `json:"organizationalUnit"`
	Account struct {
		Name string `json:"accountName"`
		ID   string `json:"accountId"`
	} `json:"account"`
	State              string `json:"state"`
	Message            string `json:"message"`
	RequestedTimestamp string `json:"requestedTimestamp"`
	CompletedTimestamp string `json:"completedTimestamp"`
}

// status is the event's one managed-account status, whichever key holds it.
func (d ctLifecycleDetail) status() ctManagedAccountInfo {
	for _, v := range d.ServiceEventDetails {
		return v
	}
	return ctManagedAccountInfo{}
}

type ctEvent struct {
	raw    []byte
	event  events.CloudWatchEvent
	detail ctLifecycleDetail
}

// ctLifecycleEvents decodes the Control Tower lifecycle events on the default bus.
func ctLifecycleEvents(t *testing.T, s *awssim.Sim) []ctEvent {
	t.Helper()
	var out []ctEvent
	for _, raw := range s.BusEvents("default") {
		var ev events.CloudWatchEvent
		require.NoError(t, json.Unmarshal(raw, &ev))
		if ev.Source != "aws.controltower" || ev.DetailType != "AWS Service Event via CloudTrail" {
			continue
		}
		var d ctLifecycleDetail
		require.NoError(t, json.Unmarshal(ev.Detail, &d))
		out = append(out, ctEvent{raw: raw, event: ev, detail: d})
	}
	return out
}

// ctOrgEvents returns the Organizations events with that eventName on the
// management account's default bus in us-east-1, where Organizations delivers them.
func ctOrgEvents(t *testing.T, s *awssim.Sim, eventName string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	for _, raw := range s.RegionBusEvents(awssim.OrganizationsRegion, "default") {
		var ev events.CloudWatchEvent
		require.NoError(t, json.Unmarshal(raw, &ev))
		var d struct {
			EventName string `json:"eventName"`
		}
		require.NoError(t, json.Unmarshal(ev.Detail, &d))
		if ev.Source == "aws.organizations" && d.EventName == eventName {
			out = append(out, raw)
		}
	}
	return out
}

// ctAccount reads an account from Organizations' state.
func ctAccount(s *awssim.Sim, id string) awssim.Account {
	a, _ := s.Account(id)
	return a
}

func ctAccountByEmail(s *awssim.Sim, email string) *awssim.Account {
	if a, ok := s.AccountByEmail(email); ok {
		return &a
	}
	return nil
}

func ctAccountCount(s *awssim.Sim) int { return s.AccountCount() }

// ctHasAdmin reports whether the Identity Center user with email has
// AWSAdministratorAccess on the account.
func ctHasAdmin(s *awssim.Sim, email, accountID string) bool {
	id := s.IdentityCenter()
	u := ctUserByEmail(s, email)
	if u == nil {
		return false
	}
	for _, ps := range id.PermissionSets {
		if ps.Name != "AWSAdministratorAccess" {
			continue
		}
		for _, a := range id.Assignments {
			if a.AccountID == accountID && a.PermissionSetArn == ps.Arn && a.PrincipalType == "USER" && a.PrincipalID == u.ID {
				return true
			}
		}
	}
	return false
}

// ctUserByEmail finds the Identity Center user with email (case-insensitively, as AWS does), or nil.
func ctUserByEmail(s *awssim.Sim, email string) *identitycenter.User {
	for _, u := range s.IdentityCenter().Users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

func ctRecordError(t *testing.T, rec *servicecatalog.DescribeRecordOutput) types.RecordError {
	t.Helper()
	require.Len(t, rec.RecordDetail.RecordErrors, 1)
	return rec.RecordDetail.RecordErrors[0]
}

// ctUpdateParams keeps every parameter but those given.
func ctUpdateParams(changes map[string]string) []types.UpdateProvisioningParameter {
	var out []types.UpdateProvisioningParameter
	for _, k := range accountfactory.ParameterKeys {
		if v, ok := changes[k]; ok {
			out = append(out, types.UpdateProvisioningParameter{Key: aws.String(k), Value: aws.String(v)})
			continue
		}
		out = append(out, types.UpdateProvisioningParameter{Key: aws.String(k), UsePreviousValue: true})
	}
	return out
}

func ctUpdate(t *testing.T, sc *servicecatalog.Client, product, token string, changes map[string]string) *types.RecordDetail {
	t.Helper()
	out, err := sc.UpdateProvisionedProduct(context.Background(), &servicecatalog.UpdateProvisionedProductInput{
		ProvisionedProductName: aws.String(product), UpdateToken: aws.String(token), ProvisioningParameters: ctUpdateParams(changes)})
	require.NoError(t, err)
	return out.RecordDetail
}

func ctTerminate(t *testing.T, sc *servicecatalog.Client, product, token string) *types.RecordDetail {
	t.Helper()
	out, err := sc.TerminateProvisionedProduct(context.Background(), &servicecatalog.TerminateProvisionedProductInput{
		ProvisionedProductName: aws.String(product), TerminateToken: aws.String(token)})
	require.NoError(t, err)
	return out.RecordDetail
}

func TestControlTowerCreatesAccount(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	params := catalogParams("team-alpha", "aws+team-alpha@northwind.example", "Sandbox (ou-nw7k-sbx00001)")
	params[3].Value = aws.String("alpha.lead@northwind.example")
	params[4].Value = aws.String("Alpha")
	params[5].Value = aws.String("Lead")
	out, err := sc.ProvisionProduct(context.Background(), catalogProvisionInput(af, "team-alpha", params, "alpha-1"))
	require.NoError(t, err)
	rd := out.RecordDetail
	assert.Equal(t, types.RecordStatusCreated, rd.Status)
	assert.Equal(t, "PROVISION_PRODUCT", aws.ToString(rd.RecordType))
	assert.Equal(t, "CONTROL_TOWER_ACCOUNT", aws.ToString(rd.ProvisionedProductType))
	assert.Regexp(t, `^pp-`, aws.ToString(rd.ProvisionedProductId))
	assert.Equal(t, types.ProvisionedProductStatusUnderChange, catalogProduct(t, sc, "team-alpha").Status)

	statuses := []types.RecordStatus{rd.Status}
	record := func() {
		st := catalogRecord(t, sc, aws.ToString(rd.RecordId)).RecordDetail.Status
		if st != statuses[len(statuses)-1] {
			statuses = append(statuses, st)
		}
	}

	clk.Advance(afPastStart)
	record()
	assert.Nil(t, ctAccountByEmail(s, "aws+team-alpha@northwind.example"), "Organizations CreateAccount takes minutes")

	// Control Tower's workflow starts with Organizations CreateAccount: the
	// account exists, with Organizations' own events, minutes before Control
	// Tower is done, and its product has no PhysicalId yet.
	clk.Advance(4 * time.Minute)
	record()
	acct := ctAccountByEmail(s, "aws+team-alpha@northwind.example")
	require.NotNil(t, acct, "Control Tower created the account through Organizations")
	assert.Equal(t, "ou-nw7k-sbx00001", acct.ParentID, "and moved it into the OU")
	assert.Equal(t, "CREATED", acct.JoinedMethod)
	assert.False(t, acct.Enrolled, "not enrolled before the baseline is applied")
	assert.Equal(t, awssim.RoleTrusted, acct.ExecutionRole, "CreateAccount made AWSControlTowerExecution")
	for _, name := range []string{"CreateAccountResult", "AccountJoinedOrganization"} {
		evs := ctOrgEvents(t, s, name)
		require.Len(t, evs, 1, name)
		assert.Contains(t, string(evs[0]), acct.ID, name)
	}
	assert.Empty(t, catalogSearch(t, sc, "physicalId:"+acct.ID), "the product has no PhysicalId until Control Tower finishes")
	building := catalogSearch(t, sc, "name:team-alpha")
	require.Len(t, building, 1)
	assert.Empty(t, aws.ToString(building[0].PhysicalId))
	assert.Equal(t, types.ProvisionedProductStatusUnderChange, building[0].Status)
	assert.Empty(t, catalogRecord(t, sc, aws.ToString(rd.RecordId)).RecordOutputs, "outputs appear at the end")
	assert.Empty(t, ctLifecycleEvents(t, s), "Control Tower is not done")

	for range 40 {
		clk.Advance(time.Minute)
		record()
	}
	assert.Equal(t, []types.RecordStatus{types.RecordStatusCreated, types.RecordStatusInProgress, types.RecordStatusSucceeded}, statuses)

	rec := catalogRecord(t, sc, aws.ToString(rd.RecordId))
	assert.Equal(t, map[string]string{"AccountId": acct.ID, "AccountEmail": "aws+team-alpha@northwind.example",
		"SSOUserEmail": "alpha.lead@northwind.example"}, catalogOutputs(rec.RecordOutputs))
	pp := catalogProduct(t, sc, "team-alpha")
	assert.Equal(t, types.ProvisionedProductStatusAvailable, pp.Status)
	hits := catalogSearch(t, sc, "physicalId:"+acct.ID)
	require.Len(t, hits, 1)
	assert.Equal(t, "team-alpha", aws.ToString(hits[0].Name))
	assert.Equal(t, aws.ToString(rd.RecordId), aws.ToString(pp.LastSuccessfulProvisioningRecordId))

	got := ctAccount(s, acct.ID)
	assert.True(t, got.Enrolled)
	assert.Equal(t, awssim.RoleTrusted, got.ExecutionRole)
	assert.Equal(t, "ou-nw7k-sbx00001", got.ParentID)

	u := ctUserByEmail(s, "alpha.lead@northwind.example")
	require.NotNil(t, u, "Control Tower creates the SSO user")
	assert.Equal(t, "Alpha", u.GivenName)
	assert.Equal(t, "Lead", u.FamilyName)
	assert.True(t, ctHasAdmin(s, "alpha.lead@northwind.example", acct.ID))

	evs := ctLifecycleEvents(t, s)
	require.Len(t, evs, 1)
	d := evs[0].detail
	assert.Equal(t, "CreateManagedAccount", d.EventName)
	st := d.ServiceEventDetails["createManagedAccountStatus"]
	assert.Equal(t, "SUCCEEDED", st.State)
	assert.Equal(t, acct.ID, st.Account.ID)
	assert.Equal(t, "team-alpha", st.Account.Name)
	assert.Equal(t, "Sandbox", st.OrganizationalUnit.Name)
	assert.Equal(t, "ou-nw7k-sbx00001", st.OrganizationalUnit.ID)
}

// ctKeys lists the key paths of a decoded JSON document.
func ctKeys(prefix string, v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			out[prefix+"."+k] = true
			ctKeys(prefix+"."+k, val, out)
		}
	case []any:
		for _, val := range x {
			ctKeys(prefix+"[]", val, out)
		}
	}
}

func ctKeySet(t *testing.T, raw []byte) []string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	set := map[string]bool{}
	ctKeys("", v, set)
	var keys []string
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestControlTowerLifecycleEventsMatchAWSSamples(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	catalogProvision(t, sc, af, "team-beta", "team-beta", "aws+team-beta@northwind.example", "Sandbox (ou-nw7k-sbx00001)")
	clk.Advance(time.Hour)
	ctUpdate(t, sc, "team-beta", "beta-move", map[string]string{accountfactory.ManagedOU: "Enrollment (ou-nw7k-enr00001)"})
	clk.Advance(time.Hour)

	evs := ctLifecycleEvents(t, s)
	require.Len(t, evs, 2)
	acct := ctAccountByEmail(s, "aws+team-beta@northwind.example")
	require.NotNil(t, acct)

	samples := []struct {
		file, key string
		ev        ctEvent
		ou        string
	}{
		{"controltower-create-managed-account.json", "createManagedAccountStatus", evs[0], "ou-nw7k-sbx00001"},
		{"controltower-update-managed-account.json", "updateManagedAccountStatus", evs[1], "ou-nw7k-enr00001"},
	}
	for _, sample := range samples {
		t.Run(sample.file, func(t *testing.T) {
			raw, err := os.ReadFile("../../../events/aws/" + sample.file)
			require.NoError(t, err)
			var want events.CloudWatchEvent
			require.NoError(t, json.Unmarshal(raw, &want))
			var wantDetail ctLifecycleDetail
			require.NoError(t, json.Unmarshal(want.Detail, &wantDetail))

			assert.Equal(t, ctKeySet(t, raw), ctKeySet(t, sample.ev.raw), "the same fields, nested the same way")

			got, gotDetail := sample.ev.event, sample.ev.detail
			assert.Equal(t, want.Version, got.Version)
			assert.Equal(t, want.DetailType, got.DetailType)
			assert.Equal(t, want.Source, got.Source)
			assert.Equal(t, "111122223333", got.AccountID, "the management account")
			assert.Equal(t, "eu-west-1", got.Region, "the home Region")
			assert.Empty(t, got.Resources)
			assert.False(t, got.Time.IsZero())

			assert.Equal(t, wantDetail.EventVersion, gotDetail.EventVersion)
			assert.Equal(t, wantDetail.EventSource, gotDetail.EventSource)
			assert.Equal(t, wantDetail.EventType, gotDetail.EventType)
			assert.Equal(t, wantDetail.EventName, gotDetail.EventName)
			assert.Equal(t, wantDetail.UserIdentity.InvokedBy, gotDetail.UserIdentity.InvokedBy)
			assert.Equal(t, wantDetail.SourceIPAddress, gotDetail.SourceIPAddress)
			assert.Equal(t, wantDetail.UserAgent, gotDetail.UserAgent)
			assert.Equal(t, wantDetail.ReadOnly, gotDetail.ReadOnly)
			assert.Equal(t, "eu-west-1", gotDetail.AWSRegion)
			_, err = time.Parse(time.RFC3339, gotDetail.EventTime)
			assert.NoError(t, err)

			wantStatus, gotStatus := wantDetail.ServiceEventDetails[sample.key], gotDetail.ServiceEventDetails[sample.key]
			assert.Equal(t, wantStatus.State, gotStatus.State)
			assert.Equal(t, wantStatus.Message, gotStatus.Message)
			assert.Equal(t, acct.ID, gotStatus.Account.ID)
			assert.Equal(t, "team-beta", gotStatus.Account.Name)
			assert.Equal(t, sample.ou, gotStatus.OrganizationalUnit.ID)
			requested, err := time.Parse(accountfactory.Timestamp, gotStatus.RequestedTimestamp)
			require.NoError(t, err)
			completed, err := time.Parse(accountfactory.Timestamp, gotStatus.CompletedTimestamp)
			require.NoError(t, err)
			assert.True(t, completed.After(requested))
			assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$`, gotStatus.CompletedTimestamp, "AWS's format, no colon in the offset")
		})
	}
}

func TestControlTowerOrganizationalUnitChecks(t *testing.T) {
	cases := []struct {
		name, ou string
		refused  string // "" when Control Tower accepts the OU
	}{
		{"name and id", "Sandbox (ou-nw7k-sbx00001)", ""},
		{"nested OU by name and id", "Prod (ou-nw7k-wklprod1)", ""},
		{"unique top-level name", "Sandbox", ""},
		{"unregistered OU", "Legacy (ou-nw7k-leg00001)", "The organizational unit Legacy (ou-nw7k-leg00001) is not registered with AWS Control Tower"},
		{"unknown OU", "Nowhere (ou-nw7k-zzzzzzzz)", "cannot find the organizational unit"},
		{"name does not match the id", "Sandbox (ou-nw7k-enr00001)", "cannot find the organizational unit"},
		{"nested OU by bare name", "Prod", "cannot find the organizational unit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTestSim(t, nil)
			sc := catalogClient(s)
			af := catalogFindAF(t, sc)
			rd := catalogProvision(t, sc, af, "team-ou", "team-ou", "aws+team-ou@northwind.example", tc.ou)
			clk.Advance(afPastStart)
			rec := catalogRecord(t, sc, aws.ToString(rd.RecordId))
			if tc.refused == "" {
				assert.Equal(t, types.RecordStatusInProgress, rec.RecordDetail.Status)
				return
			}
			assert.Equal(t, types.RecordStatusFailed, rec.RecordDetail.Status)
			e := ctRecordError(t, rec)
			assert.Equal(t, "ValidationException", aws.ToString(e.Code))
			assert.Contains(t, aws.ToString(e.Description), tc.refused)
			pp := catalogProduct(t, sc, "team-ou")
			assert.Equal(t, types.ProvisionedProductStatusError, pp.Status)
			assert.Contains(t, aws.ToString(pp.StatusMessage), tc.refused)
			assert.Nil(t, ctAccountByEmail(s, "aws+team-ou@northwind.example"), "no account is created")
			clk.Advance(time.Hour)
			assert.Empty(t, ctLifecycleEvents(t, s), "Control Tower refused the call: no lifecycle event")
		})
	}
}

func TestControlTowerConcurrentAccountOperationsQuota(t *testing.T) {
	s, clk := newTestSim(t, func(w *awssim.World) { w.ControlTower.Spread = 0 })
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	status := func(rd *types.RecordDetail) types.RecordStatus {
		return catalogRecord(t, sc, aws.ToString(rd.RecordId)).RecordDetail.Status
	}

	first := catalogProvision(t, sc, af, "q1", "q1", "aws+q1@northwind.example", "Sandbox")
	clk.Advance(time.Minute)
	var next []*types.RecordDetail
	for _, n := range []string{"q2", "q3", "q4", "q5"} {
		next = append(next, catalogProvision(t, sc, af, n, n, "aws+"+n+"@northwind.example", "Sandbox"))
	}
	clk.Advance(time.Minute)
	sixth := catalogProvision(t, sc, af, "q6", "q6", "aws+q6@northwind.example", "Sandbox")
	assert.Equal(t, types.RecordStatusCreated, sixth.Status, "the call itself succeeds")
	clk.Advance(afPastStart)

	assert.Equal(t, types.RecordStatusInProgress, status(first))
	for _, rd := range next {
		assert.Equal(t, types.RecordStatusInProgress, status(rd))
	}
	rec := catalogRecord(t, sc, aws.ToString(sixth.RecordId))
	require.Equal(t, types.RecordStatusFailed, rec.RecordDetail.Status, "the sixth concurrent operation is refused")
	e := ctRecordError(t, rec)
	assert.Equal(t, "ResourceInUseException", aws.ToString(e.Code), "the code marks it transient")
	assert.Equal(t, accountfactory.MsgBusy, aws.ToString(e.Description))
	pp := catalogProduct(t, sc, "q6")
	assert.Equal(t, types.ProvisionedProductStatusError, pp.Status)
	assert.Equal(t, "ResourceInUseException  "+accountfactory.MsgBusy, aws.ToString(pp.StatusMessage))
	assert.Nil(t, ctAccountByEmail(s, "aws+q6@northwind.example"))

	// q1 finishes a minute before the others: one slot is free again.
	clk.Advance(30*time.Minute - 2*time.Minute)
	require.Equal(t, types.RecordStatusSucceeded, status(first))
	require.Equal(t, types.RecordStatusInProgress, status(next[0]))
	seventh := catalogProvision(t, sc, af, "q7", "q7", "aws+q7@northwind.example", "Sandbox")
	eighth := catalogProvision(t, sc, af, "q8", "q8", "aws+q8@northwind.example", "Sandbox")
	clk.Advance(afPastStart)
	assert.Equal(t, types.RecordStatusInProgress, status(seventh), "accepted once an operation finished")
	assert.Equal(t, types.RecordStatusFailed, status(eighth), "and the quota is full again")

	// The refused product can be retried by updating it.
	clk.Advance(time.Hour)
	retry := ctUpdate(t, sc, "q6", "q6-retry", nil)
	clk.Advance(time.Hour)
	assert.Equal(t, types.RecordStatusSucceeded, status(retry))
	acct := ctAccountByEmail(s, "aws+q6@northwind.example")
	require.NotNil(t, acct)
	assert.True(t, acct.Enrolled)
	evs := ctLifecycleEvents(t, s)
	last := evs[len(evs)-1].detail
	assert.Equal(t, "CreateManagedAccount", last.EventName, "the account did not exist before the retry")
	assert.Equal(t, acct.ID, last.status().Account.ID)
}

func TestControlTowerBusyWindow(t *testing.T) {
	s, clk := newTestSim(t, func(w *awssim.World) {
		w.Faults.ControlTowerBusy = []awssim.Window{{From: 0, Until: awssim.Duration(10 * time.Minute)}}
	})
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	rd := catalogProvision(t, sc, af, "team-busy", "team-busy", "aws+team-busy@northwind.example", "Sandbox")
	clk.Advance(afPastStart)
	rec := catalogRecord(t, sc, aws.ToString(rd.RecordId))
	require.Equal(t, types.RecordStatusFailed, rec.RecordDetail.Status)
	assert.Equal(t, "ResourceInUseException", aws.ToString(ctRecordError(t, rec).Code))
	assert.Equal(t, accountfactory.MsgBusy, aws.ToString(ctRecordError(t, rec).Description))

	clk.Advance(10 * time.Minute)
	again := catalogProvision(t, sc, af, "team-busy-2", "team-busy", "aws+team-busy@northwind.example", "Sandbox")
	clk.Advance(afPastStart)
	assert.Equal(t, types.RecordStatusInProgress, catalogRecord(t, sc, aws.ToString(again.RecordId)).RecordDetail.Status)
}

func TestControlTowerTerminateIsOneAtATime(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()

	first := ctTerminate(t, sc, "sandbox-jdoe", "term-1")
	assert.Equal(t, "TERMINATE_PROVISIONED_PRODUCT", aws.ToString(first.RecordType))
	second := ctTerminate(t, sc, "sandbox-hackathon-2025", "term-2")
	again := ctTerminate(t, sc, "sandbox-jdoe", "term-1")
	assert.Equal(t, aws.ToString(first.RecordId), aws.ToString(again.RecordId), "the token makes the retry the same request")

	_, err := sc.UpdateProvisionedProduct(ctx, &servicecatalog.UpdateProvisionedProductInput{
		ProvisionedProductName: aws.String("sandbox-jdoe"), UpdateToken: aws.String("upd"), ProvisioningParameters: ctUpdateParams(nil)})
	var ip *types.InvalidParametersException
	assert.ErrorAs(t, err, &ip, "a product under change takes no other request")

	clk.Advance(afPastStart)
	assert.Equal(t, types.RecordStatusInProgress, catalogRecord(t, sc, aws.ToString(first.RecordId)).RecordDetail.Status)
	rec := catalogRecord(t, sc, aws.ToString(second.RecordId))
	require.Equal(t, types.RecordStatusFailed, rec.RecordDetail.Status, "unmanaging is one account at a time")
	assert.Equal(t, "ResourceInUseException", aws.ToString(ctRecordError(t, rec).Code))
	assert.Equal(t, types.ProvisionedProductStatusTainted, catalogProduct(t, sc, "sandbox-hackathon-2025").Status,
		"the account is still managed")

	clk.Advance(time.Hour)
	assert.Equal(t, types.RecordStatusSucceeded, catalogRecord(t, sc, aws.ToString(first.RecordId)).RecordDetail.Status)
	acct := ctAccount(s, "941506978324")
	assert.Equal(t, "r-nw7k", acct.ParentID, "unmanaged accounts go to Root")
	assert.False(t, acct.Enrolled)
	assert.Equal(t, "ACTIVE", acct.Status, "terminating does not close the account")
	_, err = sc.DescribeProvisionedProduct(ctx, &servicecatalog.DescribeProvisionedProductInput{Name: aws.String("sandbox-jdoe")})
	assert.Equal(t, "ResourceNotFoundException", catalogErrCode(err), "the product is gone")
	_, err = sc.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
		ProvisionedProductName: aws.String("sandbox-jdoe"), TerminateToken: aws.String("term-1")})
	assert.Equal(t, "ResourceNotFoundException", catalogErrCode(err), "after termination the token is spent")
	assert.Empty(t, catalogSearch(t, sc, "physicalId:941506978324"))
	assert.Len(t, catalogSearch(t, sc, "name:sandbox-jdoe"), 0, "the name is free again")
	assert.True(t, ctHasAdmin(s, "jane.doe@northwind.example", "941506978324"), "Identity Center users keep their access")

	retry := ctTerminate(t, sc, "sandbox-hackathon-2025", "term-2b")
	clk.Advance(time.Hour)
	assert.Equal(t, types.RecordStatusSucceeded, catalogRecord(t, sc, aws.ToString(retry.RecordId)).RecordDetail.Status)
	assert.Equal(t, "r-nw7k", ctAccount(s, "952617089435").ParentID)
	assert.Empty(t, ctLifecycleEvents(t, s), "unmanaging sends no lifecycle event")
}

func TestControlTowerEnrollment(t *testing.T) {
	cases := []struct {
		name, account, email, accountName string
		// refusal is Control Tower's refusal when it takes the request (no event);
		// precheck the workflow's failure (FAILED event); neither: success.
		refusal, precheck string
		startParent       string
	}{
		{name: "trusted role", account: "730335518842", email: "aws+marketing-analytics@northwind.example", accountName: "marketing-analytics", startParent: "r-nw7k"},
		{name: "untrusted role", account: "163728394051", email: "aws+data-lake-dev@northwind.example", accountName: "data-lake-dev",
			precheck: accountfactory.MsgRole, startParent: "ou-nw7k-leg00001"},
		{name: "missing role", account: "604829118370", email: "aws-root@retail-acquisition.example", accountName: "acquired-retail",
			precheck: accountfactory.MsgRole, startParent: "r-nw7k"},
		{name: "suspended", account: "174839405162", email: "aws+old-marketing@northwind.example", accountName: "old-marketing",
			precheck: "This account has been suspended. It cannot be enrolled", startParent: "ou-nw7k-sus00001"},
		{name: "already enrolled", account: "618273645091", email: "aws+payments-prod@northwind.example", accountName: "payments-prod",
			refusal: "already enrolled", startParent: "ou-nw7k-wklprod1"},
		{name: "email of an account with another name", account: "730335518842", email: "aws+marketing-analytics@northwind.example", accountName: "marketing",
			refusal: "does not match the name marketing-analytics", startParent: "r-nw7k"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, clk := newTestSim(t, nil)
			sc := catalogClient(s)
			af := catalogFindAF(t, sc)
			accounts := ctAccountCount(s)
			rd := catalogProvision(t, sc, af, "Enroll-Account-"+tc.accountName, tc.accountName, tc.email, "Enrollment (ou-nw7k-enr00001)")
			clk.Advance(afPastStart)
			status := func() *servicecatalog.DescribeRecordOutput { return catalogRecord(t, sc, aws.ToString(rd.RecordId)) }

			if tc.refusal != "" {
				rec := status()
				require.Equal(t, types.RecordStatusFailed, rec.RecordDetail.Status)
				assert.Contains(t, aws.ToString(ctRecordError(t, rec).Description), tc.refusal)
				clk.Advance(time.Hour)
				assert.Empty(t, ctLifecycleEvents(t, s))
				assert.Equal(t, tc.startParent, ctAccount(s, tc.account).ParentID)
				assert.Equal(t, accounts, ctAccountCount(s), "a matching email never creates another account")
				return
			}
			require.Equal(t, types.RecordStatusInProgress, status().RecordDetail.Status)
			clk.Advance(time.Hour)
			rec := status()
			evs := ctLifecycleEvents(t, s)
			require.Len(t, evs, 1)
			d := evs[0].detail
			assert.Equal(t, "CreateManagedAccount", d.EventName, "enrollment reports like a creation")
			assert.Equal(t, tc.account, d.status().Account.ID)
			assert.Equal(t, accounts, ctAccountCount(s), "enrollment creates no account")
			acct := ctAccount(s, tc.account)
			if tc.precheck != "" {
				require.Equal(t, types.RecordStatusFailed, rec.RecordDetail.Status)
				assert.Contains(t, aws.ToString(ctRecordError(t, rec).Description), tc.precheck)
				assert.Equal(t, "FAILED", d.status().State)
				assert.Equal(t, types.ProvisionedProductStatusError, catalogProduct(t, sc, "Enroll-Account-"+tc.accountName).Status)
				assert.False(t, acct.Enrolled)
				assert.Equal(t, tc.startParent, acct.ParentID, "the prechecks fail before the account moves")
				return
			}
			require.Equal(t, types.RecordStatusSucceeded, rec.RecordDetail.Status)
			assert.Equal(t, "SUCCEEDED", d.status().State)
			assert.True(t, acct.Enrolled)
			assert.Equal(t, "ou-nw7k-enr00001", acct.ParentID)
			assert.Equal(t, "INVITED", acct.JoinedMethod)
			assert.Equal(t, tc.account, catalogOutputs(rec.RecordOutputs)["AccountId"])
			assert.True(t, ctHasAdmin(s, tc.email, tc.account))
		})
	}
}

func TestControlTowerUpdate(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	ctx := context.Background()
	const acct = "830495867213" // payments-staging, in Workloads/NonProd

	rd := ctUpdate(t, sc, "payments-staging", "move-1", map[string]string{
		accountfactory.ManagedOU: "Prod (ou-nw7k-wklprod1)", accountfactory.SSOEmail: "pay.owner@northwind.example", accountfactory.SSOFirstName: "Pay", accountfactory.SSOLastName: "Owner"})
	assert.Equal(t, "UPDATE_PROVISIONED_PRODUCT", aws.ToString(rd.RecordType))
	assert.Equal(t, types.RecordStatusCreated, rd.Status)
	same := ctUpdate(t, sc, "payments-staging", "move-1", nil)
	assert.Equal(t, aws.ToString(rd.RecordId), aws.ToString(same.RecordId), "the UpdateToken makes a retry the same request")

	_, err := sc.UpdateProvisionedProduct(ctx, &servicecatalog.UpdateProvisionedProductInput{
		ProvisionedProductName: aws.String("payments-staging"), UpdateToken: aws.String("move-2"), ProvisioningParameters: ctUpdateParams(nil)})
	var ip *types.InvalidParametersException
	assert.ErrorAs(t, err, &ip, "a product under change takes no other request")
	_, err = sc.TerminateProvisionedProduct(ctx, &servicecatalog.TerminateProvisionedProductInput{
		ProvisionedProductName: aws.String("payments-staging"), TerminateToken: aws.String("t")})
	assert.Equal(t, "InvalidParametersException", catalogErrCode(err), "not in Terminate's model, so the SDK leaves it untyped")

	clk.Advance(afPastStart + 5*time.Minute)
	assert.Equal(t, types.RecordStatusInProgress, catalogRecord(t, sc, aws.ToString(rd.RecordId)).RecordDetail.Status)
	assert.Equal(t, "ou-nw7k-wklnonp1", ctAccount(s, acct).ParentID, "the move lands at the end")

	clk.Advance(time.Hour)
	rec := catalogRecord(t, sc, aws.ToString(rd.RecordId))
	require.Equal(t, types.RecordStatusSucceeded, rec.RecordDetail.Status)
	assert.Equal(t, "ou-nw7k-wklprod1", ctAccount(s, acct).ParentID)
	assert.True(t, ctHasAdmin(s, "pay.owner@northwind.example", acct))
	assert.Equal(t, "pay.owner@northwind.example", catalogOutputs(rec.RecordOutputs)["SSOUserEmail"])
	evs := ctLifecycleEvents(t, s)
	require.Len(t, evs, 1)
	assert.Equal(t, "UpdateManagedAccount", evs[0].detail.EventName)
	st := evs[0].detail.ServiceEventDetails["updateManagedAccountStatus"]
	assert.Equal(t, "SUCCEEDED", st.State)
	assert.Equal(t, "ou-nw7k-wklprod1", st.OrganizationalUnit.ID)
	assert.Equal(t, "Prod", st.OrganizationalUnit.Name)

	// A second SSO user: Control Tower adds it; the first keeps its access.
	ctUpdate(t, sc, "payments-staging", "sso-2", map[string]string{accountfactory.SSOEmail: "pay.deputy@northwind.example"})
	clk.Advance(time.Hour)
	assert.True(t, ctHasAdmin(s, "pay.deputy@northwind.example", acct))
	assert.True(t, ctHasAdmin(s, "pay.owner@northwind.example", acct))

	bad := []struct {
		name   string
		params []types.UpdateProvisioningParameter
		want   string
	}{
		{"parameter left out", ctUpdateParams(nil)[:5], "Parameters: [ManagedOrganizationalUnit] must have values"},
		{"new account email", ctUpdateParams(map[string]string{accountfactory.AccountEmail: "aws+other@northwind.example"}), "AccountEmail cannot be changed"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			_, err := sc.UpdateProvisionedProduct(ctx, &servicecatalog.UpdateProvisionedProductInput{
				ProvisionedProductName: aws.String("payments-staging"), UpdateToken: aws.String(b.name), ProvisioningParameters: b.params})
			var ip *types.InvalidParametersException
			require.ErrorAs(t, err, &ip)
			assert.Contains(t, aws.ToString(ip.Message), b.want)
		})
	}
}

func TestControlTowerFailProvisioning(t *testing.T) {
	s, clk := newTestSim(t, func(w *awssim.World) { w.Faults.FailProvisioning = []string{"team-flaky"} })
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	rd := catalogProvision(t, sc, af, "team-flaky", "team-flaky", "aws+team-flaky@northwind.example", "Sandbox (ou-nw7k-sbx00001)")

	statuses := []types.RecordStatus{rd.Status}
	for range 60 {
		clk.Advance(time.Minute)
		if st := catalogRecord(t, sc, aws.ToString(rd.RecordId)).RecordDetail.Status; st != statuses[len(statuses)-1] {
			statuses = append(statuses, st)
		}
	}
	assert.Equal(t, []types.RecordStatus{types.RecordStatusCreated, types.RecordStatusInProgress,
		types.RecordStatusInProgressInError, types.RecordStatusFailed}, statuses)
	rec := catalogRecord(t, sc, aws.ToString(rd.RecordId))
	assert.Contains(t, aws.ToString(ctRecordError(t, rec).Description), "AWS Control Tower could not apply the AWSControlTowerBaseline")
	pp := catalogProduct(t, sc, "team-flaky")
	assert.Equal(t, types.ProvisionedProductStatusError, pp.Status)

	acct := ctAccountByEmail(s, "aws+team-flaky@northwind.example")
	require.NotNil(t, acct, "the half-created account stays")
	assert.False(t, acct.Enrolled)
	assert.Len(t, catalogSearch(t, sc, "physicalId:"+acct.ID), 1, "a retry finds it through its product")
	evs := ctLifecycleEvents(t, s)
	require.Len(t, evs, 1)
	assert.Equal(t, "CreateManagedAccount", evs[0].detail.EventName)
	assert.Equal(t, "FAILED", evs[0].detail.status().State)
	assert.Equal(t, acct.ID, evs[0].detail.status().Account.ID)

	// The fault fails once; the retry updates the product and finds the account.
	accounts := ctAccountCount(s)
	retry := ctUpdate(t, sc, "team-flaky", "flaky-retry", nil)
	clk.Advance(time.Hour)
	assert.Equal(t, types.RecordStatusSucceeded, catalogRecord(t, sc, aws.ToString(retry.RecordId)).RecordDetail.Status)
	assert.Equal(t, accounts, ctAccountCount(s), "no second account")
	assert.True(t, ctAccount(s, acct.ID).Enrolled)
	evs = ctLifecycleEvents(t, s)
	require.Len(t, evs, 2)
	assert.Equal(t, "UpdateManagedAccount", evs[1].detail.EventName, "Control Tower has seen the account before")
	assert.Equal(t, "SUCCEEDED", evs[1].detail.status().State)
}

func TestControlTowerFailProvisioningRate(t *testing.T) {
	s, clk := newTestSim(t, func(w *awssim.World) { w.Faults.FailProvisioningRate = 1 })
	sc := catalogClient(s)
	rd := ctUpdate(t, sc, "payments-staging", "doomed", map[string]string{accountfactory.ManagedOU: "Prod (ou-nw7k-wklprod1)"})
	clk.Advance(time.Hour)
	rec := catalogRecord(t, sc, aws.ToString(rd.RecordId))
	require.Equal(t, types.RecordStatusFailed, rec.RecordDetail.Status)
	assert.Equal(t, types.ProvisionedProductStatusTainted, catalogProduct(t, sc, "payments-staging").Status,
		"a failed update leaves a working, tainted product")
	assert.Equal(t, "ou-nw7k-wklnonp1", ctAccount(s, "830495867213").ParentID, "the move did not happen")
	assert.True(t, ctAccount(s, "830495867213").Enrolled)
	evs := ctLifecycleEvents(t, s)
	require.Len(t, evs, 1)
	assert.Equal(t, "UpdateManagedAccount", evs[0].detail.EventName)
	assert.Equal(t, "FAILED", evs[0].detail.status().State)
}

func TestControlTowerSnapshotRestoreResumesOperations(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	af := catalogFindAF(t, sc)
	running := catalogProvision(t, sc, af, "team-snap", "team-snap", "aws+team-snap@northwind.example", "Sandbox")
	clk.Advance(afPastStart + 5*time.Minute)
	pending := catalogProvision(t, sc, af, "team-snap-2", "team-snap-2", "aws+team-snap-2@northwind.example", "Sandbox")
	require.Equal(t, types.RecordStatusInProgress, catalogRecord(t, sc, aws.ToString(running.RecordId)).RecordDetail.Status)

	var buf bytes.Buffer
	require.NoError(t, s.Snapshot(&buf))
	at, err := awssim.SnapshotTime(buf.Bytes())
	require.NoError(t, err)
	clk2 := clock.NewVirtual(at, 0)
	s2, err := awssim.Restore(&buf, awssim.Options{Clock: clk2})
	require.NoError(t, err)
	sc2 := catalogClient(s2)

	clk2.Advance(time.Hour)
	for _, rd := range []*types.RecordDetail{running, pending} {
		rec := catalogRecord(t, sc2, aws.ToString(rd.RecordId))
		assert.Equal(t, types.RecordStatusSucceeded, rec.RecordDetail.Status, aws.ToString(rd.ProvisionedProductName))
	}
	acct := ctAccountByEmail(s2, "aws+team-snap@northwind.example")
	require.NotNil(t, acct)
	assert.True(t, acct.Enrolled)
	assert.Len(t, ctLifecycleEvents(t, s2), 2)
}

// An administrator's create in Account Factory's console is an ordinary
// Account Factory create, not towervend's: the product carries the console's
// token and the administrator's identity, and Control Tower goes through
// Organizations CreateAccount and ends with CreateManagedAccount.
func TestControlTowerConsoleCreate(t *testing.T) {
	s, clk := newTestSim(t, nil)
	sc := catalogClient(s)
	ppID, err := s.ProvisionInConsole(awssim.ConsoleAccount{Name: "research", Email: "aws+research@northwind.example", OU: "Sandbox",
		OwnerEmail: "sam.okafor@northwind.example", OwnerFirstName: "Sam", OwnerLastName: "Okafor"})
	require.NoError(t, err)
	hits := catalogSearch(t, sc, "id:"+ppID)
	require.Len(t, hits, 1)
	assert.Equal(t, "research", aws.ToString(hits[0].Name))
	assert.Regexp(t, `^console-`, aws.ToString(hits[0].IdempotencyToken))
	assert.Contains(t, aws.ToString(hits[0].UserArnSession), ":assumed-role/AWSReservedSSO_AWSAdministratorAccess_")

	clk.Advance(5 * time.Minute)
	acct := ctAccountByEmail(s, "aws+research@northwind.example")
	require.NotNil(t, acct)
	assert.Len(t, ctOrgEvents(t, s, "CreateAccountResult"), 1)
	assert.Empty(t, ctLifecycleEvents(t, s))
	clk.Advance(time.Hour)
	evs := ctLifecycleEvents(t, s)
	require.Len(t, evs, 1)
	assert.Equal(t, "CreateManagedAccount", evs[0].detail.EventName)
	assert.Equal(t, acct.ID, evs[0].detail.ServiceEventDetails["createManagedAccountStatus"].Account.ID)
	assert.True(t, ctAccount(s, acct.ID).Enrolled)
	assert.Equal(t, "Sandbox", s.OUPath(ctAccount(s, acct.ID).ParentID))

	_, err = s.ProvisionInConsole(awssim.ConsoleAccount{Name: "nowhere", Email: "aws+nowhere@northwind.example", OU: "No/Such/OU",
		OwnerEmail: "sam.okafor@northwind.example", OwnerFirstName: "Sam", OwnerLastName: "Okafor"})
	assert.ErrorContains(t, err, `no OU "No/Such/OU"`)
}
