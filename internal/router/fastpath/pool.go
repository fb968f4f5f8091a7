package fastpath

import (
	"errors"
	"net"
	"sync"
	"syscall"
	"time"
)

// The fast path's keep-alive connections to dynos. The slow path uses http.Transport's own
// pool instead.

// maxResponseHeaderBytes bounds what a dyno may send before its response body.
const maxResponseHeaderBytes = 1 << 20

// IdleConnTimeout is how long a keep-alive connection to a dyno may sit unused, on both
// paths.
const IdleConnTimeout = 90 * time.Second

// backendBufSize is the read buffer of a connection to a dyno; it grows for a larger head.
const backendBufSize = 16 << 10

// errHeaderTooLarge is returned for a dyno's response headers over maxResponseHeaderBytes.
var errHeaderTooLarge = errors.New("response headers too large")

// Pool keeps idle keep-alive connections to one dyno, most recently used last. The zero
// value is an empty pool.
type Pool struct {
	mu     sync.Mutex // guards the following
	idle   []*backendConn
	closed bool
}

// backendConn is one HTTP/1.1 connection to a dyno with its read buffer.
type backendConn struct {
	conn net.Conn
	raw  syscall.RawConn // conn's, for writeRead; nil if it has none
	op   writeReadOp
	step func(fd uintptr) bool // c.writeReadStep, bound once
	rbuf
	nread     int64 // bytes read from conn in all
	rd        lazyDeadline
	idleSince time.Time

	// While an event loop owns the connection (loop_linux.go): conn is nil and fd is the
	// socket, owner the dyno whose loop pool it goes back to, fc the client connection whose
	// request it carries (nil when idle). sentReused and sentBase are, for the request
	// sent, whether the connection had served one before and nread before it was sent.
	fd         int
	owner      Backend
	fc         *frontConn
	sentReused bool
	sentBase   int64
}

// newBackendConn wraps a freshly dialed connection.
func newBackendConn(conn net.Conn) *backendConn {
	return &backendConn{conn: conn, raw: rawConn(conn), rbuf: rbuf{b: make([]byte, backendBufSize)}, fd: -1}
}

// rbuf is a read buffer: b[r:w] holds the bytes read and not yet consumed.
type rbuf struct {
	b    []byte
	r, w int
}

// buffered returns the bytes read and not yet consumed.
func (b *rbuf) buffered() []byte { return b.b[b.r:b.w] }

// room makes space after the buffered bytes for the next read: it moves them to the front,
// or doubles the buffer up to limit bytes. It reports false when the buffer is full at limit.
func (b *rbuf) room(limit int) bool {
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
	if b.w < len(b.b) {
		return true
	}
	if b.r > 0 {
		b.w = copy(b.b, b.b[b.r:b.w])
		b.r = 0
		return true
	}
	if len(b.b) >= limit {
		return false
	}
	grown := make([]byte, min(2*len(b.b), limit))
	b.w = copy(grown, b.b[:b.w])
	b.b = grown
	return true
}

// fill reads more from the dyno, first making room at the end of the buffer (see prepare).
// The read ends at deadline.
func (c *backendConn) fill(deadline time.Time, limit int) error {
	if err := c.prepare(deadline, limit); err != nil {
		return err
	}
	return c.read()
}

// prepare makes room at the end of the buffer, moving the unread bytes to the front or
// growing it up to limit, and sets the read deadline.
func (c *backendConn) prepare(deadline time.Time, limit int) error {
	if !c.room(limit) {
		return errHeaderTooLarge
	}
	return c.rd.set(c.conn.SetReadDeadline, deadline)
}

// read reads once into the room prepare made.
func (c *backendConn) read() error {
	n, err := c.conn.Read(c.b[c.w:])
	c.w += n
	c.nread += int64(n)
	if n > 0 {
		return nil
	}
	return err
}

// staleCheckAfter is how long a connection may sit idle before get checks that the dyno has
// not closed it. Dynos close idle keep-alive connections after a few seconds (Node's
// default is 5 s); a request sent on one of those fails, and only some can be retried.
const staleCheckAfter = time.Second

// get returns an idle connection that is still open, or nil.
func (p *Pool) get() *backendConn {
	for {
		c := p.pop()
		if c == nil {
			return nil
		}
		idle := time.Since(c.idleSince)
		if idle < staleCheckAfter || idle < IdleConnTimeout && alive(c.raw) {
			return c
		}
		c.conn.Close()
	}
}

// pop takes the most recently used idle connection, or returns nil.
func (p *Pool) pop() *backendConn {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	c := p.idle[n-1]
	p.idle = p.idle[:n-1]
	return c
}

// put returns c to the pool, or closes it if the pool is full or closed.
func (p *Pool) put(c *backendConn, max int) {
	c.idleSince = time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= max {
		c.conn.Close()
		return
	}
	p.idle = append(p.idle, c)
}

// Close closes every idle connection and refuses new ones.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, c := range p.idle {
		c.conn.Close()
	}
	p.idle = nil
}

// deadlineSlack is how late a lazily set deadline may fire.
const deadlineSlack = time.Second

// lazyDeadline sets a connection deadline only when the one already set is not within
// deadlineSlack after the wanted time, so a busy keep-alive connection re-arms its timer
// about once a second rather than on every request. Timeouts fire up to deadlineSlack late.
type lazyDeadline struct{ at time.Time }

// set makes sure the deadline is between want and want+deadlineSlack.
func (d *lazyDeadline) set(setter func(time.Time) error, want time.Time) error {
	if late := d.at.Sub(want); late >= 0 && late <= deadlineSlack {
		return nil
	}
	d.at = want.Add(deadlineSlack / 2)
	return setter(d.at)
}

// expire makes the next read or write fail at once.
func (d *lazyDeadline) expire(setter func(time.Time) error) {
	d.at = time.Unix(1, 0)
	setter(d.at) //nolint:errcheck // the connection is being given up anyway
}
