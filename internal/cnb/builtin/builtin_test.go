package builtin_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/cnb/builtin"
)

func TestGo(t *testing.T) {
	requireTools(t, "/usr/local/go/bin/go")
	app, layers := copyApp(t, "go"), t.TempDir()
	b := mustBuild(t, app, layers, env(t))
	if got, want := groupIDs(b.Group), []string{"bera/go"}; !slices.Equal(got, want) {
		t.Fatalf("group = %v, want %v", got, want)
	}
	web := process(t, b.MD, "web")
	if got, want := web.Command, []string{"go-getting-started"}; !slices.Equal(got, want) || !web.Default || b.MD.DefaultProcess != "web" {
		t.Errorf("web = %+v (default process %q), want command %v, default", web, b.MD.DefaultProcess, want)
	}
	checkLayers(t, b.MD, "bera/go", map[string]cnb.LayerTypes{
		"go-mod": {Cache: true}, "go-build": {Cache: true}, "app": {Launch: true},
	})
	for _, want := range []string{
		"Using go1.", "go.mod's toolchain line asks for go1.23.4", "Creating Go build cache",
		"Installed bin/go-getting-started",
	} {
		if !strings.Contains(b.Output, want) {
			t.Errorf("output lacks %q:\n%s", want, b.Output)
		}
	}
	if _, err := os.Stat(filepath.Join(layers, "bera_go", "go-mod", "cache", "download", "github.com", "google", "uuid")); err != nil {
		t.Errorf("the module download is not in the go-mod layer: %v", err)
	}
	if body := serve(t, app, layers, "/"); !strings.HasPrefix(body, "hello from go") {
		t.Errorf("GET / = %q", body)
	}

	t.Run("SecondBuildRestoresCaches", func(t *testing.T) {
		b := mustBuild(t, app, layers, env(t))
		before := b.Before["bera_go"]
		for _, l := range []string{"go-mod", "go-build"} {
			if !contains(before, l) {
				t.Errorf("layer %s was not there before bin/build (there: %v)", l, before)
			}
		}
		if !strings.Contains(b.Output, "Restoring Go build cache (1 earlier builds)") {
			t.Errorf("output lacks the restore line:\n%s", b.Output)
		}
	})
	t.Run("SeededFromMachineCache", func(t *testing.T) {
		seed := filepath.Join(layers, "bera_go", "go-build")
		layers := t.TempDir()
		b := mustBuild(t, copyApp(t, "go"), layers, env(t, builtin.SeedEnv+"="+seed))
		if !strings.Contains(b.Output, "Creating Go build cache from the machine's ("+seed+")") {
			t.Errorf("output lacks the seed line:\n%s", b.Output)
		}
		if n, want := countFiles(t, filepath.Join(layers, "bera_go", "go-build")), countFiles(t, seed); n < want {
			t.Errorf("seeded cache has %d files, the seed %d", n, want)
		}
	})
}

