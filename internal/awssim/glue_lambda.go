package awssim

import (
	"net/http"

	"github.com/towervend/towervend/internal/awssim/lambda"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// serveInvoke serves Lambda's Invoke (REST JSON, POST
// /2015-03-31/functions/{name}/invocations). Unlike the other operations the
// function runs without the lock: it calls back into the simulator.
func (s *Sim) serveInvoke(w http.ResponseWriter, r *http.Request, name string, body []byte) {
	s.env.Lock()
	c := s.newCall(r, "lambda", "Invoke", lambda.AccessDenied)
	c.Action = lambda.InvokeAction
	aerr := s.env.Faults().Inject(s.env.Rand(), "lambda", lambda.Throttle())
	if aerr == nil {
		aerr = c.Authorize(s.functions.InvokeAccess(name))
	}
	var inv lambda.Invocation
	if aerr == nil {
		inv, aerr = s.functions.Prepare(name, r.Header.Get("X-Amz-Invocation-Type"), body)
	}
	s.env.Unlock()
	w.Header().Set("X-Amzn-Requestid", c.RequestID)
	if aerr != nil {
		protocol.WriteJSONError(w, "application/json", aerr)
		return
	}
	inv.Run(r.Context(), w)
}

// lambdaAPI is Lambda's read API as the router serves it (REST JSON; the
// operations by name, found by lambda.Route).
func (s *Sim) lambdaAPI() *protocol.Service {
	return &protocol.Service{Name: "lambda", ContentType: "application/json",
		Throttle: lambda.Throttle(), Ops: s.functions.Ops(), AccessDenied: lambda.AccessDenied}
}
