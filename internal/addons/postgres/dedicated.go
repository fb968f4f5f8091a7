package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
)

// provisionDedicated makes a new cluster in dir/data, starts it and creates the default
// role and database. The state is saved before the first process runs, so that a failed
// Provision leaves something Deprovision can find and clean up.
func (p *Provider) provisionDedicated(ctx context.Context, dir string, st *state, pl plan) error {
	owner := addons.InstanceOwner(st.ID)
	port, err := p.cfg.Ports.Allocate()
	if err != nil {
		return err
	}
	st.Port, st.Superuser = port, addons.NewPassword(64)
	if err := p.dirs.Save(st.ID, st); err != nil {
		return err
	}
	data := filepath.Join(dir, "data")
	if err := p.initdb(ctx, dir, data, st.Superuser); err != nil {
		return err
	}
	if err := owner.Chown(dir); err != nil {
		return err
	}
	if err := p.writeConfig(data, *st, pl); err != nil {
		return err
	}
	if _, err := p.sup.Start(p.spec(*st)); err != nil {
		return err
	}
	if err := p.waitReady(ctx, *st); err != nil {
		return err
	}
	return p.createDefault(ctx, *st, pl)
}

// initdb creates the cluster. initdb needs a user name for its uid, which the add-on's
// own uid lacks, so as root it runs as "nobody" and the tree is given to the add-on's uid
// afterwards. The superuser's password goes through a file, never a command line.
func (p *Provider) initdb(ctx context.Context, dir, data, superuser string) error {
	init, err := initOwner()
	if err != nil {
		return err
	}
	pwfile := filepath.Join(dir, "pwfile")
	if err := init.WriteFile(pwfile, []byte(superuser+"\n")); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := os.Mkdir(data, 0o700); err != nil {
		return err
	}
	// nobody must reach data through dir until the tree is handed over.
	if err := init.Chown(dir); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(p.cfg.BinDir, "initdb"), "--pgdata="+data, "--username=postgres",
		"--pwfile="+pwfile, "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	if init.Switch {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(init.UID), Gid: uint32(init.GID), Groups: []uint32{}}}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb: %w: %s", err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// initOwner is the user initdb runs as: nobody when the server is root, else the server.
func initOwner() (addons.Owner, error) {
	if os.Geteuid() != 0 {
		return addons.Owner{UID: os.Geteuid(), GID: os.Getegid()}, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return addons.Owner{}, fmt.Errorf("initdb needs the user nobody: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return addons.Owner{UID: uid, GID: gid, Switch: true}, nil
}

// writeConfig writes bera.conf (included by postgresql.conf), pg_hba.conf and the TLS
// key pair into data, owned by the add-on's uid.
func (p *Provider) writeConfig(data string, st state, pl plan) error {
	owner := addons.InstanceOwner(st.ID)
	if err := p.writeCert(data, owner); err != nil {
		return err
	}
	if err := owner.WriteFile(filepath.Join(data, "bera.conf"), []byte(p.serverConf(st, pl))); err != nil {
		return err
	}
	if err := owner.WriteFile(filepath.Join(data, "pg_hba.conf"), []byte(p.hbaConf())); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString("\ninclude 'bera.conf'\n")
	return err
}

// refreshConfig writes bera.conf and pg_hba.conf again when what this Bera renders differs
// from them (listening addresses added since st was provisioned), and says whether it did.
func (p *Provider) refreshConfig(data string, st state) (bool, error) {
	pl, err := p.findPlan(st.Plan)
	if err != nil {
		return false, err
	}
	owner := addons.InstanceOwner(st.ID)
	changed := false
	for name, content := range map[string]string{"bera.conf": p.serverConf(st, pl), "pg_hba.conf": p.hbaConf()} {
		path := filepath.Join(data, name)
		if old, err := os.ReadFile(path); err == nil && string(old) == content {
			continue
		}
		if err := owner.WriteFile(path, []byte(content)); err != nil {
			return false, err
		}
		changed = true
	}
	return changed, nil
}

// writeCert writes server.crt and server.key into data, signed by Bera's CA for the
// listening addresses and localhost.
func (p *Provider) writeCert(data string, owner addons.Owner) error {
	return addons.WriteCert(p.cfg.CA, owner, filepath.Join(data, "server.crt"), filepath.Join(data, "server.key"),
		append(p.cfg.Ports.Listen(), "localhost"))
}

// spec says how the supervisor runs st's postmaster. SIGINT is PostgreSQL's fast
// shutdown: it ends sessions and checkpoints.
func (p *Provider) spec(st state) supervisor.Spec {
	dir := p.dirs.Dir(st.ID)
	data := filepath.Join(dir, "data")
	return supervisor.Spec{ID: st.ID, Path: filepath.Join(p.cfg.BinDir, "postgres"), Args: []string{"-D", data},
		Env: []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}, Dir: data, PIDFile: filepath.Join(data, "postmaster.pid"),
		Log: filepath.Join(dir, "postgres.log"), Owner: addons.InstanceOwner(st.ID), StopSignal: syscall.SIGINT}
}

// FindBinDir returns the newest /usr/lib/postgresql/N/bin that has postgres, else the
// directory of postgres on PATH.
func FindBinDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	best, bestVersion := "", -1
	for _, m := range matches {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if err == nil && v > bestVersion {
			best, bestVersion = filepath.Dir(m), v
		}
	}
	if best != "" {
		return best, nil
	}
	if path, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(path), nil
	}
	return "", errors.New("heroku-postgresql: no PostgreSQL server binaries (apt-get install postgresql)")
}

func (p *Provider) addr(st state) string {
	if st.Shared {
		host, port := p.sharedHostPort()
		return net.JoinHostPort(host, strconv.Itoa(port))
	}
	return net.JoinHostPort(p.cfg.Ports.DynoHostOrDefault(), strconv.Itoa(st.Port))
}
