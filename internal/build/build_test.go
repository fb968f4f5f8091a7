package build_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/build"
	"github.com/kingvon-ke/bera/internal/slug"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// appsDir holds the sample apps.
const appsDir = "../../testdata/apps"

// need skips the test when a tool is missing, or fails it under CI=true.
func need(t testing.TB, path, install string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		beratest.Missing(t, path+" is missing; install with: "+install)
	}
}

var (
	goCacheOnce sync.Once
	goCache     string
)

// sharedBuildEnv points Go builds at the machine's GOCACHE, so tests do not recompile the
// standard library for every build.
func sharedBuildEnv(t testing.TB) map[string]string {
	need(t, "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go")
	goCacheOnce.Do(func() {
		out, err := exec.Command("/usr/local/go/bin/go", "env", "GOCACHE").Output()
		if err == nil {
			goCache = strings.TrimSpace(string(out))
		}
	})
	if goCache == "" {
		return nil
	}
	return map[string]string{"GOCACHE": goCache}
}

// copyApp copies testdata/apps/name into a fresh temporary directory.
func copyApp(t testing.TB, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(appsDir, name))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// buildApp builds a copy of a sample app and returns the result and the build output.
func buildApp(t testing.TB, name string, opts build.Options) (*build.Result, string, error) {
	t.Helper()
	var out bytes.Buffer
	if opts.SourceDir == "" {
		opts.SourceDir = copyApp(t, name)
	}
	if opts.BuildEnv == nil {
		opts.BuildEnv = sharedBuildEnv(t)
	}
	opts.Output = &out
	res, err := build.Build(context.Background(), opts)
	return res, out.String(), err
}

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startWeb runs the app's web process as a plain process the way a dyno would (profile.d
// sourced, HOME at the app, PORT set) and waits until it says it is listening.
func startWeb(t *testing.T, res *build.Result) int {
	t.Helper()
	port := freePort(t)
	script := `for f in .profile.d/*.sh; do [ -f "$f" ] && . "$f"; done; exec ` + res.ProcessTypes["web"]
	cmd := exec.Command("/bin/bash", "-c", script)
	cmd.Dir = res.AppDir
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + res.AppDir, fmt.Sprintf("PORT=%d", port), "DYNO=web.1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		pw.Close()
	})
	ready := make(chan string, 1)
	go func() {
		var log strings.Builder
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "listening") {
				ready <- ""
				io.Copy(io.Discard, pr)
				return
			}
		}
		ready <- log.String()
	}()
	if out := <-ready; out != "" {
		t.Fatalf("web process exited before listening:\n%s", out)
	}
	return port
}

// get fetches / from the app and returns the status and body.
func get(t *testing.T, port int) (int, string) {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestBuildSampleApps(t *testing.T) {
	tests := []struct {
		app, desc, body string
		tool, install   string
	}{
		{"go-hello", "Go", "hello from go", "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go"},
		{"node-hello", "Node.js", "hello from node", "/usr/bin/npm", "apt-get install -y nodejs npm"},
		{"python-hello", "Python", "hello from python", "/usr/bin/python3", "apt-get install -y python3"},
		{"static-hello", "Static HTML", "hello from static", "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go"},
		{"procfile-hello", "Procfile", "hello from procfile", "/usr/bin/python3", "apt-get install -y python3"},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			need(t, tt.tool, tt.install)
			res, out, err := buildApp(t, tt.app, build.Options{SourceVersion: "abc123"})
			if err != nil {
				t.Fatalf("Build: %v\n%s", err, out)
			}
			if want := "-----> " + tt.desc + " app detected"; !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
			if res.BuildpackDescription != tt.desc || !res.HasWeb() {
				t.Fatalf("result = %+v, want %s with a web process", res, tt.desc)
			}
			status, body := get(t, startWeb(t, res))
			if status != 200 || !strings.Contains(body, tt.body) {
				t.Fatalf("GET / = %d %q, want 200 with %q", status, body, tt.body)
			}
		})
	}
}

func TestBuildGoBinaries(t *testing.T) {
	res, out, err := buildApp(t, "go-hello", build.Options{Buildpacks: []string{"heroku/go"}})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out)
	}
	for _, bin := range []string{"bin/go-hello", "bin/worker"} {
		if fi, err := os.Stat(filepath.Join(res.AppDir, bin)); err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("%s: %v, want an executable", bin, err)
		}
	}
	if got := res.ProcessTypes["web"]; got != "bin/go-hello" {
		t.Errorf("web = %q, want bin/go-hello", got)
	}
}

