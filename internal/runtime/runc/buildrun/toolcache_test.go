package buildrun_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/build"
)

// warmToolCache opens the tests' shared machine cache and warms it (once per machine).
func warmToolCache(t *testing.T) *build.ToolCache {
	t.Helper()
	need(t, "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go")
	tc, err := build.OpenToolCache(beratest.MachineCache())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tc.Warm(t.Context(), build.WarmOptions{Output: &out}); err != nil {
		t.Fatalf("Warm: %v\n%s", err, out.String())
	}
	if tc.Ready() == "" {
		t.Fatal("no machine layer after Warm")
	}
	return tc
}

// treeDigest hashes every path, mode, owner and content under dir.
func treeDigest(t *testing.T, dir string) (string, int) {
	t.Helper()
	h := sha256.New()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %v %d\n", p, fi.Mode(), fi.Size())
		if fi.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			io.Copy(h, f)
			f.Close()
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), n
}

// countFiles counts regular files under dir.
func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

// buildGo builds go-hello in the sandbox with the machine cache below the app's cache.
func buildGo(t *testing.T, r build.Runner, tc *build.ToolCache, cache string) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "go-hello")
	if err := os.CopyFS(src, os.DirFS(filepath.Join(appsDir, "go-hello"))); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := build.Build(t.Context(), build.Options{SourceDir: src, CacheDir: cache, Output: &out,
		WorkDir: t.TempDir(), Runner: r, ToolCache: tc})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out.String())
	}
	if status, body := get(t, startWeb(t, res)); status != 200 || !strings.Contains(body, "hello from go") {
		t.Fatalf("GET / = %d %q", status, body)
	}
	return out.String()
}

// TestToolCache_FirstBuildUsesMachineLayer: right after warm-up, an app's first build finds
// the standard library in the machine layer: the app's own layer holds only its own few
// entries, and the machine layer is unchanged.
func TestToolCache_FirstBuildUsesMachineLayer(t *testing.T) {
	tc := warmToolCache(t)
	before, machineFiles := treeDigest(t, tc.Ready())
	r, _ := newRunner(t, 0)
	cache := filepath.Join(t.TempDir(), "app")
	buildGo(t, r, tc, cache)
	appFiles := countFiles(cache + ".layers")
	t.Logf("machine layer %d files, app layer %d files", machineFiles, appFiles)
	if appFiles == 0 || appFiles*10 > machineFiles {
		t.Errorf("app layer has %d files beside the machine layer's %d: the standard library was compiled again", appFiles, machineFiles)
	}
	if n := countFiles(filepath.Join(cache, "go-build")); n != 0 {
		t.Errorf("%d files under the overlay's mount point on the host, want 0", n)
	}
	if after, _ := treeDigest(t, tc.Ready()); after != before {
		t.Error("the machine layer changed")
	}
}

// attackScript runs in a build's sandbox: it tries to write, overwrite, delete, rename and
// replace the machine layer's entries through GOCACHE, and to reach the machine cache
// directory itself, and writes a poisoned entry under a new name.
const attackScript = `
set -u
gc=$CACHE/go-build
found=0
for f in $(find "$gc" -type f -name '*-d' | head -n 50); do
  found=$((found+1))
  if { echo poison > "$f"; } 2>/dev/null; then echo "WROTE $f"; fi
  if rm -f "$f" 2>/dev/null && [ ! -e "$f" ]; then echo "REMOVED $f"; fi
  if mv "$f" "$f.x" 2>/dev/null; then echo "RENAMED $f"; fi
  if ln -sf /etc/passwd "$f" 2>/dev/null; then echo "LINKED $f"; fi
  touch -d 2000-01-01 "$f" 2>/dev/null && echo "TOUCHED $f"
done
echo "found=$found"
for d in "$gc"/*/; do chmod 777 "$d" 2>/dev/null && echo "CHMOD $d"; done
echo poison > "$gc/00/poison-d" || echo "cannot add an entry"
if [ -e "$MACHINE" ]; then echo "MACHINE VISIBLE"; fi
if touch "$MACHINE/x" 2>/dev/null; then echo "MACHINE WRITABLE"; fi
grep -q overlay /proc/mounts && echo "overlay mounted"
`

// TestToolCache_HostileBuildCannotPoison: an app's build writes, overwrites and removes
// entries of its GOCACHE, including names the machine layer has; the machine layer stays
// byte for byte the same, is neither visible nor writable from the sandbox, and a second
// app's build is unaffected.
func TestToolCache_HostileBuildCannotPoison(t *testing.T) {
	tc := warmToolCache(t)
	before, _ := treeDigest(t, tc.Ready())
	r, _ := newRunner(t, 0)
	cacheA := filepath.Join(t.TempDir(), "app-a")
	os.MkdirAll(cacheA, 0o700)
	// App A's compile step as the builder makes it for the Go buildpack (the app's code runs
	// in it: GOFLAGS=-toolexec, a hostile toolchain fetched by go.mod, …), running the attack.
	var out syncBuffer
	step := build.Step{Name: "compile", Path: "/bin/bash", Args: []string{"-c", attackScript}, Dir: cacheA,
		Env:    []string{"PATH=/usr/bin:/bin", "HOME=" + cacheA, "CACHE=" + cacheA, "MACHINE=" + tc.Dir()},
		Stdout: &out, Stderr: &out,
		Mounts: []build.Mount{{Path: cacheA, Writable: true},
			{Path: filepath.Join(cacheA, "go-build"), Writable: true, Lower: tc.GoCache(t.Context(), false), Upper: filepath.Join(cacheA+".layers", "go-build")}}}
	if err := r.Run(t.Context(), step); err != nil {
		t.Fatalf("attack step: %v\n%s", err, out.String())
	}
	log := out.String()
	t.Logf("attack:\n%s", log)
	for _, bad := range []string{"WROTE", "REMOVED", "RENAMED", "LINKED", "TOUCHED", "MACHINE VISIBLE", "MACHINE WRITABLE", "CHMOD", "cannot add"} {
		if strings.Contains(log, bad) {
			t.Errorf("attack output has %q", bad)
		}
	}
	if !strings.Contains(log, "overlay mounted") || strings.Contains(log, "found=0\n") {
		t.Errorf("the attack did not see the machine layer's entries")
	}
	if after, _ := treeDigest(t, tc.Ready()); after != before {
		t.Fatal("the machine layer changed")
	}
	// App A's poison stays in app A's layer.
	if _, err := os.Stat(filepath.Join(cacheA+".layers", "go-build", "00", "poison-d")); err != nil {
		t.Errorf("app A's own entry is not in its layer: %v", err)
	}
	// App B builds and serves from the same machine layer.
	cacheB := filepath.Join(t.TempDir(), "app-b")
	buildGo(t, r, tc, cacheB)
	if _, err := os.Stat(filepath.Join(cacheB+".layers", "go-build", "00", "poison-d")); err == nil {
		t.Error("app A's entry reached app B's layer")
	}
	if after, _ := treeDigest(t, tc.Ready()); after != before {
		t.Fatal("the machine layer changed")
	}
}
