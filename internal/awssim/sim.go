// Package awssim simulates the part of the AWS control plane towervend talks to
// (Organizations, Service Catalog with Control Tower's Account Factory behind it,
// IAM Identity Center, STS, SQS, DynamoDB, EventBridge and Step Functions, and
// the reads an operator makes of IAM, CloudFormation, Lambda and Control
// Tower) at the wire level, so the real aws-sdk-go-v2 clients run against it unchanged.
//
// A Sim is an http.Handler. Point SDK clients at it with Sim.Config (in-process,
// no network) or serve it on loopback (`towervend sim`) and use BaseEndpoint or
// AWS_ENDPOINT_URL. All state sits behind one mutex; time comes from an injected
// clock and randomness from the world's seed, so a run repeats exactly.
//
// The world's principals may do anything. A role added with AddRole carries
// identity policies, and every call it makes is authorized as AWS does:
// each operation declares its IAM action, resources and condition keys, a
// denied call answers the service's AccessDenied, and IAMReport tells what
// was checked, denied and never needed (package authz).
//
// The root may import its service packages, authz, protocol, iam, asl and
// clock; none of them imports the root.
package awssim

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/accountfactory"
	"github.com/towervend/towervend/internal/awssim/authz"
	"github.com/towervend/towervend/internal/awssim/cloudformation"
	"github.com/towervend/towervend/internal/awssim/dynamodb"
	"github.com/towervend/towervend/internal/awssim/iamapi"
	"github.com/towervend/towervend/internal/awssim/identitycenter"
	"github.com/towervend/towervend/internal/awssim/lambda"
	"github.com/towervend/towervend/internal/awssim/protocol"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/towervend/towervend/internal/awssim/eventbridge"
	"github.com/towervend/towervend/internal/awssim/organizations"
	"github.com/towervend/towervend/internal/awssim/sqs"
	"github.com/towervend/towervend/internal/awssim/stepfunctions"
	"github.com/towervend/towervend/internal/awssim/sts"
	"github.com/towervend/towervend/internal/clock"
)

// Options configure a Sim.
type Options struct {
	// Clock is the simulator's time source; nil means a Virtual clock started at
	// the world's start time and released (it runs by itself).
	Clock clock.Clock
	// Logger receives one debug line per API call; nil discards.
	Logger *slog.Logger
	// OnHappening is told of each of the world's happenings once it has
	// happened, outside the lock; nil ignores them.
	OnHappening func(Happened)
	// QueueClock, when set, is SQS's own time (see sqs.Service.UseClock):
	// the standalone simulator gives it the wall clock, because its queue
	// consumers are real programs. Nil: SQS keeps the world's time.
	QueueClock clock.Clock
}

// Sim is the simulated AWS world.
type Sim struct {
	env   *protocol.Env // clock, seeded ids, lock, faults, event publishing
	log   *slog.Logger
	world *World // the settings it was built from (Control Tower timings, principals)

	org      *organizations.Service
	identity *identitycenter.Service
	catalog  *accountfactory.Service // Service Catalog, Control Tower's Account Factory and its API
	queues   *sqs.Service
	tables   *dynamodb.Service // DynamoDB
	events   *eventbridge.Service
	// sts owns the access keys: the world's principals' and those AssumeRole issued.
	sts *sts.Service

	calls map[string]map[string]int // service -> operation -> count
	iam   *authz.Registry           // roles with identity policies, and what their calls were checked for
	// iamAPI answers IAM's read calls about the roles each account has.
	iamAPI *iamapi.Service
	stacks *cloudformation.Service // CloudFormation: the stacks deployments recorded

	sfn       *stepfunctions.Service
	functions *lambda.Service // Lambda: the stand-ins by ARN, and asynchronous invocation

	services map[string]*protocol.Service      // by X-Amz-Target prefix
	query    map[string]*protocol.QueryService // by signing name: STS, SQS's Query protocol
	rest     *protocol.Service                 // Control Tower (REST JSON), ops by path

	pendingHappenings int // the world's happenings still to happen
}

