// Package wiretest is what the simulator's tests use to look at its answers
// as they are on the wire: a recorder of JSON answers behind SDK clients,
// signed Query-protocol requests, and XML answers read into a tree of
// elements. Only _test files import it.
//
// It may import the AWS SDK, testify and the standard library; none of the
// simulator's packages.
package wiretest

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
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"
)

// Log keeps the body of the last answer to each operation the clients of a
// config made with Record received, as the simulator put it on the wire.
type Log struct {
	next   aws.HTTPClient
	mu     sync.Mutex
	bodies map[string][]byte // by operation (X-Amz-Target's suffix)
}

// Record makes cfg's clients record the answers they receive.
func Record(cfg aws.Config) (aws.Config, *Log) {
	w := &Log{next: cfg.HTTPClient, bodies: map[string][]byte{}}
	cfg.HTTPClient = w
	return cfg, w
}

// Do implements aws.HTTPClient.
func (w *Log) Do(r *http.Request) (*http.Response, error) {
	resp, err := w.next.Do(r)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	w.mu.Lock()
	w.bodies[op] = body
	w.mu.Unlock()
	return resp, nil
}

// Answer is the last answer to op, decoded.
func (w *Log) Answer(t *testing.T, op string) map[string]any {
	t.Helper()
	w.mu.Lock()
	body := w.bodies[op]
	w.mu.Unlock()
	require.NotNil(t, body, "no answer to %s was recorded", op)
	var out map[string]any
	require.NoError(t, json.Unmarshal(body, &out), "%s answered %s", op, body)
	return out
}

// Query POSTs a Query-protocol form to h, signed with the access key key for
// service in region, as any AWS client would, and returns the answer.
func Query(t *testing.T, h http.Handler, service, region, key string, form url.Values) *http.Response {
	t.Helper()
	body := form.Encode()
	r := httptest.NewRequest(http.MethodPost, "http://awssim.local/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: "x"}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, region, time.Now()))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

// Node is one XML element of an answer: its name, namespace, text and children.
type Node struct {
	Name     string
	Space    string
	Text     string
	Children []*Node
}

// Child is the first child element named name, or nil.
func (n *Node) Child(name string) *Node {
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Names are the names of n's children, in document order.
func (n *Node) Names() []string {
	var out []string
	for _, c := range n.Children {
		out = append(out, c.Name)
	}
	return out
}

// ParseXML reads an XML document into its tree of elements.
func ParseXML(t *testing.T, r io.Reader) *Node {
	t.Helper()
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*Node
	var root *Node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, string(b))
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: tok.Name.Local, Space: tok.Name.Space}
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

// InOrder reports whether want appears in got in that order, other names
// allowed between them.
func InOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
