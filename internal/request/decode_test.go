package request

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	require.NoError(t, err)
	return b
}

// fixture returns a testdata request as a map, for tests to change.
func fixture(t testing.TB, name string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(readFixture(t, name), &m))
	return m
}

func body(t testing.TB, m map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func obj(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }

// problemsOf asserts err is a *Problems and returns its list.
func problemsOf(t testing.TB, err error) []Problem {
	t.Helper()
	var probs *Problems
	require.True(t, errors.As(err, &probs), "want *Problems, got %T: %v", err, err)
	require.NotEmpty(t, probs.List)
	return probs.List
}

func TestDecodeValidRequests(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, r *Request)
	}{
		{"create", func(t *testing.T, r *Request) {
			assert.Equal(t, ActionCreate, r.Action)
			assert.Equal(t, "CHG0042", r.RequestID)
			assert.Equal(t, Account{Name: "payments-prod", Email: "aws+payments-prod@northwind.example", OrganizationalUnit: "Workloads/Prod"}, r.Account)
			assert.Equal(t, &Owner{Email: "jane@northwind.example", FirstName: "Jane", LastName: "Doe"}, r.Owner)
			assert.Equal(t, []Access{{Group: "payments-admins", PermissionSet: "AWSReadOnlyAccess"}, {User: "jane@northwind.example", PermissionSet: "ViewOnlyAccess"}}, r.Access)
			require.NotNil(t, r.Tags["CostCenter"])
			assert.Equal(t, "1234", *r.Tags["CostCenter"])
			assert.Equal(t, &Requester{System: "servicenow", Ticket: "RITM0012345", By: "jane@northwind.example"}, r.Requester)
		}},
		{"enroll", func(t *testing.T, r *Request) {
			assert.Equal(t, ActionEnroll, r.Action)
			assert.Equal(t, "210987654321", r.Account.ID)
			assert.Nil(t, r.Owner, "owner is optional for enroll")
			assert.Equal(t, OURef{Name: "Workloads/NonProd", ID: "ou-ab12-cd34ef56"}, r.Account.OURef())
		}},
		{"update", func(t *testing.T, r *Request) {
			assert.Equal(t, ActionUpdate, r.Action)
			assert.True(t, r.RevokePreviousOwner)
			v, present := r.Tags["Legacy"]
			assert.True(t, present, "a null tag stays in the map")
			assert.Nil(t, v, "null means remove the tag")
		}},
		{"unmanage", func(t *testing.T, r *Request) {
			assert.Equal(t, ActionUnmanage, r.Action)
			assert.Equal(t, Account{ID: "123456789012"}, r.Account)
		}},
		{"close", func(t *testing.T, r *Request) {
			assert.Equal(t, ActionClose, r.Action)
			assert.Nil(t, r.Requester)
		}},
	}
	v, err := NewValidator()
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := v.Decode(readFixture(t, tt.file))
			require.NoError(t, err)
			require.NotNil(t, r)
			tt.check(t, r)
		})
	}
}

func TestDecodeAcceptsEveryOUForm(t *testing.T) {
	for _, ou := range []string{"Workloads/Prod", "Root/Workloads/Prod", "Sandbox", "Team A/Prod Apps", "Prod (ou-ab12-cd34ef56)", "ou-ab12-cd34ef56"} {
		t.Run(ou, func(t *testing.T) {
			m := fixture(t, "create")
			obj(m, "account")["organizationalUnit"] = ou
			_, err := Decode(body(t, m))
			assert.NoError(t, err)
		})
	}
}

// want is an expected problem: its field and a part of its message.
type want struct{ field, message string }

