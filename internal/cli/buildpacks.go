package cli

import (
	"fmt"
	"slices"

	"github.com/kingvon-ke/bera/internal/wire"
)

func buildpacksCommands() []*command {
	return []*command{{
		Name: "buildpacks", Topic: "buildpacks", App: true, Flags: []Flag{jsonFlag},
		Summary: "list an app's buildpacks (none set means Bera detects one at build time)",
		Example: "bera buildpacks -a my-app",
		Run:     runBuildpacks,
	}, {
		Name: "buildpacks:set", Topic: "buildpacks", App: true, Args: "BUILDPACK", MinArgs: 1, MaxArgs: 1,
		Summary: "use only this buildpack: a built-in name (go, nodejs, python, static, procfile, heroku/go …) or a git URL",
		Example: "bera buildpacks:set heroku/python -a my-app",
		Run: func(s *session) error {
			return changeBuildpacks(s, func([]string) []string { return []string{s.args[0]} })
		},
	}, {
		Name: "buildpacks:add", Topic: "buildpacks", App: true, Args: "BUILDPACK", MinArgs: 1, MaxArgs: 1,
		Summary: "add a buildpack after the others (or first with --index 1)",
		Flags:   []Flag{{Name: "index", Short: "i", Arg: "N", Usage: "1-based position to insert at"}},
		Example: "bera buildpacks:add https://github.com/example/buildpack.git -a my-app",
		Run:     runBuildpacksAdd,
	}, {
		Name: "buildpacks:remove", Topic: "buildpacks", App: true, Args: "BUILDPACK", MinArgs: 1, MaxArgs: 1,
		Summary: "remove a buildpack",
		Example: "bera buildpacks:remove heroku/go -a my-app",
		Run: func(s *session) error {
			return changeBuildpacks(s, func(bps []string) []string {
				return slices.DeleteFunc(bps, func(b string) bool { return b == s.args[0] })
			})
		},
	}, {
		Name: "buildpacks:clear", Topic: "buildpacks", App: true,
		Summary: "remove every buildpack: the next build detects one",
		Example: "bera buildpacks:clear -a my-app",
		Run:     func(s *session) error { return changeBuildpacks(s, func([]string) []string { return nil }) },
	}}
}

func buildpackURLs(bps []wire.BuildpackInstallation) []string {
	out := make([]string, 0, len(bps))
	for _, b := range bps {
		out = append(out, b.Buildpack.URL)
	}
	return out
}

func runBuildpacks(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	bps, err := c.Buildpacks(s.ctx, app)
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, nonNil(bps))
	}
	printBuildpacks(s, app, buildpackURLs(bps))
	return nil
}

func printBuildpacks(s *session, app string, urls []string) {
	if len(urls) == 0 {
		fmt.Fprintf(s.stdout, "%s has no buildpack set: the next build detects one.\n", app)
		return
	}
	header(s.stdout, app+" Buildpack URL"+map[bool]string{true: "s", false: ""}[len(urls) > 1])
	for i, u := range urls {
		if len(urls) > 1 {
			fmt.Fprintf(s.stdout, "%d. %s\n", i+1, u)
		} else {
			fmt.Fprintln(s.stdout, u)
		}
	}
}

func runBuildpacksAdd(s *session) error {
	idx, err := s.opts.Int("index", 0)
	if err != nil || idx < 0 {
		return usagef("--index wants a positive number")
	}
	return changeBuildpacks(s, func(bps []string) []string {
		if slices.Contains(bps, s.args[0]) {
			return bps
		}
		if idx == 0 || idx > len(bps) {
			return append(bps, s.args[0])
		}
		return slices.Insert(bps, idx-1, s.args[0])
	})
}

// changeBuildpacks reads the list, applies f and writes it back.
func changeBuildpacks(s *session, f func([]string) []string) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	bps, err := c.Buildpacks(s.ctx, app)
	if err != nil {
		return err
	}
	next, err := c.SetBuildpacks(s.ctx, app, f(buildpackURLs(bps)))
	if err != nil {
		return err
	}
	printBuildpacks(s, app, buildpackURLs(next))
	fmt.Fprintln(s.stdout, "The next build will use these buildpacks.")
	return nil
}
