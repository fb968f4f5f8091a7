package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/runtime/runc"
)

// fetchScript, run in a dyno, GETs http://argv[1]/ within 3 s and prints the body's first
// line, "blocked" when no connection could be made, or "nxdomain" when the name does not
// resolve. With argv[1] "resolve NAME" it prints NAME's IPv4 addresses, sorted, comma-joined.
// It holds no single quote, so a shell command can quote it whole.
const fetchScript = `import socket, sys, urllib.request, urllib.error
if sys.argv[1] == "resolve":
    try:
        addrs = sorted({a[4][0] for a in socket.getaddrinfo(sys.argv[2], 80, socket.AF_INET, socket.SOCK_STREAM)})
        print(",".join(addrs))
    except socket.gaierror:
        print("nxdomain")
    sys.exit(0)
try:
    print(urllib.request.urlopen("http://" + sys.argv[1] + "/", timeout=3).read().decode().splitlines()[0])
except urllib.error.URLError as e:
    if isinstance(e.reason, socket.gaierror):
        print("nxdomain")
    else:
        print("blocked")
except OSError:
    print("blocked")`

// TestRunc_Spaces: two Private Spaces on runc. In space A, app a1's dynos reach a2's web
// and worker dynos by their DNS names and ports; a2 has internal routing, so the public
// router 404s for it. b1 in space B and c1 in the common runtime reach neither by name nor
// by address; no dyno of a space reaches the host's API, PostgreSQL or Redis. Scaling a2
// changes what its name resolves to; destroying space A takes its bridge, rules and
// resolver away.
func TestRunc_Spaces(t *testing.T) {
	beratest.Require(t, "redis-server", "apt-get install redis-server")
	// Add-on instances run as uids of their own, which must reach DATA/addons.
	env, args := runcServerIn(t, 113, filepath.Dir(addonstest.Root(t)))
	n := rand.IntN(250)
	cidrA, cidrB := fmt.Sprintf("10.120.%d.0/24", n), fmt.Sprintf("10.121.%d.0/24", n)
	var bridges []string
	t.Cleanup(func() {
		for _, b := range bridges {
			runc.RemoveNetwork(context.Background(), b)
		}
	})
	// scaleDown stops the apps' dynos while the server runs: registered again after the
	// restart below, since a cleanup runs after the cleanups registered later (the new
	// server's stop among them).
	scaleDown := func() {
		for _, app := range []string{"sp-a1", "sp-a2", "sp-b1", "sp-c1"} {
			env.Bera(t, "", nil, "ps:scale", "web=0", "worker=0", "-a", app)
		}
		beratest.Eventually(t, time.Minute, "no dynos left", func() bool { return noContainers(t, env.DataDir) })
	}
	t.Cleanup(scaleDown)
	space := func(name, cidr string) string {
		t.Helper()
		env.MustBera(t, "spaces:create", name, "--cidr", cidr)
		out, _ := env.MustBera(t, "spaces:info", name, "--json")
		var sp struct{ ID, CIDR string }
		if err := json.Unmarshal([]byte(out), &sp); err != nil || sp.CIDR != cidr {
			t.Fatalf("spaces:info %s: %v %q", name, err, out)
		}
		bridges = append(bridges, runc.SpaceBridge(sp.ID))
		return sp.ID
	}
	idA := space("sp-space-a", cidrA)
	space("sp-space-b", cidrB)

	deploy := func(app string, createArgs ...string) {
		t.Helper()
		env.MustBera(t, append([]string{"apps:create", app}, createArgs...)...)
		if out, err := env.Push(t, env.SampleApp(t, "space-echo", app), "main"); err != nil {
			t.Fatalf("git push %s: %v\n%s\nserver:\n%s", app, err, out, env.Stderr.String())
		}
	}
	deploy("sp-a1", "--space", "sp-space-a")
	deploy("sp-a2", "--space", "sp-space-a", "--internal-routing")
	deploy("sp-b1", "--space", "sp-space-b")
	deploy("sp-c1")
	env.MustBera(t, "ps:scale", "worker=1", "-a", "sp-a2")
	beratest.Eventually(t, time.Minute, "sp-a2's web and worker up", func() bool { return upDynos(t, env, "sp-a2") == 2 })

	run := func(app, cmd string) string {
		t.Helper()
		out, errOut, code := env.Bera(t, "", nil, "run", "-a", app, "--", "sh", "-c", cmd)
		if code != 0 {
			t.Fatalf("bera run -a %s: exit %d: %s %s", app, code, out, errOut)
		}
		return strings.TrimSpace(out)
	}
	fetch := func(app string, args ...string) string {
		t.Helper()
		return run(app, "python3 -c '"+fetchScript+"' "+strings.Join(args, " "))
	}

	if got := fetch("sp-a1", "web.sp-a2.app.localspace:5000"); got != "web.1" {
		t.Errorf("sp-a1 → web.sp-a2.app.localspace:5000 = %q, want web.1", got)
	}
	if got := fetch("sp-a1", "1.worker.sp-a2.app.localspace:6000"); got != "worker.1" {
		t.Errorf("sp-a1 → 1.worker.sp-a2.app.localspace:6000 = %q, want worker.1", got)
	}
	webA2 := fetch("sp-a1", "resolve", "web.sp-a2.app.localspace")
	if !strings.HasPrefix(webA2, strings.TrimSuffix(cidrA, "0/24")) {
		t.Fatalf("web.sp-a2.app.localspace resolves to %q in space A, want an address of %s", webA2, cidrA)
	}
	// Names outside app.localspace still resolve (forwarded to the host's resolvers):
	// localhost is in every /etc/hosts, so ask for a name that only DNS knows is not there.
	if got := fetch("sp-a1", "resolve", "no-such-app.app.localspace"); got != "nxdomain" {
		t.Errorf("an unknown app's name resolves to %q, want nxdomain", got)
	}

	// From elsewhere, neither by name nor by address.
	for _, app := range []string{"sp-b1", "sp-c1"} {
		if got := fetch(app, "resolve", "web.sp-a2.app.localspace"); got != "nxdomain" {
			t.Errorf("%s resolves space A's web.sp-a2.app.localspace to %q, want nxdomain", app, got)
		}
		if got := fetch(app, webA2+":5000"); got != "blocked" {
			t.Errorf("%s → %s:5000 (sp-a2's web dyno in space A) = %q, want blocked", app, webA2, got)
		}
	}

	// The host's services: the API (its port on the gateway and the host's other
	// addresses), PostgreSQL and Redis.
	gatewayA := strings.TrimSuffix(cidrA, "0/24") + "1"
	common := args[len(args)-1] // --runc-subnet 10.113.N.0/24
	gatewayCommon := strings.TrimSuffix(common, "0/24") + "1"
	apiPort := env.APIURL[strings.LastIndex(env.APIURL, ":")+1:]
	for _, target := range []string{gatewayA + ":" + apiPort, gatewayCommon + ":" + apiPort, gatewayA + ":5432", gatewayA + ":6379"} {
		if got := fetch("sp-a1", target); got != "blocked" {
			t.Errorf("sp-a1's dyno → host %s = %q, want blocked", target, got)
		}
	}

	// An add-on of an app in the space: its dynos reach it, the other space's do not.
	env.MustBera(t, "addons:create", "heroku-redis", "--wait", "-a", "sp-a1")
	redisURL := configVar(t, env, "sp-a1", "REDIS_URL")
	probe := func(app string) string {
		return run(app, "python3 -c '"+probeScript+"' '"+redisURL+"'")
	}
	if got := probe("sp-a1"); got != "connected" {
		t.Errorf("sp-a1's dyno → its Redis: %q, want connected", got)
	}
	if got := probe("sp-b1"); got != "blocked" {
		t.Errorf("sp-b1's dyno (space B) → sp-a1's Redis: %q, want blocked", got)
	}

	// Internal routing: not on the public router; sp-a1 is.
	if code, _ := getHost(t, env, "sp-a2.localhost"); code != 404 {
		t.Errorf("public router for the internal app sp-a2: %d, want 404", code)
	}
	if code, body := getHost(t, env, "sp-a1.localhost"); code != 200 || !strings.Contains(body, "web.1") {
		t.Errorf("public router for sp-a1: %d %q, want 200 from web.1", code, body)
	}

	// Scaling changes what the name resolves to.
	env.MustBera(t, "ps:scale", "web=2", "-a", "sp-a2")
	beratest.Eventually(t, time.Minute, "web.sp-a2.app.localspace to list two dynos", func() error {
		if got := fetch("sp-a1", "resolve", "web.sp-a2.app.localspace"); strings.Count(got, ",") != 1 {
			return fmt.Errorf("resolves to %q", got)
		}
		return nil
	})

	// A server restart: the space's network, resolver and dynos come back as they were.
	env.Stop(t)
	env = beratest.NewWith(t, beratest.Options{DataDir: env.DataDir, DatabaseURL: env.DatabaseURL, Args: args,
		APIAddr: strings.TrimPrefix(env.APIURL, "http://"), RouterAddr: strings.TrimPrefix(env.RouterURL, "http://")})
	t.Cleanup(scaleDown)
	beratest.Eventually(t, time.Minute, "space A's names to resolve again after a restart", func() error {
		if got := fetch("sp-a1", "web.sp-a2.app.localspace:5000"); !strings.HasPrefix(got, "web.") {
			return fmt.Errorf("sp-a1 → web.sp-a2.app.localspace:5000 = %q", got)
		}
		if got := fetch("sp-a1", "resolve", "web.sp-a2.app.localspace"); strings.Count(got, ",") != 1 {
			return fmt.Errorf("web.sp-a2.app.localspace resolves to %q, want its two web dynos", got)
		}
		return nil
	})
	if got := fetch("sp-c1", webA2+":5000"); got != "blocked" {
		t.Errorf("after the restart, sp-c1 → %s:5000 = %q, want blocked", webA2, got)
	}

	// Destroying space A: its apps first, then the space takes its bridge, rules and resolver.
	if _, errOut, code := env.Bera(t, "", nil, "spaces:destroy", "sp-space-a", "--confirm", "sp-space-a"); code == 0 || !strings.Contains(errOut, "still has 2 app(s)") {
		t.Errorf("spaces:destroy of a space with apps: exit %d %q, want a refusal naming its apps", code, errOut)
	}
	for _, app := range []string{"sp-a1", "sp-a2"} {
		env.MustBera(t, "apps:destroy", "-a", app, "--confirm", app)
	}
	beratest.Eventually(t, time.Minute, "space A's dynos gone", func() error {
		members, _ := os.ReadDir("/sys/class/net/" + runc.SpaceBridge(idA) + "/brif")
		if len(members) > 0 {
			return fmt.Errorf("%d veths still on space A's bridge", len(members))
		}
		return nil
	})
	env.MustBera(t, "spaces:destroy", "sp-space-a", "--confirm", "sp-space-a")
	if _, err := os.Stat("/sys/class/net/" + runc.SpaceBridge(idA)); err == nil {
		t.Errorf("space A's bridge %s is still there after spaces:destroy", runc.SpaceBridge(idA))
	}
	if out, _ := exec.Command("nft", "list", "tables").Output(); strings.Contains(string(out), runc.SpaceBridge(idA)) {
		t.Errorf("space A's nftables table is still there:\n%s", out)
	}
	if out, _, _ := env.Bera(t, "", nil, "spaces"); strings.Contains(out, "sp-space-a") || !strings.Contains(out, "sp-space-b") {
		t.Errorf("bera spaces after destroying sp-space-a:\n%s", out)
	}
}
