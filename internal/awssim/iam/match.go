package iam

import (
	"strings"
	"unicode/utf8"
)

// pattern is a policy string after policy-variable substitution: literal
// characters and the two wildcards. Keeping wildcards apart from literals is
// what lets ${*} and a substituted value containing '*' stay literal.
type pattern []token

type token struct {
	r    rune
	kind tokenKind
}

type tokenKind uint8

const (
	literal tokenKind = iota
	anyRun            // * : any run of characters, ':' and '/' included
	anyOne            // ? : any one character
)

// resolver looks up policy variables; nil substitutes nothing.
type resolver interface {
	variable(body string) (string, bool)
}

// compile turns raw policy text into a pattern, substituting policy variables
// through r when r is not nil. It reports false when a variable cannot be
// resolved, which AWS documents as making the statement invalid.
func compile(raw string, r resolver) (pattern, bool) {
	p := make(pattern, 0, len(raw))
	for i := 0; i < len(raw); {
		if r != nil && strings.HasPrefix(raw[i:], "${") {
			if end := strings.IndexByte(raw[i+2:], '}'); end >= 0 {
				value, ok := r.variable(raw[i+2 : i+2+end])
				if !ok {
					return nil, false
				}
				for _, c := range value {
					p = append(p, token{r: c})
				}
				i += 2 + end + 1
				continue
			}
		}
		c, size := utf8.DecodeRuneInString(raw[i:])
		switch c {
		case '*':
			p = append(p, token{r: c, kind: anyRun})
		case '?':
			p = append(p, token{r: c, kind: anyOne})
		default:
			p = append(p, token{r: c})
		}
		i += size
	}
	return p, true
}

// text is the pattern read literally, wildcards as the characters they are
// written with: what StringEquals and the other non-glob operators compare.
func (p pattern) text() string {
	var b strings.Builder
	for _, t := range p {
		b.WriteRune(t.r)
	}
	return b.String()
}

// match reports whether s matches the whole pattern. It is the linear
// backtracking glob: on a mismatch it retries from the latest '*' one
// character further on, so no input makes it exponential.
func (p pattern) match(s string) bool {
	subject := []rune(s)
	pi, si := 0, 0
	star, resume := -1, 0
	for si < len(subject) {
		if pi < len(p) {
			switch t := p[pi]; {
			case t.kind == anyRun:
				star, resume = pi, si
				pi++
				continue
			case t.kind == anyOne, t.r == subject[si]:
				pi++
				si++
				continue
			}
		}
		if star < 0 {
			return false
		}
		resume++
		pi, si = star+1, resume
	}
	for pi < len(p) && p[pi].kind == anyRun {
		pi++
	}
	return pi == len(p)
}

// splitColons cuts p at its literal ':' into at most n parts, the last part
// keeping any further colons, as strings.SplitN does.
func (p pattern) splitColons(n int) []pattern {
	var parts []pattern
	start := 0
	for i, t := range p {
		if len(parts) == n-1 {
			break
		}
		if t.kind == literal && t.r == ':' {
			parts = append(parts, p[start:i])
			start = i + 1
		}
	}
	return append(parts, p[start:])
}

// matchARN compares an ARN part by part, as ArnEquals and ArnLike do: each of
// the six colon-separated parts is matched on its own, so a '*' in the Region
// part cannot swallow the account. A pattern of fewer parts lets its last part
// match the rest of the ARN ("*" matches any ARN).
func (p pattern) matchARN(arn string) bool {
	const arnParts = 6
	pp := p.splitColons(arnParts)
	vp := strings.SplitN(arn, ":", arnParts)
	if len(vp) < len(pp) {
		return false
	}
	last := len(pp) - 1
	for i := range last {
		if !pp[i].match(vp[i]) {
			return false
		}
	}
	return pp[last].match(strings.Join(vp[last:], ":"))
}
