package build_test

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/cnb"
	"github.com/kingvon-ke/bera/internal/source/sourcetest"
)

// shellBuildpack is a CNB buildpack written in plain shell: a cached layer that says
// whether it was restored, a launch layer with env, and two process types.
var shellBuildpack = map[string]string{
	"buildpack.toml": `api = "0.10"
[buildpack]
id = "test/shell"
version = "1.2.3"
name = "Shell"
[[targets]]
os = "linux"
`,
	"bin/detect": `#!/bin/sh
test -f hello.txt || exit 100
`,
	"bin/build": `#!/bin/sh
set -e
layers="$CNB_LAYERS_DIR"
if [ -f "$layers/deps/stamp" ]; then echo "deps: restored $(cat "$layers/deps/stamp")"; else echo "deps: fresh"; fi
mkdir -p "$layers/deps"
date +%s%N > "$layers/deps/stamp"
printf '[types]\ncache = true\n' > "$layers/deps.toml"
mkdir -p "$layers/tool/bin" "$layers/tool/env.launch"
printf '#!/bin/sh\necho tool says hi\n' > "$layers/tool/bin/say-hi"
chmod +x "$layers/tool/bin/say-hi"
printf 'from-layer' > "$layers/tool/env.launch/GREETING.default"
printf '[types]\nlaunch = true\n' > "$layers/tool.toml"
cat > "$layers/launch.toml" <<EOF
[[processes]]
type = "web"
command = ["say-hi"]
default = true
[[processes]]
type = "worker"
command = ["sh", "-c", "sleep 1"]
EOF
`,
}

// gitBuildpack commits files into a new repository and returns its file:// URL.
func gitBuildpack(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(name, "bin/") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"},
		{"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "bp"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return "file://" + dir
}

func noBuiltins(string, string) (cnb.Order, error) { return nil, nil }

// A CNB buildpack from a Git URL builds the app into an OCI image: its processes become
// the process types, its cache layer comes back on the next build, and the image is valid.
func TestBuildCNBFromGitBuildpack(t *testing.T) {
	need(t, "/usr/bin/git", "apt-get install git")
	bp := gitBuildpack(t, shellBuildpack)
	images := filepath.Join(t.TempDir(), "images")
	cache := filepath.Join(t.TempDir(), "cache")
	var prev string
	for i, want := range []string{"deps: fresh", "deps: restored"} {
		src := t.TempDir()
		os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hi"), 0o644)
		var out bytes.Buffer
		res, err := build.Build(t.Context(), build.Options{SourceDir: src, CacheDir: cache, Buildpacks: []string{bp},
			Output: &out, ImageLayout: images, PreviousImage: prev, CNBBuiltins: noBuiltins, WorkDir: t.TempDir()})
		if err != nil {
			t.Fatalf("build %d: %v\n%s", i+1, err, &out)
		}
		if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "===> DETECTING") {
			t.Errorf("build %d output lacks %q:\n%s", i+1, want, &out)
		}
		if !strings.HasPrefix(res.Image, "sha256:") || res.SlugPath != "" {
			t.Errorf("build %d: image %q, slug %q", i+1, res.Image, res.SlugPath)
		}
		if res.ProcessTypes["web"] != "say-hi" || res.ProcessTypes["worker"] != "sh -c sleep 1" {
			t.Errorf("build %d: process types %v", i+1, res.ProcessTypes)
		}
		if len(res.Buildpacks) == 0 || res.Buildpacks[0] != "test/shell@1.2.3" {
			t.Errorf("build %d: buildpacks %v", i+1, res.Buildpacks)
		}
		p, err := layout.FromPath(images)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := p.ImageIndex()
		if err != nil {
			t.Fatal(err)
		}
		m, _ := idx.IndexManifest()
		if len(m.Manifests) != i+1 || m.Manifests[i].Digest.String() != res.Image {
			t.Errorf("build %d: layout holds %d images, the last %v, want %s", i+1, len(m.Manifests), m.Manifests[len(m.Manifests)-1].Digest, res.Image)
		}
		prev = res.Image
	}
}

// Without an image store a CNB app fails with a clear message; a classic app still builds.
func TestBuildCNBNeedsImageStore(t *testing.T) {
	need(t, "/usr/bin/git", "apt-get install git")
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hi"), 0o644)
	var out bytes.Buffer
	_, err := build.Build(t.Context(), build.Options{SourceDir: src, Buildpacks: []string{gitBuildpack(t, shellBuildpack)},
		Output: &out, WorkDir: t.TempDir()})
	if !errors.Is(err, build.ErrNoImageStore) || !strings.Contains(out.String(), "no image store") {
		t.Errorf("err %v, output:\n%s", err, &out)
	}
}

