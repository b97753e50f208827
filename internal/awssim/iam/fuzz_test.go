package iam_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/towervend/towervend/internal/awssim/iam"
)

// FuzzEvaluate checks that no policy document, however odd, makes Evaluate,
// Validate or DeniedMessage panic.
func FuzzEvaluate(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range names {
		if doc, err := os.ReadFile(name); err == nil {
			f.Add(doc, "organizations:ListAccounts", accountArn)
		}
	}
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"*","NotResource":"${","Condition":{"ForAllValues:ArnLikeIfExists":{"k":["${k}","*:*:*"]}}}}`), "s3:*", "arn:aws:s3:::${k}")
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Action":["?"],"Resource":["${aws:username, '"]}]}`), "", "")
	f.Add([]byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Null":{"k":1},"IpAddress":{"k":"::/0"},"DateEquals":{"k":"0"}}}]}`), "a:b", "*")

	f.Fuzz(func(t *testing.T, doc []byte, action, resource string) {
		var p iam.Policy
		if err := json.Unmarshal(doc, &p); err != nil {
			return
		}
		_ = p.Validate()
		contexts := []map[string][]string{
			nil,
			{"k": {action}, "aws:username": {resource}, "aws:PrincipalOrgID": {"o-1"}},
			{"k": {"1", "::1", resource}, "aws:SourceIp": {action}},
		}
		for _, c := range contexts {
			req := iam.Request{Action: action, Resource: resource, Context: c}
			d := iam.Evaluate([]iam.Policy{p, p}, req)
			if d.Outcome != iam.ImplicitDeny && (d.Policy > 1 || d.Statement >= len(p.Statement)) {
				t.Fatalf("decision %+v names no statement of the policy", d)
			}
			_ = iam.DeniedMessage("arn:aws:iam::111122223333:user/fuzz", req, d)
		}
	})
}
