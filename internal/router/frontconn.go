package router

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The front end's per-connection loop. One request at a time: read its head, parse it
// (h1.go), write it to a pooled dyno connection with the router's headers, read the
// response head, relay head and body. The client's response is assembled in one buffer
// and written when the dyno has nothing more to read right away, so a small response
// costs one write and a streamed one is flushed as it arrives.

// Client connection states, for Shutdown.
const (
	connIdle    int32 = iota // waiting for a request: Shutdown may close it
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

// errTooManyFiles is the accept error that is worth waiting out.
var errTooManyFiles = syscall.EMFILE

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

	in       []byte // in[head:end] is read and unparsed
	head     int
	end      int
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
	e     *entry // the request's route, found by fast
	resN  int    // length of the response head in the dyno connection's buffer
}

// newFrontConn prepares the state of a client connection.
func newFrontConn(f *Frontend, conn net.Conn) *frontConn {
	c := &frontConn{f: f, r: f.r, conn: conn, in: make([]byte, frontBufSize)}
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
			c.f.handoff(c.conn, c.in[c.head:c.end])
			return
		}
		if !c.proxy(n) {
			c.conn.Close()
			return
		}
		c.head += n
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
		if i := bytes.Index(c.in[c.head:c.end], []byte("\r\n\r\n")); i >= 0 {
			c.headStart = time.Time{}
			return i + 4, true
		}
		if c.head == c.end {
			c.head, c.end = 0, 0
			if !c.state.CompareAndSwap(connActive, connIdle) && c.state.Load() != connIdle {
				return 0, false
			}
		}
		if c.end == len(c.in) {
			switch {
			case c.head > 0:
				c.end = copy(c.in, c.in[c.head:c.end])
				c.head = 0
			case len(c.in) < maxFastHead:
				grown := make([]byte, 2*len(c.in))
				copy(grown, c.in[:c.end])
				c.in = grown
			default:
				return -1, true
			}
		}
		if c.rd.set(c.conn.SetReadDeadline, c.headDeadline()) != nil {
			return 0, false
		}
		m, err := c.conn.Read(c.in[c.end:])
		if m > 0 && !c.state.CompareAndSwap(connIdle, connActive) && c.state.Load() != connActive {
			return 0, false // Shutdown closed it
		}
		c.end += m
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
	if c.head == c.end {
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
	if c.head != c.end {
		return
	}
	if len(c.in) > frontBufSize {
		c.in, c.head, c.end = make([]byte, frontBufSize), 0, 0
	}
	if cap(c.out) >= outBufSize {
		outPool.Put(&c.out)
		c.out = nil
	}
}

// outPool recycles the response buffers of connections that relayed a big response.
var outPool = sync.Pool{New: func() any { b := make([]byte, 0, outBufSize); return &b }}

