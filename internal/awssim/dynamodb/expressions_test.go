package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
)

// The condition grammar, each operator and function, on one item: a
// condition that holds lets a DeleteItem through (the item is put back
// after), one that does not fails it.
func TestConditionsHoldAsOnAWS(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	doc := item{"pk": S("k"), "n": N("5"), "s": S("hello"), "b": B([]byte("bin")),
		"ss": &types.AttributeValueMemberSS{Value: []string{"x", "y"}}, "ns": &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"l": L(S("a"), N("2"), M(item{"deep": S("v")})), "m": M(item{"core": M(item{"n": N("7")}), "flag": &types.AttributeValueMemberBOOL{Value: true}}),
		"nil": &types.AttributeValueMemberNULL{Value: true}}
	values := item{":5": N("5"), ":4": N("4"), ":6": N("6"), ":hello": S("hello"), ":he": S("he"), ":ell": S("ell"), ":x": S("x"),
		":two": N("2"), ":a": S("a"), ":v": S("v"), ":7": N("7"), ":S": S("S"), ":SS": S("SS"), ":M": S("M"), ":NULL": S("NULL"), ":t": &types.AttributeValueMemberBOOL{Value: true},
		":bi": B([]byte("bi")), ":l3": N("3"), ":five": S("5")}
	tests := []struct {
		expr  string
		holds bool
	}{
		{"n = :5", true}, {"n <> :5", false}, {"n < :6", true}, {"n <= :5", true}, {"n > :5", false}, {"n >= :4", true},
		{"n = :five", false}, {"n <> :five", true}, {"absent <> :5", true}, {"absent = :5", false},
		{"n BETWEEN :4 AND :6", true}, {"n BETWEEN :6 AND :7", false},
		{"n IN (:4, :5)", true}, {"s IN (:he, :ell)", false},
		{"attribute_exists(m.core.n)", true}, {"attribute_not_exists(m.core.x)", true}, {"attribute_exists(l[5])", false},
		{"attribute_type(s, :S) AND attribute_type(ss, :SS) AND attribute_type(m, :M) AND attribute_type(#nil, :NULL)", true},
		{"begins_with(s, :he)", true}, {"begins_with(s, :ell)", false}, {"begins_with(b, :bi)", true},
		{"contains(s, :ell)", true}, {"contains(ss, :x)", true}, {"contains(ns, :two)", true}, {"contains(l, :a)", true}, {"contains(l, :x)", false},
		{"size(s) = :5 AND size(ss) = :two AND size(l) > :two", true}, {"size(l) = :l3", true}, {"size(n) = :5", false},
		{"l[2].deep = :v AND m.core.n = :7 AND m.flag = :t", true},
		{"NOT n = :5", false}, {"n = :4 OR s = :hello", true}, {"n = :4 OR s = :hello AND n = :4", false},
		{"(n = :4 OR s = :hello) AND NOT (n = :4)", true},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			putItem(t, c, "tbl", doc)
			var used item // nil when none is used: an empty map is refused
			for k, v := range values {
				if containsWord(tt.expr, k) {
					if used == nil {
						used = item{}
					}
					used[k] = v
				}
			}
			in := &dynamodb.DeleteItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("k")}, ConditionExpression: aws.String(tt.expr),
				ExpressionAttributeValues: used}
			if containsWord(tt.expr, "#nil") {
				in.ExpressionAttributeNames = map[string]string{"#nil": "nil"}
			}
			_, err := c.DeleteItem(ctx, in)
			if tt.holds {
				assert.NoError(t, err)
				return
			}
			var failed *types.ConditionalCheckFailedException
			assert.ErrorAs(t, err, &failed)
		})
	}
}

