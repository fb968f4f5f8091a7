package drain_test

import (
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kingvon-ke/bera/internal/beratest"
	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

// countingListener accepts TCP connections on 127.0.0.1, counts and closes them.
func countingListener(t *testing.T) (port string, accepted *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted = new(atomic.Int32)
	go func() {
		for c, err := ln.Accept(); err == nil; c, err = ln.Accept() {
			accepted.Add(1)
			c.Close()
		}
	}()
	_, port, _ = net.SplitHostPort(ln.Addr().String())
	return port, accepted
}

// TestDrain_PrivateAddresses points drains of every kind at a listener on 127.0.0.1 through
// host names and address spellings that a check of the name alone lets through. Each is
// refused when dialled, without a connection, unless AllowPrivate is set.
func TestDrain_PrivateAddresses(t *testing.T) {
	for _, scheme := range []string{"syslog", "syslog+tls", "http", "https"} {
		// localhost comes from /etc/hosts; the numeric forms are what C resolvers accept.
		for _, host := range []string{"127.0.0.1", "localhost", "127.1", "2130706433", "0x7f.0.0.1", "0177.0.0.1"} {
			t.Run(scheme+"://"+host, func(t *testing.T) {
				// A listener of its own: a drain of another test may still be connecting.
				port, accepted := countingListener(t)
				u := scheme + "://" + net.JoinHostPort(host, port) + "/"
				var log beratest.SyncBuffer
				buf := logs.New(logs.Config{})
				mustDrainAs(t, buf, drain.Config{URL: u, Logger: slog.New(slog.NewTextHandler(&log, nil))})
				buf.Write("app1", "app", "web.1", "seq 0")
				waitFor(t, "the drain to refuse the address", func() bool {
					return strings.Contains(log.String(), "127.0.0.1 is a loopback address")
				})
				if n := accepted.Load(); n != 0 {
					t.Fatalf("the listener accepted %d connections; log:\n%s", n, log.String())
				}
				var said []string
				waitFor(t, "the app's stream to say why", func() bool {
					page, _ := buf.Tail(t.Context(), "app1", logs.Filter{Dyno: "logplex"}, 10)
					said = said[:0]
					for _, l := range page.Lines {
						said = append(said, l.Message)
					}
					return len(said) > 0
				})
				want := "Error: drain d.0f1e2d3c leads to 127.0.0.1, a loopback address; this server does not deliver to private networks."
				if len(said) != 1 || said[0] != want {
					t.Errorf("app's logplex lines %q, want one %q", said, want)
				}
			})
			t.Run(scheme+"://"+host+"/AllowPrivate", func(t *testing.T) {
				port, accepted := countingListener(t)
				u := scheme + "://" + net.JoinHostPort(host, port) + "/"
				buf := logs.New(logs.Config{})
				mustDrainAs(t, buf, drain.Config{URL: u, AllowPrivate: true})
				buf.Write("app1", "app", "web.1", "seq 0")
				waitFor(t, "the drain to connect", func() bool { return accepted.Load() > 0 })
			})
		}
	}
}
