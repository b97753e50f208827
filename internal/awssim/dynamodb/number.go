package dynamodb

import (
	"math/big"
	"strings"
)

// DynamoDB numbers are decimals of up to 38 significant digits with a
// magnitude from 1E-130 to 9.99…E+125 (the developer guide's "Data types").
// They are kept as their canonical decimal string, which is what DynamoDB
// answers with: no exponent, no leading or trailing zeros ("1.50" and "15E-1"
// are both "1.5"), so equal numbers have equal strings and a key holds one
// item whatever spelling wrote it. Arithmetic and comparison go through
// math/big, exactly.
const (
	maxDigits   = 38
	maxExponent = 125  // of the first significant digit
	minExponent = -130 // of the first significant digit
)

// canonicalNumber validates s as a DynamoDB number and returns its canonical
// form, or AWS's message for why it is not one.
func canonicalNumber(s string) (string, string) {
	bad := "The parameter cannot be converted to a numeric value: " + s
	rest := s
	neg := false
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	mantissa, exp, hasExp := rest, "", false
	if i := strings.IndexAny(rest, "eE"); i >= 0 {
		mantissa, exp, hasExp = rest[:i], rest[i+1:], true
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) || strings.Count(mantissa, ".") > 1 {
		return "", bad
	}
	e := 0
	if hasExp {
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			if len(exp) == 1 || !allDigits(exp[1:]) {
				return "", bad
			}
		} else if exp == "" || !allDigits(exp) {
			return "", bad
		}
		n, ok := new(big.Int).SetString(strings.TrimPrefix(exp, "+"), 10)
		if !ok || !n.IsInt64() || n.Int64() > 1e6 || n.Int64() < -1e6 {
			if ok && n.Sign() > 0 {
				return "", "Number overflow. Attempting to store a number with magnitude larger than supported range"
			}
			return "", "Number underflow. Attempting to store a number with magnitude smaller than supported range"
		}
		e = int(n.Int64())
	}
	// digits × 10^(e - len(frac)), with digits stripped of leading zeros.
	digits := strings.TrimLeft(intPart+frac, "0")
	scale := len(frac) - e // digits after the decimal point
	if digits == "" {
		return "0", ""
	}
	trimmed := strings.TrimRight(digits, "0")
	scale -= len(digits) - len(trimmed)
	digits = trimmed
	if len(digits) > maxDigits {
		return "", "Attempting to store more than 38 significant digits in a Number"
	}
	lead := len(digits) - 1 - scale // exponent of the first significant digit
	if lead > maxExponent {
		return "", "Number overflow. Attempting to store a number with magnitude larger than supported range"
	}
	if lead < minExponent {
		return "", "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case scale <= 0:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", -scale))
	case scale >= len(digits):
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", scale-len(digits)))
		b.WriteString(digits)
	default:
		b.WriteString(digits[:len(digits)-scale])
		b.WriteByte('.')
		b.WriteString(digits[len(digits)-scale:])
	}
	return b.String(), ""
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ratOf is a canonical number as an exact rational.
func ratOf(canonical string) *big.Rat {
	r, ok := new(big.Rat).SetString(canonical)
	if !ok {
		return new(big.Rat)
	}
	return r
}

// compareNumbers orders two canonical numbers numerically.
func compareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	return ratOf(a).Cmp(ratOf(b))
}

// addNumbers adds (or with negate subtracts) two canonical numbers exactly; the
// message is AWS's when the result is no DynamoDB number.
func addNumbers(a, b string, negate bool) (string, string) {
	x, y := ratOf(a), ratOf(b)
	if negate {
		y.Neg(y)
	}
	sum := new(big.Rat).Add(x, y)
	return canonicalNumber(sum.FloatString(max(scaleOf(a), scaleOf(b))))
}

// scaleOf counts the digits after a canonical number's decimal point.
func scaleOf(canonical string) int {
	if _, frac, ok := strings.Cut(canonical, "."); ok {
		return len(frac)
	}
	return 0
}
