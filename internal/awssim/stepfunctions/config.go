package stepfunctions

import (
	"slices"
	"strings"

	"github.com/towervend/towervend/internal/awssim/protocol"
)

// A state machine's logging, tracing and encryption settings, in the API's
// shape: CreateStateMachine and UpdateStateMachine set them, and
// DescribeStateMachine (and DescribeStateMachineForExecution) always answer
// all three, AWS's defaults for those never set. The simulator keeps them and
// acts on none: it writes no logs, no traces, and encrypts nothing.

// LoggingConfiguration is where and how much of an execution's history is
// logged to CloudWatch Logs.
type LoggingConfiguration struct {
	Level                string           `json:"level"` // ALL, ERROR, FATAL or OFF
	IncludeExecutionData bool             `json:"includeExecutionData"`
	Destinations         []LogDestination `json:"destinations,omitempty"`
}

// LogDestination is a log group the history goes to.
type LogDestination struct {
	CloudWatchLogsLogGroup *CloudWatchLogsLogGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

// CloudWatchLogsLogGroup names a log group by its ARN, which ends with ":*".
type CloudWatchLogsLogGroup struct {
	LogGroupArn string `json:"logGroupArn,omitempty"`
}

// TracingConfiguration says whether X-Ray traces executions.
type TracingConfiguration struct {
	Enabled bool `json:"enabled"`
}

// EncryptionConfiguration is the key the definition and executions' data are
// encrypted with: AWS_OWNED_KEY, or CUSTOMER_MANAGED_KMS_KEY with KmsKeyID.
type EncryptionConfiguration struct {
	Type                         string `json:"type"`
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int   `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
}

const (
	awsOwnedKey        = "AWS_OWNED_KEY"
	customerManagedKey = "CUSTOMER_MANAGED_KMS_KEY"
)

// machineConfig is the settings CreateStateMachine and UpdateStateMachine
// take; nil is not given.
type machineConfig struct {
	LoggingConfiguration    *LoggingConfiguration    `json:"loggingConfiguration"`
	TracingConfiguration    *TracingConfiguration    `json:"tracingConfiguration"`
	EncryptionConfiguration *EncryptionConfiguration `json:"encryptionConfiguration"`
}

var logLevels = []string{"ALL", "ERROR", "FATAL", "OFF"}

// check validates the settings given, with the API reference's constraints
// (ValidationException) and its InvalidLoggingConfiguration and
// InvalidEncryptionConfiguration, and returns them with AWS's defaults filled
// in: a logging level left out is OFF.
func (in machineConfig) check() (machineConfig, *protocol.APIError) {
	out := in
	if l := in.LoggingConfiguration; l != nil {
		c := *l
		if c.Level == "" {
			c.Level = "OFF"
		}
		if !slices.Contains(logLevels, c.Level) {
			return out, protocol.Err("ValidationException", "1 validation error detected: Value '%s' at 'loggingConfiguration.level' failed to satisfy constraint: Member must satisfy enum value set: [%s]", c.Level, strings.Join(logLevels, ", "))
		}
		if len(c.Destinations) > 1 {
			return out, protocol.Err("ValidationException", "1 validation error detected: Value at 'loggingConfiguration.destinations' failed to satisfy constraint: Member must have length less than or equal to 1")
		}
		if c.Level != "OFF" && len(c.Destinations) == 0 {
			return out, protocol.Err("InvalidLoggingConfiguration", "Invalid Logging Configuration: Must specify exactly one Log Destination when the level is %s.", c.Level)
		}
		for _, d := range c.Destinations {
			if d.CloudWatchLogsLogGroup == nil || !strings.HasPrefix(d.CloudWatchLogsLogGroup.LogGroupArn, "arn:") || !strings.HasSuffix(d.CloudWatchLogsLogGroup.LogGroupArn, ":*") {
				return out, protocol.Err("InvalidLoggingConfiguration", "Invalid Logging Configuration: a destination must name a CloudWatch Logs log group by an ARN ending with ':*'.")
			}
		}
		c.Destinations = slices.Clone(c.Destinations)
		if len(c.Destinations) == 0 {
			c.Destinations = nil // "destinations": [] is none, as leaving it out is
		}
		out.LoggingConfiguration = &c
	}
	if t := in.TracingConfiguration; t != nil {
		c := *t
		out.TracingConfiguration = &c
	}
	if e := in.EncryptionConfiguration; e != nil {
		c := *e
		switch {
		case c.Type != awsOwnedKey && c.Type != customerManagedKey:
			return out, protocol.Err("ValidationException", "1 validation error detected: Value '%s' at 'encryptionConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [%s, %s]", c.Type, awsOwnedKey, customerManagedKey)
		case c.KmsDataKeyReusePeriodSeconds != nil && (*c.KmsDataKeyReusePeriodSeconds < 60 || *c.KmsDataKeyReusePeriodSeconds > 900):
			return out, protocol.Err("ValidationException", "1 validation error detected: Value '%d' at 'encryptionConfiguration.kmsDataKeyReusePeriodSeconds' failed to satisfy constraint: Member must have value between 60 and 900", *c.KmsDataKeyReusePeriodSeconds)
		case c.Type == customerManagedKey && c.KmsKeyID == "":
			return out, protocol.Err("InvalidEncryptionConfiguration", "Invalid Encryption Configuration: kmsKeyId is required when the type is %s.", customerManagedKey)
		case c.Type == awsOwnedKey && (c.KmsKeyID != "" || c.KmsDataKeyReusePeriodSeconds != nil):
			return out, protocol.Err("InvalidEncryptionConfiguration", "Invalid Encryption Configuration: kmsKeyId and kmsDataKeyReusePeriodSeconds apply only to %s.", customerManagedKey)
		}
		if p := c.KmsDataKeyReusePeriodSeconds; p != nil {
			v := *p
			c.KmsDataKeyReusePeriodSeconds = &v
		}
		out.EncryptionConfiguration = &c
	}
	return out, nil
}

// apply gives m the settings given (checked), keeping those not given.
func (in machineConfig) apply(m *StateMachine) {
	if in.LoggingConfiguration != nil {
		m.LoggingConfiguration = in.LoggingConfiguration
	}
	if in.TracingConfiguration != nil {
		m.TracingConfiguration = in.TracingConfiguration
	}
	if in.EncryptionConfiguration != nil {
		m.EncryptionConfiguration = in.EncryptionConfiguration
	}
}

// settings are m's settings, AWS's defaults for those never set.
func (m *StateMachine) settings() machineConfig {
	out := machineConfig{LoggingConfiguration: m.LoggingConfiguration, TracingConfiguration: m.TracingConfiguration, EncryptionConfiguration: m.EncryptionConfiguration}
	if out.LoggingConfiguration == nil {
		out.LoggingConfiguration = &LoggingConfiguration{Level: "OFF"}
	}
	if out.TracingConfiguration == nil {
		out.TracingConfiguration = &TracingConfiguration{}
	}
	if out.EncryptionConfiguration == nil {
		out.EncryptionConfiguration = &EncryptionConfiguration{Type: awsOwnedKey}
	}
	return out
}
