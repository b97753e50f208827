package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/world"
	"github.com/towervend/towervend/statemachine"
)

// Scenario is a decoded scenario file.
type Scenario struct {
	// Path is the file it was read from ("" when parsed from bytes).
	Path string
	// Description says what the scenario shows.
	Description string
	// World and Policy are the files it runs on, resolved against the
	// scenario's folder; "" means the demo world (without its happenings)
	// and the default policy.
	World, Policy string
	// Steps run in order.
	Steps []Step
}

// Step is one step: when it runs and what it does. Exactly one of At and
// After is set, and exactly one of Submit, AWS, Fault and Expect.
type Step struct {
	// Number is the step's place in the file, from 1, as errors and reports name it.
	Number int
	// Note is the file's comment on the step.
	Note string
	// At is the time from the world's start the step runs at.
	At *time.Duration
	// After is the condition the step waits for.
	After *After

	// Submit is a request body; RequestID is its requestId ("" if it has none).
	Submit    []byte
	RequestID string
	// AWS is an action outside towervend.
	AWS *Action
	// Fault replaces the faults in force.
	Fault *awssim.Faults
	// Expect checks the world.
	Expect *Expect
}

// Kind names the step's kind as the file spells it.
func (s Step) Kind() string {
	switch {
	case s.Submit != nil:
		return "submit"
	case s.AWS != nil:
		return "aws"
	case s.Fault != nil:
		return "fault"
	case s.Expect != nil:
		return "expect"
	}
	return ""
}

// After is a step's condition: a request reaching a state, the run settling,
// and a delay.
type After struct {
	// Request is an earlier step's requestId; State what it must reach ("": a final state).
	Request string `json:"request,omitempty"`
	State   string `json:"state,omitempty"`
	// Settled waits until every request so far is final and the world is quiet.
	Settled bool `json:"settled,omitempty"`
	// Delay is the time after the condition (or, alone, after the previous step).
	Delay string `json:"delay,omitempty"`

	delay time.Duration
}

// Action is something an administrator does outside towervend; exactly one
// field is set.
type Action struct {
	CreateAccount    *CreateAccount                   `json:"createAccount,omitempty"`
	ConsoleProvision *world.ConsoleProvisionHappening `json:"consoleProvision,omitempty"`
	Invite           *world.InviteHappening           `json:"invite,omitempty"`
	MoveAccount      *MoveAccount                     `json:"moveAccount,omitempty"`
	TagResource      *TagResource                     `json:"tagResource,omitempty"`
	UntagResource    *UntagResource                   `json:"untagResource,omitempty"`
}

// Name is the action's name as the file spells it.
func (a Action) Name() string {
	switch {
	case a.CreateAccount != nil:
		return "createAccount"
	case a.ConsoleProvision != nil:
		return "consoleProvision"
	case a.Invite != nil:
		return "invite"
	case a.MoveAccount != nil:
		return "moveAccount"
	case a.TagResource != nil:
		return "tagResource"
	case a.UntagResource != nil:
		return "untagResource"
	}
	return ""
}

// newAccount is the account the action makes (its name and email), if any.
func (a Action) newAccount() (name, email string, ok bool) {
	switch {
	case a.CreateAccount != nil:
		return a.CreateAccount.Name, a.CreateAccount.Email, true
	case a.ConsoleProvision != nil:
		return a.ConsoleProvision.Name, a.ConsoleProvision.Email, true
	case a.Invite != nil:
		return a.Invite.Name, a.Invite.Email, true
	}
	return "", "", false
}

// CreateAccount creates an account outside Control Tower (Organizations
// CreateAccount): it joins Root. RoleName is the role Organizations creates
// in it, trusting the management account (AWS's default
// OrganizationAccountAccessRole); AWSControlTowerExecution makes the account
// ready for Control Tower to enroll.
type CreateAccount struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	RoleName string `json:"roleName,omitempty"`
}

// MoveAccount moves an account to an OU by hand (Organizations MoveAccount).
type MoveAccount struct {
	Account            string `json:"account"`
	OrganizationalUnit string `json:"organizationalUnit"`
}

