package fastpath

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The front end's per-connection loop. One request at a time: read its head, parse it
// (h1.go), write it with the router's headers to a pooled dyno connection and read the
// response head (dyno.go), relay head and body (relay.go), report it (Routes.Report).

// Client connection states, for Shutdown.
const (
	connNew     int32 = iota // accepted, its first request not there yet: Shutdown waits a little
	connIdle                 // waiting for another request: Shutdown may close it
	connActive               // serving a request
	connClosing              // closed by Shutdown
)

// Buffer sizes of a client connection. The read buffer grows for a bigger head up to
// maxFastHead; a head bigger than that goes to the slow path (whose limit is
// router.Config.MaxHeaderBytes).
const (
	frontBufSize = 4 << 10
	maxFastHead  = 64 << 10
	outBufSize   = 32 << 10
)

// acmeChallengePrefix starts the paths of ACME HTTP-01 challenges, always left to Slow.
var acmeChallengePrefix = []byte("/.well-known/acme-challenge/")

// Errors that end a relayed response early, for its H-code.
var (
	errClientGone = errors.New("client connection failed")
	errDynoBody   = errors.New("reading the response body from the dyno failed")
)

// frontConn is one client connection of a Server.
type frontConn struct {
	f     *Server
	cfg   *Config
	conn  net.Conn
	state atomic.Int32

	in       rbuf // bytes read from the client and not yet served
	rd, wd   lazyDeadline
	clientIP string
	port     string

	// Per-request scratch, reused.
	req   reqHead
	res   resHead
	host  []byte
	fwd   []byte // the request as sent to the dyno
	out   []byte // the response being assembled for the client
	drop  [][]byte
	tried []Backend
	id    [36]byte
	x     Exchange // the request's progress, for Routes.Report
	// headStart is when the first bytes of a request head not yet whole arrived.
	headStart time.Time
	rt        Route // the request's route, found by fast
	resN      int   // length of the response head in the dyno connection's buffer

	// While an event loop owns the connection (loop_linux.go): conn is nil (both guarded
	// by Server.mu), fd is the socket, and for a request in flight n is its head's length,
	// u and bc the dyno and connection it went to; more is set when the client may have
	// sent more than was read; since is when the connection began to wait for a request.
	lp    *loop
	fd    int
	n     int
	u     Backend
	bc    *backendConn
	more  bool
	since time.Time
}

// newFrontConn prepares the state of a client connection.
func newFrontConn(f *Server, conn net.Conn) *frontConn {
	c := &frontConn{f: f, cfg: &f.cfg, conn: conn, in: rbuf{b: make([]byte, frontBufSize)}, fd: -1}
	c.clientIP, c.port = "", "80"
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		c.clientIP = a.IP.String()
	}
	if a, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		c.port = strconv.Itoa(a.Port)
	}
	return c
}

// serve runs the connection's request loop until it closes, is handed to the slow path, or
// (with Config.EventLoop) waits for its next request in an event loop.
func (c *frontConn) serve() {
	for {
		n, ok := c.readHead()
		switch {
		case !ok:
			c.close()
			return
		case n == 0:
			return // an event loop waits for its next request (loop_linux.go)
		}
		if !c.serveRequest(n) {
			return
		}
	}
}

// serveRequest serves the request whose head of length n (-1: too big) is buffered, and
// reports whether the connection stays open for another; if not, it was closed or handed
// to the slow path.
func (c *frontConn) serveRequest(n int) bool {
	if n < 0 || !c.fast(n) {
		c.f.remove(c)
		c.f.handoff(c.conn, c.in.buffered())
		return false
	}
	return c.next(n, c.proxy(n))
}

// next ends the request of head length n: the connection closes unless keep, and the
// server is not shutting down.
func (c *frontConn) next(n int, keep bool) bool {
	if !keep {
		c.close()
		return false
	}
	c.in.r += n
	c.release()
	if c.f.closed.Load() {
		c.close()
		return false
	}
	return true
}

// close closes the client connection and forgets it.
func (c *frontConn) close() {
	c.conn.Close()
	c.f.remove(c)
}

// readHead reads until the buffer holds a whole request head and returns its length, or -1
// if it is too big for the fast path. ok is false when the connection ended (or must end)
// without one.
func (c *frontConn) readHead() (n int, ok bool) {
	for {
		if i := bytes.Index(c.in.buffered(), []byte("\r\n\r\n")); i >= 0 {
			c.headStart = time.Time{}
			return i + 4, true
		}
		if c.in.r == c.in.w && !c.state.CompareAndSwap(connActive, connIdle) && c.state.Load() == connClosing {
			return 0, false
		}
		if ls := c.f.loops.Load(); c.in.r == c.in.w && ls != nil && ls.adopt(c) {
			return 0, true
		}
		if !c.in.room(maxFastHead) {
			return -1, true
		}
		if c.rd.set(c.conn.SetReadDeadline, c.headDeadline()) != nil {
			return 0, false
		}
		m, err := c.conn.Read(c.in.b[c.in.w:])
		if m > 0 && !c.state.CompareAndSwap(connIdle, connActive) && !c.state.CompareAndSwap(connNew, connActive) &&
			c.state.Load() != connActive {
			return 0, false // Shutdown closed it
		}
		c.in.w += m
		if err != nil && m == 0 {
			return 0, false
		}
	}
}

