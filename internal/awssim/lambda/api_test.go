package lambda_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/towervend/towervend/internal/awssim/lambda"
)

func TestRouteFindsTheReadOperations(t *testing.T) {
	cases := []struct {
		method, path, op, name string
	}{
		{http.MethodGet, "/2015-03-31/functions/", "ListFunctions", ""},
		{http.MethodGet, "/2015-03-31/functions", "ListFunctions", ""},
		{http.MethodGet, "/2015-03-31/functions/towervend-tag", "GetFunction", "towervend-tag"},
		{http.MethodGet, "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A111122223333%3Afunction%3Ax", "GetFunction", "arn:aws:lambda:eu-west-1:111122223333:function:x"},
		{http.MethodGet, "/2015-03-31/functions/x/configuration", "GetFunctionConfiguration", "x"},
		{http.MethodGet, "/2019-09-30/functions/x/concurrency", "GetFunctionConcurrency", "x"},
		{http.MethodGet, "/2019-09-25/functions/x/event-invoke-config", "GetFunctionEventInvokeConfig", "x"},
		// Not served: other methods, other members of a function, other APIs.
		{http.MethodPost, "/2015-03-31/functions/x/invocations", "", ""},
		{http.MethodDelete, "/2015-03-31/functions/x", "", ""},
		{http.MethodGet, "/2015-03-31/functions/x/policy", "", ""},
		{http.MethodGet, "/2015-03-31/functions/x/configuration/extra", "", ""},
		{http.MethodGet, "/2019-09-30/functions/x", "", ""},
		{http.MethodGet, "/2018-10-31/layers", "", ""},
		{http.MethodGet, "/2015-03-31/event-source-mappings/", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			op, params, ok := lambda.Route(tc.method, tc.path)
			assert.Equal(t, tc.op != "", ok)
			assert.Equal(t, tc.op, op)
			if tc.name != "" {
				assert.Equal(t, tc.name, params["FunctionName"])
			}
		})
	}
}
