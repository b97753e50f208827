package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/towervend/towervend/internal/deploy"
)

// Default resource names: the stack's and the simulator's.
var (
	defaultQueue        = deploy.RequestQueue.Name
	defaultStateMachine = deploy.StateMachineName
)

// target is where a command sends its calls: AWS, or the simulator at --endpoint.
type target struct {
	endpoint, profile, region string
	queue, stateMachine       string
}

func (t *target) register(fs *flag.FlagSet, withQueue, withStateMachine bool) {
	fs.StringVar(&t.endpoint, "endpoint", "", "talk to the simulator at this URL (from 'towervend sim') instead of AWS")
	fs.StringVar(&t.profile, "profile", "", "AWS profile (default: the standard AWS configuration)")
	fs.StringVar(&t.region, "region", "", "AWS Region: the Control Tower home Region (default: the standard AWS configuration)")
	if withQueue {
		fs.StringVar(&t.queue, "queue", defaultQueue, "the request queue's name or URL")
	}
	if withStateMachine {
		fs.StringVar(&t.stateMachine, "state-machine", defaultStateMachine, "the vending state machine's name or ARN")
	}
}

func (t *target) config(ctx context.Context) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if t.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(t.profile))
	}
	if t.region != "" {
		opts = append(opts, config.WithRegion(t.region))
	}
	if t.endpoint != "" {
		// The simulator takes any credentials; do not require an AWS profile for it.
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIATOWERVEND0000001", "simulated", "")))
		if t.region == "" {
			opts = append(opts, config.WithRegion("eu-west-1"))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("AWS configuration: %w", err)
	}
	if t.endpoint != "" {
		cfg.BaseEndpoint = aws.String(t.endpoint)
	}
	return cfg, nil
}

// queueClient is an SQS client for the target and the URL of --queue.
func (t *target) queueClient(ctx context.Context) (*sqs.Client, string, error) {
	cfg, err := t.config(ctx)
	if err != nil {
		return nil, "", err
	}
	q := sqs.NewFromConfig(cfg)
	url, err := t.queueURL(ctx, q)
	return q, url, err
}

// queueURL resolves --queue.
func (t *target) queueURL(ctx context.Context, q *sqs.Client) (string, error) {
	if len(t.queue) > 8 && (t.queue[:7] == "http://" || t.queue[:8] == "https://") {
		return t.queue, nil
	}
	out, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(t.queue)})
	if err != nil {
		return "", fmt.Errorf("find the queue %q (deploy the stack, or pass --queue): %w", t.queue, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// workflow is a Step Functions client for the target and the vending state machine's ARN.
func (t *target) workflow(ctx context.Context) (*sfn.Client, string, error) {
	cfg, err := t.config(ctx)
	if err != nil {
		return nil, "", err
	}
	c := sfn.NewFromConfig(cfg)
	arn, err := t.stateMachineArn(ctx, c)
	return c, arn, err
}

// printJSON writes v indented, as every --json output is.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// printResult writes a command's result: v as JSON with --json, otherwise
// what text writes for people.
func printResult(w io.Writer, asJSON bool, v any, text func() error) error {
	if asJSON {
		return printJSON(w, v)
	}
	return text()
}

// stateMachineArn resolves --state-machine.
func (t *target) stateMachineArn(ctx context.Context, c *sfn.Client) (string, error) {
	if len(t.stateMachine) > 4 && t.stateMachine[:4] == "arn:" {
		return t.stateMachine, nil
	}
	p := sfn.NewListStateMachinesPaginator(c, &sfn.ListStateMachinesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("find the state machine: %w", err)
		}
		for _, sm := range page.StateMachines {
			if aws.ToString(sm.Name) == t.stateMachine {
				return aws.ToString(sm.StateMachineArn), nil
			}
		}
	}
	return "", fmt.Errorf("no state machine named %q (deploy the stack, or pass --state-machine)", t.stateMachine)
}