// fast parses the request head of length n and reports whether the fast path serves it.
func (c *frontConn) fast(n int) bool {
	head := c.in[c.head : c.head+n]
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

// roundTrip sends the request to a dyno, retrying other dynos only while connecting fails,
// and relays the response. It reports whether the client connection is still usable.
func (c *frontConn) roundTrip(x *exchange) bool {
	c.tried = c.tried[:0]
	err := errNoBackend
	for range c.r.cfg.Attempts {
		u := c.r.pick(x.e, c.tried)
		if u == nil {
			break
		}
		x.dyno, x.rtStart, x.connect = u.Dyno, time.Now(), 0
		bc, herr := c.send(x, u)
		if herr == nil {
			ok := c.relay(x, u, bc)
			u.release()
			return ok
		}
		u.release()
		if err = herr; !isDialError(err) {
			break
		}
		c.tried = append(c.tried, u)
	}
	x.code = c.classify(x, err)
	if x.code == H27 {
		return false
	}
	return c.writePage(x, x.code.Status(), codes[x.code].page)
}

// classify maps an error before the response head to an H-code.
func (c *frontConn) classify(x *exchange, err error) Code {
	var ne net.Error
	switch {
	case errors.Is(err, errClientGone):
		return H27
	case errors.Is(err, errNoBackend) && x.e.route.Crashed:
		return H10
	case errors.Is(err, errNoBackend):
		return H14
	case isDialError(err) && errors.As(err, &ne) && ne.Timeout():
		return H19
	case isDialError(err):
		return H21
	case errors.Is(err, os.ErrDeadlineExceeded):
		return H12
	}
	return H13
}

// send writes the request to u over a pooled or new connection and reads the response head
// into c.res. A reused connection that the dyno had already closed is replaced by a new one
// when nothing at all was read from it and the method is safe to repeat, as http.Transport
// does.
func (c *frontConn) send(x *exchange, u *Upstream) (*backendConn, error) {
	for {
		bc, reused := u.pool.get(), true
		if bc == nil {
			reused = false
			dialStart := time.Now()
			conn, err := c.r.dialer.Dial("tcp", u.Addr)
			x.connect = time.Since(dialStart)
			if err != nil {
				return nil, err
			}
			bc = newBackendConn(conn)
		}
		before := bc.nread
		_, err := bc.conn.Write(c.fwd)
		if err == nil {
			err = c.readResponseHead(x, bc)
		}
		if err == nil {
			return bc, nil
		}
		bc.conn.Close()
		if !reused || bc.nread != before || !replayable(c.req.method) || errors.Is(err, errClientGone) {
			return nil, err
		}
	}
}

// replayable reports whether a bodyless request with method m may be sent twice.
func replayable(m []byte) bool {
	switch string(m) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// clientWatchDelay is how long a dyno may take to answer before the router starts watching
// the client connection for a hang-up (H27) while it waits.
const clientWatchDelay = time.Second

// readResponseHead reads the dyno's response head into c.res, skipping informational
// responses, within Config.ResponseTimeout of the request's start. From clientWatchDelay on
// it also watches the client, and gives up with errClientGone when the client hangs up.
func (c *frontConn) readResponseHead(x *exchange, bc *backendConn) (err error) {
	deadline := x.start.Add(c.r.cfg.ResponseTimeout)
	watchAt := x.start.Add(clientWatchDelay)
	var w *clientWatch
	defer func() {
		if w != nil && c.unwatch(w) {
			err = errClientGone
		}
	}()
	for {
		n := headEnd(bc.buffered())
		if n < 0 {
			wait := deadline
			if w == nil && watchAt.Before(deadline) {
				wait = watchAt
			}
			err := c.fillHead(bc, w, wait)
			if w == nil && wait.Equal(watchAt) && errors.Is(err, os.ErrDeadlineExceeded) {
				w = c.watch(bc)
				continue
			}
			if err != nil {
				return err
			}
			continue
		}
		isHead := string(c.req.method) == http.MethodHead
		if err := parseResponseHead(bc.buffered()[:n], isHead, &c.res); err != nil {
			return err
		}
		if c.res.status == http.StatusSwitchingProtocols {
			return errBadResponse // no upgrade was asked for on this path
		}
		if c.res.status >= 200 {
			c.resN = n
			return nil
		}
		bc.r += n // 1xx: the final response follows
	}
}

// fillHead reads more of a response head from bc until wait. While the client is watched
// (w not nil), the deadline is set under the watch's lock, so a hang-up noticed meanwhile
// is never overwritten by a later deadline.
func (c *frontConn) fillHead(bc *backendConn, w *clientWatch, wait time.Time) error {
	if w == nil {
		return bc.fill(wait, maxResponseHeaderBytes)
	}
	w.mu.Lock()
	err := bc.prepare(wait, maxResponseHeaderBytes)
	if w.gone {
		err = errClientGone
	}
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return bc.read()
}

// clientWatch is a read on the client connection while the router waits for a slow dyno:
// it ends with the client's next bytes (kept), or with the client gone, which cuts the wait
// for the dyno short.
type clientWatch struct {
	done chan struct{}
	buf  [1024]byte
	n    int
	mu   sync.Mutex // guards gone, and the dyno connection's deadline while watching
	gone bool
}

// watch starts watching the client for the request waiting on bc.
func (c *frontConn) watch(bc *backendConn) *clientWatch {
	w := &clientWatch{done: make(chan struct{})}
	c.conn.SetReadDeadline(time.Time{}) //nolint:errcheck // a failure shows in the read
	c.rd.at = time.Time{}
	go func() {
		defer close(w.done)
		n, err := c.conn.Read(w.buf[:])
		w.n = n
		if n == 0 && err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.gone = true
			// Ends the wait for the dyno; bc.rd is the waiting goroutine's, so not through it.
			bc.conn.SetReadDeadline(time.Unix(1, 0)) //nolint:errcheck // bc is dropped next
		}
	}()
	return w
}

// unwatch ends a watch, keeps what the client sent meanwhile, and reports whether the client
// is gone.
func (c *frontConn) unwatch(w *clientWatch) bool {
	c.rd.expire(c.conn.SetReadDeadline)
	<-w.done
	if w.n > 0 {
		if c.end+w.n > len(c.in) {
			grown := make([]byte, c.end+w.n+frontBufSize)
			copy(grown, c.in[:c.end])
			c.in = grown
		}
		c.end += copy(c.in[c.end:], w.buf[:w.n])
	}
	return w.gone
}

// relay sends the response head and body to the client. It reports whether the client
// connection is still usable.
func (c *frontConn) relay(x *exchange, u *Upstream, bc *backendConn) bool {
	x.status = c.res.status
	closeClient := c.req.close || c.res.framing == bodyClose
	c.out = c.appendResponseHead(c.out[:0], x, closeClient)
	bc.r += c.resN
	var err error
	switch c.res.framing {
	case bodyLength:
		err = c.relayLength(x, bc, c.res.length)
	case bodyChunked:
		err = c.relayChunked(x, bc)
	case bodyClose:
		err = c.relayUntilClose(x, bc)
	}
	if err == nil {
		err = c.flush()
	} else if !errors.Is(err, errClientGone) {
		c.flush() //nolint:errcheck // what the client gets of a response cut short
	}
	switch {
	case err == nil && !c.res.close && bc.r == bc.w:
		u.pool.put(bc, c.r.cfg.MaxIdleConnsPerBackend)
	default:
		bc.conn.Close()
	}
	switch {
	case errors.Is(err, errClientGone):
		x.code = H27
		return false
	case errors.Is(err, os.ErrDeadlineExceeded):
		x.code = H15
		return false
	case err != nil:
		x.code = H13
		return false
	}
	return !closeClient
}

// appendResponseHead appends the response head for the client: the dyno's status and
// fields without hop-by-hop ones, the request id, and the framing of the relayed body.
func (c *frontConn) appendResponseHead(b []byte, x *exchange, closeClient bool) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(c.res.status), 10)
	b = append(b, ' ')
	b = append(b, c.res.reason...)
	b = append(b, "\r\n"...)
	c.drop = connectionNames(c.res.fields, c.drop[:0])
	for _, f := range c.res.fields {
		if oneOf(f.name, hopByHop) || equalLower(f.name, "x-request-id") || c.dropped(f.name) {
			continue
		}
		b = appendField(b, f.name, f.value)
	}
	b = append(b, "X-Request-Id: "...)
	b = append(b, x.reqID...)
	b = append(b, "\r\n"...)
	if c.res.framing == bodyChunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if closeClient {
		b = append(b, "Connection: close\r\n"...)
	}
	return append(b, "\r\n"...)
}

