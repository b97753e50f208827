package sts

import (
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// Namespace is the STS Query API's XML namespace.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Organization is what AssumeRole needs of AWS Organizations to decide whether
// a member account's AWSControlTowerExecution role may be assumed. The lock is
// held when it is called.
type Organization interface {
	// AccountStatus returns a member account's status (ACTIVE, SUSPENDED,
	// PENDING_CLOSURE), or false if the account is not in the organization.
	AccountStatus(id string) (status string, ok bool)
	// ExecutionRoleTrusted reports whether the account's
	// AWSControlTowerExecution role exists and trusts the management account.
	ExecutionRoleTrusted(id string) bool
	// ManagementAccountID is the account whose principals that role trusts.
	ManagementAccountID() string
}

// PrincipalSpec is one of the world's IAM principals: a role (or user) ARN and
// the access key it signs with.
type PrincipalSpec struct {
	AccessKeyID string
	Arn         string
}

// Service is AWS STS: it owns the access keys and serves the Query actions.
// Its methods run with the Env's lock held.
type Service struct {
	env        *protocol.Env
	org        Organization
	principals []PrincipalSpec
	// keys maps access key ids to principals: the world's and those AssumeRole issued.
	keys map[string]protocol.Principal
}

// New gives each of the world's principals its key, drawing their role ids
// ("AROA…") from the Env's seeded rand in order.
func New(env *protocol.Env, org Organization, principals []PrincipalSpec) *Service {
	s := &Service{env: env, org: org, principals: principals, keys: map[string]protocol.Principal{}}
	for _, p := range principals {
		acct := accountOfArn(p.Arn)
		s.keys[p.AccessKeyID] = protocol.Principal{Arn: p.Arn, AccountID: acct, UserID: "AROA" + strings.ToUpper(env.RandString(17, protocol.LowerAlnum))}
	}
	return s
}

// Actions are the STS Query actions by name.
func (s *Service) Actions() map[string]protocol.QueryHandler {
	return map[string]protocol.QueryHandler{
		"GetCallerIdentity": s.getCallerIdentity,
		"AssumeRole":        protocol.QueryOn(s.assumeRole, onAssumeRole),
	}
}

// Principal returns the principal an access key signs as: one of the world's
// principals or a role session AssumeRole issued.
func (s *Service) Principal(accessKeyID string) (protocol.Principal, bool) {
	p, ok := s.keys[accessKeyID]
	return p, ok
}

// Keys is the live map of access keys to principals, for snapshots.
func (s *Service) Keys() map[string]protocol.Principal { return s.keys }

// SetKeys replaces the access keys with a snapshot's.
func (s *Service) SetKeys(keys map[string]protocol.Principal) { s.keys = keys }

func accountOfArn(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) > 4 {
		return parts[4]
	}
	return ""
}
