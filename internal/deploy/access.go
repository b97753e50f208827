package deploy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/towervend/towervend/schema"
)

// Grant is one statement of a function's least-privilege identity policy: it
// allows Actions on Resources, when Conditions hold.
type Grant struct {
	Actions   []string
	Resources []string
	// Conditions maps a condition operator to its keys and their values, as an
	// IAM policy's Condition element writes them (nil: unconditional).
	Conditions map[string]map[string][]string
	// Why says why a resource holds a wildcard: the API has no resource-level
	// permissions, or the resource is only known at run time. The stack makes it
	// the cdk-nag suppression reason, so every wildcard carries its justification.
	Why string
	// OnBehalf is set where AWS, not towervend's code, uses the grant with the
	// function's permissions (Account Factory provisioning as its caller): no
	// call of the function's own needs it, so a run's report of unused grants
	// leaves it out.
	OnBehalf bool
	// When names the case that needs a grant the sample requests do not
	// make happen; a run that does not use it reports it with this reason
	// instead of as unused.
	When string
}

// Wildcards lists the resources of g that contain "*".
func (g Grant) Wildcards() []string {
	var out []string
	for _, r := range g.Resources {
		if strings.Contains(r, "*") {
			out = append(out, r)
		}
	}
	return out
}

// ManagedPolicy is an AWS managed policy a function's role carries, and why.
type ManagedPolicy struct {
	// Name is the policy's name under arn:<partition>:iam::aws:policy/.
	Name string
	Why  string
}

// Resources are what the grants' ARNs are built from: the deployment's fixed
// identifiers and the ARNs of the resources towervend deploys. The stack fills
// the deployed ARNs with CloudFormation tokens (strings that resolve at deploy
// time); the local runtime fills them with the simulator's ARNs.
type Resources struct {
	// Partition is the home Region's partition (aws, aws-cn, aws-us-gov).
	Partition string
	// Region is the Control Tower home Region.
	Region string
	// Account is the management account's id.
	Account string
	// InstanceArn is the Identity Center instance, InstanceID its ssoins-... id.
	InstanceArn, InstanceID string
	// IdentityStoreID is the instance's identity store (d-...).
	IdentityStoreID string
	// BusArn is the notification bus.
	BusArn string
	// StateMachineArn is the vending workflow, StateMachineName its name.
	StateMachineArn, StateMachineName string
	// RejectedQueueArn keeps the messages intake rejects, LifecycleFailedQueueArn
	// the lifecycle events the lifecycle function failed on.
	RejectedQueueArn, LifecycleFailedQueueArn string
	// WaitsTableArn is the table of waiting executions' task tokens.
	WaitsTableArn string
	// Provisioning is the deployment's provisioning backend (vend.Config
	// Provisioning: accountFactory, autoEnrollment or auto; empty is accountFactory).
	Provisioning string
}

// UsesWaits reports whether a function reads or writes the waits table (its
// grants name it).
func UsesWaits(function string) bool {
	for _, g := range Grants(function, Resources{WaitsTableArn: "waits"}) {
		if slices.Contains(g.Resources, "waits") {
			return true
		}
	}
	return false
}

