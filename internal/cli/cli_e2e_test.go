package cli_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// End-to-end tests: the real bera binary against a real `bera server` (internal/beratest).

// e2e is one server shared by the subtests of a test, plus helpers around Env.Bera.
type e2e struct {
	*beratest.Env
	t *testing.T
}

func newE2E(t *testing.T) *e2e {
	beratest.Require(t, "git", "apt-get install git")
	return &e2e{Env: beratest.New(t), t: t}
}

// ok runs bera and fails the test unless it exits 0 with nothing on stderr.
func (e *e2e) ok(dir string, env []string, args ...string) string {
	e.t.Helper()
	out, errOut, code := e.Bera(e.t, dir, env, args...)
	if code != 0 {
		e.t.Fatalf("bera %q: exit %d\nstdout: %s\nstderr: %s", args, code, out, errOut)
	}
	return out
}

// fails runs bera and checks the exit code and that stderr is exactly one line holding want.
func (e *e2e) fails(wantCode int, want string, env []string, args ...string) {
	e.t.Helper()
	out, errOut, code := e.Bera(e.t, "", env, args...)
	if code != wantCode {
		e.t.Errorf("bera %q: exit %d, want %d (stdout %q, stderr %q)", args, code, wantCode, out, errOut)
	}
	if strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) {
		e.t.Errorf("bera %q: stderr=%q, want one line containing %q", args, errOut, want)
	}
}

// withStdin runs the binary with stdin and the given HOME; used for prompts and admin.
func (e *e2e) withStdin(home, stdin string, args ...string) (string, int) {
	e.t.Helper()
	cmd := exec.CommandContext(e.t.Context(), e.Bin, args...)
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "BERA_API_URL="+e.APIURL, "BERA_API_KEY=", "HEROKU_API_KEY=", "XDG_CONFIG_HOME=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return out.String() + errb.String(), ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	return out.String(), 0
}

// createUser makes an account with a password and returns its API key.
func (e *e2e) createUser(email, password string) string {
	e.t.Helper()
	return e.CreateUser(e.t, email, password)
}

func gitRepo(t *testing.T) string {
	dir := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", dir).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	return dir
}

func gitRemote(t *testing.T, dir, name string) string {
	out, _ := exec.Command("git", "-C", dir, "config", "--get", "remote."+name+".url").Output()
	return strings.TrimSpace(string(out))
}