// New builds a simulator from a world description.
func New(w *World, opts Options) (*Sim, error) {
	if w == nil {
		w = DefaultWorld()
	}
	clk := opts.Clock
	if clk == nil {
		v := clock.NewVirtual(w.Start, 0)
		v.Release()
		clk = v
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Sim{
		env:   protocol.NewEnv(clk, w.Region, w.Start, w.Seed, w.Faults),
		log:   log,
		world: w,
		calls: map[string]map[string]int{},
	}
	if err := s.build(w); err != nil {
		return nil, err
	}
	s.env.SetPublisher(s.events.PublishServiceEvent)
	if opts.QueueClock != nil {
		s.queues.UseClock(opts.QueueClock)
	}
	s.registerServices()
	s.scheduleHappenings(w, opts.OnHappening)
	return s, nil
}

// registerServices wires each simulated service's operations to its protocol.
func (s *Sim) registerServices() {
	s.services = map[string]*protocol.Service{
		organizations.TargetPrefix: {Name: "organizations", ContentType: "application/x-amz-json-1.1",
			Throttle:     &APIError{Code: "TooManyRequestsException", Message: "AWS Organizations can't complete your request because another request is already in progress. Try again later.", Status: 400},
			Ops:          s.org.Ops(),
			AccessDenied: organizations.AccessDenied},
		"AWS242ServiceCatalogService": {Name: "servicecatalog", ContentType: "application/x-amz-json-1.1",
			Throttle:     &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:          s.catalog.Ops(),
			AccessDenied: accountfactory.AccessDenied},
		identitycenter.SSOAdminPrefix: {Name: "sso", ContentType: "application/x-amz-json-1.1",
			Throttle:     &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:          s.identity.SSOAdminOps(),
			AccessDenied: identitycenter.AccessDenied},
		identitycenter.IdentityStorePrefix: {Name: "identitystore", ContentType: "application/x-amz-json-1.1",
			Throttle:     &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:          s.identity.IdentityStoreOps(),
			AccessDenied: identitycenter.AccessDenied},
		"AmazonSQS": {Name: "sqs", ContentType: "application/x-amz-json-1.0",
			Throttle:     sqsThrottle,
			Ops:          s.queues.Ops(),
			AccessDenied: sqs.AccessDenied},
		dynamodb.TargetPrefix: {Name: "dynamodb", ContentType: "application/x-amz-json-1.0",
			Throttle:     dynamodb.Throttle(),
			Ops:          s.tables.Ops(),
			AccessDenied: dynamodb.AccessDenied},
		"AWSEvents": {Name: "events", ContentType: "application/x-amz-json-1.1",
			Throttle:     &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:          s.events.Ops(),
			AccessDenied: eventbridge.AccessDenied},
		"AWSStepFunctions": {Name: "states", ContentType: "application/x-amz-json-1.0",
			Throttle:     &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:          s.sfn.Ops(),
			AccessDenied: stepfunctions.AccessDenied},
	}
	s.query = map[string]*protocol.QueryService{
		"sts": {Name: "sts", Namespace: sts.Namespace, Version: "2011-06-15",
			Throttle:     &APIError{Code: "Throttling", Message: "Rate exceeded", Status: 400},
			Actions:      s.sts.Actions(),
			AccessDenied: sts.AccessDenied},
		"sqs": {Name: "sqs", Namespace: sqs.QueryNamespace, Version: sqs.QueryVersion,
			Throttle:     sqsThrottle,
			Actions:      s.queues.QueryActions(),
			AccessDenied: sqs.AccessDenied},
		"iam": {Name: "iam", Namespace: iamapi.Namespace, Version: iamapi.Version,
			Throttle:     iamapi.Throttle(),
			Actions:      s.iamAPI.Actions(),
			AccessDenied: iamapi.AccessDenied},
		"cloudformation": {Name: "cloudformation", Namespace: cloudformation.Namespace, Version: cloudformation.Version,
			Throttle:     cloudformation.Throttle(),
			Actions:      s.stacks.Actions(),
			AccessDenied: cloudformation.AccessDenied},
	}
	s.rest = &protocol.Service{Name: "controltower", ContentType: "application/json",
		Throttle:     &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 429},
		Ops:          s.catalog.ControlTowerOps(),
		AccessDenied: accountfactory.ControlTowerAccessDenied}
}