// headDeadline is when reading the next request head fails: Config.IdleTimeout while the
// connection waits for a request, and Config.ResponseTimeout from its first byte (as
// net/http's ReadHeaderTimeout on the slow path), so a head cannot be trickled in forever.
func (c *frontConn) headDeadline() time.Time {
	now := time.Now()
	if c.in.r == c.in.w {
		return now.Add(c.cfg.IdleTimeout)
	}
	if c.headStart.IsZero() {
		c.headStart = now
	}
	return c.headStart.Add(c.cfg.ResponseTimeout)
}

// release gives back the buffers a big request or response grew, once the connection is
// between requests, so idle keep-alive connections stay small.
func (c *frontConn) release() {
	if c.in.r != c.in.w {
		return
	}
	if len(c.in.b) > frontBufSize {
		c.in = rbuf{b: make([]byte, frontBufSize)}
	}
	if cap(c.out) >= outBufSize {
		// Pool a slice header of its own: a pointer to c.out would hand the next
		// connection this field, which this connection goes on writing.
		b := c.out[:0]
		outPool.Put(&b)
		c.out = nil
	}
}

// outPool recycles the response buffers of connections that relayed a big response.
var outPool = sync.Pool{New: func() any { b := make([]byte, 0, outBufSize); return &b }}

// fast parses the request head of length n and reports whether the fast path serves it.
func (c *frontConn) fast(n int) bool {
	head := c.in.buffered()[:n]
	if !parseRequestHead(head, &c.req) || bytes.HasPrefix(c.req.target, acmeChallengePrefix) {
		return false
	}
	var ok bool
	if c.host, ok = AppendNormalizedHost(c.host[:0], c.req.host); !ok {
		return false
	}
	// Unknown hosts, maintenance, crashed or missing dynos: the slow path renders the page.
	c.rt = c.cfg.Routes.Lookup(c.host)
	return c.rt != nil
}

// proxy serves the parsed request of head length n and reports whether the connection
// stays open for another.
func (c *frontConn) proxy(n int) bool {
	c.begin()
	return c.end(c.roundTrip(&c.x, nil, nil))
}

// begin starts the exchange of the parsed request: its id and the request as the dyno
// gets it.
func (c *frontConn) begin() {
	c.x = Exchange{Start: time.Now(), Method: c.req.method, Target: c.req.target, Host: c.host, ClientIP: c.clientIP}
	c.x.RequestID = c.requestID()
	c.buildRequest(&c.x)
}

// end reports the exchange; ok is whether the client connection is still usable. It
// returns whether the connection stays open for another request.
func (c *frontConn) end(ok bool) bool {
	keep := ok && !c.req.close
	c.cfg.Routes.Report(c.rt, &c.x)
	c.rt = nil
	return keep
}

// requestID returns the client's valid X-Request-Id or a new one.
func (c *frontConn) requestID() []byte {
	if id := c.req.requestID; ValidRequestID(string(id)) {
		return id
	}
	AppendUUID(c.id[:0])
	return c.id[:]
}

// buildRequest writes the request as the dyno gets it into c.fwd: the client's fields
// except hop-by-hop and untrusted ones, then the router's.
func (c *frontConn) buildRequest(x *Exchange) {
	b := append(c.fwd[:0], c.req.method...)
	b = append(b, ' ')
	b = append(b, c.req.target...)
	b = append(b, " HTTP/1.1\r\n"...)
	for _, f := range c.req.fields {
		if oneOf(f.name, hopByHop) || oneOf(f.name, untrusted) {
			continue
		}
		b = appendField(b, f.name, f.value)
	}
	b = append(b, "X-Forwarded-For: "...)
	b = append(b, c.clientIP...)
	b = append(b, "\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: "...)
	b = append(b, c.port...)
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, x.RequestID...)
	b = append(b, "\r\nX-Request-Start: "...)
	b = strconv.AppendInt(b, x.Start.UnixMilli(), 10)
	b = append(b, "\r\nVia: "...)
	b = append(b, c.cfg.Via...)
	c.fwd = append(b, "\r\n\r\n"...)
}

// appendField appends one header line.
func appendField(b, name, value []byte) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}
