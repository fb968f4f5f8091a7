package postgres_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/addonstest"
	"github.com/kingvon-ke/bera/internal/beratest"
)

// A dedicated instance: psql's sslmode=require works, the default credential owns its
// database but is no superuser, the plan's limits hold, the server runs as an
// unprivileged uid, and no password is on disk.
func TestDedicated_Security(t *testing.T) {
	e := newEnv(t)
	p := e.MustOpen(t, addonstest.Root(t))
	inst, err := p.Provision(t.Context(), addons.Request{ID: "pg1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	c, err := pgx.Connect(ctx, inst.URL+"?sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var super bool
	var buffers, maxConns string
	if err := c.QueryRow(ctx, `SELECT rolsuper, current_setting('shared_buffers'), current_setting('max_connections')
		FROM pg_roles WHERE rolname = current_user`).Scan(&super, &buffers, &maxConns); err != nil {
		t.Fatal(err)
	}
	if super || buffers != "32MB" || maxConns != "25" {
		t.Errorf("superuser=%v shared_buffers=%s max_connections=%s, want false 32MB 25", super, buffers, maxConns)
	}
	if _, err := c.Exec(ctx, `COPY (SELECT 1) TO PROGRAM 'true'`); err == nil {
		t.Error("the default credential ran a program on the server")
	}
	t.Run("ConnectionLimit", func(t *testing.T) {
		var conns []*pgx.Conn
		defer func() {
			for _, c := range conns {
				c.Close(ctx)
			}
		}()
		// The test holds one already; the plan allows 20.
		for range 19 {
			c, err := pgx.Connect(ctx, inst.URL)
			if err != nil {
				t.Fatalf("connection %d of 20: %v", len(conns)+2, err)
			}
			conns = append(conns, c)
		}
		if c, err := pgx.Connect(ctx, inst.URL); err == nil {
			c.Close(ctx)
			t.Error("a 21st connection was accepted on a 20-connection plan")
		}
	})
	t.Run("Psql", func(t *testing.T) {
		psql, err := exec.LookPath("psql")
		if err != nil {
			addonstest.Missing(t, "apt-get install -y postgresql-client")
		}
		// What pg:psql does: PGSSLMODE=require for any host but localhost.
		cmd := exec.CommandContext(ctx, psql, inst.URL, "-tAc", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
		cmd.Env = append(os.Environ(), "PGSSLMODE=require")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "t" {
			t.Fatalf("psql with sslmode=require: %v: %s", err, out)
		}
	})
	t.Run("Unprivileged", func(t *testing.T) {
		if os.Geteuid() != 0 {
			beratest.Missing(t, "run the tests as root: the instance switches to its own uid")
		}
		pid, _ := p.PID("pg1")
		status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if bytes.Contains(status, []byte("\nUid:\t0\t")) {
			t.Error("postgres runs as root")
		}
	})
	creds, _ := p.Credentials(ctx, "pg1")
	filepath.WalkDir(p.Dir("pg1"), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(creds[0].Password)) {
				t.Errorf("%s holds the password in clear", path)
			}
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(p.Dir("pg1"), "pwfile")); err == nil {
		t.Error("initdb's password file was left behind")
	}
}
