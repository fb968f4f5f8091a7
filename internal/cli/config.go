package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/client"
)

func configCommands() []*command {
	return []*command{{
		Name: "config", Aliases: []string{"config:list"}, Topic: "config", App: true,
		Summary: "show an app's config vars", Example: "bera config -a my-app --shell",
		Flags: []Flag{{Name: "json", Usage: "print a JSON object"},
			{Name: "shell", Short: "s", Usage: "print KEY=value lines for a shell or .env file"}},
		Run: runConfig,
	}, {
		Name: "config:get", Topic: "config", App: true, Args: "KEY", MinArgs: 1, MaxArgs: 1,
		Summary: "print one config var's value", Example: "bera config:get DATABASE_URL -a my-app",
		Flags: []Flag{{Name: "shell", Short: "s", Usage: "print KEY=value"}},
		Run:   runConfigGet,
	}, {
		Name: "config:set", Aliases: []string{"config:add"}, Topic: "config", App: true,
		Args: "KEY=VALUE...", MinArgs: 1, MaxArgs: -1,
		Summary:     "set config vars and restart the app",
		Description: "Set one or more config vars. This makes a new release and restarts the app's dynos. A value may contain '='; quote it for your shell.",
		Example:     "bera config:set RAILS_ENV=production 'GREETING=hello world' -a my-app",
		Run:         runConfigSet,
	}, {
		Name: "config:unset", Aliases: []string{"config:remove"}, Topic: "config", App: true,
		Args: "KEY...", MinArgs: 1, MaxArgs: -1,
		Summary: "remove config vars and restart the app", Example: "bera config:unset RAILS_ENV -a my-app",
		Run: runConfigUnset,
	}}
}

func runConfig(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	vars, err := c.ConfigVars(s.ctx, app)
	if err != nil {
		return err
	}
	switch {
	case s.opts.Bool("json"):
		return printJSON(s.stdout, vars)
	case s.opts.Bool("shell"):
		for _, k := range sortedKeys(vars) {
			fmt.Fprintf(s.stdout, "%s=%s\n", k, shellQuote(vars[k]))
		}
		return nil
	}
	header(s.stdout, app+" Config Vars")
	fmt.Fprintln(s.stdout)
	printVars(s, vars, sortedKeys(vars))
	return nil
}

// printVars prints "KEY: value" lines for keys, aligned.
func printVars(s *session, vars map[string]string, keys []string) {
	pairs := make([]kv, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, kv{k, vars[k]})
	}
	printObject(s.stdout, pairs)
}

func runConfigGet(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	vars, err := c.ConfigVars(s.ctx, app)
	if err != nil {
		return err
	}
	k := s.args[0]
	if s.opts.Bool("shell") {
		fmt.Fprintf(s.stdout, "%s=%s\n", k, shellQuote(vars[k]))
	} else {
		fmt.Fprintln(s.stdout, vars[k])
	}
	return nil
}

func runConfigSet(s *session) error {
	changes, keys, err := parseConfigPairs(s.args)
	if err != nil {
		return err
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	vars, err := c.UpdateConfigVars(s.ctx, app, changes)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Setting %s and restarting %s... done%s\n", strings.Join(keys, ", "), app, s.latestVersion(c, app))
	printVars(s, vars, keys)
	return nil
}

func runConfigUnset(s *session) error {
	changes := map[string]*string{}
	for _, k := range s.args {
		if err := bera.ValidateConfigKey(k); err != nil {
			return usagef("%q is not a valid config var name", k)
		}
		changes[k] = nil
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	if _, err := c.UpdateConfigVars(s.ctx, app, changes); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Unsetting %s and restarting %s... done%s\n", strings.Join(s.args, ", "), app, s.latestVersion(c, app))
	return nil
}

// latestVersion is ", vN" for the app's newest release, "" when it cannot be read.
func (s *session) latestVersion(c *client.Client, app string) string {
	rs, err := c.Releases(s.ctx, app, 1)
	if err != nil || len(rs) == 0 {
		return ""
	}
	return fmt.Sprintf(", v%d", rs[0].Version)
}

// parseConfigPairs parses KEY=VALUE arguments (the value may contain '=' or be empty) into
// changes for the API, and the keys in the order given (each once).
func parseConfigPairs(args []string) (map[string]*string, []string, error) {
	changes := map[string]*string{}
	var keys []string
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, nil, usagef("%q is invalid. Must be in the format KEY=VALUE", a)
		}
		if err := bera.ValidateConfigKey(k); err != nil {
			return nil, nil, usagef("%q is not a valid config var name", k)
		}
		if _, seen := changes[k]; !seen {
			keys = append(keys, k)
		}
		changes[k] = &v
	}
	return changes, keys, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// shellQuote quotes v for a POSIX shell when it holds anything but safe characters.
func shellQuote(v string) string {
	safe := v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@%+,=", r))
	}) < 0
	if safe {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// clientApp returns the API client and the selected app.
func (s *session) clientApp() (*client.Client, string, error) {
	app, err := s.app()
	if err != nil {
		return nil, "", err
	}
	c, err := s.client()
	return c, app, err
}
