package beratest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SampleApp copies testdata/apps/NAME into a new git repository (one commit on main) with a
// `bera` remote for app, and returns its directory.
func (e *Env) SampleApp(t testing.TB, name, app string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(moduleRoot(), "testdata", "apps", name))); err != nil {
		t.Fatal(err)
	}
	e.git(t, dir, "init", "-q", "-b", "main")
	e.Commit(t, dir, "initial")
	e.git(t, dir, "remote", "add", "bera", e.APIURL+"/"+app+".git")
	return dir
}

// Commit commits every change in dir.
func (e *Env) Commit(t testing.TB, dir, msg string) {
	t.Helper()
	e.git(t, dir, "add", "-A")
	e.git(t, dir, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "--allow-empty", "-m", msg)
}

func (e *Env) git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := e.gitCmd(dir, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// gitCmd runs git with HOME=e.Home, where a netrc holds the admin key for the API host.
func (e *Env) gitCmd(dir string, args ...string) *exec.Cmd {
	host := strings.TrimPrefix(e.APIURL, "http://")
	host, _, _ = strings.Cut(host, ":")
	netrc := filepath.Join(e.Home, ".netrc")
	if _, err := os.Stat(netrc); err != nil {
		os.WriteFile(netrc, []byte("machine "+host+" login bera password "+e.AdminKey+"\n"), 0o600)
	}
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "HOME="+e.Home, "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1")
	return cmd
}

// Push runs `git push bera REFSPEC` in dir and returns its combined output and error.
func (e *Env) Push(t testing.TB, dir, refspec string) (string, error) {
	t.Helper()
	out, err := e.gitCmd(dir, "push", "bera", refspec).CombinedOutput()
	return string(out), err
}

// Get requests path from app through the router, with Host APP.localhost.
func (e *Env) Get(t testing.TB, app, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", e.RouterURL+path, nil)
	req.Host = app + ".localhost"
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		logs, _, _ := e.Bera(t, "", nil, "logs", "-a", app, "-n", "200")
		t.Fatalf("GET %s via router: %v\napp's log:\n%s\nserver:\n%s", path, err, logs, tail(e.Stderr.String(), 8<<10))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// WaitBody polls app's path through the router until it answers 200 with a body containing
// want, or fails after a minute.
func (e *Env) WaitBody(t testing.TB, app, path, want string) {
	t.Helper()
	var code int
	var body string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if code, body = e.Get(t, app, path); code == 200 && strings.Contains(body, want) {
			return
		}
	}
	t.Fatalf("%s%s: last answer %d %q, want 200 with %q\nserver:\n%s", app, path, code, body, want, e.Stderr.String())
}

// Clone runs `git clone` of an app's repository into a new directory and returns it.
func (e *Env) Clone(t testing.TB, app string) (string, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), app)
	out, err := e.gitCmd(e.Home, "clone", "-q", e.APIURL+"/"+app+".git", dir).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git clone: %v\n%s", err, out)
	}
	return dir, nil
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
