package cnb

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// layersBuild makes one layer of each kind the cache rules tell apart;
// BUILD_N (a platform env var) is the build number.
const layersBuild = `L="$CNB_LAYERS_DIR"
V="$BUILD_N"
cp -R "$L" seen
count() { [ -f "$1" ] || echo 0 > "$1"; echo $(( $(cat "$1") + 1 )) > "$1"; }

# cached: build + cache; a tool later buildpacks use.
mkdir -p "$L/cached/bin"
count "$L/cached/count"
printf '#!/bin/sh\necho cachedtool\n' > "$L/cached/bin/cachedtool"
chmod +x "$L/cached/bin/cachedtool"
printf '[types]\ncache = true\nbuild = true\n[metadata]\nbuild = %s\n' "$V" > "$L/cached.toml"

# launchcache: launch + cache.
mkdir -p "$L/launchcache"
count "$L/launchcache/count"
printf '[types]\ncache = true\nlaunch = true\n[metadata]\nbuild = %s\n' "$V" > "$L/launchcache.toml"

# launchonly: made once, then reused from the previous image.
if [ -f "$L/launchonly.toml" ]; then
  [ ! -e "$L/launchonly" ]
  printf '[types]\nlaunch = true\n[metadata]\nbuild = %s\n' "$V" > "$L/launchonly.toml"
else
  mkdir -p "$L/launchonly"
  echo first > "$L/launchonly/data"
  printf '[types]\nlaunch = true\n[metadata]\nbuild = %s\n' "$V" > "$L/launchonly.toml"
fi

# buildonly: build, not cached.
mkdir -p "$L/buildonly/env"
printf yes > "$L/buildonly/env/BUILDONLY"
printf '[types]\nbuild = true\n' > "$L/buildonly.toml"

# private: cache only; its env and bin must not reach later buildpacks.
mkdir -p "$L/private/env" "$L/private/bin"
printf yes > "$L/private/env/PRIVATE"
printf '[types]\ncache = true\n' > "$L/private.toml"

# evict: cached by the first build only.
if [ "$V" = 1 ]; then
  mkdir -p "$L/evict"
  printf '[types]\ncache = true\n' > "$L/evict.toml"
fi

printf '[metadata]\nbuild = %s\n' "$V" > "$L/store.toml"
`

const checkBuild = `{
  echo "BUILDONLY=$BUILDONLY"
  echo "PRIVATE=$PRIVATE"
  echo "TOOL=$(cachedtool)"
  echo "PATH=$PATH"
} > check-env.txt`

type runFixture struct {
	t       *testing.T
	store   string
	cache   string
	layout  string
	digests []string
	apps    []string
	out     bytes.Buffer
}

func newRunFixture(t *testing.T) *runFixture {
	f := &runFixture{t: t, store: t.TempDir(), cache: t.TempDir(), layout: t.TempDir()}
	writeBuildpackFull(t, f.store, "t/layers", "", "exit 0", layersBuild)
	writeBuildpackFull(t, f.store, "t/check", "", "exit 0", checkBuild)
	return f
}

func (f *runFixture) config(n int) RunConfig {
	prev := ""
	if len(f.digests) > 0 {
		prev = f.digests[len(f.digests)-1]
	}
	return RunConfig{
		AppDir: f.t.TempDir(), WorkDir: f.t.TempDir(), CacheDir: f.cache, LayoutDir: f.layout,
		PreviousImage: prev, RefName: "app", Order: Order{group("t/layers", "t/check")},
		Buildpacks: Store{Dir: f.store}, PlatformEnv: map[string]string{"BUILD_N": fmt.Sprint(n)},
		Env: []string{"PATH=" + os.Getenv("PATH")}, Output: &f.out, UID: 1000, GID: 1000,
	}
}

// build runs build number n (1-based) after the previous ones.
func (f *runFixture) build(n int) *RunResult {
	f.t.Helper()
	cfg := f.config(n)
	res, err := Run(context.Background(), cfg)
	if err != nil {
		f.t.Fatalf("build %d: %v\noutput:\n%s", n, err, f.out.String())
	}
	f.digests = append(f.digests, res.Digest)
	f.apps = append(f.apps, cfg.AppDir)
	return res
}