func TestDecodeReportsEveryViolation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name   string
		base   string
		change func(m map[string]any)
		want   []want
	}{
		{"create needs name, email, OU and owner", "create", func(m map[string]any) {
			m["account"] = map[string]any{}
			delete(m, "owner")
		}, []want{
			{"account.name", "is required to create an account"},
			{"account.email", "is required to create an account"},
			{"account.organizationalUnit", "is required to create an account"},
			{"owner", "is required to create an account"},
		}},
		{"create forbids account.id", "create", func(m map[string]any) { obj(m, "account")["id"] = "123456789012" },
			[]want{{"account.id", "AWS assigns the id"}}},
		{"create forbids null tags", "create", func(m map[string]any) { obj(m, "tags")["Legacy"] = nil },
			[]want{{"tags.Legacy", "null removes a tag, which only update can do"}}},
		{"create forbids revokePreviousOwner", "create", func(m map[string]any) { m["revokePreviousOwner"] = true },
			[]want{{"revokePreviousOwner", "applies only to update"}}},
		{"email too long and owner email malformed", "create", func(m map[string]any) {
			obj(m, "account")["email"] = long(60) + "@x.io"
			obj(m, "owner")["email"] = "jane.northwind.example"
		}, []want{
			{"account.email", "is longer than 64 characters"},
			{"owner.email", `"jane.northwind.example" is not an email address`},
		}},
		{"account name too long and not ASCII", "create", func(m map[string]any) { obj(m, "account")["name"] = strings.Repeat("ü", 51) },
			[]want{{"account.name", "is longer than 50 characters"}, {"account.name", "characters AWS Organizations does not allow"}}},
		{"request id", "create", func(m map[string]any) { m["requestId"] = "CHG 0042" },
			[]want{{"requestId", `"CHG 0042" is not a valid request id`}}},
		{"empty request id", "create", func(m map[string]any) { m["requestId"] = "" },
			[]want{{"requestId", "is empty"}}},
		{"long request id", "create", func(m map[string]any) { m["requestId"] = long(65) },
			[]want{{"requestId", "is longer than 64 characters"}}},
		{"every request needs requestId, action, account", "create", func(m map[string]any) {
			delete(m, "requestId")
			delete(m, "action")
			delete(m, "account")
		}, []want{{"requestId", "is required in every request"}, {"action", "is required in every request"}, {"account", "is required in every request"}}},
		{"unknown action", "create", func(m map[string]any) { m["action"] = "Create" },
			[]want{{"action", `"Create" is not one of "create", "enroll", "update", "unmanage", "close"`}}},
		{"unknown fields", "create", func(m map[string]any) {
			m["requestID"] = "x"
			obj(m, "account")["nmae"] = "x"
			obj(m, "requester")["user"] = "x"
		}, []want{
			{"requestID", "is not a field towervend knows"},
			{"account.nmae", "is not a field towervend knows"},
			{"requester.user", "is not a field towervend knows"},
		}},
		{"enroll needs id and OU, forbids email", "enroll", func(m map[string]any) {
			m["account"] = map[string]any{"email": "a@northwind.example"}
		}, []want{
			{"account.id", "is required to enroll an account"},
			{"account.organizationalUnit", "is required to enroll an account"},
			{"account.email", "is not used by enroll"},
		}},
		{"account id is 12 digits", "enroll", func(m map[string]any) { obj(m, "account")["id"] = "12345678901" },
			[]want{{"account.id", `"12345678901" is not an AWS account id`}}},
		{"account id as a number", "enroll", func(m map[string]any) { obj(m, "account")["id"] = 123456789012 },
			[]want{{"account.id", "is a number, but must be a string"}}},
		{"update must change something", "update", func(m map[string]any) {
			m["account"] = map[string]any{"id": "123456789012"}
			delete(m, "owner")
			delete(m, "access")
			delete(m, "revokePreviousOwner")
			m["tags"] = map[string]any{}
		}, []want{{"request", "an update must change something"}}},
		{"update cannot rename, revoke needs owner", "update", func(m map[string]any) {
			obj(m, "account")["name"] = "x"
			obj(m, "account")["email"] = "x@northwind.example"
			delete(m, "owner")
		}, []want{
			{"account.name", "cannot be changed by update"},
			{"account.email", "cannot be changed by update"},
			{"owner", "is required when revokePreviousOwner is true"},
		}},
		{"update needs id", "update", func(m map[string]any) { delete(obj(m, "account"), "id") },
			[]want{{"account.id", "is required to update an account"}}},
		{"unmanage takes only the id", "unmanage", func(m map[string]any) {
			obj(m, "account")["name"] = "x"
			obj(m, "account")["organizationalUnit"] = "Sandbox"
			m["owner"] = map[string]any{"email": "a@b.co", "firstName": "A", "lastName": "B"}
			m["access"] = []any{map[string]any{"group": "g", "permissionSet": "P"}}
			m["tags"] = map[string]any{"a": "b"}
			m["revokePreviousOwner"] = true
		}, []want{
			{"account.name", "is not used by unmanage or close"},
			{"account.organizationalUnit", "is not used by unmanage or close"},
			{"owner", "is not used by unmanage or close"},
			{"access", "is not used by unmanage or close"},
			{"tags", "is not used by unmanage or close"},
			{"revokePreviousOwner", "applies only to update with a new owner"},
		}},
		{"close needs the id", "close", func(m map[string]any) { m["account"] = map[string]any{"email": "a@b.co"} },
			[]want{{"account.id", "is required to unmanage or close an account"}, {"account.email", "is not used by unmanage or close"}}},
		{"access items", "create", func(m map[string]any) {
			m["access"] = []any{
				map[string]any{"group": "g", "user": "u", "permissionSet": "AWSReadOnlyAccess"},
				map[string]any{"permissionSet": "AWSReadOnlyAccess"},
				map[string]any{"group": "g"},
				map[string]any{"group": "h", "permissionSet": "Read Only"},
				map[string]any{"group": "h", "permissionSet": "AWSReadOnlyAccess"},
				map[string]any{"group": "h", "permissionSet": "AWSReadOnlyAccess"},
			}
		}, []want{
			{"access[0]", "names both a group and a user"},
			{"access[1]", "names neither a group nor a user"},
			{"access[2].permissionSet", "is required in every access item"},
			{"access[3].permissionSet", `"Read Only" is not a permission set name`},
			{"access[5]", "repeats access[4]"},
		}},
		{"too many access items", "create", func(m map[string]any) {
			var items []any
			for i := range 21 {
				items = append(items, map[string]any{"group": fmt.Sprintf("g%d", i), "permissionSet": "AWSReadOnlyAccess"})
			}
			m["access"] = items
		}, []want{{"access", "has 21 items; at most 20 are allowed"}}},
		{"tag rules", "update", func(m map[string]any) {
			m["tags"] = map[string]any{"aws:createdBy": "x", long(129): "x", "Owner": long(257), "Count": 5, "Bad#Key": "x", "Note": "a;b"}
		}, []want{
			{`tags["aws:createdBy"]`, "starts with aws:, which AWS reserves"},
			{"tags." + long(129), "is longer than 128 characters"},
			{"tags.Owner", "is longer than 256 characters"},
			{"tags.Count", "is a number, but must be null or a string"},
			{`tags["Bad#Key"]`, "contains characters AWS does not allow"},
			{"tags.Note", "contains characters AWS does not allow"},
		}},
		{"at most 50 tags", "create", func(m map[string]any) {
			tags := map[string]any{}
			for i := range 51 {
				tags[fmt.Sprintf("k%d", i)] = "v"
			}
			m["tags"] = tags
		}, []want{{"tags", "has 51 entries; at most 50 are allowed"}}},
		{"OU forms", "create", func(m map[string]any) { obj(m, "account")["organizationalUnit"] = "ou-AB12-cd34ef56" },
			[]want{{"account.organizationalUnit", "looks like an OU id but is not one"}}},
		{"OU name and id", "create", func(m map[string]any) { obj(m, "account")["organizationalUnit"] = "Prod (ou-12)" },
			[]want{{"account.organizationalUnit", `is not in the form "Name (ou-id)"`}}},
		{"OU path with an empty name", "create", func(m map[string]any) { obj(m, "account")["organizationalUnit"] = "Workloads//Prod" },
			[]want{{"account.organizationalUnit", `"Workloads//Prod" is not an OU path`}}},
		{"OU path with spaces around /", "create", func(m map[string]any) { obj(m, "account")["organizationalUnit"] = "Workloads / Prod" },
			[]want{{"account.organizationalUnit", "is not an OU path"}}},
		{"owner needs all three fields", "create", func(m map[string]any) {
			m["owner"] = map[string]any{"email": "jane@northwind.example", "firstName": ""}
		},
			[]want{{"owner.lastName", "is required in owner"}, {"owner.firstName", "is empty"}}},
		{"requester needs system, ticket and by", "create", func(m map[string]any) { m["requester"] = map[string]any{"system": "cli"} },
			[]want{{"requester.ticket", "is required in requester"}, {"requester.by", "is required in requester"}}},
		{"wrong types", "update", func(m map[string]any) {
			m["owner"] = "jane"
			m["access"] = map[string]any{}
			m["tags"] = []any{}
			m["revokePreviousOwner"] = "yes"
			m["requester"] = nil
		}, []want{
			{"owner", "is a string, but must be an object"},
			{"access", "is an object, but must be an array"},
			{"tags", "is an array, but must be an object"},
			{"revokePreviousOwner", "is a string, but must be a boolean"},
			{"requester", "is null, but must be an object"},
		}},
	}
	v, err := NewValidator()
	require.NoError(t, err)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := fixture(t, tt.base)
			tt.change(m)
			r, err := v.Decode(body(t, m))
			assert.Nil(t, r)
			probs := problemsOf(t, err)
			var gotFields, wantFields []string
			for _, p := range probs {
				gotFields = append(gotFields, p.Field)
				assert.NotEmpty(t, p.Message, "%s has no message", p.Field)
				assert.NotEmpty(t, p.Fix, "%s has no fix", p.Field)
			}
			for _, w := range tt.want {
				wantFields = append(wantFields, w.field)
				assert.True(t, hasProblem(probs, w), "no problem %q on %s in:\n%v", w.message, w.field, err)
			}
			assert.ElementsMatch(t, wantFields, gotFields, "every violation, and only those, is reported:\n%v", err)
		})
	}
}

