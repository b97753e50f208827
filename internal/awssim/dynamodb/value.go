package dynamodb

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The attribute value types, as the wire names them.
const (
	typeS    = "S"
	typeN    = "N"
	typeB    = "B"
	typeBOOL = "BOOL"
	typeNULL = "NULL"
	typeM    = "M"
	typeL    = "L"
	typeSS   = "SS"
	typeNS   = "NS"
	typeBS   = "BS"
)

// attributeTypes are the types attribute_type accepts, in the order AWS's
// message lists them.
var attributeTypes = []string{typeB, typeNULL, typeSS, typeBOOL, typeL, typeBS, typeN, typeNS, typeS, typeM}

// Value is a DynamoDB attribute value. Its JSON is the wire form ({"S":"x"},
// {"N":"1.5"}, {"B":"<base64>"}, …), which is also how snapshots hold it.
// A number is kept canonical (see canonicalNumber) once validated; binary
// data is held as a string of its bytes.
type Value struct {
	t   string
	s   string // S, N, B
	b   bool   // BOOL, NULL
	m   Item
	l   []Value
	set []string // SS, NS, BS
	// bad is why a decoded wire value is no attribute value (empty, two types
	// set); validation reports it.
	bad string
}

// Item is an item: attribute names to values.
type Item map[string]Value

func str(s string) Value    { return Value{t: typeS, s: s} }
func num(n string) Value    { return Value{t: typeN, s: n} }
func boolean(b bool) Value  { return Value{t: typeBOOL, b: b} }
func list(l []Value) Value  { return Value{t: typeL, l: l} }
func mapOf(m Item) Value    { return Value{t: typeM, m: m} }
func (v Value) isSet() bool { return v.t == typeSS || v.t == typeNS || v.t == typeBS }

// setElem is the scalar type of a set's elements.
func setElem(t string) string { return strings.TrimSuffix(t, "S") }

// MarshalJSON implements json.Marshaler: the wire form.
func (v Value) MarshalJSON() ([]byte, error) {
	var member any
	switch v.t {
	case typeS, typeN:
		member = v.s
	case typeB:
		member = []byte(v.s)
	case typeBOOL, typeNULL:
		member = v.b
	case typeM:
		m := v.m
		if m == nil {
			m = Item{}
		}
		member = m
	case typeL:
		l := v.l
		if l == nil {
			l = []Value{}
		}
		member = l
	case typeSS, typeNS:
		member = v.set
	case typeBS:
		bs := make([][]byte, len(v.set))
		for i, e := range v.set {
			bs[i] = []byte(e)
		}
		member = bs
	default:
		return nil, fmt.Errorf("attribute value of no type")
	}
	return json.Marshal(map[string]any{v.t: member})
}

// UnmarshalJSON implements json.Unmarshaler. A member of the wrong JSON type
// is an error (the protocol's SerializationException); a value with no type
// or two is decoded with bad set, for validation to answer as AWS does.
func (v *Value) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*v = Value{}
	var kinds []string
	for k, r := range raw {
		if slices.Contains(attributeTypes, k) && string(r) != "null" {
			kinds = append(kinds, k)
		}
	}
	switch len(kinds) {
	case 0:
		v.bad = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
		return nil
	case 1:
	default:
		v.bad = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
		return nil
	}
	v.t = kinds[0]
	r := raw[v.t]
	switch v.t {
	case typeS, typeN:
		return json.Unmarshal(r, &v.s)
	case typeB:
		var bs []byte
		err := json.Unmarshal(r, &bs)
		v.s = string(bs)
		return err
	case typeBOOL, typeNULL:
		return json.Unmarshal(r, &v.b)
	case typeM:
		return json.Unmarshal(r, &v.m)
	case typeL:
		return json.Unmarshal(r, &v.l)
	case typeSS, typeNS:
		return json.Unmarshal(r, &v.set)
	default: // BS
		var bs [][]byte
		if err := json.Unmarshal(r, &bs); err != nil {
			return err
		}
		v.set = make([]string, len(bs))
		for i, e := range bs {
			v.set[i] = string(e)
		}
		return nil
	}
}

// normalize validates a value from a request, making its numbers canonical
// in place, and returns AWS's message for what is wrong with it.
func normalize(v *Value) string {
	const invalid = "One or more parameter values were invalid: "
	if v.bad != "" {
		return invalid + v.bad
	}
	switch v.t {
	case typeN:
		n, msg := canonicalNumber(v.s)
		if msg != "" {
			return msg
		}
		v.s = n
	case typeNULL:
		if !v.b {
			return invalid + "Null attribute value types must have the value of true"
		}
	case typeM:
		for k, e := range v.m {
			if msg := normalize(&e); msg != "" {
				return msg
			}
			v.m[k] = e
		}
	case typeL:
		for i := range v.l {
			if msg := normalize(&v.l[i]); msg != "" {
				return msg
			}
		}
	case typeSS, typeNS, typeBS:
		if len(v.set) == 0 {
			return invalid + "An " + map[string]string{typeSS: "string", typeNS: "number", typeBS: "binary"}[v.t] + " set  may not be empty"
		}
		seen := make(map[string]bool, len(v.set))
		for i, e := range v.set {
			if v.t == typeNS {
				n, msg := canonicalNumber(e)
				if msg != "" {
					return msg
				}
				v.set[i] = n
			}
			if seen[v.set[i]] {
				return invalid + "Input collection " + v.setText() + " contains duplicates."
			}
			seen[v.set[i]] = true
		}
	}
	return ""
}

