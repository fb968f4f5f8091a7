package builtin_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/cnb/builtin"
)

// store is the directory the built-in buildpacks are materialized in, their wrappers
// running the bpmain binary that TestMain builds.
var store string

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "builtin-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	self := filepath.Join(dir, "bera")
	cmd := exec.Command("go", "build", "-o", self, "./testdata/bpmain")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build bpmain: %v\n%s", err, out)
		return 1
	}
	store = filepath.Join(dir, "buildpacks")
	if _, err := builtin.Materialize(store, self); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	// Go's module cache is read-only unless -modcacherw; the buildpack uses it, but be sure.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	return code
}

// requireTools skips (fails under CI=true) when a toolchain a buildpack needs is missing.
func requireTools(t testing.TB, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			beratest.Missing(t, fmt.Sprintf("%s is missing: install it (Go in /usr/local/go; apt-get install nodejs npm python3 python3-pip python3-venv)", p))
		}
	}
}

// copyApp copies testdata/apps/name into a new temp dir.
func copyApp(t testing.TB, name string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("testdata", "apps", name)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// env is the lifecycle's base environment: the stack's PATH, a scratch HOME, and the
// Go module proxy the host uses.
func env(t testing.TB, extra ...string) []string {
	t.Helper()
	e := []string{"PATH=/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin", "HOME=" + t.TempDir(), "LANG=C.UTF-8"}
	if p := os.Getenv("GOPROXY"); p != "" {
		e = append(e, "GOPROXY="+p)
	}
	return append(e, extra...)
}

// build is one run of detect and build over an app.
type build struct {
	Group  []cnb.GroupEntry
	MD     *cnb.Metadata
	Output string
	// Before lists, for each bin/build run, the non-empty layer dirs of that buildpack
	// that were there before it ran.
	Before map[string][]string
}

// lifecycle runs the real detect and build phases of internal/cnb over app with the
// built-in order, layers in layers (kept between calls to simulate the cache restore).
func lifecycle(t testing.TB, app, layers, platform string, base []string) (*build, error) {
	t.Helper()
	ctx := context.Background()
	var out syncBuffer
	res, err := cnb.Detect(ctx, cnb.DetectConfig{
		AppDir: app, PlatformDir: platform, Buildpacks: cnb.Store{Dir: store},
		Order: builtin.BuilderOrder(), Env: base, Output: &out,
	})
	if err != nil {
		return &build{Output: out.String()}, err
	}
	b := &build{Group: res.Group, Before: map[string][]string{}}
	md, err := cnb.Build(ctx, cnb.BuildConfig{
		AppDir: app, LayersDir: layers, PlatformDir: platform, Buildpacks: cnb.Store{Dir: store},
		Group: res.Group, Plan: res.Plan, Env: base, Output: &out, Run: b.recordingRunner,
	})
	b.MD, b.Output = md, out.String()
	return b, err
}

// recordingRunner notes the layers present before each bin/build, then runs it.
func (b *build) recordingRunner(ctx context.Context, c cnb.Cmd) (int, error) {
	if filepath.Base(c.Path) == "build" {
		for _, kv := range c.Env {
			if dir, ok := strings.CutPrefix(kv, "CNB_LAYERS_DIR="); ok {
				ents, _ := os.ReadDir(dir)
				for _, e := range ents {
					if sub, _ := os.ReadDir(filepath.Join(dir, e.Name())); e.IsDir() && len(sub) > 0 {
						b.Before[filepath.Base(dir)] = append(b.Before[filepath.Base(dir)], e.Name())
					}
				}
			}
		}
	}
	return cnb.ExecRunner(ctx, c)
}

// mustBuild is lifecycle that fails the test on error.
func mustBuild(t testing.TB, app, layers string, base []string) *build {
	t.Helper()
	b, err := lifecycle(t, app, layers, t.TempDir(), base)
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, b.Output)
	}
	return b
}

func groupIDs(g []cnb.GroupEntry) []string {
	var out []string
	for _, e := range g {
		out = append(out, e.ID)
	}
	return out
}

// process returns the process typ of md.
func process(t testing.TB, md *cnb.Metadata, typ string) cnb.Process {
	t.Helper()
	for _, p := range md.Processes {
		if p.Type == typ {
			return p
		}
	}
	t.Fatalf("no process %q in %+v", typ, md.Processes)
	return cnb.Process{}
}

// layerTypes returns the types of every layer of buildpack id, by layer name.
func layerTypes(md *cnb.Metadata, id string) map[string]cnb.LayerTypes {
	out := map[string]cnb.LayerTypes{}
	for _, bl := range md.Layers {
		if bl.Buildpack.ID == id {
			for _, l := range bl.Layers {
				out[l.Name] = l.Types
			}
		}
	}
	return out
}

func checkLayers(t testing.TB, md *cnb.Metadata, id string, want map[string]cnb.LayerTypes) {
	t.Helper()
	got := layerTypes(md, id)
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s layer %s types = %+v (present %v), want %+v", id, name, g, ok, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s layers = %v, want %v", id, got, want)
	}
}

// serve launches the default process the way a dyno does (cnb.Launch) on a free port
// and returns the body of GET path once the app printed its "listening" line.
func serve(t *testing.T, app, layers, path string) string {
	t.Helper()
	port := freePort(t)
	spec, err := cnb.Launch(t.Context(), cnb.LaunchConfig{
		LayersDir: layers, AppDir: app, Env: []string{"PATH=/usr/local/bin:/usr/bin:/bin", "PORT=" + port, "HOME=" + app},
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(spec.Argv[0], spec.Argv[1:]...)
	cmd.Env, cmd.Dir = spec.Env, spec.Dir
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatalf("start %v: %v", spec.Argv, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		r.Close()
	})
	waitListening(t, r)
	resp, err := http.Get("http://127.0.0.1:" + port + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s\n%s", path, resp.Status, body)
	}
	return string(body)
}

// waitListening reads the process's output until a line saying "listening" (the apps and
// the static server print one after their listen call), then drains the rest.
func waitListening(t *testing.T, r *os.File) {
	t.Helper()
	var seen strings.Builder
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "listening") {
			go io.Copy(io.Discard, r)
			return
		}
	}
	t.Fatalf("the process exited before listening; output:\n%s", seen.String())
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex // guards the following
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