func hasProblem(probs []Problem, w want) bool {
	for _, p := range probs {
		if p.Field == w.field && strings.Contains(p.Message, w.message) {
			return true
		}
	}
	return false
}

func TestDecodeProblemText(t *testing.T) {
	m := fixture(t, "create")
	email := strings.Repeat("p", 60) + "@x.io"
	obj(m, "account")["email"] = email
	obj(m, "account")["nmae"] = "x"
	_, err := Decode(body(t, m))
	probs := problemsOf(t, err)
	require.Len(t, probs, 2)
	assert.Equal(t, "account.nmae", probs[0].Field, "the unknown field first")
	assert.Equal(t, "x", probs[0].Value)
	assert.Equal(t, `remove it or correct its spelling: did you mean "name"?; the fields allowed here are email, id, name, organizationalUnit`, probs[0].Fix)
	assert.Equal(t, Problem{
		Field:   "account.email",
		Value:   email,
		Message: `"` + email + `" is longer than 64 characters`,
		Fix:     "Account Factory accepts at most 64",
	}, probs[1])
	assert.Equal(t, `account.email: "`+email+`" is longer than 64 characters; Account Factory accepts at most 64`, probs[1].String())
	assert.Equal(t, "2 problems:\n  "+probs[0].String()+"\n  "+probs[1].String(), err.Error())
}

