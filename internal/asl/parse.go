package asl

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// DefinitionError reports a definition the engine refuses: invalid ASL, or
// ASL the local engine does not support. Msg names the state and field.
type DefinitionError struct {
	Msg string
}

// Error implements error.
func (e *DefinitionError) Error() string { return "invalid state machine definition: " + e.Msg }

// Machine is a parsed and validated state machine, ready to run any number of
// times. It is immutable and safe to share between executions.
type Machine struct {
	definition     []byte
	comment        string
	version        string
	timeoutSeconds int64
	root           *graph
	functions      []string
	hasTasks       bool
}

// Definition returns the definition the Machine was parsed from.
func (m *Machine) Definition() []byte { return slices.Clone(m.definition) }

// Comment returns the definition's top-level Comment.
func (m *Machine) Comment() string { return m.comment }

// StartAt returns the name of the first state.
func (m *Machine) StartAt() string { return m.root.startAt }

// TimeoutSeconds returns the execution timeout, 0 when the definition sets none.
func (m *Machine) TimeoutSeconds() int64 { return m.timeoutSeconds }

// LambdaFunctions lists, sorted, the Lambda functions the definition names
// literally (Resource ARNs and static lambda:invoke FunctionName values), so a
// local runtime can check that it serves them all. Names computed at run time
// ("FunctionName.$") are not included.
func (m *Machine) LambdaFunctions() []string { return slices.Clone(m.functions) }

// graph is a StartAt plus States: the machine itself, a Parallel branch or a Map's item processor.
type graph struct {
	startAt string
	states  map[string]*state
}

type state struct {
	name    string
	typ     string
	next    string
	end     bool
	inPath  optPath
	outPath optPath

	parameters     tnode
	resultSelector tnode
	resultPath     resultPath
	result         any
	hasResult      bool

	task  *taskSpec
	retry []*retrier
	catch []*catcher

	choices     []*choiceRule
	defaultNext string

	waitSeconds       int64
	waitSecondsSet    bool
	waitSecondsPath   *path
	waitTimestamp     time.Time
	waitTimestampSet  bool
	waitTimestampPath *path

	errName   string
	cause     string
	errorPath dynString
	causePath dynString

	itemsPath    *path
	itemSelector tnode
	processor    *graph

	branches []*graph
}

type taskSpec struct {
	resource         string
	invoke           bool // arn:aws:states:::lambda:invoke rather than a function ARN
	callback         bool // lambda:invoke.waitForTaskToken: the task waits for SendTaskSuccess/Failure
	timeoutSeconds   int64
	heartbeatSeconds int64
	// timeoutPath and heartbeatPath are TimeoutSecondsPath and
	// HeartbeatSecondsPath: read from the effective input at each attempt.
	timeoutPath, heartbeatPath *path
}

type retrier struct {
	errorEquals []string
	interval    int64
	maxAttempts int64
	backoff     float64
	maxDelay    int64 // 0: no cap
	fullJitter  bool
}

type catcher struct {
	errorEquals []string
	next        string
	resultPath  resultPath
}

// dynString is a Fail state's ErrorPath or CausePath: a reference path or an
// intrinsic function yielding a string.
type dynString struct {
	p    *path
	call *icall
}

func (d dynString) set() bool { return d.p != nil || d.call != nil }