// TagResource sets tags on an account by hand (Organizations TagResource).
type TagResource struct {
	Account string            `json:"account"`
	Tags    map[string]string `json:"tags"`
}

// UntagResource removes tags from an account by hand (Organizations UntagResource).
type UntagResource struct {
	Account string   `json:"account"`
	TagKeys []string `json:"tagKeys"`
}

// Expect is what a step checks.
type Expect struct {
	// Request is an earlier step's requestId, Status the state it must be in,
	// ReasonContains a text its reason must hold.
	Request        string `json:"request,omitempty"`
	Status         string `json:"status,omitempty"`
	ReasonContains string `json:"reasonContains,omitempty"`
	// Account is an account id or a reference; the checks below are on it.
	Account            string             `json:"account,omitempty"`
	OrganizationalUnit string             `json:"organizationalUnit,omitempty"`
	Managed            *bool              `json:"managed,omitempty"`
	Tags               map[string]*string `json:"tags,omitempty"`
	Assignments        []Assignment       `json:"assignments,omitempty"`
}

// Assignment is an Identity Center assignment on the expected account:
// a group or a user (user name or email) with a permission set.
type Assignment struct {
	Group         string `json:"group,omitempty"`
	User          string `json:"user,omitempty"`
	PermissionSet string `json:"permissionSet"`
	// Absent: the assignment must not be there.
	Absent bool `json:"absent,omitempty"`
}

// The statuses a request ends in, as towervend local reports them.
var finalStatuses = []string{"SUCCEEDED", "FAILED", "REJECTED", "SKIPPED"}

// Load reads a scenario file; the files it names are relative to its folder.
func Load(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	s, err := Parse(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("scenario %s: %w", path, err)
	}
	s.Path = path
	return s, nil
}

// file is the scenario file as written.
type file struct {
	Description string            `json:"description"`
	World       string            `json:"world"`
	Policy      string            `json:"policy"`
	Steps       []json.RawMessage `json:"steps"`
}

// stepFile is one step as written.
type stepFile struct {
	Note   string          `json:"note"`
	At     *string         `json:"at"`
	After  json.RawMessage `json:"after"`
	Submit json.RawMessage `json:"submit"`
	AWS    json.RawMessage `json:"aws"`
	Fault  json.RawMessage `json:"fault"`
	Expect json.RawMessage `json:"expect"`
}

// Parse decodes a scenario; dir is the folder its files are relative to.
func Parse(b []byte, dir string) (*Scenario, error) {
	var f file
	if err := decode(b, &f, "scenario"); err != nil {
		return nil, err
	}
	if len(f.Steps) == 0 {
		return nil, errors.New(`steps: none; give at least one, e.g. {"at": "0s", "submit": "../requests/01-create.json"}`)
	}
	s := &Scenario{Description: f.Description, World: resolve(dir, f.World), Policy: resolve(dir, f.Policy)}
	p := parser{dir: dir, names: map[string]string{}, states: workflowStates()}
	for i, raw := range f.Steps {
		st, err := p.step(i+1, raw)
		if err != nil {
			return nil, err
		}
		s.Steps = append(s.Steps, st)
	}
	return s, nil
}

