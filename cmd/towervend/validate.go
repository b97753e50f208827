package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/towervend/towervend/internal/awssim"
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
	fs := newFlags("validate", "validate [--policy FILE] [--world FILE|default] [--json] FILE...", stderr)
	policyFile := fs.String("policy", "", "the policy file (default: internal/policy/default.json, built in)")
	worldFile := fs.String("world", "", "check requester.by's group membership (policy.requesters) in this world file's IAM Identity Center; "+
		`"default" is the embedded Northwind Trading world (default: not checked, which needs Identity Center)`)
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
	var dir policy.Directory
	switch *worldFile {
	case "":
	case "default":
		dir = worldDirectory{awssim.DefaultWorld()}
	default:
		w, err := awssim.LoadWorld(*worldFile)
		if err != nil {
			return err
		}
		dir = worldDirectory{w}
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
				v.Problems, v.Notes = policy.CheckOfflineIn(req, pol, dir)
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

// worldDirectory answers policy.requesters from a world's IAM Identity
// Center, looking users up as the identity store does: by user name, or by
// email when the name has an @.
type worldDirectory struct{ w *awssim.World }

func (d worldDirectory) Membership(by string, groups []string) (known, member bool, absent []string) {
	ic := d.w.IdentityCenter
	userName := ""
	for _, u := range ic.Users {
		if u.UserName == by || strings.Contains(by, "@") && strings.EqualFold(u.Email, by) {
			userName, known = u.UserName, true
			break
		}
	}
	for _, name := range groups {
		found := false
		for _, g := range ic.Groups {
			if g.DisplayName != name {
				continue
			}
			found = true
			for _, m := range g.Members {
				member = member || known && m == userName
			}
		}
		if !found {
			absent = append(absent, name)
		}
	}
	return known, member, absent
}
