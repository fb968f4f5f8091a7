package e2e_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestSamples_EveryBuildpack pushes the sample app of every built-in buildpack and gets its
// page through the router, as a user deploying each kind of app would.
func TestSamples_EveryBuildpack(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"git", "go", "node", "npm", "python3"} {
		beratest.Require(t, cmd, "scripts/test installs the toolchains")
	}
	env := beratest.New(t)
	samples := map[string]string{
		"go-hello": "hello from go", "node-hello": "hello from node", "python-hello": "hello from python",
		"static-hello": "hello from static", "procfile-hello": "hello from procfile",
	}
	for sample, body := range samples {
		t.Run(sample, func(t *testing.T) {
			t.Parallel()
			app := strings.TrimSuffix(sample, "-hello") + "-sample"
			env.MustBera(t, "apps:create", app)
			out, err := env.Push(t, env.SampleApp(t, sample, app), "main")
			if err != nil || !strings.Contains(out, "Released v2") {
				t.Fatalf("push %s: %v\n%s", sample, err, out)
			}
			env.WaitBody(t, app, "/", body)

			// Push a change and see it; roll back and see the old body, with no build.
			changed := strings.Replace(body, "hello", "changed", 1)
			dir := env.SampleApp(t, sample, app)
			replaceInTree(t, dir, body, changed)
			env.Commit(t, dir, "change the body")
			if out, err := env.Push(t, dir, "+main:main"); err != nil || !strings.Contains(out, "Released v3") {
				t.Fatalf("second push %s: %v\n%s", sample, err, out)
			}
			env.WaitBody(t, app, "/", changed)
			if out, errOut, code := env.Bera(t, "", nil, "releases:rollback", "-a", app); code != 0 || !strings.Contains(out, "v2") {
				t.Fatalf("rollback: %d %s %s", code, out, errOut)
			}
			env.WaitBody(t, app, "/", body)
			if builds, _, _ := env.Bera(t, "", nil, "releases", "-a", app); !strings.Contains(builds, "Rollback to v2") {
				t.Errorf("releases lack the rollback:\n%s", builds)
			}
		})
	}
}

// replaceInTree replaces old with new in every regular file under dir (not .git).
func replaceInTree(t *testing.T, dir, old, new string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+".git"+string(filepath.Separator)) {
			return err
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), old) {
			err = os.WriteFile(p, []byte(strings.ReplaceAll(string(b), old, new)), 0o644)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
