package lambda

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Lambda's read API (REST JSON), what an operator runs while checking a
// deployment: ListFunctions, GetFunction, GetFunctionConfiguration,
// GetFunctionConcurrency and GetFunctionEventInvokeConfig. Their inputs are
// in the path and the query string; the router hands each operation a JSON
// object of both (Route names the operation and the path's members), so the
// operations decode typed input like every other.
//
// LIMITATIONS: $LATEST is the only version (no versions, aliases or
// FunctionVersion=ALL); GetFunction returns the tags whether or not the
// caller may lambda:ListTags; the code location leads nowhere.

// routes are the read operations' paths below /<API version>/functions/{FunctionName}.
var routes = []struct{ version, suffix, op string }{
	{"2015-03-31", "", "GetFunction"},
	{"2015-03-31", "configuration", "GetFunctionConfiguration"},
	{"2019-09-30", "concurrency", "GetFunctionConcurrency"},
	{"2019-09-25", "event-invoke-config", "GetFunctionEventInvokeConfig"},
}

// Route finds the read operation a request is for by its method and
// (escaped) path, and the members its path carries: FunctionName, unescaped.
// ok is false for anything else, which the router answers as unserved.
func Route(method, path string) (op string, params map[string]string, ok bool) {
	if method != http.MethodGet {
		return "", nil, false
	}
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if len(seg) < 2 || seg[1] != "functions" {
		return "", nil, false
	}
	if seg[0] == "2015-03-31" && (len(seg) == 2 || len(seg) == 3 && seg[2] == "") {
		return "ListFunctions", map[string]string{}, true
	}
	if len(seg) < 3 || len(seg) > 4 || seg[2] == "" {
		return "", nil, false
	}
	suffix := ""
	if len(seg) == 4 {
		suffix = seg[3]
	}
	name, err := url.PathUnescape(seg[2])
	if err != nil {
		return "", nil, false
	}
	for _, r := range routes {
		if r.version == seg[0] && r.suffix == suffix {
			return r.op, map[string]string{"FunctionName": name}, true
		}
	}
	return "", nil, false
}

// Ops are the read operations by name, for the router.
func (s *Service) Ops() map[string]protocol.Handler { return s.api }

func (s *Service) readOps() map[string]protocol.Handler {
	return map[string]protocol.Handler{
		"ListFunctions":                protocol.Op(s.listFunctions),
		"GetFunction":                  protocol.OpOn(s.getFunction, s.onFunction),
		"GetFunctionConfiguration":     protocol.OpOn(s.getFunctionConfiguration, s.onFunction),
		"GetFunctionConcurrency":       protocol.OpOn(s.getFunctionConcurrency, s.onFunction),
		"GetFunctionEventInvokeConfig": protocol.OpOn(s.getFunctionEventInvokeConfig, s.onFunction),
	}
}

// functionInput is the members of the operations on one function: the
// path's FunctionName and the query's Qualifier.
type functionInput struct {
	FunctionName string `json:"FunctionName"`
	Qualifier    string `json:"Qualifier"`
}

// functionNamePattern is the FunctionName constraint of Lambda's model, as
// its validation errors quote it; functionNameRe is the same with groups.
const functionNamePattern = `(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`

var functionNameRe = regexp.MustCompile(`^(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:([a-z]{2}(?:-gov)?-[a-z]+-\d):)?(?:(\d{12}):)?(?:function:)?([a-zA-Z0-9-_.]+)(?::(\$LATEST|[a-zA-Z0-9-_]+))?$`)

// target is the function an input names, resolved as Lambda does: a name
// or partial ARN is in the Region the call was signed for and the caller's
// account.
type target struct {
	arn       string // unqualified
	qualifier string // "" for $LATEST
}

// qualified is the ARN Lambda's messages name: with the qualifier, if any.
func (t target) qualified() string {
	if t.qualifier == "" {
		return t.arn
	}
	return t.arn + ":" + t.qualifier
}

func (s *Service) targetOf(c *protocol.Call, in functionInput) (target, *protocol.APIError) {
	m := functionNameRe.FindStringSubmatch(in.FunctionName)
	if m == nil || len(in.FunctionName) > 170 {
		return target{}, protocol.Err("ValidationException",
			"1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: %s",
			in.FunctionName, functionNamePattern)
	}
	region, account, name, qualifier := m[1], m[2], m[3], m[4]
	if region == "" {
		region = c.Region
	}
	if region == "" {
		region = s.env.Region
	}
	if account == "" {
		account = c.Caller.AccountID
	}
	if account == "" {
		account = s.env.ManagementAccountID
	}
	if in.Qualifier != "" && qualifier != "" && in.Qualifier != qualifier {
		return target{}, protocol.Err("InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
	}
	if qualifier == "" {
		qualifier = in.Qualifier
	}
	if qualifier == latest {
		qualifier = ""
	}
	return target{arn: fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name), qualifier: qualifier}, nil
}

// functionNotFound is Lambda's answer for a function (or version) that does
// not exist: 404, its message in "Message", and Type User.
func functionNotFound(arn string) *protocol.APIError {
	msg := "Function not found: " + arn
	return &protocol.APIError{Code: "ResourceNotFoundException", Message: msg, Status: http.StatusNotFound,
		Fields: map[string]any{"Type": "User", "Message": msg}}
}

