package iam

import (
	"maps"
	"reflect"
	"slices"
)

// AWS managed policies the simulator knows, by name. Only those towervend's
// stack attaches are here, with the statements that matter to the calls the
// simulator serves; the full documents are in the AWS Managed Policy
// Reference (docs.aws.amazon.com/aws-managed-policy/latest/reference/).
var awsManaged = map[string]Policy{
	// AWSServiceCatalogEndUserFullAccess (v7): Service Catalog's end-user
	// actions on every resource, and the CloudFormation actions on the stacks
	// Service Catalog makes (SC-*). Its other statements (CloudFormation
	// template summaries, S3 template reads, service-linked read calls) touch
	// nothing the simulator serves.
	"AWSServiceCatalogEndUserFullAccess": {Version: Version20121017, Statement: []Statement{
		{Effect: EffectAllow, Action: []string{
			"cloudformation:CreateStack", "cloudformation:DeleteStack", "cloudformation:DescribeStackEvents",
			"cloudformation:DescribeStacks", "cloudformation:UpdateStack", "cloudformation:ListStackResources",
		}, Resource: []string{"arn:aws:cloudformation:*:*:stack/SC-*", "arn:aws:cloudformation:*:*:stack/StackSet-SC-*"}},
		{Effect: EffectAllow, Action: []string{
			"servicecatalog:DescribeProduct", "servicecatalog:DescribeProductView", "servicecatalog:DescribeProvisioningParameters",
			"servicecatalog:ListLaunchPaths", "servicecatalog:SearchProducts", "servicecatalog:ProvisionProduct",
			"servicecatalog:DescribeProvisionedProduct", "servicecatalog:DescribeRecord", "servicecatalog:ListRecordHistory",
			"servicecatalog:ScanProvisionedProducts", "servicecatalog:SearchProvisionedProducts",
			"servicecatalog:TerminateProvisionedProduct", "servicecatalog:UpdateProvisionedProduct",
			"servicecatalog:CreateProvisionedProductPlan", "servicecatalog:DescribeProvisionedProductPlan",
			"servicecatalog:ExecuteProvisionedProductPlan", "servicecatalog:DeleteProvisionedProductPlan",
			"servicecatalog:ListProvisionedProductPlans", "servicecatalog:ListServiceActionsForProvisioningArtifact",
			"servicecatalog:ExecuteProvisionedProductServiceAction", "servicecatalog:DescribeServiceActionExecutionParameters",
		}, Resource: []string{"*"}},
	}},
}

// AWSManaged returns the AWS managed policy with that name, if the simulator knows it.
func AWSManaged(name string) (Policy, bool) {
	p, ok := awsManaged[name]
	return p, ok
}

// AWSManagedName returns the name of the AWS managed policy p is, if it is
// one the simulator knows: a role given it is one IAM lists it as attached
// to, not one with an inline copy.
func AWSManagedName(p Policy) (string, bool) {
	for _, name := range slices.Sorted(maps.Keys(awsManaged)) {
		if reflect.DeepEqual(p, awsManaged[name]) {
			return name, true
		}
	}
	return "", false
}
