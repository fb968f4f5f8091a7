package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kingvon-ke/bera/internal/wire"
)

func appsCommands() []*command {
	return []*command{{
		Name: "apps", Aliases: []string{"apps:list", "list"}, Topic: "apps",
		Summary: "list the apps you own or collaborate on",
		Example: "bera apps --json", Flags: []Flag{jsonFlag}, Run: runApps,
	}, {
		Name: "apps:create", Aliases: []string{"create"}, Topic: "apps", Args: "[NAME]", MaxArgs: 1,
		Summary: "create a new app",
		Description: "Create an app (a random name is picked when NAME is left out). Inside a git " +
			"repository, also add the \"bera\" git remote, so `git push bera main` deploys it.",
		Example: "bera apps:create my-app",
		Flags: []Flag{
			{Name: "remote", Short: "r", Arg: "NAME", Usage: "git remote to add (default \"bera\")"},
			{Name: "repo", Arg: "URL", Usage: "deploy from a public Git URL"},
			{Name: "branch", Arg: "BRANCH", Usage: "branch of --repo to deploy (default: its default branch)"},
			{Name: "buildpack", Short: "b", Arg: "URL", Usage: "buildpack to use (not available yet)"},
			{Name: "space", Short: "s", Arg: "SPACE", Usage: "create the app in a Private Space"},
			{Name: "internal-routing", Usage: "keep the app off the public router: only its space's apps reach it"},
			jsonFlag,
		},
		Run: runAppsCreate,
	}, {
		Name: "apps:info", Aliases: []string{"info"}, Topic: "apps", App: true, Args: "[APP]", MaxArgs: 1,
		Summary: "show an app's details", Example: "bera apps:info -a my-app",
		Flags: []Flag{jsonFlag}, Run: runAppsInfo,
	}, {
		Name: "apps:rename", Aliases: []string{"rename"}, Topic: "apps", App: true, Args: "NEWNAME",
		MinArgs: 1, MaxArgs: 1,
		Summary: "rename an app (and update its bera git remote)",
		Example: "bera apps:rename new-name -a old-name", Run: runAppsRename,
	}, {
		Name: "apps:destroy", Aliases: []string{"destroy", "apps:delete"}, Topic: "apps", App: true,
		Args: "[APP]", MaxArgs: 1,
		Summary:     "permanently destroy an app",
		Description: "Destroy an app, its releases, config and dynos. This cannot be undone, so --confirm must repeat the app's name. Git remotes that point at the app are removed.",
		Example:     "bera apps:destroy -a my-app --confirm my-app",
		Flags:       []Flag{{Name: "confirm", Short: "c", Arg: "APP", Usage: "the app's name, to confirm"}},
		Run:         runAppsDestroy,
	}}
}

func runApps(s *session) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	apps, err := c.Apps(s.ctx)
	if err != nil {
		return err
	}
	slices.SortFunc(apps, func(a, b wire.App) int { return strings.Compare(a.Name, b.Name) })
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(apps))
	}
	acct, err := c.Account(s.ctx)
	if err != nil {
		return err
	}
	printAppList(s, acct.Email, apps)
	return nil
}

// printAppList prints the user's own apps, then those shared with them and their owners.
func printAppList(s *session, email string, apps []wire.App) {
	var own []string
	var shared [][]string
	for _, a := range apps {
		if a.Owner.Email == email {
			own = append(own, a.Name)
		} else {
			shared = append(shared, []string{a.Name, a.Owner.Email})
		}
	}
	header(s.stdout, email+" Apps")
	if len(own) == 0 {
		fmt.Fprintln(s.stdout, "You have no apps.")
	}
	for _, n := range own {
		fmt.Fprintln(s.stdout, n)
	}
	if len(shared) > 0 {
		fmt.Fprintln(s.stdout)
		header(s.stdout, "Collaborated Apps")
		printTable(s.stdout, shared)
	}
}

// nonNil makes a nil slice encode as [] rather than null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

func runAppsCreate(s *session) error {
	for _, f := range []string{"buildpack"} {
		if s.opts.Has(f) {
			return usagef("--%s is not available yet", f)
		}
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	var in wire.AppCreate
	if len(s.args) == 1 {
		in.Name = &s.args[0]
	}
	if space := s.opts.String("space"); space != "" {
		in.Space = &space
	}
	if s.opts.Bool("internal-routing") {
		if in.Space == nil {
			return usagef("--internal-routing needs --space")
		}
		internal := true
		in.InternalRouting = &internal
	}
	a, err := c.CreateApp(s.ctx, in)
	if err != nil {
		return err
	}
	remote := gitURL(c.URL(), a.Name)
	if err := s.addCreateRemote(remote); err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return errors.Join(printJSON(s.stdout, a), s.connectRepo(c, a.Name))
	}
	fmt.Fprintf(s.stdout, "Creating %s... done\n%s | %s\n", a.Name, a.WebURL, remote)
	return s.connectRepo(c, a.Name)
}

