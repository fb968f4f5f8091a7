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
	var b [1]byte
	var n int
	var rerr error
	err := rc.Read(func(fd uintptr) bool {
		n, rerr = syscall.Read(int(fd), b[:])
		return true // one attempt, never wait
	})
	return err == nil && n < 0 && errors.Is(rerr, syscall.EAGAIN)
}