func resolve(dir, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// parser decodes steps in order, knowing the names earlier steps defined.
type parser struct {
	dir string
	// names are what references may name: requestIds and the accounts aws
	// steps create, each with what defined it ("request" or "account").
	names map[string]string
	// states are the workflow's state names.
	states []string
}

func (p *parser) step(n int, raw json.RawMessage) (Step, error) {
	where := fmt.Sprintf("step %d", n)
	var sf stepFile
	if err := decode(raw, &sf, where); err != nil {
		return Step{}, err
	}
	st := Step{Number: n, Note: sf.Note}
	switch {
	case sf.At != nil && sf.After != nil:
		return st, fmt.Errorf(`%s: has both at and after; give one: at (a time from the start, e.g. "90m") or after (e.g. {"request": "CHG2001"})`, where)
	case sf.At != nil:
		d, err := duration(where+".at", *sf.At)
		if err != nil {
			return st, err
		}
		st.At = &d
	case sf.After != nil:
		a, err := p.after(where+".after", sf.After)
		if err != nil {
			return st, err
		}
		st.After = a
	default:
		return st, fmt.Errorf(`%s: says not when it runs; give at (a time from the start, e.g. "90m") or after (e.g. {"request": "CHG2001"}, {"settled": true} or {"delay": "10m"})`, where)
	}
	kinds := 0
	for _, k := range []json.RawMessage{sf.Submit, sf.AWS, sf.Fault, sf.Expect} {
		if k != nil {
			kinds++
		}
	}
	if kinds != 1 {
		return st, fmt.Errorf("%s: has %d kinds; give exactly one of submit, aws, fault or expect", where, kinds)
	}
	var err error
	switch {
	case sf.Submit != nil:
		err = p.submit(where+".submit", sf.Submit, &st)
	case sf.AWS != nil:
		st.AWS, err = p.action(where+".aws", sf.AWS)
	case sf.Fault != nil:
		st.Fault, err = fault(where+".fault", sf.Fault)
	case sf.Expect != nil:
		st.Expect, err = p.expect(where+".expect", sf.Expect)
	}
	return st, err
}

func (p *parser) after(where string, raw json.RawMessage) (*After, error) {
	var a After
	if err := decode(raw, &a, where); err != nil {
		return nil, err
	}
	if a.Request != "" && a.Settled {
		return nil, fmt.Errorf("%s: has both request and settled; give one (settled waits for every request)", where)
	}
	if a.Request == "" && !a.Settled && a.Delay == "" {
		return nil, fmt.Errorf(`%s: is empty; give request (e.g. {"request": "CHG2001"}), settled ({"settled": true}) or delay ({"delay": "10m"})`, where)
	}
	if a.State != "" && a.Request == "" {
		return nil, fmt.Errorf("%s.state: %q needs request: the state of which request?", where, a.State)
	}
	if a.Request != "" {
		if err := p.request(where+".request", a.Request); err != nil {
			return nil, err
		}
	}
	if a.State != "" && !slices.Contains(finalStatuses, a.State) && a.State != "ACCEPTED" && !slices.Contains(p.states, a.State) {
		return nil, fmt.Errorf("%s.state: %q is neither a request's state (%s, ACCEPTED) nor a state of the workflow (%s)",
			where, a.State, strings.Join(finalStatuses, ", "), strings.Join(p.states, ", "))
	}
	if a.Delay != "" {
		d, err := duration(where+".delay", a.Delay)
		if err != nil {
			return nil, err
		}
		a.delay = d
	}
	return &a, nil
}

// request checks that id is a request an earlier step submitted.
func (p *parser) request(where, id string) error {
	if p.names[id] == "request" {
		return nil
	}
	var known []string
	for name, kind := range p.names {
		if kind == "request" {
			known = append(known, name)
		}
	}
	slices.Sort(known)
	if len(known) == 0 {
		return fmt.Errorf("%s: %q is not a request an earlier step submitted (none did yet); submit it in a step before this one", where, id)
	}
	return fmt.Errorf("%s: %q is not a request an earlier step submitted; give one of: %s", where, id, strings.Join(known, ", "))
}

func (p *parser) submit(where string, raw json.RawMessage, st *Step) error {
	body := []byte(raw)
	var path string
	if err := json.Unmarshal(raw, &path); err == nil {
		b, err := os.ReadFile(resolve(p.dir, path))
		if err != nil {
			return fmt.Errorf("%s: %w; give a request file's path relative to the scenario file, or the request itself", where, err)
		}
		body = b
	} else if !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return fmt.Errorf("%s: give the request (a JSON object) or the path of its file (a string)", where)
	}
	st.Submit = body
	// A file that is not a request object is submitted as it is: intake
	// rejecting it is what such a scenario shows. Only its references and
	// requestId need a decoded request.
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	if id, ok := v["requestId"].(string); ok && id != "" {
		if p.names[id] == "account" {
			return fmt.Errorf("%s.requestId: %q is also an account an earlier aws step created; references would be ambiguous, choose another requestId", where, id)
		}
		st.RequestID = id
	}
	if err := p.references(where, body); err != nil {
		return err
	}
	if st.RequestID != "" {
		p.names[st.RequestID] = "request"
	}
	return nil
}