func countFiles(t testing.TB, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

func TestGoWithProcfile(t *testing.T) {
	requireTools(t, "/usr/local/go/bin/go")
	app := t.TempDir()
	writeFile(t, filepath.Join(app, "go.mod"), "module example.com/tools/v2\n\ngo 1.22\n")
	for _, name := range []string{"api", "worker"} {
		writeFile(t, filepath.Join(app, "cmd", name, "main.go"), "package main\n\nfunc main() { println(\""+name+"\") }\n")
	}
	writeFile(t, filepath.Join(app, "Procfile"), "web: api --port $PORT\nclock: worker\n")
	b := mustBuild(t, app, t.TempDir(), env(t))
	if got, want := groupIDs(b.Group), []string{"bera/go", "bera/procfile"}; !slices.Equal(got, want) {
		t.Fatalf("group = %v, want %v", got, want)
	}
	web := process(t, b.MD, "web")
	if got, want := web.Command, []string{"bash", "-c", "api --port $PORT"}; !slices.Equal(got, want) || web.BuildpackID != "bera/procfile" || b.MD.DefaultProcess != "web" {
		t.Errorf("web = %+v, default %q; want the Procfile's, default", web, b.MD.DefaultProcess)
	}
	// Each binary is a process type of its name; the Procfile adds its own.
	for typ, cmd := range map[string]string{"api": "api", "worker": "worker", "clock": "bash"} {
		if got := process(t, b.MD, typ).Command[0]; got != cmd {
			t.Errorf("process %s runs %q, want %q", typ, got, cmd)
		}
	}
	if !strings.Contains(b.Output, "go.mod's go line asks for go1.22 or newer") {
		t.Errorf("output lacks the version line:\n%s", b.Output)
	}
}

func TestGoBuildFails(t *testing.T) {
	requireTools(t, "/usr/local/go/bin/go")
	for name, tc := range map[string]struct{ goMod, main, message string }{
		"Compile":       {"module example.com/broken\n\ngo 1.22\n", "package main\n\nfunc main() { undefinedThing() }\n", "undefined: undefinedThing"},
		"GoTooNew":      {"module example.com/future\n\ngo 1.99\n", "package main\n\nfunc main() {}\n", "go.mod requires go >= 1.99"},
		"NoMainPackage": {"module example.com/lib\n\ngo 1.22\n", "package lib\n", "no main package found"},
	} {
		t.Run(name, func(t *testing.T) {
			app := t.TempDir()
			writeFile(t, filepath.Join(app, "go.mod"), tc.goMod)
			writeFile(t, filepath.Join(app, "main.go"), tc.main)
			b, err := lifecycle(t, app, t.TempDir(), t.TempDir(), env(t))
			if err == nil {
				t.Fatalf("build passed:\n%s", b.Output)
			}
			if !strings.Contains(b.Output, tc.message) {
				t.Errorf("output lacks %q:\n%s", tc.message, b.Output)
			}
		})
	}
}

func TestNodejs(t *testing.T) {
	requireTools(t, "/usr/bin/node", "/usr/bin/npm")
	app, layers := copyApp(t, "nodejs"), t.TempDir()
	b := mustBuild(t, app, layers, env(t))
	if got, want := groupIDs(b.Group), []string{"bera/nodejs"}; !slices.Equal(got, want) {
		t.Fatalf("group = %v, want %v", got, want)
	}
	if got, want := process(t, b.MD, "web").Command, []string{"npm", "start"}; !slices.Equal(got, want) {
		t.Errorf("web = %v, want %v", got, want)
	}
	checkLayers(t, b.MD, "bera/nodejs", map[string]cnb.LayerTypes{"npm-cache": {Cache: true}, "nodejs": {Launch: true}})
	for _, want := range []string{"Node.js 20.x requested", "Installing dependencies with npm ci"} {
		if !strings.Contains(b.Output, want) {
			t.Errorf("output lacks %q:\n%s", want, b.Output)
		}
	}
	if _, err := os.Stat(filepath.Join(app, "node_modules", "express", "package.json")); err != nil {
		t.Errorf("express is not in the app's node_modules: %v", err)
	}
	envDir := filepath.Join(layers, "bera_nodejs", "nodejs", "env.launch")
	if got, _ := os.ReadFile(filepath.Join(envDir, "PATH.prepend")); string(got) != filepath.Join(app, "node_modules", ".bin") {
		t.Errorf("env.launch/PATH.prepend = %q", got)
	}
	if body := serve(t, app, layers, "/"); !strings.Contains(body, "Node getting started") {
		t.Errorf("GET / (express.static) = %q", body)
	}

	t.Run("SecondBuildRestoresCaches", func(t *testing.T) {
		os.RemoveAll(filepath.Join(app, "node_modules"))
		b := mustBuild(t, app, layers, env(t))
		if !contains(b.Before["bera_nodejs"], "npm-cache") || !strings.Contains(b.Output, "Restoring npm cache") {
			t.Errorf("npm-cache not restored (before bin/build: %v):\n%s", b.Before["bera_nodejs"], b.Output)
		}
	})
}

func TestNodejsWithoutLockfile(t *testing.T) {
	requireTools(t, "/usr/bin/node", "/usr/bin/npm")
	app := t.TempDir()
	writeFile(t, filepath.Join(app, "package.json"), `{"name": "plain", "version": "1.0.0"}`)
	writeFile(t, filepath.Join(app, "server.js"), `require("http").createServer((q, s) => s.end("plain node")).listen(process.env.PORT, () => console.log("listening"))`)
	layers := t.TempDir()
	b := mustBuild(t, app, layers, env(t))
	if got, want := process(t, b.MD, "web").Command, []string{"node", "server.js"}; !slices.Equal(got, want) {
		t.Errorf("web = %v, want %v", got, want)
	}
	if !strings.Contains(b.Output, "Installing dependencies with npm install") {
		t.Errorf("output lacks npm install:\n%s", b.Output)
	}
	if body := serve(t, app, layers, "/"); body != "plain node" {
		t.Errorf("GET / = %q", body)
	}
}

func TestPython(t *testing.T) {
	requireTools(t, "/usr/bin/python3")
	app, layers := copyApp(t, "python"), t.TempDir()
	b := mustBuild(t, app, layers, env(t))
	if got, want := groupIDs(b.Group), []string{"bera/python"}; !slices.Equal(got, want) {
		t.Fatalf("group = %v, want %v", got, want)
	}
	if got, want := process(t, b.MD, "web").Command, []string{"python", "app.py"}; !slices.Equal(got, want) {
		t.Errorf("web = %v, want %v", got, want)
	}
	checkLayers(t, b.MD, "bera/python", map[string]cnb.LayerTypes{
		"venv": {Launch: true, Build: true, Cache: true}, "pip-cache": {Cache: true},
	})
	for _, want := range []string{"Python 3.11 requested (.python-version)", "No dependencies to install"} {
		if !strings.Contains(b.Output, want) {
			t.Errorf("output lacks %q:\n%s", want, b.Output)
		}
	}
	if body := serve(t, app, layers, "/"); body != "hello from python\n" {
		t.Errorf("GET / = %q", body)
	}
	spec, err := cnb.Launch(t.Context(), cnb.LaunchConfig{LayersDir: layers, AppDir: app, Env: []string{"PATH=/usr/bin:/bin"}})
	if err != nil {
		t.Fatal(err)
	}
	venv := filepath.Join(layers, "bera_python", "venv")
	if want := filepath.Join(venv, "bin", "python"); spec.Argv[0] != want || !slices.Contains(spec.Env, "VIRTUAL_ENV="+venv) {
		t.Errorf("launch argv %v env %v: want the venv's python and VIRTUAL_ENV", spec.Argv, spec.Env)
	}

	t.Run("SecondBuildReusesVenv", func(t *testing.T) {
		b := mustBuild(t, app, layers, env(t))
		if !contains(b.Before["bera_python"], "venv") || !strings.Contains(b.Output, "Reusing the virtualenv") {
			t.Errorf("venv not reused (before bin/build: %v):\n%s", b.Before["bera_python"], b.Output)
		}
	})
}

func TestPythonPipFails(t *testing.T) {
	requireTools(t, "/usr/bin/python3")
	for name, tc := range map[string]struct{ requirements, message string }{
		"NoIndex":            {"six==1.16.0\n", "No matching distribution found for six==1.16.0"},
		"InvalidRequirement": {"this is not a requirement!!\n", "Invalid requirement"},
	} {
		t.Run(name, func(t *testing.T) {
			app, platform := t.TempDir(), t.TempDir()
			writeFile(t, filepath.Join(app, "requirements.txt"), tc.requirements)
			writeFile(t, filepath.Join(app, "app.py"), "print('hi')\n")
			// The user's config vars (platform env) point pip at an index that refuses.
			writeFile(t, filepath.Join(platform, "env", "PIP_INDEX_URL"), "http://127.0.0.1:1/simple")
			writeFile(t, filepath.Join(platform, "env", "PIP_RETRIES"), "0")
			b, err := lifecycle(t, app, t.TempDir(), platform, env(t))
			if err == nil {
				t.Fatalf("build passed:\n%s", b.Output)
			}
			for _, want := range []string{tc.message, "pip install failed"} {
				if !strings.Contains(b.Output, want) {
					t.Errorf("output lacks %q:\n%s", want, b.Output)
				}
			}
		})
	}
}

func TestStatic(t *testing.T) {
	requireTools(t, "/usr/local/go/bin/go")
	app, layers := copyApp(t, "static"), t.TempDir()
	base := env(t, "GOCACHE="+goCache(t))
	b := mustBuild(t, app, layers, base)
	if got, want := groupIDs(b.Group), []string{"bera/static"}; !slices.Equal(got, want) {
		t.Fatalf("group = %v, want %v", got, want)
	}
	if got, want := process(t, b.MD, "web").Command, []string{"static-server", "-root", "."}; !slices.Equal(got, want) {
		t.Errorf("web = %v, want %v", got, want)
	}
	checkLayers(t, b.MD, "bera/static", map[string]cnb.LayerTypes{"server": {Launch: true, Cache: true}})
	if body := serve(t, app, layers, "/"); !strings.Contains(body, "hello from a static site") {
		t.Errorf("GET / = %q", body)
	}

	t.Run("SecondBuildReusesServer", func(t *testing.T) {
		b := mustBuild(t, app, layers, base)
		if !strings.Contains(b.Output, "Using the cached static file server") {
			t.Errorf("server not reused:\n%s", b.Output)
		}
	})
	t.Run("StaticJSONRoot", func(t *testing.T) {
		app := t.TempDir()
		writeFile(t, filepath.Join(app, "static.json"), `{"root": "dist/"}`)
		writeFile(t, filepath.Join(app, "dist", "index.html"), "from dist")
		layers := t.TempDir()
		b := mustBuild(t, app, layers, base)
		if got, want := process(t, b.MD, "web").Command, []string{"static-server", "-root", "dist"}; !slices.Equal(got, want) {
			t.Errorf("web = %v, want %v", got, want)
		}
		if body := serve(t, app, layers, "/"); body != "from dist" {
			t.Errorf("GET / = %q", body)
		}
	})
}

// goCache is the host's Go build cache: what the platform may hand the static buildpack
// (the machine's shared cache) so the file server compiles in a second.
func goCache(t testing.TB) string {
	out, err := exec.Command("/usr/local/go/bin/go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func TestDetect(t *testing.T) {
	for name, tc := range map[string]struct {
		files map[string]string
		want  []string
	}{
		"NodeWithIndexHTML":    {map[string]string{"package.json": "{}", "index.html": "x"}, []string{"bera/nodejs"}},
		"PythonVersionOnly":    {map[string]string{".python-version": "3.11\n"}, []string{"bera/python"}},
		"PyprojectAndProcfile": {map[string]string{"pyproject.toml": "[project]\nname='x'\n", "Procfile": "web: python -m http.server $PORT\n"}, []string{"bera/python", "bera/procfile"}},
		"StaticWithProcfile":   {map[string]string{"index.html": "x", "Procfile": "web: ./serve\n"}, []string{"bera/static", "bera/procfile"}},
		"ProcfileOnly":         {map[string]string{"Procfile": "web: ./run.sh\n", "run.sh": "#!/bin/sh\n"}, []string{"bera/procfile"}},
		"RubyWithIndexHTML":    {map[string]string{"Gemfile": "", "index.html": "x", "Procfile": "web: ruby app.rb\n"}, []string{"bera/procfile"}},
	} {
		t.Run(name, func(t *testing.T) {
			app := t.TempDir()
			for f, c := range tc.files {
				writeFile(t, filepath.Join(app, f), c)
			}
			res, err := cnb.Detect(t.Context(), cnb.DetectConfig{
				AppDir: app, PlatformDir: t.TempDir(), Buildpacks: cnb.Store{Dir: store},
				Order: builtin.Order, Env: env(t),
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := groupIDs(res.Group); !slices.Equal(got, tc.want) {
				t.Errorf("group = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("Nothing", func(t *testing.T) {
		_, err := cnb.Detect(t.Context(), cnb.DetectConfig{
			AppDir: t.TempDir(), PlatformDir: t.TempDir(), Buildpacks: cnb.Store{Dir: store}, Order: builtin.Order, Env: env(t),
		})
		if !errors.Is(err, cnb.ErrNoGroup) || strings.Contains(err.Error(), "errors:") {
			t.Errorf("err = %v, want ErrNoGroup without buildpack errors", err)
		}
	})
}

func TestProcfileOnly(t *testing.T) {
	app := t.TempDir()
	writeFile(t, filepath.Join(app, "Procfile"), "# a comment\nweb: ./run.sh\nworker: sleep 1\n")
	b := mustBuild(t, app, t.TempDir(), env(t))
	if got := process(t, b.MD, "worker").Command; !slices.Equal(got, []string{"bash", "-c", "sleep 1"}) {
		t.Errorf("worker = %v", got)
	}
	if b.MD.DefaultProcess != "web" {
		t.Errorf("default process = %q, want web", b.MD.DefaultProcess)
	}

	t.Run("Invalid", func(t *testing.T) {
		writeFile(t, filepath.Join(app, "Procfile"), "web ./run.sh\n")
		b, err := lifecycle(t, app, t.TempDir(), t.TempDir(), env(t))
		if err == nil || !strings.Contains(b.Output, "Procfile line 1") {
			t.Errorf("err = %v, output:\n%s", err, b.Output)
		}
	})
}

func TestMaterialize(t *testing.T) {
	dir := t.TempDir()
	order, err := builtin.Materialize(dir, "/opt/bera's/bin/bera")
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != 5 || len(order[4].Group) != 1 || order[4].Group[0].ID != "bera/procfile" {
		t.Errorf("order = %+v", order)
	}
	for _, id := range builtin.IDs() {
		bp, err := cnb.Store{Dir: dir}.Lookup(id, builtin.Version)
		if err != nil {
			t.Fatal(err)
		}
		if bp.API != builtin.API {
			t.Errorf("%s: api %q", id, bp.API)
		}
		script, err := os.ReadFile(filepath.Join(bp.Dir, "bin", "build"))
		if err != nil {
			t.Fatal(err)
		}
		if want := `exec '/opt/bera'\''s/bin/bera' __bera-cnb-buildpack ` + id + ` build "$@"`; !strings.Contains(string(script), want) {
			t.Errorf("%s bin/build = %q, want %q", id, script, want)
		}
	}
	if _, err := builtin.Materialize(dir, "bera"); err == nil {
		t.Error("a relative self was accepted")
	}
}

func TestMainIgnoresOtherArgs(t *testing.T) {
	for _, args := range [][]string{{"bera"}, {"bera", "apps"}, {"bera", "__bera-cnb-buildpack", "bera/go"}} {
		if handled, _ := builtin.Main(args); handled {
			t.Errorf("Main(%q) handled it", args)
		}
	}
	if handled, code := builtin.Main([]string{"bera", "__bera-cnb-buildpack", "bera/nope", "build"}); !handled || code != 1 {
		t.Errorf("unknown buildpack: handled %v code %d, want true 1", handled, code)
	}
}
