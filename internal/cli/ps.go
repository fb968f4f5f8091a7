package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

func psCommands() []*command {
	return []*command{{
		Name: "ps", Aliases: []string{"ps:list"}, Topic: "ps", App: true, Args: "[TYPE...]", MaxArgs: -1,
		Summary: "list an app's dynos", Example: "bera ps -a my-app",
		Flags: []Flag{jsonFlag}, Run: runPs,
	}, {
		Name: "ps:scale", Aliases: []string{"scale"}, Topic: "ps", App: true,
		Args: "[TYPE=N[:SIZE]|TYPE+N|TYPE-N...]", MaxArgs: -1,
		Summary: "scale process types up or down, or show the formation",
		Description: "Set how many dynos of each process type run, and optionally their size. " +
			"TYPE=N sets the count, TYPE+N and TYPE-N change it. Without arguments, show the current formation.",
		Example: "bera ps:scale web=2 worker+1 web=1:standard-2X -a my-app",
		Run:     runPsScale,
	}, {
		Name: "ps:restart", Aliases: []string{"restart"}, Topic: "ps", App: true, Args: "[TYPE|DYNO]", MaxArgs: 1,
		Summary: "restart all dynos, a process type or one dyno (new ones start before the old ones stop)",
		Example: "bera ps:restart web -a my-app",
		Run:     runPsRestart,
	}, {
		Name: "ps:stop", Aliases: []string{"stop"}, Topic: "ps", App: true, Args: "DYNO|TYPE", MinArgs: 1, MaxArgs: 1,
		Summary: "stop a one-off dyno, or cycle formation dynos (scale to 0 to keep a type stopped)",
		Example: "bera ps:stop run.4242 -a my-app",
		Run:     runPsStop,
	}, {
		Name: "ps:boot-timeout", Topic: "ps", App: true, Args: "[SECONDS]", MaxArgs: 1,
		Summary: "show or set how long web dynos have to bind $PORT before R10 (1–180 s; 0 restores 60)",
		Example: "bera ps:boot-timeout 120 -a my-app",
		Run:     runPsBootTimeout,
	}, {
		Name: "ps:type", Aliases: []string{"ps:resize", "dyno:type"}, Topic: "ps", App: true, Args: "[TYPE=SIZE...]", MaxArgs: -1,
		Summary: "set the dyno size of process types, or show them",
		Description: "Sizes: eco, basic, standard-1X (512 MB), standard-2X (1 GB), performance-M (2.5 GB), performance-L (14 GB). " +
			"The size sets the dyno's memory, CPU share and process limits.",
		Example: "bera ps:type web=standard-2X -a my-app",
		Run:     runPsType,
	}}
}

func runPsRestart(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	target := ""
	if len(s.args) == 1 {
		target = s.args[0]
	}
	if err := c.RestartDynos(s.ctx, app, target); err != nil {
		return err
	}
	what := "all dynos"
	if target != "" {
		what = target + " dynos"
		if strings.Contains(target, ".") {
			what = target
		}
	}
	fmt.Fprintf(s.stdout, "Restarting %s on %s... done\n", what, app)
	return nil
}

func runPsType(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	if len(s.args) == 0 {
		return showFormation(s, c, app)
	}
	var updates []wire.FormationUpdate
	for _, a := range s.args {
		typ, size, ok := strings.Cut(a, "=")
		if !ok || typ == "" || size == "" {
			return usagef("%q is not TYPE=SIZE, such as web=standard-2X", a)
		}
		updates = append(updates, wire.FormationUpdate{Type: typ, Size: &size})
	}
	fs, err := c.UpdateFormation(s.ctx, app, updates)
	if err != nil {
		return err
	}
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s=%d:%s", f.Type, f.Quantity, f.Size))
	}
	fmt.Fprintf(s.stdout, "Scaling dynos on %s... done\n%s\n", app, strings.Join(parts, " "))
	return nil
}

func runPs(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	dynos, err := c.Dynos(s.ctx, app)
	if err != nil {
		return err
	}
	dynos = filterDynos(dynos, s.args)
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(dynos))
	}
	if len(dynos) == 0 {
		fmt.Fprintf(s.stdout, "No dynos on %s\n", app)
		return nil
	}
	printDynos(s, dynos)
	return nil
}

