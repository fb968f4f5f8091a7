package redis

import (
	"context"
	"fmt"

	"github.com/kingvon-ke/bera/internal/addons"
)

// SetPolicy sets id's maxmemory-policy on the running redis-server and in its state and
// redis.conf, so a restart keeps it.
func (p *Provider) SetPolicy(ctx context.Context, id, policy string) error {
	if !validPolicy(policy) {
		return addons.ErrInvalidPolicy
	}
	defer p.locks.Lock(id)()
	st, err := p.load(id)
	if err != nil {
		return err
	}
	st.Policy = policy
	if err := p.dirs.Save(id, st); err != nil {
		return err
	}
	if err := p.rewriteConf(st); err != nil {
		return err
	}
	c := p.admin(st)
	defer c.Close()
	if err := c.ConfigSet(ctx, "maxmemory-policy", policy).Err(); err != nil {
		return fmt.Errorf("set heroku-redis %s maxmemory-policy: %w", id, err)
	}
	return nil
}