// containsWord reports whether a placeholder occurs in an expression as a
// whole token.
func containsWord(expr, word string) bool {
	for i := 0; i+len(word) <= len(expr); i++ {
		if expr[i:i+len(word)] != word {
			continue
		}
		end := i + len(word)
		if end == len(expr) || !isWordByte(expr[end]) {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Mistakes in expressions are ValidationExceptions worded as AWS words them.
func TestExpressionErrors(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	putItem(t, c, "tbl", item{"pk": S("k"), "n": N("1")})
	tests := []struct {
		name   string
		update string
		cond   string
		names  map[string]string
		values item
		msg    string
	}{
		{"unused value", "SET n = :one", "", nil, item{":one": N("1"), ":spare": N("2")},
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:spare}"},
		{"unused name", "SET n = :one", "", map[string]string{"#x": "x"}, item{":one": N("1")},
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}"},
		{"undefined value", "SET n = :one", "", nil, item{":two": N("2")},
			"Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :one"},
		{"undefined name", "SET #n = :one", "", nil, item{":one": N("1")},
			"Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #n"},
		{"condition syntax", "SET n = :one", "n = = :one", nil, item{":one": N("1")},
			`Invalid ConditionExpression: Syntax error; token: "=", near: "= = :one"`},
		{"update syntax", "SET n :one", "", nil, item{":one": N("1")},
			`Invalid UpdateExpression: Syntax error; token: ":one", near: "n :one"`},
		{"unfinished", "SET n = :one", "n = :one AND", nil, item{":one": N("1")},
			`Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"`},
		{"reserved word", "SET status = :one", "", nil, item{":one": N("1")},
			"Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"},
		{"empty", "", "", nil, nil, "Invalid UpdateExpression: The expression can not be empty;"},
		{"twice SET", "SET n = :one SET m = :one", "", nil, item{":one": N("1")},
			`Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{"overlap", "SET m.a = :one REMOVE m", "", nil, item{":one": N("1")},
			"Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, a], path two: [m]"},
		{"unknown function", "SET n = :one", "exists(n)", nil, item{":one": N("1")},
			"Invalid ConditionExpression: Invalid function name; function: exists"},
		{"begins_with a number", "SET n = :one", "begins_with(n, :one)", nil, item{":one": N("1")},
			"Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"ADD a string", "ADD n :s", "", nil, item{":s": S("x")},
			"Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"redundant parentheses", "SET n = :one", "((n = :one))", nil, item{":one": N("1")},
			"Invalid ConditionExpression: The expression has redundant parentheses;"},
		{"empty values", "SET n = n", "", nil, item{}, "ExpressionAttributeValues must not be empty"},
		{"invalid value", "SET n = :s", "", nil, item{":s": &types.AttributeValueMemberSS{Value: []string{}}},
			"ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: An string set  may not be empty for key :s"},
		{"missing attribute", "SET n = missing_attr + :one", "", nil, item{":one": N("1")},
			"The provided expression refers to an attribute that does not exist in the item"},
		{"path into nothing", "SET nothing.deeper = :one", "", nil, item{":one": N("1")},
			"The document path provided in the update expression is invalid for update"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &dynamodb.UpdateItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("k")}, UpdateExpression: aws.String(tt.update),
				ExpressionAttributeNames: tt.names, ExpressionAttributeValues: tt.values}
			if tt.cond != "" {
				in.ConditionExpression = aws.String(tt.cond)
			}
			_, err := c.UpdateItem(ctx, in)
			code, msg := apiError(t, err)
			assert.Equal(t, "ValidationException", code)
			assert.Equal(t, tt.msg, msg)
		})
	}
	assert.Equal(t, item{"pk": S("k"), "n": N("1")}, getItem(t, c, "tbl", item{"pk": S("k")}), "no refused update changed the item")

	_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("k")}, ProjectionExpression: aws.String("a.b, a")})
	_, msg := apiError(t, err)
	assert.Equal(t, "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]", msg)
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("k")}, ExpressionAttributeNames: map[string]string{"#a": "a"}})
	_, msg = apiError(t, err)
	assert.Equal(t, "ExpressionAttributeNames can only be specified when using expressions", msg)
}

// The legacy parameters are refused by name: the simulator serves expressions.
func TestLegacyParametersAreRefused(t *testing.T) {
	_, _, c := newDynamoTest(t)
	createTable(t, c, "tbl", "")
	_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: item{"pk": S("k")}, AttributesToGet: []string{"a"}})
	code, msg := apiError(t, err)
	assert.Equal(t, "ValidationException", code)
	assert.Equal(t, "AttributesToGet is a legacy parameter the simulator does not serve; use ProjectionExpression", msg)
}
