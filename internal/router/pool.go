package router

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// The fast path: requests without a body and without an upgrade (nearly all GETs) are sent
// over the router's own keep-alive connections from the handler's goroutine, which saves
// http.Transport's two goroutine hand-offs per request. Framing is still the standard
// library's (Request.Write, ReadResponse). Everything else uses http.Transport.

// maxResponseHeaderBytes bounds what a dyno may send before its response body.
const maxResponseHeaderBytes = 1 << 20

// idleConnTimeout is how long a keep-alive connection to a dyno may sit unused.
const idleConnTimeout = 90 * time.Second

// errHeaderTooLarge is returned for a dyno's response headers over maxResponseHeaderBytes.
var errHeaderTooLarge = errors.New("response headers too large")

// fastPath reports whether req can use the router's own connections.
func fastPath(req *http.Request) bool {
	return req.Body == nil && req.Header.Get("Upgrade") == ""
}

// connPool keeps idle keep-alive connections to one backend, most recently used last.
type connPool struct {
	mu     sync.Mutex // guards the following
	idle   []*backendConn
	closed bool
}

// backendConn is one HTTP/1.1 connection to a dyno.
type backendConn struct {
	conn      net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	nread     int64 // bytes read from conn
	limit     int64 // read limit while reading headers; 0 for none
	idleSince time.Time
}

// Read implements io.Reader for the buffered reader, counting and limiting bytes.
func (c *backendConn) Read(p []byte) (int, error) {
	if c.limit > 0 && c.nread >= c.limit {
		return 0, errHeaderTooLarge
	}
	n, err := c.conn.Read(p)
	c.nread += int64(n)
	return n, err
}

// get returns an idle connection (reused=true) or nil.
func (p *connPool) get() *backendConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := len(p.idle); n > 0; n = len(p.idle) {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		if time.Since(c.idleSince) < idleConnTimeout {
			return c
		}
		c.conn.Close()
	}
	return nil
}

// put returns c to the pool, or closes it if the pool is full or closed.
func (p *connPool) put(c *backendConn, max int) {
	c.idleSince = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= max {
		c.conn.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// close closes every idle connection and refuses new ones.
func (p *connPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		c.conn.Close()
	}
	p.idle = nil
}

// fastRoundTrip sends a bodyless request to u over a pooled connection. A reused
// connection that the dyno had already closed is retried once on a new one, as
// http.Transport does, when nothing at all was read from it.
func (r *Router) fastRoundTrip(st *state, u *Upstream, req *http.Request) (*http.Response, error) {
	for {
		c := u.pool.get()
		reused := c != nil
		if !reused {
			var err error
			if c, err = r.dialBackend(st, u.Addr); err != nil {
				return nil, err
			}
		}
		before := c.nread
		res, err := r.exchange(st, u, c, req)
		if err == nil {
			return res, nil
		}
		c.conn.Close()
		if !reused || c.nread > before || st.Err() != nil {
			return nil, err
		}
	}
}

// dialBackend connects to addr and records the connect time.
func (r *Router) dialBackend(st *state, addr string) (*backendConn, error) {
	start := time.Now()
	conn, err := r.dialer.DialContext(st, "tcp", addr)
	st.connect.Store(int64(time.Since(start)))
	if err != nil {
		return nil, err
	}
	c := &backendConn{conn: conn}
	c.br = bufio.NewReaderSize(c, 16<<10)
	c.bw = bufio.NewWriterSize(conn, 8<<10)
	return c, nil
}

// exchange writes req on c and reads the response headers. Cancelling st unblocks it by
// expiring the connection's deadline.
func (r *Router) exchange(st *state, u *Upstream, c *backendConn, req *http.Request) (*http.Response, error) {
	stop := context.AfterFunc(st, func() { c.conn.SetDeadline(time.Unix(1, 0)) }) //nolint:errcheck // best effort
	c.limit = c.nread + maxResponseHeaderBytes
	if err := req.Write(c.bw); err != nil {
		stop()
		return nil, fmt.Errorf("write request: %w", err)
	}
	if err := c.bw.Flush(); err != nil {
		stop()
		return nil, fmt.Errorf("write request: %w", err)
	}
	res, err := readFinalResponse(c.br, req)
	c.limit = 0
	if err != nil {
		stop()
		return nil, err
	}
	res.Body = &pooledBody{rc: res.Body, c: c, pool: &u.pool, max: r.cfg.MaxIdleConnsPerBackend, stop: stop, keep: !res.Close}
	return res, nil
}

// readFinalResponse reads a response, skipping informational (1xx) ones except 101.
func readFinalResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		res, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, fmt.Errorf("read response: %w", err)
		}
		if res.StatusCode >= 200 || res.StatusCode < 100 || res.StatusCode == http.StatusSwitchingProtocols {
			return res, nil
		}
	}
}

// pooledBody is a fast-path response body. Read to its end, it hands the connection back to
// the pool; closed early, it closes the connection.
type pooledBody struct {
	rc   io.ReadCloser
	c    *backendConn
	pool *connPool
	max  int
	stop func() bool
	keep bool
	done bool
}

// Read implements io.Reader.
func (b *pooledBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.finish(true)
	} else if err != nil {
		b.finish(false)
	}
	return n, err
}

// Close implements io.Closer.
func (b *pooledBody) Close() error {
	b.finish(false)
	return nil
}

// finish releases the connection once: back to the pool after a clean end, closed otherwise.
func (b *pooledBody) finish(clean bool) {
	if b.done {
		return
	}
	b.done = true
	// If the cancel hook already ran, the connection's deadline is spoiled.
	if b.stop() && clean && b.keep {
		b.pool.put(b.c, b.max)
		return
	}
	b.c.conn.Close()
}
