package awssim

import (
	"encoding/base32"
	"encoding/xml"
	"fmt"
	"github.com/towervend/towervend/internal/awssim/protocol"
	"hash/fnv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// AWS STS at the wire level (Query protocol): who the caller is, and
// AssumeRole into member accounts through the one role the simulator knows
// there, AWSControlTowerExecution.

const (
	// stsWorldSession is the session name of the world's principals, which are
	// roles and so call AWS as assumed-role sessions.
	stsWorldSession = "awssim"
	// stsMaxSession is every simulated role's MaxSessionDuration (IAM's default).
	stsMaxSession = 3600
	// stsChainedMax caps sessions of a role assumed with role credentials.
	stsChainedMax = 3600
	stsUpperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	stsSecretABC  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

var (
	stsRoleArnRe     = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(?:[\x21-\x7E]*/)?([\w+=,.@-]{1,64})$`)
	stsSessionNameRe = regexp.MustCompile(`^[\w+=,.@-]*$`)
	stsIAMRoleRe     = regexp.MustCompile(`^arn:([\w-]+):iam::(\d{12}):role/(?:.*/)?([^/]+)$`)
)

// stsOps serves AWS STS (Query protocol).
func (s *Sim) stsOps() map[string]protocol.QueryHandler {
	return map[string]protocol.QueryHandler{
		"GetCallerIdentity": s.stsGetCallerIdentity,
		"AssumeRole":        s.stsAssumeRole,
	}
}

type stsCallerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

type stsAssumeRoleResult struct {
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

func (s *Sim) stsGetCallerIdentity(c *protocol.Call, _ url.Values) (any, *APIError) {
	arn, userID := stsSession(c.Caller)
	return stsCallerIdentityResult{Arn: arn, UserID: userID, Account: c.Caller.AccountID}, nil
}

// stsSession is how STS names a principal: a role signing requests is an
// assumed-role session, so its ARN and user id name the session.
func stsSession(p Principal) (arn, userID string) {
	if m := stsIAMRoleRe.FindStringSubmatch(p.Arn); m != nil {
		return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", m[1], m[2], m[3], stsWorldSession), p.UserID + ":" + stsWorldSession
	}
	return p.Arn, p.UserID
}

// stsIsRoleSession reports whether p acts with role credentials, which makes
// any AssumeRole it calls role chaining.
func stsIsRoleSession(p Principal) bool {
	return stsIAMRoleRe.MatchString(p.Arn) || strings.Contains(p.Arn, ":assumed-role/")
}

func stsValidation(format string, args ...any) *APIError {
	return apiErr("ValidationError", format, args...)
}

// stsConstraint is AWS's model-validation message for one parameter.
func stsConstraint(value, member, constraint string) *APIError {
	return stsValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must %s", value, member, constraint)
}

func (s *Sim) stsAssumeRole(c *protocol.Call, form url.Values) (any, *APIError) {
	roleArn, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	switch {
	case len(roleArn) < 20:
		return nil, stsConstraint(roleArn, "roleArn", "have length greater than or equal to 20")
	case len(roleArn) > 2048:
		return nil, stsConstraint(roleArn, "roleArn", "have length less than or equal to 2048")
	case len(session) < 2:
		return nil, stsConstraint(session, "roleSessionName", "have length greater than or equal to 2")
	case len(session) > 64:
		return nil, stsConstraint(session, "roleSessionName", "have length less than or equal to 64")
	case !stsSessionNameRe.MatchString(session):
		return nil, stsConstraint(session, "roleSessionName", `satisfy regular expression pattern: [\w+=,.@-]*`)
	}
	duration := stsMaxSession
	if v := form.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil:
			return nil, stsValidation("Invalid value %q for DurationSeconds.", v)
		case n < 900:
			return nil, stsConstraint(v, "durationSeconds", "have value greater than or equal to 900")
		case n > 43200:
			return nil, stsConstraint(v, "durationSeconds", "have value less than or equal to 43200")
		}
		duration = n
	}
	m := stsRoleArnRe.FindStringSubmatch(roleArn)
	if m == nil {
		return nil, stsValidation("Request ARN is invalid")
	}
	partition, accountID, roleName := m[1], m[2], m[3]
	callerArn, _ := stsSession(c.Caller)
	roleID, ok := s.stsTrusts(c.Caller, roleArn, accountID, roleName)
	if !ok {
		// AWS does not say whether the role is missing or does not trust the caller.
		return nil, &APIError{Code: "AccessDenied", Status: http.StatusForbidden,
			Message: fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerArn, roleArn)}
	}
	if duration > stsChainedMax && stsIsRoleSession(c.Caller) {
		return nil, stsValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > stsMaxSession {
		return nil, stsValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	var out stsAssumeRoleResult
	key := "ASIA" + s.env.RandString(16, stsUpperAlnum)
	out.Credentials.AccessKeyID = key
	out.Credentials.SecretAccessKey = s.env.RandString(40, stsSecretABC)
	out.Credentials.SessionToken = "IQoJb3JpZ2luX2VjE" + s.env.RandString(300, stsSecretABC)
	out.Credentials.Expiration = c.Now.Add(time.Duration(duration) * time.Second).UTC().Format(time.RFC3339)
	out.AssumedRoleUser.AssumedRoleID = roleID + ":" + session
	out.AssumedRoleUser.Arn = fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", partition, accountID, roleName, session)
	// Later calls signed with the new key act as the session.
	s.keys[key] = Principal{Arn: out.AssumedRoleUser.Arn, AccountID: accountID, UserID: out.AssumedRoleUser.AssumedRoleID}
	return out, nil
}

// stsTrusts decides whether caller may assume the role, and returns the role's
// unique id. A member account has only AWSControlTowerExecution, in the state
// the world gives it; the roles the world's principals use trust their own
// account. Suspended and closing accounts refuse every session.
func (s *Sim) stsTrusts(caller Principal, roleArn, accountID, roleName string) (string, bool) {
	acct := s.org.account(accountID)
	if acct == nil || acct.Status != "ACTIVE" {
		return "", false
	}
	if roleName == orgExecutionRole {
		trusted := acct.ExecutionRole == RoleTrusted && caller.AccountID == s.org.ManagementAccountID
		return stsRoleID(accountID, roleName), trusted
	}
	for _, p := range s.world.Principals {
		if p.Arn == roleArn {
			return s.keys[p.AccessKeyID].UserID, caller.AccountID == accountID
		}
	}
	return "", false
}

// stsRoleID is a role's unique id ("AROA..."): derived from the account and
// name, so the same role keeps its id across calls and runs.
func stsRoleID(accountID, roleName string) string {
	h := fnv.New128a()
	_, _ = h.Write([]byte(accountID + "/" + roleName))
	return "AROA" + base32.StdEncoding.EncodeToString(h.Sum(nil))[:17]
}
