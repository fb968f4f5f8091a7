package e2e_test

import (
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/addons/postgres"
	"github.com/kingvon-ke/bera/internal/beratest"
)

// probeScript connects to the host and port of the URL in argv[1] within 3 s and prints
// blocked, connected, or with argv[2] "pg" PostgreSQL's answer to an SSLRequest ("pg S").
// It holds no single quote, so that a shell command can quote it whole.
const probeScript = `import socket, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
try:
    s = socket.create_connection((u.hostname, u.port), timeout=3)
except OSError:
    print("blocked")
    sys.exit(0)
if sys.argv[2:] == ["pg"]:
    s.sendall(bytes([0, 0, 0, 8, 4, 210, 22, 47]))
    print("pg", s.recv(1).decode())
else:
    print("connected")`

var pgAddonRE = regexp.MustCompile(`postgresql-[a-z]+-\d{5}`)

// TestRunc_AddonsReachable: on runc, a dyno of the app an add-on is attached to reaches it
// through its config var (a Redis PING, a PostgreSQL SSLRequest answered), and a dyno of
// another app cannot even open a connection to the same address and port, until the add-on
// is attached to that app too; detaching takes the access away again.
func TestRunc_AddonsReachable(t *testing.T) {
	beratest.Require(t, "redis-server", "apt-get install redis-server")
	beratest.Require(t, "redis-cli", "apt-get install redis-tools")
	// The instances run as uids of their own, which must reach DATA/addons.
	env, _ := runcServerIn(t, 112, filepath.Dir(addonstest.Root(t)))
	// The apps' dynos stop before the server does (cleanups run last first), which leaves
	// removeContainers nothing to do.
	t.Cleanup(func() {
		for _, app := range []string{"net-a", "net-b"} {
			env.Bera(t, "", nil, "ps:scale", "web=0", "-a", app)
		}
		beratest.Eventually(t, time.Minute, "no dynos left", func() bool { return noContainers(t, env.DataDir) })
	})
	deployRunApp(t, env, "net-a")
	deployRunApp(t, env, "net-b")
	run := func(app, cmd string) string {
		t.Helper()
		out, errOut, code := env.Bera(t, "", nil, "run", "-a", app, "--", "sh", "-c", cmd)
		if code != 0 {
			t.Fatalf("bera run -a %s: exit %d: %s %s\nserver: %s", app, code, out, errOut, env.Stderr.String())
		}
		return strings.TrimSpace(out)
	}
	probe := func(app, rawURL string, args ...string) string {
		t.Helper()
		return run(app, "python3 -c '"+probeScript+"' '"+rawURL+"' "+strings.Join(args, " "))
	}

	out, _ := env.MustBera(t, "addons:create", "heroku-redis", "--wait", "-a", "net-a")
	name := redisAddonRE.FindString(out)
	if name == "" {
		t.Fatalf("addons:create names no add-on: %q", out)
	}
	redisURL := configVar(t, env, "net-a", "REDIS_URL")
	if u, err := url.Parse(redisURL); err != nil || u.Hostname() == "127.0.0.1" {
		t.Errorf("REDIS_URL names host %q, want the address runc dynos reach the host on", u.Hostname())
	}
	// redis-cli 7.0's -u sends an empty user name with Heroku's redis://:PASSWORD@ URLs,
	// which Redis refuses: the dyno splits the URL itself.
	ping := `pw=${REDIS_URL#*://:}; pw=${pw%@*}; hp=${REDIS_URL##*@}; timeout 10 redis-cli -h "${hp%:*}" -p "${hp##*:}" --no-auth-warning -a "$pw" ping`
	if got := run("net-a", ping); got != "PONG" {
		t.Errorf("net-a's dyno PINGing its Redis through REDIS_URL: %q, want PONG", got)
	}
	if got := probe("net-b", redisURL); got != "blocked" {
		t.Errorf("net-b's dyno connecting to net-a's Redis: %q, want blocked", got)
	}
	env.MustBera(t, "addons:attach", name, "-a", "net-b")
	if got := probe("net-b", redisURL); got != "connected" {
		t.Errorf("net-b's dyno once the Redis is attached to net-b too: %q, want connected", got)
	}
	env.MustBera(t, "addons:detach", "REDIS", "-a", "net-b")
	if got := probe("net-b", redisURL); got != "blocked" {
		t.Errorf("net-b's dyno after addons:detach: %q, want blocked", got)
	}

	if _, err := postgres.FindBinDir(); err != nil {
		t.Logf("no PostgreSQL server binaries, heroku-postgresql not checked: %v", err)
		return
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal(err)
	}
	out, _ = env.MustBera(t, "addons:create", "heroku-postgresql", "--wait", "-a", "net-a")
	if pgAddonRE.FindString(out) == "" {
		t.Fatalf("addons:create names no add-on: %q", out)
	}
	dbURL := configVar(t, env, "net-a", "DATABASE_URL")
	if got := probe("net-a", dbURL, "pg"); got != "pg S" {
		t.Errorf("net-a's dyno sending an SSLRequest to its database: %q, want pg S", got)
	}
	if got := probe("net-b", dbURL, "pg"); got != "blocked" {
		t.Errorf("net-b's dyno connecting to net-a's database: %q, want blocked", got)
	}
}

// configVar returns the app's config var key.
func configVar(t *testing.T, env *beratest.Env, app, key string) string {
	t.Helper()
	out, _ := env.MustBera(t, "config:get", key, "-a", app)
	v := strings.TrimSpace(out)
	if v == "" {
		t.Fatalf("%s has no %s", app, key)
	}
	return v
}
