package e2e_test

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
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
// app whose Procfile runs the binary by name (web, release phase, one-off), a Node.js app
// with a real npm dependency, a Python app whose web process is its dependency's console
// script, and a Ruby app, which no built-in buildpack builds.
func TestParity_HerokuSamples(t *testing.T) {
	if err := runc.Available(); err != nil {
		beratest.Missing(t, "runc dynos are not available: "+err.Error()+" (apt-get install runc; run as root)")
	}
	for _, cmd := range []string{"git", "go", "node", "npm", "python3"} {
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
		if !noContainers(t, dataDir) { // say what the server did with them
			for _, app := range []string{"gogs", "express", "pydep"} {
				out, _, _ := env.Bera(t, "", nil, "ps", "-a", app)
				logs, _, _ := env.Bera(t, "", nil, "logs", "-a", app, "-n", "60")
				t.Logf("dynos still there a minute after the scale to 0; %s: ps:\n%s\nlog:\n%s", app, out, logs)
			}
			t.Logf("server:\n%s", env.Stderr.String())
		}
	})

	t.Run("DatabaseMode", func(t *testing.T) {
		names := []string{"secret.key", "admin.key"}
		if os.Getenv("BERA_TEST_DB") != "postgres" { // metadata in DATA/bera.db
			names = append(names, "bera.db", "bera.db-wal", "bera.db-shm")
		}
		for _, name := range names {
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
	t.Run("PythonDependency", func(t *testing.T) {
		t.Parallel()
		create(t, env, "pydep")
		t.Cleanup(func() { scaleToZero(t, env, "pydep") })
		dir := env.SampleApp(t, "python-dep", "pydep")
		writeWheel(t, filepath.Join(dir, "vendor", "hello_dep-1.0-py3-none-any.whl"))
		env.Commit(t, dir, "vendor the wheel")
		out, err := env.Push(t, dir, "main")
		if err != nil || !strings.Contains(out, "Released v2") {
			t.Fatalf("push: %v\n%s\nserver:\n%s", err, out, env.Stderr.String())
		}
		// The console script pip installed is on PATH and finds its module, both by the
		// Python buildpack's .profile.d script.
		env.WaitBody(t, "pydep", "/", "hello from a python dependency (/app:/app/.heroku/python/site-packages)")
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
	env.MustBera(t, "apps:create", name)
}

// writeWheel writes a small pure-Python wheel to path: module hello_dep, whose main serves
// "hello from a python dependency (PYTHONPATH)" on $PORT, and a hello-dep console script.
func writeWheel(t *testing.T, path string) {
	t.Helper()
	files := [][2]string{
		{"hello_dep/__init__.py", `import http.server, os, socketserver


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from a python dependency (%s)\n" % os.environ.get("PYTHONPATH", "")).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("", int(os.environ["PORT"])), Handler) as srv:
        print("listening", flush=True)
        srv.serve_forever()
`},
		{"hello_dep-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: hello-dep\nVersion: 1.0\n"},
		{"hello_dep-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: bera-e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{"hello_dep-1.0.dist-info/entry_points.txt", "[console_scripts]\nhello-dep = hello_dep:main\n"},
	}
	record := ""
	for _, f := range files {
		record += f[0] + ",,\n"
	}
	files = append(files, [2]string{"hello_dep-1.0.dist-info/RECORD", record + "hello_dep-1.0.dist-info/RECORD,,\n"})
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, file := range files {
		w, err := zw.Create(file[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, file[1])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
