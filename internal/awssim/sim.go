// Package awssim simulates the part of the AWS control plane towervend talks to
// (Organizations, Service Catalog with Control Tower's Account Factory behind it,
// IAM Identity Center, STS, SQS, EventBridge and Step Functions) at the wire
// level, so the real aws-sdk-go-v2 clients run against it unchanged.
//
// A Sim is an http.Handler. Point SDK clients at it with Sim.Config (in-process,
// no network) or serve it on loopback (`towervend sim`) and use BaseEndpoint or
// AWS_ENDPOINT_URL. All state sits behind one mutex; time comes from an injected
// clock and randomness from the world's seed, so a run repeats exactly.
package awssim

import (
	"encoding/json"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/accountfactory"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/towervend/towervend/internal/asl"
	"github.com/towervend/towervend/internal/clock"
)

// Options configure a Sim.
type Options struct {
	// Clock is the simulator's time source; nil means a Virtual clock started at
	// the world's start time and released (it runs by itself).
	Clock clock.Clock
	// Logger receives one debug line per API call; nil discards.
	Logger *slog.Logger
}

// Sim is the simulated AWS world.
type Sim struct {
	env   *protocol.Env // clock, seeded ids, lock, faults, event publishing
	log   *slog.Logger
	world *World // the settings it was built from (Control Tower timings, principals)

	org         OrgState
	orgRequests OrgRequestState
	identity    IdentityState
	catalog     *accountfactory.Service // Service Catalog, Control Tower's Account Factory and its API
	queues      QueueState
	events      EventsState
	// keys maps access key ids to principals: the world's and those AssumeRole issued.
	keys map[string]Principal

	calls map[string]map[string]int // service -> operation -> count

	stepFunctions StepFunctionsState
	sfnRT         *sfnRuntime
	obsMu         sync.Mutex // guards observer, which runs where the lock may be held
	observer      func(*asl.Execution, asl.HistoryEvent)

	functions map[string]Function        // Lambda stand-ins by ARN
	matchers  map[string]*patternMatcher // compiled EventBridge rule patterns by bus/rule

	services map[string]*protocol.Service // by X-Amz-Target prefix
	query    *protocol.QueryService       // STS
	rest     *protocol.Service            // Control Tower (REST JSON), ops by path
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
		keys:  map[string]Principal{},
		calls: map[string]map[string]int{},
	}
	if err := s.build(w); err != nil {
		return nil, err
	}
	s.env.SetPublisher(s.publishServiceEvent)
	s.registerServices()
	return s, nil
}

// registerServices wires each simulated service's operations to its protocol.
func (s *Sim) registerServices() {
	s.services = map[string]*protocol.Service{
		"AWSOrganizationsV20161128": {Name: "organizations", ContentType: "application/x-amz-json-1.1",
			Throttle: &APIError{Code: "TooManyRequestsException", Message: "AWS Organizations can't complete your request because another request is already in progress. Try again later.", Status: 400},
			Ops:      s.organizationsOps()},
		"AWS242ServiceCatalogService": {Name: "servicecatalog", ContentType: "application/x-amz-json-1.1",
			Throttle: &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:      s.catalog.Ops()},
		"SWBExternalService": {Name: "sso", ContentType: "application/x-amz-json-1.1",
			Throttle: &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:      s.ssoAdminOps()},
		"AWSIdentityStore": {Name: "identitystore", ContentType: "application/x-amz-json-1.1",
			Throttle: &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:      s.identityStoreOps()},
		"AmazonSQS": {Name: "sqs", ContentType: "application/x-amz-json-1.0",
			Throttle: &APIError{Code: "ThrottlingException", QueryCode: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:      s.sqsOps()},
		"AWSEvents": {Name: "events", ContentType: "application/x-amz-json-1.1",
			Throttle: &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:      s.eventsOps()},
		"AWSStepFunctions": {Name: "states", ContentType: "application/x-amz-json-1.0",
			Throttle: &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 400},
			Ops:      s.stepFunctionsOps()},
	}
	s.query = &protocol.QueryService{Name: "sts", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/",
		Throttle: &APIError{Code: "Throttling", Message: "Rate exceeded", Status: 400},
		Actions:  s.stsOps()}
	s.rest = &protocol.Service{Name: "controltower", ContentType: "application/json",
		Throttle: &APIError{Code: "ThrottlingException", Message: "Rate exceeded", Status: 429},
		Ops:      s.catalog.ControlTowerOps()}
}

// Clock is the simulator's time source.
func (s *Sim) Clock() clock.Clock { return s.env.Clock }

// Region is the simulated Control Tower home Region.
func (s *Sim) Region() string { return s.world.Region }

// ManagementAccountID is the organization's management account.
func (s *Sim) ManagementAccountID() string {
	s.env.Lock()
	defer s.env.Unlock()
	return s.org.ManagementAccountID
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
		if p, ok := s.keys[m[1]]; ok {
			return p
		}
	}
	if len(s.world.Principals) > 0 {
		return s.keys[s.world.Principals[0].AccessKeyID]
	}
	return Principal{Arn: "arn:aws:iam::" + s.org.ManagementAccountID + ":root", AccountID: s.org.ManagementAccountID, UserID: s.org.ManagementAccountID}
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		protocol.WriteJSONError(w, "application/x-amz-json-1.1", &APIError{Code: "SerializationException", Message: "cannot read request body", Status: 400})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		if s.rest.Ops[r.URL.Path] != nil {
			s.serveJSON(w, r, s.rest, r.URL.Path, body)
			return
		}
		s.serveQuery(w, r, body)
		return
	}
	prefix, op, _ := strings.Cut(target, ".")
	svc := s.services[prefix]
	if svc == nil {
		protocol.WriteJSONError(w, "application/x-amz-json-1.1", &APIError{Code: "UnknownOperationException", Message: "The simulator does not serve " + target, Status: 400})
		return
	}
	s.serveJSON(w, r, svc, op, body)
}

