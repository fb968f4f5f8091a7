package builtin

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/buildpacks/libcnb/v2"

	"github.com/kingvon-ke/bera/buildpacks"
)

// languageMarkers are the files of apps in other languages: a static app has none.
var languageMarkers = []string{
	"go.mod", "package.json", "requirements.txt", "pyproject.toml", ".python-version", "setup.py", "Pipfile",
	"Gemfile", "project.clj", "pom.xml", "build.gradle", "build.gradle.kts", "build.sbt", "composer.json", "mix.exs", "Cargo.toml",
}

// detectStatic passes for a static.json or an index.html at the root of an app in no
// other language.
func detectStatic(ctx libcnb.DetectContext) (libcnb.DetectResult, error) {
	app := ctx.ApplicationPath
	if !isFile(app, "static.json") && !isFile(app, "index.html") {
		return libcnb.DetectResult{}, nil
	}
	for _, f := range languageMarkers {
		if isFile(app, f) {
			return libcnb.DetectResult{}, nil
		}
	}
	return passWith("static"), nil
}

// staticJSON is the part of static.json (heroku-buildpack-static's file) Bera reads.
type staticJSON struct {
	Root string `json:"root"`
}

// parseStaticJSON reads static.json's root: a relative directory inside the app, cleaned
// (default "" when absent).
func parseStaticJSON(data []byte) (staticJSON, error) {
	var s staticJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("static.json: %w", err)
	}
	if s.Root == "" {
		return s, nil
	}
	root := path.Clean(strings.TrimSuffix(s.Root, "/"))
	if path.IsAbs(root) || root == ".." || strings.HasPrefix(root, "../") || strings.ContainsRune(root, 0) {
		return s, fmt.Errorf("static.json: root %q must be a directory inside the app", s.Root)
	}
	s.Root = root
	return s, nil
}

// staticRoot is the document root: static.json's root, else the app when index.html is
// at its root, else public_html (heroku-buildpack-static's default).
func staticRoot(app string) (string, error) {
	if isFile(app, "static.json") {
		b, err := readAppFile(app, "static.json", 1<<20)
		if err != nil {
			return "", err
		}
		s, err := parseStaticJSON(b)
		if err != nil {
			return "", err
		}
		if s.Root != "" {
			return s.Root, nil
		}
	}
	if isFile(app, "index.html") || !isDir(filepath.Join(app, "public_html")) {
		return ".", nil
	}
	return "public_html", nil
}

// buildStatic compiles the classic static buildpack's small Go file server (its source is
// embedded in bera) into the launch layer "server", kept between builds while the source
// and the Go version stay the same; web serves the document root with it on $PORT.
func buildStatic(ctx libcnb.BuildContext) (libcnb.BuildResult, error) {
	res := libcnb.NewBuildResult()
	root, err := staticRoot(ctx.ApplicationPath)
	if err != nil {
		return res, err
	}
	src, err := fs.ReadFile(buildpacks.FS, "static/server/main.go")
	if err != nil {
		return res, err
	}
	goBin, err := tool("go", "/usr/local/go/bin/go")
	if err != nil {
		return res, err
	}
	version, err := command{path: goBin, args: []string{"env", "GOVERSION"}, env: []string{"GOTOOLCHAIN=local"}}.output()
	if err != nil {
		return res, err
	}
	types := libcnb.LayerTypes{Launch: true, Cache: true}
	l, restored, err := keptLayer(ctx.Layers, "server", types)
	if err != nil {
		return res, err
	}
	sum := digest(append([]byte(version+"\n"), src...))
	bin := filepath.Join(l.Path, "bin", "static-server")
	if restored && l.Metadata["source"] == sum && isFile(filepath.Dir(bin), "static-server") {
		say("Using the cached static file server")
	} else {
		if l, err = freshLayer(ctx.Layers, "server", types); err != nil {
			return res, err
		}
		if err := compileServer(goBin, src, bin); err != nil {
			return res, err
		}
		l.Metadata = map[string]any{"source": sum}
	}
	if !isDir(filepath.Join(ctx.ApplicationPath, root)) {
		warn("The document root %s is not a directory of the app", root)
	}
	say("Serving /workspace/%s", strings.TrimPrefix(root, "."))
	res.Layers = []libcnb.Layer{l}
	res.Processes = []libcnb.Process{{Type: "web", Command: []string{"static-server", "-root", root}, Default: true}}
	return res, nil
}

// compileServer builds the file server's source into bin, offline. GOCACHE is the
// build's when the platform gives one, else a scratch dir started from SeedEnv's cache.
func compileServer(goBin string, src []byte, bin string) error {
	say("Compiling static file server")
	dir, err := os.MkdirTemp("", "bera-static-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files := map[string]string{"main.go": string(src), "go.mod": "module bera-static\n\ngo 1.22\n"}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	env := []string{"GOTOOLCHAIN=local", "GOPROXY=off", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "GOPATH=" + filepath.Join(dir, "gopath")}
	if os.Getenv("GOCACHE") == "" {
		cache := filepath.Join(dir, "go-build")
		if seed := os.Getenv(SeedEnv); seed != "" && isDir(seed) {
			if err := os.Mkdir(cache, 0o755); err != nil {
				return err
			}
			if err := copyTree(seed, cache); err != nil {
				return fmt.Errorf("seed the Go build cache: %w", err)
			}
		}
		env = append(env, "GOCACHE="+cache)
	}
	return command{dir: dir, path: goBin, args: []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "."}, env: env}.run()
}
