package iamapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/awssim/wiretest"
	"github.com/towervend/towervend/internal/clock"
)

// Accounts of world/default.json.
const (
	mgmt             = "111122223333"
	paymentsProd     = "618273645091" // enrolled: trusted execution role, created by Organizations
	dataLakeDev      = "163728394051" // untrusted execution role, created by Organizations
	acquiredRetail   = "604829118370" // invited, no execution role
	marketingInvited = "730335518842" // invited, trusted execution role
	vendingKey       = "AKIATOWERVEND0000001"
)

// newTestSim builds the default world (changed by edit, if given) on a held
// Virtual clock: time moves only when the test calls clk.Advance.
func newTestSim(t *testing.T, edit func(*awssim.World)) (*awssim.Sim, *clock.Virtual) {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil // the demo world's own happenings would add accounts the test does not expect
	if edit != nil {
		edit(w)
	}
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	return s, clk
}

// withPrincipal adds a world principal signing with key as role in account,
// so a test can call as someone in a member account.
func withPrincipal(key, account, role string) func(*awssim.World) {
	return func(w *awssim.World) {
		w.Principals = append(w.Principals, awssim.PrincipalSpec{AccessKeyID: key, Arn: "arn:aws:iam::" + account + ":role/" + role})
	}
}

type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// iamAs is an IAM client signing with key, without retries.
func iamAs(s *awssim.Sim, key string) *iam.Client {
	cfg := s.ConfigAs(key)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 1
			o.Backoff = noDelay{}
			o.RateLimiter = ratelimit.None
		})
	}
	return iam.NewFromConfig(cfg)
}

// apiError is err's AWS error code and message, or fails the test.
func apiError(t *testing.T, err error) (code, message string) {
	t.Helper()
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "want an AWS error, got %v", err)
	return ae.ErrorCode(), ae.ErrorMessage()
}

// decodeDocument reads a policy document as IAM answers it, URL-encoded.
func decodeDocument(t *testing.T, encoded string) map[string]any {
	t.Helper()
	require.NotContains(t, encoded, "{", "IAM answers documents URL-encoded")
	plain, err := url.PathUnescape(encoded)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(plain), &doc), plain)
	return doc
}

// rawQuery posts a Query-protocol form signed for IAM with key, as any AWS
// client would, and returns the answer.
func rawQuery(t *testing.T, s *awssim.Sim, key string, form url.Values) *http.Response {
	t.Helper()
	return wiretest.Query(t, s, "iam", "us-east-1", key, form)
}
