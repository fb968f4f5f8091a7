package postgres

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/kingvon-ke/bera/internal/addons"
)

// serverConf is bera.conf: listening, limits and memory from the plan, TLS, scram, and
// the durability settings spelled out so that no later edit turns them off.
func (p *Provider) serverConf(st state, pl plan) string {
	return fmt.Sprintf(`# Written by Bera; changes are lost.
listen_addresses = '%s'
port = %d
unix_socket_directories = ''
max_connections = %d
superuser_reserved_connections = 3
shared_buffers = %s
work_mem = %s
maintenance_work_mem = %s
effective_cache_size = %s
huge_pages = off
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
ssl_min_protocol_version = 'TLSv1.2'
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_destination = 'stderr'
log_line_prefix = '%%m [%%p] '
`, strings.Join(p.cfg.Ports.Listen(), ","), st.Port, pl.Connections+5, pl.sharedBuffers, pl.workMem, pl.maintenanceWorkMem, pl.effectiveCache)
}

// hbaConf lets the superuser in only from the server's own address, and everyone else
// from anywhere (dynos on the bridge included) with scram-sha-256; TLS is offered and psql's sslmode=require uses it.
func (p *Provider) hbaConf() string {
	host := p.cfg.Ports.HostOrDefault()
	bits := "/32"
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		bits = "/128"
	}
	return fmt.Sprintf(`# Written by Bera; changes are lost.
# TYPE  DATABASE USER     ADDRESS  METHOD
hostssl all      postgres %s%s scram-sha-256
host    all      postgres all      reject
hostssl all      all      all      scram-sha-256
host    all      all      all      scram-sha-256
`, host, bits)
}

// credential is the default login: a postgres:// URL, the scheme the Heroku CLI requires,
// on the address dynos reach.
func (p *Provider) credential(st state) addons.Credential {
	host, port := p.cfg.Ports.DynoHostOrDefault(), st.Port
	if st.Shared {
		host, port = p.sharedHostPort()
	}
	u := url.URL{Scheme: "postgres", User: url.UserPassword(st.User, st.Password),
		Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: "/" + st.Database}
	return addons.Credential{Name: "default", User: st.User, Password: st.Password, Database: st.Database,
		Host: host, Port: port, URL: u.String()}
}
