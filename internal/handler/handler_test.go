package handler

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type named struct{ name, msg string }

func (n *named) Error() string     { return n.msg }
func (n *named) ErrorName() string { return n.name }

type plainError struct{}

func (plainError) Error() string { return "plain" }

func TestJSONRoundTripsAndNamesErrors(t *testing.T) {
	type in struct{ N int }
	f := JSON(func(_ context.Context, v in) (in, error) {
		switch v.N {
		case 1:
			return in{}, &named{"TowerVend.SlotBusy", "full"}
		case 2:
			return in{}, plainError{}
		}
		return in{N: v.N * 10}, nil
	})
	out, err := f(context.Background(), []byte(`{"N":4}`))
	require.NoError(t, err)
	assert.JSONEq(t, `{"N":40}`, string(out))

	_, err = f(context.Background(), []byte(`{"N":1}`))
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "TowerVend.SlotBusy", e.ErrorType())
	assert.JSONEq(t, `{"errorType":"TowerVend.SlotBusy","errorMessage":"full"}`, e.Cause())

	_, err = f(context.Background(), []byte(`{"N":2}`))
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "plainError", e.Type, "unnamed errors carry their Go type name, as aws-lambda-go reports them")

	_, err = f(context.Background(), []byte(`not json`))
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "Runtime.UnmarshalError", e.Type)
}

func TestLambdaReportsTheStepErrorName(t *testing.T) {
	f := Lambda(func(context.Context, int) (int, error) { return 0, &named{"TowerVend.RoleMissing", "no role"} })
	_, err := f(context.Background(), 1)
	var ive messages.InvokeResponse_Error
	require.True(t, errors.As(err, &ive))
	assert.Equal(t, "TowerVend.RoleMissing", ive.Type)
	assert.Equal(t, "no role", ive.Message)
}
