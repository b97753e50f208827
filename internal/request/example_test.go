package request_test

import (
	"errors"
	"fmt"

	"github.com/towervend/towervend/internal/request"
)

func ExampleDecode() {
	req, err := request.Decode([]byte(`{
		"requestId": "CHG0042",
		"action": "create",
		"account": {"name": "payments-prod", "email": "aws+payments-prod@northwind.example", "organizationalUnit": "Workloads/Prod"},
		"owner": {"email": "jane@northwind.example", "firstName": "Jane", "lastName": "Doe"},
		"tags": {"CostCenter": "1234"}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Action, req.Account.Name, req.Account.OURef().Path)
	// Output: create payments-prod [Workloads Prod]
}

func ExampleDecode_problems() {
	_, err := request.Decode([]byte(`{
		"requestId": "CHG0042",
		"action": "create",
		"account": {"id": "123456789012", "name": "payments-prod", "emial": "aws@northwind.example", "organizationalUnit": "Workloads/Prod"},
		"owner": {"email": "jane@northwind.example", "firstName": "Jane", "lastName": "Doe"},
		"access": [{"group": "payments-admins", "user": "jane@northwind.example", "permissionSet": "AWSReadOnlyAccess"}]
	}`))
	var probs *request.Problems
	if errors.As(err, &probs) {
		for _, p := range probs.List {
			fmt.Println(p)
		}
	}
	// Output:
	// account.emial "aws@northwind.example": is not a field towervend knows; remove it or correct its spelling: did you mean "email"?; the fields allowed here are email, id, name, organizationalUnit
	// access[0]: names both a group and a user; give exactly one of group or user: split it into two access items
	// account.email: is required to create an account; a new account needs a name (at most 50 characters), an email address no other AWS account uses (at most 64 characters) and the organizationalUnit it goes into
	// account.id "123456789012": is not allowed for create: AWS assigns the id of a new account; remove account.id, or use action "enroll" to bring an existing account under Control Tower
}

func ExampleParseOURef() {
	for _, s := range []string{"Workloads/Prod", "Prod (ou-ab12-cd34ef56)", "ou-ab12-cd34ef56"} {
		ref := request.ParseOURef(s)
		fmt.Printf("path=%q name=%q id=%q\n", ref.Path, ref.Name, ref.ID)
	}
	// Output:
	// path=["Workloads" "Prod"] name="" id=""
	// path=[] name="Prod" id="ou-ab12-cd34ef56"
	// path=[] name="" id="ou-ab12-cd34ef56"
}

func ExampleRequest_Fingerprint() {
	a, _ := request.Decode([]byte(`{"requestId":"CHG7","action":"close","account":{"id":"123456789012"}}`))
	b, _ := request.Decode([]byte(`{"account":{"id":"123456789012"},"action":"close","requestId":"CHG7"}`))
	c, _ := request.Decode([]byte(`{"requestId":"CHG7","action":"close","account":{"id":"210987654321"}}`))
	fmt.Println(a.Fingerprint() == b.Fingerprint(), a.Fingerprint() == c.Fingerprint())
	// Output: true false
}
