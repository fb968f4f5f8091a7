package drain_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/kingvon-ke/bera/internal/logs"
	"github.com/kingvon-ke/bera/internal/logs/drain"
)

// TestDrain_SyslogTLS delivers over syslog+tls to a server that drops the first connection
// after one frame: the drain reconnects and everything after that frame arrives in order.
func TestDrain_SyslogTLS(t *testing.T) {
	// httptest makes a certificate for 127.0.0.1 and a client config that trusts it.
	cert := httptest.NewTLSServer(http.NotFoundHandler())
	cert.Close()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cert.TLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	frames := make(chan drain.Frame, 100)
	firstClosed := make(chan struct{})
	go func() {
		for first := true; ; first = false {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			rd := drain.NewReader(c)
			for f, err := rd.Next(); err == nil; f, err = rd.Next() {
				frames <- f
				if first {
					break
				}
			}
			c.Close()
			if first {
				close(firstClosed)
			}
		}
	}()

	buf := logs.New(logs.Config{})
	clientTLS := cert.Client().Transport.(*http.Transport).TLSClientConfig
	MustDrain(t, buf, drain.Config{URL: "syslog+tls://" + ln.Addr().String(), TLSConfig: clientTLS, BatchSize: 1})
	buf.Write("app1", "app", "web.1", "seq 0")
	if f := <-frames; seqOf(f.Message) != 0 {
		t.Fatalf("first frame %+v", f)
	}
	<-firstClosed
	// Lines written after the server hung up: some may vanish into the dead connection
	// (at-least-once per connection), later ones arrive in order on a new connection, so
	// keep writing until 50 have arrived.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	last, got := 0, 0
	for i := 1; got < 50; {
		select {
		case f := <-frames:
			s := seqOf(f.Message)
			if s <= last {
				t.Fatalf("seq %d after %d", s, last)
			}
			last, got = s, got+1
		case <-tick.C:
			buf.Write("app1", "app", "web.1", "seq "+strconv.Itoa(i))
			i++
		}
	}
}
