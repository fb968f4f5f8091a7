package builtin

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/buildpacks/libcnb/v2"
)

// detectGo passes for a Go module.
func detectGo(ctx libcnb.DetectContext) (libcnb.DetectResult, error) {
	if !isFile(ctx.ApplicationPath, "go.mod") {
		return libcnb.DetectResult{}, nil
	}
	return passWith("go"), nil
}

// passWith is a passing detect result that provides and requires name, so the plan says
// which buildpack builds the app.
func passWith(name string) libcnb.DetectResult {
	return libcnb.DetectResult{Pass: true, Plans: []libcnb.BuildPlan{{
		Provides: []libcnb.BuildPlanProvide{{Name: name}},
		Requires: []libcnb.BuildPlanRequire{{Name: name}},
	}}}
}

// goMod is what the Go buildpack reads from go.mod.
type goMod struct {
	Module    string   // module path
	Go        string   // the go line: "1.22"
	Toolchain string   // the toolchain line: "go1.23.4"
	Install   []string // packages of a "// +heroku install" line
}

// parseGoMod reads the module, go and toolchain lines of a go.mod and a
// "// +heroku install PKG..." line, as Heroku's Go buildpack does. It never fails: what it
// does not recognise is left to the go command to report.
func parseGoMod(data []byte) goMod {
	var m goMod
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "//"); ok {
			if pkgs, ok := strings.CutPrefix(strings.TrimSpace(rest), "+heroku install "); ok && m.Install == nil {
				m.Install = strings.Fields(pkgs)
			}
			continue
		}
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		switch f[0] {
		case "module":
			if m.Module == "" {
				m.Module = unquote(f[1])
			}
		case "go":
			m.Go = f[1]
		case "toolchain":
			m.Toolchain = f[1]
		}
	}
	return m
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// binaryName is the name go build gives the module's root package: the last path
// element, or the one before a major version suffix (example.com/app/v2 builds "app").
func binaryName(module string) string {
	elems := strings.Split(module, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && majorSuffix.MatchString(name) {
		name = elems[len(elems)-2]
	}
	return name
}

var majorSuffix = regexp.MustCompile(`^v[0-9]+$`)

// SeedEnv names the variable of the build's environment that may give a Go build cache
// (the machine's shared one, internal/build.ToolCache) to start the cache layer from when
// no earlier build left one. The seed is copied, never linked: the layer is the app's.
const SeedEnv = "BERA_GO_CACHE_SEED"

// buildGo compiles the app's main packages into the launch layer "app" (bin/ on the
// dyno's PATH), with GOMODCACHE in the cache layer "go-mod" and GOCACHE in "go-build".
func buildGo(ctx libcnb.BuildContext) (libcnb.BuildResult, error) {
	res := libcnb.NewBuildResult()
	app := ctx.ApplicationPath
	goBin, err := tool("go", "/usr/local/go/bin/go")
	if err != nil {
		return res, err
	}
	data, err := readAppFile(app, "go.mod", 1<<20)
	if err != nil {
		return res, err
	}
	mod := parseGoMod(data)
	version, err := command{path: goBin, args: []string{"env", "GOVERSION"}, env: []string{"GOTOOLCHAIN=local"}}.output()
	if err != nil {
		return res, err
	}
	say("%s", goVersionNote(version, mod))
	modL, _, err := keptLayer(ctx.Layers, "go-mod", libcnb.LayerTypes{Cache: true})
	if err != nil {
		return res, err
	}
	cacheL, restored, err := keptLayer(ctx.Layers, "go-build", libcnb.LayerTypes{Cache: true})
	if err != nil {
		return res, err
	}
	builds := metaInt(cacheL.Metadata, "builds")
	switch seed := os.Getenv(SeedEnv); {
	case restored:
		say("Restoring Go build cache (%d earlier builds)", builds)
	case seed != "" && isDir(seed):
		say("Creating Go build cache from the machine's (%s)", seed)
		if err := copyTree(seed, cacheL.Path); err != nil {
			return res, fmt.Errorf("seed the Go build cache: %w", err)
		}
	default:
		say("Creating Go build cache")
	}
	appL, err := freshLayer(ctx.Layers, "app", libcnb.LayerTypes{Launch: true})
	if err != nil {
		return res, err
	}
	gopath, err := os.MkdirTemp("", "bera-gopath-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(gopath)
	env := []string{"GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOCACHE=" + cacheL.Path, "GOMODCACHE=" + modL.Path, "GOPATH=" + gopath,
		// -modcacherw: the module cache must stay removable, by the lifecycle and by Reset.
		"GOFLAGS=" + strings.TrimSpace(os.Getenv("GOFLAGS")+" -buildvcs=false -modcacherw")}
	pkgs, err := mainPackages(goBin, app, env, mod)
	if err != nil {
		return res, err
	}
	binDir := filepath.Join(appL.Path, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return res, err
	}
	say("Running: go build -trimpath -o bin/ %s", strings.Join(pkgs, " "))
	args := append([]string{"build", "-trimpath", "-ldflags", ldflags(), "-o", binDir + "/"}, pkgs...)
	if err := (command{dir: app, path: goBin, args: args, env: env}).run(); err != nil {
		return res, err
	}
	res.Processes, err = goProcesses(binDir, mod)
	if err != nil {
		return res, err
	}
	cacheL.Metadata["builds"] = builds + 1
	res.Layers = []libcnb.Layer{modL, cacheL, appL}
	return res, nil
}

// goVersionNote says which Go builds the app and what go.mod asked for: this server has
// one Go (GOTOOLCHAIN=local), so a toolchain line is reported, not fetched.
func goVersionNote(local string, mod goMod) string {
	switch {
	case mod.Toolchain != "":
		return fmt.Sprintf("Using %s, the version on this server (go.mod's toolchain line asks for %s)", local, mod.Toolchain)
	case mod.Go != "":
		return fmt.Sprintf("Using %s, the version on this server (go.mod's go line asks for go%s or newer)", local, mod.Go)
	}
	return fmt.Sprintf("Using %s, the version on this server (go.mod names no Go version)", local)
}

// mainPackages are the packages to build: those of a "+heroku install" line, else the
// module root when it is a main package and ./cmd/... when there is a cmd directory. When
// there are none, the error says why, with go list's message (a go line newer than this
// server's Go, say).
func mainPackages(goBin, app string, env []string, mod goMod) ([]string, error) {
	if len(mod.Install) > 0 {
		return mod.Install, nil
	}
	var pkgs []string
	var stderr strings.Builder
	cmd := exec.Command(goBin, "list", "-e", "-f", "{{.Name}}", ".")
	cmd.Dir, cmd.Env, cmd.Stderr = app, append(os.Environ(), env...), &stderr
	name, err := cmd.Output()
	if err == nil && strings.TrimSpace(string(name)) == "main" {
		pkgs = append(pkgs, ".")
	}
	if isDir(filepath.Join(app, "cmd")) {
		pkgs = append(pkgs, "./cmd/...")
	}
	switch {
	case len(pkgs) > 0:
		return pkgs, nil
	case err != nil:
		return nil, fmt.Errorf("go list failed: %s", strings.TrimSpace(stderr.String()))
	}
	return nil, fmt.Errorf("no main package found: put one at the module root or under ./cmd/NAME")
}

// ldflags strips the binaries and sets GO_LINKER_SYMBOL to GO_LINKER_VALUE when both are
// given, as Heroku's Go buildpack does.
func ldflags() string {
	f := "-s -w"
	if sym, val := os.Getenv("GO_LINKER_SYMBOL"), os.Getenv("GO_LINKER_VALUE"); sym != "" && val != "" {
		f += " -X " + sym + "=" + val
	}
	return f
}

// goProcesses gives each binary a process type of its name, and web (the default) the
// binary named after the module, or the only one.
func goProcesses(binDir string, mod goMod) ([]libcnb.Process, error) {
	ents, err := os.ReadDir(binDir)
	if err != nil {
		return nil, err
	}
	var procs []libcnb.Process
	var names []string
	for _, e := range ents {
		say("Installed bin/%s", e.Name())
		names = append(names, e.Name())
	}
	web := ""
	if name := binaryName(mod.Module); isFile(binDir, name) {
		web = name
	} else if len(names) == 1 {
		web = names[0]
	}
	if web != "" {
		procs = append(procs, libcnb.Process{Type: "web", Command: []string{web}, Default: true})
	} else {
		warn("No web process: several binaries and none named after the module; add a Procfile")
	}
	for _, n := range names {
		if n != "web" && processType.MatchString(n) {
			procs = append(procs, libcnb.Process{Type: n, Command: []string{n}})
		}
	}
	return procs, nil
}

var processType = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// metaInt reads an integer from layer metadata (TOML decodes it as int64).
func metaInt(m map[string]any, k string) int64 {
	switch v := m[k].(type) {
	case int64:
		return v
	case int:
		return int64(v)
	}
	return 0
}

// copyTree copies the directories and regular files of src into dst (which exists),
// skipping anything else and the Go cache's trim bookkeeping, which is per cache.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." || rel == "trim.txt" {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		}
		return nil
	})
}

func copyFile(src, dst string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}
