// Package config is towervend's deployment configuration: the values an
// operator puts in cdk.json's context (or in a JSON file that context names),
// read and checked once, at synth, so a wrong id fails `cdk synth` with a
// message that says where to find the right one instead of failing a deploy or,
// worse, the first account request.
//
// It may import internal/policy (to check the policy file at synth).
package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/towervend/towervend/internal/policy"
)

// Context keys towervend reads. Each may be set in cdk.json's "context", with
// `cdk synth -c key=value`, or in the JSON object of the file KeyConfigFile names
// (context values override the file's).
const (
	KeyConfigFile          = "configFile"
	KeyHomeRegion          = "homeRegion"
	KeyManagementAccountID = "managementAccountId"
	KeyPortfolioID         = "portfolioId"
	KeyInstanceArn         = "identityCenterInstanceArn"
	KeyIdentityStoreID     = "identityStoreId"
	KeyPolicyFile          = "policyFile"
	KeyConcurrencyLimit    = "concurrencyLimit"
	KeyAlarmTopicArn       = "alarmTopicArn"
	KeyAllowedSenders      = "allowedSenders"
	KeyNotificationWebhook = "notificationWebhook"
	KeyProvisioning        = "provisioning"
)

// Keys lists every key Load reads from the context, KeyConfigFile first.
func Keys() []string {
	return []string{KeyConfigFile, KeyHomeRegion, KeyManagementAccountID, KeyPortfolioID, KeyInstanceArn,
		KeyIdentityStoreID, KeyPolicyFile, KeyConcurrencyLimit, KeyAlarmTopicArn, KeyAllowedSenders, KeyNotificationWebhook, KeyProvisioning}
}

// DefaultPolicyFile is the policy bundled when policyFile is not set (relative
// to the repository root, where cdk.json is).
const DefaultPolicyFile = policy.DefaultFile

// DefaultConcurrencyLimit is Control Tower's default quota of concurrent
// account operations.
const DefaultConcurrencyLimit = 5

// Config is a validated towervend deployment configuration.
type Config struct {
	// HomeRegion is the Control Tower home Region; the stack deploys there.
	HomeRegion string
	// ManagementAccountID is the organization's management account, where the
	// stack deploys.
	ManagementAccountID string
	// PortfolioID is the Account Factory portfolio (port-...) the provisioning
	// role is associated with.
	PortfolioID string
	// InstanceArn is the IAM Identity Center instance (arn:aws:sso:::instance/ssoins-...).
	InstanceArn string
	// IdentityStoreID is the instance's identity store (d-...).
	IdentityStoreID string
	// PolicyFile is the towervend policy bundled with every function, as given
	// (relative to the repository root unless absolute).
	PolicyFile string
	// ConcurrencyLimit is how many Account Factory operations towervend keeps in
	// flight (1 to 10, Control Tower's adjustable quota).
	ConcurrencyLimit int
	// AlarmTopicArn is the SNS topic every towervend alarm notifies.
	AlarmTopicArn string
	// Senders are the principals the request queue accepts messages from.
	Senders []Sender
	// Webhook, when not nil, routes every notification to a ticketing webhook
	// through an EventBridge API destination.
	Webhook *Webhook
	// Provisioning is how accounts are vended: accountFactory (default),
	// autoEnrollment or auto (see README, "Choosing a provisioning backend").
	Provisioning string
}

// Sender is a principal allowed to submit requests: a whole account (an id or
// its :root ARN) or one IAM role or user.
type Sender struct {
	// AccountID is set for a whole account.
	AccountID string
	// Arn is set for one IAM role or user.
	Arn string
}

// Webhook is an HTTPS endpoint that receives towervend's notifications, with an
// API key header whose value EventBridge reads from Secrets Manager.
type Webhook struct {
	// URL is the https endpoint.
	URL string
	// HeaderName carries the key (default "Authorization").
	HeaderName string
	// SecretArn is the Secrets Manager secret holding the header's value.
	SecretArn string
	// RateLimitPerSecond caps the calls EventBridge makes (default 1).
	RateLimitPerSecond int
}

