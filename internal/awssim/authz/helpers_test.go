package authz_test

import (
	"fmt"
	"time"

	"github.com/towervend/towervend/internal/awssim/authz"
	"github.com/towervend/towervend/internal/awssim/iam"
	"github.com/towervend/towervend/internal/awssim/protocol"
)

// The organization the tests' fakes stand for.
const (
	testMgmt    = "111122223333"
	testOrg     = "o-test12345"
	testMember  = "222233334444"
	testOutside = "999988887777"
	testAccount = "arn:aws:organizations::" + testMgmt + ":account/" + testOrg + "/"
)

// testNow is when the tests' calls are made.
var testNow = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// fakeOrg is an organization of the management account and testMember.
type fakeOrg struct{}

func (fakeOrg) ID() string                  { return testOrg }
func (fakeOrg) HasAccount(id string) bool   { return id == testMgmt || id == testMember }
func (fakeOrg) ManagementAccountID() string { return testMgmt }

// fakeSessions issues session keys the way STS does, by count.
type fakeSessions map[string]protocol.Principal

func (f fakeSessions) AddSession(account, roleName, session string) (string, protocol.Principal) {
	key := fmt.Sprintf("ASIATEST%08d", len(f))
	p := protocol.Principal{Arn: "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + session,
		AccountID: account, UserID: "AROATEST:" + session}
	f[key] = p
	return key, p
}

func (f fakeSessions) Principal(key string) (protocol.Principal, bool) {
	p, ok := f[key]
	return p, ok
}

func newRegistry() (*authz.Registry, fakeSessions) {
	sessions := fakeSessions{}
	return authz.New(fakeOrg{}, sessions, nil), sessions
}

// signedIn is an Authorization header whose credential scope names region.
func signedIn(key, region string) string {
	return "AWS4-HMAC-SHA256 Credential=" + key + "/20261124/" + region + "/organizations/aws4_request, SignedHeaders=host, Signature=0"
}

// call is a call of action signed with key (any principal the key does not
// name is one without policies).
func call(sessions fakeSessions, key, action string) *protocol.Call {
	p, _ := sessions.Principal(key)
	if p.Arn == "" {
		p = protocol.Principal{Arn: "arn:aws:iam::" + testMgmt + ":role/World", AccountID: testMgmt, UserID: "AROAWORLD"}
	}
	return &protocol.Call{Caller: p, Now: testNow, RequestID: "req-1", Action: action}
}

func allow(actions []string, resources ...string) iam.Statement {
	return iam.Statement{Effect: iam.EffectAllow, Action: actions, Resource: resources}
}

func policy(statements ...iam.Statement) iam.Policy {
	return iam.Policy{Version: iam.Version20121017, Statement: statements}
}

func session(name string) string {
	return "arn:aws:sts::" + testMgmt + ":assumed-role/" + name + "/" + name
}