// A bad project.toml fails the build with the file's own error, before any buildpack runs.
func TestBuildBadProjectTOML(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "project.toml"), []byte("[_]\nschema-version = \"0.2\"\n[[io.buildpacks.group]]\nversion = \"1\"\n"), 0o644)
	var out bytes.Buffer
	_, err := build.Build(t.Context(), build.Options{SourceDir: src, Output: &out, WorkDir: t.TempDir(),
		ImageLayout: t.TempDir(), CNBBuiltins: noBuiltins})
	if err == nil || bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(out.String(), "project.toml") {
		t.Errorf("err %v, output:\n%s", err, &out)
	}
}

// A project.toml linked to a file outside the source is refused, never read.
func TestBuildProjectTOMLLinkOut(t *testing.T) {
	src := t.TempDir()
	secret := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secret, []byte("[_]\nid = \"TOPSECRET\"\n"), 0o600)
	os.Symlink(secret, filepath.Join(src, "project.toml"))
	var out bytes.Buffer
	_, err := build.Build(t.Context(), build.Options{SourceDir: src, Output: &out, WorkDir: t.TempDir(),
		ImageLayout: t.TempDir(), CNBBuiltins: noBuiltins})
	if err == nil || strings.Contains(out.String()+err.Error(), "TOPSECRET") || !strings.Contains(out.String(), "project.toml") {
		t.Errorf("err %v, output:\n%s", err, &out)
	}
}

// project.toml is the tenant's: a buildpack URI naming the server's own files or an ssh
// remote is refused before anything is cloned.
func TestBuildProjectTOMLLocalURIsRefused(t *testing.T) {
	local := gitBuildpack(t, shellBuildpack) // a real repository: the clone would work
	for _, uri := range []string{local, strings.TrimPrefix(local, "file://"), "git@example.com:x/y.git", "ext::sh -c id"} {
		src := t.TempDir()
		os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hi"), 0o644)
		os.WriteFile(filepath.Join(src, "project.toml"), []byte("[_]\nschema-version = \"0.2\"\n[[io.buildpacks.group]]\nuri = \""+uri+"\"\n"), 0o644)
		var out bytes.Buffer
		work := t.TempDir()
		_, err := build.Build(t.Context(), build.Options{SourceDir: src, Output: &out, WorkDir: work,
			ImageLayout: t.TempDir(), CNBBuiltins: noBuiltins})
		if err == nil || bera.ErrorCode(err) != bera.EInvalid || !strings.Contains(out.String(), "cannot be fetched") {
			t.Errorf("uri %q: err %v, output:\n%s", uri, err, &out)
		}
		if m, _ := filepath.Glob(filepath.Join(work, "*", "cnb", "fetched", "*")); len(m) > 0 {
			t.Errorf("uri %q was cloned into %v", uri, m)
		}
	}
}

// project.toml picks the buildpacks (a Git URL over HTTP, fetched) and gives build env,
// which the buildpack finds in the platform dir; the app's config vars win over it.
func TestBuildProjectTOML(t *testing.T) {
	gs := sourcetest.NewGitServer(t)
	files := maps.Clone(shellBuildpack)
	files["bin/build"] = strings.Replace(files["bin/build"], "set -e\n",
		"set -e\necho \"FROM_PROJECT=$(cat \"$CNB_PLATFORM_DIR/env/FROM_PROJECT\") SHARED=$(cat \"$CNB_PLATFORM_DIR/env/SHARED\")\"\n", 1)
	gs.Commit(t, "bp", "main", files)
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hi"), 0o644)
	os.WriteFile(filepath.Join(src, "project.toml"), []byte(`[_]
schema-version = "0.2"
id = "example"

[[io.buildpacks.group]]
uri = "`+gs.RepoURL("bp")+`"

[[io.buildpacks.build.env]]
name = "FROM_PROJECT"
value = "yes"

[[io.buildpacks.build.env]]
name = "SHARED"
value = "project"
`), 0o644)
	var out bytes.Buffer
	res, err := build.Build(t.Context(), build.Options{SourceDir: src, Output: &out, WorkDir: t.TempDir(),
		Env: map[string]string{"SHARED": "config"}, ImageLayout: t.TempDir(), CNBBuiltins: noBuiltins})
	if err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	if !strings.Contains(out.String(), "FROM_PROJECT=yes SHARED=config") || res.Buildpacks[0] != "test/shell@1.2.3" {
		t.Errorf("buildpacks %v, output:\n%s", res.Buildpacks, &out)
	}
}
