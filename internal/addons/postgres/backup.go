package postgres

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
)

// Backup writes a pg_dump custom-format dump of id's database to w, taken as the default
// role in one snapshot (pg_dump's own consistency), without owners or privileges so that
// it restores into any database.
func (p *Provider) Backup(ctx context.Context, id string, w io.Writer) error {
	st, err := p.load(id)
	if err != nil {
		return err
	}
	cmd := p.clientCommand(ctx, st, "pg_dump", "--format=custom", "--no-owner", "--no-privileges")
	cmd.Stdout = w
	return runClient(cmd, "back up "+id)
}

// Restore replaces the objects of id's database with those of a dump Backup wrote, in one
// transaction: it restores all of the dump or nothing. Objects the dump does not hold stay.
func (p *Provider) Restore(ctx context.Context, id string, r io.Reader) error {
	st, err := p.load(id)
	if err != nil {
		return err
	}
	cmd := p.clientCommand(ctx, st, "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
		"--single-transaction", "--dbname="+st.Database)
	cmd.Stdin = r
	return runClient(cmd, "restore "+id)
}

// clientCommand runs a PostgreSQL client program as the default role; the password goes
// in the environment, never on the command line.
func (p *Provider) clientCommand(ctx context.Context, st state, name string, args ...string) *exec.Cmd {
	c := p.credential(st)
	sslmode := "require"
	if st.Shared {
		sslmode = "prefer"
	}
	cmd := exec.CommandContext(ctx, filepath.Join(p.cfg.BinDir, name), args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "PGHOST=" + c.Host, "PGPORT=" + strconv.Itoa(c.Port), "PGUSER=" + c.User,
		"PGPASSWORD=" + c.Password, "PGDATABASE=" + c.Database, "PGSSLMODE=" + sslmode, "PGAPPNAME=bera-backup"}
	return cmd
}

func runClient(cmd *exec.Cmd, what string) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", what, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}