// lookup finds the function an input names; only $LATEST exists.
func (s *Service) lookup(c *protocol.Call, in functionInput) (string, *function, *protocol.APIError) {
	t, aerr := s.targetOf(c, in)
	if aerr != nil {
		return "", nil, aerr
	}
	f := s.fns[t.arn]
	if f == nil || t.qualifier != "" {
		return "", nil, functionNotFound(t.qualified())
	}
	return t.arn, f, nil
}

type listFunctionsInput struct {
	Marker          string `json:"Marker"`
	MaxItems        string `json:"MaxItems"`
	FunctionVersion string `json:"FunctionVersion"`
	MasterRegion    string `json:"MasterRegion"`
}

// listPage is how many functions a page holds when MaxItems is not given.
const listPage = 50

func (s *Service) listFunctions(c *protocol.Call, in listFunctionsInput) (any, *protocol.APIError) {
	limit := 0
	if in.MaxItems != "" {
		n, err := strconv.Atoi(in.MaxItems)
		if err != nil || n < 1 || n > 10000 {
			return nil, protocol.Err("ValidationException",
				"1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000", in.MaxItems)
		}
		limit = n
	}
	if in.FunctionVersion != "" && in.FunctionVersion != "ALL" {
		return nil, protocol.Err("ValidationException",
			"1 validation error detected: Value '%s' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]", in.FunctionVersion)
	}
	region, account := c.Region, c.Caller.AccountID
	if region == "" {
		region = s.env.Region
	}
	if account == "" {
		account = s.env.ManagementAccountID
	}
	var arns []string
	for arn := range s.fns {
		if p := parseARN(arn); p.region == region && p.account == account {
			arns = append(arns, arn)
		}
	}
	sort.Slice(arns, func(i, j int) bool { return parseARN(arns[i]).name < parseARN(arns[j]).name })
	page, next, ok := protocol.PageOf(arns, in.Marker, limit, listPage)
	if !ok {
		return nil, protocol.Err("InvalidParameterValueException", "Invalid marker: %s", in.Marker)
	}
	fns := make([]configuration, 0, len(page))
	for _, arn := range page {
		fns = append(fns, configurationOf(arn, s.fns[arn]))
	}
	out := map[string]any{"Functions": fns}
	if next != "" {
		out["NextMarker"] = next
	}
	return out, nil
}

func (s *Service) getFunction(c *protocol.Call, in functionInput) (any, *protocol.APIError) {
	arn, f, aerr := s.lookup(c, in)
	if aerr != nil {
		return nil, aerr
	}
	out := map[string]any{
		"Configuration": configurationOf(arn, f),
		"Code":          map[string]string{"RepositoryType": "S3", "Location": codeLocation(arn, f)},
	}
	if len(f.config.Tags) > 0 {
		out["Tags"] = f.config.Tags
	}
	if f.config.Reserved > 0 {
		out["Concurrency"] = map[string]int{"ReservedConcurrentExecutions": f.config.Reserved}
	}
	return out, nil
}

func (s *Service) getFunctionConfiguration(c *protocol.Call, in functionInput) (any, *protocol.APIError) {
	arn, f, aerr := s.lookup(c, in)
	if aerr != nil {
		return nil, aerr
	}
	return configurationOf(arn, f), nil
}

func (s *Service) getFunctionConcurrency(c *protocol.Call, in functionInput) (any, *protocol.APIError) {
	_, f, aerr := s.lookup(c, in)
	if aerr != nil {
		return nil, aerr
	}
	if f.config.Reserved == 0 {
		return struct{}{}, nil // no reserved concurrency: an empty answer
	}
	return map[string]int{"ReservedConcurrentExecutions": f.config.Reserved}, nil
}

func (s *Service) getFunctionEventInvokeConfig(c *protocol.Call, in functionInput) (any, *protocol.APIError) {
	t, aerr := s.targetOf(c, in)
	if aerr != nil {
		return nil, aerr
	}
	f := s.fns[t.arn]
	if f == nil || t.qualifier != "" {
		return nil, functionNotFound(t.qualified())
	}
	if f.asyncSet.IsZero() {
		// The text LocalStack and other emulators answer with; AWS's own
		// was not found documented.
		msg := fmt.Sprintf("The function %s:%s doesn't have an EventInvokeConfig", t.arn, latest)
		return nil, &protocol.APIError{Code: "ResourceNotFoundException", Message: msg, Status: http.StatusNotFound,
			Fields: map[string]any{"Type": "User", "Message": msg}}
	}
	onFailure := map[string]string{}
	if f.async.OnFailure != "" {
		onFailure["Destination"] = f.async.OnFailure
	}
	return map[string]any{
		"LastModified":         protocol.Epoch(f.asyncSet),
		"FunctionArn":          t.arn + ":" + latest,
		"MaximumRetryAttempts": f.async.MaximumRetryAttempts,
		"DestinationConfig":    map[string]any{"OnSuccess": map[string]string{}, "OnFailure": onFailure},
	}, nil
}