func (s *Sim) serveJSON(w http.ResponseWriter, r *http.Request, svc *protocol.Service, op string, body []byte) {
	if d := s.latency(svc.Name); d > 0 {
		time.Sleep(d)
	}
	s.env.Lock()
	c := s.newCall(r, svc.Name, op)
	handler := svc.Ops[op]
	var out any
	var aerr *APIError
	switch {
	case handler == nil:
		aerr = &APIError{Code: "UnknownOperationException", Message: fmt.Sprintf("The simulator does not implement %s.%s", svc.Name, op), Status: 400}
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

func (s *Sim) serveQuery(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		protocol.WriteXMLError(w, "", &APIError{Code: "MalformedQueryString", Message: err.Error(), Status: 400})
		return
	}
	action := form.Get("Action")
	if d := s.latency("sts"); d > 0 {
		time.Sleep(d)
	}
	s.env.Lock()
	c := s.newCall(r, "sts", action)
	var out any
	aerr := s.env.Faults().Inject(s.env.Rand(), "sts", s.query.Throttle)
	if aerr == nil {
		if op := s.query.Actions[action]; op != nil {
			out, aerr = op(c, form)
		} else {
			aerr = &APIError{Code: "InvalidAction", Message: "The simulator does not implement sts " + action, Status: 400}
		}
	}
	s.env.Unlock()
	if aerr != nil {
		protocol.WriteXMLError(w, c.RequestID, aerr)
		return
	}
	protocol.WriteXML(w, action, s.query.Namespace, c.RequestID, out)
}

// newCall counts the call and captures who and when. s.mu is held.
func (s *Sim) newCall(r *http.Request, service, op string) *protocol.Call {
	if s.calls[service] == nil {
		s.calls[service] = map[string]int{}
	}
	s.calls[service][op]++
	return &protocol.Call{Ctx: r.Context(), Caller: s.callerOf(r), Now: s.env.Clock.Now(), RequestID: s.env.UUID()}
}

func (s *Sim) latency(service string) time.Duration {
	s.env.Lock()
	defer s.env.Unlock()
	return s.env.Faults().Latency[service].D()
}

func (s *Sim) newAccountID() string {
	for {
		id := string(rune('1'+s.env.Rand().IntN(9))) + s.env.RandString(11, protocol.Digits)
		if s.org.Accounts[id] == nil {
			return id
		}
	}
}

func (s *Sim) newOUID() string {
	suffix := strings.TrimPrefix(s.org.RootID, "r-")
	for {
		id := "ou-" + suffix + "-" + s.env.RandString(8, protocol.LowerAlnum)
		if s.org.OUs[id] == nil {
			return id
		}
	}
}

// --- in-process clients ---

// InProcessClient is an aws.HTTPClient that serves requests with the simulator
// directly, without a network.
type InProcessClient struct{ Handler http.Handler }

// Do implements aws.HTTPClient.
func (c InProcessClient) Do(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, r)
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
	Now      time.Time            `json:"now"`
	Rand     []byte               `json:"rand"`
	World    *World               `json:"world"`
	Faults   Faults               `json:"faults"`
	Org      OrgState             `json:"organizations"`
	Identity IdentityState        `json:"identityCenter"`
	Catalog  accountfactory.State `json:"serviceCatalog"`
	Queues   QueueState           `json:"sqs"`
	Events   EventsState          `json:"eventBridge"`
	SFN      StepFunctionsState   `json:"stepFunctions"`
	Requests OrgRequestState      `json:"organizationsRequests"`
	Keys     map[string]Principal `json:"accessKeys"`
}

// Snapshot writes the whole simulated state as JSON, for inspection or to load
// back with Restore.
func (s *Sim) Snapshot(w io.Writer) error {
	s.env.Lock()
	defer s.env.Unlock()
	r, err := s.env.RandState()
	if err != nil {
		return fmt.Errorf("snapshot rand: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(snapshot{Now: s.env.Clock.Now(), Rand: r, World: s.world, Faults: *s.env.Faults(), Org: s.org,
		Identity: s.identity, Catalog: *s.catalog.State(), Queues: s.queues, Events: s.events, SFN: s.stepFunctions, Requests: s.orgRequests, Keys: s.keys}); err != nil {
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
	s.org, s.identity, s.queues, s.events, s.stepFunctions, s.keys =
		snap.Org, snap.Identity, snap.Queues, snap.Events, snap.SFN, snap.Keys
	s.catalog.SetState(snap.Catalog)
	if snap.Requests.CreateAccount != nil {
		s.orgRequests = snap.Requests
	}
	s.resumeOrg()
	s.catalog.Resume()
	s.resumeQueues()
	s.resumeIdentity()
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
