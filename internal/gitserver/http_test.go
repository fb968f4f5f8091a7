package gitserver_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kingvon-ke/bera"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/gitserver"
)

// The test binary is also the pre-receive hook: the repositories' hook runs
// `$BERA_BIN git-hook pre-receive`, and BERA_BIN is this binary, which does what bera does.
func TestMain(m *testing.M) {
	if len(os.Args) == 3 && os.Args[1] == "git-hook" && os.Args[2] == "pre-receive" {
		os.Exit(gitserver.RunHook(context.Background(), os.Getenv("BERA_HOOK_URL"), os.Getenv("BERA_HOOK_TOKEN"), os.LookupEnv, os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

const goodKey = "good-key"

// deploys records what the server asked to deploy, and fails when err is set.
type deploys struct {
	mu   sync.Mutex
	got  []string // "app commit ref Procfile-content"
	fail error
}

func (d *deploys) Deploy(_ context.Context, app *bera.App, user *bera.User, src bera.Source, out io.Writer) error {
	procfile, _ := os.ReadFile(filepath.Join(src.Dir, "Procfile"))
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, fmt.Sprintf("%s %s %s %s %q", app.Name, user.Email, src.Commit, src.Ref, procfile))
	fmt.Fprintf(out, "-----> Building %s\n", app.Name)
	return d.fail
}

func (d *deploys) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.got...)
}

type gitEnv struct {
	url   string // http://127.0.0.1:PORT
	repos string
	dep   *deploys
	home  string
}

// newGitEnv serves gitserver.Server on a loopback port for one app, "demo", that the
// holder of goodKey may push to.
func newGitEnv(t *testing.T) *gitEnv {
	t.Helper()
	beratest.Require(t, "git", "apt-get install git")
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	e := &gitEnv{repos: t.TempDir(), dep: &deploys{}, home: t.TempDir()}
	app := &bera.App{ID: "app-demo", Name: "demo"}
	user := &bera.User{ID: "u1", Email: "dev@example.com"}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	gitserver.New(gitserver.Config{
		ReposDir: e.repos,
		Authenticate: func(r *http.Request) (*bera.User, error) {
			if _, key, ok := r.BasicAuth(); ok && key == goodKey {
				return user, nil
			}
			return nil, bera.Errorf(bera.EUnauthorized, "Invalid credentials provided.")
		},
		App: func(_ context.Context, name string, _ *bera.User) (*bera.App, error) {
			if name == app.Name {
				return app, nil
			}
			return nil, bera.NotFound("app")
		},
		Deployer: e.dep,
		HookURL:  srv.URL,
		HookBin:  bin,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}).Register(mux)
	return e
}

// git runs git in dir with a HOME of its own and no prompts; it returns the combined output.
func (e *gitEnv) git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+e.home, "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (e *gitEnv) mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := e.git(dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}

// workTree is a repository with one commit of a Procfile on main; it returns the dir and
// the commit.
func (e *gitEnv) workTree(t *testing.T, procfile string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	e.mustGit(t, dir, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644); err != nil {
		t.Fatal(err)
	}
	e.mustGit(t, dir, "add", "-A")
	e.mustGit(t, dir, "commit", "-q", "-m", "first")
	return dir, e.mustGit(t, dir, "rev-parse", "HEAD")
}

// remote is the app's repository URL with key as the password ("" for none).
func (e *gitEnv) remote(app, key string) string {
	if key == "" {
		return e.url + "/" + app + ".git"
	}
	return strings.Replace(e.url, "http://", "http://git:"+key+"@", 1) + "/" + app + ".git"
}

// serverHead is the commit main points at in the app's bare repository, or "".
func (e *gitEnv) serverHead(t *testing.T) string {
	t.Helper()
	out, err := e.git(e.repos, "--git-dir", filepath.Join(e.repos, "app-demo.git"), "rev-parse", "--verify", "-q", "refs/heads/main")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// A push to main goes through the smart protocol to receive-pack, whose pre-receive hook
// has the server deploy the pushed tree; the deploy's output reaches the pusher, and the
// pushed commit can be cloned back.
func TestPushDeploysThroughTheHook(t *testing.T) {
	e := newGitEnv(t)
	dir, commit := e.workTree(t, "web: ./serve\n")
	out, err := e.git(dir, "push", e.remote("demo", goodKey), "main")
	if err != nil {
		t.Fatalf("git push: %v\n%s", err, out)
	}
	if !strings.Contains(out, "remote: -----> Building demo") {
		t.Errorf("the push output lacks the deploy's:\n%s", out)
	}
	want := fmt.Sprintf("demo dev@example.com %s refs/heads/main %q", commit, "web: ./serve\n")
	if got := e.dep.list(); len(got) != 1 || got[0] != want {
		t.Errorf("deploys %q, want [%q]", got, want)
	}
	if head := e.serverHead(t); head != commit {
		t.Errorf("the server's main is %q, want %s", head, commit)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	e.mustGit(t, e.home, "clone", "-q", e.remote("demo", goodKey), clone)
	if got := e.mustGit(t, clone, "rev-parse", "HEAD"); got != commit {
		t.Errorf("the clone is at %s, want %s", got, commit)
	}
}

// A failed deploy fails the hook, so the push is rejected and the commit is not kept; a
// push to another branch is refused before any deploy.
func TestPushRejected(t *testing.T) {
	e := newGitEnv(t)
	dir, _ := e.workTree(t, "web: ./serve\n")
	e.dep.fail = bera.Errorf(bera.EInvalid, "No default language could be detected for this app.")
	out, err := e.git(dir, "push", e.remote("demo", goodKey), "main")
	if err == nil {
		t.Fatalf("git push of a failing deploy succeeded:\n%s", out)
	}
	if !strings.Contains(out, "remote:  !     Push rejected: No default language could be detected for this app.") ||
		!strings.Contains(out, "pre-receive hook declined") {
		t.Errorf("the push output does not say why:\n%s", out)
	}
	if head := e.serverHead(t); head != "" {
		t.Errorf("the rejected commit is the server's main: %s", head)
	}

	e.dep.fail = nil
	out, err = e.git(dir, "push", e.remote("demo", goodKey), "main:feature")
	if err == nil || !strings.Contains(out, "only main or master deploy") {
		t.Errorf("a push to feature: %v\n%s", err, out)
	}
	if n := len(e.dep.list()); n != 1 {
		t.Errorf("%d deploys, want only the failed one", n)
	}
}

// Without the right API key git gets a 401 that asks for Basic credentials, and nothing is
// deployed; an unknown app is a 404.
func TestPushAuthentication(t *testing.T) {
	e := newGitEnv(t)
	dir, _ := e.workTree(t, "web: ./serve\n")
	// With no key git asks for one (and may not prompt here); with a wrong one it gives up.
	for key, want := range map[string]string{"": "could not read Username", "wrong-key": "Authentication failed"} {
		out, err := e.git(dir, "push", e.remote("demo", key), "main")
		if err == nil || !strings.Contains(out, want) {
			t.Errorf("git push with key %q: %v, want %q in\n%s", key, err, want, out)
		}
	}
	if got := e.dep.list(); len(got) != 0 {
		t.Errorf("deploys without credentials: %q", got)
	}
	if _, err := os.Stat(filepath.Join(e.repos, "app-demo.git")); err == nil {
		t.Error("an unauthenticated request created the repository")
	}

	tests := []struct {
		name, path, key string
		want            int
	}{
		{"NoKey", "/demo.git/info/refs?service=git-receive-pack", "", http.StatusUnauthorized},
		{"WrongKey", "/demo.git/info/refs?service=git-upload-pack", "wrong-key", http.StatusUnauthorized},
		{"UnknownApp", "/other.git/info/refs?service=git-receive-pack", goodKey, http.StatusNotFound},
		{"DumbProtocol", "/demo.git/info/refs", goodKey, http.StatusForbidden},
		{"Advertisement", "/demo.git/info/refs?service=git-receive-pack", goodKey, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.url+tt.path, nil)
			if tt.key != "" {
				req.SetBasicAuth("git", tt.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			switch tt.want {
			case http.StatusUnauthorized:
				if h := resp.Header.Get("WWW-Authenticate"); h != `Basic realm="Bera"` {
					t.Errorf("WWW-Authenticate = %q", h)
				}
			case http.StatusOK:
				if ct := resp.Header.Get("Content-Type"); ct != "application/x-git-receive-pack-advertisement" ||
					!bytes.HasPrefix(body, []byte("001f# service=git-receive-pack\n0000")) {
					t.Errorf("advertisement %q: %q", ct, body)
				}
			}
		})
	}
}
