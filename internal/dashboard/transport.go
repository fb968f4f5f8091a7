package dashboard

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// apiConn serves the API on an in-memory listener and is the http.RoundTripper of the
// dashboard's API clients: requests reach the API as they would over the network
// (streaming and WebSocket upgrades included), without a network hop or a port.
type apiConn struct {
	ln   *memListener
	srv  *http.Server
	tr   *http.Transport
	done chan struct{} // closed when Serve returned
}

// clientAddrHeader carries the browser's address to the API. Only the in-memory listener
// honours it, and only the dashboard can dial that listener.
const clientAddrHeader = "X-Bera-Dashboard-Client"

type remoteAddrKey struct{}

// withRemoteAddr records the browser's address on ctx, so the API counts failed sign-ins
// against the browser's IP and not against the dashboard.
func withRemoteAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, remoteAddrKey{}, addr)
}

func newAPIConn(api http.Handler) *apiConn {
	ln := &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
	c := &apiConn{ln: ln, done: make(chan struct{}),
		srv: &http.Server{Handler: withClientAddr(api), ReadHeaderTimeout: 10 * time.Second}}
	c.tr = &http.Transport{
		DialContext:         func(ctx context.Context, _, _ string) (net.Conn, error) { return ln.dial(ctx) },
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     time.Minute,
	}
	go func() {
		defer close(c.done)
		c.srv.Serve(ln)
	}()
	return c
}

// withClientAddr sets the request's RemoteAddr from clientAddrHeader.
func withClientAddr(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get(clientAddrHeader); a != "" {
			r.RemoteAddr = a
		}
		r.Header.Del(clientAddrHeader)
		api.ServeHTTP(w, r)
	})
}

// RoundTrip sends req to the API with the browser's address from its context. An https
// URL (the browser's scheme) is sent as plain HTTP: the in-memory connection needs no TLS.
func (c *apiConn) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme = "http"
	addr, _ := req.Context().Value(remoteAddrKey{}).(string)
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	req.Header.Set(clientAddrHeader, addr)
	return c.tr.RoundTrip(req)
}

// Close stops the in-memory server and waits for it; hijacked connections (event streams)
// end when their dashboard side closes.
func (c *apiConn) Close() error {
	err := c.srv.Close()
	c.tr.CloseIdleConnections()
	<-c.done
	return err
}

// memListener is a net.Listener of in-memory connections (net.Pipe).
type memListener struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

// dial returns the client end of a new connection whose server end Accept returns.
func (l *memListener) dial(ctx context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Accept returns the next dialled connection.
func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept and dial fail.
func (l *memListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

// Addr is the listener's (made-up) address.
func (l *memListener) Addr() net.Addr { return memAddr{} }

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "dashboard-api" }
