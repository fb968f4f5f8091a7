// Package sourcetest serves Git repositories over smart HTTP on 127.0.0.1, through the real
// git-http-backend under net/http/cgi, standing in for GitHub in tests, and over the dumb
// HTTP and git:// protocols.
package sourcetest

import (
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// Backend is where Debian's git package installs git-http-backend.
const Backend = "/usr/lib/git-core/git-http-backend"

// GitServer serves the bare repositories under Root at URL/NAME.git.
type GitServer struct {
	Root string
	URL  string
	work string
	dumb string // the URL of a static file server on Root, once started
}

// Require skips the test (fails it when CI=true) when git or git-http-backend is missing.
func Require(tb testing.TB) {
	tb.Helper()
	_, err := exec.LookPath("git")
	if _, serr := os.Stat(Backend); err != nil || serr != nil {
		msg := "git and git-http-backend are needed: apt-get install git"
		beratest.Missing(tb, msg)
	}
}

// NewGitServer starts a server, closed when the test ends.
func NewGitServer(tb testing.TB) *GitServer {
	tb.Helper()
	Require(tb)
	g := &GitServer{Root: tb.TempDir(), work: tb.TempDir()}
	h := &cgi.Handler{Path: Backend, Env: []string{"GIT_PROJECT_ROOT=" + g.Root, "GIT_HTTP_EXPORT_ALL=1"}}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	g.URL = srv.URL
	return g
}

// Commit writes files (path → content) into repository name's branch, creating the
// repository and branch as needed, and returns the new commit id. The repository is then
// at URL/name.git.
func (g *GitServer) Commit(tb testing.TB, name, branch string, files map[string]string) string {
	tb.Helper()
	bare := filepath.Join(g.Root, name+".git")
	work := filepath.Join(g.work, name)
	if _, err := os.Stat(bare); err != nil {
		MustGit(tb, "", "init", "--quiet", "--bare", "--initial-branch=main", bare)
		MustGit(tb, "", "clone", "--quiet", bare, work)
	}
	MustGit(tb, work, "checkout", "--quiet", "-B", branch)
	if MustGit(tb, work, "ls-remote", "origin", "refs/heads/"+branch) != "" {
		MustGit(tb, work, "fetch", "--quiet", "origin", branch)
		MustGit(tb, work, "reset", "--quiet", "--hard", "origin/"+branch)
	}
	for p, content := range files {
		path := filepath.Join(work, p)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	MustGit(tb, work, "add", "-A")
	MustGit(tb, work, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "--quiet", "--allow-empty", "-m", "change")
	MustGit(tb, work, "push", "--quiet", "origin", branch)
	return MustGit(tb, work, "rev-parse", "HEAD")
}

// RepoURL is the clone URL of repository name.
func (g *GitServer) RepoURL(name string) string { return g.URL + "/" + name + ".git" }

// MustGit runs git in dir and returns its trimmed output.
func MustGit(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// Unauthorized serves 401 with a Basic challenge to everything, like a private repository.
func Unauthorized(tb testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="GitHub"`)
		http.Error(w, "auth required", http.StatusUnauthorized)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/private.git"
}

// DumbURL is the URL of repository name on a static file server (http.FileServer) over
// Root: git's "dumb" HTTP protocol, as a bare repository on static hosting is served. It
// runs git update-server-info, so call it again after a commit.
func (g *GitServer) DumbURL(tb testing.TB, name string) string {
	tb.Helper()
	MustGit(tb, filepath.Join(g.Root, name+".git"), "update-server-info")
	if g.dumb == "" {
		srv := httptest.NewServer(http.FileServer(http.Dir(g.Root)))
		tb.Cleanup(srv.Close)
		g.dumb = srv.URL
	}
	return g.dumb + "/" + name + ".git"
}

// Daemon serves Root over the git:// protocol (git daemon on 127.0.0.1) until the test
// ends, and returns its base URL, git://127.0.0.1:PORT.
func (g *GitServer) Daemon(tb testing.TB) string {
	tb.Helper()
	daemon := filepath.Join(filepath.Dir(Backend), "git-daemon")
	if _, err := os.Stat(daemon); err != nil {
		beratest.Missing(tb, "git daemon is needed: apt-get install git")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	// The daemon itself, not `git daemon`: killing that wrapper would orphan the daemon,
	// which then holds the port and every file descriptor it inherited.
	cmd := exec.Command(daemon, "--export-all", "--reuseaddr", "--informative-errors",
		"--base-path="+g.Root, "--listen=127.0.0.1", "--port="+port, g.Root)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1")
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "git://" + addr
		}
		if time.Now().After(deadline) {
			tb.Fatal("git daemon did not listen on " + addr)
		}
	}
}