// reference is ${NAME.ATTRIBUTE}.
var reference = regexp.MustCompile(`\$\{([^{}]*)\}`)

// references checks every reference in a request body names something earlier.
func (p *parser) references(where string, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil
	}
	var err error
	walkStrings(v, func(s string) string {
		if err == nil {
			err = p.referencesIn(where, s)
		}
		return s
	})
	return err
}

// referencesIn checks the references in one string.
func (p *parser) referencesIn(where, s string) error {
	for _, m := range reference.FindAllStringSubmatch(s, -1) {
		name, attr, ok := cutLast(m[1], ".")
		if !ok || attr != "accountId" {
			return fmt.Errorf("%s: %s is not a reference; write ${NAME.accountId}, NAME an earlier step's requestId or an account an earlier aws step created", where, m[0])
		}
		if p.names[name] == "" {
			known := slices.Sorted(func(yield func(string) bool) {
				for k := range p.names {
					if !yield(k) {
						return
					}
				}
			})
			hint := "no earlier step defines a name"
			if len(known) > 0 {
				hint = "known: " + strings.Join(known, ", ")
			}
			return fmt.Errorf("%s: %s names %q, which no earlier step submitted or created (%s); move the step that defines it before this one", where, m[0], name, hint)
		}
	}
	return nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// walkStrings calls f on every string value in v (decoded JSON) and puts
// back what it returns.
func walkStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case map[string]any:
		for k, e := range x {
			x[k] = walkStrings(e, f)
		}
	case []any:
		for i, e := range x {
			x[i] = walkStrings(e, f)
		}
	}
	return v
}

// account checks an account field: a 12-digit id or a reference.
func (p *parser) account(where, v string) error {
	if v == "" {
		return fmt.Errorf("%s: required; give the account's 12-digit id or a reference such as ${CHG2001.accountId}", where)
	}
	if reference.MatchString(v) {
		if strings.TrimSpace(reference.ReplaceAllString(v, "")) != "" {
			return fmt.Errorf("%s: %q: give a reference alone, e.g. ${CHG2001.accountId}", where, v)
		}
		return p.referencesIn(where, v)
	}
	if !accountID.MatchString(v) {
		return fmt.Errorf("%s: %q is not an account id; give 12 digits or a reference such as ${CHG2001.accountId}", where, v)
	}
	return nil
}

var (
	accountID = regexp.MustCompile(`^\d{12}$`)
	roleName  = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
)

