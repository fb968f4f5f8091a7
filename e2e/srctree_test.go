package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestDeploy_SymlinkedProcfileRejected pushes an app whose Procfile is a symlink to a
// root-only file outside the repository (standing for /etc/shadow). The server must refuse
// the push naming the link, and the file's content must reach neither the push output nor
// the formation. A good push before it says each build heading once and keeps serving.
func TestDeploy_SymlinkedProcfileRejected(t *testing.T) {
	t.Parallel()
	beratest.Require(t, "git", "apt-get install git")
	beratest.Require(t, "python3", "apt-get install python3")
	secret := filepath.Join(t.TempDir(), "shadow")
	const content = "web: root:HOST-SECRET-HASH:19000:0:99999:7:::"
	if err := os.WriteFile(secret, []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := beratest.New(t)
	env.MustBera(t, "apps:create", "linkapp")
	dir := env.SampleApp(t, "procfile-hello", "linkapp")
	out, err := env.Push(t, dir, "main")
	if err != nil {
		t.Fatalf("git push: %v\n%s", err, out)
	}
	for _, line := range []string{"-----> Building on the heroku-24 stack", "-----> Discovering process types", "-----> Compressing...", "Released v2"} {
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("push output has %q %d times, want once:\n%s", line, n, out)
		}
	}

	procfile := filepath.Join(dir, "Procfile")
	os.Remove(procfile)
	if err := os.Symlink(secret, procfile); err != nil {
		t.Fatal(err)
	}
	env.Commit(t, dir, "Procfile -> a host file")
	out, err = env.Push(t, dir, "main")
	if err == nil || !strings.Contains(out, "Procfile is a link that leaves the source tree.") || !strings.Contains(out, "pre-receive hook declined") {
		t.Errorf("push of a Procfile linked out of the repo: err=%v, want it rejected naming the link:\n%s", err, out)
	}
	if strings.Contains(out, "HOST-SECRET") {
		t.Errorf("the host file's content is in the push output:\n%s", out)
	}
	code, formation := getAPI(t, env, "/apps/linkapp/formation")
	if code != 200 || strings.Contains(formation, "HOST-SECRET") || !strings.Contains(formation, "python3 server.py") {
		t.Errorf("GET /apps/linkapp/formation = %d %s; want the first push's formation, without the host file", code, formation)
	}
	if strings.Contains(env.Stderr.String(), "HOST-SECRET") {
		t.Error("the host file's content is in the server's log")
	}
	env.WaitBody(t, "linkapp", "/", "hello from procfile")
}

// getAPI requests path from the API as the admin.
func getAPI(t *testing.T, env *beratest.Env, path string) (int, string) {
	t.Helper()
	return get(t, env.APIURL+path, env.AdminKey)
}
