package postgres

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kingvon-ke/bera/internal/addons"
)

// adminConfig is how the provider logs in to st's server to run its own statements: as
// the dedicated server's superuser over TLS verified against Bera's CA, or as the shared
// server's role from SharedURL.
func (p *Provider) adminConfig(st state, database string) (*pgx.ConnConfig, error) {
	if st.Shared {
		cfg, err := pgx.ParseConfig(p.cfg.SharedURL)
		if err != nil {
			return nil, fmt.Errorf("parse --addon-postgres-url: %w", redactErr(err))
		}
		cfg.Database = database
		return cfg, nil
	}
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.cfg.CA.Cert)
	cfg.Host, cfg.Port = p.cfg.Ports.HostOrDefault(), uint16(st.Port)
	cfg.User, cfg.Password, cfg.Database = "postgres", st.Superuser, database
	cfg.TLSConfig = &tls.Config{RootCAs: pool, ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	cfg.Fallbacks = nil
	cfg.ConnectTimeout = 5 * time.Second
	cfg.RuntimeParams["application_name"] = "bera"
	return cfg, nil
}

// redactErr drops the text of a URL parse error, which may quote the URL and its password.
func redactErr(err error) error {
	if strings.Contains(err.Error(), "://") {
		return fmt.Errorf("malformed URL")
	}
	return err
}

// connectAdmin opens an admin connection to database on st's server.
func (p *Provider) connectAdmin(ctx context.Context, st state, database string) (*pgx.Conn, error) {
	cfg, err := p.adminConfig(st, database)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// waitReady waits until st's server takes an admin login (at most a minute).
func (p *Provider) waitReady(ctx context.Context, st state) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		c, err := p.connectAdmin(ctx, st, "postgres")
		if err == nil {
			return c.Close(ctx)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("heroku-postgresql %s did not start (see its postgres.log): %w", st.ID, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// createDefault creates the default role, which owns a new database and may connect to
// nothing else. On a dedicated server it also reads statistics and may end its own
// sessions (one step below superuser, as on Heroku); on a shared one it may not see other
// tenants' activity.
func (p *Provider) createDefault(ctx context.Context, st state, pl plan) error {
	c, err := p.connectAdmin(ctx, st, p.adminDatabase(st))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", p.serverName(st), err)
	}
	defer c.Close(ctx)
	role, db := pgx.Identifier{st.User}.Sanitize(), pgx.Identifier{st.Database}.Sanitize()
	stmts := []string{
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' CONNECTION LIMIT %d", role, scramVerifier(st.Password), pl.Connections),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", db, role),
		fmt.Sprintf("REVOKE ALL ON DATABASE %s FROM PUBLIC", db),
	}
	if !st.Shared {
		stmts = append(stmts,
			fmt.Sprintf("GRANT pg_monitor, pg_signal_backend TO %s", role),
			"REVOKE CONNECT ON DATABASE postgres FROM PUBLIC",
			"REVOKE CONNECT ON DATABASE template1 FROM PUBLIC")
	}
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("create the default credential: %w", err)
		}
	}
	return nil
}

// adminDatabase is the database admin statements run in.
func (p *Provider) adminDatabase(st state) string {
	if st.Shared {
		cfg, err := pgx.ParseConfig(p.cfg.SharedURL)
		if err == nil {
			return cfg.Database
		}
	}
	return "postgres"
}

func (p *Provider) serverName(st state) string {
	if st.Shared {
		return "the shared PostgreSQL server"
	}
	return "heroku-postgresql " + st.ID
}

// Rotate gives the default role a new password and ends its sessions. The new password is
// saved before it is applied, so a failure leaves a state that a retry fixes.
func (p *Provider) Rotate(ctx context.Context, id, name string) (addons.Credential, error) {
	defer p.locks.Lock(id)()
	st, err := p.load(id)
	if err != nil {
		return addons.Credential{}, err
	}
	if name != "default" {
		return addons.Credential{}, addons.ErrNotFound
	}
	st.Password = addons.NewPassword(64)
	if err := p.dirs.Save(id, st); err != nil {
		return addons.Credential{}, err
	}
	c, err := p.connectAdmin(ctx, st, p.adminDatabase(st))
	if err != nil {
		return addons.Credential{}, fmt.Errorf("connect to %s: %w", p.serverName(st), err)
	}
	defer c.Close(ctx)
	role := pgx.Identifier{st.User}.Sanitize()
	if _, err := c.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", role, scramVerifier(st.Password))); err != nil {
		return addons.Credential{}, fmt.Errorf("rotate %s: %w", id, err)
	}
	if _, err := c.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", st.User); err != nil {
		return addons.Credential{}, fmt.Errorf("end the sessions of %s: %w", id, err)
	}
	return p.credential(st), nil
}

// Info reports PG version, connections, data size and tables of id's database.
func (p *Provider) Info(ctx context.Context, id string) (addons.Info, error) {
	st, err := p.load(id)
	if err != nil {
		return addons.Info{}, err
	}
	pl, err := p.findPlan(st.Plan)
	if err != nil {
		return addons.Info{}, err
	}
	c, err := p.connectAdmin(ctx, st, st.Database)
	if err != nil {
		return addons.Info{}, fmt.Errorf("connect to %s: %w", p.serverName(st), err)
	}
	defer c.Close(ctx)
	var version string
	var conns, tables int
	var size int64
	err = c.QueryRow(ctx, `SELECT current_setting('server_version'),
		(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND backend_type = 'client backend' AND pid <> pg_backend_pid()),
		pg_database_size(current_database()),
		(SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))`).
		Scan(&version, &conns, &size, &tables)
	if err != nil {
		return addons.Info{}, fmt.Errorf("heroku-postgresql %s info: %w", id, err)
	}
	version, _, _ = strings.Cut(version, " ")
	info := addons.Info{Version: version, Created: st.Created, Connections: conns, ConnectionLimit: pl.Connections, DataSize: size}
	info.Rows = []addons.InfoRow{
		{Name: "Plan", Values: []string{pl.HumanName}},
		{Name: "Status", Values: []string{"Available"}},
		{Name: "Connections", Values: []string{fmt.Sprintf("%d/%d", conns, pl.Connections)}},
		{Name: "PG Version", Values: []string{version}},
		{Name: "Created", Values: []string{st.Created.Format("2006-01-02 15:04 UTC")}},
		{Name: "Data Size", Values: []string{addons.FormatBytes(size)}},
		{Name: "Tables", Values: []string{fmt.Sprint(tables)}},
		{Name: "Fork/Follow", Values: []string{"Unsupported"}},
		{Name: "Rollback", Values: []string{"Unsupported"}},
		{Name: "Continuous Protection", Values: []string{"Off"}},
	}
	return info, nil
}
