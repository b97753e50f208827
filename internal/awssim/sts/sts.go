package sts

import (
	"encoding/base32"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// AWS STS at the wire level (Query protocol): who the caller is, and
// AssumeRole into member accounts through the one role the simulator knows
// there, AWSControlTowerExecution.

const (
	// worldSession is the session name of the world's principals, which are
	// roles and so call AWS as assumed-role sessions.
	worldSession = "awssim"
	// maxSession is every simulated role's MaxSessionDuration (IAM's default).
	maxSession = 3600
	// chainedMax caps sessions of a role assumed with role credentials.
	chainedMax = 3600
	// executionRole is the role Control Tower needs in every account it governs.
	executionRole = "AWSControlTowerExecution"
	upperAlnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretABC     = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

var (
	roleArnRe     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(?:[\x21-\x7E]*/)?([\w+=,.@-]{1,64})$`)
	sessionNameRe = regexp.MustCompile(`^[\w+=,.@-]*$`)
	iamRoleRe     = regexp.MustCompile(`^arn:([\w-]+):iam::(\d{12}):role/(?:.*/)?([^/]+)$`)
)

type callerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

type assumeRoleResult struct {
	XMLName     xml.Name `xml:"AssumeRoleResult"`
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
}

func (s *Service) getCallerIdentity(c *protocol.Call, _ url.Values) (any, *protocol.APIError) {
	arn, userID := sessionOf(c.Caller)
	return callerIdentityResult{Arn: arn, UserID: userID, Account: c.Caller.AccountID}, nil
}

// session is how STS names a principal: a role signing requests is an
// assumed-role session, so its ARN and user id name the session.
func sessionOf(p protocol.Principal) (arn, userID string) {
	if m := iamRoleRe.FindStringSubmatch(p.Arn); m != nil {
		return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", m[1], m[2], m[3], worldSession), p.UserID + ":" + worldSession
	}
	return p.Arn, p.UserID
}

// isRoleSession reports whether p acts with role credentials, which makes
// any AssumeRole it calls role chaining.
func isRoleSession(p protocol.Principal) bool {
	return iamRoleRe.MatchString(p.Arn) || strings.Contains(p.Arn, ":assumed-role/")
}

func validation(format string, args ...any) *protocol.APIError {
	return protocol.Err("ValidationError", format, args...)
}

// constraint is AWS's model-validation message for one parameter.
func constraint(value, member, constraint string) *protocol.APIError {
	return validation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, member, constraint)
}

func (s *Service) assumeRole(c *protocol.Call, form url.Values) (any, *protocol.APIError) {
	roleArn, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	switch {
	case len(roleArn) < 20:
		return nil, constraint(roleArn, "roleArn", "have length greater than or equal to 20")
	case len(roleArn) > 2048:
		return nil, constraint(roleArn, "roleArn", "have length less than or equal to 2048")
	case len(session) < 2:
		return nil, constraint(session, "roleSessionName", "have length greater than or equal to 2")
	case len(session) > 64:
		return nil, constraint(session, "roleSessionName", "have length less than or equal to 64")
	case !sessionNameRe.MatchString(session):
		return nil, constraint(session, "roleSessionName", `satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	duration := maxSession
	if v := form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			return nil, validation("Invalid value %q for DurationSeconds.", v)
		case n < 900:
			return nil, constraint(v, "durationSeconds", "have value greater than or equal to 900")
		case n > 43200:
			return nil, constraint(v, "durationSeconds", "have value less than or equal to 43200")
		}
		duration = n
	}
	m := roleArnRe.FindStringSubmatch(roleArn)
	if m == nil {
		return nil, validation("Request ARN is invalid")
	}
	partition, accountID, roleName := m[1], m[2], m[3]
	callerArn, _ := sessionOf(c.Caller)
	roleID, ok := s.trusts(c.Caller, roleArn, accountID, roleName)
	if !ok {
		// AWS does not say whether the role is missing or does not trust the caller.
		return nil, &protocol.APIError{Code: "AccessDenied", Status: http.StatusForbidden,
			Message: fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerArn, roleArn)}
	}
	if duration > chainedMax && isRoleSession(c.Caller) {
		return nil, validation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > maxSession {
		return nil, validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	var out assumeRoleResult
	key := "ASIA" + s.env.RandString(16, upperAlnum)
	out.Credentials.AccessKeyID = key
	out.Credentials.SecretAccessKey = s.env.RandString(40, secretABC)
	out.Credentials.SessionToken = "IQoJb3JpZ2luX2VjE" + s.env.RandString(300, secretABC)
	out.Credentials.Expiration = c.Now.Add(time.Duration(duration) * time.Second).UTC().Format(time.RFC3339)
	out.AssumedRoleUser.AssumedRoleID = roleID + ":" + session
	out.AssumedRoleUser.Arn = fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", partition, accountID, roleName, session)
	// Later calls signed with the new key act as the session.
	s.keys[key] = protocol.Principal{Arn: out.AssumedRoleUser.Arn, AccountID: accountID, UserID: out.AssumedRoleUser.AssumedRoleID}
	return out, nil
}

// trusts decides whether caller may assume the role, and returns the role's
// unique id. A member account has only AWSControlTowerExecution, in the state
// the world gives it; the roles the world's principals use trust their own
// account. Suspended and closing accounts refuse every session.
func (s *Service) trusts(caller protocol.Principal, roleArn, accountID, roleName string) (string, bool) {
	status, ok := s.org.AccountStatus(accountID)
	if !ok || status != "ACTIVE" {
		return "", false
	}
	if roleName == executionRole {
		trusted := s.org.ExecutionRoleTrusted(accountID) && caller.AccountID == s.org.ManagementAccountID()
		return stableRoleID(accountID, roleName), trusted
	}
	for _, p := range s.principals {
		if p.Arn == roleArn {
			return s.keys[p.AccessKeyID].UserID, caller.AccountID == accountID
		}
	}
	return "", false
}

// RoleID is the unique id ("AROA…") of the role roleName in account, the one
// the role's sessions carry in their user id; IAM answers it as the role's
// RoleId. The world's principals' roles have ids of their own (Principal).
func RoleID(accountID, roleName string) string { return stableRoleID(accountID, roleName) }

// stableRoleID is a role's unique id ("AROA..."): derived from the account and
// name, so the same role keeps its id across calls and runs.
func stableRoleID(accountID, roleName string) string {
	h := fnv.New128a()
	_, _ = h.Write([]byte(accountID + "/" + roleName))
	return "AROA" + base32.StdEncoding.EncodeToString(h.Sum(nil))[:17]
}
