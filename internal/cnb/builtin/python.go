package builtin

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/buildpacks/libcnb/v2"
)

// pythonMarkers are the files that make an app a Python app.
var pythonMarkers = []string{"requirements.txt", "pyproject.toml", ".python-version"}

// detectPython passes for requirements.txt, pyproject.toml or .python-version.
func detectPython(ctx libcnb.DetectContext) (libcnb.DetectResult, error) {
	for _, f := range pythonMarkers {
		if isFile(ctx.ApplicationPath, f) {
			return passWith("python"), nil
		}
	}
	return libcnb.DetectResult{}, nil
}

// buildPython makes a virtualenv of the host's /usr/bin/python3 in the launch layer
// "venv" (its bin/ on the dyno's PATH) and installs the requirements into it with the
// host's pip, pip's cache in the cache layer "pip-cache". The venv is kept between builds
// while the Python version and the requirements stay the same. An app without
// dependencies never reaches a package index.
func buildPython(ctx libcnb.BuildContext) (libcnb.BuildResult, error) {
	res := libcnb.NewBuildResult()
	app := ctx.ApplicationPath
	py, err := tool("python3", "/usr/bin/python3")
	if err != nil {
		return res, err
	}
	version, err := command{path: py, args: []string{"-c", "import platform; print(platform.python_version())"}}.output()
	if err != nil {
		return res, err
	}
	say("%s", pythonVersionNote(app, version))
	deps, depsSum, err := pythonDeps(app)
	if err != nil {
		return res, err
	}
	venv, err := venvLayer(ctx.Layers, py, version, depsSum)
	if err != nil {
		return res, err
	}
	pipL, _, err := keptLayer(ctx.Layers, "pip-cache", libcnb.LayerTypes{Cache: true})
	if err != nil {
		return res, err
	}
	if !venv.fresh {
		say("Reusing the virtualenv of the last build (same Python, same requirements)")
	} else if err := pipInstall(app, py, venv.Path, pipL.Path, deps); err != nil {
		return res, err
	}
	setPythonEnv(venv.Layer)
	res.Layers = []libcnb.Layer{venv.Layer, pipL}
	res.Processes = pythonProcesses(app)
	return res, nil
}

// pythonVersionNote says which Python builds the app and which one .python-version or
// runtime.txt asked for: this server has one Python.
func pythonVersionNote(app, version string) string {
	want, from := "", ""
	if b, err := readAppFile(app, ".python-version", 1<<16); err == nil {
		want, from = firstLine(b), ".python-version"
	} else if b, err := readAppFile(app, "runtime.txt", 1<<16); err == nil {
		want, from = strings.TrimPrefix(firstLine(b), "python-"), "runtime.txt"
	}
	switch {
	case want == "":
		return fmt.Sprintf("Using Python %s, the version on this server", version)
	case version == want || strings.HasPrefix(version, want+"."):
		return fmt.Sprintf("Python %s requested (%s); using %s, the version on this server", want, from, version)
	}
	return fmt.Sprintf("Python %s requested (%s); using %s, the version on this server, which has no other Python", want, from, version)
}

// firstLine is the first line of b that is neither blank nor a comment, trimmed.
func firstLine(b []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// pythonDeps says what pip installs: ["-r", "requirements.txt"] when it lists anything,
// ["."] for a pyproject.toml with dependencies, nothing otherwise; sum identifies the
// files it was read from.
func pythonDeps(app string) (args []string, sum string, err error) {
	if isFile(app, "requirements.txt") {
		b, err := readAppFile(app, "requirements.txt", 1<<20)
		if err != nil {
			return nil, "", err
		}
		if firstLine(b) != "" {
			args = []string{"-r", "requirements.txt"}
		}
		return args, digest(b), nil
	}
	if isFile(app, "pyproject.toml") {
		b, err := readAppFile(app, "pyproject.toml", 1<<20)
		if err != nil {
			return nil, "", err
		}
		if hasDependencies(b) {
			args = []string{"."}
		}
		return args, digest(b), nil
	}
	return nil, "", nil
}

// pyprojectDeps matches a non-empty dependencies array, as the classic buildpack does.
var pyprojectDeps = regexp.MustCompile(`(?m)^\s*dependencies\s*=\s*\[\s*[^\]\s]`)

func hasDependencies(pyproject []byte) bool { return pyprojectDeps.Match(pyproject) }

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// venv is the virtualenv layer; fresh says it was just created (and needs the packages).
type venv struct {
	libcnb.Layer
	fresh bool
}

// venvLayer returns the layer "venv": the one restored when it was made by the same Python
// for the same requirements, else a new virtualenv.
func venvLayer(layers libcnb.Layers, py, version, depsSum string) (venv, error) {
	types := libcnb.LayerTypes{Launch: true, Build: true, Cache: true}
	l, restored, err := keptLayer(layers, "venv", types)
	if err != nil {
		return venv{}, err
	}
	if restored && l.Metadata["python"] == version && l.Metadata["requirements"] == depsSum && exists(filepath.Join(l.Path, "bin", "python")) {
		return venv{Layer: l}, nil
	}
	if l, err = freshLayer(layers, "venv", types); err != nil {
		return venv{}, err
	}
	say("Creating virtualenv")
	// Without pip: the host's pip installs into it (pip --python), which saves seconds.
	if err := (command{path: py, args: []string{"-m", "venv", "--without-pip", l.Path}}).run(); err != nil {
		return venv{}, err
	}
	l.Metadata = map[string]any{"python": version, "requirements": depsSum}
	return venv{Layer: l, fresh: true}, nil
}

// exists reports whether p exists (a link counts, whatever it points to).
func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// pipInstall installs deps into the virtualenv with the host's pip. pip's own message
// says why an install failed.
func pipInstall(app, py, venvDir, cacheDir string, deps []string) error {
	if len(deps) == 0 {
		say("No dependencies to install")
		return nil
	}
	if err := (command{path: py, args: []string{"-m", "pip", "--version"}}).runTo(discard{}); err != nil {
		return fmt.Errorf("pip is not installed on this Bera host (apt-get install python3-pip)")
	}
	say("Installing dependencies with pip")
	args := append([]string{"-m", "pip", "--python", filepath.Join(venvDir, "bin", "python"), "install",
		"--disable-pip-version-check", "--no-input", "--cache-dir", cacheDir}, deps...)
	if err := (command{dir: app, path: py, args: args}).run(); err != nil {
		return fmt.Errorf("pip install failed (pip's message is above): %w", err)
	}
	return nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// setPythonEnv sets the dyno's env as Heroku's Python buildpack does: the venv active,
// output unbuffered, gunicorn set up for the router.
func setPythonEnv(l libcnb.Layer) {
	l.SharedEnvironment.Override("VIRTUAL_ENV", l.Path)
	l.LaunchEnvironment.Default("PYTHONUNBUFFERED", "1")
	l.LaunchEnvironment.Default("LANG", "C.UTF-8")
	l.LaunchEnvironment.Default("FORWARDED_ALLOW_IPS", "*")
	l.LaunchEnvironment.Default("GUNICORN_CMD_ARGS", "--access-logfile -")
}

// pythonProcesses is web: python app.py, main.py or server.py, the first there is.
func pythonProcesses(app string) []libcnb.Process {
	for _, f := range []string{"app.py", "main.py", "server.py"} {
		if isFile(app, f) {
			return []libcnb.Process{{Type: "web", Command: []string{"python", f}, Default: true}}
		}
	}
	warn("No web process: no app.py, main.py or server.py; add a Procfile")
	return nil
}
