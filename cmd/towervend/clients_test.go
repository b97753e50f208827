//go:build clients

// Real AWS clients against `towervend sim`: AWS CLI 1.x (botocore, SQS over
// JSON) and Debian 12's AWS CLI 2.9.19 (SQS over the Query protocol, as older
// SDKs and ticketing integrations speak it). `make clients` runs these, and
// `make test` runs `make clients`; a missing CLI fails here, naming the fix.
package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cli is one AWS CLI installation.
type cli struct {
	name string // for messages
	bin  string
	// major is the version the binary must report ("aws-cli/1." or "aws-cli/2.").
	major string
	fix   string
}

var (
	cliV1 = cli{name: "AWS CLI 1.x", bin: envOr("TOWERVEND_AWSCLI_V1", "aws"), major: "aws-cli/1.",
		fix: "install AWS CLI 1.x (pip install awscli), or point TOWERVEND_AWSCLI_V1 at one"}
	cliDebian = cli{name: "Debian's AWS CLI 2.9.19", bin: envOr("TOWERVEND_AWSCLI_QUERY", "/usr/bin/aws"), major: "aws-cli/2.9.",
		fix: "install Debian's package (apt-get install awscli), or point TOWERVEND_AWSCLI_QUERY at an AWS CLI 2.9.x"}
)

