package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

func runCommands() []*command {
	flags := []Flag{
		{Name: "size", Short: "s", Arg: "SIZE", Usage: "dyno size (eco, basic, standard-1X, standard-2X, performance-M, performance-L)"},
		{Name: "env", Short: "e", Arg: "K=V;K2=V2", Usage: "extra environment variables, separated by semicolons"},
		{Name: "type", Arg: "TYPE", Usage: "process type of the dyno (default run)"},
	}
	return []*command{{
		Name: "run", Topic: "ps", App: true, Args: "COMMAND...", MinArgs: 1, MaxArgs: -1,
		Summary: "run a one-off dyno attached to your terminal; its exit status is bera's",
		Description: "Runs COMMAND in a new one-off dyno (run.N) with the app's current release and config vars. " +
			"Your input goes to the command and its output comes back; with a terminal it gets a TTY " +
			"(so `bera run bash` gives a shell). bera exits with the command's exit status. " +
			"Put -- before a command that has flags of its own. With --detached it runs in the background " +
			"and its output goes to the app's logs.",
		Example: "bera run -a my-app -- python manage.py migrate",
		Flags: append([]Flag{{Name: "detached", Short: "d", Usage: "run in the background; see the output with bera logs"},
			{Name: "no-tty", Usage: "do not give the command a TTY"}}, flags...),
		Run: runRun,
	}, {
		Name: "run:detached", Topic: "ps", App: true, Args: "COMMAND...", MinArgs: 1, MaxArgs: -1,
		Summary: "run a one-off dyno in the background; its output goes to the app's logs",
		Example: "bera run:detached -a my-app -- python worker.py --once",
		Flags:   flags,
		Run:     runDetached,
	}}
}

// exitStatus is the exit status of an attached command; Run exits with it.
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("the command exited with status %d", int(e)) }

// CommandExitStatus is the status bera exits with (see Run).
func (e exitStatus) CommandExitStatus() int { return int(e) }

// dynoRequest builds the POST /apps/{app}/dynos body from the command line. An attached
// dyno gets a TTY only when tty, the local terminal, is not nil; it then gets the
// terminal's TERM and size too.
func (s *session) dynoRequest(attach bool, tty *os.File) (wire.DynoCreate, error) {
	env, err := parseRunEnv(s.opts.String("env"))
	if err != nil {
		return wire.DynoCreate{}, err
	}
	req := wire.DynoCreate{Attach: attach, Command: joinCommand(s.args), Size: s.opts.String("size"), Type: s.opts.String("type")}
	if attach && tty == nil {
		req.ForceNoTTY = new(true)
	}
	if tty != nil {
		env = termEnv(env, tty, s.getenv("TERM"))
	}
	req.Env = wire.EnvStrings(env)
	return req, nil
}

func runDetached(s *session) error {
	req, err := s.dynoRequest(false, nil)
	if err != nil {
		return err
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	d, err := c.CreateDyno(s.ctx, app, req)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Running `%s` on %s... up, %s (%s)\n", req.Command, app, d.Name, d.Size)
	fmt.Fprintf(s.stdout, "Run bera logs -a %s -d %s to view the output.\n", app, d.Name)
	return nil
}

func runRun(s *session) error {
	if s.opts.Bool("detached") {
		return runDetached(s)
	}
	in, tty := s.stdin.(*os.File)
	tty = tty && !s.opts.Bool("no-tty") && term.IsTerminal(int(in.Fd()))
	var ttyFile *os.File
	if tty {
		ttyFile = in
	}
	req, err := s.dynoRequest(true, ttyFile)
	if err != nil {
		return err
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	d, err := c.CreateDyno(s.ctx, app, req)
	if err != nil {
		return err
	}
	a, err := c.Attach(s.ctx, app, d)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stderr, "Running `%s` on %s... up, %s (%s)\n", req.Command, app, d.Name, d.Size)
	if tty {
		restore, err := rawTerminal(s.ctx, in, a)
		if err != nil {
			return err
		}
		defer restore()
	}
	status, err := a.Run(s.ctx, s.stdin, s.stdout, s.stderr)
	if err != nil {
		return err
	}
	if status != 0 {
		return exitStatus(status)
	}
	return nil
}

// rawTerminal puts the terminal in raw mode and forwards its size changes until restore.
func rawTerminal(ctx context.Context, in *os.File, a *client.Attachment) (restore func(), err error) {
	fd := int(in.Fd())
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("raw terminal: %w", err)
	}
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	done := make(chan struct{})
	stopped := make(chan struct{})
	winch <- syscall.SIGWINCH // send the first size at once
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-winch:
				if cols, rows, err := term.GetSize(fd); err == nil {
					a.Resize(ctx, uint16(rows), uint16(cols))
				}
			}
		}
	}()
	return func() {
		signal.Stop(winch)
		close(done)
		<-stopped
		term.Restore(fd, old)
	}, nil
}

// termEnv adds TERM, COLUMNS and LINES of the local terminal, as the Heroku CLI does.
func termEnv(env map[string]string, in *os.File, termName string) map[string]string {
	if env == nil {
		env = map[string]string{}
	}
	if termName == "" {
		termName = "xterm"
	}
	env["TERM"] = termName
	if cols, rows, err := term.GetSize(int(in.Fd())); err == nil {
		env["COLUMNS"], env["LINES"] = fmt.Sprint(cols), fmt.Sprint(rows)
	}
	return env
}

// parseRunEnv parses --env "K=V;K2=V2".
func parseRunEnv(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	env := map[string]string{}
	for _, kv := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return nil, usagef("--env wants KEY=VALUE pairs separated by semicolons, got %q", kv)
		}
		env[k] = v
	}
	return env, nil
}

// shellSafe matches words that need no quoting for /bin/sh.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// joinCommand turns the arguments into one shell command: a single argument is used as it
// is (so pipes in it work); several are quoted where the shell would split or expand them.
func joinCommand(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	out := make([]string, len(args))
	for i, a := range args {
		if shellSafe.MatchString(a) {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