func (p *parser) action(where string, raw json.RawMessage) (*Action, error) {
	var a Action
	if err := decode(raw, &a, where); err != nil {
		return nil, err
	}
	set := 0
	for _, ok := range []bool{a.CreateAccount != nil, a.ConsoleProvision != nil, a.Invite != nil, a.MoveAccount != nil, a.TagResource != nil, a.UntagResource != nil} {
		if ok {
			set++
		}
	}
	if set != 1 {
		return nil, fmt.Errorf("%s: has %d actions; give exactly one of createAccount, consoleProvision, invite, moveAccount, tagResource or untagResource", where, set)
	}
	where += "." + a.Name()
	switch {
	case a.MoveAccount != nil:
		if err := p.account(where+".account", a.MoveAccount.Account); err != nil {
			return nil, err
		}
		if a.MoveAccount.OrganizationalUnit == "" {
			return nil, fmt.Errorf(`%s.organizationalUnit: required; give the OU's path from Root (e.g. "Sandbox"), "Root" or an OU id`, where)
		}
	case a.TagResource != nil:
		if err := p.account(where+".account", a.TagResource.Account); err != nil {
			return nil, err
		}
		if len(a.TagResource.Tags) == 0 {
			return nil, fmt.Errorf(`%s.tags: required; give the tags to set, e.g. {"Owner": "jane.doe"}`, where)
		}
	case a.UntagResource != nil:
		if err := p.account(where+".account", a.UntagResource.Account); err != nil {
			return nil, err
		}
		if len(a.UntagResource.TagKeys) == 0 {
			return nil, fmt.Errorf(`%s.tagKeys: required; give the keys to remove, e.g. ["Legacy"]`, where)
		}
	case a.ConsoleProvision != nil:
		c := a.ConsoleProvision
		if c.OrganizationalUnit == "" {
			return nil, fmt.Errorf(`%s.organizationalUnit: required; give the target OU's path from Root (e.g. "Workloads/Prod") or id`, where)
		}
		if c.SSO.Email == "" || c.SSO.FirstName == "" || c.SSO.LastName == "" {
			return nil, fmt.Errorf("%s.sso: email, firstName and lastName are required, as the console asks for the account's Identity Center user", where)
		}
		if _, err := mail.ParseAddress(c.SSO.Email); err != nil {
			return nil, fmt.Errorf("%s.sso.email: %q is not an email address", where, c.SSO.Email)
		}
	case a.CreateAccount != nil:
		if r := a.CreateAccount.RoleName; r != "" && !roleName.MatchString(r) {
			return nil, fmt.Errorf("%s.roleName: %q is not an IAM role name (1-64 of letters, digits and +=,.@_-); e.g. AWSControlTowerExecution", where, r)
		}
	case a.Invite != nil:
		if r := a.Invite.ExecutionRole; r != "" && r != world.RoleTrusted && r != world.RoleUntrusted && r != world.RoleMissing {
			return nil, fmt.Errorf("%s.executionRole: %q is not a role state; use trusted, untrusted or missing", where, r)
		}
	}
	if name, email, ok := a.newAccount(); ok {
		if name == "" {
			return nil, fmt.Errorf("%s.name: required; give the new account's name", where)
		}
		if _, err := mail.ParseAddress(email); err != nil || email == "" {
			return nil, fmt.Errorf("%s.email: %q is not an email address; give the new account's root email", where, email)
		}
		switch p.names[name] {
		case "request":
			return nil, fmt.Errorf("%s.name: %q is also an earlier request's requestId; references would be ambiguous, choose another name", where, name)
		case "account":
			return nil, fmt.Errorf("%s.name: an earlier step created an account named %q already; choose another name", where, name)
		}
		p.names[name] = "account"
	}
	return &a, nil
}

func fault(where string, raw json.RawMessage) (*awssim.Faults, error) {
	var f awssim.Faults
	if err := decode(raw, &f, where); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return &f, nil
}

func (p *parser) expect(where string, raw json.RawMessage) (*Expect, error) {
	var e Expect
	if err := decode(raw, &e, where); err != nil {
		return nil, err
	}
	checksAccount := e.OrganizationalUnit != "" || e.Managed != nil || e.Tags != nil || e.Assignments != nil
	if e.Request == "" && e.Account == "" {
		return nil, fmt.Errorf(`%s: checks nothing; give request with status (e.g. {"request": "CHG2001", "status": "SUCCEEDED"}) or account with what to check (organizationalUnit, managed, tags, assignments)`, where)
	}
	if e.Request != "" {
		if err := p.request(where+".request", e.Request); err != nil {
			return nil, err
		}
		if !slices.Contains(append(slices.Clone(finalStatuses), "PENDING"), e.Status) {
			return nil, fmt.Errorf("%s.status: %q is not a request status; give one of %s, PENDING", where, e.Status, strings.Join(finalStatuses, ", "))
		}
	} else if e.Status != "" || e.ReasonContains != "" {
		return nil, fmt.Errorf("%s: status and reasonContains are a request's; give request too", where)
	}
	if e.Account == "" && checksAccount {
		return nil, fmt.Errorf("%s.account: required for organizationalUnit, managed, tags and assignments; give the account's id or a reference such as ${CHG2001.accountId}", where)
	}
	if e.Account != "" {
		if err := p.account(where+".account", e.Account); err != nil {
			return nil, err
		}
		if !checksAccount {
			return nil, fmt.Errorf("%s: says which account but not what to check; give organizationalUnit, managed, tags or assignments", where)
		}
	}
	for i, a := range e.Assignments {
		at := fmt.Sprintf("%s.assignments[%d]", where, i)
		if (a.Group == "") == (a.User == "") {
			return nil, fmt.Errorf("%s: give exactly one of group (a display name) or user (a user name or email)", at)
		}
		if a.PermissionSet == "" {
			return nil, fmt.Errorf("%s.permissionSet: required; give the permission set's name, e.g. ViewOnlyAccess", at)
		}
	}
	return &e, nil
}

