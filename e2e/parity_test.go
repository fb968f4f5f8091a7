package e2e_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
)

// TestParity_HerokuSamples deploys apps written the way Heroku's sample apps are, unmodified,
// to a server started as scripts/server starts it (a relative --data) on runc dynos: a Go
// app whose Procfile runs the binary by name (web and release phase), a Node.js app with a
// real npm dependency, and a Ruby app, which no built-in buildpack builds.
func TestParity_HerokuSamples(t *testing.T) {
	if err := runc.Available(); err != nil {
		beratest.Missing(t, "runc dynos are not available: "+err.Error()+" (apt-get install runc; run as root)")
	}
	for _, cmd := range []string{"git", "go", "node", "npm"} {
		beratest.Require(t, cmd, "scripts/test installs the toolchains")
	}
	n := rand.IntN(9000) + 1000
	bridge, subnet := fmt.Sprintf("berap%d", n), fmt.Sprintf("10.104.%d.0/24", n%250)
	args := []string{"--runtime", "runc", "--runc-bridge", bridge, "--runc-subnet", subnet}
	t.Cleanup(func() { runc.RemoveNetwork(context.Background(), bridge) })
	env := beratest.NewWith(t, beratest.Options{Args: args, RelativeData: true})
	dataDir := env.DataDir
	t.Cleanup(func() { removeContainers(t, dataDir, bridge, subnet) })
	// runc dynos outlive the server: each subtest scales its app to 0, and they are gone
	// before the server stops.
	t.Cleanup(func() {
		for deadline := time.Now().Add(time.Minute); !noContainers(t, dataDir) && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("DatabaseMode", func(t *testing.T) {
		for _, name := range []string{"bera.db", "bera.db-wal", "bera.db-shm"} {
			fi, err := os.Stat(filepath.Join(dataDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %o, want 600", name, fi.Mode().Perm())
			}
		}
	})
	t.Run("Go", func(t *testing.T) {
		t.Parallel()
		create(t, env, "gogs")
		t.Cleanup(func() { scaleToZero(t, env, "gogs") })
		dir := env.SampleApp(t, "go-getting-started", "gogs")
		out, err := env.Push(t, dir, "main")
		if err != nil || !strings.Contains(out, "Released v2") {
			t.Fatalf("push: %v\n%s\nserver:\n%s", err, out, env.Stderr.String())
		}
		for _, want := range []string{
			"Using go1.", "go.mod's go line asks for go1.22 or newer", // which Go built it
			"Installed bin/go-getting-started",
			"migrated by go-getting-started in release.", // the release phase ran the binary by name
		} {
			if !strings.Contains(out, want) {
				t.Errorf("push output lacks %q:\n%s", want, out)
			}
		}
		// web runs the binary by name; $HOME/.profile was sourced before it.
		env.WaitBody(t, "gogs", "/", "hello from go-getting-started (set by .profile)")
		if code, body := env.Get(t, "gogs", "/"); code != 200 {
			t.Errorf("GET / = %d %s", code, body)
		}
		// A one-off dyno finds it by name too.
		stdout, stderr, code := beraStdin(t, env, "", "run", "-a", "gogs", "--", "go-getting-started", "-migrate")
		if code != 0 || !strings.Contains(stdout, "migrated by go-getting-started in run.") {
			t.Errorf("bera run go-getting-started -migrate: exit %d\n%s%s", code, stdout, stderr)
		}
	})
	t.Run("NodeExpress", func(t *testing.T) {
		t.Parallel()
		create(t, env, "express")
		t.Cleanup(func() { scaleToZero(t, env, "express") })
		out, err := env.Push(t, env.SampleApp(t, "node-express", "express"), "main")
		if err != nil || !strings.Contains(out, "Released v2") {
			t.Fatalf("push: %v\n%s\nserver:\n%s", err, out, env.Stderr.String())
		}
		if want := "Node.js 20.x requested (package.json engines.node); using "; !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
		env.WaitBody(t, "express", "/", "hello from express static")
		if code, body := env.Get(t, "express", "/index.html"); code != 200 || !strings.Contains(body, "hello from express static") {
			t.Errorf("GET /index.html = %d %s", code, body)
		}
		// The Node.js buildpack's .profile.d script set NODE_ENV and put node_modules/.bin on PATH.
		code, body := env.Get(t, "express", "/env")
		if code != 200 || !strings.Contains(body, "NODE_ENV=production") || !strings.Contains(body, "/app/node_modules/.bin:") || !strings.Contains(body, "/app/bin:") {
			t.Errorf("GET /env = %d %q, want NODE_ENV=production and PATH with /app/node_modules/.bin and /app/bin", code, body)
		}
	})
	t.Run("RubyOnly", func(t *testing.T) {
		t.Parallel()
		create(t, env, "rubyist")
		out, err := env.Push(t, env.SampleApp(t, "ruby-only", "rubyist"), "main")
		if err == nil {
			t.Fatalf("push of a Ruby app succeeded:\n%s", out)
		}
		if want := "No buildpack detected: this looks like a Ruby app (Gemfile)"; !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
		if strings.Contains(out, "Procfile app detected") {
			t.Errorf("the procfile buildpack built a Ruby app:\n%s", out)
		}
	})
}

// scaleToZero stops the app's web dynos.
func scaleToZero(t *testing.T, env *beratest.Env, app string) {
	if _, errOut, code := env.Bera(t, "", nil, "ps:scale", "web=0", "-a", app); code != 0 {
		t.Errorf("ps:scale web=0 -a %s: %s", app, errOut)
	}
}

// create runs apps:create name.
func create(t *testing.T, env *beratest.Env, name string) {
	t.Helper()
	if _, errOut, code := env.Bera(t, "", nil, "apps:create", name); code != 0 {
		t.Fatalf("apps:create %s: %s", name, errOut)
	}
}
