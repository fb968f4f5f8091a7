package buildrun_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/kingvon-ke/bera/internal/build"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// appsDir holds the sample apps.
const appsDir = "../../../../testdata/apps"

// need skips the test when a tool is missing, or fails it under CI=true.
func need(t testing.TB, path, install string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		beratest.Missing(t, path+" is missing; install with: "+install)
	}
}

// TestBuildSampleApps builds sample apps with every step in the sandbox, then runs them.
func TestBuildSampleApps(t *testing.T) {
	r, _ := newRunner(t, 0)
	cache := t.TempDir()
	tests := []struct {
		app, desc, body string
		tool, install   string
	}{
		{"go-hello", "Go", "hello from go", "/usr/local/go/bin/go", "the Go toolchain in /usr/local/go"},
		{"node-hello", "Node.js", "hello from node", "/usr/bin/npm", "apt-get install -y nodejs npm"},
		{"procfile-hello", "Procfile", "hello from procfile", "/usr/bin/python3", "apt-get install -y python3"},
	}
	for _, tt := range tests {
		t.Run(tt.app, func(t *testing.T) {
			need(t, tt.tool, tt.install)
			src := filepath.Join(t.TempDir(), tt.app)
			if err := os.CopyFS(src, os.DirFS(filepath.Join(appsDir, tt.app))); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			res, err := build.Build(t.Context(), build.Options{SourceDir: src, CacheDir: filepath.Join(cache, tt.app),
				SourceVersion: "abc123", Output: &out, WorkDir: t.TempDir(), Runner: r})
			if err != nil {
				t.Fatalf("Build: %v\n%s", err, out.String())
			}
			if res.BuildpackDescription != tt.desc || !res.HasWeb() {
				t.Fatalf("result = %+v, want %s with a web process\n%s", res, tt.desc, out.String())
			}
			status, body := get(t, startWeb(t, res))
			if status != 200 || !strings.Contains(body, tt.body) {
				t.Fatalf("GET / = %d %q, want 200 with %q", status, body, tt.body)
			}
		})
	}
}

// startWeb runs the app's web process as a plain process the way a dyno would (profile.d
// sourced, HOME at the app, PORT set) and waits until it says it is listening.
func startWeb(t *testing.T, res *build.Result) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
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