var (
	lambdaInvokeARN = regexp.MustCompile(`^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$`)
	lambdaFuncARN   = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$`)
)

// waitForTaskToken is the Resource suffix of the callback pattern.
const waitForTaskToken = ".waitForTaskToken"

// Limits Step Functions applies to definitions.
const (
	maxStateName = 80
	maxSeconds   = 99999999
	maxDelayCap  = 31622400
)

var stateFields = map[string][]string{
	"Task":     {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Resource", "TimeoutSeconds", "HeartbeatSeconds", "TimeoutSecondsPath", "HeartbeatSecondsPath"},
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "Parameters", "Result", "ResultPath"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "Cause", "ErrorPath", "CausePath"},
	"Map":      {"Next", "End", "InputPath", "OutputPath", "ItemsPath", "ItemSelector", "Parameters", "ItemProcessor", "Iterator", "MaxConcurrency", "ResultSelector", "ResultPath", "Retry", "Catch"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Branches"},
}

// unsupportedFields are valid ASL the local engine refuses, with the reason.
var unsupportedFields = map[string]string{
	"Assign":                         "workflow variables (Assign) are not supported by the local engine",
	"Arguments":                      "Arguments belongs to JSONata states; the local engine runs JSONPath states only (use Parameters)",
	"Output":                         "Output belongs to JSONata states; the local engine runs JSONPath states only (use OutputPath/ResultSelector)",
	"Credentials":                    "cross-account Task Credentials are not supported by the local engine",
	"ItemReader":                     "Distributed Map (ItemReader) is not supported by the local engine; use an inline Map",
	"ItemBatcher":                    "Distributed Map (ItemBatcher) is not supported by the local engine; use an inline Map",
	"ResultWriter":                   "Distributed Map (ResultWriter) is not supported by the local engine; use an inline Map",
	"ToleratedFailurePercentage":     "tolerated failures (a Distributed Map feature) are not supported by the local engine",
	"ToleratedFailureCount":          "tolerated failures (a Distributed Map feature) are not supported by the local engine",
	"ToleratedFailurePercentagePath": "tolerated failures (a Distributed Map feature) are not supported by the local engine",
	"ToleratedFailureCountPath":      "tolerated failures (a Distributed Map feature) are not supported by the local engine",
	"Label":                          "Label (a Distributed Map feature) is not supported by the local engine",
	"MaxConcurrencyPath":             "MaxConcurrencyPath is not supported by the local engine; use MaxConcurrency",
}

// Parse validates an ASL definition (JSONPath query language) and compiles it.
// Everything the engine cannot run exactly is refused here, with an error that
// names the state and field, rather than at run time. Parse never panics.
func Parse(definition []byte) (m *Machine, err error) {
	defer func() {
		// Belt and braces: a bug in a validator must surface as an error.
		if r := recover(); r != nil {
			m, err = nil, &DefinitionError{Msg: fmt.Sprintf("internal error while parsing: %v", r)}
		}
	}()
	v, err := decodeJSON(definition)
	if err != nil {
		return nil, &DefinitionError{Msg: "the definition is not valid JSON: " + err.Error()}
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, &DefinitionError{Msg: "the definition must be a JSON object"}
	}
	p := &parser{names: map[string]string{}, functions: map[string]bool{}}
	m = &Machine{definition: slices.Clone(definition)}
	for _, k := range sortedKeys(top) {
		switch k {
		case "StartAt", "States":
		case "Comment":
			if m.comment, err = p.str(top, k, ""); err != nil {
				return nil, err
			}
		case "Version":
			if m.version, err = p.str(top, k, ""); err != nil {
				return nil, err
			}
		case "TimeoutSeconds":
			if m.timeoutSeconds, _, err = p.integer(top, k, "", 1, maxSeconds); err != nil {
				return nil, err
			}
		case "QueryLanguage":
			if err := p.queryLanguage(top, ""); err != nil {
				return nil, err
			}
		default:
			if msg, ok := unsupportedFields[k]; ok {
				return nil, p.fail("", k, "%s", msg)
			}
			return nil, p.fail("", k, "unknown top-level field; allowed: StartAt, States, Comment, TimeoutSeconds, Version, QueryLanguage")
		}
	}
	if m.root, err = p.graph(top, ""); err != nil {
		return nil, err
	}
	m.hasTasks = p.hasTasks
	for f := range p.functions {
		m.functions = append(m.functions, f)
	}
	sort.Strings(m.functions)
	return m, nil
}

type parser struct {
	names     map[string]string // state name -> scope where it was defined
	functions map[string]bool
	hasTasks  bool
}

func (p *parser) fail(scope, field, format string, args ...any) error {
	var b strings.Builder
	if scope != "" {
		b.WriteString(scope)
		b.WriteString(": ")
	}
	if field != "" {
		fmt.Fprintf(&b, "field %q: ", field)
	}
	fmt.Fprintf(&b, format, args...)
	return &DefinitionError{Msg: b.String()}
}

func (p *parser) str(obj map[string]any, key, scope string) (string, error) {
	s, ok := obj[key].(string)
	if !ok {
		return "", p.fail(scope, key, "must be a string, got a %s", typeName(obj[key]))
	}
	return s, nil
}

// integer reads an integral number within [lo, hi]; present is false when the key is absent.
func (p *parser) integer(obj map[string]any, key, scope string, lo, hi int64) (n int64, present bool, err error) {
	v, ok := obj[key]
	if !ok {
		return 0, false, nil
	}
	n, ok = toInteger(v)
	if !ok || n < lo || n > hi {
		return 0, true, p.fail(scope, key, "must be an integer from %d to %d, got %s", lo, hi, mustJSON(v))
	}
	return n, true, nil
}

func (p *parser) queryLanguage(obj map[string]any, scope string) error {
	switch obj["QueryLanguage"] {
	case "JSONPath":
		return nil
	case "JSONata":
		return p.fail(scope, "QueryLanguage", "\"JSONata\" is not supported: the local engine runs JSONPath definitions only; remove QueryLanguage or set it to \"JSONPath\"")
	}
	return p.fail(scope, "QueryLanguage", "must be \"JSONPath\", got %s", mustJSON(obj["QueryLanguage"]))
}

// graph parses StartAt and States of the machine, a branch or an item processor.
func (p *parser) graph(obj map[string]any, scope string) (*graph, error) {
	startAt, ok := obj["StartAt"].(string)
	if !ok || startAt == "" {
		return nil, p.fail(scope, "StartAt", "must name the first state, got %s", mustJSON(obj["StartAt"]))
	}
	rawStates, ok := obj["States"].(map[string]any)
	if !ok || len(rawStates) == 0 {
		return nil, p.fail(scope, "States", "must be a non-empty object of states, got %s", typeName(obj["States"]))
	}
	g := &graph{startAt: startAt, states: map[string]*state{}}
	for _, name := range sortedKeys(rawStates) {
		where := strings.TrimPrefix(scope+" > ", " > ") + fmt.Sprintf("state %q", name)
		if name == "" || utf8.RuneCountInString(name) > maxStateName {
			return nil, p.fail(where, "", "a state name must be 1 to %d characters long", maxStateName)
		}
		if other, dup := p.names[name]; dup {
			return nil, p.fail(where, "", "the name is already used by a state in %s; state names must be unique in the whole state machine", nonEmpty(other, "the top level"))
		}
		p.names[name] = nonEmpty(scope, "the top level")
		st, err := p.state(name, rawStates[name], where)
		if err != nil {
			return nil, err
		}
		g.states[name] = st
	}
	if _, ok := g.states[startAt]; !ok {
		return nil, p.fail(scope, "StartAt", "state %q does not exist in States", startAt)
	}
	for _, name := range sortedKeys(rawStates) {
		st := g.states[name]
		where := strings.TrimPrefix(scope+" > ", " > ") + fmt.Sprintf("state %q", name)
		check := func(field, target string) error {
			if target == "" {
				return nil
			}
			if _, ok := g.states[target]; !ok {
				return p.fail(where, field, "state %q does not exist (a transition can only target a state in the same States object)", target)
			}
			return nil
		}
		if err := check("Next", st.next); err != nil {
			return nil, err
		}
		if err := check("Default", st.defaultNext); err != nil {
			return nil, err
		}
		for i, c := range st.choices {
			if err := check(fmt.Sprintf("Choices[%d].Next", i), c.next); err != nil {
				return nil, err
			}
		}
		for i, c := range st.catch {
			if err := check(fmt.Sprintf("Catch[%d].Next", i), c.next); err != nil {
				return nil, err
			}
		}
	}
	return g, nil
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (p *parser) state(name string, raw any, where string) (*state, error) {
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, p.fail(where, "", "a state must be a JSON object, got a %s", typeName(raw))
	}
	typ, ok := obj["Type"].(string)
	if !ok {
		return nil, p.fail(where, "Type", "is required: one of Task, Pass, Choice, Wait, Succeed, Fail, Map, Parallel")
	}
	allowed, ok := stateFields[typ]
	if !ok {
		return nil, p.fail(where, "Type", "%q is not a state type; use one of Task, Pass, Choice, Wait, Succeed, Fail, Map, Parallel", typ)
	}
	for _, k := range sortedKeys(obj) {
		switch {
		case k == "Type":
		case k == "Comment":
			if _, err := p.str(obj, k, where); err != nil {
				return nil, err
			}
		case k == "QueryLanguage":
			if err := p.queryLanguage(obj, where); err != nil {
				return nil, err
			}
		case slices.Contains(allowed, k):
		case unsupportedFields[k] != "":
			return nil, p.fail(where, k, "%s", unsupportedFields[k])
		case k == "Next" || k == "End":
			return nil, p.fail(where, k, "a %s state cannot have %s", typ, k)
		default:
			return nil, p.fail(where, k, "unknown field for a %s state; allowed: %s", typ, strings.Join(allowed, ", "))
		}
	}
	st := &state{name: name, typ: typ}
	var err error
	if err = p.transition(st, obj, where); err != nil {
		return nil, err
	}
	if st.inPath, err = p.optPath(obj, "InputPath", where); err != nil {
		return nil, err
	}
	if st.outPath, err = p.optPath(obj, "OutputPath", where); err != nil {
		return nil, err
	}
	if st.resultPath, err = p.resultPath(obj, "ResultPath", where); err != nil {
		return nil, err
	}
	if st.parameters, err = p.template(obj, "Parameters", where); err != nil {
		return nil, err
	}
	if st.resultSelector, err = p.template(obj, "ResultSelector", where); err != nil {
		return nil, err
	}
	if st.retry, err = p.retriers(obj, where); err != nil {
		return nil, err
	}
	if st.catch, err = p.catchers(obj, where); err != nil {
		return nil, err
	}
	switch typ {
	case "Task":
		err = p.task(st, obj, where)
	case "Pass":
		st.result, st.hasResult = obj["Result"]
	case "Choice":
		err = p.choice(st, obj, where)
	case "Wait":
		err = p.wait(st, obj, where)
	case "Fail":
		err = p.failState(st, obj, where)
	case "Map":
		err = p.mapState(st, obj, where)
	case "Parallel":
		err = p.parallel(st, obj, where)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// transition reads Next/End for the state types that need exactly one of them.
func (p *parser) transition(st *state, obj map[string]any, where string) error {
	if !slices.Contains(stateFields[st.typ], "End") {
		return nil
	}
	next, hasNext := obj["Next"]
	end, hasEnd := obj["End"]
	if hasEnd {
		b, ok := end.(bool)
		if !ok {
			return p.fail(where, "End", "must be true or false, got %s", mustJSON(end))
		}
		st.end = b
	}
	if hasNext {
		s, ok := next.(string)
		if !ok || s == "" {
			return p.fail(where, "Next", "must be a state name, got %s", mustJSON(next))
		}
		st.next = s
	}
	switch {
	case st.next != "" && st.end:
		return p.fail(where, "", "a state cannot have both \"Next\" and \"End\": true")
	case st.next == "" && !st.end:
		return p.fail(where, "", "a %s state needs \"Next\" or \"End\": true", st.typ)
	}
	return nil
}

func (p *parser) optPath(obj map[string]any, key, where string) (optPath, error) {
	v, ok := obj[key]
	if !ok {
		return optPath{}, nil
	}
	if v == nil {
		return optPath{null: true}, nil
	}
	s, ok := v.(string)
	if !ok {
		return optPath{}, p.fail(where, key, "must be a path string or null, got a %s", typeName(v))
	}
	pp, err := parsePath(s)
	if err != nil {
		return optPath{}, p.fail(where, key, "%v", err)
	}
	return optPath{p: pp}, nil
}

func (p *parser) resultPath(obj map[string]any, key, where string) (resultPath, error) {
	v, ok := obj[key]
	if !ok {
		return resultPath{}, nil
	}
	if v == nil {
		return resultPath{null: true}, nil
	}
	s, ok := v.(string)
	if !ok {
		return resultPath{}, p.fail(where, key, "must be a reference path string or null, got a %s", typeName(v))
	}
	pp, err := parseRefPath(s)
	if err != nil {
		return resultPath{}, p.fail(where, key, "%v", err)
	}
	if pp.context {
		return resultPath{}, p.fail(where, key, "%q: a ResultPath cannot write to the context object", s)
	}
	return resultPath{p: pp}, nil
}

func (p *parser) template(obj map[string]any, key, where string) (tnode, error) {
	v, ok := obj[key]
	if !ok {
		return nil, nil
	}
	t, err := parseTemplate(v)
	if err != nil {
		return nil, p.fail(where, key, "%v", err)
	}
	return t, nil
}

func (p *parser) errorEquals(obj map[string]any, where, field string, last bool) ([]string, error) {
	list, ok := obj["ErrorEquals"].([]any)
	if !ok || len(list) == 0 {
		return nil, p.fail(where, field+".ErrorEquals", "must be a non-empty array of error names")
	}
	var out []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, p.fail(where, field+".ErrorEquals", "must contain only error names (strings), got %s", mustJSON(e))
		}
		out = append(out, s)
	}
	if slices.Contains(out, ErrorAll) {
		if len(out) != 1 {
			return nil, p.fail(where, field+".ErrorEquals", "%s must appear alone", ErrorAll)
		}
		if !last {
			return nil, p.fail(where, field+".ErrorEquals", "%s must be in the last %s", ErrorAll, strings.TrimRight(field, "[0123456789]"))
		}
	}
	return out, nil
}

func (p *parser) retriers(obj map[string]any, where string) ([]*retrier, error) {
	raw, ok := obj["Retry"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, p.fail(where, "Retry", "must be an array of retriers")
	}
	var out []*retrier
	for i, e := range list {
		field := fmt.Sprintf("Retry[%d]", i)
		ro, ok := e.(map[string]any)
		if !ok {
			return nil, p.fail(where, field, "must be an object")
		}
		for _, k := range sortedKeys(ro) {
			switch k {
			case "ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment":
			default:
				return nil, p.fail(where, field+"."+k, "unknown retrier field; allowed: ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy, Comment")
			}
		}
		r := &retrier{interval: 1, maxAttempts: 3, backoff: 2}
		var err error
		if r.errorEquals, err = p.errorEquals(ro, where, field, i == len(list)-1); err != nil {
			return nil, err
		}
		if n, ok, err := p.integer(ro, "IntervalSeconds", where+": "+field, 1, maxSeconds); err != nil {
			return nil, err
		} else if ok {
			r.interval = n
		}
		if n, ok, err := p.integer(ro, "MaxAttempts", where+": "+field, 0, maxSeconds); err != nil {
			return nil, err
		} else if ok {
			r.maxAttempts = n
		}
		if n, ok, err := p.integer(ro, "MaxDelaySeconds", where+": "+field, 1, maxDelayCap); err != nil {
			return nil, err
		} else if ok {
			r.maxDelay = n
		}
		if v, ok := ro["BackoffRate"]; ok {
			f, isNum := toFloat(v)
			if !isNum || f < 1 {
				return nil, p.fail(where, field+".BackoffRate", "must be a number of at least 1.0, got %s", mustJSON(v))
			}
			r.backoff = f
		}
		if v, ok := ro["JitterStrategy"]; ok {
			switch v {
			case "FULL":
				r.fullJitter = true
			case "NONE":
			default:
				return nil, p.fail(where, field+".JitterStrategy", "must be \"FULL\" or \"NONE\", got %s", mustJSON(v))
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func (p *parser) catchers(obj map[string]any, where string) ([]*catcher, error) {
	raw, ok := obj["Catch"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, p.fail(where, "Catch", "must be an array of catchers")
	}
	var out []*catcher
	for i, e := range list {
		field := fmt.Sprintf("Catch[%d]", i)
		co, ok := e.(map[string]any)
		if !ok {
			return nil, p.fail(where, field, "must be an object")
		}
		for _, k := range sortedKeys(co) {
			switch k {
			case "ErrorEquals", "Next", "ResultPath", "Comment":
			default:
				if msg, ok := unsupportedFields[k]; ok {
					return nil, p.fail(where, field+"."+k, "%s", msg)
				}
				return nil, p.fail(where, field+"."+k, "unknown catcher field; allowed: ErrorEquals, Next, ResultPath, Comment")
			}
		}
		c := &catcher{}
		var err error
		if c.errorEquals, err = p.errorEquals(co, where, field, i == len(list)-1); err != nil {
			return nil, err
		}
		next, ok := co["Next"].(string)
		if !ok || next == "" {
			return nil, p.fail(where, field+".Next", "is required: the state to go to when the error is caught")
		}
		c.next = next
		if c.resultPath, err = p.resultPath(co, "ResultPath", where+": "+field); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (p *parser) task(st *state, obj map[string]any, where string) error {
	res, ok := obj["Resource"].(string)
	if !ok {
		return p.fail(where, "Resource", "is required: \"arn:aws:states:::lambda:invoke\" or a Lambda function ARN")
	}
	t := &taskSpec{resource: res}
	switch {
	case lambdaInvokeARN.MatchString(res):
		t.invoke = true
		t.callback = strings.HasSuffix(res, waitForTaskToken)
		params, ok := obj["Parameters"].(map[string]any)
		if !ok {
			return p.fail(where, "Parameters", "lambda:invoke needs Parameters with FunctionName and Payload")
		}
		hasName := false
		for _, k := range sortedKeys(params) {
			switch k {
			case "FunctionName":
				name, ok := params[k].(string)
				if !ok || name == "" {
					return p.fail(where, "Parameters.FunctionName", "must be a function name or ARN")
				}
				p.functions[name] = true
				hasName = true
			case "FunctionName.$":
				hasName = true
			case "Payload", "Payload.$":
			default:
				return p.fail(where, "Parameters."+k, "is not supported for lambda:invoke by the local engine; only FunctionName and Payload are")
			}
		}
		if !hasName {
			return p.fail(where, "Parameters.FunctionName", "is required for lambda:invoke")
		}
	case lambdaFuncARN.MatchString(res):
		p.functions[res] = true
	case strings.HasSuffix(res, waitForTaskToken):
		return p.fail(where, "Resource", "%q is not supported by the local engine: its only callback task is \"arn:aws:states:::lambda:invoke.waitForTaskToken\"", res)
	default:
		return p.fail(where, "Resource", "%q is not supported by the local engine; use \"arn:aws:states:::lambda:invoke\" or a Lambda function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)", res)
	}
	var err error
	if t.timeoutSeconds, _, err = p.integer(obj, "TimeoutSeconds", where, 1, maxSeconds); err != nil {
		return err
	}
	if t.heartbeatSeconds, _, err = p.integer(obj, "HeartbeatSeconds", where, 1, maxSeconds); err != nil {
		return err
	}
	if t.heartbeatSeconds > 0 && t.timeoutSeconds > 0 && t.heartbeatSeconds >= t.timeoutSeconds {
		return p.fail(where, "HeartbeatSeconds", "must be smaller than TimeoutSeconds")
	}
	for _, f := range []struct {
		name, fixed string
		dst         **path
		set         bool
	}{{"TimeoutSecondsPath", "TimeoutSeconds", &t.timeoutPath, t.timeoutSeconds > 0}, {"HeartbeatSecondsPath", "HeartbeatSeconds", &t.heartbeatPath, t.heartbeatSeconds > 0}} {
		raw, ok := obj[f.name]
		if !ok {
			continue
		}
		if f.set {
			return p.fail(where, f.name, "cannot be used together with %s", f.fixed)
		}
		src, ok := raw.(string)
		if !ok {
			return p.fail(where, f.name, "must be a reference path string")
		}
		pp, perr := parseRefPath(src)
		if perr != nil {
			return p.fail(where, f.name, "%v", perr)
		}
		*f.dst = pp
	}
	st.task = t
	p.hasTasks = true
	return nil
}

func (p *parser) choice(st *state, obj map[string]any, where string) error {
	list, ok := obj["Choices"].([]any)
	if !ok || len(list) == 0 {
		return p.fail(where, "Choices", "must be a non-empty array of choice rules")
	}
	for i, c := range list {
		r, err := parseChoiceRule(c, true, fmt.Sprintf("Choices[%d]", i))
		if err != nil {
			return p.fail(where, "", "%v", err)
		}
		st.choices = append(st.choices, r)
	}
	if d, ok := obj["Default"]; ok {
		s, ok := d.(string)
		if !ok || s == "" {
			return p.fail(where, "Default", "must be a state name")
		}
		st.defaultNext = s
	}
	return nil
}

func (p *parser) wait(st *state, obj map[string]any, where string) error {
	var set []string
	for _, k := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if _, ok := obj[k]; ok {
			set = append(set, k)
		}
	}
	if len(set) != 1 {
		return p.fail(where, "", "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (found %d)", len(set))
	}
	var err error
	switch set[0] {
	case "Seconds":
		st.waitSeconds, st.waitSecondsSet, err = p.integer(obj, "Seconds", where, 0, maxSeconds)
	case "Timestamp":
		s, _ := obj["Timestamp"].(string)
		t, ok := parseTimestamp(s)
		if !ok {
			return p.fail(where, "Timestamp", "must be an RFC 3339 timestamp such as \"2016-03-14T01:59:00Z\", got %s", mustJSON(obj["Timestamp"]))
		}
		st.waitTimestamp, st.waitTimestampSet = t, true
	default:
		s, ok := obj[set[0]].(string)
		if !ok {
			return p.fail(where, set[0], "must be a reference path string")
		}
		pp, perr := parseRefPath(s)
		if perr != nil {
			return p.fail(where, set[0], "%v", perr)
		}
		if set[0] == "SecondsPath" {
			st.waitSecondsPath = pp
		} else {
			st.waitTimestampPath = pp
		}
	}
	return err
}

// failPathFunctions are the intrinsic functions AWS allows in ErrorPath and CausePath.
var failPathFunctions = []string{"States.Format", "States.JsonToString", "States.ArrayGetItem", "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.UUID"}

func (p *parser) failState(st *state, obj map[string]any, where string) error {
	for _, pair := range [][2]string{{"Error", "ErrorPath"}, {"Cause", "CausePath"}} {
		_, lit := obj[pair[0]]
		_, dyn := obj[pair[1]]
		if lit && dyn {
			return p.fail(where, pair[1], "cannot be combined with %s", pair[0])
		}
	}
	var err error
	if _, ok := obj["Error"]; ok {
		if st.errName, err = p.str(obj, "Error", where); err != nil {
			return err
		}
	}
	if _, ok := obj["Cause"]; ok {
		if st.cause, err = p.str(obj, "Cause", where); err != nil {
			return err
		}
	}
	for _, key := range []string{"ErrorPath", "CausePath"} {
		v, ok := obj[key]
		if !ok {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return p.fail(where, key, "must be a reference path or an intrinsic function, got a %s", typeName(v))
		}
		var d dynString
		if strings.HasPrefix(s, "States.") {
			c, cerr := parseIntrinsic(s)
			if cerr != nil {
				return p.fail(where, key, "%v", cerr)
			}
			if !slices.Contains(failPathFunctions, c.name) {
				return p.fail(where, key, "%s is not allowed here; use one of %s", c.name, strings.Join(failPathFunctions, ", "))
			}
			d.call = c
		} else {
			pp, perr := parseRefPath(s)
			if perr != nil {
				return p.fail(where, key, "%v", perr)
			}
			d.p = pp
		}
		if key == "ErrorPath" {
			st.errorPath = d
		} else {
			st.causePath = d
		}
	}
	return nil
}

func (p *parser) mapState(st *state, obj map[string]any, where string) error {
	if s, ok := obj["ItemsPath"]; ok {
		str, ok := s.(string)
		if !ok {
			return p.fail(where, "ItemsPath", "must be a reference path string")
		}
		pp, err := parseRefPath(str)
		if err != nil {
			return p.fail(where, "ItemsPath", "%v", err)
		}
		st.itemsPath = pp
	}
	_, hasSel := obj["ItemSelector"]
	_, hasParams := obj["Parameters"]
	if hasSel && hasParams {
		return p.fail(where, "ItemSelector", "cannot be combined with Parameters (its older name)")
	}
	if hasSel {
		t, err := parseTemplate(obj["ItemSelector"])
		if err != nil {
			return p.fail(where, "ItemSelector", "%v", err)
		}
		st.itemSelector = t
	} else {
		// In a Map, Parameters is the older name of ItemSelector.
		st.itemSelector, st.parameters = st.parameters, nil
	}
	if _, _, err := p.integer(obj, "MaxConcurrency", where, 0, maxSeconds); err != nil {
		return err
	}
	proc, hasProc := obj["ItemProcessor"]
	iter, hasIter := obj["Iterator"]
	switch {
	case hasProc && hasIter:
		return p.fail(where, "ItemProcessor", "cannot be combined with Iterator (its older name)")
	case !hasProc && !hasIter:
		return p.fail(where, "ItemProcessor", "is required: the states run for each item")
	}
	key, raw := "ItemProcessor", proc
	if hasIter {
		key, raw = "Iterator", iter
	}
	po, ok := raw.(map[string]any)
	if !ok {
		return p.fail(where, key, "must be an object with StartAt and States")
	}
	for _, k := range sortedKeys(po) {
		switch k {
		case "StartAt", "States", "Comment":
		case "ProcessorConfig":
			if key != "ItemProcessor" {
				return p.fail(where, key+".ProcessorConfig", "is only allowed in ItemProcessor")
			}
			cfg, ok := po[k].(map[string]any)
			if !ok {
				return p.fail(where, key+".ProcessorConfig", "must be an object")
			}
			if mode, ok := cfg["Mode"]; ok && mode != "INLINE" {
				if mode == "DISTRIBUTED" {
					return p.fail(where, key+".ProcessorConfig.Mode", "Distributed Map is not supported by the local engine; use \"INLINE\"")
				}
				return p.fail(where, key+".ProcessorConfig.Mode", "must be \"INLINE\", got %s", mustJSON(mode))
			}
			for _, ck := range sortedKeys(cfg) {
				if ck != "Mode" {
					return p.fail(where, key+".ProcessorConfig."+ck, "is not supported by the local engine (inline Map only)")
				}
			}
		default:
			return p.fail(where, key+"."+k, "unknown field; allowed: StartAt, States, Comment, ProcessorConfig")
		}
	}
	g, err := p.graph(po, where+" > "+key)
	if err != nil {
		return err
	}
	st.processor = g
	return nil
}

func (p *parser) parallel(st *state, obj map[string]any, where string) error {
	list, ok := obj["Branches"].([]any)
	if !ok || len(list) == 0 {
		return p.fail(where, "Branches", "must be a non-empty array of branches (each with StartAt and States)")
	}
	for i, b := range list {
		field := fmt.Sprintf("Branches[%d]", i)
		bo, ok := b.(map[string]any)
		if !ok {
			return p.fail(where, field, "must be an object with StartAt and States")
		}
		for _, k := range sortedKeys(bo) {
			if k != "StartAt" && k != "States" && k != "Comment" {
				return p.fail(where, field+"."+k, "unknown field; allowed: StartAt, States, Comment")
			}
		}
		g, err := p.graph(bo, where+" > "+field)
		if err != nil {
			return err
		}
		st.branches = append(st.branches, g)
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
