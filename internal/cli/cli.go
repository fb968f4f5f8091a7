// Package cli implements the bera command-line client: Heroku-CLI-style topics and commands
// (apps, config, releases, ps, access, …) that drive a Bera server through internal/client.
// cmd/bera calls Run for every command except `server` and `admin`.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kingvon-ke/bera/internal/client"
)

// Exit codes of Run.
const (
	ExitOK    = 0
	ExitLocal = 1 // usage mistakes and local failures
	ExitAPI   = 2 // the API answered with an error
)

// Run runs one CLI command. args are the command line without the program name
// (os.Args[1:]); the result is the process exit code. Every error is printed as exactly one
// line on stderr.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	s := &session{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	err := s.run(args)
	if err == nil {
		return ExitOK
	}
	// A command that reports an exit status (bera run) exits with it, silently.
	var status interface{ CommandExitStatus() int }
	if errors.As(err, &status) {
		return status.CommandExitStatus()
	}
	fmt.Fprintln(stderr, "bera: "+oneLine(err.Error()))
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		return ExitAPI
	}
	return ExitLocal
}

// session is the state of one Run: its I/O, its environment and the parsed command line.
type session struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time

	cmd  *command
	args []string // positional arguments
	opts *options

	api *client.Client // created on first use
}

// run dispatches args to a command, or to help.
func (s *session) run(args []string) error {
	if len(args) == 0 {
		return s.help(nil)
	}
	name := args[0]
	if name == "help" || name == "--help" || name == "-h" {
		return s.help(args[1:])
	}
	cmd := lookup(name)
	if cmd == nil {
		if t := lookupTopic(name); t != nil {
			return s.help([]string{name})
		}
		return usagef("%q is not a bera command. Run \"bera help\" for the list.", name)
	}
	return s.runCommand(cmd, args[1:])
}

// runCommand parses argv for cmd and runs it.
func (s *session) runCommand(cmd *command, argv []string) error {
	opts, pos, err := parseFlags(cmd.allFlags(), argv)
	if err != nil {
		return usagef("%v. See \"bera %s --help\".", err, cmd.Name)
	}
	if opts.Bool("help") {
		s.commandHelp(cmd)
		return nil
	}
	if len(pos) < cmd.MinArgs || (cmd.MaxArgs >= 0 && len(pos) > cmd.MaxArgs) {
		return usagef("usage: bera %s. See \"bera %s --help\".", cmd.usageLine(), cmd.Name)
	}
	s.cmd, s.args, s.opts = cmd, pos, opts
	return cmd.Run(s)
}

// usageError is a mistake on the command line (exit 1).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// oneLine folds s onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
