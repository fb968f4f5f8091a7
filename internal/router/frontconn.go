package router

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The front end's per-connection loop. One request at a time: read its head, parse it
// (h1.go), write it with the router's headers to a pooled dyno connection and read the
// response head (frontdyno.go), relay head and body (frontrelay.go), report it (finish).

// Client connection states, for Shutdown.
const (
	connNew     int32 = iota // accepted, its first request not there yet: Shutdown waits a little
	connIdle                 // waiting for another request: Shutdown may close it
	connActive               // serving a request
	connClosing              // closed by Shutdown
)

// Buffer sizes of a client connection. The read buffer grows for a bigger head up to
// maxFastHead; a head bigger than that goes to the slow path (whose limit is
// Config.MaxHeaderBytes).
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

// frontConn is one client connection of a Frontend.
type frontConn struct {
	f     *Frontend
	r     *Router
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
	tried []*Upstream
	id    [36]byte
	// headStart is when the first bytes of a request head not yet whole arrived.
	headStart time.Time
	e         *entry // the request's route, found by fast
	resN      int    // length of the response head in the dyno connection's buffer
}

// newFrontConn prepares the state of a client connection.
func newFrontConn(f *Frontend, conn net.Conn) *frontConn {
	c := &frontConn{f: f, r: f.r, conn: conn, in: rbuf{b: make([]byte, frontBufSize)}}
	c.clientIP, c.port = "", "80"
	if a, ok := conn.RemoteAddr().(*net.TCPAddr); ok {
		c.clientIP = a.IP.String()
	}
	if a, ok := conn.LocalAddr().(*net.TCPAddr); ok {
		c.port = strconv.Itoa(a.Port)
	}
	return c
}

// serve runs the connection's request loop until it closes or is handed to the slow path.
func (c *frontConn) serve() {
	defer c.f.remove(c)
	for {
		n, ok := c.readHead()
		if !ok {
			c.conn.Close()
			return
		}
		if n < 0 || !c.fast(n) {
			c.f.handoff(c.conn, c.in.buffered())
			return
		}
		if !c.proxy(n) {
			c.conn.Close()
			return
		}
		c.in.r += n
		c.release()
		if c.f.closed.Load() {
			c.conn.Close()
			return
		}
	}
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
		return now.Add(c.r.cfg.IdleTimeout)
	}
	if c.headStart.IsZero() {
		c.headStart = now
	}
	return c.headStart.Add(c.r.cfg.ResponseTimeout)
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
	if c.host, ok = appendNormalizedHost(c.host[:0], c.req.host); !ok {
		return false
	}
	if c.f.Divert != nil && c.f.Divert(c.host) {
		return false
	}
	e := c.r.table.Load().lookupBytes(c.host)
	// Unknown hosts, maintenance, crashed or missing dynos: the slow path renders the page.
	c.e = e
	return e != nil && !e.route.Maintenance && len(e.ups) > 0
}

// exchange is one request's progress, for its log line.
type exchange struct {
	e       *entry
	start   time.Time
	rtStart time.Time
	connect time.Duration
	dyno    string
	code    Code
	status  int
	bytes   int64
	reqID   []byte
}

// proxy serves the parsed request of head length n and reports whether the connection
// stays open for another.
func (c *frontConn) proxy(n int) bool {
	x := exchange{start: time.Now(), e: c.e}
	x.reqID = c.requestID()
	c.buildRequest(&x)
	keep := c.roundTrip(&x) && !c.req.close
	c.finish(&x)
	return keep
}

// requestID returns the client's valid X-Request-Id or a new one.
func (c *frontConn) requestID() []byte {
	if id := c.req.requestID; validRequestID(string(id)) {
		return id
	}
	appendUUID(c.id[:0])
	return c.id[:]
}

// buildRequest writes the request as the dyno gets it into c.fwd: the client's fields
// except hop-by-hop and untrusted ones, then the router's.
func (c *frontConn) buildRequest(x *exchange) {
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
	b = append(b, x.reqID...)
	b = append(b, "\r\nX-Request-Start: "...)
	b = strconv.AppendInt(b, x.start.UnixMilli(), 10)
	b = append(b, "\r\nVia: "...)
	b = append(b, c.r.cfg.Via...)
	c.fwd = append(b, "\r\n\r\n"...)
}

// appendField appends one header line.
func appendField(b, name, value []byte) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// finish reports the request to the log sink and metrics.
func (c *frontConn) finish(x *exchange) {
	sink, met := c.r.cfg.Sink, c.r.cfg.Metrics
	if sink == nil && met == nil {
		return
	}
	end := time.Now()
	e := Entry{
		AppID:     x.e.route.AppID,
		Code:      x.code,
		Method:    methodString(c.req.method),
		Path:      string(c.req.target),
		Host:      string(c.host),
		RequestID: string(x.reqID),
		Fwd:       c.clientIP,
		Dyno:      x.dyno,
		Status:    x.status,
		Bytes:     x.bytes,
		Protocol:  "http",
	}
	switch {
	case x.code == H27:
		e.Status = 499
	case x.code != "":
		e.Status = x.code.Status()
	}
	if x.dyno != "" {
		e.Connect = x.connect
		e.Service = max(end.Sub(x.rtStart)-x.connect, 0)
	}
	if sink != nil {
		sink.RouterLine(e.AppID, e.Line())
	}
	if met != nil {
		met.Observe(&e)
	}
}

// methodString returns m as a string, without allocating for the common methods.
func methodString(m []byte) string {
	for _, s := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodDelete, http.MethodOptions, http.MethodPatch} {
		if string(m) == s {
			return s
		}
	}
	return string(m)
}