// duration reads a step's duration: "90m", "1h30m", not negative.
func duration(where, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf(`%s: %q is not a duration; write one like "90m", "1h30m" or "0s"`, where, s)
	}
	if d < 0 {
		return 0, fmt.Errorf(`%s: %q is negative; give 0s or more`, where, s)
	}
	return d, nil
}

// workflowStates are the state names of the state machine's definition.
func workflowStates() []string {
	var def struct {
		States map[string]json.RawMessage `json:"States"`
	}
	if err := json.Unmarshal(statemachine.Definition(), &def); err != nil {
		return nil // caught by the state machine's own tests
	}
	var out []string
	for name := range def.States {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// decode reads one JSON object into v, refusing unknown fields, and turns
// encoding/json's errors into ones that name where the field is, the field
// and what to write instead.
func decode(raw []byte, v any, where string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
			return fmt.Errorf("%s: something follows the JSON object; give one object", where)
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		line := bytes.Count(raw[:min(int(syntax.Offset), len(raw))], []byte("\n")) + 1
		return fmt.Errorf("%s: not valid JSON (line %d): %v", where, line, syntax)
	case errors.As(err, &typ):
		field := where
		if typ.Field != "" {
			field += "." + typ.Field
		}
		return fmt.Errorf("%s: a %s is not allowed here; give %s", field, typ.Value, jsonKind(typ.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		if at, name, fields, ok := unknownField(raw, reflect.TypeOf(v), where); ok {
			return fmt.Errorf("%s: unknown field %q; the fields are: %s", at, name, strings.Join(fields, ", "))
		}
		return fmt.Errorf("%s: %s", where, strings.TrimPrefix(err.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: not valid JSON: it ends before its last object or array is closed", where)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty; give a JSON object", where)
	}
	return fmt.Errorf("%s: %w", where, err)
}

// unknownField finds the first field of raw that type t does not have,
// walking nested objects and arrays, so an error names it where it is
// ("step 3.aws.consoleProvision.sso"), not only at the top.
func unknownField(raw []byte, t reflect.Type, where string) (at, name string, fields []string, ok bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return "", "", nil, false
		}
		known := map[string]reflect.Type{}
		for i := range t.NumField() {
			if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
				known[n] = t.Field(i).Type
				fields = append(fields, n)
			}
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			ft, found := fieldType(known, key)
			if !found {
				return where, key, fields, true
			}
			if at, name, fs, ok := unknownField(obj[key], ft, where+"."+key); ok {
				return at, name, fs, true
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return "", "", nil, false
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			if at, name, fs, ok := unknownField(obj[key], t.Elem(), where+"."+key); ok {
				return at, name, fs, true
			}
		}
	case reflect.Slice:
		var arr []json.RawMessage
		if t.Elem().Kind() == reflect.Uint8 || json.Unmarshal(raw, &arr) != nil {
			return "", "", nil, false
		}
		for i, e := range arr {
			if at, name, fs, ok := unknownField(e, t.Elem(), fmt.Sprintf("%s[%d]", where, i)); ok {
				return at, name, fs, true
			}
		}
	}
	return "", "", nil, false
}

// fieldType is the type of a struct's JSON field; encoding/json matches
// names without regard to case, and so does this.
func fieldType(known map[string]reflect.Type, key string) (reflect.Type, bool) {
	for name, t := range known {
		if strings.EqualFold(name, key) {
			return t, true
		}
	}
	return nil, false
}

// jsonKind says what JSON a Go type takes, for errors.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Float32, reflect.Float64, reflect.Int, reflect.Int64, reflect.Uint64:
		return "a number"
	}
	return "a " + t.String()
}
