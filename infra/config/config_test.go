package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/infra/config"
)

// valid is a complete, well-formed configuration (fake ids).
func valid() map[string]any {
	return map[string]any{
		config.KeyHomeRegion:          "eu-west-1",
		config.KeyManagementAccountID: "111122223333",
		config.KeyPortfolioID:         "port-abcd1234efgh5",
		config.KeyInstanceArn:         "arn:aws:sso:::instance/ssoins-0123456789abcdef",
		config.KeyIdentityStoreID:     "d-0123456789",
		config.KeyAlarmTopicArn:       "arn:aws:sns:eu-west-1:111122223333:towervend-alarms",
		config.KeyAllowedSenders:      []any{"arn:aws:iam::111122223333:role/platform-ci", "444455556666"},
	}
}

// files serves the repository's real default policy plus whatever a test adds.
func files(t *testing.T, extra map[string]string) func(string) ([]byte, error) {
	t.Helper()
	policy, err := os.ReadFile(filepath.Join("..", "..", config.DefaultPolicyFile))
	require.NoError(t, err)
	return func(p string) ([]byte, error) {
		if s, ok := extra[p]; ok {
			return []byte(s), nil
		}
		if p == config.DefaultPolicyFile {
			return policy, nil
		}
		return nil, fs.ErrNotExist
	}
}

func lookup(m map[string]any) func(string) any {
	return func(k string) any { return m[k] }
}

func TestLoadValid(t *testing.T) {
	c, err := config.Load(lookup(valid()), files(t, nil))
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", c.HomeRegion)
	assert.Equal(t, "111122223333", c.ManagementAccountID)
	assert.Equal(t, "port-abcd1234efgh5", c.PortfolioID)
	assert.Equal(t, "ssoins-0123456789abcdef", c.InstanceID())
	assert.Equal(t, config.DefaultPolicyFile, c.PolicyFile, "policy file defaults to the bundled one")
	assert.Equal(t, config.DefaultConcurrencyLimit, c.ConcurrencyLimit)
	assert.Equal(t, "aws", c.Partition())
	assert.Equal(t, []config.Sender{{Arn: "arn:aws:iam::111122223333:role/platform-ci"}, {AccountID: "444455556666"}}, c.Senders)
	assert.Nil(t, c.Webhook, "no webhook unless configured")
}

func TestLoadMissingSaysWhereToLook(t *testing.T) {
	_, err := config.Load(lookup(map[string]any{}), files(t, nil))
	var cerr *config.Error
	require.True(t, errors.As(err, &cerr), "a configuration error, got %v", err)
	msg := err.Error()
	for _, want := range []string{
		"homeRegion: missing; the Region where you set up the Control Tower landing zone",
		"managementAccountId: missing",
		"portfolioId: missing; find it in the Service Catalog console under Portfolios, 'AWS Control Tower Account Factory Portfolio' (port-...)",
		"identityCenterInstanceArn: missing; run `aws sso-admin list-instances`",
		"identityStoreId: missing",
		"alarmTopicArn: missing",
		"allowedSenders: missing",
	} {
		assert.Contains(t, msg, want)
	}
	assert.Len(t, cerr.Problems, 7, "one problem per missing key, all reported at once")
}

