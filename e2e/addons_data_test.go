package e2e_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/beratest"
)

var postgresAddonRE = regexp.MustCompile(`postgresql-[a-z]+-\d{5}`)

// herokuData runs the official Heroku CLI with its data host (pg:*, redis:*) pointed at
// the test server, as the README tells users to, with stdin when not empty.
func herokuData(t *testing.T, bin string, env *beratest.Env, home, stdin string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = home
	cmd.Env = append(env.HerokuEnv(home), "HEROKU_DATA_HOST=127.0.0.1", "NODE_EXTRA_CA_CERTS="+filepath.Join(env.DataDir, "ca.pem"))
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// TestAddons_DataCommands drives pg:* and redis:* of the official Heroku CLI against a
// PostgreSQL and a Redis add-on: the figures of pg:info and redis:info, a query through
// pg:psql (the local psql over TLS), PING through redis:cli, and a credentials rotation
// that changes DATABASE_URL in a release, and a backup captured, listed, downloaded and
// restored, pg:reset and redis:maxmemory.
func TestAddons_DataCommands(t *testing.T) {
	t.Parallel()
	bin := beratest.HerokuCLI(t)
	beratest.Require(t, "redis-server", "apt-get install redis-server")
	beratest.Require(t, "psql", "apt-get install postgresql-client")
	beratest.Require(t, "pg_ctl", "apt-get install postgresql")
	env := beratest.NewWith(t, beratest.Options{DataDir: filepath.Dir(addonstest.Root(t))})
	home := t.TempDir()
	run := func(stdin, wantIn string, args ...string) string {
		t.Helper()
		out, errOut, err := herokuData(t, bin, env, home, stdin, args...)
		if err != nil || !strings.Contains(out+errOut, wantIn) {
			t.Fatalf("heroku %s: %v, want %q in\nstdout: %s\nstderr: %s\nserver: %s", strings.Join(args, " "), err, wantIn, out, errOut, env.Stderr.String())
		}
		return out + errOut
	}
	env.MustBera(t, "apps:create", "data-app")
	created := run("", "as DATABASE_URL", "addons:create", "heroku-postgresql", "-a", "data-app", "--wait")
	pg := postgresAddonRE.FindString(created)
	run("", "as REDIS_URL", "addons:create", "heroku-redis", "-a", "data-app", "--wait")

	info := run("", "DATABASE_URL", "pg:info", "-a", "data-app")
	for _, want := range []string{"PG Version:", "Connections:", "Data Size:", "Tables:", "Created:", pg} {
		if !strings.Contains(info, want) {
			t.Errorf("pg:info lacks %q:\n%s", want, info)
		}
	}
	if out := run("", "1", "pg:psql", "-a", "data-app", "-c", "select 41 + 1 as answer"); !strings.Contains(out, "42") {
		t.Errorf("pg:psql -c: %s", out)
	}
	run("", "default", "pg:credentials", "-a", "data-app")
	before, _ := env.MustBera(t, "config:get", "DATABASE_URL", "-a", "data-app")
	run("", "", "pg:credentials:rotate", "-a", "data-app", "--confirm", "data-app")
	after, _ := env.MustBera(t, "config:get", "DATABASE_URL", "-a", "data-app")
	if after == before || !strings.HasPrefix(after, "postgres://") {
		t.Errorf("DATABASE_URL after pg:credentials:rotate: changed %v", after != before)
	}
	run("", "credential rotation", "releases", "-a", "data-app")
	if out := run("", "42", "pg:psql", "-a", "data-app", "-c", "select 42"); !strings.Contains(out, "42") {
		t.Errorf("pg:psql after rotation: %s", out)
	}

	// A backup, downloaded over https, restored after the table is dropped.
	run("", "", "pg:psql", "-a", "data-app", "-c", "create table notes (body text); insert into notes values ('kept')")
	run("", "b001", "pg:backups:capture", "-a", "data-app")
	if list := run("", "b001", "pg:backups", "-a", "data-app"); !strings.Contains(list, "Completed") {
		t.Errorf("pg:backups:\n%s", list)
	}
	dump := filepath.Join(home, "latest.dump")
	run("", "", "pg:backups:download", "b001", "-a", "data-app", "-o", dump)
	if data, err := os.ReadFile(dump); err != nil || !bytes.HasPrefix(data, []byte("PGDMP")) {
		t.Errorf("pg:backups:download wrote %d bytes, %v", len(data), err)
	}
	run("", "", "pg:psql", "-a", "data-app", "-c", "drop table notes")
	run("", "", "pg:backups:restore", "b001", "DATABASE_URL", "-a", "data-app", "--confirm", "data-app")
	if out := run("", "kept", "pg:psql", "-a", "data-app", "-c", "select body from notes"); !strings.Contains(out, "kept") {
		t.Errorf("after pg:backups:restore: %s", out)
	}

	run("", "", "pg:backups:schedule", "DATABASE_URL", "--at", "02:00 Europe/Paris", "-a", "data-app")
	run("", "DATABASE_URL: daily at 2:00 Europe/Paris", "pg:backups:schedules", "-a", "data-app")
	run("", "", "pg:reset", "DATABASE_URL", "-a", "data-app", "--confirm", "data-app")
	if out, errOut, err := herokuData(t, bin, env, home, "", "pg:psql", "-a", "data-app", "-c", "select body from notes"); err == nil || !strings.Contains(out+errOut, "does not exist") {
		t.Errorf("notes after pg:reset: %v\n%s%s", err, out, errOut)
	}

	run("", "set to allkeys-lru", "redis:maxmemory", "-a", "data-app", "--policy", "allkeys-lru")
	rinfo := run("", "REDIS_URL", "redis:info", "-a", "data-app")
	for _, want := range []string{"Version:", "Clients:", "allkeys-lru"} {
		if !strings.Contains(rinfo, want) {
			t.Errorf("redis:info lacks %q:\n%s", want, rinfo)
		}
	}
	run("PING\n", "PONG", "redis:cli", "-a", "data-app", "--confirm", "data-app")
}