// dropped reports whether the dyno's Connection header named this field.
func (c *frontConn) dropped(name []byte) bool {
	for _, d := range c.drop {
		if bytes.EqualFold(name, d) {
			return true
		}
	}
	return false
}

// relayLength relays a body of n bytes.
func (c *frontConn) relayLength(x *exchange, bc *backendConn, n int64) error {
	for n > 0 {
		if bc.r == bc.w {
			if err := c.fillBody(bc); err != nil {
				return err
			}
		}
		chunk := bc.buffered()
		if int64(len(chunk)) > n {
			chunk = chunk[:n]
		}
		if err := c.emit(chunk); err != nil {
			return err
		}
		bc.r += len(chunk)
		n -= int64(len(chunk))
		x.bytes += int64(len(chunk))
	}
	return nil
}

// relayUntilClose relays a body that ends when the dyno closes the connection.
func (c *frontConn) relayUntilClose(x *exchange, bc *backendConn) error {
	for {
		if bc.r == bc.w {
			err := c.fillBody(bc)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
		chunk := bc.buffered()
		if err := c.emit(chunk); err != nil {
			return err
		}
		bc.r += len(chunk)
		x.bytes += int64(len(chunk))
	}
}

// maxChunkLine bounds a chunk-size or trailer line.
const maxChunkLine = 4 << 10

// relayChunked relays a chunked body chunk by chunk, trailers included.
func (c *frontConn) relayChunked(x *exchange, bc *backendConn) error {
	for {
		line, err := c.chunkLine(bc)
		if err != nil {
			return err
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return err
		}
		if size == 0 {
			return c.relayTrailers(bc)
		}
		var hdr [20]byte
		if err := c.emit(append(strconv.AppendInt(hdr[:0], size, 16), '\r', '\n')); err != nil {
			return err
		}
		if err := c.relayLength(x, bc, size); err != nil {
			return err
		}
		if line, err = c.chunkLine(bc); err != nil || len(line) != 0 {
			return errors.Join(errBadResponse, err)
		}
		if err := c.emit([]byte("\r\n")); err != nil {
			return err
		}
	}
}

// relayTrailers relays the trailer fields after the last chunk, and the end of the body.
func (c *frontConn) relayTrailers(bc *backendConn) error {
	if err := c.emit([]byte("0\r\n")); err != nil {
		return err
	}
	for {
		line, err := c.chunkLine(bc)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return c.emit([]byte("\r\n"))
		}
		f, ok := parseField(line)
		if !ok {
			return errBadResponse
		}
		var b [256]byte
		if err := c.emit(appendField(b[:0], f.name, f.value)); err != nil {
			return err
		}
	}
}

