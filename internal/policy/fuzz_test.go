package policy_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/towervend/towervend/events"
	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
)

// FuzzParse asserts that Parse never panics and either returns a policy or a
// *request.Problems whose every problem names a field, says why and how to fix
// it; and that an accepted policy checks every sample request (events/requests)
// without panicking, naming each problem just as completely.
func FuzzParse(f *testing.F) {
	f.Add(policy.Default())
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"organizationalUnits":["*"]}`,
		`{"organizationalUnits":["Root/Sandbox"],"enrollmentOrganizationalUnit":"Legacy"}`,
		`{"permissionSets":[{"name":"A","organizationalUnits":["*"]}],"defaultAccess":{"Root/X":[{"group":"g","permissionSet":"A"}],"X":[{"user":"u","permissionSet":"A"}]}}`,
		`{"defaultAccess":{"*":[{"group":"g","permissionSet":"B"}]}}`,
		`{"emailDomains":[""],"requiredTags":["aws:x"],"allowClose":false}`,
		`{"requesters":{"default":["*"],"close":["platform-admins"],"update":["*","g"],"creat":[""]}}`,
	} {
		f.Add([]byte(s))
	}
	var reqs []*request.Request
	files, err := fs.Glob(events.FS, "requests/*.json")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := fs.ReadFile(events.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		if r, err := request.Decode(b); err == nil {
			reqs = append(reqs, r)
		}
	}
	if len(reqs) == 0 {
		f.Fatal("no sample request decodes")
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pol, err := policy.Parse(b)
		if err != nil {
			if pol != nil {
				t.Fatal("a policy and an error")
			}
			var probs *request.Problems
			if !errors.As(err, &probs) {
				t.Fatalf("error is %T, not *request.Problems: %v", err, err)
			}
			assertComplete(t, probs.List)
			return
		}
		if pol == nil {
			t.Fatal("no error and no policy")
		}
		_ = pol.EnrollmentOU()
		for _, r := range reqs {
			_ = pol.DefaultAccess(r.Account.OrganizationalUnit)
			problems, _ := policy.CheckOffline(r, pol)
			assertComplete(t, problems)
		}
	})
}

func assertComplete(t *testing.T, problems []request.Problem) {
	t.Helper()
	for _, p := range problems {
		if p.Field == "" || p.Message == "" || p.Fix == "" {
			t.Fatalf("incomplete problem %#v", p)
		}
	}
}