// Partition is the AWS partition of the home Region.
func (c Config) Partition() string {
	switch {
	case strings.HasPrefix(c.HomeRegion, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(c.HomeRegion, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}

// InstanceID is the Identity Center instance's id (ssoins-...), the last part of its ARN.
func (c Config) InstanceID() string {
	return c.InstanceArn[strings.LastIndex(c.InstanceArn, "/")+1:]
}

// Error lists everything wrong with a configuration, one problem a line.
type Error struct {
	// Problems name the key, what is wrong and where to find the right value.
	Problems []string
}

func (e *Error) Error() string {
	return "towervend configuration (cdk.json \"context\", -c key=value, or the file named by " +
		KeyConfigFile + "):\n  - " + strings.Join(e.Problems, "\n  - ")
}

// Where to find each value, appended to "missing" and "invalid" problems.
var hints = map[string]string{
	KeyHomeRegion: "the Region where you set up the Control Tower landing zone; the Control Tower console shows it " +
		"under Landing zone settings as 'Home Region' (e.g. eu-west-1)",
	KeyManagementAccountID: "the 12-digit id of the organization's management account; run " +
		"`aws sts get-caller-identity --query Account` with management-account credentials",
	KeyPortfolioID: "find it in the Service Catalog console under Portfolios, 'AWS Control Tower Account Factory Portfolio' (port-...), " +
		"or run `aws servicecatalog list-portfolios` in the home Region",
	KeyInstanceArn: "run `aws sso-admin list-instances` in the home Region and take InstanceArn " +
		"(arn:aws:sso:::instance/ssoins-...); the IAM Identity Center console shows it under Settings",
	KeyIdentityStoreID: "run `aws sso-admin list-instances` in the home Region and take IdentityStoreId (d-...)",
	KeyPolicyFile:      "a towervend policy JSON file (see internal/policy/default.json and schema/policy.schema.json), relative to the repository root",
	KeyConcurrencyLimit: "how many Account Factory operations may run at once: 1 to 10, Control Tower's quota " +
		"'Concurrent account operations' (default 5) in the Service Quotas console",
	KeyAlarmTopicArn: "an SNS topic in the home Region that reaches your operators " +
		"(arn:aws:sns:REGION:ACCOUNT:NAME); create one with `aws sns create-topic --name towervend-alarms`",
	KeyAllowedSenders: "a list of who may submit requests to the queue: IAM role or user ARNs " +
		"(arn:aws:iam::111122223333:role/platform-ci) or 12-digit account ids",
	KeyProvisioning: "how accounts are vended: accountFactory (Account Factory in Service Catalog, any landing zone from 3.0), " +
		"autoEnrollment (Organizations CreateAccount and MoveAccount, enrolled by Control Tower's auto-enrollment: landing zone 3.1+ " +
		"with remediation type INHERITANCE_DRIFT) or auto (the landing zone decides)",
	KeyNotificationWebhook: "an object {\"url\": \"https://...\", \"secretArn\": \"arn:aws:secretsmanager:...\", " +
		"\"headerName\": \"Authorization\", \"rateLimitPerSecond\": 1}; leave it out to send no webhook",
}

var (
	regionRe    = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-\d$`)
	accountRe   = regexp.MustCompile(`^\d{12}$`)
	portfolioRe = regexp.MustCompile(`^port-[a-z0-9]{4,}$`)
	instanceRe  = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:sso:::instance/ssoins-[0-9a-zA-Z]{16}$`)
	storeRe     = regexp.MustCompile(`^(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	topicRe     = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]{1,256}$`)
	principalRe = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:iam::(\d{12}):(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)$`)
	secretRe    = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$`)
)

// Load reads the configuration from context values (lookup returns nil for an
// unset key) and checks it. readFile reads the config file and the policy file,
// whose paths are as configured (relative to the repository root). Every problem
// is reported at once, as an *Error.
func Load(lookup func(key string) any, readFile func(path string) ([]byte, error)) (Config, error) {
	raw := map[string]any{}
	var problems []string
	if f := lookup(KeyConfigFile); f != nil {
		name, ok := f.(string)
		if !ok || name == "" {
			return Config{}, &Error{Problems: []string{KeyConfigFile + ": want the path of a JSON file"}}
		}
		b, err := readFile(name)
		if err != nil {
			return Config{}, &Error{Problems: []string{fmt.Sprintf("%s: cannot read %q: %v", KeyConfigFile, name, err)}}
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return Config{}, &Error{Problems: []string{fmt.Sprintf("%s: %q is not a JSON object: %v", KeyConfigFile, name, err)}}
		}
		for k := range raw {
			if !known(k) {
				problems = append(problems, fmt.Sprintf("%s: unknown key %q in %s (known: %s)", k, k, name, strings.Join(Keys()[1:], ", ")))
			}
		}
	}
	for _, k := range Keys()[1:] {
		if v := lookup(k); v != nil {
			raw[k] = v
		}
	}
	r := reader{raw: raw}
	c := Config{
		HomeRegion:          r.str(KeyHomeRegion, regionRe, true),
		ManagementAccountID: r.str(KeyManagementAccountID, accountRe, true),
		PortfolioID:         r.str(KeyPortfolioID, portfolioRe, true),
		InstanceArn:         r.str(KeyInstanceArn, instanceRe, true),
		IdentityStoreID:     r.str(KeyIdentityStoreID, storeRe, true),
		PolicyFile:          r.str(KeyPolicyFile, nil, false),
		ConcurrencyLimit:    r.integer(KeyConcurrencyLimit, DefaultConcurrencyLimit, 1, 10),
		AlarmTopicArn:       r.str(KeyAlarmTopicArn, topicRe, true),
		Senders:             r.senders(),
		Webhook:             r.webhook(),
		Provisioning:        r.oneOf(KeyProvisioning, "accountFactory", "accountFactory", "autoEnrollment", "auto"),
	}
	problems = append(problems, r.problems...)
	if c.PolicyFile == "" {
		c.PolicyFile = DefaultPolicyFile
	}
	if b, err := readFile(c.PolicyFile); err != nil {
		problems = append(problems, fmt.Sprintf("%s: cannot read %q: %v; %s", KeyPolicyFile, c.PolicyFile, err, hints[KeyPolicyFile]))
	} else if _, err := policy.Parse(b); err != nil {
		problems = append(problems, fmt.Sprintf("%s: %q is not a valid towervend policy: %v", KeyPolicyFile, c.PolicyFile, err))
	}
	problems = append(problems, c.crossChecks()...)
	if len(problems) > 0 {
		sort.Strings(problems)
		return Config{}, &Error{Problems: problems}
	}
	return c, nil
}

// crossChecks are the rules that relate two values.
func (c Config) crossChecks() []string {
	var p []string
	if m := topicRe.FindStringSubmatch(c.AlarmTopicArn); m != nil && c.HomeRegion != "" && m[2] != c.HomeRegion {
		p = append(p, fmt.Sprintf("%s: the topic is in %s but CloudWatch alarms in the home Region %s can only notify a topic in %s; create the topic there",
			KeyAlarmTopicArn, m[2], c.HomeRegion, c.HomeRegion))
	}
	if m := instanceRe.FindStringSubmatch(c.InstanceArn); m != nil && c.HomeRegion != "" && m[1] != partitionSuffix(c.Partition()) {
		p = append(p, fmt.Sprintf("%s: the ARN's partition does not match the home Region %s", KeyInstanceArn, c.HomeRegion))
	}
	return p
}

func partitionSuffix(p string) string { return strings.TrimPrefix(p, "aws") }

func known(k string) bool {
	for _, x := range Keys()[1:] {
		if x == k {
			return true
		}
	}
	return false
}

// reader turns raw context values into typed ones, collecting problems.
type reader struct {
	raw      map[string]any
	problems []string
}

func (r *reader) fail(key, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if h := hints[key]; h != "" {
		msg += "; " + h
	}
	r.problems = append(r.problems, key+": "+msg)
}

func (r *reader) str(key string, re *regexp.Regexp, required bool) string {
	v, ok := r.raw[key]
	if !ok || v == nil || v == "" {
		if required {
			r.fail(key, "missing")
		}
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(key, "want a string, got %v", v)
		return ""
	}
	s = strings.TrimSpace(s)
	if re != nil && !re.MatchString(s) {
		r.fail(key, "%q is not well-formed", s)
		return ""
	}
	return s
}

// oneOf reads a string that must be one of choices; def when it is absent.
func (r *reader) oneOf(key, def string, choices ...string) string {
	s := r.str(key, nil, false)
	if s == "" {
		return def
	}
	if !slices.Contains(choices, s) {
		r.fail(key, "%q is not one of %s", s, strings.Join(choices, ", "))
		return def
	}
	return s
}

func (r *reader) integer(key string, def, lo, hi int) int {
	v, ok := r.raw[key]
	if !ok || v == nil || v == "" {
		return def
	}
	var n int
	switch t := v.(type) {
	case float64:
		if t != float64(int(t)) {
			r.fail(key, "want a whole number, got %v", t)
			return def
		}
		n = int(t)
	case int:
		n = t
	case string: // from -c key=value
		i, err := strconv.Atoi(strings.TrimSpace(t))
		if err != nil {
			r.fail(key, "want a number, got %q", t)
			return def
		}
		n = i
	default:
		r.fail(key, "want a number, got %v", v)
		return def
	}
	if n < lo || n > hi {
		r.fail(key, "%d is outside %d..%d", n, lo, hi)
		return def
	}
	return n
}

// list accepts a JSON array of strings or, from -c, a comma-separated string.
func (r *reader) list(key string) ([]string, bool) {
	v, ok := r.raw[key]
	if !ok || v == nil {
		return nil, false
	}
	var out []string
	switch t := v.(type) {
	case string:
		for _, s := range strings.Split(t, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	case []any:
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				r.fail(key, "want a list of strings, got element %v", e)
				return nil, true
			}
			out = append(out, strings.TrimSpace(s))
		}
	case []string:
		out = t
	default:
		r.fail(key, "want a list of strings, got %v", v)
		return nil, true
	}
	return out, true
}

