package awssim

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/aws-sdk-go-v2/service/controltower/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ResetEnabledBaseline has AWS's members on the wire: enabledBaselineIdentifier
// in, operationIdentifier (a UUID) alone out, which GetBaselineOperation
// describes as RESET_ENABLED_BASELINE; a second reset while one runs is the
// modelled ConflictException with HTTP 409.
func TestResetEnabledBaselineAnswersHaveAWSsShape(t *testing.T) {
	s, clk := newTestSim(t, func(w *World) { w.ControlTower.Spread = 0 })
	cfg := withRetries(s.Config(), 1)
	ct := controltower.NewFromConfig(cfg)
	ctx := context.Background()
	const enrollment, legacy, dataLake = "ou-nw7k-enr00001", "ou-nw7k-leg00001", "163728394051"
	// The untrusted role fails the reset, so the ended operation has every member.
	_, err := organizations.NewFromConfig(cfg).MoveAccount(ctx, &organizations.MoveAccountInput{
		AccountId: aws.String(dataLake), SourceParentId: aws.String(legacy), DestinationParentId: aws.String(enrollment)})
	require.NoError(t, err)

	list, err := ct.ListEnabledBaselines(ctx, &controltower.ListEnabledBaselinesInput{
		Filter: &types.EnabledBaselineFilter{TargetIdentifiers: []string{s.OUArn(enrollment)}}})
	require.NoError(t, err)
	require.Len(t, list.EnabledBaselines, 1)
	arn := aws.ToString(list.EnabledBaselines[0].Arn)

	raw := rawJSON(t, s, "controltower", http.MethodPost, "/reset-enabled-baseline", `{"enabledBaselineIdentifier":"`+arn+`"}`)
	require.Len(t, raw, 1, "operationIdentifier is the answer's one member: %v", raw)
	id, _ := raw["operationIdentifier"].(string)
	require.Regexp(t, `^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`, id)

	got, err := ct.GetBaselineOperation(ctx, &controltower.GetBaselineOperationInput{OperationIdentifier: aws.String(id)})
	require.NoError(t, err)
	assert.Equal(t, types.BaselineOperationTypeResetEnabledBaseline, got.BaselineOperation.OperationType)
	assert.Equal(t, types.BaselineOperationStatusInProgress, got.BaselineOperation.Status)

	_, err = ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: aws.String(arn)})
	var conflict *types.ConflictException
	require.ErrorAs(t, err, &conflict, "one OU operation at a time")
	assert.Contains(t, conflict.ErrorMessage(), id)
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusConflict, re.HTTPStatusCode())

	clk.Advance(25 * time.Minute)
	op := rawJSON(t, s, "controltower", http.MethodPost, "/get-baseline-operation", `{"operationIdentifier":"`+id+`"}`)
	assertShape(t, loadShape(t, "controltower-get-baseline-operation.json"), op, "GetBaselineOperation")
	detail := op["baselineOperation"].(map[string]any)
	assert.Equal(t, "RESET_ENABLED_BASELINE", detail["operationType"])
	assert.Equal(t, "FAILED", detail["status"])
	assert.Equal(t, "2026-11-24T09:25:00Z", detail["endTime"])

	again, err := ct.ResetEnabledBaseline(ctx, &controltower.ResetEnabledBaselineInput{EnabledBaselineIdentifier: aws.String(arn)})
	require.NoError(t, err, "once it has ended")
	assert.NotEqual(t, id, aws.ToString(again.OperationIdentifier))
}
