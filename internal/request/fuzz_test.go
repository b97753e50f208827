package request

import (
	"errors"
	"testing"
)

// FuzzDecode asserts that Decode never panics and that it either returns a request
// or a *Problems with at least one problem, each naming a field and saying why.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"create", "enroll", "update", "unmanage", "close"} {
		f.Add(readFixture(f, name))
	}
	for _, s := range []string{
		``, `null`, `[]`, `{`, `{"requestId":1}`, `{} {}`,
		`{"requestId":"x","action":"create","account":{"id":"1"},"tags":{"aws:x":null}}`,
		`{"requestId":"x","action":"update","account":{"id":"123456789012"},"tags":{"":"v"}}`,
		`{"requestId":"x","action":"enroll","account":{"id":"123456789012","organizationalUnit":"A (ou-1)"}}`,
	} {
		f.Add([]byte(s))
	}
	v, err := NewValidator()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := v.Decode(body)
		if err == nil {
			if req == nil {
				t.Fatal("no error and no request")
			}
			_ = req.Fingerprint()
			return
		}
		if req != nil {
			t.Fatal("a request and an error")
		}
		var probs *Problems
		if !errors.As(err, &probs) {
			t.Fatalf("error is %T, not *Problems: %v", err, err)
		}
		if len(probs.List) == 0 {
			t.Fatal("*Problems without problems")
		}
		for _, p := range probs.List {
			if p.Field == "" || p.Message == "" || p.Fix == "" {
				t.Fatalf("incomplete problem %#v", p)
			}
		}
	})
}
