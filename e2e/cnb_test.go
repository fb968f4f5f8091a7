package e2e_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/source/sourcetest"
)

// cnbShellBuildpack is a Cloud Native Buildpack written in plain shell, as a user would
// write one: a cached layer that says whether it came back, a build-only layer, a launch
// layer with a program and env, and two process types.
var cnbShellBuildpack = map[string]string{
	"buildpack.toml": `api = "0.10"

[buildpack]
id = "test/shell"
version = "0.1.0"
name = "Shell test buildpack"

[[targets]]
os = "linux"
`,
	"bin/detect": `#!/bin/sh
test -f server.py || exit 100
`,
	"bin/build": `#!/bin/sh
set -eu
layers="$CNB_LAYERS_DIR"
echo "---> Shell test buildpack"
echo "build cwd: $(pwd) layers: $layers"
if [ -f "$layers/deps/stamp" ]; then echo "deps: restored $(cat "$layers/deps/stamp")"; else echo "deps: fresh"; fi
mkdir -p "$layers/deps"
date +%s > "$layers/deps/stamp"
printf '[types]\ncache = true\n' > "$layers/deps.toml"

mkdir -p "$layers/buildonly/bin"
printf '[types]\nbuild = true\n' > "$layers/buildonly.toml"

mkdir -p "$layers/tool/bin" "$layers/tool/env.launch"
printf '#!/bin/sh\necho "tool says $GREETING"\n' > "$layers/tool/bin/say-hi"
chmod +x "$layers/tool/bin/say-hi"
printf 'from-layer' > "$layers/tool/env.launch/GREETING.default"
# An absolute path written at build time must hold at launch.
printf '%s' "$layers/tool/share" > "$layers/tool/env.launch/TOOL_HOME.default"
printf '[types]\nlaunch = true\n' > "$layers/tool.toml"

cat > "$layers/launch.toml" <<'EOF'
[[processes]]
type = "web"
command = ["python3", "server.py"]
default = true

[[processes]]
type = "worker"
command = ["sh", "-c", "while true; do say-hi; sleep 1; done"]
EOF
`,
}

