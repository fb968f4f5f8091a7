package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestDeploy_PushChangeRollback is the deploy loop a user lives in: create an app, git push,
// get the page through the router, push a change, roll back to the first deploy.
func TestDeploy_PushChangeRollback(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "git", "apt-get install git")
	beratest.Require(t, "python3", "apt-get install python3")
	env := beratest.New(t)
	env.MustBera(t, "apps:create", "pyapp")
	dir := env.SampleApp(t, "procfile-hello", "pyapp")
	out, err := env.Push(t, dir, "main")
	if err != nil {
		t.Fatalf("git push: %v\n%s\nserver:\n%s", err, out, env.Stderr.String())
	}
	for _, want := range []string{"remote: -----> Building on the heroku-24 stack", "Released v2", "Verifying deploy... done."} {
		if !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
	}
	env.WaitBody(t, "pyapp", "/", "hello from procfile")
	logs, errOut, code := env.Bera(t, "", nil, "logs", "-a", "pyapp", "-n", "1500")
	for _, want := range []string{"app[api]: Deploy ", "by user admin@localhost", "heroku[web.1]: Starting process with command `python3 server.py`",
		"heroku[web.1]: State changed from starting to up", "app[web.1]: listening on", `heroku[router]: at=info method=GET path="/" host=pyapp.localhost`} {
		if code != 0 || !strings.Contains(logs, want) {
			t.Errorf("bera logs (exit %d %s) lacks %q:\n%s", code, errOut, want, logs)
		}
	}

	// ps:restart and ps:stop cycle web.1; the router keeps answering from the new one.
	for _, args := range [][]string{{"ps:restart", "web", "-a", "pyapp"}, {"ps:stop", "web.1", "-a", "pyapp"}} {
		env.MustBera(t, args...)
		env.WaitBody(t, "pyapp", "/", "hello from procfile")
	}

	server := filepath.Join(dir, "server.py")
	src, _ := os.ReadFile(server)
	os.WriteFile(server, []byte(strings.ReplaceAll(string(src), "hello from procfile", "hello again")), 0o644)
	env.Commit(t, dir, "change the greeting")
	if out, err := env.Push(t, dir, "main"); err != nil || !strings.Contains(out, "Released v3") {
		t.Fatalf("second push: %v\n%s", err, out)
	}
	env.WaitBody(t, "pyapp", "/", "hello again")

	stdout, errOut, code := env.Bera(t, "", nil, "releases", "-a", "pyapp", "--json")
	if code != 0 || !strings.Contains(stdout, "Deploy ") {
		t.Fatalf("releases: %d %s %s", code, stdout, errOut)
	}
	// Roll back to v2 through the API, as `heroku rollback v2` does: no build, old slug.
	stdout, errOut, code = env.Bera(t, "", nil, "releases:rollback", "v2", "-a", "pyapp")
	if code != 0 {
		t.Fatalf("releases:rollback: %d %s %s", code, stdout, errOut)
	}
	env.WaitBody(t, "pyapp", "/", "hello from procfile")

	// The app's repository can be cloned back, as `heroku git:clone` does.
	clone, err := env.Clone(t, "pyapp")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(clone, "server.py")); !strings.Contains(string(b), "hello again") {
		t.Errorf("cloned server.py is not the last pushed one:\n%s", b)
	}
}

// TestDeploy_FailedBuildKeepsServing pushes a broken app on top of a working one.
func TestDeploy_FailedBuildKeepsServing(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "git", "apt-get install git")
	env := beratest.New(t)
	env.Bera(t, "", nil, "apps:create", "keeper")
	dir := env.SampleApp(t, "procfile-hello", "keeper")
	if out, err := env.Push(t, dir, "main"); err != nil {
		t.Fatalf("git push: %v\n%s", err, out)
	}
	env.WaitBody(t, "keeper", "/", "hello from procfile")

	for _, broken := range []struct{ name, want string }{
		{"broken-noweb", "No web process type"},
		{"broken-detect", "No default language could be detected"},
		{"broken-compile", "undefined: undefinedFunction"},
	} {
		bdir := env.SampleApp(t, broken.name, "keeper")
		out, err := env.Push(t, bdir, "+main:main")
		if err == nil || !strings.Contains(out, broken.want) || !strings.Contains(out, "pre-receive hook declined") {
			t.Errorf("push of %s: err=%v, output lacks %q or the rejection:\n%s", broken.name, err, broken.want, out)
		}
		env.WaitBody(t, "keeper", "/", "hello from procfile")
	}
	// Other branches do not deploy.
	if out, err := env.Push(t, dir, "main:feature"); err == nil || !strings.Contains(out, "only main or master deploy") {
		t.Errorf("push to feature: err=%v\n%s", err, out)
	}
}
