package iamapi

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The roles an account has, computed from the rest of the world on each call.

// role is one IAM role as the API describes it.
type role struct {
	name, path string
	account    string
	id         string
	// trust is the JSON trust policy (AssumeRolePolicyDocument).
	trust    string
	inline   []InlinePolicy
	attached []string // managed policy ARNs
	created  time.Time
}

func (r *role) arn() string { return roleArn(r.account, r.path, r.name) }

func roleArn(account, path, name string) string {
	return "arn:aws:iam::" + account + ":role" + path + name
}

// The roles Control Tower and Organizations make, by the names the Control
// Tower User Guide gives them.
const (
	executionRole       = "AWSControlTowerExecution"
	administratorPolicy = "arn:aws:iam::aws:policy/AdministratorAccess"
	serviceRolePath     = "/service-role/"
	linkedRolePath      = "/aws-service-role/controltower.amazonaws.com/"
	maxSessionDuration  = 3600
)

// controlTowerRole is one of the roles setting up a landing zone makes in the
// management account ("Using identity-based policies (IAM policies) for AWS
// Control Tower", "How AWS Control Tower works with roles").
type controlTowerRole struct {
	name, path, service string
	inline              []InlinePolicy
	attached            []string
}

var controlTowerRoles = []controlTowerRole{
	{name: "AWSControlTowerAdmin", path: serviceRolePath, service: "controltower.amazonaws.com",
		inline: []InlinePolicy{{Name: "AWSControlTowerAdminPolicy", Document: document(statement{
			Effect: "Allow", Action: "ec2:DescribeAvailabilityZones", Resource: "*"})}},
		attached: []string{"arn:aws:iam::aws:policy/service-role/AWSControlTowerServiceRolePolicy"}},
	{name: "AWSControlTowerCloudTrailRole", path: serviceRolePath, service: "cloudtrail.amazonaws.com",
		inline: []InlinePolicy{{Name: "AWSControlTowerCloudTrailRolePolicy", Document: document(
			statement{Effect: "Allow", Action: "logs:CreateLogStream", Resource: "arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*"},
			statement{Effect: "Allow", Action: "logs:PutLogEvents", Resource: "arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*"})}}},
	{name: "AWSControlTowerStackSetRole", path: serviceRolePath, service: "cloudformation.amazonaws.com",
		inline: []InlinePolicy{{Name: "AWSControlTowerStackSetRolePolicy", Document: document(statement{
			Effect: "Allow", Action: []string{"sts:AssumeRole"}, Resource: []string{"arn:aws:iam::*:role/" + executionRole}})}}},
	{name: "AWSControlTowerConfigAggregatorRoleForOrganizations", path: serviceRolePath, service: "config.amazonaws.com",
		attached: []string{"arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"}},
	{name: "AWSServiceRoleForAWSControlTower", path: linkedRolePath, service: "controltower.amazonaws.com",
		attached: []string{"arn:aws:iam::aws:policy/aws-service-role/AWSControlTowerAccountServiceRolePolicy"}},
}

// statement is a policy statement as these documents write it.
type statement struct {
	Effect    string `json:"Effect"`
	Principal any    `json:"Principal,omitempty"`
	Action    any    `json:"Action"`
	Resource  any    `json:"Resource,omitempty"`
}

// document is a JSON policy document of statements, version 2012-10-17.
func document(statements ...statement) string {
	b, err := json.Marshal(struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{"2012-10-17", statements})
	if err != nil {
		panic(err) // only strings and string lists: cannot fail
	}
	return string(b)
}

// trustService is a trust policy letting a service assume the role.
func trustService(service string) string {
	return document(statement{Effect: "Allow", Principal: map[string]string{"Service": service}, Action: "sts:AssumeRole"})
}

// trustAccount is a trust policy letting an account's principals assume the
// role, as Organizations' CreateAccount writes it for the role it makes.
func trustAccount(account string) string {
	return document(statement{Effect: "Allow", Principal: map[string]string{"AWS": "arn:aws:iam::" + account + ":root"}, Action: "sts:AssumeRole"})
}

