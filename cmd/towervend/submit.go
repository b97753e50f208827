package main

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/towervend/towervend/internal/request"
)

type submitted struct {
	File      string `json:"file"`
	RequestID string `json:"requestId,omitempty"`
	MessageID string `json:"messageId,omitempty"`
	Error     string `json:"error,omitempty"`
}

func cmdSubmit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("submit", "submit [--endpoint URL] [--queue NAME|URL] [--force] [--json] FILE...", stderr)
	var t target
	t.register(fs, true, false)
	force := fs.Bool("force", false, "send files that fail the schema check too (towervend will reject them and say why)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFiles(fs, args); err != nil {
		return err
	}
	q, url, err := t.queueClient(ctx)
	if err != nil {
		return err
	}
	bodies, err := readRequests(fs.Args())
	if err != nil {
		return err
	}
	var out []submitted
	failed := 0
	for i, b := range bodies {
		s := submitted{File: fs.Arg(min(i, fs.NArg()-1))}
		req, derr := request.Decode(b)
		if derr != nil && !*force {
			s.Error = "not sent: " + derr.Error()
			failed++
			out = append(out, s)
			continue
		}
		if req != nil {
			s.RequestID = req.RequestID
		}
		res, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(string(b))})
		if err != nil {
			s.Error = err.Error()
			failed++
		} else {
			s.MessageID = aws.ToString(res.MessageId)
		}
		out = append(out, s)
	}
	err = printResult(stdout, *asJSON, out, func() error {
		for _, s := range out {
			if s.Error != "" {
				fmt.Fprintf(stdout, "%s: %s\n", s.File, s.Error)
				continue
			}
			fmt.Fprintf(stdout, "%s: request %s sent (message %s); follow it with 'towervend status %s'\n", s.File, s.RequestID, s.MessageID, s.RequestID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d requests not sent", failed, len(bodies))}
	}
	return nil
}
