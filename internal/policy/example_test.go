package policy_test

import (
	"fmt"

	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
)

func ExamplePolicy_Check() {
	pol, err := policy.Parse([]byte(`{
		"organizationalUnits": ["Sandbox", "Workloads/*"],
		"permissionSets": [
			{"name": "AWSAdministratorAccess", "organizationalUnits": ["Sandbox"]},
			{"name": "AWSReadOnlyAccess", "organizationalUnits": ["*"]}
		],
		"requiredTags": ["CostCenter"]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	req, err := request.Decode([]byte(`{
		"requestId": "CHG0042",
		"action": "create",
		"account": {"name": "payments-prod", "email": "aws+payments-prod@northwind.example", "organizationalUnit": "Workloads/Prod"},
		"owner": {"email": "jane@northwind.example", "firstName": "Jane", "lastName": "Doe"},
		"access": [{"group": "payments-admins", "permissionSet": "AWSAdministratorAccess"}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range pol.Check(req, policy.Facts{OUPath: "Workloads/Prod"}) {
		fmt.Println(p)
	}
	// Output:
	// access[0].permissionSet: AWSAdministratorAccess may be granted only in Sandbox (policy.permissionSets); request AWSReadOnlyAccess or put the account in Sandbox
	// tags.CostCenter: is required on every account (policy.requiredTags); add tags.CostCenter with a value
}

func ExampleParse() {
	_, err := policy.Parse([]byte(`{"organizationalUnits": ["Sandbox"], "allowClose": "no", "enrollmentOrganizationalUnit": "Enrollment"}`))
	fmt.Println(err)
	// Output:
	// allowClose "no": is a string, but must be a boolean; give a boolean
}
