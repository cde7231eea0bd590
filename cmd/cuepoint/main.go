// Command cuepoint is the one binary of the Cuepoint edge: a subcommand per service (bidder,
// adserver, ssai, origin, recs, featurestore, sink, dashboard), the whole edge in one process
// (dev), the embedded dependency stack (stack), schema migrations (migrate), and tools
// (loadtest, package, train, version).
//
// Each subcommand lives in its own file, cmd_<name>.go, and registers itself in init:
//
//	func init() {
//		register(command{
//			name:    "version",
//			summary: "Print the version and exit.",
//			run:     runVersion,
//		})
//	}
//
// run parses its own flags with internal/config; a *config.UsageError exits with code 2,
// any other error with code 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/cuepoint/cuepoint/internal/config"
)

type command struct {
	name    string
	summary string
	// run receives the arguments after the subcommand name. ctx is cancelled on SIGINT/SIGTERM.
	run func(ctx context.Context, args []string) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("cuepoint: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// exitError carries a specific exit code (e.g. loadtest's SLO violation) without a usage error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				_ = c.run(context.Background(), []string{"--help"})
				return 0
			}
		}
		usage()
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "cuepoint: unknown command %q\n\n", args[0])
		usage()
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := c.run(ctx, args[1:])
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case config.IsUsage(err):
		if errors.Is(err, config.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "cuepoint %s: %v\n", c.name, err)
		return 2
	case errors.As(err, &ee):
		fmt.Fprintf(os.Stderr, "cuepoint %s: %v\n", c.name, err)
		return ee.code
	default:
		fmt.Fprintf(os.Stderr, "cuepoint %s: %v\n", c.name, err)
		return 1
	}
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "cuepoint: a real-time ad tech and personalization edge.\n\nUsage: cuepoint <command> [flags]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-13s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nEvery flag can also be set with a CUEPOINT_* environment variable or a YAML file (--config).\nRun 'cuepoint <command> --help' for a command's flags.")
}
