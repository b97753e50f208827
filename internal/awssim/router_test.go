package awssim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/controltower"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// signedCall sends one request signed for service, as any AWS client would,
// and returns the answer.
func signedCall(t *testing.T, s *Sim, service, method, path, contentType, target, body string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, "http://awssim.local"+path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: DefaultWorld().Principals[0].AccessKeyID, SecretAccessKey: "x"}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), service, s.Region(), time.Now()))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Result()
}

type queryError struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Namespace string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

func readQueryError(t *testing.T, resp *http.Response) queryError {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var e queryError
	require.NoError(t, xml.Unmarshal(b, &e), string(b))
	return e
}

func TestAServiceTheSimulatorDoesNotServeIsAnsweredInItsOwnProtocol(t *testing.T) {
	s, _ := newTestSim(t, nil)

	t.Run("JSON protocol", func(t *testing.T) {
		resp := signedCall(t, s, "logs", http.MethodPost, "/", "application/x-amz-json-1.1", "Logs_20140328.DescribeLogGroups", "{}")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Equal(t, "application/x-amz-json-1.1", resp.Header.Get("Content-Type"))
		var e map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
		assert.Equal(t, "UnknownOperationException", e["__type"])
		assert.Contains(t, e["message"], "logs")
		assert.Contains(t, e["message"], "DescribeLogGroups")
	})
	t.Run("Query protocol", func(t *testing.T) {
		resp := signedCall(t, s, "sns", http.MethodPost, "/", "application/x-www-form-urlencoded", "", "Action=ListTopics&Version=2010-03-31")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Equal(t, "text/xml", resp.Header.Get("Content-Type"))
		e := readQueryError(t, resp)
		assert.Equal(t, "http://sns.amazonaws.com/doc/2010-03-31/", e.Namespace)
		assert.Equal(t, "Sender", e.Type)
		assert.Equal(t, "InvalidAction", e.Code)
		assert.Contains(t, e.Message, "sns")
		assert.Contains(t, e.Message, "ListTopics")
		assert.NotEmpty(t, e.RequestID)
		assert.Equal(t, e.RequestID, resp.Header.Get("X-Amzn-Requestid"))
	})
	t.Run("REST protocol", func(t *testing.T) {
		resp := signedCall(t, s, "apigateway", http.MethodGet, "/restapis", "", "", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		assert.Equal(t, "UnknownOperationException", resp.Header.Get("X-Amzn-Errortype"))
		var e map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
		assert.Contains(t, e["message"], "apigateway")
		assert.Contains(t, e["message"], "/restapis")
		assert.NotEmpty(t, resp.Header.Get("X-Amzn-Requestid"))
	})
}

func TestAnOperationAServedServiceLacksIsAnsweredInItsProtocol(t *testing.T) {
	s, _ := newTestSim(t, nil)

	t.Run("STS, Query", func(t *testing.T) {
		resp := signedCall(t, s, "sts", http.MethodPost, "/", "application/x-www-form-urlencoded", "", "Action=GetSessionToken&Version=2011-06-15")
		e := readQueryError(t, resp)
		assert.Equal(t, "https://sts.amazonaws.com/doc/2011-06-15/", e.Namespace)
		assert.Equal(t, "InvalidAction", e.Code)
		assert.Contains(t, e.Message, "sts")
		assert.Contains(t, e.Message, "GetSessionToken")
	})
	t.Run("Control Tower, REST JSON, through the SDK", func(t *testing.T) {
		_, err := controltower.NewFromConfig(withRetries(s.Config(), 1)).ListLandingZoneOperations(context.Background(), &controltower.ListLandingZoneOperationsInput{})
		var api smithy.APIError
		require.True(t, errors.As(err, &api), "%v", err)
		assert.Equal(t, "UnknownOperationException", api.ErrorCode(), "the SDK reads the error as the service's own")
		assert.Contains(t, api.ErrorMessage(), "controltower")
	})
}

func TestEverySTSAnswerCarriesItsRequestID(t *testing.T) {
	s, _ := newTestSim(t, nil)
	resp := signedCall(t, s, "sts", http.MethodPost, "/", "application/x-www-form-urlencoded", "", "Action=GetCallerIdentity&Version=2011-06-15")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	id := resp.Header.Get("X-Amzn-Requestid")
	require.NotEmpty(t, id)
	assert.Contains(t, string(b), "<RequestId>"+id+"</RequestId>", "the header and the document name the same request")
}
