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
	var (
		sent       int
		werr, rerr error
		n          int
		read       bool
	)
	err := c.raw.Read(func(fd uintptr) bool {
		for sent < len(p) {
			m, err := syscall.Write(int(fd), p[sent:])
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			if m > 0 {
				sent += m
			}
			if sent < len(p) {
				// A full socket buffer or an error: the rest goes the ordinary way.
				if err != nil && !errors.Is(err, syscall.EAGAIN) {
					werr = err
				}
				return true
			}
			return false // sent: wait for the answer
		}
		for {
			n, rerr = syscall.Read(int(fd), c.b[c.w:])
			if !errors.Is(rerr, syscall.EINTR) {
				break
			}
		}
		if errors.Is(rerr, syscall.EAGAIN) {
			return false // woken early: wait again
		}
		read = true
		return true
	})
	switch {
	case werr != nil:
		return &net.OpError{Op: "write", Net: "tcp", Addr: c.conn.RemoteAddr(), Err: os.NewSyscallError("write", werr)}
	case sent < len(p) && (err == nil || errors.Is(err, os.ErrDeadlineExceeded)):
		_, err := c.conn.Write(p[sent:]) // the read deadline does not bound a write
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil // the caller's next read sees the deadline too
	case err != nil:
		return err
	case rerr != nil:
		return &net.OpError{Op: "read", Net: "tcp", Addr: c.conn.RemoteAddr(), Err: os.NewSyscallError("read", rerr)}
	case read && n == 0:
		return io.EOF
	}
	c.w += n
	c.nread += int64(n)
	return nil
}
