package lambda

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of Invoke, as "Actions, resources, and condition keys for
// AWS Lambda" lists it: the action is lambda:InvokeFunction (not the API's
// name) on the function (arn:aws:lambda:<region>:<account>:function:<name>).

// InvokeAction is the IAM action Invoke is authorized as.
const InvokeAction = "lambda:InvokeFunction"

// AccessDenied is Lambda's answer to a call IAM denied (REST JSON, status
// 403; no shape is modelled, so the SDK surfaces the generic code).
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDeniedException", Message: message, Status: http.StatusForbidden}
}

// InvokeAccess is the access an Invoke of the function name (an ARN, a name
// or a partial ARN) needs: the registered function's ARN, or the ARN the name
// would have in the management account.
func (s *Service) InvokeAccess(name string) protocol.Access {
	if arn, fn := s.resolve(name); fn != nil {
		return protocol.Access{Action: InvokeAction, Resource: arn}
	}
	if strings.HasPrefix(name, "arn:") {
		return protocol.Access{Action: InvokeAction, Resource: name}
	}
	return protocol.Access{Action: InvokeAction, Resource: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", s.env.Region, s.env.ManagementAccountID, name)}
}

// onFunction is the access of a read call on one function (GetFunction,
// GetFunctionConfiguration, GetFunctionConcurrency,
// GetFunctionEventInvokeConfig, each authorized as its own name): the
// function's ARN as the call resolves it, with the qualifier when it names a
// version, whether or not the function exists, as IAM decides before Lambda
// looks. A name that does not parse is refused after authorization, on "*".
func (s *Service) onFunction(c *protocol.Call, in functionInput) []protocol.Access {
	t, aerr := s.targetOf(c, in)
	if aerr != nil {
		return nil
	}
	return []protocol.Access{protocol.On(t.qualified())}
}
