package policy

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/request"
)

var allActions = []request.Action{request.ActionCreate, request.ActionEnroll, request.ActionUpdate, request.ActionUnmanage, request.ActionClose}

// Left out, the rule is Control Tower's own: AWSAccountFactory for every action.
func TestRequestersDefaultToAccountFactory(t *testing.T) {
	parsed, err := Parse([]byte(`{"allowClose": true}`))
	require.NoError(t, err)
	for name, p := range map[string]*Policy{"parsed": parsed, "zero": {}, "nil": nil} {
		for _, a := range allActions {
			assert.Equal(t, RequesterRule{Action: a, Groups: []string{"AWSAccountFactory"}, Rule: "policy.requesters"}, p.Requesters(a), "%s: %s", name, a)
		}
	}
}

// An action's own list wins over default, which wins over AWSAccountFactory;
// ["*"] is the explicit way back to anyone the queue accepts.
func TestRequestersPerActionAndDefault(t *testing.T) {
	p, err := Parse([]byte(`{"requesters": {
		"default": ["AWSAccountFactory", "platform-admins"],
		"close": ["platform-admins"],
		"update": ["*"]
	}}`))
	require.NoError(t, err)
	assert.Equal(t, RequesterRule{Action: request.ActionCreate, Groups: []string{"AWSAccountFactory", "platform-admins"}, Rule: "policy.requesters.default"}, p.Requesters(request.ActionCreate))
	assert.Equal(t, RequesterRule{Action: request.ActionClose, Groups: []string{"platform-admins"}, Rule: "policy.requesters.close"}, p.Requesters(request.ActionClose))
	assert.Equal(t, RequesterRule{Action: request.ActionUpdate, Anyone: true, Rule: "policy.requesters.update"}, p.Requesters(request.ActionUpdate))

	only, err := Parse([]byte(`{"requesters": {"close": ["platform-admins"]}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"AWSAccountFactory"}, only.Requesters(request.ActionEnroll).Groups, "an action left out with no default keeps AWSAccountFactory")
	assert.Equal(t, "policy.requesters", only.Requesters(request.ActionEnroll).Rule)

	anyone, err := Parse([]byte(`{"requesters": {"default": ["*"]}}`))
	require.NoError(t, err)
	for _, a := range allActions {
		assert.True(t, anyone.Requesters(a).Anyone, a)
	}
	// The rule a caller gets is its own copy.
	r := p.Requesters(request.ActionCreate)
	r.Groups[0] = "changed"
	assert.Equal(t, "AWSAccountFactory", p.Requesters(request.ActionCreate).Groups[0])
}

func TestRequestersRejects(t *testing.T) {
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprintf("g%d", i))
	}
	tests := []struct {
		name, policy string
		want         map[string]string // field -> part of the message
		fix          string            // part of a fix
	}{
		{"unknown action", `{"requesters": {"creat": ["AWSAccountFactory"]}}`,
			map[string]string{"requesters.creat": "is not a field towervend knows"}, `did you mean "create"?`},
		{"empty group name", `{"requesters": {"close": [""]}}`,
			map[string]string{"requesters.close[0]": "is empty"}, "give the group's display name"},
		{"white space around a name", `{"requesters": {"close": [" platform-admins"]}}`,
			map[string]string{"requesters.close[0]": `" platform-admins" starts or ends with white space`}, "remove the white space"},
		{"no groups", `{"requesters": {"default": []}}`,
			map[string]string{"requesters.default": "has 0 items; at least 1 are needed"}, `["*"] for anyone`},
		{"no actions", `{"requesters": {}}`,
			map[string]string{"requesters": "has 0 entries; at least 1 are needed"}, "leave requesters out"},
		{"a group twice", `{"requesters": {"create": ["a", "a"]}}`,
			map[string]string{"requesters.create[1]": "repeats requesters.create[0]"}, "remove the repeated group"},
		{"not a list", `{"requesters": {"create": "AWSAccountFactory"}}`,
			map[string]string{"requesters.create": "is a string, but must be an array"}, "give an array"},
		{"anyone mixed with groups", `{"requesters": {"update": ["*", "platform-admins"]}}`,
			map[string]string{"requesters.update": `mixes "*" (anyone) with groups`}, `write ["*"] alone`},
		{"more groups than IsMemberInGroups checks", `{"requesters": {"create": [` + strings.Join(many, ",") + `]}}`,
			map[string]string{"requesters.create": "has 101 items; at most 100 are allowed"}, "at most 100 groups"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.policy))
			assert.Nil(t, p)
			var probs *request.Problems
			require.True(t, errors.As(err, &probs), "want *request.Problems, got %v", err)
			require.Len(t, probs.List, len(tt.want), "problems:\n%v", err)
			for _, pr := range probs.List {
				require.Contains(t, tt.want, pr.Field, "problems:\n%v", err)
				assert.Contains(t, pr.Message, tt.want[pr.Field])
				assert.Contains(t, pr.Fix, tt.fix)
			}
		})
	}
}

// Each refusal names the person, the action and the groups that would allow it.
func TestRequesterProblems(t *testing.T) {
	p := &Policy{RequesterGroups: map[string][]string{"close": {"AWSAccountFactory", "platform-admins"}}}
	r := p.Requesters(request.ActionClose)

	missing := r.Missing()
	assert.Equal(t, "requester.by", missing.Field)
	assert.Empty(t, missing.Value)
	assert.Equal(t, "is required: only members of AWSAccountFactory or platform-admins may close accounts (policy.requesters.close), and the request does not say who asked", missing.Message)
	assert.Contains(t, missing.Fix, "give requester")

	unknown := r.UnknownUser("nobody@northwind.example")
	assert.Equal(t, request.Problem{Field: "requester.by", Value: "nobody@northwind.example",
		Message: "nobody@northwind.example is no user in IAM Identity Center (by user name, or email when it has an @), so nobody@northwind.example may not close accounts: only members of AWSAccountFactory or platform-admins may (policy.requesters.close)",
		Fix:     "name the person by their IAM Identity Center user name or email, or ask a member of AWSAccountFactory or platform-admins to make the request"}, unknown)

	notMember := r.NotMember("maria.garcia", nil)
	assert.Equal(t, request.Problem{Field: "requester.by", Value: "maria.garcia",
		Message: "maria.garcia may not close accounts: only members of AWSAccountFactory or platform-admins may (policy.requesters.close), and maria.garcia is in none of them",
		Fix:     "ask a member of AWSAccountFactory or platform-admins to make the request, or add maria.garcia to AWSAccountFactory in IAM Identity Center"}, notMember)

	someAbsent := r.NotMember("maria.garcia", []string{"platform-admins"})
	assert.Contains(t, someAbsent.Message, "; the policy names platform-admins, which IAM Identity Center does not have")
	assert.Equal(t, "ask a member of AWSAccountFactory or platform-admins to make the request, or create platform-admins in IAM Identity Center and add maria.garcia, or correct policy.requesters.close to name groups that exist", someAbsent.Fix)

	allAbsent := r.NotMember("maria.garcia", []string{"AWSAccountFactory", "platform-admins"})
	assert.Contains(t, allAbsent.Message, "the policy names AWSAccountFactory and platform-admins, which IAM Identity Center does not have")
	assert.Equal(t, "create AWSAccountFactory and platform-admins in IAM Identity Center and add maria.garcia, or correct policy.requesters.close to name groups that exist", allAbsent.Fix,
		"nobody can be a member of a group that does not exist, so the fix does not send the person to one")
}

// Offline, a missing requester.by is a problem, a named one a note (membership
// is in IAM Identity Center), and ["*"] asks nothing.
func TestCheckOfflineRequesters(t *testing.T) {
	const unmanage = `{"requestId":"x","action":"unmanage","account":{"id":"123456789012"}%s}`
	named := fmt.Sprintf(unmanage, `,"requester":{"system":"servicenow","ticket":"RITM1","by":"maria.garcia@northwind.example"}`)
	nobody := fmt.Sprintf(unmanage, "")
	p := &Policy{}

	probs, notes := CheckOffline(decode(t, nobody), p)
	assert.Equal(t, []request.Problem{p.Requesters(request.ActionUnmanage).Missing()}, probs)
	assert.Empty(t, notes)

	probs, notes = CheckOffline(decode(t, named), p)
	assert.Empty(t, probs)
	assert.Equal(t, []string{`requester.by "maria.garcia@northwind.example" must be a member of AWSAccountFactory to unmanage accounts (policy.requesters); group membership is in IAM Identity Center, so it was not checked offline; it is checked when the request is processed`}, notes)

	anyone := &Policy{RequesterGroups: map[string][]string{"unmanage": {"*"}}}
	for _, body := range []string{nobody, named} {
		probs, notes = CheckOffline(decode(t, body), anyone)
		assert.Empty(t, probs, body)
		assert.Empty(t, notes, body)
	}
}
