package redis

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/kingvon-ke/bera/internal/addons"
	"github.com/kingvon-ke/bera/internal/addons/supervisor"
)

// confTemplate is an instance's redis.conf. Passwords appear only as SHA-256 hashes (ACL
// '#'), so the file holds no secret: the default user's password is what requirepass would
// set, and the "bera" user is the provider's own. The default user may not run @admin
// commands (CONFIG, DEBUG, SHUTDOWN, REPLICAOF, MODULE …), as on Heroku.
const confTemplate = `# Written by Bera at every start; changes are lost.
bind %[1]s
%[2]s
protected-mode no
daemonize no
pidfile %[3]s/redis.pid
logfile ""
dir %[3]s
appendonly yes
appendfsync everysec
save 3600 1 300 100 60 10000
maxmemory %[4]d
maxmemory-policy %[5]s
maxclients %[6]d
user default on #%[7]s ~* &* +@all -@admin
user bera on #%[8]s ~* &* +@all
`

// conf renders redis.conf for st on plan pl.
func (p *Provider) conf(dir string, st state, pl plan) string {
	listen := "port " + strconv.Itoa(st.Port)
	if st.TLS {
		listen = fmt.Sprintf("port 0\ntls-port %d\ntls-cert-file %s/tls.crt\ntls-key-file %s/tls.key\ntls-auth-clients no",
			st.Port, dir, dir)
	}
	// Bera's admin connections come on top of the plan's clients.
	return fmt.Sprintf(confTemplate, bindAddrs(p.cfg.Ports), listen, dir, pl.Memory, st.Policy,
		pl.Connections+4, hash(st.Password), hash(st.AdminPassword))
}

// bindAddrs is the bind line's value: the host address, and the dynos' one marked
// optional ('-'), so that an instance still starts while that address is missing (the
// runc bridge not made yet after a reboot).
func bindAddrs(ports *addons.Ports) string {
	addrs := ports.Listen()
	for i := 1; i < len(addrs); i++ {
		addrs[i] = "-" + addrs[i]
	}
	return strings.Join(addrs, " ")
}

func hash(password string) string {
	sum := sha256.Sum256([]byte(password))
	return hex.EncodeToString(sum[:])
}

// writeFiles writes redis.conf (and the TLS key pair) into dir and gives dir to the
// instance's uid.
func (p *Provider) writeFiles(dir string, st state, pl plan) error {
	owner := addons.InstanceOwner(st.ID)
	if st.TLS {
		if err := p.writeCert(dir, owner); err != nil {
			return err
		}
	}
	if err := owner.WriteFile(filepath.Join(dir, "redis.conf"), []byte(p.conf(dir, st, pl))); err != nil {
		return fmt.Errorf("write redis.conf: %w", err)
	}
	return owner.Chown(dir)
}

// writeCert writes tls.crt and tls.key signed by Bera's CA for the host and localhost.
func (p *Provider) writeCert(dir string, owner addons.Owner) error {
	return addons.WriteCert(p.cfg.CA, owner, filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"),
		append(p.cfg.Ports.Listen(), "localhost"))
}

// spec says how the supervisor runs st's redis-server.
func (p *Provider) spec(st state) supervisor.Spec {
	dir := p.dirs.Dir(st.ID)
	return supervisor.Spec{ID: st.ID, Path: p.cfg.Binary, Args: []string{filepath.Join(dir, "redis.conf")},
		Env: []string{"PATH=/usr/bin:/bin"}, Dir: dir, PIDFile: filepath.Join(dir, "redis.pid"),
		Log: filepath.Join(dir, "redis.log"), Owner: addons.InstanceOwner(st.ID), StopSignal: syscall.SIGTERM}
}

// addr is where dynos reach st.
func (p *Provider) addr(st state) string {
	return net.JoinHostPort(p.cfg.Ports.DynoHostOrDefault(), strconv.Itoa(st.Port))
}

// credential is the default user's login, on the address dynos reach; Heroku's REDIS_URL
// has an empty user name.
func (p *Provider) credential(st state) addons.Credential {
	scheme := "redis"
	if st.TLS {
		scheme = "rediss"
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword("", st.Password), Host: p.addr(st)}
	return addons.Credential{Name: "default", Password: st.Password, Host: p.cfg.Ports.DynoHostOrDefault(),
		Port: st.Port, URL: u.String()}
}

// refreshConf writes st's redis.conf again when what this Bera renders differs from it
// (listening addresses added since st was provisioned), and says whether it did.
func (p *Provider) refreshConf(st state) (bool, error) {
	pl, err := findPlan(st.Plan)
	if err != nil {
		return false, err
	}
	dir := p.dirs.Dir(st.ID)
	if old, err := os.ReadFile(filepath.Join(dir, "redis.conf")); err == nil && string(old) == p.conf(dir, st, pl) {
		return false, nil
	}
	return true, p.rewriteConf(st)
}

// rewriteConf writes st's redis.conf again (after a rotation) so a restart keeps it.
func (p *Provider) rewriteConf(st state) error {
	pl, err := findPlan(st.Plan)
	if err != nil {
		return err
	}
	dir := p.dirs.Dir(st.ID)
	tmp := filepath.Join(dir, "redis.conf.tmp")
	if err := addons.InstanceOwner(st.ID).WriteFile(tmp, []byte(p.conf(dir, st, pl))); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "redis.conf"))
}