func TestDecodeSuggestsTheAction(t *testing.T) {
	m := fixture(t, "close")
	m["action"] = "clsoe"
	_, err := Decode(body(t, m))
	probs := problemsOf(t, err)
	require.Len(t, probs, 1)
	assert.Equal(t, `did you mean "close"? use one of "create", "enroll", "update", "unmanage", "close"`, probs[0].Fix)
}

func TestDecodeBadBodies(t *testing.T) {
	huge := []byte(`{"requestId":"` + strings.Repeat("x", 1<<20) + `"}`)
	tests := []struct {
		name    string
		body    []byte
		message string
	}{
		{"not JSON", []byte("requestId=CHG0042"), "is not valid JSON: unexpected 'r' at byte 1 (line 1, column 1), where a value should start"},
		{"a bare word", []byte("not json"), "is not valid JSON: unexpected 'o' at byte 2 (line 1, column 2), in a bare word: only true, false and null may be written without double quotes"},
		{"error position", []byte("{\n  \"requestId\": \"CHG0042\",\n  \"action\" \"create\"\n}"), `unexpected '"' at byte 40 (line 3, column 12), where ':' should follow a key`},
		{"trailing comma", []byte(`{"requestId": "CHG0042",}`), `unexpected '}' at byte 25 (line 1, column 25), where a key in double quotes should start`},
		{"empty", nil, "is empty"},
		{"blank", []byte(" \n\t "), "is empty"},
		{"truncated", []byte(`{"requestId": "CHG`), "it ends before the JSON value is complete"},
		{"two values", []byte("{}\n {}"), "there is more after the JSON value, at line 2, column 2"},
		{"1 MiB", huge, fmt.Sprintf("is %d bytes, more than the 262144 bytes towervend reads", len(huge))},
		{"array", []byte(`[]`), "is an array, but must be an object"},
		{"null", []byte(`null`), "is null, but must be an object"},
		{"string", []byte(`"create"`), "is a string, but must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Decode(tt.body)
			assert.Nil(t, r)
			probs := problemsOf(t, err)
			require.Len(t, probs, 1)
			assert.Equal(t, "request", probs[0].Field)
			assert.Contains(t, probs[0].Message, tt.message)
			assert.NotEmpty(t, probs[0].Fix)
		})
	}
}