// sqsThrottle is SQS's throttling error, in both its protocols.
var sqsThrottle = &APIError{Code: "ThrottlingException", QueryCode: "ThrottlingException", Message: "Rate exceeded", Status: 400}

// Clock is the simulator's time source.
func (s *Sim) Clock() clock.Clock { return s.env.Clock }

// World is the description the simulator was built from; it is shared, so
// read it without changing it.
func (s *Sim) World() *World { return s.world }

// Region is the simulated Control Tower home Region.
func (s *Sim) Region() string { return s.world.Region }

// ManagementAccountID is the organization's management account.
func (s *Sim) ManagementAccountID() string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.ManagementAccountID()
}

// SetFaults replaces the injected faults from now on.
func (s *Sim) SetFaults(f Faults) {
	s.env.Lock()
	defer s.env.Unlock()
	s.env.SetFaults(f)
}

// Faults returns the faults in force.
func (s *Sim) Faults() Faults {
	s.env.Lock()
	defer s.env.Unlock()
	return *s.env.Faults()
}

// Calls returns how many API calls each service's operations received.
func (s *Sim) Calls() map[string]map[string]int {
	s.env.Lock()
	defer s.env.Unlock()
	out := make(map[string]map[string]int, len(s.calls))
	for svc, ops := range s.calls {
		m := make(map[string]int, len(ops))
		for op, n := range ops {
			m[op] = n
		}
		out[svc] = m
	}
	return out
}

var credentialRe = regexp.MustCompile(`Credential=([^/,\s]+)/`)

// callerOf returns the principal that signed r. An access key the world does
// not list acts as the world's first principal, so any AWS client works
// against `towervend sim` without setup.
func (s *Sim) callerOf(r *http.Request) Principal {
	if m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		if p, ok := s.sts.Principal(m[1]); ok {
			return p
		}
	}
	if len(s.world.Principals) > 0 {
		p, _ := s.sts.Principal(s.world.Principals[0].AccessKeyID)
		return p
	}
	mgmt := s.org.ManagementAccountID()
	return Principal{Arn: "arn:aws:iam::" + mgmt + ":root", AccountID: mgmt, UserID: mgmt}
}

// ServeHTTP implements http.Handler. A request finds its service as AWS's
// endpoints tell them apart: the JSON protocols by X-Amz-Target, the REST
// ones (Lambda, Control Tower) by path, and the Query protocol (STS, SQS's
// older protocol) by the signing name in its credential scope, since they
// all POST a form to "/". What the simulator does not serve is answered in
// the protocol the client speaks, naming the service and the operation.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		protocol.WriteJSONError(w, "application/x-amz-json-1.1", &APIError{Code: "SerializationException", Message: "cannot read request body", Status: 400})
		return
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, op, _ := strings.Cut(target, ".")
		svc := s.services[prefix]
		if svc == nil {
			protocol.WriteJSONError(w, "application/x-amz-json-1.1", &APIError{Code: "UnknownOperationException",
				Message: fmt.Sprintf("The simulator does not serve %s (operation %s of %s)", serviceName(r, prefix), op, target), Status: 400})
			return
		}
		s.serveJSON(w, r, svc, op, body)
		return
	}
	if name, ok := lambda.InvokePath(r.URL.Path); ok && r.Method == http.MethodPost {
		s.serveInvoke(w, r, name, body)
		return
	}
	if op, params, ok := lambda.Route(r.Method, r.URL.EscapedPath()); ok {
		s.serveREST(w, r, s.lambdaAPI(), op, params)
		return
	}
	if s.rest.Ops[r.URL.Path] != nil {
		s.serveJSON(w, r, s.rest, r.URL.Path, body)
		return
	}
	if form, ok := queryForm(r, body); ok {
		action := form.Get("Action")
		if svc := s.queryService(r, action); svc != nil {
			s.serveQuery(w, r, svc, action, form)
			return
		}
		name := serviceName(r, "")
		protocol.WriteXMLError(w, queryNamespaces[name], s.requestID(), &APIError{Code: "InvalidAction",
			Message: fmt.Sprintf("The simulator does not serve %s (action %s)", name, action), Status: 400})
		return
	}
	w.Header().Set("X-Amzn-Requestid", s.requestID())
	protocol.WriteJSONError(w, "application/json", &APIError{Code: "UnknownOperationException",
		Message: fmt.Sprintf("The simulator does not implement %s %s %s", serviceName(r, ""), r.Method, r.URL.Path), Status: http.StatusNotFound})
}