func envOr(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// require checks the installation is there and the version it must be.
func (c cli) require(t *testing.T) {
	t.Helper()
	out, err := exec.Command(c.bin, "--version").CombinedOutput()
	require.NoError(t, err, "%s (%s) is missing: %s\n%s", c.name, c.bin, c.fix, out)
	require.True(t, strings.HasPrefix(string(out), c.major), "%s: %s reports %q, want %s…: %s", c.name, c.bin, strings.TrimSpace(string(out)), c.major, c.fix)
}

// run runs one CLI command against the simulator and returns its stdout; a
// failing command fails the test with what the CLI printed.
func (c cli) run(t *testing.T, s simulator, args ...string) string {
	t.Helper()
	out, errOut, err := c.try(t, s, args...)
	require.NoError(t, err, "%s %s:\n%s", c.name, strings.Join(args, " "), errOut)
	return out
}

// try runs a command and returns what it printed and its error.
func (c cli) try(t *testing.T, s simulator, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, append([]string{"--endpoint-url", s.endpoint, "--output", "json"}, args...)...)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_DEFAULT_REGION="+s.region,
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// runJSON runs a command and decodes its JSON output into v.
func (c cli) runJSON(t *testing.T, s simulator, v any, args ...string) {
	t.Helper()
	out := c.run(t, s, args...)
	require.NoError(t, json.Unmarshal([]byte(out), v), "%s %s printed: %s", c.name, strings.Join(args, " "), out)
}

type cliMessage struct {
	MessageId         string
	ReceiptHandle     string
	MD5OfBody         string
	Body              string
	Attributes        map[string]string
	MessageAttributes map[string]struct {
		DataType    string
		StringValue string
	}
}

// A ticketing system speaking SQS's Query protocol creates and finds its
// queue, sends, sends a batch, receives with message attributes and long
// polling, changes visibility and deletes — and the request it puts on
// towervend's queue runs through the workflow like a JSON one.
func TestClientTicketingSystemOnTheQueryProtocol(t *testing.T) {
	c := cliDebian
	c.require(t)
	s := startSim(t)

	_, debug, err := c.try(t, s, "--debug", "sqs", "list-queues")
	require.NoError(t, err, debug)
	require.Contains(t, debug, "'Action': 'ListQueues'", "this CLI speaks the Query protocol to SQS (a form with an Action)")

	var created struct{ QueueUrl string }
	c.runJSON(t, s, &created, "sqs", "create-queue", "--queue-name", "itsm-replies", "--attributes", "VisibilityTimeout=45")
	assert.Equal(t, s.endpoint+"/111122223333/itsm-replies", created.QueueUrl, "a queue URL the client can reach")
	var found struct{ QueueUrl string }
	c.runJSON(t, s, &found, "sqs", "get-queue-url", "--queue-name", "itsm-replies")
	assert.Equal(t, created.QueueUrl, found.QueueUrl)
	q := created.QueueUrl

	var sent struct{ MessageId, MD5OfMessageBody, MD5OfMessageAttributes string }
	c.runJSON(t, s, &sent, "sqs", "send-message", "--queue-url", q, "--message-body", `{"ticket":"RITM1","note":"a & b < c"}`,
		"--message-attributes", `{"ticket":{"DataType":"String","StringValue":"RITM1"},"priority":{"DataType":"Number","StringValue":"2"}}`)
	assert.NotEmpty(t, sent.MessageId)
	assert.Len(t, sent.MD5OfMessageAttributes, 32, "the CLI checked the attributes' MD5 against ours")

	var batch struct {
		Successful []struct{ Id, MessageId string }
		Failed     []struct{ Id, Code string }
	}
	c.runJSON(t, s, &batch, "sqs", "send-message-batch", "--queue-url", q, "--entries",
		`[{"Id":"a","MessageBody":"second"},{"Id":"b","MessageBody":"third","DelaySeconds":0}]`)
	assert.Len(t, batch.Successful, 2)
	assert.Empty(t, batch.Failed)

	var got struct{ Messages []cliMessage }
	c.runJSON(t, s, &got, "sqs", "receive-message", "--queue-url", q, "--max-number-of-messages", "10",
		"--attribute-names", "All", "--message-attribute-names", "All", "--wait-time-seconds", "1")
	require.Len(t, got.Messages, 3)
	first := got.Messages[0]
	assert.Equal(t, `{"ticket":"RITM1","note":"a & b < c"}`, first.Body, "the body survives XML escaping")
	assert.Equal(t, "RITM1", first.MessageAttributes["ticket"].StringValue)
	assert.Equal(t, "Number", first.MessageAttributes["priority"].DataType)
	assert.Equal(t, "1", first.Attributes["ApproximateReceiveCount"])
	assert.NotEmpty(t, first.Attributes["SentTimestamp"])

	c.run(t, s, "sqs", "change-message-visibility", "--queue-url", q, "--receipt-handle", first.ReceiptHandle, "--visibility-timeout", "0")
	for _, m := range got.Messages[1:] {
		c.run(t, s, "sqs", "delete-message", "--queue-url", q, "--receipt-handle", m.ReceiptHandle)
	}
	var again struct{ Messages []cliMessage }
	c.runJSON(t, s, &again, "sqs", "receive-message", "--queue-url", q, "--max-number-of-messages", "10", "--wait-time-seconds", "1")
	require.Len(t, again.Messages, 1, "the message made visible again is the one left; the deleted are gone")
	assert.Equal(t, first.MessageId, again.Messages[0].MessageId)
	c.run(t, s, "sqs", "delete-message", "--queue-url", q, "--receipt-handle", again.Messages[0].ReceiptHandle)

	// Long polling: a receive waiting 10 seconds gets the message sent while it waits.
	polled := make(chan string, 1)
	go func() {
		out, errOut, err := c.try(t, s, "sqs", "receive-message", "--queue-url", q, "--wait-time-seconds", "10")
		if err != nil {
			polled <- "error: " + errOut
			return
		}
		polled <- out
	}()
	time.Sleep(1500 * time.Millisecond) // the CLI starts slowly; the poll must be waiting before the send
	c.run(t, s, "sqs", "send-message", "--queue-url", q, "--message-body", "while-you-waited")
	out := <-polled
	assert.Contains(t, out, "while-you-waited")

	// The request goes on towervend's own queue over the Query protocol and runs.
	var intake struct{ QueueUrl string }
	c.runJSON(t, s, &intake, "sqs", "get-queue-url", "--queue-name", "towervend-requests")
	body, err := os.ReadFile("../../events/requests/01-create.json")
	require.NoError(t, err)
	c.run(t, s, "sqs", "send-message", "--queue-url", intake.QueueUrl, "--message-body", string(body))
	rep := waitForStatus(t, s.endpoint, "CHG1001", "succeeded")
	assert.NotEmpty(t, rep.AccountID, "the account was vended")
}

// The reads an operator runs against SQS work with both CLIs, each in its
// own protocol.
func TestClientOperatorSQSReads(t *testing.T) {
	s := startSim(t)
	for _, c := range []cli{cliV1, cliDebian} {
		t.Run(c.name, func(t *testing.T) {
			c.require(t)
			var list struct{ QueueUrls []string }
			c.runJSON(t, s, &list, "sqs", "list-queues", "--queue-name-prefix", "towervend")
			assert.Contains(t, list.QueueUrls, s.endpoint+"/111122223333/towervend-requests")
			q := s.endpoint + "/111122223333/towervend-requests-dlq"
			assert.Contains(t, list.QueueUrls, q)

			var attrs struct{ Attributes map[string]string }
			c.runJSON(t, s, &attrs, "sqs", "get-queue-attributes", "--queue-url", q, "--attribute-names", "All")
			assert.Equal(t, "arn:aws:sqs:eu-west-1:111122223333:towervend-requests-dlq", attrs.Attributes["QueueArn"])
			assert.Contains(t, attrs.Attributes, "ApproximateNumberOfMessages")
			assert.Contains(t, attrs.Attributes, "MessageRetentionPeriod")

			var sent struct{ MessageId string }
			c.runJSON(t, s, &sent, "sqs", "send-message", "--queue-url", q, "--message-body", "probe from "+c.name)
			var got struct{ Messages []cliMessage }
			c.runJSON(t, s, &got, "sqs", "receive-message", "--queue-url", q, "--attribute-names", "All", "--wait-time-seconds", "2")
			require.Len(t, got.Messages, 1)
			assert.Equal(t, sent.MessageId, got.Messages[0].MessageId)
			assert.Equal(t, "probe from "+c.name, got.Messages[0].Body)
			c.run(t, s, "sqs", "delete-message", "--queue-url", q, "--receipt-handle", got.Messages[0].ReceiptHandle)
		})
	}
}

// The reads an operator runs while checking a deployment work with both CLIs:
// the AWSControlTowerExecution role, the deployed functions and stack, the
// landing zone. Debian's 2.9.19 predates Control Tower's landing-zone API
// (November 2023): for those commands it must be the CLI that refuses, not
// the simulator.
func TestClientOperatorDeploymentReads(t *testing.T) {
	s := startSim(t)
	for _, c := range []cli{cliV1, cliDebian} {
		t.Run(c.name, func(t *testing.T) {
			c.require(t)
			var role struct {
				Role struct{ RoleName, Arn, Path string }
			}
			c.runJSON(t, s, &role, "iam", "get-role", "--role-name", "AWSControlTowerAdmin")
			assert.Equal(t, "arn:aws:iam::111122223333:role/service-role/AWSControlTowerAdmin", role.Role.Arn)

			var fns struct {
				Functions []struct{ FunctionName, Runtime string }
			}
			c.runJSON(t, s, &fns, "lambda", "list-functions")
			names := map[string]bool{}
			for _, f := range fns.Functions {
				names[f.FunctionName] = true
			}
			assert.True(t, names["towervend-intake"], "the deployed functions: %v", names)
			var fn struct {
				Configuration struct{ FunctionName, State string }
			}
			c.runJSON(t, s, &fn, "lambda", "get-function", "--function-name", "towervend-intake")
			assert.Equal(t, "Active", fn.Configuration.State)

			var stacks struct {
				Stacks []struct {
					StackName, StackStatus string
					Outputs                []struct{ OutputKey, OutputValue string }
				}
			}
			c.runJSON(t, s, &stacks, "cloudformation", "describe-stacks", "--stack-name", "TowerVend")
			require.Len(t, stacks.Stacks, 1)
			assert.Equal(t, "CREATE_COMPLETE", stacks.Stacks[0].StackStatus)
			assert.NotEmpty(t, stacks.Stacks[0].Outputs)

			_, errOut, err := c.try(t, s, "controltower", "list-landing-zones")
			if c.major == cliDebian.major {
				require.Error(t, err)
				assert.Contains(t, errOut, "Invalid choice", "2.9.19 has no list-landing-zones: the CLI refuses before sending")
				return
			}
			require.NoError(t, err, errOut)
			var lzs struct{ LandingZones []struct{ Arn string } }
			c.runJSON(t, s, &lzs, "controltower", "list-landing-zones")
			require.Len(t, lzs.LandingZones, 1)
			var lz struct {
				LandingZone struct{ Version, Status string }
			}
			c.runJSON(t, s, &lz, "controltower", "get-landing-zone", "--landing-zone-identifier", lzs.LandingZones[0].Arn)
			assert.Equal(t, "ACTIVE", lz.LandingZone.Status)
			var baselines struct{ Baselines []struct{ Arn, Name string } }
			c.runJSON(t, s, &baselines, "controltower", "list-baselines")
			assert.NotEmpty(t, baselines.Baselines)
		})
	}
}
