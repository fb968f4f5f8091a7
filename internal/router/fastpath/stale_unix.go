//go:build unix

package fastpath

import (
	"errors"
	"syscall"
)

// alive reports whether an idle connection to a dyno is still open and quiet: one
// non-blocking read on rc (the connection's, see rawConn) must find nothing to read. A dyno
// that closed it (keep-alive timeout, restart) makes the read return end of file; stray
// bytes make it unusable too. A connection without a RawConn cannot be checked here.
func alive(rc syscall.RawConn) bool {
	if rc == nil {
		return true
	}
	ok := false
	err := rc.Read(func(fd uintptr) bool {
		ok = quiet(int(fd))
		return true // one attempt, never wait
	})
	return err == nil && ok
}

// quiet reports whether a non-blocking socket has nothing to read and no end of file: one
// read finds nothing (EAGAIN).
func quiet(fd int) bool {
	var b [1]byte
	_, err := syscall.Read(fd, b[:])
	return errors.Is(err, syscall.EAGAIN)
}