// queryForm reads a Query-protocol request's parameters: the form POSTed, and
// the URL's query (a GET, or a POST to a queue URL with parameters on it). It
// is a Query request if it names an Action.
func queryForm(r *http.Request, body []byte) (url.Values, bool) {
	form := r.URL.Query()
	if len(body) > 0 && !strings.HasPrefix(strings.TrimSpace(r.Header.Get("Content-Type")), "application/json") {
		posted, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, false
		}
		for k, v := range posted {
			form[k] = append(form[k], v...)
		}
	}
	return form, form.Get("Action") != ""
}

// sqsPathRe is a queue URL's path: /<account id>/<queue name>.
var sqsPathRe = regexp.MustCompile(`^/\d{12}/[A-Za-z0-9_.-]{1,80}$`)

// queryService is the Query-protocol service a request is for: the one its
// signature names; unsigned, SQS for a request to a queue URL or an SQS
// action, STS otherwise.
func (s *Sim) queryService(r *http.Request, action string) *protocol.QueryService {
	if name := signingName(r); name != "" {
		return s.query[name]
	}
	sqsQuery := s.query["sqs"]
	if sqsPathRe.MatchString(r.URL.Path) || sqsQuery.Actions[action] != nil && s.query["sts"].Actions[action] == nil {
		return sqsQuery
	}
	return s.query["sts"]
}

// signingName is the service a request was signed for, from its
// Authorization header or a presigned URL's X-Amz-Credential.
func signingName(r *http.Request) string {
	if name := protocol.SignedService(r.Header.Get("Authorization")); name != "" {
		return name
	}
	if cred := r.URL.Query().Get("X-Amz-Credential"); cred != "" {
		return protocol.SignedService("Credential=" + cred)
	}
	return ""
}

// serviceName names the service a request was meant for in an error: its
// signing name, or what the request itself says.
func serviceName(r *http.Request, fallback string) string {
	if name := signingName(r); name != "" {
		return name
	}
	if fallback != "" {
		return fallback
	}
	return "this service"
}

// queryNamespaces are the XML namespaces of Query-protocol services the
// simulator does not serve, so that their errors read as theirs.
var queryNamespaces = map[string]string{
	"sns":                  "http://sns.amazonaws.com/doc/2010-03-31/",
	"autoscaling":          "http://autoscaling.amazonaws.com/doc/2011-01-01/",
	"elasticloadbalancing": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
	"monitoring":           "http://monitoring.amazonaws.com/doc/2010-08-01/",
	"rds":                  "http://rds.amazonaws.com/doc/2014-10-31/",
}

// requestID draws a request id for an answer no operation served.
func (s *Sim) requestID() string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.env.UUID()
}

func (s *Sim) serveJSON(w http.ResponseWriter, r *http.Request, svc *protocol.Service, op string, body []byte) {
	if d := s.latency(svc.Name); d > 0 {
		time.Sleep(d)
	}
	s.env.Lock()
	c := s.newCall(r, svc.Name, op, svc.AccessDenied)
	handler := svc.Ops[op]
	var out any
	var aerr *APIError
	switch {
	case handler == nil:
		aerr = &APIError{Code: "UnknownOperationException", Message: fmt.Sprintf("The simulator does not implement %s %s", svc.Name, op), Status: 400}
	default:
		aerr = s.env.Faults().Inject(s.env.Rand(), svc.Name, svc.Throttle)
		if aerr == nil {
			out, aerr = handler(c, body)
		}
	}
	s.env.Unlock()
	w.Header().Set("X-Amzn-Requestid", c.RequestID)
	if aerr != nil {
		s.log.Debug("aws call", "service", svc.Name, "operation", op, "error", aerr.Code)
		protocol.WriteJSONError(w, svc.ContentType, aerr)
		return
	}
	s.log.Debug("aws call", "service", svc.Name, "operation", op)
	if out == nil {
		out = struct{}{}
	}
	protocol.WriteJSON(w, svc.ContentType, out)
}