// filterDynos keeps the dynos of the given types (all when types is empty).
func filterDynos(dynos []wire.Dyno, types []string) []wire.Dyno {
	if len(types) == 0 {
		return dynos
	}
	var out []wire.Dyno
	for _, d := range dynos {
		for _, t := range types {
			if d.Type == t {
				out = append(out, d)
			}
		}
	}
	return out
}

// printDynos groups dynos by type and command, like the Heroku CLI's ps.
func printDynos(s *session, dynos []wire.Dyno) {
	var groups []string
	byGroup := map[string][]wire.Dyno{}
	for _, d := range dynos {
		g := fmt.Sprintf("=== %s (%s): %s", d.Type, d.Size, d.Command)
		if d.Type == "run" {
			g = "=== run: one-off processes"
		}
		if byGroup[g] == nil {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], d)
	}
	for i, g := range groups {
		if i > 0 {
			fmt.Fprintln(s.stdout)
		}
		fmt.Fprintf(s.stdout, "%s (%d)\n", g, len(byGroup[g]))
		for _, d := range byGroup[g] {
			fmt.Fprintf(s.stdout, "%s: %s %s\n", d.Name, d.State, humanTime(d.UpdatedAt, s.now()))
		}
	}
}

func runPsScale(s *session) error {
	updates, err := parseScaleArgs(s.args)
	if err != nil {
		return err
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	if len(updates) == 0 {
		return showFormation(s, c, app)
	}
	fs, err := c.UpdateFormation(s.ctx, app, updates)
	if err != nil {
		return err
	}
	changed := map[string]bool{}
	for _, u := range updates {
		changed[u.Type] = true
	}
	var parts []string
	for _, f := range fs {
		if changed[f.Type] {
			parts = append(parts, fmt.Sprintf("%s at %d:%s", f.Type, f.Quantity, f.Size))
		}
	}
	fmt.Fprintf(s.stdout, "Scaling dynos... done, now running %s\n", strings.Join(parts, ", "))
	return nil
}

// showFormation prints "web=1:standard-1X worker=0:standard-1X".
func showFormation(s *session, c *client.Client, app string) error {
	fs, err := c.Formation(s.ctx, app)
	if err != nil {
		return err
	}
	if len(fs) == 0 {
		return usagef("%s has no process types yet. Deploy code with a Procfile first", app)
	}
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("%s=%d:%s", f.Type, f.Quantity, f.Size))
	}
	fmt.Fprintln(s.stdout, strings.Join(parts, " "))
	return nil
}

var scaleRE = regexp.MustCompile(`^([A-Za-z0-9_-]+)(=|\+|-)(\d+)(?::([A-Za-z0-9_-]+))?$`)

// parseScaleArgs parses ps:scale arguments (web=2, worker+1, web-1, web=1:standard-2X) into
// formation updates with string quantities: "2", "+1", "-1".
func parseScaleArgs(args []string) ([]wire.FormationUpdate, error) {
	updates := make([]wire.FormationUpdate, 0, len(args))
	for _, a := range args {
		m := scaleRE.FindStringSubmatch(a)
		if m == nil {
			return nil, usagef("%q is not a scale argument: use TYPE=N, TYPE+N or TYPE-N, optionally followed by :SIZE", a)
		}
		q := m[3]
		if m[2] != "=" {
			q = m[2] + q
		}
		u := wire.FormationUpdate{Type: m[1], Quantity: new(wire.Quantity(q))}
		if m[4] != "" {
			u.Size = &m[4]
		}
		updates = append(updates, u)
	}
	return updates, nil
}

func runPsStop(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	if err := c.StopDynos(s.ctx, app, s.args[0]); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Stopping %s on %s... done\n", s.args[0], app)
	return nil
}

func runPsBootTimeout(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	var a *wire.App
	if len(s.args) == 0 {
		a, err = c.App(s.ctx, app)
	} else {
		secs, perr := strconv.Atoi(s.args[0])
		if perr != nil {
			return usagef("%q is not a number of seconds", s.args[0])
		}
		a, err = c.UpdateApp(s.ctx, app, wire.AppUpdate{BootTimeout: &secs})
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Web dynos of %s have %d seconds to bind $PORT.\n", app, a.BootTimeout)
	return nil
}
