package protocol

import "net/url"

// IAM authorization as operations declare it. The Service Authorization
// Reference lists, for every action, the resource types it is authorized on
// and the condition keys the service adds; an operation states the same from
// its parsed input as a list of Access, and the router's Authorizer decides
// them against the caller's identity policies. Every Access must be allowed
// (MoveAccount needs the account, the source parent and the destination).
//
// protocol knows nothing of policies: package authz evaluates them (package
// iam) and answers with the service's own AccessDenied shape.

// Access is one authorization an operation needs.
type Access struct {
	// Action is the IAM action, "service:Action"; empty means the call's own
	// (Call.Action). Operations set it where the action differs from the
	// operation's name (SendMessageBatch is sqs:SendMessage) or where one
	// call needs several (StartMessageMoveTask also needs sqs:ReceiveMessage).
	Action string
	// Resource is the ARN the action is on, as the Service Authorization
	// Reference formats it; "*" (or "") for an action without resource types.
	Resource string
	// Context holds the condition keys the service sets for this access
	// (events:source, aws:ResourceTag/…, aws:RequestTag/…, aws:TagKeys). The
	// authorizer adds the global keys (aws:PrincipalArn, aws:PrincipalOrgID, …).
	Context map[string][]string
}

// AnyResource is the resource of an action without resource-level permissions.
const AnyResource = "*"

// On is an Access to the call's own action on resource.
func On(resource string) Access { return Access{Resource: resource} }

// Authorizer decides the accesses of a call; a non-nil error is the service's
// answer for a denied one.
type Authorizer func(c *Call, access []Access) *APIError

// Authorize checks the call's accesses; every one must be allowed. No access
// given means the call's action on "*". Without an Authorizer (a Call a test
// builds itself) everything is allowed.
func (c *Call) Authorize(access ...Access) *APIError {
	if c.Authorizer == nil {
		return nil
	}
	if len(access) == 0 {
		access = []Access{On(AnyResource)}
	}
	return c.Authorizer(c, access)
}

// OpOn is Op for an operation authorized on resources: on returns the
// accesses the parsed input needs (nil: the call's action on "*"). They are
// checked after decoding and before f runs, so a denied call changes nothing.
func OpOn[In any](f func(c *Call, in In) (any, *APIError), on func(c *Call, in In) []Access) Handler {
	return func(c *Call, body []byte) (any, *APIError) {
		var in In
		if aerr := DecodeJSON(body, &in); aerr != nil {
			return nil, aerr
		}
		var access []Access
		if on != nil {
			access = on(c, in)
		}
		if aerr := c.Authorize(access...); aerr != nil {
			return nil, aerr
		}
		return f(c, in)
	}
}

// QueryOn is OpOn for a Query-protocol action: on returns the accesses the
// form needs (nil: the call's action on "*").
func QueryOn(f QueryHandler, on func(c *Call, form url.Values) []Access) QueryHandler {
	return func(c *Call, form url.Values) (any, *APIError) {
		var access []Access
		if on != nil {
			access = on(c, form)
		}
		if aerr := c.Authorize(access...); aerr != nil {
			return nil, aerr
		}
		return f(c, form)
	}
}
