package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
)

// gitRemoteName is the git remote the CLI adds and reads.
const gitRemoteName = "bera"

// gitURL is the git remote of app: <api scheme>://<api host>/<app>.git.
func gitURL(api *url.URL, app string) string {
	return api.Scheme + "://" + api.Host + "/" + app + ".git"
}

// appFromGitURL returns the app of a git remote URL that points at the API host
// (http(s)://HOST[:PORT]/APP.git, any scheme, since a Heroku-CLI-made remote is https).
func appFromGitURL(remote string, api *url.URL) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(remote))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	if !strings.EqualFold(hostPort(u), hostPort(api)) {
		return "", false
	}
	name, ok := strings.CutSuffix(strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), "/"), ".git")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// hostPort is u's host with its port made explicit (80 for http, 443 for https).
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// git runs git with args in dir ("" for the current directory) and returns its trimmed
// stdout.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return strings.TrimSpace(out.String()), nil
}

// gitConfigGet returns a git config value, "" when it is not set.
func gitConfigGet(ctx context.Context, key string) (string, error) {
	out, err := exec.CommandContext(ctx, "git", "config", "--get", key).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("git config: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// inGitRepo reports whether the current directory is inside a git work tree.
func inGitRepo(ctx context.Context) bool {
	out, err := git(ctx, "", "rev-parse", "--is-inside-work-tree")
	return err == nil && out == "true"
}

// gitRemotes returns the URL of every remote of the current repository.
func gitRemotes(ctx context.Context) (map[string]string, error) {
	out, err := exec.CommandContext(ctx, "git", "config", "--get-regexp", `^remote\..*\.url$`).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("git config: %w", err)
	}
	return parseRemotes(string(out)), nil
}

// parseRemotes parses `git config --get-regexp '^remote\..*\.url$'` output.
func parseRemotes(out string) map[string]string {
	rs := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), " ")
		name, found := strings.CutSuffix(strings.TrimPrefix(key, "remote."), ".url")
		if ok && found && strings.HasPrefix(key, "remote.") {
			rs[name] = val
		}
	}
	return rs
}

// setGitRemote points remote name at rawURL, adding the remote when it does not exist.
func setGitRemote(ctx context.Context, name, rawURL string) error {
	remotes, err := gitRemotes(ctx)
	if err != nil {
		return err
	}
	if _, ok := remotes[name]; ok {
		_, err = git(ctx, "", "remote", "set-url", name, rawURL)
	} else {
		_, err = git(ctx, "", "remote", "add", name, rawURL)
	}
	return err
}

// removeAppRemotes removes every remote that points at app on the API host and returns
// their names.
func removeAppRemotes(ctx context.Context, api *url.URL, app string) ([]string, error) {
	remotes, err := gitRemotes(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	for name, u := range remotes {
		if a, ok := appFromGitURL(u, api); ok && a == app {
			if _, err := git(ctx, "", "remote", "remove", name); err != nil {
				return removed, err
			}
			removed = append(removed, name)
		}
	}
	return removed, nil
}

func gitCommands() []*command {
	return []*command{{
		Name:        "git:remote",
		Topic:       "git",
		Summary:     "add or update the bera git remote of this repository",
		Description: "Point a git remote (\"bera\" unless -r says otherwise) at the app, so `git push bera main` deploys it.",
		Example:     "bera git:remote -a my-app",
		Flags:       []Flag{{Name: "remote", Short: "r", Arg: "NAME", Usage: "git remote name (default \"bera\")"}},
		App:         true,
		MaxArgs:     0,
		Run:         runGitRemote,
	}}
}

func runGitRemote(s *session) error {
	app, err := s.app()
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
	if !inGitRepo(s.ctx) {
		return usagef("not inside a git repository. Run \"git init\" first.")
	}
	name := s.opts.String("remote")
	if name == "" {
		name = gitRemoteName
	}
	u := gitURL(c.URL(), a.Name)
	if err := setGitRemote(s.ctx, name, u); err != nil {
		return err
	}
	fmt.Fprintf(s.stdout, "set git remote %s to %s\n", name, u)
	return nil
}
