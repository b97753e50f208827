package cloudformation_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/towervend/towervend/internal/awssim"
	"github.com/towervend/towervend/internal/clock"
)

const (
	mgmt       = "111122223333"
	region     = "eu-west-1" // world/default.json's home Region
	vendingKey = "AKIATOWERVEND0000001"
)

// newTestSim builds the default world (changed by edit, if given) on a held
// Virtual clock: time moves only when the test calls clk.Advance.
func newTestSim(t *testing.T, edit func(*awssim.World)) (*awssim.Sim, *clock.Virtual) {
	t.Helper()
	w := awssim.DefaultWorld()
	w.Happenings = nil
	if edit != nil {
		edit(w)
	}
	clk := clock.NewVirtual(w.Start, 0)
	s, err := awssim.New(w, awssim.Options{Clock: clk})
	require.NoError(t, err)
	return s, clk
}

type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// cfnFor is a CloudFormation client over cfg, without retries.
func cfnFor(cfg aws.Config) *cloudformation.Client {
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 1
			o.Backoff = noDelay{}
			o.RateLimiter = ratelimit.None
		})
	}
	return cloudformation.NewFromConfig(cfg)
}

// cfnAs is a CloudFormation client signing with key in the home Region.
func cfnAs(s *awssim.Sim, key string) *cloudformation.Client { return cfnFor(s.ConfigAs(key)) }

// apiError is err's AWS error code and message, or fails the test.
func apiError(t *testing.T, err error) (code, message string) {
	t.Helper()
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "want an AWS error, got %v", err)
	return ae.ErrorCode(), ae.ErrorMessage()
}

// towervendStack is a deployment as the local runtime records it, in small.
func towervendStack() awssim.StackSpec {
	return awssim.StackSpec{Name: "TowerVend", Description: "towervend: event-driven AWS Control Tower account vending",
		Outputs: map[string]string{
			"RequestQueueUrl":     awssim.Endpoint + "/" + mgmt + "/towervend-requests",
			"StateMachineArn":     "arn:aws:states:" + region + ":" + mgmt + ":stateMachine:towervend-vending",
			"NotificationBusName": "towervend",
		},
		Resources: []awssim.StackResource{
			{LogicalID: "RequestsQueue", PhysicalID: awssim.Endpoint + "/" + mgmt + "/towervend-requests", Type: "AWS::SQS::Queue"},
			{LogicalID: "Workflow", PhysicalID: "arn:aws:states:" + region + ":" + mgmt + ":stateMachine:towervend-vending", Type: "AWS::StepFunctions::StateMachine"},
		},
		Tags: map[string]string{"app": "towervend"}, TerminationProtection: true}
}

// rawQuery posts a Query-protocol form signed for CloudFormation with key,
// as any AWS client would, and returns the answer.
func rawQuery(t *testing.T, s *awssim.Sim, key string, form url.Values) *http.Response {
	t.Helper()
	body := form.Encode()
	r := httptest.NewRequest(http.MethodPost, awssim.Endpoint+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: "x"}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "cloudformation", region, time.Now()))
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
