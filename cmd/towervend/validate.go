package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/towervend/towervend/internal/policy"
	"github.com/towervend/towervend/internal/request"
	"github.com/towervend/towervend/internal/vend"
)

type validation struct {
	File      string            `json:"file"`
	RequestID string            `json:"requestId,omitempty"`
	Valid     bool              `json:"valid"`
	Problems  []request.Problem `json:"problems,omitempty"`
	Notes     []string          `json:"notes,omitempty"`
}

func cmdValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", "validate [--policy FILE] [--json] FILE...", stderr)
	policyFile := fs.String("policy", "", "the policy file (default: internal/policy/default.json, built in)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := parseFiles(fs, args); err != nil {
		return err
	}
	var pol *policy.Policy
	var err error
	if *policyFile != "" {
		pol, err = vend.LoadPolicy(*policyFile)
	} else {
		pol, err = policy.Parse(policy.Default())
	}
	if err != nil {
		return err
	}
	var out []validation
	invalid := 0
	for _, f := range fs.Args() {
		v := validation{File: f}
		b, err := os.ReadFile(f)
		if err != nil {
			v.Problems = []request.Problem{{Field: "request", Message: err.Error(), Fix: "name a readable file"}}
		} else {
			req, derr := request.Decode(b)
			var probs *request.Problems
			switch {
			case errors.As(derr, &probs):
				v.Problems = probs.List
			case derr != nil:
				v.Problems = []request.Problem{{Field: "request", Message: derr.Error()}}
			default:
				v.RequestID = req.RequestID
				v.Problems, v.Notes = policy.CheckOffline(req, pol)
			}
		}
		v.Valid = len(v.Problems) == 0
		if !v.Valid {
			invalid++
		}
		out = append(out, v)
	}
	err = printResult(stdout, *asJSON, out, func() error {
		for _, v := range out {
			if v.Valid {
				fmt.Fprintf(stdout, "%s: ok (request %s)\n", v.File, v.RequestID)
			} else {
				fmt.Fprintf(stdout, "%s: %d problem(s)\n", v.File, len(v.Problems))
				for _, p := range v.Problems {
					fmt.Fprintf(stdout, "  %s\n", p.String())
				}
			}
			for _, n := range v.Notes {
				fmt.Fprintf(stdout, "  note: %s\n", n)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if invalid > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d files have problems", invalid, len(out))}
	}
	return nil
}
