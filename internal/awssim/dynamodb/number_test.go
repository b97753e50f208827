package dynamodb

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCanonicalNumber(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"0", "0", ""}, {"-0", "0", ""}, {"000.000", "0", ""}, {"+7", "7", ""}, {"007", "7", ""},
		{"1.50", "1.5", ""}, {"15E-1", "1.5", ""}, {"1e3", "1000", ""}, {"-2.5e+2", "-250", ""}, {".5", "0.5", ""}, {"5.", "5", ""},
		{"1E-130", "0." + strings.Repeat("0", 129) + "1", ""},
		{strings.Repeat("9", 38), strings.Repeat("9", 38), ""},
		{strings.Repeat("9", 39), "", "Attempting to store more than 38 significant digits in a Number"},
		{"1" + strings.Repeat("0", 50), "1" + strings.Repeat("0", 50), ""}, // trailing zeros are not significant
		{"1E126", "", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"1E-131", "", "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{"1e99999999999", "", "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"", "", "The parameter cannot be converted to a numeric value: "},
		{"1.2.3", "", "The parameter cannot be converted to a numeric value: 1.2.3"},
		{"1e", "", "The parameter cannot be converted to a numeric value: 1e"},
		{"0x10", "", "The parameter cannot be converted to a numeric value: 0x10"},
		{" 1", "", "The parameter cannot be converted to a numeric value:  1"},
		{"NaN", "", "The parameter cannot be converted to a numeric value: NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := canonicalNumber(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.err, err)
		})
	}
}

func TestNumberArithmeticIsExact(t *testing.T) {
	sum, msg := addNumbers("0.1", "0.2", false)
	assert.Empty(t, msg)
	assert.Equal(t, "0.3", sum)
	diff, _ := addNumbers("1", "1.000000000000000000000000000000000001", true)
	assert.Equal(t, "-0.000000000000000000000000000000000001", diff)
	_, msg = addNumbers(strings.Repeat("9", 38), "1", false)
	assert.Empty(t, msg, "10^38 is one significant digit")
	_, msg = addNumbers(strings.Repeat("9", 38), "0.1", false)
	assert.Equal(t, "Attempting to store more than 38 significant digits in a Number", msg)
	assert.Equal(t, -1, compareNumbers("9", "10"))
	assert.Equal(t, 1, compareNumbers("-1", "-1.5"))
}
