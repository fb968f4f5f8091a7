package router

import (
	"errors"
	"net"
	"sync"
	"time"
)

// The front end's keep-alive connections to dynos (front.go). The slow path uses
// http.Transport's own pool instead.

// maxResponseHeaderBytes bounds what a dyno may send before its response body.
const maxResponseHeaderBytes = 1 << 20

// idleConnTimeout is how long a keep-alive connection to a dyno may sit unused.
const idleConnTimeout = 90 * time.Second

// backendBufSize is the read buffer of a connection to a dyno; it grows for a larger head.
const backendBufSize = 16 << 10

// errHeaderTooLarge is returned for a dyno's response headers over maxResponseHeaderBytes.
var errHeaderTooLarge = errors.New("response headers too large")

// connPool keeps idle keep-alive connections to one backend, most recently used last.
type connPool struct {
	mu     sync.Mutex // guards the following
	idle   []*backendConn
	closed bool
}

// backendConn is one HTTP/1.1 connection to a dyno with its read buffer: buf[r:w] is read
// from the dyno and not yet relayed.
type backendConn struct {
	conn      net.Conn
	buf       []byte
	r, w      int
	nread     int64 // bytes read from conn in all
	rd        lazyDeadline
	idleSince time.Time
}

// newBackendConn wraps a freshly dialed connection.
func newBackendConn(conn net.Conn) *backendConn {
	return &backendConn{conn: conn, buf: make([]byte, backendBufSize)}
}

// buffered returns the bytes read and not yet consumed.
func (c *backendConn) buffered() []byte { return c.buf[c.r:c.w] }

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
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if c.w == len(c.buf) {
		switch {
		case c.r > 0:
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		case len(c.buf) < limit:
			grown := make([]byte, min(2*len(c.buf), limit))
			c.w = copy(grown, c.buf[c.r:c.w])
			c.r, c.buf = 0, grown
		default:
			return errHeaderTooLarge
		}
	}
	return c.rd.set(c.conn.SetReadDeadline, deadline)
}

// read reads once into the room prepare made.
func (c *backendConn) read() error {
	n, err := c.conn.Read(c.buf[c.w:])
	c.w += n
	c.nread += int64(n)
	if n > 0 {
		return nil
	}
	return err
}

// get returns an idle connection, or nil.
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
