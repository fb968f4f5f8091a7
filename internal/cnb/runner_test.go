package cnb

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorder wraps ExecRunner and records what each phase asked to run: the
// seam a sandbox is plugged into.
type recorder struct {
	mu   sync.Mutex
	cmds []Cmd
}

func (r *recorder) run(ctx context.Context, c Cmd) (int, error) {
	r.mu.Lock()
	r.cmds = append(r.cmds, c)
	r.mu.Unlock()
	return ExecRunner(ctx, c)
}

func envValue(env []string, k string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, k+"="); ok {
			return v
		}
	}
	return ""
}

func TestPhasesRunThroughRunner(t *testing.T) {
	store := t.TempDir()
	writeBuildpack(t, store, "a/b", "exit 0")
	app, layers, platform := t.TempDir(), t.TempDir(), t.TempDir()
	rec := &recorder{}
	ctx := context.Background()
	res, err := Detect(ctx, DetectConfig{AppDir: app, PlatformDir: platform, Buildpacks: Store{Dir: store}, Order: Order{group("a/b")}, Run: rec.run})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, BuildConfig{AppDir: app, LayersDir: layers, PlatformDir: platform, Buildpacks: Store{Dir: store}, Group: res.Group, Run: rec.run}); err != nil {
		t.Fatal(err)
	}
	if len(rec.cmds) != 2 {
		t.Fatalf("runner saw %d commands, want detect and build", len(rec.cmds))
	}
	bpDir := filepath.Join(store, "a_b", "1.0")
	det, bld := rec.cmds[0], rec.cmds[1]
	if det.Path != filepath.Join(bpDir, "bin", "detect") || bld.Path != filepath.Join(bpDir, "bin", "build") {
		t.Errorf("paths = %s, %s", det.Path, bld.Path)
	}
	for _, c := range rec.cmds {
		if c.Dir != app || envValue(c.Env, "CNB_PLATFORM_DIR") != platform || envValue(c.Env, "CNB_BUILDPACK_DIR") != bpDir || envValue(c.Env, "CNB_TARGET_OS") != "linux" {
			t.Errorf("cmd %s: dir %s env %v", c.Path, c.Dir, c.Env)
		}
	}
	if envValue(det.Env, "CNB_BUILD_PLAN_PATH") == "" {
		t.Error("detect without CNB_BUILD_PLAN_PATH")
	}
	if got := envValue(bld.Env, "CNB_LAYERS_DIR"); got != filepath.Join(layers, "a_b") {
		t.Errorf("CNB_LAYERS_DIR = %q", got)
	}
	if envValue(bld.Env, "CNB_BP_PLAN_PATH") == "" || slices.Contains(bld.Env, "CNB_BUILD_PLAN_PATH=") {
		t.Error("build env lacks CNB_BP_PLAN_PATH")
	}
}
