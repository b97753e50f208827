package sts

import (
	"encoding/base32"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// IAM authorization of STS, as "Actions, resources, and condition keys for
// AWS Security Token Service" lists it: AssumeRole is on the role
// (arn:aws:iam::<account>:role/<name>) with sts:RoleSessionName; the
// authorizer adds aws:ResourceOrgID for a role in the organization.
// GetCallerIdentity is not authorized at all: AWS answers it even for a
// principal whose policies deny sts:GetCallerIdentity.

// AccessDenied is STS's answer to a call IAM denied (Query protocol, code
// AccessDenied, status 403; no shape is modelled).
func AccessDenied(_, message string) *protocol.APIError {
	return &protocol.APIError{Code: "AccessDenied", Message: message, Status: http.StatusForbidden}
}

func onAssumeRole(_ *protocol.Call, form url.Values) []protocol.Access {
	return []protocol.Access{{Resource: form.Get("RoleArn"), Context: map[string][]string{
		"sts:RoleSessionName": {form.Get("RoleSessionName")},
	}}}
}

// AddSession gives a session of the role roleName in account an access key
// of its own: calls signed with it act as
// arn:aws:sts::<account>:assumed-role/<roleName>/<session>. The key and the
// role's id derive from the role and the keys issued so far, not from the
// world's seeded rand, so adding a session changes no other id.
func (s *Service) AddSession(account, roleName, session string) (accessKeyID string, p protocol.Principal) {
	h := fnv.New128a()
	_, _ = fmt.Fprintf(h, "%s/%s/%s#%d", account, roleName, session, len(s.keys))
	accessKeyID = "ASIA" + base32.StdEncoding.EncodeToString(h.Sum(nil))[:16]
	p = protocol.Principal{
		Arn:       fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", account, roleName, session),
		AccountID: account,
		UserID:    stableRoleID(account, roleName) + ":" + session,
	}
	s.keys[accessKeyID] = p
	return accessKeyID, p
}
