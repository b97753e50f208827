package protocol_test

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

func TestOpOnAuthorizesAfterDecodingBeforeTheHandler(t *testing.T) {
	type in struct{ ID string }
	ran := false
	h := protocol.OpOn(func(c *protocol.Call, v in) (any, *protocol.APIError) {
		ran = true
		return nil, nil
	}, func(c *protocol.Call, v in) []protocol.Access {
		return []protocol.Access{protocol.On("arn:aws:test:::thing/" + v.ID), {Action: "test:Other", Resource: "arn:aws:test:::other"}}
	})
	var asked []protocol.Access
	deny := &protocol.APIError{Code: "AccessDeniedException", Message: "no", Status: 400}
	c := &protocol.Call{Action: "test:Get", Authorizer: func(c *protocol.Call, access []protocol.Access) *protocol.APIError {
		asked = access
		return deny
	}}

	_, aerr := h(c, []byte(`{"ID":"a1"}`))
	assert.Same(t, deny, aerr)
	assert.False(t, ran, "a denied call never reaches the handler")
	assert.Equal(t, []protocol.Access{{Resource: "arn:aws:test:::thing/a1"}, {Action: "test:Other", Resource: "arn:aws:test:::other"}}, asked)

	_, aerr = h(c, []byte(`{"ID":`))
	require.NotNil(t, aerr)
	assert.Equal(t, "SerializationException", aerr.Code, "a body that does not decode is refused before authorization")

	_, aerr = h(&protocol.Call{}, []byte(`{"ID":"a1"}`))
	assert.Nil(t, aerr, "without an authorizer everything is allowed")
	assert.True(t, ran)
}

func TestOpAuthorizesOnAnyResource(t *testing.T) {
	var asked []protocol.Access
	c := &protocol.Call{Authorizer: func(c *protocol.Call, access []protocol.Access) *protocol.APIError {
		asked = access
		return nil
	}}
	_, aerr := protocol.Op(func(c *protocol.Call, _ struct{}) (any, *protocol.APIError) { return nil, nil })(c, nil)
	require.Nil(t, aerr)
	assert.Equal(t, []protocol.Access{{Resource: "*"}}, asked)

	asked = nil
	q := protocol.QueryOn(func(c *protocol.Call, form url.Values) (any, *protocol.APIError) { return nil, nil },
		func(c *protocol.Call, form url.Values) []protocol.Access {
			return []protocol.Access{protocol.On(form.Get("RoleArn"))}
		})
	_, aerr = q(c, url.Values{"RoleArn": {"arn:aws:iam::111122223333:role/R"}})
	require.Nil(t, aerr)
	assert.Equal(t, []protocol.Access{{Resource: "arn:aws:iam::111122223333:role/R"}}, asked)
}
