package vend_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

// create returns a create request body for a new account, with the parts
// a test changes spliced in.
func createBody(account, extra string) string {
	return `{"requestId": "CHG3000", "action": "create", "account": ` + account + `,
		"owner": {"email": "raj.patel@northwind.example", "firstName": "Raj", "lastName": "Patel"},
		"tags": {"CostCenter": "2100"}` + extra + `}`
}

// Every request towervend cannot or may not carry out is rejected by
// Validate before anything changes, with problems that name the field, the
// value and the fix.
func TestValidateRejects(t *testing.T) {
	const newAccount = `"name": "payments-new", "email": "aws+payments-new@northwind.example"`
	tests := []struct {
		name   string
		policy func(*policy.Policy)
		body   string
		want   request.Problem // Message and Fix are substrings
		// absent are substrings the problem's fix may not contain.
		absent []string
		// others are the messages of further problems on the same field, each
		// a different rule the value breaks.
		others []string
	}{
		{
			name: "unknown OU",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "Workloads/Staging"}`, ""),
			want: request.Problem{Field: "account.organizationalUnit", Value: "Workloads/Staging",
				Message: `no OU at path "Workloads/Staging" from Root`, Fix: "use one of: Enrollment, Infrastructure, Infrastructure/Prod, Sandbox, Security, Workloads, Workloads/NonProd, Workloads/Prod"},
		},
		{
			name: "a name that exists only nested, twice",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "Prod"}`, ""),
			want: request.Problem{Field: "account.organizationalUnit", Value: "Prod",
				Message: `no OU at path "Prod" from Root`, Fix: "write the full path from Root: Infrastructure/Prod or Workloads/Prod"},
		},
		{
			name: "an OU not registered with Control Tower",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "Legacy"}`, ""),
			want: request.Problem{Field: "account.organizationalUnit", Value: "Legacy",
				Message: "OU Legacy is not registered with Control Tower", Fix: "register it in the Control Tower console or choose one of: "},
			absent: []string{"Legacy", "Suspended", "Security", "Infrastructure"}, // unregistered, or closed to accounts by the policy
		},
		{
			name: "an OU id that does not exist",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "ou-nw7k-zzzzzzzz"}`, ""),
			want: request.Problem{Field: "account.organizationalUnit", Value: "ou-nw7k-zzzzzzzz",
				Message: "no OU with id ou-nw7k-zzzzzzzz", Fix: "use one of: "},
		},
		{
			name: "email already used",
			body: createBody(`{"name": "payments-new", "email": "aws+payments-prod@northwind.example", "organizationalUnit": "Workloads/Prod"}`, ""),
			want: request.Problem{Field: "account.email", Value: "aws+payments-prod@northwind.example",
				Message: "account 618273645091 (payments-prod) already uses this email", Fix: "use action enroll"},
		},
		{
			name: "the management account's email",
			body: createBody(`{"name": "payments-new", "email": "aws-management@northwind.example", "organizationalUnit": "Workloads/Prod"}`, ""),
			want: request.Problem{Field: "account.email", Value: "aws-management@northwind.example",
				Message: "account 111122223333 (northwind-management) already uses this email", Fix: "this one is the management account's"},
			absent: []string{"enroll for the existing account"},
		},
		{
			name: "a closed account's email",
			body: createBody(`{"name": "payments-new", "email": "aws+old-marketing@northwind.example", "organizationalUnit": "Workloads/Prod"}`, ""),
			want: request.Problem{Field: "account.email", Value: "aws+old-marketing@northwind.example",
				Message: "account 174839405162 (old-marketing) already uses this email", Fix: "a SUSPENDED account keeps its email"},
			absent: []string{"enroll for the existing account"},
		},
		{
			name: "close the log archive account",
			body: `{"requestId": "CHG3020", "action": "close", "account": {"id": "222233334444"}}`,
			want: request.Problem{Field: "account.id", Value: "222233334444",
				Message: "account 222233334444 (log-archive) is the landing zone's log archive account", Fix: "no policy setting allows this"},
		},
		{
			name: "unmanage the audit account",
			body: `{"requestId": "CHG3021", "action": "unmanage", "account": {"id": "333344445555"}}`,
			want: request.Problem{Field: "account.id", Value: "333344445555",
				Message: "account 333344445555 (audit) is the landing zone's audit account", Fix: "no policy setting allows this"},
		},
		{
			name: "move the audit account out of the Security OU",
			body: `{"requestId": "CHG3022", "action": "update", "account": {"id": "333344445555", "organizationalUnit": "Sandbox"}}`,
			want: request.Problem{Field: "account.id", Value: "333344445555",
				Message: "so towervend will not move it", Fix: "leave this account where it is"},
		},
		{
			name: "name already used",
			body: createBody(`{"name": "payments-prod", "email": "aws+payments-new@northwind.example", "organizationalUnit": "Workloads/Prod"}`, ""),
			want: request.Problem{Field: "account.name", Value: "payments-prod",
				Message: "account 618273645091 already has this name", Fix: "choose a name no other account"},
		},
		{
			name: "enroll an account not in the organization",
			body: `{"requestId": "CHG3001", "action": "enroll", "account": {"id": "999999999999", "organizationalUnit": "Workloads/Prod"}, "tags": {"CostCenter": "1"}}`,
			want: request.Problem{Field: "account.id", Value: "999999999999", Message: "no account with this id in the organization", Fix: "check the id"},
		},
		{
			name: "update an account not in the organization",
			body: `{"requestId": "CHG3002", "action": "update", "account": {"id": "999999999999"}, "tags": {"Team": "x"}}`,
			want: request.Problem{Field: "account.id", Value: "999999999999", Message: "no account with this id in the organization", Fix: "check the id"},
		},
		{
			name: "unmanage an account not in the organization",
			body: `{"requestId": "CHG3003", "action": "unmanage", "account": {"id": "999999999999"}}`,
			want: request.Problem{Field: "account.id", Value: "999999999999", Message: "no account with this id in the organization", Fix: "check the id"},
		},
		{
			name: "close an account not in the organization",
			body: `{"requestId": "CHG3004", "action": "close", "account": {"id": "999999999999"}}`,
			want: request.Problem{Field: "account.id", Value: "999999999999", Message: "no account with this id in the organization", Fix: "check the id"},
		},
		{
			name: "a suspended account",
			body: `{"requestId": "CHG3005", "action": "update", "account": {"id": "174839405162"}, "tags": {"Team": "x"}}`,
			want: request.Problem{Field: "account.id", Value: oldMarketingID, Message: "account 174839405162 is SUSPENDED", Fix: "only active accounts"},
		},
		{
			name: "the management account",
			body: `{"requestId": "CHG3006", "action": "enroll", "account": {"id": "111122223333", "organizationalUnit": "Workloads/Prod"}, "tags": {"CostCenter": "1"}}`,
			want: request.Problem{Field: "account.id", Value: mgmtID, Message: "this is the management account", Fix: "towervend does not change the management account"},
		},
		{
			name: "enroll under another name",
			body: `{"requestId": "CHG3007", "action": "enroll", "account": {"id": "730335518842", "name": "marketing", "organizationalUnit": "Workloads/Prod"}, "tags": {"CostCenter": "4100"}}`,
			want: request.Problem{Field: "account.name", Value: "marketing",
				Message: `account 730335518842 is named "marketing-analytics"`, Fix: `write "marketing-analytics" or leave account.name out`},
		},
		{
			name: "enroll an account Control Tower already manages",
			body: `{"requestId": "CHG3008", "action": "enroll", "account": {"id": "618273645091", "organizationalUnit": "Workloads/Prod"}, "tags": {"CostCenter": "2100"}}`,
			want: request.Problem{Field: "account.id", Value: paymentsProdID, Message: "account 618273645091 is already enrolled", Fix: "use action update"},
		},
		{
			name: "unmanage an account Control Tower does not manage",
			body: `{"requestId": "CHG3009", "action": "unmanage", "account": {"id": "730335518842"}}`,
			want: request.Problem{Field: "account.id", Value: marketingID, Message: "is not managed by Control Tower", Fix: "use action close"},
		},
		{
			name: "unknown group",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "Workloads/Prod"}`, `, "access": [{"group": "nobody", "permissionSet": "AWSReadOnlyAccess"}]`),
			want: request.Problem{Field: "access[0].group", Value: "nobody", Message: "no group with this display name in IAM Identity Center", Fix: "check the group's display name"},
		},
		{
			name: "unknown user",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "Workloads/Prod"}`, `, "access": [{"user": "ghost@northwind.example", "permissionSet": "AWSReadOnlyAccess"}]`),
			want: request.Problem{Field: "access[0].user", Value: "ghost@northwind.example", Message: "no user with this user name or email in IAM Identity Center", Fix: "check the user name or email"},
		},
		{
			name: "unknown permission set",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "Sandbox"}`, `, "access": [{"group": "platform-admins", "permissionSet": "SuperAdmin"}]`),
			want: request.Problem{Field: "access[0].permissionSet", Value: "SuperAdmin", Message: "no permission set with this name in IAM Identity Center",
				Fix: "use one of: AWSAdministratorAccess, AWSPowerUserAccess, AWSReadOnlyAccess, BillingReadOnly, ViewOnlyAccess"},
			others: []string{"SuperAdmin may not be granted anywhere: it is not listed in policy.permissionSets"},
		},
		{
			name: "policy: an OU that may not receive accounts",
			body: createBody(`{`+newAccount+`, "organizationalUnit": "Infrastructure/Prod"}`, ""),
			want: request.Problem{Field: "account.organizationalUnit", Value: "Infrastructure/Prod",
				Message: "OU Infrastructure/Prod may not receive accounts (policy.organizationalUnits)", Fix: "choose Sandbox, any OU below Workloads or Enrollment"},
		},
		{
			name: "policy: an email domain that is not allowed",
			body: createBody(`{"name": "payments-new", "email": "payments-new@gmail.example", "organizationalUnit": "Workloads/Prod"}`, ""),
			want: request.Problem{Field: "account.email", Value: "payments-new@gmail.example",
				Message: "is not at an allowed domain (policy.emailDomains)", Fix: "use an address at northwind.example"},
		},
		{
			name: "policy: a permission set not allowed in the OU",
			body: func() string { b, _ := sampleBody("08-policy-violation"); return b }(),
			want: request.Problem{Field: "access[0].permissionSet", Value: "AWSAdministratorAccess",
				Message: "AWSAdministratorAccess may be granted only in Sandbox (policy.permissionSets)", Fix: "request AWSReadOnlyAccess or put the account in Sandbox"},
		},
		{
			name: "policy: a required tag missing",
			body: `{"requestId": "CHG3010", "action": "create", "account": {` + newAccount + `, "organizationalUnit": "Workloads/Prod"},
				"owner": {"email": "raj.patel@northwind.example", "firstName": "Raj", "lastName": "Patel"}}`,
			want: request.Problem{Field: "tags.CostCenter", Message: "is required on every account (policy.requiredTags)", Fix: "add tags.CostCenter with a value"},
		},
		{
			name: "policy: an update removing a required tag",
			body: `{"requestId": "CHG3011", "action": "update", "account": {"id": "618273645091"}, "tags": {"CostCenter": null}}`,
			want: request.Problem{Field: "tags.CostCenter", Value: "null", Message: "would remove CostCenter", Fix: "give it a new value"},
		},
		{
			name:   "policy: closing not allowed",
			policy: func(p *policy.Policy) { p.AllowClose = aws.Bool(false) },
			body:   `{"requestId": "CHG3012", "action": "close", "account": {"id": "941506978324"}}`,
			want:   request.Problem{Field: "action", Value: "close", Message: "closing accounts is not allowed", Fix: "unmanage"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, setup{policy: tt.policy})
			doc := f.mustStep("Validate", f.deps.Validate, &vend.Doc{Request: decode(t, tt.body)})

			require.True(t, doc.Plan.Rejected, "the request is rejected")
			assert.Equal(t, "rejected", doc.Outcome)
			assert.Equal(t, vend.OpNone, doc.Plan.Operation, "a rejected plan runs nothing")
			assert.Empty(t, doc.Plan.Grant)
			var found, onField []request.Problem
			for _, p := range doc.Plan.Problems {
				assert.NotEmpty(t, p.Field, "every problem names its field: %+v", p)
				assert.NotEmpty(t, p.Message, "every problem says what is wrong: %+v", p)
				assert.NotEmpty(t, p.Fix, "every problem says how to fix it: %+v", p)
				if p.Field != tt.want.Field {
					continue
				}
				onField = append(onField, p)
				if strings.Contains(p.Message, tt.want.Message) {
					found = append(found, p)
				}
			}
			require.Len(t, found, 1, "one problem says %q: %+v", tt.want.Message, doc.Plan.Problems)
			assert.Len(t, onField, 1+len(tt.others), "no rule is reported twice, and no problem follows from another: %+v", onField)
			for _, msg := range tt.others {
				assert.True(t, slices.ContainsFunc(onField, func(p request.Problem) bool { return strings.Contains(p.Message, msg) }), "a problem says %q", msg)
			}
			p := found[0]
			assert.Equal(t, tt.want.Value, p.Value)
			assert.Contains(t, p.Message, tt.want.Message)
			assert.Contains(t, p.Fix, tt.want.Fix)
			for _, s := range tt.absent {
				assert.NotContains(t, p.Fix, s)
			}

			// Validate announced the rejection to the requester, with every problem.
			ns := f.notifications()
			require.Len(t, ns, 1)
			assert.Equal(t, vend.StateRejected, ns[0].State)
			assert.Equal(t, doc.Plan.Problems, ns[0].Problems)
			assert.Contains(t, ns[0].Reason, doc.Plan.Problems[0].Field)

			for _, op := range []string{"ProvisionProduct", "UpdateProvisionedProduct", "TerminateProvisionedProduct"} {
				assert.Zero(t, f.calls("servicecatalog", op), "nothing changed: %s", op)
			}
			assert.Zero(t, f.calls("sso", "CreateAccountAssignment"))
			assert.Zero(t, f.calls("organizations", "TagResource"))
		})
	}
}