// seen lists what bin/build of t/layers found in its layers dir in build
// n: "name" for a layer dir, "name.toml" for a file.
func (f *runFixture) seen(n int) []string {
	f.t.Helper()
	ents, err := os.ReadDir(filepath.Join(f.apps[n-1], "seen"))
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func (f *runFixture) seenTOML(n int, name string) *LayerMetadata {
	f.t.Helper()
	data, err := os.ReadFile(filepath.Join(f.apps[n-1], "seen", name+".toml"))
	if err != nil {
		f.t.Fatal(err)
	}
	m, err := ParseLayerMetadata(data)
	if err != nil {
		f.t.Fatal(err)
	}
	return m
}

func (f *runFixture) seenFile(n int, rel string) string {
	f.t.Helper()
	data, err := os.ReadFile(filepath.Join(f.apps[n-1], "seen", rel))
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// image returns build n's image and its lifecycle metadata.
func (f *runFixture) image(n int) (v1.Image, *LifecycleMetadata) {
	f.t.Helper()
	p, err := layout.FromPath(f.layout)
	if err != nil {
		f.t.Fatal(err)
	}
	h, _ := v1.NewHash(f.digests[n-1])
	img, err := p.Image(h)
	if err != nil {
		f.t.Fatal(err)
	}
	md, err := ReadLifecycleMetadata(f.layout, f.digests[n-1])
	if err != nil {
		f.t.Fatal(err)
	}
	return img, md
}

func (f *runFixture) cached() map[string]LayerRecord {
	f.t.Helper()
	c, err := readCache(f.cache)
	if err != nil {
		f.t.Fatal(err)
	}
	bp := c.buildpack("t/layers")
	if bp == nil {
		f.t.Fatal("cache has no t/layers")
	}
	return bp.Layers
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestRunCacheAndReuse(t *testing.T) {
	f := newRunFixture(t)
	res := f.build(1)
	if got := ids(res.Group); !slices.Equal(got, []string{"t/layers", "t/check"}) {
		t.Fatalf("group = %v", got)
	}
	for _, h := range []string{"===> DETECTING", "===> RESTORING", "===> BUILDING", "===> EXPORTING"} {
		if !strings.Contains(f.out.String(), h) {
			t.Errorf("output lacks %q:\n%s", h, f.out.String())
		}
	}
	if got := f.seen(1); len(got) != 0 {
		t.Errorf("first build found %v in its layers dir, want nothing", got)
	}
	_, md1 := f.image(1)
	img1Layers := md1.buildpack("t/layers").Layers
	t.Run("LaunchFalseLayersNotInImage", func(t *testing.T) {
		if got := keys(img1Layers); !slices.Equal(got, []string{"launchcache", "launchonly"}) {
			t.Errorf("image layers = %v, want only the launch layers", got)
		}
	})
	t.Run("BuildFalseLayersNotInLaterEnv", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join(f.apps[0], "check-env.txt"))
		if err != nil {
			t.Fatal(err)
		}
		env := string(data)
		for _, want := range []string{"BUILDONLY=yes\n", "PRIVATE=\n", "TOOL=cachedtool\n"} {
			if !strings.Contains(env, want) {
				t.Errorf("later buildpack's env lacks %q:\n%s", want, env)
			}
		}
		if strings.Contains(env, "private") || strings.Contains(env, "launchonly") {
			t.Errorf("a build = false layer reached the later buildpack's PATH:\n%s", env)
		}
	})
	if got := keys(f.cached()); !slices.Equal(got, []string{"cached", "evict", "launchcache", "private"}) {
		t.Errorf("cache after build 1 = %v, want the cache = true layers", got)
	}
	if rec := f.cached()["launchcache"]; rec.SHA != img1Layers["launchcache"].SHA {
		t.Errorf("cached launchcache SHA %s, image has %s", rec.SHA, img1Layers["launchcache"].SHA)
	}

	f.build(2)
	t.Run("CacheTrueRestored", func(t *testing.T) {
		seen := f.seen(2)
		for _, want := range []string{"cached", "cached.toml", "launchcache", "launchcache.toml", "private", "private.toml", "evict", "store.toml"} {
			if !slices.Contains(seen, want) {
				t.Errorf("build 2 found %v, want %s restored", seen, want)
			}
		}
		if slices.Contains(seen, "buildonly.toml") || slices.Contains(seen, "buildonly") {
			t.Errorf("build = true, cache = false layer restored: %v", seen)
		}
		if got := f.seenFile(2, "cached/count"); got != "1" {
			t.Errorf("cached/count = %s, want 1 from build 1", got)
		}
		m := f.seenTOML(2, "cached")
		if m.Types != (LayerTypes{}) || m.Metadata["build"] != int64(1) {
			t.Errorf("restored cached.toml = %+v, want build 1's metadata and no types", m)
		}
		if got := f.seenFile(2, "store.toml"); !strings.Contains(got, "build = 1") {
			t.Errorf("store.toml = %q", got)
		}
	})
	t.Run("LaunchOnlyMetadataRestored", func(t *testing.T) {
		seen := f.seen(2)
		if !slices.Contains(seen, "launchonly.toml") || slices.Contains(seen, "launchonly") {
			t.Fatalf("build 2 found %v, want launchonly.toml without its directory", seen)
		}
		if m := f.seenTOML(2, "launchonly"); m.Types != (LayerTypes{}) || m.Metadata["build"] != int64(1) {
			t.Errorf("restored launchonly.toml = %+v", m)
		}
	})
	img2, md2 := f.image(2)
	img2Layers := md2.buildpack("t/layers").Layers
	t.Run("ReusedLayer", func(t *testing.T) {
		ls, err := img2.Layers()
		if err != nil || len(ls) != 4 {
			t.Fatalf("image 2 has %d layers (%v), want launchcache, launchonly, app, config", len(ls), err)
		}
		h, _ := v1.NewHash(img1Layers["launchonly"].SHA)
		if l, err := img2.LayerByDiffID(h); err != nil {
			t.Errorf("reused layer not in image 2: %v", err)
		} else if files := layerFiles(t, l); !slices.Contains(files, "layers/t_layers/launchonly/data") {
			t.Errorf("reused layer = %v", files)
		}
		if img2Layers["launchonly"].SHA != img1Layers["launchonly"].SHA {
			t.Errorf("launchonly SHA %s, want build 1's %s reused", img2Layers["launchonly"].SHA, img1Layers["launchonly"].SHA)
		}
		if img2Layers["launchonly"].Data["build"] != int64(2) {
			t.Errorf("launchonly metadata in image 2 = %v, want the rebuild's", img2Layers["launchonly"].Data)
		}
		if img2Layers["launchcache"].SHA == img1Layers["launchcache"].SHA {
			t.Error("launchcache changed (count 2) but kept its SHA")
		}
	})
	t.Run("Eviction", func(t *testing.T) {
		if got := keys(f.cached()); slices.Contains(got, "evict") {
			t.Errorf("cache after build 2 = %v; evict was not kept", got)
		}
		f.build(3)
		if seen := f.seen(3); slices.Contains(seen, "evict") || slices.Contains(seen, "evict.toml") {
			t.Errorf("build 3 found %v, want evict gone", seen)
		}
		if got := f.seenFile(3, "launchcache/count"); got != "2" {
			t.Errorf("launchcache/count in build 3 = %s, want 2", got)
		}
	})
}

func TestRunLaunchCacheNeedsMatchingImage(t *testing.T) {
	f := newRunFixture(t)
	f.build(1)
	// Without the previous image the launch + cache layer cannot be
	// checked against it, so it is not restored; cache-only layers are.
	f.digests = nil
	f.build(2)
	seen := f.seen(2)
	if slices.Contains(seen, "launchcache") || !slices.Contains(seen, "cached") {
		t.Errorf("build 2 without previous image found %v", seen)
	}
}

func TestRunErrorsNamePhaseAndBuildpack(t *testing.T) {
	store := t.TempDir()
	writeBuildpackFull(t, store, "example/go", "", "exit 0", "exit 1")
	cfg := RunConfig{
		AppDir: t.TempDir(), WorkDir: t.TempDir(), LayoutDir: t.TempDir(),
		Order: Order{group("example/go")}, Buildpacks: Store{Dir: store},
	}
	_, err := Run(context.Background(), cfg)
	if err == nil || err.Error() != "build: buildpack example/go@1.0: bin/build exited with status 1" {
		t.Errorf("err = %v", err)
	}
	writeBuildpackFull(t, store, "bad/reuse", "", "exit 0", `printf '[types]\nlaunch = true\n' > "$CNB_LAYERS_DIR/gone.toml"`)
	cfg.Order, cfg.WorkDir = Order{group("bad/reuse")}, t.TempDir()
	if _, err := Run(context.Background(), cfg); err == nil || !strings.HasPrefix(err.Error(), "export: buildpack bad/reuse@1.0: layer gone:") {
		t.Errorf("reuse without a previous layer: err = %v", err)
	}
	if _, err := Run(context.Background(), RunConfig{AppDir: "x", LayoutDir: "y"}); err == nil || err.Error() != "prepare: WorkDir is required" {
		t.Errorf("no WorkDir: err = %v", err)
	}
	cfg.PlatformEnv = map[string]string{"A/B": "x"}
	if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), `invalid variable name "A/B"`) {
		t.Errorf("bad platform env: err = %v", err)
	}
}

