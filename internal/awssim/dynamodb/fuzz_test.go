package dynamodb

import (
	"testing"
)

// FuzzExpressions: no expression, however malformed, escapes the parsers
// other than as a ValidationException, and whatever parses evaluates
// against an item without failing, keeping the item's key.
func FuzzExpressions(f *testing.F) {
	for _, s := range []string{
		"a = :n", "#a.b[0] <> :s AND NOT (c BETWEEN :n AND :n OR d IN (:s, :n))", "attribute_exists(a) OR begins_with(#b, :s)",
		"size(l) > :n AND contains(ss, :s) AND attribute_type(a, :t)", "((a = :n))", "a = = :n", "a[", "#", ":", "\xff",
		"SET a = a + :n, l = list_append(if_not_exists(l, :l), :l) REMOVE m.x, l[1] ADD ss :ss, n :n DELETE ds :ss",
		"SET l[99] = :n", "REMOVE a, a", "a, b.c, l[2]", "SET #a = :n SET b = :n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		newR := func() *refs {
			return &refs{names: map[string]string{"#a": "a", "#b": "b.c"},
				values: map[string]Value{":n": num("1"), ":s": str("x"), ":t": str("S"), ":l": list([]Value{num("2")}),
					":ss": {t: typeSS, set: []string{"x", "y"}}},
				usedNames: map[string]bool{}, usedValues: map[string]bool{}}
		}
		it := Item{"pk": str("k"), "a": num("3"), "b.c": str("xy"), "l": list([]Value{str("e"), num("1")}),
			"m": mapOf(Item{"x": boolean(true)}), "ss": {t: typeSS, set: []string{"x"}}}
		key := Item{"pk": str("k")}
		check := func(what string, aerr interface{ Error() string }) {
			if aerr != nil && !isValidation(aerr.Error()) {
				t.Fatalf("%s %q: %v", what, src, aerr)
			}
		}
		if c, aerr := parseCondition("ConditionExpression", src, newR()); aerr != nil {
			check("condition", aerr)
		} else {
			holds(it, c)
			holds(nil, c)
		}
		if u, aerr := parseUpdate(src, newR()); aerr != nil {
			check("update", aerr)
		} else {
			next, aerr := u.apply(it.clone(), key)
			if aerr != nil {
				check("apply", aerr)
			} else if !equal(next["pk"], str("k")) {
				t.Fatalf("update %q lost the key: %v", src, next)
			}
			if _, aerr := u.apply(nil, key); aerr != nil {
				check("apply to nothing", aerr)
			}
		}
		if p, aerr := parseProjection(src, newR()); aerr != nil {
			check("projection", aerr)
		} else {
			project(it, p)
		}
	})
}

func isValidation(s string) bool {
	const prefix = nsValidate + "ValidationException: "
	return len(s) > len(prefix) && s[:len(prefix)] == prefix
}
