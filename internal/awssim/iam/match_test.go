package iam

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, subject string
		want             bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "a:b/c", true},
		{"a*", "a", true},
		{"a*b", "axxb", true},
		{"a*b", "axxbx", false},
		{"a*b*c", "abbbcbc", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"?", "é", true}, // one character, not one byte
		{"**", "x", true},
		{"*a", "bbbba", true},
		{"*a", "bbbbab", false},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/", true},
	}
	for _, tt := range tests {
		p, ok := compile(tt.pattern, nil)
		assert.True(t, ok)
		assert.Equal(t, tt.want, p.match(tt.subject), "%q against %q", tt.pattern, tt.subject)
	}
}

func TestPatternMatchIsNotExponential(t *testing.T) {
	// A backtracking glob would take ages on this; the linear one answers at once.
	p, _ := compile(strings.Repeat("*a", 50)+"b", nil)
	assert.False(t, p.match(strings.Repeat("a", 5000)))
}

func TestPatternSplitColons(t *testing.T) {
	p, _ := compile("arn:aws:s3:::b:c:d", nil)
	parts := p.splitColons(6)
	var texts []string
	for _, part := range parts {
		texts = append(texts, part.text())
	}
	assert.Equal(t, []string{"arn", "aws", "s3", "", "", "b:c:d"}, texts)
}
