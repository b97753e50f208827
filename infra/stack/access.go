package stack

import (
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/towervend/towervend/infra/config"
	"github.com/towervend/towervend/internal/deploy"
)

// grantResources are what deploy.Grants builds the grants' ARNs from: the
// fixed identifiers from configuration and the tokens of the stack's own
// resources (bus, workflow, queues), which resolve at deploy time.
func grantResources(cfg config.Config, bus, stateMachine, rejected, lifecycleFailed string) deploy.Resources {
	return deploy.Resources{
		Partition:               cfg.Partition(),
		Region:                  cfg.HomeRegion,
		Account:                 cfg.ManagementAccountID,
		InstanceArn:             cfg.InstanceArn,
		InstanceID:              cfg.InstanceID(),
		IdentityStoreID:         cfg.IdentityStoreID,
		BusArn:                  bus,
		StateMachineArn:         stateMachine,
		StateMachineName:        StateMachineName,
		RejectedQueueArn:        rejected,
		LifecycleFailedQueueArn: lifecycleFailed,
		Provisioning:            cfg.Provisioning,
	}
}

// attachManaged adds the AWS managed policies to a role and records, for
// cdk-nag (IAM4), why each is there.
func attachManaged(role awsiam.IRole, policies []deploy.ManagedPolicy) {
	if len(policies) == 0 {
		return
	}
	var s []*cdknag.NagPackSuppression
	for _, m := range policies {
		role.AddManagedPolicy(awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(m.Name)))
		s = append(s, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM4"),
			Reason:    jsii.String(m.Why),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/" + m.Name},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(role, &s, jsii.Bool(true))
}

// attach adds the grants to a role as one statement each and records, for
// cdk-nag, why each wildcard resource is there. extra are wildcards CDK itself
// adds to the role (X-Ray), with their reason.
func attach(role awsiam.IRole, grants []deploy.Grant, extra map[string]string) {
	reasons := map[string][]string{}
	for k, v := range extra {
		reasons[k] = append(reasons[k], v)
	}
	for _, g := range grants {
		props := &awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(g.Actions...),
			Resources: jsii.Strings(g.Resources...),
		}
		if len(g.Conditions) > 0 {
			conditions := map[string]any{}
			for op, keys := range g.Conditions {
				conditions[op] = keys
			}
			props.Conditions = &conditions
		}
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(props))
		for _, w := range g.Wildcards() {
			reasons[w] = append(reasons[w], strings.Join(g.Actions, ", ")+": "+g.Why)
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
