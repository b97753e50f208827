package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A ticketing integration that speaks SQS's Query protocol (a signed form
// POSTed to the queue URL, as older SDKs send it) puts a request on
// towervend's queue, and it runs through the workflow like one sent over JSON.
func TestARequestSentOverTheQueryProtocolRuns(t *testing.T) {
	ctx := context.Background()
	ep := startSim(t).endpoint

	body, err := os.ReadFile("../../events/requests/01-create.json")
	require.NoError(t, err)
	form := url.Values{"Action": {"SendMessage"}, "Version": {"2012-11-05"}, "MessageBody": {string(body)},
		"MessageAttribute.1.Name": {"ticket"}, "MessageAttribute.1.Value.DataType": {"String"},
		"MessageAttribute.1.Value.StringValue": {"RITM0012345"}}.Encode()
	req, err := http.NewRequest(http.MethodPost, ep+"/111122223333/towervend-requests", strings.NewReader(form))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(form))
	require.NoError(t, v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "ticketing", SecretAccessKey: "x"}, req,
		hex.EncodeToString(sum[:]), "sqs", "eu-west-1", time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	answer, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(answer))
	assert.Contains(t, string(answer), `<SendMessageResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/">`)
	assert.Contains(t, string(answer), "<MessageId>")

	rep := waitForStatus(t, ep, "CHG1001", "succeeded")
	assert.NotEmpty(t, rep.AccountID, "the account was vended")
}
