package asl

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Substitute replaces every ${Name} in a definition with subs[Name], as
// CloudFormation's DefinitionSubstitutions do, so the one ASL file can be
// deployed and run locally unchanged. Values are inserted as they are (they
// must not need JSON escaping; ARNs and names do not). A ${...} whose name is
// not in subs, or one left unclosed, is an error listing every such name.
// Substitutions that the definition does not use are ignored.
func Substitute(def []byte, subs map[string]string) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(def))
	unknown := map[string]bool{}
	rest := def
	for {
		i := bytes.Index(rest, []byte("${"))
		if i < 0 {
			out.Write(rest)
			break
		}
		out.Write(rest[:i])
		end := 0
		for i+2+end < len(rest) && isSubstName(rest[i+2+end]) {
			end++
		}
		if end == 0 || i+2+end >= len(rest) || rest[i+2+end] != '}' {
			return nil, fmt.Errorf("substitute definition: \"${\" at offset %d is never closed: expected a name and \"}\"", len(def)-len(rest)+i)
		}
		name := string(rest[i+2 : i+2+end])
		if v, ok := subs[name]; ok {
			out.WriteString(v)
		} else {
			unknown[name] = true
		}
		rest = rest[i+2+end+1:]
	}
	if len(unknown) > 0 {
		names := make([]string, 0, len(unknown))
		for n := range unknown {
			names = append(names, "${"+n+"}")
		}
		sort.Strings(names)
		known := make([]string, 0, len(subs))
		for n := range subs {
			known = append(known, n)
		}
		sort.Strings(known)
		return nil, fmt.Errorf("substitute definition: no value for %s (known: %s)", strings.Join(names, ", "), strings.Join(known, ", "))
	}
	return out.Bytes(), nil
}

// isSubstName reports whether b may appear in a substitution name.
func isSubstName(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.' || b == ':'
}
