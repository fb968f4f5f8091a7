package e2e_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/beratest"
)

// TestRunc_AddonsLifecycle follows a PostgreSQL and a Redis add-on of a runc app through
// their life as a user sees it from the app's dynos: a row and a key written and read back
// right after addons:create --wait; a credentials rotation after which the new DATABASE_URL
// works and the old one is refused; a backup restored over a dropped table; a kill -9 of
// the server after which a new server serves the same data; and addons:destroy, which
// removes the instances' data dirs and the config vars.
func TestRunc_AddonsLifecycle(t *testing.T) {
	bin := beratest.HerokuCLI(t) // pg:* are the official CLI's commands
	beratest.Require(t, "redis-server", "apt-get install redis-server")
	beratest.Require(t, "redis-cli", "apt-get install redis-tools")
	beratest.Require(t, "psql", "apt-get install postgresql-client")
	beratest.Require(t, "pg_ctl", "apt-get install postgresql")
	// The instances run as uids of their own, which must reach DATA/addons.
	env, args := runcServerIn(t, 114, filepath.Dir(addonstest.Root(t)))
	dataDir := env.DataDir
	// The app's dynos stop before the current server does: registered again after the
	// restart, so that it runs before that server's own cleanup.
	cur := env
	stopDynos := func() {
		cur.Bera(t, "", nil, "ps:scale", "web=0", "-a", "lc-a")
		beratest.Eventually(t, time.Minute, "no dynos left", func() bool { return noContainers(t, dataDir) })
	}
	t.Cleanup(stopDynos)
	deployRunApp(t, env, "lc-a")
	home := t.TempDir()
	heroku := func(args ...string) string {
		t.Helper()
		out, errOut, err := herokuData(t, bin, cur, home, "", args...)
		if err != nil {
			t.Fatalf("heroku %s: %v\nstdout: %s\nstderr: %s\nserver: %s", strings.Join(args, " "), err, out, errOut, cur.Stderr.String())
		}
		return out + errOut
	}
	// run returns the one-off dyno's stdout, or with a non-zero exit its stderr too.
	run := func(cmd string) (string, int) {
		t.Helper()
		out, errOut, code := cur.Bera(t, "", nil, "run", "-a", "lc-a", "--", "sh", "-c", cmd)
		if code != 0 {
			out += errOut
		}
		return strings.TrimSpace(out), code
	}
	mustRun := func(cmd string) string {
		t.Helper()
		out, code := run(cmd)
		if code != 0 {
			t.Fatalf("bera run sh -c %q: exit %d: %s\nserver: %s", cmd, code, out, cur.Stderr.String())
		}
		return out
	}
	const (
		psql     = `psql -X -q -t -A -v ON_ERROR_STOP=1 "$DATABASE_URL" -c `
		selectQ  = psql + `'select body from notes'`
		redisCLI = `pw=${REDIS_URL#*://:}; pw=${pw%@*}; hp=${REDIS_URL##*@}; timeout 10 redis-cli -h "${hp%:*}" -p "${hp##*:}" --no-auth-warning -a "$pw" `
	)

	// 1–2. Both add-ons are usable from a dyno right after --wait.
	pgOut, _ := env.MustBera(t, "addons:create", "heroku-postgresql", "--wait", "-a", "lc-a")
	pgName := pgAddonRE.FindString(pgOut)
	redisOut, _ := env.MustBera(t, "addons:create", "heroku-redis", "--wait", "-a", "lc-a")
	redisName := redisAddonRE.FindString(redisOut)
	if pgName == "" || redisName == "" {
		t.Fatalf("addons:create names no add-on: %q %q", pgOut, redisOut)
	}
	instances := addonDirs(t, dataDir)
	if len(instances) != 2 {
		t.Fatalf("DATA/addons holds %v after two addons:create, want two instance dirs", instances)
	}
	mustRun(psql + `"create table notes (body text); insert into notes values ('kept')"`)
	if got := mustRun(selectQ); got != "kept" {
		t.Errorf("row read back through DATABASE_URL: %q, want kept", got)
	}
	if got := mustRun(redisCLI + "set greeting hello"); got != "OK" {
		t.Errorf("SET through REDIS_URL: %q, want OK", got)
	}
	if got := mustRun(redisCLI + "get greeting"); got != "hello" {
		t.Errorf("GET through REDIS_URL: %q, want hello", got)
	}

	// 3. A rotation: the new URL reads the row, the old one is refused.
	oldURL := configVar(t, env, "lc-a", "DATABASE_URL")
	heroku("pg:credentials:rotate", "-a", "lc-a", "--confirm", "lc-a")
	if newURL := configVar(t, env, "lc-a", "DATABASE_URL"); newURL == oldURL {
		t.Fatal("DATABASE_URL unchanged by pg:credentials:rotate")
	}
	if got := mustRun(selectQ); got != "kept" {
		t.Errorf("row read with the rotated DATABASE_URL: %q, want kept", got)
	}
	if out, code := run(`psql -X -t -A "` + oldURL + `" -c 'select 1'`); code == 0 {
		t.Errorf("psql with the DATABASE_URL from before the rotation succeeded: %s", out)
	}

	// 4. A backup restored over a dropped table gives the row back.
	heroku("pg:backups:capture", "-a", "lc-a")
	mustRun(psql + `'drop table notes'`)
	if out, code := run(selectQ); code == 0 {
		t.Fatalf("notes still readable after drop table: %s", out)
	}
	heroku("pg:backups:restore", "b001", "DATABASE_URL", "-a", "lc-a", "--confirm", "lc-a")
	if got := mustRun(selectQ); got != "kept" {
		t.Errorf("row after pg:backups:restore: %q, want kept", got)
	}

	// 5. A server crash: a new server on the same data dir and addresses serves the same data.
	env.Kill(t)
	cur = beratest.NewWith(t, beratest.Options{DataDir: dataDir, DatabaseURL: env.DatabaseURL, Args: args,
		APIAddr: strings.TrimPrefix(env.APIURL, "http://"), RouterAddr: strings.TrimPrefix(env.RouterURL, "http://")})
	t.Cleanup(stopDynos)
	beratest.Eventually(t, time.Minute, "the row readable after the server's restart", func() error {
		if got, _ := run(selectQ); got != "kept" {
			return &lifecycleErr{got}
		}
		return nil
	})
	if got := mustRun(redisCLI + "get greeting"); got != "hello" {
		t.Errorf("GET after the server's restart: %q, want hello", got)
	}

	// 6. Destroy removes the data dirs and the config vars.
	cur.MustBera(t, "addons:destroy", pgName, "-a", "lc-a", "--confirm", "lc-a")
	cur.MustBera(t, "addons:destroy", redisName, "-a", "lc-a", "--confirm", "lc-a")
	for _, dir := range instances {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("add-on data dir %s after addons:destroy: %v, want it gone", dir, err)
		}
	}
	cfg, _ := cur.MustBera(t, "config", "-a", "lc-a")
	for _, key := range []string{"DATABASE_URL", "REDIS_URL"} {
		if strings.Contains(cfg, key) {
			t.Errorf("config after addons:destroy still has %s:\n%s", key, cfg)
		}
	}
}

// lifecycleErr is the last output of a dyno that did not read what was expected.
type lifecycleErr struct{ got string }

func (e *lifecycleErr) Error() string { return "dyno read " + e.got }

// addonDirs lists the instance directories (those with a state.json) under DATA/addons.
func addonDirs(t *testing.T, dataDir string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(dataDir, "addons", "*", "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	return dirs
}
