package cnb

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// buildFixture runs detect and build of the testdata runtime and app
// buildpacks and returns the layers dir, app dir and metadata.
func buildFixture(t *testing.T) (layers, app string, md *Metadata) {
	t.Helper()
	store := Store{Dir: "testdata/buildpacks"}
	abs, err := filepath.Abs(store.Dir)
	if err != nil {
		t.Fatal(err)
	}
	store.Dir = abs
	app, layers = t.TempDir(), t.TempDir()
	base := []string{"PATH=" + os.Getenv("PATH"), "RT_KEEP=kept", "RT_OVERRIDE=orig", "RT_LIST=head", "RT_GLUE=tail"}
	ctx := context.Background()
	res, err := Detect(ctx, DetectConfig{
		AppDir: app, PlatformDir: t.TempDir(), Buildpacks: store, Env: base,
		Order: Order{{Group: []GroupEntry{{ID: "bera/runtime", Version: "1.0"}, {ID: "bera/app", Version: "1.0"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	md, err = Build(ctx, BuildConfig{
		AppDir: app, LayersDir: layers, PlatformDir: t.TempDir(), Buildpacks: store,
		Group: res.Group, Plan: res.Plan, Env: base, Output: &out,
	})
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "runtime: building in "+app) {
		t.Errorf("live output = %q, want the runtime's line with cwd = app dir", out.String())
	}
	return layers, app, md
}

func TestBuildEnvReachesLaterBuildpacks(t *testing.T) {
	_, app, _ := buildFixture(t)
	data, err := os.ReadFile(filepath.Join(app, "build-env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	for _, want := range []string{
		"RT_PLAIN=runtime\n",       // no suffix: override
		"RT_OVERRIDE=overridden\n", // .override
		"RT_DEFAULT=fallback\n",    // .default, unset before
		"RT_KEEP=kept\n",           // .default, already set
		"RT_LIST=head,tail\n",      // .append with .delim
		"RT_GLUE=headtail\n",       // .prepend without .delim
		"RT_BUILD=build-only\n",    // env.build applies at build
		"RT_LAUNCH=\n",             // env.launch does not
		"TOOLS=yes\n",              // build-only layer env
		"PLAN=\n",                  // app provides nothing: empty plan
		"TOOL=tool\n",              // build layer bin/ on PATH
		"HELLO=hello from runtime\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("build env lacks %q; got:\n%s", want, got)
		}
	}
}

func TestBuildMetadata(t *testing.T) {
	layers, _, md := buildFixture(t)
	if got := ids(md.Buildpacks); !slices.Equal(got, []string{"bera/runtime", "bera/app"}) {
		t.Errorf("buildpacks = %v", got)
	}
	if md.Buildpacks[0].Homepage != "https://example.test/runtime" || md.Buildpacks[0].API != "0.10" {
		t.Errorf("buildpack entry = %+v, want api and homepage from buildpack.toml", md.Buildpacks[0])
	}
	if md.DefaultProcess != "web" {
		t.Errorf("default process = %q, want web", md.DefaultProcess)
	}
	if len(md.Processes) != 2 {
		t.Fatalf("processes = %+v, want web and worker", md.Processes)
	}
	web, worker := md.Processes[0], md.Processes[1]
	if web.Type != "web" || !slices.Equal(web.Command, []string{"runtime-hello"}) || !slices.Equal(web.Args, []string{"--port", "8080"}) || !web.Default || web.BuildpackID != "bera/runtime" {
		t.Errorf("web = %+v", web)
	}
	if worker.BuildpackID != "bera/app" || worker.Command[0] != "sh" || worker.WorkingDir != "/workspace/sub" {
		t.Errorf("worker = %+v, want the later buildpack's override", worker)
	}
	if len(md.Labels) != 1 || md.Labels[0].Key != "org.example.runtime" {
		t.Errorf("labels = %+v", md.Labels)
	}
	var names []string
	flags := map[string]LayerTypes{}
	for _, l := range md.Layers[0].Layers {
		names = append(names, l.Name)
		flags[l.Name] = l.Types
	}
	if !slices.Equal(names, []string{"cache", "runtime", "tools"}) {
		t.Errorf("layers = %v, want cache runtime tools (no stray dir)", names)
	}
	if f := flags["runtime"]; !f.Launch || !f.Build || !f.Cache {
		t.Errorf("runtime flags = %+v", f)
	}
	if f := flags["cache"]; f.Launch || f.Build || !f.Cache {
		t.Errorf("cache flags = %+v", f)
	}
	data, err := os.ReadFile(filepath.Join(layers, "config", "metadata.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`buildpack-default-process-type = "web"`, `command = ["runtime-hello"]`, `buildpack-id = "bera/app"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("metadata.toml lacks %q:\n%s", want, data)
		}
	}
}

func TestBuildFailureNamesBuildpack(t *testing.T) {
	store := t.TempDir()
	writeBuildpackFull(t, store, "ok", "", "exit 0", "exit 0")
	writeBuildpackFull(t, store, "bad", "", "exit 0", "echo boom >&2; exit 3")
	var out bytes.Buffer
	_, err := Build(context.Background(), BuildConfig{
		AppDir: t.TempDir(), LayersDir: t.TempDir(), Buildpacks: Store{Dir: store},
		Group: group("ok", "bad").Group, Output: &out,
	})
	if err == nil || err.Error() != "build: buildpack bad@1.0: bin/build exited with status 3" {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(out.String(), "boom") {
		t.Errorf("output = %q, want the buildpack's stderr", out.String())
	}
}

func TestBuildUnmetPassesToNextProvider(t *testing.T) {
	store := t.TempDir()
	// Both provide "dep"; the first leaves it unmet, so the second gets it.
	writeBuildpackFull(t, store, "first", "", "", `grep -q dep "$CNB_BP_PLAN_PATH"
printf '[[unmet]]\nname = "dep"\n' > "$CNB_LAYERS_DIR/build.toml"`)
	writeBuildpackFull(t, store, "second", "", "", `grep -q 'name = "dep"' "$CNB_BP_PLAN_PATH"`)
	writeBuildpackFull(t, store, "third", "", "", `! grep -q dep "$CNB_BP_PLAN_PATH"`)
	bps := group("first", "second", "third").Group
	plan := Plan{Entries: []PlanEntry{{Providers: bps, Requires: []Require{{Name: "dep"}}}}}
	_, err := Build(context.Background(), BuildConfig{
		AppDir: t.TempDir(), LayersDir: t.TempDir(), Buildpacks: Store{Dir: store}, Group: bps, Plan: plan,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestProcessDefaults(t *testing.T) {
	bp := GroupEntry{ID: "a", API: "0.10"}
	m := &processMap{}
	m.add(bp, []LaunchProcess{{Type: "web", Command: Command{"x"}, Default: true}})
	m.add(bp, []LaunchProcess{{Type: "web", Command: Command{"y"}}})
	if _, def := m.result(""); def != "" {
		t.Errorf("default = %q after override without default, want none", def)
	}
	m.add(bp, []LaunchProcess{{Type: "worker", Command: Command{"z"}}})
	if _, def := m.result("worker"); def != "worker" {
		t.Errorf("default = %q, want the platform's worker", def)
	}
	old := GroupEntry{ID: "old", API: "0.8"}
	if p := toProcess(old, LaunchProcess{Type: "web", Command: Command{"echo hi"}}); p.Direct {
		t.Errorf("API 0.8 process without direct = %+v, want shell form", p)
	}
}

func TestBuildBadOutputAndCancel(t *testing.T) {
	store := t.TempDir()
	writeBuildpackFull(t, store, "badlaunch", "", "", `printf '[[processes]]\ntype = "../x"\ncommand = ["a"]\n' > "$CNB_LAYERS_DIR/launch.toml"`)
	writeBuildpackFull(t, store, "badlayer", "", "", `mkdir "$CNB_LAYERS_DIR/l"; echo '[types' > "$CNB_LAYERS_DIR/l.toml"`)
	writeBuildpackFull(t, store, "platformenv", "", "", `[ "$USER_VAR" = "u" ]`)
	platform := t.TempDir()
	mustWrite(t, filepath.Join(platform, "env", "USER_VAR"), "u", 0o644)
	run := func(ctx context.Context, id string) error {
		_, err := Build(ctx, BuildConfig{
			AppDir: t.TempDir(), LayersDir: t.TempDir(), PlatformDir: platform,
			Buildpacks: Store{Dir: store}, Group: group(id).Group,
		})
		return err
	}
	if err := run(context.Background(), "badlaunch"); err == nil || !strings.HasPrefix(err.Error(), "build: buildpack badlaunch@1.0: launch.toml: invalid process type") {
		t.Errorf("bad launch.toml: err = %v", err)
	}
	if err := run(context.Background(), "badlayer"); err == nil || !strings.HasPrefix(err.Error(), "build: buildpack badlayer@1.0: layer l:") {
		t.Errorf("bad layer toml: err = %v", err)
	}
	if err := run(context.Background(), "platformenv"); err != nil {
		t.Errorf("platform env not given to bin/build: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := run(ctx, "platformenv"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: err = %v, want context.Canceled", err)
	}
}