// TestRunc_CNB deploys an app built by a CNB buildpack served over smart HTTP on loopback:
// its launch layer's env and programs reach the dyno, build-only layers stay out of the
// image, the cache layer comes back on the next push, two process types and a one-off run
// through the launcher, the image is pushed to a registry on loopback, and a rollback to the
// first image is instant.
func TestRunc_CNB(t *testing.T) {
	skopeo := beratest.Require(t, "skopeo", "apt-get install skopeo")
	gs := sourcetest.NewGitServer(t)
	gs.Commit(t, "shellbp", "main", cnbShellBuildpack)
	registry := beratest.Registry(t)
	env, _ := runcServerWith(t, 115, "", "--registry", registry, "--registry-insecure")

	// Registered after the server's start, so it runs before the server stops.
	t.Cleanup(func() {
		env.Bera(t, "", nil, "ps:scale", "web=0", "worker=0", "-a", "cnbapp")
		beratest.Eventually(t, time.Minute, "no dynos left", func() bool { return noContainers(t, env.DataDir) })
	})
	env.MustBera(t, "apps:create", "cnbapp")
	env.MustBera(t, "buildpacks:set", gs.RepoURL("shellbp"), "-a", "cnbapp")
	dir := env.SampleApp(t, "cnb-shell", "cnbapp")
	out, err := env.Push(t, dir, "main")
	if err != nil {
		t.Fatalf("git push: %v\n%s\n%s", err, out, env.Stderr.String())
	}
	for _, want := range []string{"Cloud Native Buildpacks", "===> DETECTING", "deps: fresh", "===> EXPORTING", "Exported image sha256:",
		"build cwd: /workspace layers: /layers/test_shell",
		"Pushed image to " + registry + "/cnbapp:v2"} {
		if !strings.Contains(out, want) {
			t.Errorf("first push output lacks %q:\n%s", want, out)
		}
	}
	env.WaitBody(t, "cnbapp", "/", "version=one greeting=from-layer buildonly=absent")
	_, body := env.Get(t, "cnbapp", "/")
	if !strings.Contains(body, "tool=/layers/test_shell/tool/bin/say-hi") || !strings.Contains(body, "cwd=/workspace") ||
		!strings.Contains(body, "tool_home=/layers/test_shell/tool/share") {
		t.Errorf("the launch layer's bin is not on PATH, or the app is not in /workspace: %s", body)
	}

	// The second push restores the cache layer, and dynos move to the new image.
	os.WriteFile(filepath.Join(dir, "VERSION"), []byte("two\n"), 0o644)
	env.Commit(t, dir, "two")
	if out, err = env.Push(t, dir, "main"); err != nil || !strings.Contains(out, "deps: restored") {
		t.Errorf("second push (err %v) did not restore the cache layer:\n%s", err, out)
	}
	env.WaitBody(t, "cnbapp", "/", "version=two greeting=from-layer")

	t.Run("Processes", func(t *testing.T) {
		env.MustBera(t, "ps:scale", "worker=1", "-a", "cnbapp")
		beratest.Eventually(t, time.Minute, "the worker's line in the logs", func() bool {
			logs, _, _ := env.Bera(t, "", nil, "logs", "-a", "cnbapp", "-d", "worker", "-n", "20")
			return strings.Contains(logs, "tool says from-layer")
		})
		out, errOut, code := env.Bera(t, "", nil, "run", "-a", "cnbapp", "--", "sh", "-c", "echo run:$GREETING:$(pwd)")
		if code != 0 || !strings.Contains(out, "run:from-layer:/workspace") {
			t.Errorf("bera run in the launch env: exit %d\n%s\n%s", code, out, errOut)
		}
	})

	t.Run("Inspect", func(t *testing.T) {
		out, _ := env.MustBera(t, "builds:info", "-a", "cnbapp")
		for _, want := range []string{"test/shell@0.1.0", "OCI image:", "sha256:", "web: python3 server.py"} {
			if !strings.Contains(out, want) {
				t.Errorf("builds:info lacks %q:\n%s", want, out)
			}
		}
		// The image in the registry is a valid OCI image with the lifecycle's labels.
		raw, err := exec.Command(skopeo, "inspect", "--tls-verify=false", "docker://"+registry+"/cnbapp:v3").Output()
		if err != nil {
			t.Fatalf("skopeo inspect: %v %s", err, raw)
		}
		var img struct {
			Labels map[string]string
			Layers []string
		}
		if err := json.Unmarshal(raw, &img); err != nil || img.Labels["io.buildpacks.lifecycle.metadata"] == "" || len(img.Layers) < 2 {
			t.Errorf("image in the registry: %v %s", err, raw)
		}
		// And it can be pulled back into an OCI layout that umoci reads.
		umoci := beratest.Require(t, "umoci", "apt-get install umoci")
		pulled := t.TempDir()
		if out, err := exec.Command(skopeo, "copy", "--src-tls-verify=false", "docker://"+registry+"/cnbapp:v3", "oci:"+pulled+":pulled").CombinedOutput(); err != nil {
			t.Fatalf("skopeo copy from the registry: %v\n%s", err, out)
		}
		if out, err := exec.Command(umoci, "ls", "--layout", pulled).CombinedOutput(); err != nil || !strings.Contains(string(out), "pulled") {
			t.Errorf("umoci ls of the pulled image: %v\n%s", err, out)
		}
	})

	// A rollback needs no build: the first image runs again.
	out, _ = env.MustBera(t, "releases:rollback", "v2", "-a", "cnbapp")
	if strings.Contains(out, "DETECTING") {
		t.Errorf("rollback ran a build:\n%s", out)
	}
	env.WaitBody(t, "cnbapp", "/", "version=one greeting=from-layer")
}

// TestRunc_CNBBuiltins deploys Heroku-style sample apps with Bera's built-in CNB buildpacks
// (the builder picks one per app) on runc, each answering through the router.
func TestRunc_CNBBuiltins(t *testing.T) {
	env, _ := runcServer(t, 117)
	apps := map[string]string{"go-hello": "hello from go", "node-hello": "hello from node",
		"python-hello": "hello from python", "static-hello": "hello from static"}
	t.Cleanup(func() {
		for sample := range apps {
			env.Bera(t, "", nil, "ps:scale", "web=0", "-a", "cnb-"+sample)
		}
		beratest.Eventually(t, time.Minute, "no dynos left", func() bool { return noContainers(t, env.DataDir) })
	})
	for sample, want := range apps {
		app := "cnb-" + sample
		env.MustBera(t, "apps:create", app)
		env.MustBera(t, "buildpacks:set", "bera/builder", "-a", app)
		dir := env.SampleApp(t, sample, app)
		out, err := env.Push(t, dir, "main")
		if err != nil || !strings.Contains(out, "===> EXPORTING") {
			t.Errorf("%s: git push: %v\n%s", sample, err, out)
			continue
		}
		env.WaitBody(t, app, "/", want)
		info, _ := env.MustBera(t, "builds:info", "-a", app)
		if !strings.Contains(info, "bera/") || !strings.Contains(info, "OCI image:") {
			t.Errorf("%s: builds:info:\n%s", sample, info)
		}
	}
}
