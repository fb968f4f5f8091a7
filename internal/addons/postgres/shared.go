package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// provisionShared creates st's role and database on the shared server.
func (p *Provider) provisionShared(ctx context.Context, st *state, pl plan) error {
	if err := p.dirs.Save(st.ID, st); err != nil {
		return err
	}
	return p.createDefault(ctx, *st, pl)
}

// dropShared drops st's database (ending its sessions) and role from the shared server.
func (p *Provider) dropShared(ctx context.Context, st state) error {
	c, err := p.connectAdmin(ctx, st, p.adminDatabase(st))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", p.serverName(st), err)
	}
	defer c.Close(ctx)
	// A Provision that failed half-way may have created neither.
	stmts := []string{
		fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{st.Database}.Sanitize()),
		fmt.Sprintf("DROP ROLE IF EXISTS %s", pgx.Identifier{st.User}.Sanitize()),
	}
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("deprovision %s: %w", st.ID, err)
		}
	}
	return nil
}

// sharedHostPort is where apps reach the shared server.
func (p *Provider) sharedHostPort() (string, int) {
	cfg, err := pgx.ParseConfig(p.cfg.SharedURL)
	if err != nil {
		return "", 0
	}
	return cfg.Host, int(cfg.Port)
}