func TestLoadRejects(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]any
		want string
	}{
		{"region", map[string]any{config.KeyHomeRegion: "Ireland"}, `homeRegion: "Ireland" is not well-formed`},
		{"account", map[string]any{config.KeyManagementAccountID: "1234"}, `managementAccountId: "1234" is not well-formed`},
		{"portfolio", map[string]any{config.KeyPortfolioID: "prod-abc123"}, `portfolioId: "prod-abc123" is not well-formed; find it in the Service Catalog console`},
		{"instance", map[string]any{config.KeyInstanceArn: "ssoins-0123456789abcdef"}, "identityCenterInstanceArn: \"ssoins-0123456789abcdef\" is not well-formed"},
		{"store", map[string]any{config.KeyIdentityStoreID: "store"}, `identityStoreId: "store" is not well-formed`},
		{"concurrency high", map[string]any{config.KeyConcurrencyLimit: 11.0}, "concurrencyLimit: 11 is outside 1..10"},
		{"concurrency text", map[string]any{config.KeyConcurrencyLimit: "five"}, `concurrencyLimit: want a number, got "five"`},
		{"topic region", map[string]any{config.KeyAlarmTopicArn: "arn:aws:sns:us-east-1:111122223333:alarms"}, "alarmTopicArn: the topic is in us-east-1 but CloudWatch alarms in the home Region eu-west-1"},
		{"sender", map[string]any{config.KeyAllowedSenders: []any{"platform-ci"}}, `allowedSenders: "platform-ci" is neither an IAM role or user ARN nor an account id`},
		{"no senders", map[string]any{config.KeyAllowedSenders: []any{}}, "allowedSenders: missing"},
		{"policy missing", map[string]any{config.KeyPolicyFile: "nope.json"}, `policyFile: cannot read "nope.json"`},
		{"policy invalid", map[string]any{config.KeyPolicyFile: "bad.json"}, `policyFile: "bad.json" is not a valid towervend policy`},
		{"webhook http", map[string]any{config.KeyNotificationWebhook: map[string]any{"url": "http://tickets.example", "secretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hook-AbCdEf"}}, `notificationWebhook.url: "http://tickets.example" is not an https URL`},
		{"webhook secret", map[string]any{config.KeyNotificationWebhook: map[string]any{"url": "https://tickets.example/hook"}}, "notificationWebhook.secretArn: missing"},
		{"webhook field", map[string]any{config.KeyNotificationWebhook: map[string]any{"url": "https://tickets.example/hook", "secretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:hook-AbCdEf", "token": "x"}}, `notificationWebhook: unknown field "token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			for k, v := range tt.set {
				m[k] = v
			}
			_, err := config.Load(lookup(m), files(t, map[string]string{"bad.json": `{"organizationalUnits": 3}`}))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadFromCommandLineStrings(t *testing.T) {
	// `cdk synth -c concurrencyLimit=3 -c allowedSenders=a,b` passes strings.
	m := valid()
	m[config.KeyConcurrencyLimit] = "3"
	m[config.KeyAllowedSenders] = "arn:aws:iam::111122223333:root, arn:aws:iam::111122223333:user/alice"
	c, err := config.Load(lookup(m), files(t, nil))
	require.NoError(t, err)
	assert.Equal(t, 3, c.ConcurrencyLimit)
	assert.Equal(t, []config.Sender{{AccountID: "111122223333"}, {Arn: "arn:aws:iam::111122223333:user/alice"}}, c.Senders,
		"an account's :root ARN means the whole account")
}

func TestLoadConfigFileWithContextOverride(t *testing.T) {
	file := `{
	  "homeRegion": "us-east-1",
	  "managementAccountId": "111122223333",
	  "portfolioId": "port-abcd1234efgh5",
	  "identityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-0123456789abcdef",
	  "identityStoreId": "d-0123456789",
	  "alarmTopicArn": "arn:aws:sns:us-east-1:111122223333:alarms",
	  "allowedSenders": ["111122223333"],
	  "concurrencyLimit": 4,
	  "notificationWebhook": {"url": "https://tickets.example/hook", "secretArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:hook-AbCdEf"}
	}`
	ctx := map[string]any{config.KeyConfigFile: "towervend.json", config.KeyConcurrencyLimit: 2.0}
	c, err := config.Load(lookup(ctx), files(t, map[string]string{"towervend.json": file}))
	require.NoError(t, err)
	assert.Equal(t, "us-east-1", c.HomeRegion)
	assert.Equal(t, 2, c.ConcurrencyLimit, "context overrides the file")
	require.NotNil(t, c.Webhook)
	assert.Equal(t, config.Webhook{URL: "https://tickets.example/hook", HeaderName: "Authorization",
		SecretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:hook-AbCdEf", RateLimitPerSecond: 1}, *c.Webhook)
}

func TestLoadConfigFileProblems(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"unreadable", "", `configFile: cannot read "towervend.json"`},
		{"not json", "{", `configFile: "towervend.json" is not a JSON object`},
		{"unknown key", `{"homeregion": "eu-west-1"}`, `homeregion: unknown key "homeregion" in towervend.json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := map[string]string{}
			if tt.file != "" {
				extra["towervend.json"] = tt.file
			}
			_, err := config.Load(lookup(map[string]any{config.KeyConfigFile: "towervend.json"}), files(t, extra))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestRepositoryExampleIsValid(t *testing.T) {
	// cdk.json at the repository root must hold a working example so that
	// `make synth` runs offline.
	b, err := os.ReadFile(filepath.Join("..", "..", "cdk.json"))
	require.NoError(t, err)
	ctx := contextOf(t, b)
	root := filepath.Join("..", "..")
	c, err := config.Load(lookup(ctx), func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(root, p)) })
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(c.PortfolioID, "port-"))
}