// wakes lets a function read the waits table, wake the executions it finds
// and drop what it took or what can no longer be woken.
func (r Resources) wakes() []Grant {
	return []Grant{
		{Actions: []string{"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}, Resources: []string{r.WaitsTableArn}},
		r.sendTask(),
	}
}

// whenHandOn is when provision wakes others: its count shows more free
// slots than it takes while requests wait (several freed at once, or a wake
// was lost).
const whenHandOn = "requests wait in line while Control Tower has more free slots than this start takes (several freed at once, or a wake was lost): provision hands them on"

func withWhen(g Grant, when string) Grant {
	g.When = when
	return g
}

// whenNoEvent is when provisionstatus hands a slot on itself.
const whenNoEvent = "an operation ended without a Control Tower event (an unmanage, or a lost event) while requests wait in line for a slot: provisionstatus wakes the longest waiter"

// whenDeadWaiter is why a step that only wakes the line may delete from it.
const whenDeadWaiter = "a request in the waiting line whose execution ended, or whose wait timed out, meanwhile: the first to meet its entry drops it"

// sendTask lets a function complete a waiting task: SendTaskSuccess is
// authorized on the state machine the token belongs to (as CDK's
// grantTaskResponse grants it). The ARN is written out from the fixed name:
// a reference to the state machine would make a step's function depend on
// the workflow that invokes it.
func (r Resources) sendTask() Grant {
	return Grant{Actions: []string{"states:SendTaskSuccess"},
		Resources: []string{fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", r.Partition, r.Region, r.Account, r.StateMachineName)}}
}

// Organizations resources: accounts, OUs and roots of this management
// account's organization (the organization id is not in configuration, and the
// account or OU is only known per request).
func (r Resources) orgAccounts() string {
	return fmt.Sprintf("arn:%s:organizations::%s:account/o-*/*", r.Partition, r.Account)
}
func (r Resources) orgOUs() string {
	return fmt.Sprintf("arn:%s:organizations::%s:ou/o-*/ou-*", r.Partition, r.Account)
}
func (r Resources) orgRoots() string {
	return fmt.Sprintf("arn:%s:organizations::%s:root/o-*/r-*", r.Partition, r.Account)
}

// landingZones is the management account's landing zone in the home Region
// (one per organization; its id is Control Tower's).
func (r Resources) landingZones() string {
	return fmt.Sprintf("arn:%s:controltower:%s:%s:landingzone/*", r.Partition, r.Region, r.Account)
}

// enabledBaselines are Control Tower's enabled baselines (an OU's is what
// ResetEnabledBaseline takes).
func (r Resources) enabledBaselines() string {
	return fmt.Sprintf("arn:%s:controltower:%s:%s:enabledbaseline/*", r.Partition, r.Region, r.Account)
}

// Identity Center resources of the configured instance.
func (r Resources) ssoInstance() string { return r.InstanceArn }
func (r Resources) ssoPermissionSets() string {
	return fmt.Sprintf("arn:%s:sso:::permissionSet/%s/*", r.Partition, r.InstanceID)
}
func (r Resources) ssoAccounts() string { return fmt.Sprintf("arn:%s:sso:::account/*", r.Partition) }
func (r Resources) identityStore() []string {
	return []string{
		fmt.Sprintf("arn:%s:identitystore::%s:identitystore/%s", r.Partition, r.Account, r.IdentityStoreID),
		fmt.Sprintf("arn:%s:identitystore:::user/*", r.Partition),
		fmt.Sprintf("arn:%s:identitystore:::group/*", r.Partition),
	}
}

// Reasons shared by several grants.
const (
	whyOrgList = "organizations:ListRoots and ListAccounts have no resource-level permissions"
	whyOrgARN  = "Organizations ARNs contain the organization id (o-...), which is not configured, and the account, OU or root is " +
		"only known per request; the ARNs are limited to this management account's organization"
	whyCatalog = "these Service Catalog actions have no resource-level permissions (Service Authorization Reference); " +
		"what the role can see and change is limited by its Account Factory portfolio association"
	whyProduct = "the Account Factory product id is created by Control Tower and not configured; limited to this account's products in the home Region"
	whySSO     = "sso:ListInstances has no resource-level permissions; permission sets and target accounts are only known per request " +
		"(limited to the configured Identity Center instance)"
	whyIdentity = "identitystore GetUserId, GetGroupId and IsMemberInGroups name users, groups and memberships only known per request (limited to the configured identity store)"
	whyBaseline = "controltower:ListEnabledBaselines and ListLandingZones have no resource-level permissions"
	whyLZ       = "the landing zone id is created by Control Tower and not configured; limited to this account's landing zone in the home Region"
)

// Grants is the least-privilege table: exactly the AWS calls the named
// function makes (see internal/vend), as narrowly as each API allows, one
// statement per Grant. It is nil for a name that is not in Functions.
func Grants(function string, r Resources) []Grant {
	g := factoryGrants(function, r)
	if r.Provisioning == "autoEnrollment" || r.Provisioning == "auto" {
		g = append(g, autoEnrollmentGrants(function, r)...)
	}
	return g
}

// autoEnrollmentGrants are the calls of the auto-enrollment backend
// (vend/autoenroll.go): Organizations creates and moves the account, Control
// Tower's enabled baseline on the account says how its enrollment goes. The
// Account Factory grants stay: an account enrolled through Account Factory
// before is still unmanaged by terminating its provisioned product.
func autoEnrollmentGrants(function string, r Resources) []Grant {
	const whyCreate = "organizations:CreateAccount and ListCreateAccountStatus have no resource-level permissions (Service Authorization Reference)"
	switch function {
	case "provision":
		return []Grant{
			{Actions: []string{"organizations:CreateAccount", "organizations:ListCreateAccountStatus"}, Resources: []string{"*"}, Why: whyCreate},
			{Actions: []string{"organizations:DescribeAccount", "organizations:ListParents"}, Resources: []string{r.orgAccounts()}, Why: whyOrgARN},
			{Actions: []string{"organizations:MoveAccount"}, Resources: []string{r.orgAccounts(), r.orgOUs(), r.orgRoots()}, Why: whyOrgARN},
			{Actions: []string{"organizations:ListRoots"}, Resources: []string{"*"}, Why: whyOrgList,
				When: "Control Tower failed to enroll an account: it is moved out to the root and back in"},
			{Actions: []string{"controltower:ListEnabledBaselines"}, Resources: []string{"*"}, Why: whyBaseline},
			{Actions: []string{"controltower:ResetEnabledBaseline"}, Resources: []string{r.enabledBaselines()},
				When: "the landing zone does not auto-enroll: Control Tower enrolls the accounts moved into an OU when its baseline is reset"},
			// The create's entry the lifecycle function finds (it starts no enrollment of its own).
			{Actions: []string{"dynamodb:PutItem"}, Resources: []string{r.WaitsTableArn}},
		}
	case "provisionstatus":
		return []Grant{
			{Actions: []string{"organizations:DescribeCreateAccountStatus"}, Resources: []string{"*"}, Why: whyCreate},
			{Actions: []string{"organizations:DescribeAccount"}, Resources: []string{r.orgAccounts()}, Why: whyOrgARN},
			{Actions: []string{"controltower:ListEnabledBaselines"}, Resources: []string{"*"}, Why: whyBaseline},
			{Actions: []string{"controltower:GetBaselineOperation"}, Resources: []string{"*"}, Why: whyBaseline,
				When: "Control Tower failed to enroll an account: its baseline operation's message is the reason"},
		}
	}
	return nil
}

// factoryGrants are the grants of the Account Factory backend (and of every
// function's other work).
func factoryGrants(function string, r Resources) []Grant {
	switch function {
	case "validate":
		return []Grant{
			{Actions: []string{"organizations:ListRoots", "organizations:ListAccounts"}, Resources: []string{"*"}, Why: whyOrgList},
			{Actions: []string{"organizations:ListOrganizationalUnitsForParent"}, Resources: []string{r.orgRoots(), r.orgOUs()}, Why: whyOrgARN},
			{Actions: []string{"organizations:DescribeAccount", "organizations:ListParents", "organizations:ListTagsForResource"},
				Resources: []string{r.orgAccounts()}, Why: whyOrgARN},
			{Actions: []string{"controltower:ListEnabledBaselines", "controltower:ListLandingZones"}, Resources: []string{"*"}, Why: whyBaseline},
			{Actions: []string{"controltower:GetLandingZone"}, Resources: []string{r.landingZones()}, Why: whyLZ},
			{Actions: []string{"servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord"}, Resources: []string{"*"}, Why: whyCatalog},
			{Actions: []string{"sso:ListInstances"}, Resources: []string{"*"}, Why: whySSO},
			{Actions: []string{"sso:ListPermissionSets"}, Resources: []string{r.ssoInstance()}},
			{Actions: []string{"sso:DescribePermissionSet"}, Resources: []string{r.ssoInstance(), r.ssoPermissionSets()}, Why: whySSO},
			{Actions: []string{"sso:ListAccountAssignments"}, Resources: []string{r.ssoInstance(), r.ssoPermissionSets(), r.ssoAccounts()}, Why: whySSO},
			{Actions: []string{"identitystore:GetUserId", "identitystore:GetGroupId"}, Resources: r.identityStore(), Why: whyIdentity},
			{Actions: []string{"identitystore:DescribeUser", "identitystore:DescribeGroup"}, Resources: r.identityStore(), Why: whyIdentity,
				When: "a move into an OU whose policy does not allow an assignment the account has: the rejection (or the revocation) names its user or group"},
			// policy.requesters: is the person who asked in one of the action's groups?
			{Actions: []string{"identitystore:IsMemberInGroups"},
				Resources: append(r.identityStore(), fmt.Sprintf("arn:%s:identitystore:::membership/*", r.Partition)), Why: whyIdentity},
			// Requests on one account take turns (vend/turns.go): validate keeps
			// the request's turn in the waits table and asks whether the
			// executions ahead of it still run.
			{Actions: []string{"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"}, Resources: []string{r.WaitsTableArn}},
			withWhen(r.describeExecutions("validate asks whether the earlier request on the same account still runs; limited to the vending workflow's executions"),
				"an earlier request on the same account is in the table: validate asks whether its execution still runs"),
			// validate announces its verdict, accepted or rejected.
			r.publish(),
		}
	case "checkrole":
		return []Grant{{
			Actions:   []string{"sts:AssumeRole"},
			Resources: []string{fmt.Sprintf("arn:%s:iam::*:role/AWSControlTowerExecution", r.Partition)},
			// The account id is a wildcard, so the role must at least be in
			// this organization: a request naming an outside account cannot
			// make towervend assume a role there (IAM's documented pattern
			// for "resources in my organization only").
			Conditions: map[string]map[string][]string{"StringEquals": {"aws:ResourceOrgID": {"${aws:PrincipalOrgID}"}}},
			Why: "checkrole proves AWSControlTowerExecution can be assumed in the account a request names, which is only known per request; " +
				"it can assume no other role, and only in this organization (aws:ResourceOrgID)",
		}}
	case "provision":
		return []Grant{
			{Actions: []string{"servicecatalog:SearchProducts", "servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord",
				"servicecatalog:UpdateProvisionedProduct", "servicecatalog:TerminateProvisionedProduct"},
				Resources: []string{"*"}, Why: whyCatalog},
			{Actions: []string{"servicecatalog:ListProvisioningArtifacts", "servicecatalog:ListLaunchPaths", "servicecatalog:ProvisionProduct"},
				Resources: []string{fmt.Sprintf("arn:%s:catalog:%s:%s:product/*", r.Partition, r.Region, r.Account)}, Why: whyProduct},
			// Control Tower's Account Factory page asks for this statement in
			// addition to the managed policy AWSServiceCatalogEndUserFullAccess
			// (ManagedPolicies).
			{Actions: accountFactoryActions(), Resources: []string{"*"}, OnBehalf: true,
				Why: "Account Factory acts with the provisioning principal's permissions; Control Tower documents this set of sso, " +
					"sso-directory, controltower, organizations and s3:GetObject (the product template) actions with Resource \"*\" " +
					"('Automated Account Provisioning With IAM Roles'), and most have no resource types"},
			// The gate reads the waiting line and leaves it; it hands slots
			// it sees free to the requests waiting.
			{Actions: []string{"dynamodb:Query", "dynamodb:DeleteItem"}, Resources: []string{r.WaitsTableArn}},
			{Actions: []string{"dynamodb:UpdateItem"}, Resources: []string{r.WaitsTableArn}, When: whenHandOn},
			withWhen(r.sendTask(), whenHandOn),
		}
	case "await":
		const whenDone = "Control Tower finished before the wait was stored (its event may be gone already): await wakes the execution itself and drops the waiter"
		done := withWhen(r.sendTask(), whenDone)
		return []Grant{
			{Actions: []string{"dynamodb:PutItem"}, Resources: []string{r.WaitsTableArn}},
			{Actions: []string{"dynamodb:DeleteItem"}, Resources: []string{r.WaitsTableArn}, When: whenDone},
			{Actions: []string{"servicecatalog:DescribeRecord"}, Resources: []string{"*"}, Why: whyCatalog},
			done,
		}
	case "provisionstatus":
		return []Grant{{Actions: []string{"servicecatalog:DescribeRecord"}, Resources: []string{"*"}, Why: whyCatalog},
			{Actions: []string{"dynamodb:Query"}, Resources: []string{r.WaitsTableArn}},
			{Actions: []string{"dynamodb:UpdateItem"}, Resources: []string{r.WaitsTableArn}, When: whenNoEvent},
			{Actions: []string{"dynamodb:DeleteItem"}, Resources: []string{r.WaitsTableArn}, When: whenDeadWaiter},
			withWhen(r.sendTask(), whenNoEvent)}
	case "assignsso":
		return []Grant{
			{Actions: []string{"sso:ListInstances"}, Resources: []string{"*"}, Why: whySSO},
			{Actions: []string{"sso:CreateAccountAssignment", "sso:DeleteAccountAssignment", "sso:ListAccountAssignments"},
				Resources: []string{r.ssoInstance(), r.ssoPermissionSets(), r.ssoAccounts()}, Why: whySSO},
			{Actions: []string{"sso:DescribeAccountAssignmentCreationStatus", "sso:DescribeAccountAssignmentDeletionStatus"},
				Resources: []string{r.ssoInstance()}},
			// No iam:*Role* or SAML-provider grants: Identity Center provisions a
			// permission set's role with the caller's own IAM permissions only
			// in the management account, and validate refuses every request
			// that names it ("this is the management account"); in member
			// accounts Identity Center's service-linked role does that work.
			// No permission-set or identity-store reads either: validate resolves
			// names to ARNs and ids into the plan (a local run's IAM report
			// showed assignsso never made those calls).
		}
	case "moveou":
		return []Grant{
			{Actions: []string{"organizations:ListParents"}, Resources: []string{r.orgAccounts()}, Why: whyOrgARN},
			// MoveAccount needs the account and both parents (source and destination).
			{Actions: []string{"organizations:MoveAccount"}, Resources: []string{r.orgAccounts(), r.orgOUs(), r.orgRoots()}, Why: whyOrgARN,
				When: "an account moved out of its planned OU by hand while its request ran: moveou puts it back where Account Factory placed it"},
		}
	case "tag":
		return []Grant{{Actions: []string{"organizations:TagResource", "organizations:UntagResource"}, Resources: []string{r.orgAccounts()}, Why: whyOrgARN}}
	case "close":
		return []Grant{{Actions: []string{"organizations:CloseAccount"}, Resources: []string{r.orgAccounts()}, Why: whyOrgARN},
			// The closure ledger validate checks Organizations' 30-day close quota against.
			{Actions: []string{"dynamodb:PutItem"}, Resources: []string{r.WaitsTableArn}}}
	case "notify":
		// A request that ended hands its account's turn on (vend/turns.go).
		return []Grant{r.publish(), {Actions: []string{"dynamodb:DeleteItem"}, Resources: []string{r.WaitsTableArn}}}
	case "reportfailure":
		return []Grant{r.publish(),
			// A failed request hands its account's turn on; redriven, it takes it back.
			{Actions: []string{"dynamodb:DeleteItem"}, Resources: []string{r.WaitsTableArn}},
			{Actions: []string{"dynamodb:PutItem"}, Resources: []string{r.WaitsTableArn}, When: "a redriven request takes its account's turn back"},
			{Actions: []string{"servicecatalog:SearchProvisionedProducts"}, Resources: []string{"*"}, Why: whyCatalog,
				When: "a create that failed after Control Tower made the account: the failure names the account (its product's PhysicalId)"}}
	case "intake":
		return []Grant{
			{Actions: []string{"states:StartExecution"}, Resources: []string{r.StateMachineArn}},
			r.describeExecutions("intake describes the execution named after a request id to tell a repeat from a conflict; limited to the vending workflow's executions"),
			r.publish(),
			{Actions: []string{"sqs:SendMessage"}, Resources: []string{r.RejectedQueueArn}},
			// The record of each message it takes, for `towervend status`.
			{Actions: []string{"dynamodb:PutItem"}, Resources: []string{r.WaitsTableArn}},
		}
	case "lifecycle":
		return []Grant{
			{Actions: []string{"organizations:ListRoots"}, Resources: []string{"*"}, Why: whyOrgList},
			{Actions: []string{"organizations:ListOrganizationalUnitsForParent"}, Resources: []string{r.orgRoots(), r.orgOUs()}, Why: whyOrgARN},
			// The hourly sweep lists the accounts directly under the root.
			{Actions: []string{"organizations:ListAccountsForParent"}, Resources: []string{r.orgRoots()}, Why: whyOrgARN},
			// ListTagsForResource: the policy's defaultTags the account lacks.
			{Actions: []string{"organizations:DescribeAccount", "organizations:ListTagsForResource"}, Resources: []string{r.orgAccounts()}, Why: whyOrgARN},
			{Actions: []string{"servicecatalog:SearchProvisionedProducts"}, Resources: []string{"*"}, Why: whyCatalog},
			{Actions: []string{"states:StartExecution"}, Resources: []string{r.StateMachineArn}},
			// Control Tower's events wake the executions waiting for them.
			r.wakes()[0], r.wakes()[1],
			// Lambda sends an event the function failed on to its on-failure
			// destination with the function's role.
			{Actions: []string{"sqs:SendMessage"}, Resources: []string{r.LifecycleFailedQueueArn}, OnBehalf: true},
		}
	}
	return nil
}

// StatusGrants are what `towervend status` reads, for the policy of the
// operators who run it (the CLI uses their credentials, not a function's
// role): the state machine by name (ListStateMachines has no resource-level
// permissions), the request's execution and its history, and intake's
// records of the messages sent with the request's id in the waits table.
func StatusGrants(r Resources) []Grant {
	return []Grant{
		{Actions: []string{"states:ListStateMachines"}, Resources: []string{"*"},
			Why: "states:ListStateMachines has no resource-level permissions; the CLI finds the workflow by name with it"},
		{Actions: []string{"states:DescribeExecution", "states:GetExecutionHistory"},
			Resources: []string{fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:*", r.Partition, r.Region, r.Account, r.StateMachineName)},
			Why:       "a request's execution is named after its id, only known when status is asked; limited to the vending workflow's executions"},
		{Actions: []string{"dynamodb:Query"}, Resources: []string{r.WaitsTableArn}},
	}
}

// publish lets a function put towervend's notifications, and only those, on its bus.
// describeExecutions lets a function read the vending workflow's executions.
func (r Resources) describeExecutions(why string) Grant {
	return Grant{Actions: []string{"states:DescribeExecution"},
		Resources: []string{fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:*", r.Partition, r.Region, r.Account, r.StateMachineName)}, Why: why}
}

func (r Resources) publish() Grant {
	return Grant{
		Actions:    []string{"events:PutEvents"},
		Resources:  []string{r.BusArn},
		Conditions: map[string]map[string][]string{"StringEquals": {"events:source": {schema.NotificationSource}}},
	}
}

// accountFactoryActions are what Control Tower requires of a principal that
// provisions through Account Factory (Control Tower User Guide, "Automated
// Account Provisioning With IAM Roles", plus organizations:CreateAccount and
// DescribeCreateAccountStatus from "Provision and manage accounts"). Older
// copies of that statement also list sso:GetPeregrineStatus,
// ProvisionApplicationInstanceForAWSAccount,
// ProvisionApplicationProfileForAWSAccountInstance, ProvisionSAMLProvider and
// sso-directory:SearchGroupsWithGroupName: IAM has retired those names (the
// Service Authorization Reference no longer lists them; cfn-lint W3037), so
// they grant nothing and are left out.
func accountFactoryActions() []string {
	return []string{
		"sso:GetProfile", "sso:CreateProfile", "sso:UpdateProfile", "sso:AssociateProfile", "sso:CreateApplicationInstance",
		"sso:GetSSOStatus", "sso:GetTrust", "sso:CreateTrust", "sso:UpdateTrust",
		"sso:GetApplicationInstance", "sso:ListDirectoryAssociations", "sso:ListPermissionSets", "sso:GetPermissionSet",
		"sso:ListProfileAssociations", "sso:DescribeRegisteredRegions",
		"sso-directory:ListMembersInGroup", "sso-directory:AddMemberToGroup", "sso-directory:SearchGroups",
		"sso-directory:SearchUsers", "sso-directory:CreateUser",
		"sso-directory:DescribeGroups", "sso-directory:DescribeDirectory", "sso-directory:GetUserPoolInfo",
		"controltower:CreateManagedAccount", "controltower:DescribeManagedAccount", "controltower:DeregisterManagedAccount",
		"organizations:DescribeOrganization", "organizations:CreateAccount", "organizations:DescribeCreateAccountStatus",
		"s3:GetObject",
	}
}

// ManagedPolicies are the AWS managed policies the named function's role
// carries besides its grants: only where AWS documents one as required, since
// a managed policy is wider than the calls the function makes and changes when
// AWS changes it.
func ManagedPolicies(function string) []ManagedPolicy {
	if function == "provision" {
		return []ManagedPolicy{{Name: "AWSServiceCatalogEndUserFullAccess",
			Why: "Control Tower's Account Factory page ('Automated Account Provisioning With IAM Roles') asks the identity that " +
				"provisions accounts for AWSServiceCatalogEndUserFullAccess in addition to its Account Factory statement: " +
				"Account Factory's provisioning runs with the end user's Service Catalog permissions, and AWS keeps that policy current with them"}}
	}
	return nil
}

// policyVersion is the policy language version that reads policy variables
// such as checkrole's ${aws:PrincipalOrgID}.
const policyVersion = "2012-10-17"

// policyDocument and statement are an IAM JSON policy document as PolicyDocument writes it.
type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// PolicyDocument is the IAM JSON identity policy of grants: Version
// 2012-10-17 and one Allow statement per grant, in order, with its actions,
// resources and conditions. It is the policy the stack attaches to a
// function's role, without the statements CDK adds itself (log group writes,
// X-Ray) and without managed policies.
func PolicyDocument(grants []Grant) []byte {
	doc := policyDocument{Version: policyVersion, Statement: []statement{}}
	for _, g := range grants {
		doc.Statement = append(doc.Statement, statement{Effect: "Allow", Action: g.Actions, Resource: g.Resources, Condition: g.Conditions})
	}
	b, err := json.Marshal(doc)
	if err != nil {
		// Strings, slices and string-keyed maps always marshal.
		panic(fmt.Sprintf("deploy.PolicyDocument: %v", err))
	}
	return b
}
