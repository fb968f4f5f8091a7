package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestDeploy_ReleasePhaseAndAppJSON: a `release:` Procfile entry runs before the new code
// serves, its output reaches the pusher; a failing one marks the release failed and keeps
// the old code serving. app.json's formation sets the first quantity of new process types.
func TestDeploy_ReleasePhaseAndAppJSON(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "python3", "apt-get install python3")
	env := beratest.New(t)
	env.Bera(t, "", nil, "apps:create", "phased")
	dir := env.SampleApp(t, "procfile-hello", "phased")
	procfile := "web: python3 server.py\nworker: python3 -c 'import time; time.sleep(100000)'\nrelease: echo migrating the database for $GREETING\n"
	os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644)
	os.WriteFile(filepath.Join(dir, "app.json"), []byte(`{"name":"phased","formation":{"worker":{"quantity":1,"size":"standard-2X"}}}`), 0o644)
	env.Commit(t, dir, "release phase")
	env.Bera(t, "", nil, "config:set", "GREETING=hola", "-a", "phased")
	out, err := env.Push(t, dir, "main")
	if err != nil || !strings.Contains(out, "remote:        migrating the database for hola") || !strings.Contains(out, "Released v3") {
		t.Fatalf("push with a release phase: %v\n%s", err, out)
	}
	env.WaitBody(t, "phased", "/", "hello from procfile")
	beratest.Eventually(t, time.Minute, "web.1 and worker.1 up", func() bool { return upDynos(t, env, "phased") == 2 })
	if ps, _, _ := env.Bera(t, "", nil, "ps", "-a", "phased"); !strings.Contains(ps, "worker (standard-2X)") {
		t.Errorf("app.json formation not applied:\n%s", ps)
	}

	os.WriteFile(filepath.Join(dir, "Procfile"), []byte("web: python3 server.py\nrelease: echo boom; exit 3\n"), 0o644)
	src, _ := os.ReadFile(filepath.Join(dir, "server.py"))
	os.WriteFile(filepath.Join(dir, "server.py"), []byte(strings.ReplaceAll(string(src), "hello from procfile", "never served")), 0o644)
	env.Commit(t, dir, "broken release phase")
	out, err = env.Push(t, dir, "main")
	if err == nil || !strings.Contains(out, "boom") || !strings.Contains(out, "Release command failed (exit status 3)") {
		t.Fatalf("push with a failing release phase: err=%v\n%s", err, out)
	}
	env.WaitBody(t, "phased", "/", "hello from procfile")
	rels, _, _ := env.Bera(t, "", nil, "releases", "-a", "phased")
	if !strings.Contains(rels, "(release command failed)") {
		t.Errorf("releases do not show the failed release:\n%s", rels)
	}
}
