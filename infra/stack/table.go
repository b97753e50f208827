package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/towervend/towervend/internal/deploy"
)

// WaitsTableName is the table of waiting executions' task tokens.
var WaitsTableName = deploy.WaitsTable.Name

// newWaitsTable makes the waits table: on demand (nothing to pay while nobody
// waits), encrypted, its items expiring by the deployment table's TTL
// attribute. What it holds is only ever minutes to days old and is written
// again by every waiting execution, so there is nothing to restore: no
// point-in-time recovery, and it goes with the stack.
func newWaitsTable(scope constructs.Construct, spec deploy.Table) awsdynamodb.Table {
	t := awsdynamodb.NewTable(scope, jsii.String("Waits"), &awsdynamodb.TableProps{
		TableName:           jsii.String(spec.Name),
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String(spec.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String(spec.SortKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:          awsdynamodb.TableEncryption_AWS_MANAGED,
		TimeToLiveAttribute: jsii.String(spec.TimeToLive),
		RemovalPolicy:       awscdk.RemovalPolicy_DESTROY,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(t, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-DDB3"),
		Reason: jsii.String("the table holds task tokens of waiting executions, each rewritten at every wait and expiring by TTL; " +
			"a restored copy would hold only dead tokens"),
	}}, jsii.Bool(true))
	return t
}