// chunkLine returns the next line of a chunked body, without its line ending.
func (c *frontConn) chunkLine(bc *backendConn) ([]byte, error) {
	for {
		if i := bytes.IndexByte(bc.buffered(), '\n'); i >= 0 {
			line := bc.buffered()[:i]
			bc.r += i + 1
			return bytes.TrimSuffix(line, []byte{'\r'}), nil
		}
		if len(bc.buffered()) > maxChunkLine {
			return nil, errBadResponse
		}
		if err := c.fillBody(bc); err != nil {
			return nil, err
		}
	}
}

// fillBody flushes what the client is owed, then waits up to Config.IdleTimeout for more
// of the body from the dyno.
func (c *frontConn) fillBody(bc *backendConn) error {
	if err := c.flush(); err != nil {
		return err
	}
	err := bc.fill(time.Now().Add(c.r.cfg.IdleTimeout), len(bc.buf))
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		return errors.Join(errDynoBody, err)
	}
	return err
}

// emit queues p for the client, writing first when it would not fit.
func (c *frontConn) emit(p []byte) error {
	if len(c.out)+len(p) <= outBufSize {
		if len(c.out)+len(p) > cap(c.out) {
			big := *outPool.Get().(*[]byte)
			c.out = append(big[:0], c.out...)
		}
		c.out = append(c.out, p...)
		return nil
	}
	if err := c.flush(); err != nil {
		return err
	}
	if len(p) >= outBufSize/2 {
		return c.write(p)
	}
	c.out = append(c.out, p...)
	return nil
}

// flush writes the queued bytes to the client.
func (c *frontConn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	err := c.write(c.out)
	c.out = c.out[:0]
	return err
}

// write writes p to the client within Config.IdleTimeout.
func (c *frontConn) write(p []byte) error {
	if err := c.wd.set(c.conn.SetWriteDeadline, time.Now().Add(c.r.cfg.IdleTimeout)); err != nil {
		return errors.Join(errClientGone, err)
	}
	if _, err := c.conn.Write(p); err != nil {
		return errors.Join(errClientGone, err)
	}
	return nil
}

// writePage answers with a router page, and reports whether the connection stays usable.
func (c *frontConn) writePage(x *exchange, status int, page []byte) bool {
	x.status = status
	b := append(c.out[:0], "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-cache, no-store\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(page)), 10)
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, x.reqID...)
	if c.req.close {
		b = append(b, "\r\nConnection: close"...)
	}
	b = append(b, "\r\n\r\n"...)
	if string(c.req.method) != http.MethodHead {
		b = append(b, page...)
	}
	c.out = b
	return c.flush() == nil
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
