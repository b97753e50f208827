package stack

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/schema"
)

// grant is one statement of a function's least-privilege policy.
type grant struct {
	actions    []string
	resources  []string
	conditions map[string]any
	// why says why a resource holds a wildcard: the API has no resource-level
	// permissions, or the resource is only known at run time. It becomes the
	// cdk-nag suppression reason, so every wildcard carries its justification.
	why string
}

// wildcards lists the resources of g that contain "*".
func (g grant) wildcards() []string {
	var out []string
	for _, r := range g.resources {
		if strings.Contains(r, "*") {
			out = append(out, r)
		}
	}
	return out
}

// arns are the ARNs the grants name: the fixed ones from configuration and the
// tokens of the stack's own resources.
type arns struct {
	cfg config.Config
	// bus is the notification bus, stateMachine the vending workflow and its
	// name, rejected the queue that keeps rejected messages, lifecycleFailed
	// the queue of lifecycle events that failed.
	bus, stateMachine, stateMachineName, rejected, lifecycleFailed string
}

func (a arns) p() string { return a.cfg.Partition() }

// Organizations resources: accounts, OUs and roots of this management
// account's organization (the organization id is not in configuration, and the
// account or OU is only known per request).
func (a arns) orgAccounts() string {
	return fmt.Sprintf("arn:%s:organizations::%s:account/o-*/*", a.p(), a.cfg.ManagementAccountID)
}
func (a arns) orgOUs() string {
	return fmt.Sprintf("arn:%s:organizations::%s:ou/o-*/ou-*", a.p(), a.cfg.ManagementAccountID)
}
func (a arns) orgRoots() string {
	return fmt.Sprintf("arn:%s:organizations::%s:root/o-*/r-*", a.p(), a.cfg.ManagementAccountID)
}