func TestE2E_Login(t *testing.T) {
	e := newE2E(t)
	u, _ := url.Parse(e.APIURL)
	netrc := filepath.Join(e.Home, ".netrc")
	if err := os.WriteFile(netrc, []byte("machine github.com\n  login octo\n  password gh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noKey := []string{"BERA_API_KEY="}

	out := e.ok("", noKey, "login", "--api-key", e.AdminKey)
	if !strings.Contains(out, "Logged in as ") {
		t.Errorf("login output=%q", out)
	}
	data, _ := os.ReadFile(netrc)
	for _, want := range []string{"machine github.com\n  login octo\n  password gh\n",
		"machine " + u.Host + "\n", "machine " + u.Hostname() + "\n", "password " + e.AdminKey} {
		if !strings.Contains(string(data), want) {
			t.Errorf("netrc lacks %q:\n%s", want, data)
		}
	}
	if st, _ := os.Stat(netrc); st.Mode().Perm() != 0o600 {
		t.Errorf("netrc mode=%v, want 0600", st.Mode().Perm())
	}
	if whoami := strings.TrimSpace(e.ok("", noKey, "auth:whoami")); !strings.Contains(whoami, "@") {
		t.Errorf("auth:whoami from netrc=%q, want an email", whoami)
	}
	e.fails(2, "", noKey, "login", "--api-key", "bera_not_a_key")

	e.ok("", noKey, "logout")
	data, _ = os.ReadFile(netrc)
	if strings.Contains(string(data), e.AdminKey) || !strings.Contains(string(data), "machine github.com") {
		t.Errorf("netrc after logout:\n%s", data)
	}
	e.fails(1, "not logged in", noKey, "auth:whoami")

	t.Run("EmailPassword", func(t *testing.T) {
		e := &e2e{Env: e.Env, t: t}
		e.createUser("dev@example.com", "correct horse")
		home := t.TempDir()
		out, code := e.withStdin(home, "dev@example.com\ncorrect horse\n", "login")
		if code != 0 || !strings.Contains(out, "Logged in as dev@example.com") {
			t.Fatalf("login: exit %d: %s", code, out)
		}
		if out, code := e.withStdin(home, "", "auth:whoami"); code != 0 || strings.TrimSpace(out) != "dev@example.com" {
			t.Errorf("whoami after login: exit %d: %q", code, out)
		}
		if out, code := e.withStdin(t.TempDir(), "dev@example.com\nwrong\n", "login"); code != 2 {
			t.Errorf("login with a wrong password: exit %d: %s", code, out)
		}
	})
}

func TestE2E_Apps(t *testing.T) {
	e := newE2E(t)
	repo := gitRepo(t)

	out := e.ok(repo, nil, "apps:create", "e2e-app")
	want := e.APIURL + "/e2e-app.git"
	if !strings.Contains(out, "Creating e2e-app... done") || !strings.Contains(out, want) {
		t.Errorf("apps:create output=%q", out)
	}
	if got := gitRemote(t, repo, "bera"); got != want {
		t.Errorf("bera remote=%q, want %q", got, want)
	}
	// The app comes from the git remote when -a is left out.
	if out := e.ok(repo, nil, "apps:info"); !strings.Contains(out, "=== e2e-app") || !strings.Contains(out, "Git URL:") {
		t.Errorf("apps:info=%q", out)
	}
	var apps []struct{ Name string }
	if err := json.Unmarshal([]byte(e.ok("", nil, "apps", "--json")), &apps); err != nil || len(apps) != 1 || apps[0].Name != "e2e-app" {
		t.Errorf("apps --json=%+v, %v", apps, err)
	}

	e.ok(repo, nil, "apps:rename", "e2e-renamed")
	if got := gitRemote(t, repo, "bera"); got != e.APIURL+"/e2e-renamed.git" {
		t.Errorf("remote after rename=%q", got)
	}
	e.fails(2, "Couldn't find that app.", nil, "apps:info", "-a", "e2e-app")
	e.fails(1, "--confirm e2e-renamed", nil, "apps:destroy", "-a", "e2e-renamed")
	e.fails(1, "--confirm e2e-renamed", nil, "apps:destroy", "-a", "e2e-renamed", "--confirm", "e2e-app")

	e.ok(repo, nil, "apps:destroy", "--confirm", "e2e-renamed")
	if got := gitRemote(t, repo, "bera"); got != "" {
		t.Errorf("bera remote still %q after destroy", got)
	}
	e.fails(2, "Couldn't find that app.", nil, "apps:info", "-a", "e2e-renamed")
	e.fails(1, "No app specified.", nil, "config")
}

func TestE2E_ConfigReleases(t *testing.T) {
	e := newE2E(t)
	e.ok("", nil, "apps:create", "cfg-app")

	out := e.ok("", nil, "config:set", "A=1", "B=x=y", "-a", "cfg-app")
	if !strings.HasPrefix(out, "Setting A, B and restarting cfg-app... done, v2\n") || !strings.Contains(out, "B: x=y") {
		t.Errorf("config:set output=%q", out)
	}
	if got := e.ok("", nil, "config:get", "B", "-a", "cfg-app"); got != "x=y\n" {
		t.Errorf("config:get B=%q", got)
	}
	var vars map[string]string
	if err := json.Unmarshal([]byte(e.ok("", []string{"BERA_APP=cfg-app"}, "config", "--json")), &vars); err != nil || vars["A"] != "1" || vars["B"] != "x=y" {
		t.Errorf("config --json=%v, %v", vars, err)
	}
	if out := e.ok("", nil, "config:unset", "A", "-a", "cfg-app"); !strings.Contains(out, "done, v3") {
		t.Errorf("config:unset output=%q", out)
	}
	if out := e.ok("", nil, "config", "--shell", "-a", "cfg-app"); out != "B=x=y\n" {
		t.Errorf("config --shell=%q", out)
	}

	var rels []struct {
		Version     int
		Description string
	}
	if err := json.Unmarshal([]byte(e.ok("", nil, "releases", "--json", "-a", "cfg-app")), &rels); err != nil || len(rels) != 3 {
		t.Fatalf("releases --json=%+v, %v", rels, err)
	}
	if rels[0].Version != 3 || rels[0].Description != "Remove A config vars" || rels[2].Description != "Initial release" {
		t.Errorf("releases=%+v, want newest first", rels)
	}
	if out := e.ok("", nil, "releases", "-n", "1", "-a", "cfg-app"); strings.Count(out, "\nv") != 1 || !strings.Contains(out, "Current: v3") {
		t.Errorf("releases -n 1=%q", out)
	}
	if out := e.ok("", nil, "releases:info", "v2", "-a", "cfg-app"); !strings.Contains(out, "Set A, B config vars") || !strings.Contains(out, "A: 1") {
		t.Errorf("releases:info v2=%q", out)
	}
	e.fails(2, "", nil, "releases:info", "v99", "-a", "cfg-app")
	e.fails(1, "KEY=VALUE", nil, "config:set", "A", "-a", "cfg-app")
}

func TestE2E_Access(t *testing.T) {
	e := newE2E(t)
	devKey := e.createUser("dev@example.com", "pw-dev-123")
	asDev := []string{"BERA_API_KEY=" + devKey}
	e.ok("", nil, "apps:create", "shared-app")
	e.fails(2, "Couldn't find that app.", asDev, "apps:info", "-a", "shared-app")

	if out := e.ok("", nil, "access:add", "dev@example.com", "-a", "shared-app"); !strings.Contains(out, "done") {
		t.Errorf("access:add=%q", out)
	}
	if out := e.ok("", nil, "access", "-a", "shared-app"); !strings.Contains(out, "dev@example.com") {
		t.Errorf("access=%q", out)
	}
	e.ok("", asDev, "config:set", "FROM_DEV=1", "-a", "shared-app")
	if out := e.ok("", asDev, "apps"); !strings.Contains(out, "Collaborated Apps") || !strings.Contains(out, "shared-app") {
		t.Errorf("apps as collaborator=%q", out)
	}

	e.ok("", nil, "access:remove", "dev@example.com", "-a", "shared-app")
	e.fails(2, "Couldn't find that app.", asDev, "config", "-a", "shared-app")
	e.fails(2, "", nil, "access:add", "nobody@example.com", "-a", "shared-app")
}

func TestE2E_MaintenanceScaleTLS(t *testing.T) {
	e := newE2E(t)
	e.ok("", nil, "apps:create", "misc-app")
	e.ok("", nil, "maintenance:on", "-a", "misc-app")
	if out := e.ok("", nil, "maintenance", "-a", "misc-app"); out != "on\n" {
		t.Errorf("maintenance=%q", out)
	}
	e.ok("", nil, "maintenance:off", "-a", "misc-app")
	if out := e.ok("", nil, "ps", "-a", "misc-app"); !strings.Contains(out, "No dynos on misc-app") {
		t.Errorf("ps=%q", out)
	}
	e.fails(2, "", nil, "ps:scale", "web=1", "-a", "misc-app") // no process types before a deploy

	ca := filepath.Join(e.DataDir, "ca.pem")
	if _, err := os.Stat(ca); err != nil {
		t.Fatal("the server wrote no ca.pem: TLS on the API port needs it")
	}
	https := "BERA_API_URL=" + strings.Replace(e.APIURL, "http://", "https://", 1)
	if out := e.ok("", []string{https, "BERA_CA_CERT=" + ca}, "apps"); !strings.Contains(out, "misc-app") {
		t.Errorf("apps over https=%q", out)
	}
	e.fails(1, "certificate", []string{https}, "apps")
}
