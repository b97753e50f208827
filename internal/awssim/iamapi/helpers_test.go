package iamapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
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
	body := form.Encode()
	r := httptest.NewRequest(http.MethodPost, awssim.Endpoint+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: "x"}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Result()
}

// node is one XML element of an answer: its name, namespace, text and children.
type node struct {
	Name     string
	Space    string
	Text     string
	Children []*node
}

// child is the first child element named name, or nil.
func (n *node) child(name string) *node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// names are the names of n's children, in document order.
func (n *node) names() []string {
	var out []string
	for _, c := range n.Children {
		out = append(out, c.Name)
	}
	return out
}

// parseXML reads an XML document into its tree of elements.
func parseXML(t *testing.T, r io.Reader) *node {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, string(b))
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{Name: tok.Name.Local, Space: tok.Name.Space}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += strings.TrimSpace(string(tok))
			}
		}
	}
	require.NotNil(t, root, string(b))
	return root
}

// inOrder reports whether want appears in got in that order, other names
// allowed between them.
func inOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