// Identity Center resources of the configured instance.
func (a arns) ssoInstance() string { return a.cfg.InstanceArn }
func (a arns) ssoPermissionSets() string {
	return fmt.Sprintf("arn:%s:sso:::permissionSet/%s/*", a.p(), a.cfg.InstanceID())
}
func (a arns) ssoAccounts() string { return fmt.Sprintf("arn:%s:sso:::account/*", a.p()) }
func (a arns) identityStore() []string {
	return []string{
		fmt.Sprintf("arn:%s:identitystore::%s:identitystore/%s", a.p(), a.cfg.ManagementAccountID, a.cfg.IdentityStoreID),
		fmt.Sprintf("arn:%s:identitystore:::user/*", a.p()),
		fmt.Sprintf("arn:%s:identitystore:::group/*", a.p()),
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
	whyIdentity = "identitystore GetUserId/GetGroupId name users and groups only known per request (limited to the configured identity store)"
	whyBaseline = "controltower:ListEnabledBaselines has no resource-level permissions"
)

// grantsFor is the least-privilege table: exactly the AWS calls each function
// makes (see internal/vend), as narrowly as each API allows.
func (a arns) grantsFor(name string) []grant {
	switch name {
	case "validate":
		return []grant{
			{actions: []string{"organizations:ListRoots", "organizations:ListAccounts"}, resources: []string{"*"}, why: whyOrgList},
			{actions: []string{"organizations:ListOrganizationalUnitsForParent"}, resources: []string{a.orgRoots(), a.orgOUs()}, why: whyOrgARN},
			{actions: []string{"organizations:DescribeAccount", "organizations:ListParents", "organizations:ListTagsForResource"},
				resources: []string{a.orgAccounts()}, why: whyOrgARN},
			{actions: []string{"controltower:ListEnabledBaselines"}, resources: []string{"*"}, why: whyBaseline},
			{actions: []string{"servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeRecord"}, resources: []string{"*"}, why: whyCatalog},
			{actions: []string{"sso:ListInstances"}, resources: []string{"*"}, why: whySSO},
			{actions: []string{"sso:ListPermissionSets"}, resources: []string{a.ssoInstance()}},
			{actions: []string{"sso:DescribePermissionSet"}, resources: []string{a.ssoInstance(), a.ssoPermissionSets()}, why: whySSO},
			{actions: []string{"sso:ListAccountAssignments"}, resources: []string{a.ssoInstance(), a.ssoPermissionSets(), a.ssoAccounts()}, why: whySSO},
			{actions: []string{"identitystore:GetUserId", "identitystore:GetGroupId"}, resources: a.identityStore(), why: whyIdentity},
		}
	case "checkrole":
		return []grant{{
			actions:   []string{"sts:AssumeRole"},
			resources: []string{fmt.Sprintf("arn:%s:iam::*:role/AWSControlTowerExecution", a.p())},
			// The account id is a wildcard, so the role must at least be in
			// this organization: a request naming an outside account cannot
			// make towervend assume a role there (IAM's documented pattern
			// for "resources in my organization only").
			conditions: map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": "${aws:PrincipalOrgID}"}},
			why: "checkrole proves AWSControlTowerExecution can be assumed in the account a request names, which is only known per request; " +
				"it can assume no other role, and only in this organization (aws:ResourceOrgID)",
		}}
	case "provision":
		return []grant{
			{actions: []string{"servicecatalog:SearchProducts", "servicecatalog:SearchProvisionedProducts", "servicecatalog:DescribeRecord",
				"servicecatalog:DescribeProvisionedProduct", "servicecatalog:UpdateProvisionedProduct", "servicecatalog:TerminateProvisionedProduct"},
				resources: []string{"*"}, why: whyCatalog},
			{actions: []string{"servicecatalog:ListProvisioningArtifacts", "servicecatalog:ListLaunchPaths", "servicecatalog:ProvisionProduct"},
				resources: []string{fmt.Sprintf("arn:%s:catalog:%s:%s:product/*", a.p(), a.cfg.HomeRegion, a.cfg.ManagementAccountID)}, why: whyProduct},
			// Control Tower's Account Factory page asks for this statement in
			// addition to the managed policy AWSServiceCatalogEndUserFullAccess
			// (managedPoliciesFor).
			{actions: accountFactoryActions(), resources: []string{"*"},
				why: "Account Factory acts with the provisioning principal's permissions; Control Tower documents this set of sso, " +
					"sso-directory, controltower, organizations and s3:GetObject (the product template) actions with Resource \"*\" " +
					"('Automated Account Provisioning With IAM Roles'), and most have no resource types"},
			// The gate ranks waiting requests among the workflow's running executions.
			// The ARN is written out from the fixed name: a reference to the state
			// machine would make the function depend on the workflow that invokes it.
			{actions: []string{"states:ListExecutions"},
				resources: []string{fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", a.p(), a.cfg.HomeRegion, a.cfg.ManagementAccountID, a.stateMachineName)}},
		}
	case "provisionstatus":
		return []grant{{actions: []string{"servicecatalog:DescribeRecord"}, resources: []string{"*"}, why: whyCatalog}}
	case "assignsso":
		return []grant{
			{actions: []string{"sso:ListInstances"}, resources: []string{"*"}, why: whySSO},
			{actions: []string{"sso:CreateAccountAssignment", "sso:DeleteAccountAssignment", "sso:ListAccountAssignments"},
				resources: []string{a.ssoInstance(), a.ssoPermissionSets(), a.ssoAccounts()}, why: whySSO},
			{actions: []string{"sso:DescribeAccountAssignmentCreationStatus", "sso:DescribeAccountAssignmentDeletionStatus", "sso:ListPermissionSets"},
				resources: []string{a.ssoInstance()}},
			{actions: []string{"sso:DescribePermissionSet"}, resources: []string{a.ssoInstance(), a.ssoPermissionSets()}, why: whySSO},
			// No iam:*Role* or SAML-provider grants: Identity Center provisions a
			// permission set's role with the caller's own IAM permissions only
			// in the management account, and validate refuses every request
			// that names it ("this is the management account"); in member
			// accounts Identity Center's service-linked role does that work.
			{actions: []string{"identitystore:GetUserId", "identitystore:GetGroupId"}, resources: a.identityStore(), why: whyIdentity},
		}
	case "moveou":
		return []grant{
			{actions: []string{"organizations:ListParents"}, resources: []string{a.orgAccounts()}, why: whyOrgARN},
			// MoveAccount needs the account and both parents (source and destination).
			{actions: []string{"organizations:MoveAccount"}, resources: []string{a.orgAccounts(), a.orgOUs(), a.orgRoots()}, why: whyOrgARN},
		}
	case "tag":
		return []grant{{actions: []string{"organizations:TagResource", "organizations:UntagResource"}, resources: []string{a.orgAccounts()}, why: whyOrgARN}}
	case "close":
		return []grant{{actions: []string{"organizations:CloseAccount"}, resources: []string{a.orgAccounts()}, why: whyOrgARN}}
	case "notify", "reportfailure":
		return []grant{a.publish()}
	case "intake":
		return []grant{
			{actions: []string{"states:StartExecution"}, resources: []string{a.stateMachine}},
			{actions: []string{"states:DescribeExecution"},
				resources: []string{fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:*", a.p(), a.cfg.HomeRegion, a.cfg.ManagementAccountID, a.stateMachineName)},
				why:       "intake describes the execution named after a request id to tell a repeat from a conflict; limited to the vending workflow's executions"},
			a.publish(),
			{actions: []string{"sqs:SendMessage"}, resources: []string{a.rejected}},
		}
	case "lifecycle":
		return []grant{
			{actions: []string{"organizations:ListRoots"}, resources: []string{"*"}, why: whyOrgList},
			{actions: []string{"organizations:ListOrganizationalUnitsForParent"}, resources: []string{a.orgRoots(), a.orgOUs()}, why: whyOrgARN},
			// ListTagsForResource: the policy's defaultTags the account lacks.
			{actions: []string{"organizations:DescribeAccount", "organizations:ListTagsForResource"}, resources: []string{a.orgAccounts()}, why: whyOrgARN},
			{actions: []string{"servicecatalog:SearchProvisionedProducts"}, resources: []string{"*"}, why: whyCatalog},
			{actions: []string{"states:StartExecution"}, resources: []string{a.stateMachine}},
			// Lambda sends an event the function failed on to its on-failure
			// destination with the function's role.
			{actions: []string{"sqs:SendMessage"}, resources: []string{a.lifecycleFailed}},
		}
	}
	return nil
}

// publish lets a function put towervend's notifications, and only those, on its bus.
func (a arns) publish() grant {
	return grant{
		actions:    []string{"events:PutEvents"},
		resources:  []string{a.bus},
		conditions: map[string]any{"StringEquals": map[string]any{"events:source": []string{schema.NotificationSource}}},
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

// managedPolicy is an AWS managed policy a function's role carries, and why.
type managedPolicy struct {
	name, why string
}

// managedPoliciesFor are the AWS managed policies a function's role carries
// besides its grants: only where AWS documents one as required, since a
// managed policy is wider than the calls the function makes and changes when
// AWS changes it.
func managedPoliciesFor(name string) []managedPolicy {
	if name == "provision" {
		return []managedPolicy{{name: "AWSServiceCatalogEndUserFullAccess",
			why: "Control Tower's Account Factory page ('Automated Account Provisioning With IAM Roles') asks the identity that " +
				"provisions accounts for AWSServiceCatalogEndUserFullAccess in addition to its Account Factory statement: " +
				"Account Factory's provisioning runs with the end user's Service Catalog permissions, and AWS keeps that policy current with them"}}
	}
	return nil
}

// attachManaged adds the AWS managed policies to a role and records, for
// cdk-nag (IAM4), why each is there.
func attachManaged(role awsiam.IRole, policies []managedPolicy) {
	if len(policies) == 0 {
		return
	}
	var s []*cdknag.NagPackSuppression
	for _, m := range policies {
		role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(m.name)))
		s = append(s, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM4"),
			Reason:    jsii.String(m.why),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/" + m.name},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &s, jsii.Bool(true))
}

// attach adds the grants to a role as one statement each and records, for
// cdk-nag, why each wildcard resource is there. extra are wildcards CDK itself
// adds to the role (X-Ray), with their reason.
func attach(role awsiam.IRole, grants []grant, extra map[string]string) {
	reasons := map[string][]string{}
	for k, v := range extra {
		reasons[k] = append(reasons[k], v)
	}
	for _, g := range grants {
		props := &awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(g.actions...),
			Resources: jsii.Strings(g.resources...),
		}
		if g.conditions != nil {
			props.Conditions = &g.conditions
		}
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(props))
		for _, w := range g.wildcards() {
			reasons[w] = append(reasons[w], strings.Join(g.actions, ", ")+": "+g.why)
		}
	}
	suppressWildcards(role, reasons)
}

// suppressWildcards records one cdk-nag IAM5 suppression per wildcard resource,
// limited to that resource and carrying every reason it is there.
func suppressWildcards(role awsiam.IRole, reasons map[string][]string) {
	if len(reasons) == 0 {
		return
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var s []*cdknag.NagPackSuppression
	for _, k := range keys {
		s = append(s, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String(strings.Join(dedupe(reasons[k]), "; ")),
			AppliesTo: &[]any{"Resource::" + k},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &s, jsii.Bool(true))
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