// addCreateRemote adds the git remote of a new app when run inside a git repository,
// leaving an existing remote of that name alone (as the Heroku CLI does).
func (s *session) addCreateRemote(remote string) error {
	if !inGitRepo(s.ctx) {
		return nil
	}
	name := s.opts.String("remote")
	if name == "" {
		name = gitRemoteName
	}
	remotes, err := gitRemotes(s.ctx)
	if err != nil {
		return err
	}
	if _, ok := remotes[name]; ok {
		fmt.Fprintf(s.stderr, "git remote %s already exists; left unchanged\n", name)
		return nil
	}
	_, err = git(s.ctx, "", "remote", "add", name, remote)
	return err
}

// appArg is the positional APP of an "[APP]" command when given, else the usual app
// selection.
func (s *session) appArg() (string, error) {
	if len(s.args) > 0 {
		return s.args[0], nil
	}
	return s.app()
}

func runAppsInfo(s *session) error {
	app, err := s.appArg()
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	a, err := c.App(s.ctx, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, a)
	}
	// Like the Heroku CLI, the collaborator and dyno lists are best effort.
	collabs, _ := c.Collaborators(s.ctx, app)
	dynos, _ := c.Dynos(s.ctx, app)
	header(s.stdout, a.Name)
	printObject(s.stdout, appInfoPairs(a, collabs, dynos, gitURL(c.URL(), a.Name)))
	return nil
}

// appInfoPairs lays out apps:info.
func appInfoPairs(a *wire.App, collabs []wire.Collaborator, dynos []wire.Dyno, remote string) []kv {
	var emails []string
	for _, co := range collabs {
		if co.User.Email != a.Owner.Email {
			emails = append(emails, co.User.Email)
		}
	}
	counts := map[string]int{}
	var types []string
	for _, d := range dynos {
		if counts[d.Type] == 0 {
			types = append(types, d.Type)
		}
		counts[d.Type]++
	}
	var dynoText []string
	for _, t := range types {
		dynoText = append(dynoText, fmt.Sprintf("%s: %d", t, counts[t]))
	}
	pairs := []kv{
		{"Collaborators", strings.Join(emails, ", ")},
		{"Dynos", strings.Join(dynoText, ", ")},
		{"Git URL", remote},
		{"Maintenance", onOff(a.Maintenance)},
		{"Owner", a.Owner.Email},
		{"Region", a.Region.Name},
		{"Repo Size", humanSize(a.RepoSize)},
		{"Slug Size", humanSize(a.SlugSize)},
		{"Stack", a.Stack.Name},
		{"Web URL", a.WebURL},
	}
	if a.Space != nil {
		pairs = append(pairs, kv{"Space", spaceText(a)})
		slices.SortFunc(pairs, func(x, y kv) int { return strings.Compare(x.key, y.key) })
	}
	return pairs
}

func runAppsRename(s *session) error {
	app, err := s.app()
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	newName := s.args[0]
	a, err := c.UpdateApp(s.ctx, app, wire.AppUpdate{Name: &newName})
	if err != nil {
		return err
	}
	remote := gitURL(c.URL(), a.Name)
	fmt.Fprintf(s.stdout, "Renaming %s to %s... done\n%s | %s\n", app, a.Name, a.WebURL, remote)
	if !inGitRepo(s.ctx) {
		return nil
	}
	remotes, err := gitRemotes(s.ctx)
	if err != nil {
		return err
	}
	for name, u := range remotes {
		if old, ok := appFromGitURL(u, c.URL()); ok && old == app {
			if _, err := git(s.ctx, "", "remote", "set-url", name, remote); err != nil {
				return err
			}
			fmt.Fprintf(s.stdout, "Git remote %s updated\n", name)
		}
	}
	return nil
}

func runAppsDestroy(s *session) error {
	app, err := s.appArg()
	if err != nil {
		return err
	}
	if s.opts.String("confirm") != app {
		return usagef("this permanently destroys %s. To proceed, run again with --confirm %s", app, app)
	}
	c, err := s.client()
	if err != nil {
		return err
	}
	if err := c.DeleteApp(s.ctx, app); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "Destroying %s (including all add-ons)... done\n", app)
	if !inGitRepo(s.ctx) {
		return nil
	}
	removed, err := removeAppRemotes(s.ctx, c.URL(), app)
	for _, r := range removed {
		fmt.Fprintf(s.stdout, "Git remote %s removed\n", r)
	}
	return err
}

// spaceText is apps:info's Space line: the space and whether routing is internal.
func spaceText(a *wire.App) string {
	if a.InternalRouting != nil && *a.InternalRouting {
		return a.Space.Name + " (internal routing)"
	}
	return a.Space.Name
}
