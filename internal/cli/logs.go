package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"golang.org/x/term"

	"github.com/kingvon-ke/bera/internal/wire"
)

func logsCommands() []*command {
	return []*command{{
		Name: "logs", Topic: "logs", App: true,
		Summary: "show an app's recent log lines, or follow them with --tail",
		Description: "Shows the merged log stream of an app: its dynos' output (app[web.1]), platform events " +
			"(heroku[web.1], heroku[router]) and API actions (app[api]). Config var values never appear.",
		Example: "bera logs --tail -d web.1 -a my-app",
		Flags: []Flag{
			{Name: "num", Short: "n", Arg: "N", Usage: "number of lines to show first (default 100, at most 1500)"},
			{Name: "tail", Short: "t", Usage: "keep following new lines"},
			{Name: "source", Short: "s", Arg: "SOURCE", Usage: "only lines from app or heroku"},
			{Name: "dyno", Short: "d", Arg: "DYNO", Usage: "only lines of a dyno (web.1, router, api) or a process type (web)"},
		},
		Run: runLogs,
	}}
}

func runLogs(s *session) error {
	n, err := s.opts.Int("num", 100)
	if err != nil || n < 1 || n > 1500 {
		return usagef("-n wants a number from 1 to 1500")
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	sess, err := c.CreateLogSession(s.ctx, app, wire.LogSessionCreate{Lines: &n, Tail: s.opts.Bool("tail"),
		Source: s.opts.String("source"), Dyno: s.opts.String("dyno")})
	if err != nil {
		return err
	}
	body, err := c.OpenLogs(s.ctx, sess.LogplexURL)
	if err != nil {
		return err
	}
	defer body.Close()
	color := isTerminal(s.stdout) && s.getenv("NO_COLOR") == ""
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if color {
			line = colorLogLine(line)
		}
		fmt.Fprintln(s.stdout, line)
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) && s.ctx.Err() == nil {
		return fmt.Errorf("log stream ended: %w", err)
	}
	return nil
}

// logLineRE splits "TIME SOURCE[DYNO]: MESSAGE" as the Heroku CLI does.
var logLineRE = regexp.MustCompile(`^(\S+) ([\w-]+)\[([\w.-]+)\]:(.*)$`)

// colorLogLine colors the source by kind: app lines, the router and other platform lines.
func colorLogLine(line string) string {
	m := logLineRE.FindStringSubmatch(line)
	if m == nil {
		return line
	}
	code := "36" // app: cyan
	switch {
	case m[3] == "router":
		code = "34"
	case m[2] == "heroku":
		code = "35"
	case m[3] == "api":
		code = "32"
	}
	return "\x1b[2m" + m[1] + "\x1b[0m \x1b[" + code + "m" + m[2] + "[" + m[3] + "]:\x1b[0m" + m[4]
}

// isTerminal reports whether w is a terminal (for colors).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