// rolesOf returns the roles account has, sorted by name; none for an account
// IAM does not know.
func (s *Service) rolesOf(account string) []*role {
	mgmt := s.org.ManagementAccountID()
	var out []*role
	switch {
	case account == mgmt:
		out = s.managementRoles(mgmt)
	default:
		m, ok := s.org.Member(account)
		if !ok {
			return nil
		}
		out = s.memberRoles(account, mgmt, m)
	}
	slices.SortFunc(out, func(a, b *role) int {
		if c := strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

func (s *Service) managementRoles(mgmt string) []*role {
	var out []*role
	seen := map[string]bool{}
	landingZone := s.landingZoneSetUp()
	for _, ct := range controlTowerRoles {
		out = append(out, &role{name: ct.name, path: ct.path, account: mgmt, id: s.ids.RoleID(mgmt, ct.name),
			trust: trustService(ct.service), inline: ct.inline, attached: ct.attached,
			created: landingZone.Add(s.spread(time.Minute*10, "created", mgmt, ct.name))})
		seen[strings.ToLower(ct.name)] = true
	}
	for _, own := range s.roles.ManagementRoles() {
		if seen[strings.ToLower(own.Name)] {
			continue
		}
		seen[strings.ToLower(own.Name)] = true
		trust := trustAccount(mgmt)
		if own.TrustedService != "" {
			trust = trustService(own.TrustedService)
		}
		created := own.Created
		if created.IsZero() {
			// A role the world starts with: made some time after the landing zone.
			created = s.env.Start.Add(-time.Hour*24 - s.spread(300*24*time.Hour, "created", mgmt, own.Name))
		}
		out = append(out, &role{name: own.Name, path: "/", account: mgmt, id: own.ID, trust: trust,
			inline: own.Inline, attached: own.Attached, created: created.UTC().Truncate(time.Second)})
	}
	return out
}

func (s *Service) memberRoles(account, mgmt string, m Member) []*role {
	var out []*role
	if m.CreatedRole != "" && m.CreatedRole != executionRole {
		// CreateAccount made this role with the account; it trusts the
		// management account and has full access.
		out = append(out, &role{name: m.CreatedRole, path: "/", account: account, id: s.ids.RoleID(account, m.CreatedRole),
			trust: trustAccount(mgmt), attached: []string{administratorPolicy}, created: m.Joined.UTC().Truncate(time.Second)})
	}
	if m.ExecutionRole == RoleTrusted || m.ExecutionRole == RoleUntrusted {
		created := m.Joined
		if m.CreatedRole != executionRole {
			// Someone made it after the account joined, to enroll it.
			created = created.Add(time.Hour + s.spread(7*24*time.Hour, "created", account, executionRole))
		}
		trusted := mgmt
		if m.ExecutionRole == RoleUntrusted {
			trusted = s.outsideAccount(account)
		}
		out = append(out, &role{name: executionRole, path: "/", account: account, id: s.ids.RoleID(account, executionRole),
			trust: trustAccount(trusted), attached: []string{administratorPolicy}, created: created.UTC().Truncate(time.Second)})
	}
	return out
}

// findRole is the account's role named name, as IAM finds it: role names are
// not distinguished by case.
func (s *Service) findRole(account, name string) *role {
	for _, r := range s.rolesOf(account) {
		if strings.EqualFold(r.name, name) {
			return r
		}
	}
	return nil
}

// landingZoneSetUp is when Control Tower's roles were made: before every
// account the world starts with joined (up to two years before it starts),
// on a day the seed picks.
func (s *Service) landingZoneSetUp() time.Time {
	return s.env.Start.AddDate(0, -25, 0).Add(-s.spread(30*24*time.Hour, "landing-zone")).UTC().Truncate(time.Second)
}

// spread is a duration under limit that the world's seed and the parts pick:
// the same for the same world every time, without drawing from the seeded
// rand (which would change every id drawn after it).
func (s *Service) spread(limit time.Duration, parts ...string) time.Duration {
	return time.Duration(s.hash(parts...)%uint64(limit/time.Second)) * time.Second
}

func (s *Service) hash(parts ...string) uint64 {
	h := fnv.New64a()
	_, _ = fmt.Fprintf(h, "%d", s.env.Seed)
	for _, p := range parts {
		_, _ = h.Write([]byte{0})
		_, _ = h.Write([]byte(p))
	}
	return h.Sum64()
}

// outsideAccount is the account an untrusted execution role trusts instead of
// the management account: one outside the organization, the same for the
// same world.
func (s *Service) outsideAccount(account string) string {
	for i := 0; ; i++ {
		n := s.hash("untrusted", account, strconv.Itoa(i))
		id := fmt.Sprintf("%d%011d", 1+n%9, (n/9)%100_000_000_000)
		if _, member := s.org.Member(id); !member && id != s.org.ManagementAccountID() {
			return id
		}
	}
}