func TestBuildWarmCache(t *testing.T) {
	tests := []struct{ app, cold, warm string }{
		{"go-hello", "Creating Go build cache", "Restoring Go build cache (1 earlier builds)"},
		{"static-hello", "Compiling static file server", "Using cached static file server"},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			cache := t.TempDir()
			_, out, err := buildApp(t, tt.app, build.Options{CacheDir: cache})
			if err != nil || !strings.Contains(out, tt.cold) {
				t.Fatalf("first build: %v, want output with %q:\n%s", err, tt.cold, out)
			}
			_, out, err = buildApp(t, tt.app, build.Options{CacheDir: cache})
			if err != nil || !strings.Contains(out, tt.warm) {
				t.Fatalf("second build: %v, want output with %q:\n%s", err, tt.warm, out)
			}
		})
	}
}

func TestBuildFailures(t *testing.T) {
	tests := []struct {
		name, app  string
		buildpacks []string
		want       error
		output     string
	}{
		{"CompileError", "broken-compile", nil, build.ErrCompileFailed, "failed to compile Go app"},
		{"NothingDetected", "broken-detect", nil, build.ErrNotDetected, "No default language could be detected for this app."},
		{"RubyApp", "ruby-only", nil, build.ErrNotDetected, "No buildpack detected: this looks like a Ruby app (Gemfile)"},
		{"NoProcessTypes", "broken-noprocess", nil, build.ErrNoProcessTypes, "No process types"},
		{"WrongBuildpack", "go-hello", []string{"heroku/nodejs"}, build.ErrNotCompatible, "App not compatible with buildpack: heroku/nodejs"},
		{"UnknownBuildpack", "go-hello", []string{"cobol"}, nil, ""},
		{"MissingGitBuildpack", "go-hello", []string{"file:///nonexistent/buildpack.git"}, build.ErrBuildpackFetch, "git clone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, err := buildApp(t, tt.app, build.Options{Buildpacks: tt.buildpacks})
			if err == nil {
				t.Fatalf("Build succeeded, want a failure:\n%s", out)
			}
			if bera.ErrorCode(err) != bera.EInvalid {
				t.Errorf("code = %q, want invalid_params (%v)", bera.ErrorCode(err), err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if !strings.Contains(out, tt.output) {
				t.Errorf("output lacks %q:\n%s", tt.output, out)
			}
		})
	}
}

func TestBuildCompileErrorShowsCompilerOutput(t *testing.T) {
	_, out, err := buildApp(t, "broken-compile", build.Options{})
	if !errors.Is(err, build.ErrCompileFailed) || !strings.Contains(out, "undefined: undefinedFunction") {
		t.Fatalf("err = %v, want compile failure with the compiler's message:\n%s", err, out)
	}
}

func TestBuildNoWebIsCallersDecision(t *testing.T) {
	res, out, err := buildApp(t, "broken-noweb", build.Options{})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out)
	}
	if res.HasWeb() || res.ProcessTypes["worker"] != "sleep 3600" {
		t.Fatalf("process types = %v, want only worker", res.ProcessTypes)
	}
}

func TestBuildSlugignoreAndSlug(t *testing.T) {
	slugPath := filepath.Join(t.TempDir(), "slug.tgz")
	res, out, err := buildApp(t, "static-hello", build.Options{SlugPath: slugPath})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(res.AppDir, "notes.txt")); !os.IsNotExist(err) {
		t.Errorf("notes.txt listed in .slugignore still present: %v", err)
	}
	f, err := os.Open(res.SlugPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dest := t.TempDir()
	if err := slug.Extract(t.Context(), f, dest, slug.Limits{}); err != nil {
		t.Fatalf("Extract slug: %v", err)
	}
	for _, p := range []string{"app/index.html", "app/.bera/bin/static-server"} {
		if _, err := os.Stat(filepath.Join(dest, p)); err != nil {
			t.Errorf("slug lacks %s: %v", p, err)
		}
	}
	if fi, _ := os.Stat(slugPath); res.SlugSize != fi.Size() || len(res.SlugSHA256) != 64 {
		t.Errorf("SlugSize %d, SHA %q; file is %d bytes", res.SlugSize, res.SlugSHA256, fi.Size())
	}
}