// setText is a set as AWS's messages print it: [a, b].
func (v Value) setText() string {
	elems := v.set
	if v.t == typeBS {
		elems = make([]string, len(v.set))
		for i, e := range v.set {
			elems[i] = base64.StdEncoding.EncodeToString([]byte(e))
		}
	}
	return "[" + strings.Join(elems, ", ") + "]"
}

// normalizeItem validates every value of an item from a request.
func normalizeItem(it Item) string {
	for k, v := range it {
		if msg := normalize(&v); msg != "" {
			return msg
		}
		it[k] = v
	}
	return ""
}

// clone is a deep copy, so an update never changes a stored item in place.
func (v Value) clone() Value {
	c := v
	switch v.t {
	case typeM:
		c.m = v.m.clone()
	case typeL:
		c.l = make([]Value, len(v.l))
		for i, e := range v.l {
			c.l[i] = e.clone()
		}
	case typeSS, typeNS, typeBS:
		c.set = slices.Clone(v.set)
	}
	return c
}

func (it Item) clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v.clone()
	}
	return c
}

// equal is DynamoDB's equality: same type and value; sets as sets.
func equal(a, b Value) bool {
	if a.t != b.t {
		return false
	}
	switch a.t {
	case typeS, typeN, typeB:
		return a.s == b.s
	case typeBOOL, typeNULL:
		return a.b == b.b
	case typeM:
		if len(a.m) != len(b.m) {
			return false
		}
		for k, av := range a.m {
			bv, ok := b.m[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	case typeL:
		return slices.EqualFunc(a.l, b.l, equal)
	default: // sets
		if len(a.set) != len(b.set) {
			return false
		}
		for _, e := range a.set {
			if !slices.Contains(b.set, e) {
				return false
			}
		}
		return true
	}
}

// compare orders two scalars of the same type (S and B by their bytes, N
// numerically); ok is false for any other pair, which no ordering holds for.
func compare(a, b Value) (int, bool) {
	if a.t != b.t {
		return 0, false
	}
	switch a.t {
	case typeS, typeB:
		return strings.Compare(a.s, b.s), true
	case typeN:
		return compareNumbers(a.s, b.s), true
	}
	return 0, false
}

// size is a value's size as DynamoDB counts it toward the 400 KB item limit
// (the developer guide's "Item sizes and formats").
func (v Value) size() int {
	switch v.t {
	case typeS, typeB:
		return len(v.s)
	case typeN:
		return numberSize(v.s)
	case typeBOOL, typeNULL:
		return 1
	case typeM:
		n := 3
		for k, e := range v.m {
			n += len(k) + e.size() + 1
		}
		return n
	case typeL:
		n := 3
		for _, e := range v.l {
			n += e.size() + 1
		}
		return n
	default:
		n := 0
		for _, e := range v.set {
			if v.t == typeNS {
				n += numberSize(e)
			} else {
				n += len(e)
			}
		}
		return n
	}
}

// numberSize is one byte per two significant digits, plus one.
func numberSize(canonical string) int {
	// The significant digits: without sign and point, and without leading and
	// trailing zeros.
	first, last, n := -1, -1, 0
	for i := 0; i < len(canonical); i++ {
		c := canonical[i]
		if c < '0' || c > '9' {
			continue
		}
		if c != '0' {
			if first < 0 {
				first = n
			}
			last = n
		}
		n++
	}
	digits := 0
	if first >= 0 {
		digits = last - first + 1
	}
	return (digits+1)/2 + 1
}

func (it Item) size() int {
	n := 0
	for k, v := range it {
		n += len(k) + v.size()
	}
	return n
}

// keyText is a key value as text that orders nothing but is unique per value
// and valid UTF-8 (binary in base64), for map keys that survive JSON.
func keyText(v Value) string {
	if v.t == typeB {
		return "B:" + base64.StdEncoding.EncodeToString([]byte(v.s))
	}
	return v.t + ":" + v.s
}

// describe prints a value as AWS's messages do: {S:a}, {N:1}.
func (v Value) describe() string {
	switch v.t {
	case typeS, typeN:
		return "{" + v.t + ":" + v.s + "}"
	case typeB:
		return "{B:" + base64.StdEncoding.EncodeToString([]byte(v.s)) + "}"
	case typeBOOL, typeNULL:
		return fmt.Sprintf("{%s:%t}", v.t, v.b)
	case typeSS, typeNS, typeBS:
		return "{" + v.t + ":" + v.setText() + "}"
	}
	b, _ := v.MarshalJSON()
	return string(b)
}

// typeWord is a value's type as the ADD and DELETE messages spell it.
func typeWord(t string) string {
	switch t {
	case typeS:
		return "STRING"
	case typeN:
		return "NUMBER"
	case typeB:
		return "BINARY"
	case typeBOOL:
		return "BOOLEAN"
	case typeM:
		return "MAP"
	case typeL:
		return "LIST"
	case typeSS:
		return "STRING_SET"
	case typeNS:
		return "NUMBER_SET"
	case typeBS:
		return "BINARY_SET"
	}
	return t
}
