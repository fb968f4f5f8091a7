//go:build unix

package fastpath

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// rawConn returns conn's syscall.RawConn, or nil when it has none (then writeRead writes
// and reads the ordinary way).
func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// writeRead writes the request p to the dyno and reads the first bytes of its answer into
// the buffer, waiting for them until deadline. It returns nil with nothing read when the
// deadline passed first; the caller's reads go on from there.
//
// Writing from inside RawConn.Read arms Go's poller for the answer before the request
// leaves (RawConn.Read forgets an earlier readiness first, then calls the function), so
// the answer's arrival cannot go unnoticed, and the goroutine waits for it at once instead
// of first trying a read that, right after the write, always fails with EAGAIN. Waiting
// without that read is safe only here: nothing the caller needs can have arrived before
// the request was sent. (A dyno that closed the idle connection meanwhile answers the
// request with a reset, which wakes the wait as well.)
func (c *backendConn) writeRead(p []byte, deadline time.Time) error {
	if c.raw == nil {
		_, err := c.conn.Write(p)
		return err
	}
	if err := c.prepare(deadline, len(c.b)); err != nil {
		return err
	}
	if c.step == nil {
		c.step = c.writeReadStep // bound once: a closure per call would be allocated per request
	}
	o := &c.op
	*o = writeReadOp{p: p}
	err := c.raw.Read(c.step)
	o.p = nil
	switch {
	case o.werr != nil:
		return &net.OpError{Op: "write", Net: "tcp", Addr: c.conn.RemoteAddr(), Err: os.NewSyscallError("write", o.werr)}
	case o.sent < len(p) && (err == nil || errors.Is(err, os.ErrDeadlineExceeded)):
		_, err := c.conn.Write(p[o.sent:]) // the read deadline does not bound a write
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil // the caller's next read sees the deadline too
	case err != nil:
		return err
	case o.rerr != nil:
		return &net.OpError{Op: "read", Net: "tcp", Addr: c.conn.RemoteAddr(), Err: os.NewSyscallError("read", o.rerr)}
	case o.n == 0:
		return io.EOF
	}
	c.w += o.n
	c.nread += int64(o.n)
	return nil
}

// writeReadOp is the state of one writeRead.
type writeReadOp struct {
	p          []byte // the request
	sent       int    // bytes of p written
	n          int    // bytes read
	werr, rerr error
}

// writeReadStep is writeRead's function for RawConn.Read: called first, it writes the
// request and returns false to wait; called after a wake-up, it reads.
func (c *backendConn) writeReadStep(fd uintptr) bool {
	o := &c.op
	for o.sent < len(o.p) {
		m, err := syscall.Write(int(fd), o.p[o.sent:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if m > 0 {
			o.sent += m
		}
		if o.sent < len(o.p) {
			// A full socket buffer or an error: the rest goes the ordinary way.
			if err != nil && !errors.Is(err, syscall.EAGAIN) {
				o.werr = err
			}
			return true
		}
		return false // sent: wait for the answer
	}
	for {
		o.n, o.rerr = syscall.Read(int(fd), c.b[c.w:])
		if !errors.Is(o.rerr, syscall.EINTR) {
			break
		}
	}
	if errors.Is(o.rerr, syscall.EAGAIN) {
		return false // woken early: wait again
	}
	o.n = max(o.n, 0)
	return true
}
