package e2e_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/beratest"
)

var redisAddonRE = regexp.MustCompile(`redis-[a-z]+-\d{5}`)

// TestAddons_Redis provisions heroku-redis add-ons with the official Heroku CLI and with
// bera, and checks that a dyno of the app reaches the Redis through REDIS_URL, that a
// second app shares one, and that destroy removes the config var.
func TestAddons_Redis(t *testing.T) {
	t.Parallel()
	bin := beratest.HerokuCLI(t)
	beratest.Require(t, "redis-server", "apt-get install redis-server")
	beratest.Require(t, "redis-cli", "apt-get install redis-tools")
	// The instances run as uids of their own, which must reach DATA/addons.
	env := beratest.NewWith(t, beratest.Options{DataDir: filepath.Dir(addonstest.Root(t))})
	home := t.TempDir()
	herokuOK := func(wantIn string, args ...string) string {
		t.Helper()
		out, errOut, err := heroku(t, bin, env, home, args...)
		if err != nil || !strings.Contains(out+errOut, wantIn) {
			t.Fatalf("heroku %s: %v, want %q in\nstdout: %s\nstderr: %s\nserver: %s", strings.Join(args, " "), err, wantIn, out, errOut, env.Stderr.String())
		}
		return out + errOut
	}
	deployRunApp(t, env, "kv-app")

	created := herokuOK("as REDIS_URL", "addons:create", "heroku-redis", "-a", "kv-app", "--wait")
	name := redisAddonRE.FindString(created)
	if name == "" {
		t.Fatalf("addons:create names no add-on:\n%s", created)
	}
	list := herokuOK(name, "addons", "-a", "kv-app")
	if !strings.Contains(list, "heroku-redis") || !strings.Contains(list, "created") || strings.Contains(list, "NaN") {
		t.Errorf("heroku addons:\n%s", list)
	}
	herokuOK("kv-app::REDIS", "addons:info", name, "-a", "kv-app")
	herokuOK("REDIS_URL:", "config", "-a", "kv-app")
	// redis-cli 7.0's -u sends an empty user name with Heroku's redis://:PASSWORD@ URLs,
	// which Redis refuses: the dyno splits the URL itself.
	ping := `pw=${REDIS_URL#*://:}; pw=${pw%@*}; hp=${REDIS_URL##*@}; redis-cli -h "${hp%:*}" -p "${hp##*:}" --no-auth-warning -a "$pw" ping`
	if out, errOut, code := env.Bera(t, "", nil, "run", "-a", "kv-app", "--", "sh", "-c", ping); code != 0 || strings.TrimSpace(out) != "PONG" {
		t.Fatalf("a dyno's PING through REDIS_URL: exit %d, %q %q", code, out, errOut)
	}

	// The same with bera, shared with a second app.
	out, _ := env.MustBera(t, "addons:create", "heroku-redis", "--as", "CACHE", "--wait", "-a", "kv-app")
	second := redisAddonRE.FindString(out)
	if second == "" || !strings.Contains(out, "as CACHE_URL") {
		t.Fatalf("bera addons:create: %q", out)
	}
	env.MustBera(t, "apps:create", "kv-other")
	if out, _ := env.MustBera(t, "addons:attach", second, "--as", "shared", "-a", "kv-other"); !strings.Contains(out, "SHARED_URL") {
		t.Errorf("bera addons:attach: %q", out)
	}
	shared, _ := env.MustBera(t, "config:get", "SHARED_URL", "-a", "kv-other")
	cache, _ := env.MustBera(t, "config:get", "CACHE_URL", "-a", "kv-app")
	if shared == "" || shared != cache {
		t.Errorf("SHARED_URL %q, want kv-app's CACHE_URL %q", shared, cache)
	}
	if out, _ := env.MustBera(t, "addons", "-a", "kv-other"); !strings.Contains(out, second) || !strings.Contains(out, "SHARED") {
		t.Errorf("bera addons -a kv-other:\n%s", out)
	}
	env.MustBera(t, "addons:detach", "SHARED", "-a", "kv-other")
	if out, _ := env.MustBera(t, "config", "-a", "kv-other"); strings.Contains(out, "SHARED_URL") {
		t.Errorf("SHARED_URL after addons:detach:\n%s", out)
	}
	if out, _ := env.MustBera(t, "addons:info", second, "-a", "kv-app"); !strings.Contains(out, "kv-app::CACHE") {
		t.Errorf("bera addons:info:\n%s", out)
	}
	herokuOK("done", "addons:attach", second, "-a", "kv-other", "--as", "SHARED2")
	herokuOK("SHARED2_URL:", "config", "-a", "kv-other")
	herokuOK("done", "addons:detach", "SHARED2", "-a", "kv-other")
	if cfg := herokuOK("", "config", "-a", "kv-other"); strings.Contains(cfg, "SHARED2_URL") {
		t.Errorf("SHARED2_URL after heroku addons:detach:\n%s", cfg)
	}
	herokuOK("heroku-redis", "addons:services")
	herokuOK("heroku-redis:premium-0", "addons:plans", "heroku-redis")
	if out, _ := env.MustBera(t, "addons:plans", "heroku-redis"); !strings.Contains(out, "default") {
		t.Errorf("bera addons:plans:\n%s", out)
	}
	env.MustBera(t, "addons:destroy", second, "-a", "kv-app", "--confirm", "kv-app")

	herokuOK(name, "addons:destroy", name, "-a", "kv-app", "--confirm", "kv-app")
	if cfg := herokuOK("", "config", "-a", "kv-app"); strings.Contains(cfg, "REDIS_URL") || strings.Contains(cfg, "CACHE_URL") {
		t.Errorf("config after addons:destroy:\n%s", cfg)
	}
	herokuOK("No add-ons", "addons", "-a", "kv-app")
	herokuOK("Detach REDIS (@ref:"+name+")", "releases", "-a", "kv-app")
}
