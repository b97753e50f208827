package stepfunctions_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim/wiretest"
)

const waitDefinition = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`

// DescribeStateMachine always says how a state machine logs, traces and is
// encrypted: AWS's defaults until CreateStateMachine or UpdateStateMachine
// sets them, then what was set, destinations and key included.
func TestStepFunctionsDescribeStateMachineSettings(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	cfg, wire := wiretest.Record(testConfig(s))
	client := sfn.NewFromConfig(cfg)

	plain, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("plain"), Definition: aws.String(waitDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn")})
	require.NoError(t, err)
	_, err = client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: plain.StateMachineArn})
	require.NoError(t, err)
	got := wire.Answer(t, "DescribeStateMachine")
	assert.Equal(t, map[string]any{"level": "OFF", "includeExecutionData": false}, got["loggingConfiguration"])
	assert.Equal(t, map[string]any{"enabled": false}, got["tracingConfiguration"])
	assert.Equal(t, map[string]any{"type": "AWS_OWNED_KEY"}, got["encryptionConfiguration"])

	logGroup := "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vendedlogs/states/towervend:*"
	logging := &types.LoggingConfiguration{Level: types.LogLevelAll, IncludeExecutionData: true,
		Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String(logGroup)}}}}
	key := "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	encryption := &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey, KmsKeyId: aws.String(key), KmsDataKeyReusePeriodSeconds: aws.Int32(120)}
	create := &sfn.CreateStateMachineInput{Name: aws.String("vending"), Definition: aws.String(waitDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn"),
		LoggingConfiguration: logging, TracingConfiguration: &types.TracingConfiguration{Enabled: true}, EncryptionConfiguration: encryption}
	sm, err := client.CreateStateMachine(ctx, create)
	require.NoError(t, err)
	_, err = client.CreateStateMachine(ctx, create)
	require.NoError(t, err, "the same name, definition and settings again is idempotent")
	_, err = client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: create.Name, Definition: create.Definition, RoleArn: create.RoleArn, LoggingConfiguration: logging})
	var exists *types.StateMachineAlreadyExists
	assert.ErrorAs(t, err, &exists, "the same name with other settings")

	desc, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	require.NoError(t, err)
	requireSettings(t, desc.LoggingConfiguration, desc.TracingConfiguration, desc.EncryptionConfiguration)
	assert.Equal(t, types.LogLevelAll, desc.LoggingConfiguration.Level)
	assert.True(t, desc.LoggingConfiguration.IncludeExecutionData)
	require.Len(t, desc.LoggingConfiguration.Destinations, 1)
	assert.Equal(t, logGroup, aws.ToString(desc.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn))
	assert.True(t, desc.TracingConfiguration.Enabled)
	assert.Equal(t, types.EncryptionTypeCustomerManagedKmsKey, desc.EncryptionConfiguration.Type)
	assert.Equal(t, key, aws.ToString(desc.EncryptionConfiguration.KmsKeyId))
	assert.Equal(t, int32(120), aws.ToInt32(desc.EncryptionConfiguration.KmsDataKeyReusePeriodSeconds))

	_, err = client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn,
		TracingConfiguration: &types.TracingConfiguration{Enabled: false}, EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeAwsOwnedKey}})
	require.NoError(t, err)
	_, err = client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	require.NoError(t, err)
	got = wire.Answer(t, "DescribeStateMachine")
	assert.Equal(t, map[string]any{"enabled": false}, got["tracingConfiguration"], "updated")
	assert.Equal(t, map[string]any{"type": "AWS_OWNED_KEY"}, got["encryptionConfiguration"], "updated: no key is left behind")
	assert.Equal(t, map[string]any{"level": "ALL", "includeExecutionData": true,
		"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": logGroup}}}}, got["loggingConfiguration"],
		"an update that does not name the logging keeps it")
}

// Settings that AWS refuses are refused with its error types.
func TestStepFunctionsRefusesInvalidSettings(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	client := sfn.NewFromConfig(testConfig(s))
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("vending"), Definition: aws.String(waitDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn")})
	require.NoError(t, err)

	var (
		logging    *types.InvalidLoggingConfiguration
		encryption *types.InvalidEncryptionConfiguration
		validation *types.ValidationException
	)
	tests := []struct {
		name string
		in   sfn.UpdateStateMachineInput
		want any
	}{
		{"a level but no destination", sfn.UpdateStateMachineInput{LoggingConfiguration: &types.LoggingConfiguration{Level: types.LogLevelError}}, &logging},
		{"an unknown level", sfn.UpdateStateMachineInput{LoggingConfiguration: &types.LoggingConfiguration{Level: "VERBOSE"}}, &validation},
		{"a customer managed key without its id", sfn.UpdateStateMachineInput{EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey}}, &encryption},
		{"a reuse period out of range", sfn.UpdateStateMachineInput{EncryptionConfiguration: &types.EncryptionConfiguration{Type: types.EncryptionTypeCustomerManagedKmsKey,
			KmsKeyId: aws.String("alias/towervend"), KmsDataKeyReusePeriodSeconds: aws.Int32(30)}}, &validation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.StateMachineArn = sm.StateMachineArn
			_, err := client.UpdateStateMachine(ctx, &in)
			assert.ErrorAs(t, err, tt.want)
		})
	}
	desc, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: sm.StateMachineArn})
	require.NoError(t, err)
	requireSettings(t, desc.LoggingConfiguration, desc.TracingConfiguration, desc.EncryptionConfiguration)
	assert.Equal(t, types.LogLevelOff, desc.LoggingConfiguration.Level, "a refused update changes nothing")
	assert.Equal(t, types.EncryptionTypeAwsOwnedKey, desc.EncryptionConfiguration.Type)
}

// DescribeStateMachineForExecution describes the state machine as the
// execution runs it, not as a later update made it.
func TestStepFunctionsDescribeStateMachineForExecution(t *testing.T) {
	s, _ := newTestSim(t, nil)
	ctx := context.Background()
	client := sfn.NewFromConfig(testConfig(s))
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("vending"), Definition: aws.String(waitDefinition), RoleArn: aws.String("arn:aws:iam::111122223333:role/sfn"),
		TracingConfiguration: &types.TracingConfiguration{Enabled: true}})
	require.NoError(t, err)
	x, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("CHG0042")})
	require.NoError(t, err)
	_, err = client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn,
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), TracingConfiguration: &types.TracingConfiguration{Enabled: false}})
	require.NoError(t, err)

	out, err := client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: x.ExecutionArn})
	require.NoError(t, err)
	assert.Equal(t, aws.ToString(sm.StateMachineArn), aws.ToString(out.StateMachineArn))
	assert.Equal(t, "vending", aws.ToString(out.Name))
	assert.JSONEq(t, waitDefinition, aws.ToString(out.Definition), "the definition the execution started with")
	requireSettings(t, out.LoggingConfiguration, out.TracingConfiguration, out.EncryptionConfiguration)
	assert.True(t, out.TracingConfiguration.Enabled, "and its settings")
	assert.Equal(t, types.LogLevelOff, out.LoggingConfiguration.Level)
	assert.Equal(t, types.EncryptionTypeAwsOwnedKey, out.EncryptionConfiguration.Type)
	assert.True(t, aws.ToTime(sm.CreationDate).Equal(aws.ToTime(out.UpdateDate)), "never updated before it started: its creation date")

	_, err = client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: aws.String(aws.ToString(x.ExecutionArn) + "-gone")})
	var missing *types.ExecutionDoesNotExist
	assert.True(t, errors.As(err, &missing), "got %v", err)
}

// requireSettings stops the test unless a description carries all three settings.
func requireSettings(t *testing.T, logging *types.LoggingConfiguration, tracing *types.TracingConfiguration, encryption *types.EncryptionConfiguration) {
	t.Helper()
	require.NotNil(t, logging, "loggingConfiguration")
	require.NotNil(t, tracing, "tracingConfiguration")
	require.NotNil(t, encryption, "encryptionConfiguration")
}
