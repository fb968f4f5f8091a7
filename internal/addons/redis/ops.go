package redis

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/kingvon-ke/bera/internal/addons"
)

// admin connects to st's redis-server as the "bera" user.
func (p *Provider) admin(st state) *goredis.Client {
	opt := &goredis.Options{Addr: net.JoinHostPort(p.cfg.Ports.HostOrDefault(), strconv.Itoa(st.Port)), Username: "bera", Password: st.AdminPassword,
		MaxRetries: -1, PoolSize: 1, DialTimeout: 2 * time.Second}
	if st.TLS {
		pool := x509.NewCertPool()
		pool.AddCert(p.cfg.CA.Cert)
		opt.TLSConfig = &tls.Config{RootCAs: pool, ServerName: p.cfg.Ports.HostOrDefault(), MinVersion: tls.VersionTLS12}
	}
	return goredis.NewClient(opt)
}

// waitReady waits until st answers PING (at most a minute when ctx has no deadline).
func (p *Provider) waitReady(ctx context.Context, st state) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c := p.admin(st)
	defer c.Close()
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("heroku-redis %s did not start (see its redis.log): %w", st.ID, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Credentials returns the default credential of id.
func (p *Provider) Credentials(ctx context.Context, id string) ([]addons.Credential, error) {
	st, err := p.load(id)
	if err != nil {
		return nil, err
	}
	return []addons.Credential{p.credential(st)}, nil
}

// Rotate gives the default user a new password and disconnects its clients. The new
// password is saved before it is applied, so a failure leaves a state that a retry fixes.
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
	if err := p.rewriteConf(st); err != nil {
		return addons.Credential{}, err
	}
	c := p.admin(st)
	defer c.Close()
	if err := c.Do(ctx, "ACL", "SETUSER", "default", "resetpass", "#"+hash(st.Password)).Err(); err != nil {
		return addons.Credential{}, fmt.Errorf("rotate heroku-redis %s: %w", id, err)
	}
	if err := c.Do(ctx, "CLIENT", "KILL", "USER", "default").Err(); err != nil && !strings.Contains(err.Error(), "No such") {
		return addons.Credential{}, fmt.Errorf("disconnect heroku-redis %s clients: %w", id, err)
	}
	return p.credential(st), nil
}

// Info reports version, memory, policy and clients of id.
func (p *Provider) Info(ctx context.Context, id string) (addons.Info, error) {
	st, err := p.load(id)
	if err != nil {
		return addons.Info{}, err
	}
	pl, err := findPlan(st.Plan)
	if err != nil {
		return addons.Info{}, err
	}
	c := p.admin(st)
	defer c.Close()
	raw, err := c.Info(ctx, "server", "memory", "clients", "persistence").Result()
	if err != nil {
		return addons.Info{}, fmt.Errorf("heroku-redis %s info: %w", id, err)
	}
	f := parseInfo(raw)
	used, _ := strconv.ParseInt(f["used_memory"], 10, 64)
	clients, _ := strconv.Atoi(f["connected_clients"])
	info := addons.Info{Version: f["redis_version"], Created: st.Created,
		Connections: clients - 1, ConnectionLimit: pl.Connections, DataSize: used}
	info.Rows = []addons.InfoRow{
		{Name: "Plan", Values: []string{pl.HumanName}},
		{Name: "Status", Values: []string{"available"}},
		{Name: "Created", Values: []string{st.Created.Format("2006-01-02 15:04 UTC")}},
		{Name: "Version", Values: []string{info.Version}},
		{Name: "Timeout", Values: []string{"0"}},
		{Name: "Maxmemory", Values: []string{st.Policy}},
		{Name: "Memory", Values: []string{addons.FormatBytes(used) + " of " + addons.FormatBytes(pl.Memory)}},
		{Name: "Clients", Values: []string{fmt.Sprintf("%d/%d", info.Connections, pl.Connections)}},
		{Name: "Persistence", Values: []string{"AOF"}},
		{Name: "Requires TLS", Values: []string{yesNo(st.TLS)}},
	}
	return info, nil
}

// parseInfo reads the "key:value" lines of an INFO reply.
func parseInfo(raw string) map[string]string {
	out := map[string]string{}
	for line := range strings.Lines(raw) {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && !strings.HasPrefix(k, "#") {
			out[k] = v
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}
