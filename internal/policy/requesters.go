package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/request"
)

// The requesters rule: which people may ask for which action.
//
// The request queue's allowed senders say which systems may send; this rule
// says which person, named by requester.by, may ask. Control Tower lets only
// members of its AWSAccountFactory group use Account Factory, so that is the
// rule when the policy says nothing: the old behaviour (anyone a sender
// forwards) must be asked for with "*", never reached by leaving a rule out.

const (
	// AccountFactoryGroup is the IAM Identity Center group Control Tower sets
	// up for the people who may use Account Factory; the requesters rule's
	// default.
	AccountFactoryGroup = "AWSAccountFactory"
	// Anyone, alone in a requesters list, lets everyone the queue accepts ask.
	Anyone = "*"
	// requestersDefault is the requesters key for the actions not listed.
	requestersDefault = "default"
)

// RequesterRule is who may ask for one action: anyone, or the members of Groups.
type RequesterRule struct {
	// Action is the action the rule is for.
	Action request.Action
	// Anyone is true when the policy says "*": nobody's membership is checked.
	Anyone bool
	// Groups are the IAM Identity Center group display names whose members may ask.
	Groups []string
	// Rule names where the rule comes from, for messages: "policy.requesters.close",
	// "policy.requesters.default", or "policy.requesters" when it is left out.
	Rule string
}

// Requesters returns the rule for an action: the action's own list, else the
// default list, else AWSAccountFactory. A nil Policy has no lists either.
func (p *Policy) Requesters(action request.Action) RequesterRule {
	r := RequesterRule{Action: action, Rule: "policy.requesters", Groups: []string{AccountFactoryGroup}}
	var m map[string][]string
	if p != nil {
		m = p.RequesterGroups
	}
	for _, key := range []string{string(action), requestersDefault} {
		if groups, ok := m[key]; ok {
			r.Rule = "policy.requesters." + key
			r.Groups = slices.Clone(groups)
			break
		}
	}
	if slices.Equal(r.Groups, []string{Anyone}) {
		r.Anyone, r.Groups = true, nil
	}
	return r
}

// requestersConsistency finds "*" mixed with groups, which would either
// make the groups pointless or "*" a group's name; the schema cannot say so.
func (p *Policy) requestersConsistency() []request.Problem {
	var probs []request.Problem
	for _, key := range sortedKeys(p.RequesterGroups) {
		groups := p.RequesterGroups[key]
		if len(groups) > 1 && slices.Contains(groups, Anyone) {
			probs = append(probs, request.Problem{
				Field:   "requesters." + key,
				Value:   strings.Join(groups, ", "),
				Message: `mixes "*" (anyone) with groups`,
				Fix:     `write ["*"] alone to let anyone ask, or list only groups`,
			})
		}
	}
	return probs
}

// verb is what asking for an action is, in words: "create accounts".
func verb(a request.Action) string {
	if a == "" {
		return "make requests"
	}
	return string(a) + " accounts"
}

// describeGroups names the rule's groups: "AWSAccountFactory or platform-admins".
func (r RequesterRule) describeGroups() string { return joinOr(r.Groups) }

// Missing is the problem of a request that does not say who asked, when
// the rule checks the person.
func (r RequesterRule) Missing() request.Problem {
	return request.Problem{
		Field:   "requester.by",
		Message: fmt.Sprintf("is required: only members of %s may %s (%s), and the request does not say who asked", r.describeGroups(), verb(r.Action), r.Rule),
		Fix:     "give requester (system, ticket and by), with by the IAM Identity Center user name or email of the person who asked; they must be a member of " + r.describeGroups(),
	}
}

// UnknownUser is the problem of a requester.by that is no IAM Identity Center user.
func (r RequesterRule) UnknownUser(by string) request.Problem {
	return request.Problem{
		Field: "requester.by",
		Value: by,
		Message: fmt.Sprintf("%s is no user in IAM Identity Center (by user name, or email when it has an @), so %s may not %s: only members of %s may (%s)",
			by, by, verb(r.Action), r.describeGroups(), r.Rule),
		Fix: "name the person by their IAM Identity Center user name or email, or ask a member of " + r.describeGroups() + " to make the request",
	}
}

// NotMember is the problem of a requester in none of the rule's groups;
// absent are the groups the rule names that IAM Identity Center does not have.
func (r RequesterRule) NotMember(by string, absent []string) request.Problem {
	msg := fmt.Sprintf("%s may not %s: only members of %s may (%s), and %s is in none of them", by, verb(r.Action), r.describeGroups(), r.Rule, by)
	fix := "ask a member of " + r.describeGroups() + " to make the request, or add " + by + " to " + r.Groups[0] + " in IAM Identity Center"
	if len(absent) > 0 {
		msg += fmt.Sprintf("; the policy names %s, which IAM Identity Center does not have", joinAnd(absent))
		fix = "create " + joinAnd(absent) + " in IAM Identity Center and add " + by + ", or correct " + r.Rule + " to name groups that exist"
		if len(absent) < len(r.Groups) {
			fix = "ask a member of " + r.describeGroups() + " to make the request, or " + fix
		}
	}
	return request.Problem{Field: "requester.by", Value: by, Message: msg, Fix: fix}
}

// Directory answers who is in which group without asking AWS, for
// CheckOfflineIn.
type Directory interface {
	// Membership looks by up as IAM Identity Center would (a user name, or an
	// email when it has an @): known is false when no user has it; member is
	// true when the user is a direct member of one of groups; absent are the
	// groups the directory does not have.
	Membership(by string, groups []string) (known, member bool, absent []string)
}

// Judge is the rule's verdict on requester.by with dir's answers: nil when by
// may ask, else the problem the vending logic would report.
func (r RequesterRule) Judge(by string, dir Directory) *request.Problem {
	if r.Anyone {
		return nil
	}
	if by == "" {
		p := r.Missing()
		return &p
	}
	known, member, absent := dir.Membership(by, r.Groups)
	switch {
	case !known:
		p := r.UnknownUser(by)
		return &p
	case !member:
		p := r.NotMember(by, absent)
		return &p
	}
	return nil
}

// Note says what CheckOffline could not check: membership needs IAM Identity Center.
func (r RequesterRule) Note(by string) string {
	return fmt.Sprintf("requester.by %q must be a member of %s to %s (%s); group membership is in IAM Identity Center, so it was not checked offline; it is checked when the request is processed",
		by, r.describeGroups(), verb(r.Action), r.Rule)
}

// joinAnd writes "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
