package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
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
	inputs, err := readRequests(fs.Args())
	if err != nil {
		return err
	}
	var out []submitted
	failed := 0
	for _, in := range inputs {
		s := submitted{File: in.Name}
		if why := in.Unsendable(); why != "" {
			// Not even --force sends it: SQS refuses an empty body.
			s.Error = "not sent: " + strings.TrimPrefix(why, in.Name+": ")
			failed++
			out = append(out, s)
			continue
		}
		b := in.Body
		_, derr := request.Decode(b)
		if derr != nil && !*force {
			s.Error = "not sent: " + derr.Error()
			failed++
			out = append(out, s)
			continue
		}
		s.RequestID = vend.MessageRequestID(string(b))
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
			if s.RequestID == "" {
				fmt.Fprintf(stdout, "%s: sent (message %s); it has no requestId towervend can file it under, so intake will reject it "+
					"(the rejection goes to the towervend bus, the message to the towervend-rejected queue)\n", s.File, s.MessageID)
				continue
			}
			// Sending says only that SQS has it: intake may still reject it
			// (a requestId used by another request, say), which status tells.
			fmt.Fprintf(stdout, "%s: request %s sent (message %s); 'towervend status %s' shows whether towervend took it or rejected it, and then how it goes\n",
				s.File, s.RequestID, s.MessageID, s.RequestID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d requests not sent", failed, len(inputs))}
	}
	return nil
}
