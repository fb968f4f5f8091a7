package e2e_test

import (
	"io/fs"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// slugFiles counts stored slug tarballs in a data dir.
func slugFiles(t *testing.T, dataDir string) int {
	n := 0
	filepath.WalkDir(filepath.Join(dataDir, "slugs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".tgz") {
			n++
		}
		return nil
	})
	return n
}

// TestSlugs_Prune keeps slugs that releases reference and removes those of a deleted app.
func TestSlugs_Prune(t *testing.T) {
	t.Parallel()
	env := beratest.New(t)
	env.Bera(t, "", nil, "apps:create", "keepme")
	env.Bera(t, "", nil, "apps:create", "dropme")
	for _, app := range []string{"keepme", "dropme"} {
		dir := env.SampleApp(t, "procfile-hello", app)
		if app == "dropme" {
			env.Commit(t, dir, "a different commit, so a different slug")
			exec.Command("sh", "-c", "echo other > "+filepath.Join(dir, "other.txt")).Run()
			env.Commit(t, dir, "another file")
		}
		if out, err := env.Push(t, dir, "main"); err != nil {
			t.Fatalf("push %s: %v\n%s", app, err, out)
		}
	}
	if n := slugFiles(t, env.DataDir); n != 2 {
		t.Fatalf("%d slugs stored, want 2", n)
	}
	env.Bera(t, "", nil, "apps:destroy", "dropme", "--confirm", "dropme")
	prune := func() string {
		args := []string{"admin", "slugs:prune", "--grace", "0s", "--data", env.DataDir}
		if env.DatabaseURL != "" {
			args = append(args, "--database-url", env.DatabaseURL)
		}
		out, err := exec.Command(env.Bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("slugs:prune: %v\n%s", err, out)
		}
		return string(out)
	}
	if out := prune(); !strings.Contains(out, "Removed 1 slugs") {
		t.Fatalf("prune: %s", out)
	}
	if n := slugFiles(t, env.DataDir); n != 1 {
		t.Fatalf("%d slugs after pruning, want 1 (keepme's)", n)
	}
	env.WaitBody(t, "keepme", "/", "hello from procfile")
}
