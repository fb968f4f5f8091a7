package drain

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/kingvon-ke/bera/internal/netguard"
)

// dialTimeout bounds one connection attempt to a syslog drain.
const dialTimeout = 10 * time.Second

// syslogTransport writes octet-counted frames over one TCP or TLS connection, redialling
// after an error.
type syslogTransport struct {
	addr   string
	tls    *tls.Config // nil for plain TCP
	dialer *netguard.Dialer
	conn   net.Conn // owned by Run's goroutine
}

func newSyslog(u *url.URL, cfg *tls.Config, allowPrivate bool) (*syslogTransport, error) {
	if u.Port() == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("syslog drain url %q needs a host and a port", u.Redacted())
	}
	t := &syslogTransport{addr: u.Host, dialer: &netguard.Dialer{Timeout: dialTimeout, AllowPrivate: allowPrivate}}
	if u.Scheme == "syslog+tls" {
		t.tls = &tls.Config{ServerName: u.Hostname()}
		if cfg != nil {
			t.tls = cfg.Clone()
			if t.tls.ServerName == "" {
				t.tls.ServerName = u.Hostname()
			}
		}
	}
	return t, nil
}

func (t *syslogTransport) send(ctx context.Context, batch []byte, _ int, _ string) error {
	if t.conn == nil {
		if err := t.dial(ctx); err != nil {
			return err
		}
	}
	// A destination that stops reading blocks the write; ctx's end unblocks it.
	// The callback gets its own copy of conn: close below clears t.conn while
	// the callback may still be running.
	conn := t.conn
	stop := context.AfterFunc(ctx, func() { _ = conn.SetWriteDeadline(time.Unix(1, 0)) })
	_, err := conn.Write(batch)
	stop()
	if err != nil {
		_ = t.close()
		return fmt.Errorf("write to syslog drain %s: %w", t.addr, err)
	}
	return nil
}

func (t *syslogTransport) dial(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := t.dialer.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return fmt.Errorf("dial syslog drain %s: %w", t.addr, err)
	}
	if t.tls != nil {
		tc := tls.Client(conn, t.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("dial syslog drain %s: %w", t.addr, err)
		}
		conn = tc
	}
	t.conn = conn
	return nil
}

func (t *syslogTransport) close() error {
	if t.conn == nil {
		return nil
	}
	err := t.conn.Close()
	t.conn = nil
	return err
}
