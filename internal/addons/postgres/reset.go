package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Reset drops id's database, ending its sessions, and creates it again empty, owned by
// the default role as at provisioning (pg:reset). Credentials stay as they are.
func (p *Provider) Reset(ctx context.Context, id string) error {
	defer p.locks.Lock(id)()
	st, err := p.load(id)
	if err != nil {
		return err
	}
	c, err := p.connectAdmin(ctx, st, p.adminDatabase(st))
	if err != nil {
		return fmt.Errorf("connect to %s: %w", p.serverName(st), err)
	}
	defer c.Close(ctx)
	role, db := pgx.Identifier{st.User}.Sanitize(), pgx.Identifier{st.Database}.Sanitize()
	for _, s := range []string{
		fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", db),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", db, role),
		fmt.Sprintf("REVOKE ALL ON DATABASE %s FROM PUBLIC", db),
	} {
		if _, err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("reset %s: %w", id, err)
		}
	}
	return nil
}
