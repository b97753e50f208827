package awssim

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The answers auto-enrollment adds have AWS's members on the wire: the
// landing zone's remediationTypes, a child baseline's lastOperationIdentifier,
// and GetBaselineOperation with ISO 8601 times (the model's timestampFormat).
func TestAutoEnrollmentAnswersHaveAWSsShape(t *testing.T) {
	s, clk := newTestSim(t, func(w *World) { w.ControlTower.RemediationTypes = []string{"INHERITANCE_DRIFT"} })
	lzs := rawJSON(t, s, "controltower", http.MethodPost, "/list-landingzones", "{}")
	arn := lzs["landingZones"].([]any)[0].(map[string]any)["arn"].(string)
	lz := rawJSON(t, s, "controltower", http.MethodPost, "/get-landingzone", `{"landingZoneIdentifier":"`+arn+`"}`)
	assert.Equal(t, []any{"INHERITANCE_DRIFT"}, lz["landingZone"].(map[string]any)["remediationTypes"])

	// The untrusted role fails the enrollment, so the operation has every member.
	_, err := organizations.NewFromConfig(withRetries(s.Config(), 1)).MoveAccount(context.Background(), &organizations.MoveAccountInput{
		AccountId: aws.String("163728394051"), SourceParentId: aws.String("ou-nw7k-leg00001"), DestinationParentId: aws.String("ou-nw7k-enr00001")})
	require.NoError(t, err)
	clk.Advance(2 * time.Minute)

	list := rawJSON(t, s, "controltower", http.MethodPost, "/list-enabled-baselines",
		`{"includeChildren":true,"filter":{"targetIdentifiers":["`+s.AccountArn("163728394051")+`"]}}`)
	children := list["enabledBaselines"].([]any)
	require.Len(t, children, 1)
	summary := children[0].(map[string]any)["statusSummary"].(map[string]any)
	assert.Equal(t, "FAILED", summary["status"])
	id, _ := summary["lastOperationIdentifier"].(string)
	require.Regexp(t, `^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$`, id)

	op := rawJSON(t, s, "controltower", http.MethodPost, "/get-baseline-operation", `{"operationIdentifier":"`+id+`"}`)
	assertShape(t, loadShape(t, "controltower-get-baseline-operation.json"), op, "GetBaselineOperation")
	detail := op["baselineOperation"].(map[string]any)
	assert.Equal(t, "2026-11-24T09:00:00Z", detail["startTime"])
	assert.Equal(t, "2026-11-24T09:02:00Z", detail["endTime"])
	assert.Equal(t, "ENABLE_BASELINE", detail["operationType"])
}
