package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// heroku runs the Heroku CLI against env with the admin key, in a fresh HOME.
func heroku(t *testing.T, bin string, env *beratest.Env, home string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = home
	cmd.Env = env.HerokuEnv(home)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestHerokuCLI drives a Bera server with the unmodified official Heroku CLI.
func TestHerokuCLI(t *testing.T) {
	t.Parallel()
	bin := beratest.HerokuCLI(t)
	env := beratest.New(t)
	home := t.TempDir()
	run := func(wantIn string, args ...string) string {
		t.Helper()
		out, errOut, err := heroku(t, bin, env, home, args...)
		if err != nil {
			t.Fatalf("heroku %s: %v\nstdout: %s\nstderr: %s\nserver: %s", strings.Join(args, " "), err, out, errOut, env.Stderr.String())
		}
		if !strings.Contains(out+errOut, wantIn) {
			t.Fatalf("heroku %s: output lacks %q:\nstdout: %s\nstderr: %s", strings.Join(args, " "), wantIn, out, errOut)
		}
		return out
	}
	run("admin@localhost", "auth:whoami")
	run("You have no apps.", "apps")
	run("demo-app.localhost", "apps:create", "demo-app")
	run("demo-app", "apps")
	info := run("=== demo-app", "apps:info", "-a", "demo-app")
	if !strings.Contains(info, "admin@localhost") || !strings.Contains(info, "heroku-24") {
		t.Errorf("apps:info lacks owner or stack:\n%s", info)
	}
	run("done, v2", "config:set", "A=1", "B=2", "-a", "demo-app")
	cfg := run("B:", "config", "-a", "demo-app")
	if !strings.Contains(cfg, "A:") {
		t.Errorf("config lacks A:\n%s", cfg)
	}
	run("done, v3", "config:unset", "A", "-a", "demo-app")
	if cfg := run("B:", "config", "-a", "demo-app"); strings.Contains(cfg, "A:") {
		t.Errorf("A still set after config:unset:\n%s", cfg)
	}
	rels := run("v3", "releases", "-a", "demo-app")
	for _, want := range []string{"Remove A config vars", "Set A, B config vars", "Initial release"} {
		if !strings.Contains(rels, want) {
			t.Errorf("releases lacks %q:\n%s", want, rels)
		}
	}
	run("No dynos on demo-app", "ps", "-a", "demo-app")
	run("app[api]: Set A, B config vars by user admin@localhost", "logs", "-a", "demo-app")
	herokuTail(t, bin, env, home, func() {
		env.Bera(t, "", nil, "config:set", "TAILED=1", "-a", "demo-app")
	}, "app[api]: Set TAILED config vars by user admin@localhost")
	run("Destroying", "apps:destroy", "demo-app", "--confirm", "demo-app")
	if out, errOut, err := heroku(t, bin, env, home, "apps:info", "-a", "demo-app"); err == nil || !strings.Contains(out+errOut, "Couldn't find that app") {
		t.Errorf("apps:info after destroy: err=%v\n%s%s", err, out, errOut)
	}
}

// herokuTail runs `heroku logs --tail`, waits for the backlog, calls act, and waits until a
// line containing want arrives on the open stream.
func herokuTail(t *testing.T, bin string, env *beratest.Env, home string, act func(), want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "logs", "--tail", "-a", "demo-app")
	cmd.Dir = home
	cmd.Env = env.HerokuEnv(home)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	acted := false
	for line := range lines {
		if !acted && strings.Contains(line, "Set A, B config vars") {
			acted = true
			act()
		}
		if acted && strings.Contains(line, want) {
			return
		}
	}
	t.Fatalf("heroku logs --tail ended before %q arrived", want)
}