// serveREST serves a REST operation whose input is in its path and query
// string (Lambda's GETs): params, the path's members, and the query's
// parameters become the JSON object the operation decodes, and the call is
// served as any JSON one (latency, faults, call counts, IAM, request id).
func (s *Sim) serveREST(w http.ResponseWriter, r *http.Request, svc *protocol.Service, op string, params map[string]string) {
	in := map[string]string{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 {
			in[k] = v[0]
		}
	}
	for k, v := range params {
		in[k] = v // the path wins over a query parameter of the same name
	}
	body, err := json.Marshal(in)
	if err != nil {
		protocol.WriteJSONError(w, svc.ContentType, protocol.InternalFailure())
		return
	}
	s.serveJSON(w, r, svc, op, body)
}

func (s *Sim) serveQuery(w http.ResponseWriter, r *http.Request, svc *protocol.QueryService, action string, form url.Values) {
	if d := s.latency(svc.Name); d > 0 {
		time.Sleep(d)
	}
	s.env.Lock()
	c := s.newCall(r, svc.Name, action, svc.AccessDenied)
	var out any
	aerr := s.env.Faults().Inject(s.env.Rand(), svc.Name, svc.Throttle)
	if aerr == nil {
		if op := svc.Actions[action]; op != nil {
			out, aerr = op(c, form)
		} else {
			aerr = &APIError{Code: "InvalidAction", Message: fmt.Sprintf("The simulator does not implement %s action %s (API version %s)", svc.Name, action, svc.Version), Status: 400}
		}
	}
	s.env.Unlock()
	if aerr != nil {
		s.log.Debug("aws call", "service", svc.Name, "operation", action, "error", aerr.Code)
		protocol.WriteXMLError(w, svc.Namespace, c.RequestID, aerr)
		return
	}
	s.log.Debug("aws call", "service", svc.Name, "operation", action)
	protocol.WriteXML(w, action, svc.Namespace, c.RequestID, out)
}

// newCall counts the call and captures who and when, and what IAM authorizes
// it as: the action service:op, answered with denied when refused. The lock
// is held.
func (s *Sim) newCall(r *http.Request, service, op string, denied func(action, message string) *APIError) *protocol.Call {
	if s.calls[service] == nil {
		s.calls[service] = map[string]int{}
	}
	s.calls[service][op]++
	auth := r.Header.Get("Authorization")
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if host == "" {
		host = r.URL.Host // an in-process client's request
	}
	return &protocol.Call{Ctx: r.Context(), Caller: s.callerOf(r), Now: s.env.Clock.Now(), RequestID: s.env.UUID(),
		Region: protocol.SignedRegion(auth), Endpoint: scheme + "://" + host, Path: r.URL.Path,
		Action: service + ":" + op, Authorizer: s.iam.Authorizer(auth, denied)}
}

func (s *Sim) latency(service string) time.Duration {
	s.env.Lock()
	defer s.env.Unlock()
	return s.env.Faults().Latency[service].D()
}

// --- in-process clients ---

// InProcessClient is an aws.HTTPClient that serves requests with the simulator
// directly, without a network.
type InProcessClient struct{ Handler http.Handler }

