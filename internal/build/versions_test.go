package build_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/build"
)

// The built-in buildpacks use the runtime version an app asks for when the server can supply
// it, and say in the build output which version builds the app.
func TestBuildRuntimeVersions(t *testing.T) {
	need(t, "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go")
	out, err := exec.Command("/usr/local/go/bin/go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	localGo := strings.TrimSpace(string(out))
	tests := []struct {
		name, app, file, content string
		env                      map[string]string
		want                     []string
	}{
		{"GoLine", "go-hello", "", "", nil, []string{"-----> Using " + localGo + ", the version on this server (go.mod's go line asks for go1.22 or newer)"}},
		{"GoToolchainLocal", "go-hello", "go.mod", "module example.com/go-hello\n\ngo 1.22\n\ntoolchain " + localGo + "\n", nil,
			[]string{"-----> Using " + localGo + ", the version on this server (go.mod's toolchain line asks for " + localGo + ")"}},
		{"GoToolchainUnavailable", "go-hello", "go.mod", "module example.com/go-hello\n\ngo 1.22\n\ntoolchain go1.22.99\n", map[string]string{"GOPROXY": "off"},
			[]string{" !     go1.22.99 requested (go.mod's toolchain line) could not be fetched from the Go module proxy;", "       using " + localGo + ", the version on this server"}},
		{"NodeEngine", "node-hello", "package.json", `{"name": "node-hello", "version": "1.0.0", "scripts": {"start": "node server.js"}, "engines": {"node": "8.x"}}`, nil,
			[]string{"-----> Node.js 8.x requested (package.json engines.node); using ", " does not satisfy 8.x: this server has no other Node.js to offer."}},
		{"PythonVersion", "python-hello", ".python-version", "3.1\n", nil,
			[]string{"-----> Python 3.1 requested (.python-version); using ", " is not 3.1: this server has no other Python to offer."}},
		{"RuntimeTxt", "python-hello", "runtime.txt", "python-3.1.4\n", nil,
			[]string{"-----> Python 3.1.4 requested (runtime.txt); using "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			switch tt.app {
			case "node-hello":
				need(t, "/usr/bin/npm", "apt-get install -y nodejs npm")
			case "python-hello":
				need(t, "/usr/bin/python3", "apt-get install -y python3")
			}
			dir := copyApp(t, tt.app)
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := maps.Clone(sharedBuildEnv(t))
			if env == nil {
				env = map[string]string{}
			}
			maps.Copy(env, tt.env)
			_, out, err := buildApp(t, tt.app, build.Options{SourceDir: dir, BuildEnv: env})
			if err != nil {
				t.Fatalf("Build: %v\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
