package request

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/schema"
)

func TestActionsMatchTheSchema(t *testing.T) {
	var doc struct {
		Properties struct {
			Action struct {
				Enum []Action `json:"enum"`
			} `json:"action"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(schema.Request, &doc))
	assert.Equal(t, doc.Properties.Action.Enum, Actions())
}

func TestFingerprint(t *testing.T) {
	decode := func(t *testing.T, s string) *Request {
		t.Helper()
		r, err := Decode([]byte(s))
		require.NoError(t, err)
		return r
	}
	base := `{"requestId":"CHG1","action":"create",
		"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
		"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
		"access":[{"group":"g1","permissionSet":"P1"},{"user":"u@northwind.example","permissionSet":"P2"}],
		"tags":{"A":"1","B":"2"}}`
	same := map[string]string{
		"keys reordered and respaced": `{ "tags" : {"B":"2","A":"1"}, "action":"create",
			"owner":{"lastName":"P","firstName":"O","email":"o@northwind.example"},
			"account":{"organizationalUnit":"Sandbox","email":"a@northwind.example","name":"a"},
			"access":[{"permissionSet":"P1","group":"g1"},{"permissionSet":"P2","user":"u@northwind.example"}],
			"requestId":"CHG1" }`,
		"access items reordered": `{"requestId":"CHG1","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"user":"u@northwind.example","permissionSet":"P2"},{"group":"g1","permissionSet":"P1"}],
			"tags":{"A":"1","B":"2"}}`,
		"explicit default false": `{"requestId":"CHG1","action":"create","revokePreviousOwner":false,
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"group":"g1","permissionSet":"P1"},{"user":"u@northwind.example","permissionSet":"P2"}],
			"tags":{"A":"1","B":"2"}}`,
	}
	different := map[string]string{
		"other OU": `{"requestId":"CHG1","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Workloads/Prod"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"group":"g1","permissionSet":"P1"},{"user":"u@northwind.example","permissionSet":"P2"}],
			"tags":{"A":"1","B":"2"}}`,
		"other tag value": `{"requestId":"CHG1","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"group":"g1","permissionSet":"P1"},{"user":"u@northwind.example","permissionSet":"P2"}],
			"tags":{"A":"1","B":"3"}}`,
		"one access item fewer": `{"requestId":"CHG1","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"group":"g1","permissionSet":"P1"}],
			"tags":{"A":"1","B":"2"}}`,
		"group became user": `{"requestId":"CHG1","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"user":"g1","permissionSet":"P1"},{"user":"u@northwind.example","permissionSet":"P2"}],
			"tags":{"A":"1","B":"2"}}`,
		"requester added": `{"requestId":"CHG1","action":"create",
			"account":{"name":"a","email":"a@northwind.example","organizationalUnit":"Sandbox"},
			"owner":{"email":"o@northwind.example","firstName":"O","lastName":"P"},
			"access":[{"group":"g1","permissionSet":"P1"},{"user":"u@northwind.example","permissionSet":"P2"}],
			"tags":{"A":"1","B":"2"},"requester":{"system":"s","ticket":"t","by":"b"}}`,
	}
	want := decode(t, base).Fingerprint()
	assert.Regexp(t, `^[0-9a-f]{64}$`, want)
	for name, s := range same {
		t.Run("same/"+name, func(t *testing.T) {
			assert.Equal(t, want, decode(t, s).Fingerprint())
		})
	}
	for name, s := range different {
		t.Run("different/"+name, func(t *testing.T) {
			assert.NotEqual(t, want, decode(t, s).Fingerprint())
		})
	}
	t.Run("null tag differs from empty tag", func(t *testing.T) {
		a := decode(t, `{"requestId":"x","action":"update","account":{"id":"123456789012"},"tags":{"A":null}}`)
		b := decode(t, `{"requestId":"x","action":"update","account":{"id":"123456789012"},"tags":{"A":""}}`)
		assert.NotEqual(t, a.Fingerprint(), b.Fingerprint())
	})
	t.Run("does not reorder the request's access", func(t *testing.T) {
		r := decode(t, base)
		before := append([]Access(nil), r.Access...)
		r.Fingerprint()
		assert.Equal(t, before, r.Access)
	})
}

func TestParseOURef(t *testing.T) {
	tests := []struct {
		in       string
		want     OURef
		isPath   bool
		path     string
		rendered string
	}{
		{"Workloads/Prod", OURef{Path: []string{"Workloads", "Prod"}}, true, "Workloads/Prod", "Workloads/Prod"},
		{"Root/Workloads/Prod", OURef{Path: []string{"Workloads", "Prod"}}, true, "Workloads/Prod", "Workloads/Prod"},
		{"Sandbox", OURef{Path: []string{"Sandbox"}}, true, "Sandbox", "Sandbox"},
		{"Root", OURef{Path: []string{"Root"}}, true, "Root", "Root"},
		{"Team A/Prod Apps", OURef{Path: []string{"Team A", "Prod Apps"}}, true, "Team A/Prod Apps", "Team A/Prod Apps"},
		{"Prod (ou-ab12-cd34ef56)", OURef{Name: "Prod", ID: "ou-ab12-cd34ef56"}, false, "", "Prod (ou-ab12-cd34ef56)"},
		{"Custom Name (ou-xfe5-a8hb8ml8)", OURef{Name: "Custom Name", ID: "ou-xfe5-a8hb8ml8"}, false, "", "Custom Name (ou-xfe5-a8hb8ml8)"},
		{"ou-ab12-cd34ef56", OURef{ID: "ou-ab12-cd34ef56"}, false, "", "ou-ab12-cd34ef56"},
		{"", OURef{}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ParseOURef(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.isPath, got.IsPath())
			assert.Equal(t, tt.path, got.PathString())
			assert.Equal(t, tt.rendered, got.String())
		})
	}
}

// A one-line reason names the offending value unless the message quotes it already.
func TestProblemStringNamesTheValue(t *testing.T) {
	p := Problem{Field: "access[0].group", Value: "nobody", Message: "no group with this display name in IAM Identity Center", Fix: "check the name"}
	assert.Equal(t, `access[0].group "nobody": no group with this display name in IAM Identity Center; check the name`, p.String())
	p = Problem{Field: "account.email", Value: "a@b.example", Message: `"a@b.example" is not at an allowed domain`}
	assert.Equal(t, `account.email: "a@b.example" is not at an allowed domain`, p.String())
	p = Problem{Field: "access[0]", Value: `{"group":"x"}`, Message: "names both a group and a user"}
	assert.Equal(t, "access[0]: names both a group and a user", p.String(), "objects are left out")
}