// Do implements aws.HTTPClient.
func (c InProcessClient) Do(r *http.Request) (*http.Response, error) {
	served := r
	if r.Body == nil {
		// A server's request always has a body; a client's may not (Invoke
		// with no payload).
		served = r.Clone(r.Context())
		served.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, served)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// Endpoint is the base URL in-process clients use; nothing listens there.
const Endpoint = "http://awssim.local"

// Config returns an aws.Config whose clients talk to this simulator in process,
// as the world's first principal (towervend's own role).
func (s *Sim) Config() aws.Config {
	key := ""
	if len(s.world.Principals) > 0 {
		key = s.world.Principals[0].AccessKeyID
	}
	return s.ConfigAs(key)
}

// ConfigAs returns an in-process aws.Config signed with the given access key id,
// i.e. acting as the principal the world maps it to.
func (s *Sim) ConfigAs(accessKeyID string) aws.Config {
	return aws.Config{
		Region:       s.world.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKeyID, "simulated-secret", ""),
		HTTPClient:   InProcessClient{Handler: s},
		BaseEndpoint: aws.String(Endpoint),
	}
}

// --- snapshots ---

type snapshot struct {
	Now      time.Time                     `json:"now"`
	Rand     []byte                        `json:"rand"`
	World    *World                        `json:"world"`
	Faults   Faults                        `json:"faults"`
	Org      organizations.OrgState        `json:"organizations"`
	Identity identitycenter.State          `json:"identityCenter"`
	Catalog  accountfactory.State          `json:"serviceCatalog"`
	Queues   sqs.QueueState                `json:"sqs"`
	Tables   dynamodb.State                `json:"dynamodb"`
	Events   EventsState                   `json:"eventBridge"`
	SFN      StepFunctionsState            `json:"stepFunctions"`
	Requests organizations.OrgRequestState `json:"organizationsRequests"`
	Keys     map[string]Principal          `json:"accessKeys"`
	Roles    []authz.RoleState             `json:"iamRoles,omitempty"`
	Stacks   cloudformation.State          `json:"cloudFormation,omitzero"`
}

// Snapshot writes the whole simulated state as JSON, for inspection or to load
// back with Restore. It is not a world file: SnapshotWorld writes one.
func (s *Sim) Snapshot(w io.Writer) error {
	s.env.Lock()
	defer s.env.Unlock()
	r, err := s.env.RandState()
	if err != nil {
		return fmt.Errorf("snapshot rand: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(snapshot{Now: s.env.Clock.Now(), Rand: r, World: s.world, Faults: *s.env.Faults(), Org: *s.org.State(),
		Identity: *s.identity.State(), Catalog: *s.catalog.State(),
		Queues:   s.queues.State(),
		Tables:   s.tables.State(),
		Events:   s.events.State(),
		SFN:      s.sfn.State(),
		Requests: *s.org.Requests(), Keys: s.sts.Keys(), Roles: s.iam.State(),
		Stacks: s.stacks.State()}); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}

// Restore builds a simulator from a snapshot. The clock should start at the
// snapshot's time (SnapshotTime tells it); work in flight resumes on it.
func Restore(r io.Reader, opts Options) (*Sim, error) {
	var snap snapshot
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	if snap.World == nil {
		return nil, fmt.Errorf("read snapshot: no world settings in it")
	}
	s, err := New(snap.World, opts)
	if err != nil {
		return nil, err
	}
	s.env.Lock()
	defer s.env.Unlock()
	if err := s.env.SetRandState(snap.Rand); err != nil {
		return nil, fmt.Errorf("read snapshot rand: %w", err)
	}
	s.env.SetFaults(snap.Faults)
	s.org.SetState(snap.Org, snap.Requests)
	s.catalog.SetState(snap.Catalog)
	s.sts.SetKeys(snap.Keys)
	s.iam.Restore(snap.Roles)
	s.stacks.SetState(snap.Stacks)
	s.identity.SetState(snap.Identity)
	s.events.SetState(snap.Events)
	s.sfn.SetState(snap.SFN)
	s.org.Resume()
	s.catalog.Resume()
	s.queues.Restore(snap.Queues)
	s.tables.Restore(snap.Tables)
	s.identity.Resume()
	s.events.Resume()
	return s, nil
}

// SnapshotTime reads the simulated time a snapshot was taken at.
func SnapshotTime(b []byte) (time.Time, error) {
	var snap struct {
		Now time.Time `json:"now"`
	}
	if err := json.Unmarshal(b, &snap); err != nil {
		return time.Time{}, fmt.Errorf("read snapshot: %w", err)
	}
	return snap.Now, nil
}

// sortedKeys returns a map's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
