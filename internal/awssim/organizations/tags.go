package organizations

import (
	"maps"
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// --- tags ---

// tagsOf returns the tags of an account, OU or the root and a function that
// replaces them.
func (s *Service) tagsOf(id string) (tags map[string]string, set func(map[string]string), err *protocol.APIError) {
	org := &s.state
	switch {
	case accountIDRe.MatchString(id):
		if a := org.account(id); a != nil {
			return a.Tags, func(m map[string]string) { a.Tags = m }, nil
		}
	case ouIDRe.MatchString(id):
		if u := org.ou(id); u != nil {
			return u.Tags, func(m map[string]string) { u.Tags = m }, nil
		}
	case rootIDRe.MatchString(id):
		if id == org.RootID {
			return org.RootTags, func(m map[string]string) { org.RootTags = m }, nil
		}
	case policyIDRe.MatchString(id):
		// Policies are taggable in AWS but not simulated, so none exists.
	default:
		return nil, nil, invalidInput("INVALID_PATTERN", msgPattern)
	}
	return nil, nil, protocol.Err("TargetNotFoundException", msgTargetNotFound)
}

type tagResourceInput struct {
	ResourceID string    `json:"ResourceId"`
	Tags       []wireTag `json:"Tags"`
}

func (s *Service) tagResource(c *protocol.Call, in tagResourceInput) (any, *protocol.APIError) {
	tags, set, err := s.tagsOf(in.ResourceID)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	merged := copyTags(tags)
	if merged == nil {
		merged = map[string]string{}
	}
	for _, t := range in.Tags {
		merged[t.Key] = t.Value
	}
	if len(merged) > maxTags {
		return nil, constraint("MAX_TAG_LIMIT_EXCEEDED", msgTagLimit)
	}
	set(merged)
	return nil, nil
}

type untagResourceInput struct {
	ResourceID string   `json:"ResourceId"`
	TagKeys    []string `json:"TagKeys"`
}

func (s *Service) untagResource(c *protocol.Call, in untagResourceInput) (any, *protocol.APIError) {
	tags, set, err := s.tagsOf(in.ResourceID)
	if err != nil {
		return nil, err
	}
	for _, k := range in.TagKeys {
		if err := checkTagKey(k); err != nil {
			return nil, err
		}
	}
	left := copyTags(tags)
	for _, k := range in.TagKeys {
		delete(left, k)
	}
	set(copyTags(left))
	return nil, nil
}

type listTagsForResourceInput struct {
	ResourceID string `json:"ResourceId"`
	NextToken  string `json:"NextToken"`
}

func (s *Service) listTagsForResource(c *protocol.Call, in listTagsForResourceInput) (any, *protocol.APIError) {
	tags, _, err := s.tagsOf(in.ResourceID)
	if err != nil {
		return nil, err
	}
	list := make([]wireTag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		list = append(list, wireTag{Key: k, Value: tags[k]})
	}
	page, next, ok := protocol.PageOf(list, in.NextToken, 0, maxTags)
	if !ok {
		return nil, invalidInput("INVALID_NEXT_TOKEN", msgBadNextToken)
	}
	return listOut("Tags", page, next), nil
}

// checkTags applies AWS's tag rules to the tags of one request.
func checkTags(tags []wireTag) *protocol.APIError {
	seen := map[string]bool{}
	for _, t := range tags {
		if err := checkTagKey(t.Key); err != nil {
			return err
		}
		if len([]rune(t.Value)) > 256 {
			return invalidInput("MAX_LENGTH_EXCEEDED", msgTooLong)
		}
		if !tagRe.MatchString(t.Value) {
			return invalidInput("INVALID_PATTERN", msgPattern)
		}
		if seen[t.Key] {
			return invalidInput("DUPLICATE_TAG_KEY", msgDuplicateTag)
		}
		seen[t.Key] = true
	}
	if len(tags) > maxTags {
		return constraint("MAX_TAG_LIMIT_EXCEEDED", msgTagLimit)
	}
	return nil
}

func checkTagKey(k string) *protocol.APIError {
	switch n := len([]rune(k)); {
	case n == 0:
		return invalidInput("MIN_LENGTH_EXCEEDED", msgTooShort)
	case n > 128:
		return invalidInput("MAX_LENGTH_EXCEEDED", msgTooLong)
	}
	if strings.HasPrefix(strings.ToLower(k), "aws:") {
		return invalidInput("INVALID_SYSTEM_TAGS_PARAMETER", msgSystemTag)
	}
	if !tagRe.MatchString(k) {
		return invalidInput("INVALID_PATTERN", msgPattern)
	}
	return nil
}