func TestBuildSlugTooLarge(t *testing.T) {
	slugPath := filepath.Join(t.TempDir(), "slug.tgz")
	_, out, err := buildApp(t, "procfile-hello", build.Options{SlugPath: slugPath, MaxSlugSize: 100})
	if !errors.Is(err, build.ErrSlugTooLarge) || bera.ErrorCode(err) != bera.ETooLarge {
		t.Fatalf("err = %v, want slug too large:\n%s", err, out)
	}
	if _, err := os.Stat(slugPath); !os.IsNotExist(err) {
		t.Errorf("oversized slug left at %s", slugPath)
	}
}

// writeBuildpack writes a classic buildpack with the given bin/ scripts into dir.
func writeBuildpack(t *testing.T, dir string, scripts map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, "bin", name), []byte("#!/bin/bash\nset -e\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// git runs git in dir.
func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func TestBuildCustomBuildpacks(t *testing.T) {
	need(t, "/usr/bin/git", "apt-get install -y git")
	// The first buildpack comes from a git repository and exports a variable.
	repo := t.TempDir()
	writeBuildpack(t, repo, map[string]string{
		"detect": "echo Custom\n",
		"compile": `echo "-----> custom compile"
echo "stack=$STACK version=$SOURCE_VERSION" > "$1/custom.txt"
echo "export FROM_FIRST=exported" > "$(dirname "$0")/../export"
`,
	})
	git(t, repo, "init", "-q", "-b", "main")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "buildpack")
	// The second is a local directory: it sees the export, and config vars only as files.
	second := t.TempDir()
	writeBuildpack(t, second, map[string]string{
		"detect": "echo Second\n",
		"compile": `echo "first=$FROM_FIRST secret_env=${SECRET:-unset} secret_file=$(cat "$3/SECRET")" > "$1/second.txt"
`,
		"release": "printf -- '---\\ndefault_process_types:\\n  web: ./serve\\n  worker: ./work\\n'\n",
	})
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "Procfile"), []byte("worker: ./other-work\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, out, err := buildApp(t, "", build.Options{
		SourceDir: src, SourceVersion: "deadbeef", Env: map[string]string{"SECRET": "s3cret"},
		Buildpacks: []string{"file://" + repo + "#main", second},
	})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, out)
	}
	for file, want := range map[string]string{
		"custom.txt": "stack=heroku-24 version=deadbeef\n",
		"second.txt": "first=exported secret_env=unset secret_file=s3cret\n",
	} {
		if got, _ := os.ReadFile(filepath.Join(src, file)); string(got) != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	if res.ProcessTypes["web"] != "./serve" || res.ProcessTypes["worker"] != "./other-work" {
		t.Errorf("process types = %v, want web from bin/release and worker from the Procfile", res.ProcessTypes)
	}
	if res.BuildpackDescription != "Second" || !strings.Contains(out, "-----> Custom app detected") {
		t.Errorf("description %q, output:\n%s", res.BuildpackDescription, out)
	}
}

func TestBuildTimeout(t *testing.T) {
	pack := t.TempDir()
	writeBuildpack(t, pack, map[string]string{"detect": "echo Slow\n", "compile": "exec sleep 600\n"})
	src := t.TempDir()
	_, out, err := buildApp(t, "", build.Options{SourceDir: src, Buildpacks: []string{pack}, Timeout: 200 * time.Millisecond})
	if !errors.Is(err, build.ErrTimeout) || !strings.Contains(out, "timed out") {
		t.Fatalf("err = %v, want a timeout:\n%s", err, out)
	}
}

func TestBuiltinName(t *testing.T) {
	tests := map[string]string{
		"go": "go", "heroku/go": "go", "HEROKU/NODEJS": "nodejs", "heroku/node": "nodejs",
		"https://github.com/heroku/heroku-buildpack-python.git": "python", "bera/static": "static",
		"heroku/procfile": "procfile", "heroku/ruby": "", "https://example.com/go.git": "",
	}
	for spec, want := range tests {
		if got, _ := build.BuiltinName(spec); got != want {
			t.Errorf("BuiltinName(%q) = %q, want %q", spec, got, want)
		}
	}
}
