// Command towervend is the tool for users and operators of towervend: run the
// whole job locally on a simulated organization, submit requests, see a
// request's status, redrive failed ones, validate request files, and serve
// the simulator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

const usage = `towervend: AWS Control Tower account vending

Usage:
  towervend local    [flags]            run the whole job locally on the embedded simulated organization
  towervend submit   [flags] FILE...    put account requests on the request queue
  towervend status   [flags] REQUEST_ID the current step, history and reason of a request
  towervend redrive  [flags] REQUEST_ID... | --failed-since 24h [--dry-run]
                                        resume failed requests at the step that failed
  towervend validate [flags] FILE...    check request files against the schema and a policy, offline
  towervend lifecycle-failed [flags]    the lifecycle events towervend could not act on; --replay them
  towervend sim      [flags]            serve the simulated AWS world (with towervend deployed) on loopback
  towervend bench    [flags]            measure vending, a fault soak (--soak) or Lambda cold starts (--coldstart DIR)

Every command takes --help and --json. submit, status and redrive use the
standard AWS configuration (profile, region) and the deployed stack's
resources; with --endpoint URL they talk to 'towervend sim' instead.
`

// exitError carries the exit code a command wants.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"local":    cmdLocal,
		"submit":   cmdSubmit,
		"status":   cmdStatus,
		"redrive":  cmdRedrive,
		"validate": cmdValidate,
		"sim":      cmdSim,
		"bench":    cmdBench,

		"lifecycle-failed": cmdLifecycleFailed,
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "towervend: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := cmd(ctx, args[1:], stdout, stderr)
	var exit *exitError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		if exit.err != nil && exit.err.Error() != "" {
			fmt.Fprintln(stderr, "towervend "+args[0]+": "+exit.err.Error())
		}
		return exit.code
	}
	fmt.Fprintln(stderr, "towervend "+args[0]+": "+err.Error())
	return 1
}

// parseFiles parses a command's arguments, which must name at least one
// request file after the flags.
func parseFiles(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("name at least one request file")}
	}
	return nil
}

// newFlags makes a command's flag set with its usage text.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: towervend %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
