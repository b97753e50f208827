package bench

import (
	"encoding/json"
	"fmt"
)

// createRequest is the part of the request contract (schema/request.schema.json)
// a generated create request fills in.
type createRequest struct {
	RequestID string            `json:"requestId"`
	Action    string            `json:"action"`
	Account   requestAccount    `json:"account"`
	Owner     requestOwner      `json:"owner"`
	Access    []requestGrant    `json:"access"`
	Tags      map[string]string `json:"tags"`
	Requester requestRequester  `json:"requester"`
}

type requestAccount struct {
	Name               string `json:"name"`
	Email              string `json:"email"`
	OrganizationalUnit string `json:"organizationalUnit"`
}

type requestOwner struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

type requestGrant struct {
	Group         string `json:"group"`
	PermissionSet string `json:"permissionSet"`
}

type requestRequester struct {
	System string `json:"system"`
	Ticket string `json:"ticket"`
	By     string `json:"by"`
}

// The demo world's registered OUs that internal/policy/default.json allows, and people
// who exist in its Identity Center; generated requests cycle through them so
// every OU's default access and several owners are exercised.
var (
	benchOUs    = []string{"Sandbox", "Workloads/NonProd", "Workloads/Prod"}
	benchOwners = []requestOwner{
		{Email: "raj.patel@northwind.example", FirstName: "Raj", LastName: "Patel"},
		{Email: "li.wei@northwind.example", FirstName: "Li", LastName: "Wei"},
		{Email: "jane.doe@northwind.example", FirstName: "Jane", LastName: "Doe"},
		{Email: "sam.okafor@northwind.example", FirstName: "Sam", LastName: "Okafor"},
	}
)

// requestNames maps the request ids CreateRequests makes to their account names.
func requestNames(prefix string, n int) map[string]string {
	out := make(map[string]string, n)
	for i := 1; i <= n; i++ {
		out[requestID(prefix, i)] = accountName(prefix, i)
	}
	return out
}

func requestID(prefix string, i int) string   { return fmt.Sprintf("%s-REQ-%05d", prefix, i) }
func accountName(prefix string, i int) string { return fmt.Sprintf("%s-%05d", prefix, i) }

// CreateRequests returns n valid create requests for the demo world with
// unique request ids, account names and emails (prefix-00001, ...), spread
// over the registered OUs the default policy allows. The same n and prefix
// always give the same bodies.
func CreateRequests(prefix string, n int) [][]byte {
	return createRequestsIn(prefix, n, benchOUs)
}

// createRequestsIn is CreateRequests cycling over the OU paths ous.
func createRequestsIn(prefix string, n int, ous []string) [][]byte {
	out := make([][]byte, 0, n)
	for i := 1; i <= n; i++ {
		name := accountName(prefix, i)
		owner := benchOwners[i%len(benchOwners)]
		req := createRequest{
			RequestID: requestID(prefix, i),
			Action:    "create",
			Account: requestAccount{Name: name, Email: "aws+" + name + "@northwind.example",
				OrganizationalUnit: ous[i%len(ous)]},
			Owner:     owner,
			Access:    []requestGrant{{Group: "platform-admins", PermissionSet: "AWSReadOnlyAccess"}},
			Tags:      map[string]string{"CostCenter": fmt.Sprintf("%04d", 1000+i%9000)},
			Requester: requestRequester{System: "bench", Ticket: fmt.Sprintf("BENCH-%05d", i), By: owner.Email},
		}
		b, err := json.Marshal(req)
		if err != nil {
			panic("bench: a create request does not encode: " + err.Error()) // plain structs always encode
		}
		out = append(out, b)
	}
	return out
}