func TestDecodeBoundsTheProblemList(t *testing.T) {
	m := fixture(t, "create")
	var items []any
	for range 500 {
		items = append(items, map[string]any{"permissionSet": "Bad Name"})
	}
	m["access"] = items
	_, err := Decode(body(t, m))
	probs := problemsOf(t, err)
	require.Len(t, probs, maxProblems+1)
	last := probs[maxProblems]
	assert.Equal(t, "request", last.Field)
	assert.Regexp(t, `^has \d+ more problems not listed here$`, last.Message)
	assert.Equal(t, "access", probs[0].Field, "the list is ordered by field")
	assert.Equal(t, "access[0]", probs[1].Field)
	assert.Equal(t, "access[0].permissionSet", probs[2].Field)
	assert.Equal(t, "access[1]", probs[3].Field, "indexes are ordered as numbers")
}

func TestValidatorIsSafeForConcurrentUse(t *testing.T) {
	v, err := NewValidator()
	require.NoError(t, err)
	good := readFixture(t, "create")
	bad := []byte(`{"requestId":"x","action":"create","account":{"id":"1"}}`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Go(func() {
			if i%2 == 0 {
				if _, err := v.Decode(good); err != nil {
					errs <- err
				}
				return
			}
			_, err := v.Decode(bad)
			var probs *Problems
			if !errors.As(err, &probs) || len(probs.List) != 6 {
				errs <- fmt.Errorf("want 6 problems, got %v", err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestProblemsError(t *testing.T) {
	one := &Problems{List: []Problem{{Field: "action", Message: "is required", Fix: "add it"}}}
	assert.Equal(t, "action: is required; add it", one.Error())
	noFix := Problem{Field: "a", Message: "m"}
	assert.Equal(t, "a: m", noFix.String())
}

func BenchmarkDecode(b *testing.B) {
	v, err := NewValidator()
	require.NoError(b, err)
	good := readFixture(b, "create")
	b.Run("valid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Decode(good); err != nil {
				b.Fatal(err)
			}
		}
	})
	bad := []byte(`{"requestId":"CHG 1","action":"create","account":{"id":"1234","nmae":"x"},"tags":{"aws:x":null}}`)
	b.Run("invalid", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Decode(bad); err == nil {
				b.Fatal("want problems")
			}
		}
	})
}

func TestProblemOrderAndValues(t *testing.T) {
	m := fixture(t, "create")
	var items []any
	for i := range 12 {
		ps := "AWSReadOnlyAccess"
		if i == 2 || i == 10 {
			ps = "Bad Name"
		}
		items = append(items, map[string]any{"group": fmt.Sprintf("g%d", i), "permissionSet": ps})
	}
	m["access"] = items
	big := map[string]any{}
	for i := range 60 {
		big[fmt.Sprintf("Key%02d", i)] = "value"
	}
	m["tags"] = big
	_, err := Decode(body(t, m))
	probs := problemsOf(t, err)
	require.Len(t, probs, 3, "%v", err)
	assert.Equal(t, "access[2].permissionSet", probs[0].Field)
	assert.Equal(t, "access[10].permissionSet", probs[1].Field, "indexes are ordered as numbers")
	assert.Equal(t, "tags", probs[2].Field)
	assert.Equal(t, "has 60 entries; at most 50 are allowed", probs[2].Message)
	assert.True(t, strings.HasPrefix(probs[2].Value, `{"Key00":"value","Key01":"value",`), probs[2].Value)
	assert.True(t, strings.HasSuffix(probs[2].Value, "…"), "a long value is cut short")
	assert.LessOrEqual(t, len(probs[2].Value), 204)
}

// A misspelt field is the likely cause of the problems beside it: an update
// whose only change is under "tagz" changes nothing, and the typo must head
// the list (and the rejection's one-line reason), not hide behind it.
func TestDecodeListsAnUnknownFieldFirst(t *testing.T) {
	_, err := Decode([]byte(`{"requestId": "CHG9", "action": "update", "account": {"id": "123456789012"}, "tagz": {"Team": "x"}}`))
	probs := problemsOf(t, err)
	require.Len(t, probs, 2, "%+v", probs)
	assert.Equal(t, "tagz", probs[0].Field)
	assert.Equal(t, "is not a field towervend knows", probs[0].Message)
	assert.Contains(t, probs[0].Fix, `did you mean "tags"?`)
	assert.Equal(t, "an update must change something", probs[1].Message)
}

// revoke and revokeDisallowedAccess belong to update; a move is what
// revokeDisallowedAccess judges.
func TestDecodeRevokeOnlyOnUpdate(t *testing.T) {
	m := fixture(t, "create")
	m["access"] = []any{map[string]any{"group": "g", "permissionSet": "AWSReadOnlyAccess", "revoke": true}}
	m["revokeDisallowedAccess"] = true
	probs := problemsOf(t, errOf(Decode(body(t, m))))
	assert.True(t, hasProblem(probs, want{"access[0].revoke", "applies only to update"}), "%+v", probs)
	assert.True(t, hasProblem(probs, want{"revokeDisallowedAccess", "applies only to update with a move"}), "%+v", probs)

	_, err := Decode([]byte(`{"requestId": "R1", "action": "update", "account": {"id": "123456789012"}, "tags": {"a": "b"}, "revokeDisallowedAccess": true}`))
	probs = problemsOf(t, err)
	assert.True(t, hasProblem(probs, want{"account.organizationalUnit", "is required when revokeDisallowedAccess is true"}), "%+v", probs)

	r, err := Decode([]byte(`{"requestId": "R2", "action": "update", "account": {"id": "123456789012"}, "access": [{"user": "jane.doe", "permissionSet": "AWSReadOnlyAccess", "revoke": true}]}`))
	require.NoError(t, err)
	assert.True(t, r.Access[0].Revoke)
}

func errOf(_ *Request, err error) error { return err }