// sandboxCheck is a Runner that fails a program touching a host path
// outside its Mounts, or writing where its mount is read-only.
type sandboxCheck struct {
	t       *testing.T
	workDir string
}

func under(p string, ms []Mount, writable bool) bool {
	for _, m := range ms {
		if (p == m.Path || strings.HasPrefix(p, m.Path+"/")) && (m.Writable || !writable) {
			return true
		}
	}
	return false
}

func (s sandboxCheck) run(ctx context.Context, c Cmd) (int, error) {
	check := func(what, p string, writable bool) {
		if p != "" && !under(p, c.Mounts, writable) {
			s.t.Errorf("%s: %s %s is not under a mount (writable %v): %+v", c.Path, what, p, writable, c.Mounts)
		}
	}
	build := filepath.Base(c.Path) == "build"
	check("path", c.Path, false)
	check("dir", c.Dir, build)
	check("CNB_LAYERS_DIR", envValue(c.Env, "CNB_LAYERS_DIR"), true)
	check("CNB_PLATFORM_DIR", envValue(c.Env, "CNB_PLATFORM_DIR"), false)
	check("CNB_BUILDPACK_DIR", envValue(c.Env, "CNB_BUILDPACK_DIR"), false)
	check("CNB_BP_PLAN_PATH", envValue(c.Env, "CNB_BP_PLAN_PATH"), false)
	check("CNB_BUILD_PLAN_PATH", envValue(c.Env, "CNB_BUILD_PLAN_PATH"), true)
	for _, p := range filepath.SplitList(envValue(c.Env, "PATH")) {
		if strings.HasPrefix(p, s.workDir) {
			check("PATH entry", p, false)
		}
	}
	if !slices.IsSortedFunc(c.Mounts, func(a, b Mount) int { return strings.Compare(a.Path, b.Path) }) {
		s.t.Errorf("mounts not sorted: %+v", c.Mounts)
	}
	return ExecRunner(ctx, c)
}

func TestRunMountsCoverEveryPath(t *testing.T) {
	f := newRunFixture(t)
	cfg := f.config(1)
	cfg.Run = sandboxCheck{t: t, workDir: cfg.WorkDir}.run
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatalf("%v\n%s", err, f.out.String())
	}
}

func TestRunWithoutCacheStillReuses(t *testing.T) {
	f := newRunFixture(t)
	f.cache = ""
	f.build(1)
	f.build(2)
	seen := f.seen(2)
	if !slices.Equal(seen, []string{"launchonly.toml", "store.toml"}) {
		t.Errorf("build 2 without a cache found %v, want only the previous image's launch-only metadata and store.toml", seen)
	}
	_, md1 := f.image(1)
	_, md2 := f.image(2)
	if a, b := md1.buildpack("t/layers").Layers["launchonly"].SHA, md2.buildpack("t/layers").Layers["launchonly"].SHA; a != b {
		t.Errorf("launchonly SHA %s then %s, want reused", a, b)
	}
}
