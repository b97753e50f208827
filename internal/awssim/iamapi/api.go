package iamapi

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The IAM actions at the wire level: parse the form, ask the roles, render
// the answer as the IAM API Reference shows it.

// roleXML is IAM's Role shape, in the order of the API Reference's examples.
type roleXML struct {
	Path                     string `xml:"Path"`
	Arn                      string `xml:"Arn"`
	RoleName                 string `xml:"RoleName"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	CreateDate               string `xml:"CreateDate"`
	RoleID                   string `xml:"RoleId"`
	MaxSessionDuration       int    `xml:"MaxSessionDuration"`
	// RoleLastUsed is GetRole's only; an empty element says the role has no
	// recorded use.
	RoleLastUsed *struct{} `xml:"RoleLastUsed"`
}

type getRoleResult struct {
	XMLName xml.Name `xml:"GetRoleResult"`
	Role    roleXML  `xml:"Role"`
}

type listRolesResult struct {
	XMLName     xml.Name `xml:"ListRolesResult"`
	Roles       members[roleXML]
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

type listRolePoliciesResult struct {
	XMLName     xml.Name        `xml:"ListRolePoliciesResult"`
	PolicyNames members[string] `xml:"PolicyNames"`
	IsTruncated bool            `xml:"IsTruncated"`
	Marker      string          `xml:"Marker,omitempty"`
}

type getRolePolicyResult struct {
	XMLName        xml.Name `xml:"GetRolePolicyResult"`
	PolicyName     string   `xml:"PolicyName"`
	RoleName       string   `xml:"RoleName"`
	PolicyDocument string   `xml:"PolicyDocument"`
}

type attachedPolicyXML struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type listAttachedRolePoliciesResult struct {
	XMLName          xml.Name                   `xml:"ListAttachedRolePoliciesResult"`
	AttachedPolicies members[attachedPolicyXML] `xml:"AttachedPolicies"`
	IsTruncated      bool                       `xml:"IsTruncated"`
	Marker           string                     `xml:"Marker,omitempty"`
}

// members is a Query-protocol list: <member> elements in a wrapper that is
// there even when the list is empty, as IAM writes it.
type members[T any] struct {
	Member []T `xml:"member"`
}

func (s *Service) getRole(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	r, aerr := s.namedRole(c, form)
	if aerr != nil {
		return nil, aerr
	}
	out := toXML(r)
	out.RoleLastUsed = &struct{}{}
	return getRoleResult{Role: out}, nil
}

func (s *Service) listRoles(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	prefix, aerr := pathPrefix(form)
	if aerr != nil {
		return nil, aerr
	}
	var roles []roleXML
	for _, r := range s.rolesOf(c.Caller.AccountID) {
		if strings.HasPrefix(r.path, prefix) {
			roles = append(roles, toXML(r))
		}
	}
	page, marker, aerr := pageOf(roles, form)
	if aerr != nil {
		return nil, aerr
	}
	return listRolesResult{Roles: members[roleXML]{page}, IsTruncated: marker != "", Marker: marker}, nil
}

func (s *Service) listRolePolicies(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	r, aerr := s.namedRole(c, form)
	if aerr != nil {
		return nil, aerr
	}
	var names []string
	for _, p := range r.inline {
		names = append(names, p.Name)
	}
	page, marker, aerr := pageOf(names, form)
	if aerr != nil {
		return nil, aerr
	}
	return listRolePoliciesResult{PolicyNames: members[string]{page}, IsTruncated: marker != "", Marker: marker}, nil
}

func (s *Service) getRolePolicy(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	name := form.Get("PolicyName")
	if aerr := validName(name, "policyName", 128); aerr != nil {
		return nil, aerr
	}
	r, aerr := s.namedRole(c, form)
	if aerr != nil {
		return nil, aerr
	}
	for _, p := range r.inline {
		if strings.EqualFold(p.Name, name) {
			return getRolePolicyResult{RoleName: r.name, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
		}
	}
	return nil, noSuchEntity("The role policy with name %s cannot be found.", name)
}

func (s *Service) listAttachedRolePolicies(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	prefix, aerr := pathPrefix(form)
	if aerr != nil {
		return nil, aerr
	}
	r, aerr := s.namedRole(c, form)
	if aerr != nil {
		return nil, aerr
	}
	var attached []attachedPolicyXML
	for _, arn := range r.attached {
		path, name := policyPath(arn)
		if strings.HasPrefix(path, prefix) {
			attached = append(attached, attachedPolicyXML{PolicyName: name, PolicyArn: arn})
		}
	}
	page, marker, aerr := pageOf(attached, form)
	if aerr != nil {
		return nil, aerr
	}
	return listAttachedRolePoliciesResult{AttachedPolicies: members[attachedPolicyXML]{page}, IsTruncated: marker != "", Marker: marker}, nil
}

// namedRole is the caller's account's role the form's RoleName names.
func (s *Service) namedRole(c *protocol.Call, form url.Values) (*role, *protocol.APIError) {
	name := form.Get("RoleName")
	if aerr := validName(name, "roleName", 64); aerr != nil {
		return nil, aerr
	}
	r := s.findRole(c.Caller.AccountID, name)
	if r == nil {
		return nil, noSuchEntity("The role with name %s cannot be found.", name)
	}
	return r, nil
}

func toXML(r *role) roleXML {
	return roleXML{Path: r.path, Arn: r.arn(), RoleName: r.name, AssumeRolePolicyDocument: encodeDocument(r.trust),
		CreateDate: r.created.UTC().Format(time.RFC3339), RoleID: r.id, MaxSessionDuration: maxSessionDuration}
}

// policyPath splits a managed policy's ARN (arn:aws:iam::aws:policy/service-role/X)
// into its path (/service-role/) and name (X).
func policyPath(arn string) (path, name string) {
	_, resource, _ := strings.Cut(arn, ":policy")
	i := strings.LastIndex(resource, "/")
	return resource[:i+1], resource[i+1:]
}

// encodeDocument URL-encodes a policy document as IAM answers it: RFC 3986,
// every character but the unreserved ones percent-encoded.
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// --- validation, paging and errors, in IAM's words ---

var (
	nameRe       = regexp.MustCompile(`^[\w+=,.@-]+$`)
	pathPrefixRe = regexp.MustCompile(`^/[\x21-\x7F]*$`)
)

func validation(format string, args ...any) *protocol.APIError {
	return protocol.Err("ValidationError", format, args...)
}

// constraint is AWS's model-validation message for one parameter.
func constraint(value, member, rule string) *protocol.APIError {
	return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, member, rule)
}

func noSuchEntity(format string, args ...any) *protocol.APIError {
	e := protocol.Err("NoSuchEntity", format, args...)
	e.Status = http.StatusNotFound
	return e
}

func validName(name, member string, max int) *protocol.APIError {
	switch {
	case name == "":
		return validation("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	case len(name) > max:
		return constraint(name, member, "have length less than or equal to "+strconv.Itoa(max))
	case !nameRe.MatchString(name):
		return constraint(name, member, `satisfy regular expression pattern: [\w+=,.@-]+`)
	}
	return nil
}

// pathPrefix is the form's PathPrefix, "/" (every path) when absent.
func pathPrefix(form url.Values) (string, *protocol.APIError) {
	p := form.Get("PathPrefix")
	switch {
	case p == "":
		return "/", nil
	case len(p) > 512:
		return "", constraint(p, "pathPrefix", "have length less than or equal to 512")
	case !pathPrefixRe.MatchString(p):
		return "", constraint(p, "pathPrefix", `satisfy regular expression pattern: \u002F[\u0021-\u007F]*`)
	}
	return p, nil
}

// pageOf is one page of items as Marker and MaxItems ask for it (IAM's
// default page is 100 items), and the Marker of the next page, empty on the
// last.
func pageOf[T any](items []T, form url.Values) ([]T, string, *protocol.APIError) {
	maxItems := 100
	if v := form.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			return nil, "", validation("Invalid value %q for MaxItems.", v)
		case n < 1:
			return nil, "", constraint(v, "maxItems", "have value greater than or equal to 1")
		case n > 1000:
			return nil, "", constraint(v, "maxItems", "have value less than or equal to 1000")
		}
		maxItems = n
	}
	page, next, ok := protocol.PageOf(items, form.Get("Marker"), maxItems, maxItems)
	if !ok {
		return nil, "", validation("Invalid Marker: %s", form.Get("Marker"))
	}
	return page, next, nil
}
