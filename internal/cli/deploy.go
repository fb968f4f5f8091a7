package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/kingvon-ke/bera/internal/client"
	"github.com/kingvon-ke/bera/internal/wire"
)

func deployCommands() []*command {
	return []*command{{
		Name: "deploy", Topic: "apps", App: true,
		Summary: "build and release an app from a Git URL or a tarball",
		Description: "Deploy from a public Git repository (a shallow clone of --ref, or of the branch set " +
			"with apps:source) or from a tarball URL, streaming the build output. With no flags it deploys " +
			"the app's configured repository and branch.",
		Example: "bera deploy -a my-app --repo https://github.com/heroku/node-js-getting-started --ref main",
		Flags: []Flag{
			{Name: "repo", Arg: "URL", Usage: "public Git URL (https, http or git)"},
			{Name: "ref", Arg: "REF", Usage: "branch, tag or commit to deploy"},
			{Name: "tarball", Arg: "URL", Usage: "deploy a .tar.gz from this URL instead"},
		},
		Run: runDeploy,
	}, {
		Name: "apps:source", Topic: "apps", App: true,
		Summary: "show or change where an app deploys from (repository, auto-deploy, GitHub)",
		Description: "With no flags, show the app's source settings and, for a GitHub connection, the webhook " +
			"URL and secret to enter in the repository's settings (content type application/json; events: " +
			"push, and statuses or check suites with --wait-for-ci on). Auto-deploy polls the branch of a " +
			"repository that is not connected to GitHub.",
		Example: "bera apps:source -a my-app --github owner/repo --branch main --wait-for-ci on",
		Flags: []Flag{
			{Name: "repo", Arg: "URL", Usage: "public Git URL to deploy from (\"\" to clear)"},
			{Name: "branch", Arg: "BRANCH", Usage: "branch to track (default main)"},
			{Name: "github", Arg: "OWNER/REPO", Usage: "connect a GitHub repository's webhooks (\"\" to disconnect)"},
			{Name: "auto-deploy", Arg: "on|off", Usage: "deploy new commits of the branch automatically"},
			{Name: "wait-for-ci", Arg: "on|off", Usage: "deploy a pushed commit only once its checks succeed"},
			{Name: "rotate-secret", Usage: "replace the webhook secret"},
			jsonFlag,
		},
		Run: runAppsSource,
	}}
}

func runDeploy(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	var in wire.BuildCreate
	switch {
	case s.opts.Has("tarball"):
		if s.opts.Has("repo") {
			return usagef("--tarball and --repo do not go together")
		}
		in.SourceBlob = &wire.BuildSource{URL: s.opts.String("tarball"), Version: s.opts.String("ref")}
	default:
		in.Git = &wire.GitSource{URL: s.opts.String("repo"), Ref: s.opts.String("ref")}
	}
	return s.build(c, app, in)
}

// build starts a build, streams its output and fails when the build failed.
func (s *session) build(c *client.Client, app string, in wire.BuildCreate) error {
	b, err := c.CreateBuild(s.ctx, app, in)
	if err != nil {
		return err
	}
	if b.OutputStreamURL != nil {
		out, err := c.OpenBuildOutput(s.ctx, *b.OutputStreamURL)
		if err != nil {
			return err
		}
		_, err = io.Copy(s.stdout, out)
		out.Close()
		if err != nil {
			return err
		}
	}
	if b, err = c.Build(s.ctx, app, b.ID); err != nil {
		return err
	}
	if b.Status != "succeeded" {
		return fmt.Errorf("build %s %s", b.ID, b.Status)
	}
	return nil
}

func runAppsSource(s *session) error {
	c, app, err := s.clientApp()
	if err != nil {
		return err
	}
	upd, changed, err := s.sourceUpdate()
	if err != nil {
		return err
	}
	var src *wire.AppSource
	if changed {
		src, err = c.UpdateAppSource(s.ctx, app, upd)
	} else {
		src, err = c.AppSource(s.ctx, app)
	}
	if err != nil {
		return err
	}
	if s.opts.Bool("json") {
		return printJSON(s.stdout, src)
	}
	printSource(s.stdout, app, src)
	return nil
}

// sourceUpdate reads the apps:source flags; changed is false when none was given.
func (s *session) sourceUpdate() (wire.AppSourceUpdate, bool, error) {
	var upd wire.AppSourceUpdate
	str := func(flag string) *string {
		if !s.opts.Has(flag) {
			return nil
		}
		v := s.opts.String(flag)
		return &v
	}
	upd.RepoURL, upd.Branch, upd.GitHubRepo = str("repo"), str("branch"), str("github")
	var err error
	if upd.AutoDeploy, err = onOffFlag(str("auto-deploy")); err != nil {
		return upd, false, err
	}
	if upd.WaitForCI, err = onOffFlag(str("wait-for-ci")); err != nil {
		return upd, false, err
	}
	upd.RotateSecret = s.opts.Bool("rotate-secret")
	changed := upd.RepoURL != nil || upd.Branch != nil || upd.GitHubRepo != nil || upd.AutoDeploy != nil ||
		upd.WaitForCI != nil || upd.RotateSecret
	return upd, changed, nil
}

func onOffFlag(v *string) (*bool, error) {
	if v == nil {
		return nil, nil
	}
	switch *v {
	case "on", "true", "yes":
		return new(true), nil
	case "off", "false", "no":
		return new(false), nil
	}
	return nil, usagef("expected on or off, got %q", *v)
}

func printSource(w io.Writer, app string, src *wire.AppSource) {
	header(w, app+" Source")
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	printObject(w, []kv{
		{"Repository", src.RepoURL},
		{"Branch", src.Branch},
		{"Auto Deploy", onOff(src.AutoDeploy)},
		{"GitHub", deref(src.GitHubRepo)},
		{"Wait for CI", onOff(src.WaitForCI)},
		{"Webhook URL", deref(src.WebhookURL)},
		{"Webhook Secret", deref(src.WebhookSecret)},
		{"Last Commit", deref(src.LastCommit)},
		{"Pending Commit", deref(src.PendingCommit)},
	})
}

// connectRepo is apps:create --repo URL [--branch B]: it records the repository as the
// app's source and deploys it.
func (s *session) connectRepo(c *client.Client, app string) error {
	if !s.opts.Has("repo") {
		if s.opts.Has("branch") {
			return usagef("--branch goes with --repo")
		}
		return nil
	}
	repo, branch := s.opts.String("repo"), s.opts.String("branch")
	upd := wire.AppSourceUpdate{RepoURL: &repo}
	if branch != "" {
		upd.Branch = &branch
	}
	if _, err := c.UpdateAppSource(s.ctx, app, upd); err != nil {
		return err
	}
	if err := s.build(c, app, wire.BuildCreate{Git: &wire.GitSource{}}); err != nil {
		return errors.Join(fmt.Errorf("the app %s was created, but its first deploy failed", app), err)
	}
	return nil
}
