package organizations

import (
	"regexp"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- helpers ---

func (s *Service) isParentID(id string) bool {
	return rootIDRe.MatchString(id) || ouIDRe.MatchString(id)
}

// checkParent validates a root or OU id and that it exists.
func (s *Service) checkParent(id, notFound, msg string) *protocol.APIError {
	if !s.isParentID(id) {
		return invalidInput("INVALID_PATTERN", msgPattern)
	}
	if !s.state.isParent(id) {
		return protocol.Err(notFound, "%s", msg)
	}
	return nil
}

func (s *Service) findAccount(id string) (*Account, *protocol.APIError) {
	if !accountIDRe.MatchString(id) {
		return nil, invalidInput("INVALID_PATTERN", msgPattern)
	}
	a := s.state.account(id)
	if a == nil {
		return nil, protocol.Err("AccountNotFoundException", msgAccountNotFound)
	}
	return a, nil
}

// entityPath is the organization path of an entity under parent, as AWS
// prints it: "o-xxx/r-xxxx/ou-a/ou-b/<id>/".
func (s *Service) entityPath(parent, id string) string {
	org := &s.state
	parts := []string{id}
	for p := parent; p != org.RootID; {
		u := org.ou(p)
		if u == nil {
			break
		}
		parts = append([]string{u.ID}, parts...)
		p = u.ParentID
	}
	return org.ID + "/" + org.RootID + "/" + strings.Join(parts, "/") + "/"
}

func (s *Service) accountJSON(a *Account) wireAccount {
	return wireAccount{Arn: s.state.accountArn(a.ID), Email: a.Email, ID: a.ID, JoinedMethod: a.JoinedMethod,
		JoinedTimestamp: protocol.Epoch(a.JoinedTimestamp), Name: a.Name, Paths: []string{s.entityPath(a.ParentID, a.ID)},
		State: a.Status, Status: a.Status}
}

func (s *Service) ouJSON(u *OU) wireOU {
	return wireOU{Arn: s.state.ouArn(u.ID), ID: u.ID, Name: u.Name, Path: s.entityPath(u.ParentID, u.ID)}
}

// page cuts a page out of items by the request's MaxResults (AWS allows
// 1-20) and NextToken.
func pageOf[T any](items []T, in listInput) ([]T, string, *protocol.APIError) {
	n := 0
	if in.MaxResults != nil {
		switch {
		case *in.MaxResults < 1:
			return nil, "", invalidInput("MIN_VALUE_EXCEEDED", msgMinValue)
		case *in.MaxResults > pageMax:
			return nil, "", invalidInput("MAX_VALUE_EXCEEDED", msgMaxValue)
		}
		n = int(*in.MaxResults)
	}
	page, next, ok := protocol.PageOf(items, in.NextToken, n, pageMax)
	if !ok {
		return nil, "", invalidInput("INVALID_NEXT_TOKEN", msgBadNextToken)
	}
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}

// list is a List answer: the items under key, and NextToken unless this
// is the last page.
func listOut(key string, items any, next string) map[string]any {
	out := map[string]any{key: items}
	if next != "" {
		out["NextToken"] = next
	}
	return out
}

func checkString(v string, minLen, maxLen int, re *regexp.Regexp) *protocol.APIError {
	switch n := len(v); {
	case n < minLen:
		return invalidInput("MIN_LENGTH_EXCEEDED", msgTooShort)
	case n > maxLen:
		return invalidInput("MAX_LENGTH_EXCEEDED", msgTooLong)
	}
	if !re.MatchString(v) {
		return invalidInput("INVALID_PATTERN", msgPattern)
	}
	return nil
}

func invalidInput(reason, msg string) *protocol.APIError {
	e := protocol.Err("InvalidInputException", "%s", msg)
	e.Fields = map[string]any{"Reason": reason}
	return e
}

func constraint(reason, msg string) *protocol.APIError {
	e := protocol.Err("ConstraintViolationException", "%s", msg)
	e.Fields = map[string]any{"Reason": reason}
	return e
}
