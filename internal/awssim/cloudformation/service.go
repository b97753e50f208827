package cloudformation

import (
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The CloudFormation Query API: its XML namespace and the API version it serves.
const (
	Namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
	Version   = "2010-05-15"
)

// StackSpec is a deployment to record as a stack.
type StackSpec struct {
	Name        string
	Description string
	// Outputs are the stack's outputs by key.
	Outputs   map[string]string
	Resources []Resource
	// Tags are the stack's tags by key.
	Tags map[string]string
	// TerminationProtection is whether deleting the stack is refused.
	TerminationProtection bool
	// Created is when the deployment began, before the resources it made;
	// zero means now.
	Created time.Time
}

// Resource is one resource of a stack.
type Resource struct {
	LogicalID  string `json:"logicalId"`
	PhysicalID string `json:"physicalId"`
	// Type is the CloudFormation resource type ("AWS::SQS::Queue").
	Type string `json:"type"`
}

// Output is one output of a stack.
type Output struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Stack is a recorded stack as a snapshot holds it.
type Stack struct {
	Name string `json:"name"`
	// ID is the stack's ARN, arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>.
	ID                    string            `json:"id"`
	Account               string            `json:"account"`
	Region                string            `json:"region"`
	Description           string            `json:"description,omitempty"`
	Status                string            `json:"status"`
	Created               time.Time         `json:"created"`
	Updated               time.Time         `json:"updated,omitzero"`
	Outputs               []Output          `json:"outputs,omitempty"`
	Resources             []Resource        `json:"resources,omitempty"`
	Tags                  map[string]string `json:"tags,omitempty"`
	TerminationProtection bool              `json:"terminationProtection,omitempty"`
}

// State is every recorded stack, for snapshots.
type State struct {
	Stacks []Stack `json:"stacks,omitempty"`
}

// Service is the read side of AWS CloudFormation. Its methods run with the
// Env's lock held.
type Service struct {
	env *protocol.Env
	// endpoint is the in-process endpoint: URLs on it are answered on the
	// host each caller reached.
	endpoint string
	stacks   []*Stack // in the order they were first put
}

// New returns CloudFormation with no stacks; endpoint is the simulator's
// in-process endpoint.
func New(env *protocol.Env, endpoint string) *Service {
	return &Service{env: env, endpoint: endpoint}
}

// Actions are the CloudFormation Query actions by name.
func (s *Service) Actions() map[string]protocol.QueryHandler {
	return map[string]protocol.QueryHandler{
		"DescribeStacks":         protocol.QueryOn(s.describeStacks, s.onDescribeStacks),
		"ListStacks":             protocol.QueryOn(s.listStacks, nil),
		"DescribeStackResources": protocol.QueryOn(s.describeStackResources, s.onStack),
	}
}

// Throttle is CloudFormation's throttling error, which the SDKs retry.
func Throttle() *protocol.APIError {
	return &protocol.APIError{Code: "Throttling", Message: "Rate exceeded", Status: http.StatusBadRequest}
}

// AccessDenied is CloudFormation's answer to a call IAM denied (Query
// protocol, code AccessDenied, status 403).
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDenied", Message: message, Status: http.StatusForbidden}
}

// stackNameRe is CloudFormation's pattern for a stack name.
var stackNameRe = regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]{0,127}$`)

// Put records spec as the stack of its name in the management account and
// the home Region, complete now: CREATE_COMPLETE (created at spec.Created),
// or UPDATE_COMPLETE for a name already recorded (which keeps its id and
// creation time).
func (s *Service) Put(spec StackSpec) error {
	if !stackNameRe.MatchString(spec.Name) {
		return fmt.Errorf("stack name %q: CloudFormation takes 1 to 128 letters, digits and hyphens, starting with a letter", spec.Name)
	}
	now := s.env.Now().UTC()
	created := now
	if !spec.Created.IsZero() && spec.Created.Before(now) {
		created = spec.Created.UTC()
	}
	account, region := s.env.ManagementAccountID, s.env.Region
	st := &Stack{Name: spec.Name, Account: account, Region: region, Description: spec.Description,
		Status: "CREATE_COMPLETE", Created: created, Resources: slices.Clone(spec.Resources),
		Tags: maps.Clone(spec.Tags), TerminationProtection: spec.TerminationProtection}
	for _, k := range slices.Sorted(maps.Keys(spec.Outputs)) {
		st.Outputs = append(st.Outputs, Output{Key: k, Value: spec.Outputs[k]})
	}
	for i, old := range s.stacks {
		if old.Account == account && old.Region == region && old.Name == spec.Name {
			st.ID, st.Created, st.Status, st.Updated = old.ID, old.Created, "UPDATE_COMPLETE", now
			s.stacks[i] = st
			return nil
		}
	}
	st.ID = fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", region, account, spec.Name, s.stackUUID(account, region, spec.Name))
	s.stacks = append(s.stacks, st)
	return nil
}

// stackUUID is a stack's id suffix, derived from the world's seed and the
// stack's place rather than drawn from the seeded rand.
func (s *Service) stackUUID(account, region, name string) string {
	h := fnv.New128a()
	_, _ = fmt.Fprintf(h, "%d/%s/%s/%s", s.env.Seed, account, region, name)
	x := fmt.Sprintf("%x", h.Sum(nil))
	// Shaped as CloudFormation's are: a time-based (version 1) UUID.
	return x[0:8] + "-" + x[8:12] + "-1" + x[13:16] + "-" + string("89ab"[x[16]%4]) + x[17:20] + "-" + x[20:32]
}

// State returns a copy of every recorded stack, for snapshots.
func (s *Service) State() State {
	var out State
	for _, st := range s.stacks {
		out.Stacks = append(out.Stacks, *st)
	}
	return out
}

// SetState replaces the stacks with a snapshot's.
func (s *Service) SetState(st State) {
	s.stacks = nil
	for i := range st.Stacks {
		cp := st.Stacks[i]
		s.stacks = append(s.stacks, &cp)
	}
}

// visible are the stacks of the caller's account in the Region it signed
// for (the home Region when unsigned).
func (s *Service) visible(c *protocol.Call) []*Stack {
	region := c.Region
	if region == "" {
		region = s.env.Region
	}
	var out []*Stack
	for _, st := range s.stacks {
		if st.Account == c.Caller.AccountID && st.Region == region {
			out = append(out, st)
		}
	}
	return out
}

// find is the caller's stack a StackName names: by name, or by its id (ARN).
func (s *Service) find(c *protocol.Call, name string) *Stack {
	for _, st := range s.visible(c) {
		if st.Name == name || st.ID == name {
			return st
		}
	}
	return nil
}

// onEndpoint answers a URL on the in-process endpoint on the host the caller
// reached (https for an amazonaws.com host), as SQS builds queue URLs; any
// other value is answered as recorded.
func (s *Service) onEndpoint(c *protocol.Call, v string) string {
	rest, ok := strings.CutPrefix(v, s.endpoint+"/")
	if !ok || c.Endpoint == "" || strings.HasSuffix(c.Endpoint, "://") {
		return v
	}
	base := c.Endpoint
	if scheme, host, ok := strings.Cut(base, "://"); ok && scheme == "http" && strings.HasSuffix(host, ".amazonaws.com") {
		base = "https://" + host
	}
	return base + "/" + rest
}