func (r *reader) senders() []Sender {
	items, present := r.list(KeyAllowedSenders)
	if !present || (len(items) == 0 && len(r.problemsFor(KeyAllowedSenders)) == 0) {
		r.fail(KeyAllowedSenders, "missing (at least one sender)")
		return nil
	}
	var out []Sender
	seen := map[string]bool{}
	for _, s := range items {
		if seen[s] {
			continue
		}
		seen[s] = true
		switch m := principalRe.FindStringSubmatch(s); {
		case accountRe.MatchString(s):
			out = append(out, Sender{AccountID: s})
		case m != nil && m[3] == "root":
			out = append(out, Sender{AccountID: m[2]})
		case m != nil:
			out = append(out, Sender{Arn: s})
		default:
			r.fail(KeyAllowedSenders, "%q is neither an IAM role or user ARN nor an account id", s)
		}
	}
	return out
}

func (r *reader) problemsFor(key string) []string {
	var out []string
	for _, p := range r.problems {
		if strings.HasPrefix(p, key+":") {
			out = append(out, p)
		}
	}
	return out
}

func (r *reader) webhook() *Webhook {
	v, ok := r.raw[KeyNotificationWebhook]
	if !ok || v == nil || v == "" {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.fail(KeyNotificationWebhook, "want an object, got %v", v)
		return nil
	}
	w := &Webhook{HeaderName: "Authorization", RateLimitPerSecond: 1}
	sub := reader{raw: map[string]any{}}
	for k, x := range m {
		sub.raw[KeyNotificationWebhook+"."+k] = x
	}
	for k := range m {
		switch k {
		case "url", "headerName", "secretArn", "rateLimitPerSecond":
		default:
			r.fail(KeyNotificationWebhook, "unknown field %q", k)
		}
	}
	w.URL = sub.str(KeyNotificationWebhook+".url", nil, true)
	if w.URL != "" {
		if u, err := url.Parse(w.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			sub.problems = append(sub.problems, fmt.Sprintf("%s.url: %q is not an https URL", KeyNotificationWebhook, w.URL))
		}
	}
	if h := sub.str(KeyNotificationWebhook+".headerName", nil, false); h != "" {
		w.HeaderName = h
	}
	w.SecretArn = sub.str(KeyNotificationWebhook+".secretArn", secretRe, true)
	w.RateLimitPerSecond = sub.integer(KeyNotificationWebhook+".rateLimitPerSecond", 1, 1, 300)
	for _, p := range sub.problems {
		if !strings.Contains(p, "; ") {
			p += "; " + hints[KeyNotificationWebhook]
		}
		r.problems = append(r.problems, p)
	}
	if len(sub.problems) > 0 {
		return nil
	}
	return w
}
