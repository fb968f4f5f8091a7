package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

func releasesCommands() []*command {
	return []*command{{
		Name: "releases", Aliases: []string{"releases:list"}, Topic: "releases", App: true,
		Summary: "list an app's releases, newest first", Example: "bera releases -n 5 -a my-app",
		Flags: []Flag{{Name: "num", Short: "n", Arg: "N", Usage: "how many releases to show (default 15)"}, jsonFlag},
		Run:   runReleases,
	}, {
		Name: "releases:info", Topic: "releases", App: true, Args: "[vN]", MaxArgs: 1,
		Summary: "show one release (the newest by default) and its config vars",
		Example: "bera releases:info v3 -a my-app",
		Flags:   []Flag{jsonFlag, {Name: "shell", Short: "s", Usage: "print config vars as KEY=value"}},
		Run:     runReleasesInfo,
	}, {
		Name: "releases:rollback", Aliases: []string{"rollback"}, Topic: "releases", App: true, Args: "[vN]", MaxArgs: 1,
		Summary: "roll back to an earlier release (the one before the current by default): a new release with its code and config, no build",
		Example: "bera releases:rollback v3 -a my-app",
		Run:     runReleasesRollback,
	}}
}

func runReleasesRollback(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	target := ""
	if len(s.args) == 1 {
		v, err := parseVersion(s.args[0])
		if err != nil {
			return err
		}
		target = strconv.Itoa(v)
	} else {
		// As the Heroku CLI: the second newest release that can be rolled back to.
		rs, err := c.Releases(s.ctx, app, 10)
		if err != nil {
			return err
		}
		var eligible []wire.Release
		for _, r := range rs {
			if r.EligibleForRollback {
				eligible = append(eligible, r)
			}
		}
		if len(eligible) < 2 {
			return usagef("%s has no earlier release to roll back to", app)
		}
		target = strconv.Itoa(eligible[1].Version)
	}
	r, err := c.Rollback(s.ctx, app, target)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Rolling back %s to v%s... done, v%d\n", app, target, r.Version)
	return nil
}

func runReleases(s *session) error {
	n, err := s.opts.Int("num", 15)
	if err != nil || n < 1 {
		return usagef("-n wants a positive number")
	}
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	rs, err := c.Releases(s.ctx, app, n)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(rs))
	}
	if len(rs) == 0 {
		fmt.Fprintf(s.stdout, "%s has no releases.\n", app)
		return nil
	}
	header(s.stdout, fmt.Sprintf("%s Releases - Current: v%d", app, currentVersion(rs)))
	fmt.Fprintln(s.stdout)
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		rows = append(rows, []string{fmt.Sprintf("v%d", r.Version), releaseDescription(r),
			r.User.Email, humanTime(r.CreatedAt, s.now())})
	}
	printTable(s.stdout, rows)
	return nil
}

// currentVersion is the version of the current release (the newest when none is marked).
func currentVersion(rs []wire.Release) int {
	for _, r := range rs {
		if r.Current {
			return r.Version
		}
	}
	return rs[0].Version
}

// releaseDescription adds the status of releases that did not succeed, as the Heroku CLI
// does.
func releaseDescription(r wire.Release) string {
	switch r.Status {
	case "pending":
		return r.Description + " (release command executing)"
	case "failed":
		return r.Description + " (release command failed)"
	}
	return r.Description
}

func runReleasesInfo(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	r, err := s.findRelease(c, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, r)
	}
	vars, err := c.ReleaseConfigVars(s.ctx, app, strconv.Itoa(r.Version))
	if err != nil {
		return err
	}
	header(s.stdout, fmt.Sprintf("Release v%d", r.Version))
	pairs := []kv{
		{"Add-ons", strings.Join(r.AddonPlanNames, ", ")},
		{"Change", releaseDescription(*r)},
		{"By", r.User.Email},
		{"When", humanTime(r.CreatedAt, s.now())},
		{"Current", strconv.FormatBool(r.Current)},
	}
	if r.OCIImage != nil {
		pairs = append(pairs, kv{"OCI image", r.OCIImage.Digest})
	}
	printObject(s.stdout, pairs)
	fmt.Fprintln(s.stdout)
	header(s.stdout, fmt.Sprintf("v%d Config vars", r.Version))
	fmt.Fprintln(s.stdout)
	if s.opts.Bool("shell") {
		for _, k := range sortedKeys(vars) {
			fmt.Fprintf(s.stdout, "%s=%s\n", k, shellQuote(vars[k]))
		}
		return nil
	}
	printVars(s, vars, sortedKeys(vars))
	return nil
}

// findRelease returns the release named by the argument (v3 or 3), or the newest.
func (s *session) findRelease(c *client.Client, app string) (*wire.Release, error) {
	if len(s.args) == 1 {
		v, err := parseVersion(s.args[0])
		if err != nil {
			return nil, err
		}
		return c.Release(s.ctx, app, strconv.Itoa(v))
	}
	rs, err := c.Releases(s.ctx, app, 1)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, usagef("%s has no releases", app)
	}
	return &rs[0], nil
}

// parseVersion parses "v3" or "3".
func parseVersion(arg string) (int, error) {
	v, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(arg), "v"))
	if err != nil || v < 1 {
		return 0, usagef("%q is not a release version; use vN, such as v3", arg)
	}
	return v, nil
}
